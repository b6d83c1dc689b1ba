"""The read model: one generation of the index, read consistently (documents, chunk table, BM25)."""

from __future__ import annotations

from dataclasses import dataclass

from kb.config import Config
from kb.schema import Clause, ParsedDocument
from kb.store.bm25 import Bm25Index
from kb.store.chunk_table import ChunkTable
from kb.store.layout import bm25_path, state_path
from kb.store.state import IndexState


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
    state = IndexState(state_path(config))
    try:
        read = state.snapshot()
        try:
            bm25: Bm25Index | None = Bm25Index.load(bm25_path(config, read.generation))
        except (OSError, ValueError, KeyError):
            bm25 = None
        if bm25 is None or bm25.size != len(read.chunks):
            # Missing or half-written BM25 file: read the tokens (a new consistent view) and rebuild in memory.
            read = state.snapshot(with_tokens=True)
            bm25 = Bm25Index.build(read.tokens or [])
    finally:
        state.close()
    return Snapshot(read.generation, {d.meta.doc_id: d for d in read.documents}, read.chunks, bm25)
