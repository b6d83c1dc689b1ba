"""The read model: one generation of the index, read consistently (documents, chunk table, BM25)."""

from __future__ import annotations

from dataclasses import dataclass

from kb.config import Config
from kb.schema import Clause, ParsedDocument
from kb.store.bm25 import Bm25Index
from kb.store.chunk_table import ChunkTable
from kb.store.layout import bm25_path
from kb.store.state import open_index_state


@dataclass(frozen=True)
class Snapshot:
    """One generation of the index, read consistently: documents, chunks and the BM25 index over them."""

    generation: int
    documents: dict[str, ParsedDocument]
    chunks: ChunkTable
    bm25: Bm25Index

    def clause(self, doc_id: str, label: str) -> Clause | None:
        doc = self.documents.get(doc_id)
        return doc.clause(label) if doc else None


def load_snapshot(config: Config) -> Snapshot:
    """The current generation. Its BM25 file is used when it was built from exactly these chunks; a missing,
    damaged or stale one (a writer killed before writing it) is rebuilt in memory from the state's tokens."""
    with open_index_state(config) as state:
        read = state.snapshot()
        bm25 = Bm25Index.read(bm25_path(config, read.generation), read.chunks.digest)
        if bm25 is None:
            read = state.snapshot(with_tokens=True)  # a new consistent view, with the tokens
            bm25 = Bm25Index.build(read.tokens or [], chunks_digest=read.chunks.digest)
    return Snapshot(read.generation, {d.meta.doc_id: d for d in read.documents}, read.chunks, bm25)
