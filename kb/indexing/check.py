"""Check that the corpus, the SQLite state, the vectors and the BM25 index agree, and repair them."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.config import Config
from kb.corpus.folder import corpus_files, corpus_fingerprint, read_manifest
from kb.embedding.embedder import Embedder
from kb.errors import KbError
from kb.indexing.ingest import IngestReport, Indexer, Progress, no_progress, write_bm25
from kb.store.bm25 import Bm25Index
from kb.store.layout import bm25_path, state_path, writer_lock
from kb.store.state import IndexState
from kb.store.vectors import open_vectors


@dataclass
class CheckReport:
    stale_files: list[str] = field(default_factory=list)  # corpus documents missing from the index or out of date
    orphan_documents: list[str] = field(default_factory=list)  # indexed documents whose file is gone
    unreadable_files: list[str] = field(default_factory=list)
    missing_vectors: int = 0  # chunks without a vector
    orphan_vectors: int = 0  # vectors that no chunk refers to
    bm25_stale: bool = False
    repaired: bool = False

    @property
    def consistent(self) -> bool:
        return not (self.stale_files or self.orphan_documents or self.missing_vectors or self.orphan_vectors
                    or self.bm25_stale)


def check_index(config: Config, embedder: Embedder, repair: bool = False, progress: Progress = no_progress
                ) -> CheckReport:
    """Do the corpus, the SQLite state, the vectors and the BM25 index agree? With `repair`, make them agree."""
    report = CheckReport()
    manifest = read_manifest(config.corpus_dir)
    on_disk: dict[str, str] = {}
    for path in corpus_files(config.corpus_dir):
        try:
            doc_id, content_hash = corpus_fingerprint(path, manifest.get(path.name, {}))
        except KbError as exc:
            report.unreadable_files.append(str(exc))
            continue
        on_disk[doc_id] = content_hash
    state = IndexState(state_path(config))
    try:
        indexed = state.document_hashes()
        report.stale_files = sorted(d for d, h in on_disk.items() if indexed.get(d) != h)
        report.orphan_documents = sorted(set(indexed) - set(on_disk))
        vectors = open_vectors(config, embedder.name)
        chunk_ids, vector_ids = state.chunk_ids(), vectors.all_ids()
        report.missing_vectors = len(chunk_ids - vector_ids)
        report.orphan_vectors = len(vector_ids - chunk_ids)
        try:
            report.bm25_stale = Bm25Index.load(bm25_path(config, state.generation)).size != len(chunk_ids)
        except (OSError, ValueError, KeyError):
            report.bm25_stale = True
        if repair and not report.consistent:
            Indexer(config, embedder, progress=progress).sync_corpus()
            with writer_lock(config):
                chunk_ids, vector_ids = state.chunk_ids(), vectors.all_ids()
                lacking = [c for c in state.chunks() if c.chunk.chunk_id not in vector_ids]
                Indexer(config, embedder, progress=progress)._embed_missing(vectors, lacking, IngestReport())
                vectors.delete(vectors.all_ids() - chunk_ids)
                write_bm25(config, state)
            report.repaired = True
    finally:
        state.close()
    return report
