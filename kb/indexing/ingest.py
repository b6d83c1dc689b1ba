"""Ingest: make the index (SQLite state + Chroma vectors + BM25) match the corpus, incrementally and safely.

Order of work, so that a process killed at any point leaves the previous index fully usable:
1. parse and chunk the new or changed documents (nothing written);
2. embed only chunks whose content-addressed id is not in Chroma yet, and add them (unreferenced extras so far);
3. swap the documents' chunk lists in one SQLite transaction (the moment the new corpus becomes visible);
4. drop vectors no longer referenced, and write the BM25 index for the new generation.
The next run after a kill finds the document still changed and finishes the job, reusing stored vectors.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
from filelock import Timeout

from kb.config import Config
from kb.corpus.folder import (CorpusDocument, corpus_files, corpus_fingerprint, default_doc_id, load_corpus_document,
                       read_manifest)
from kb.embedding.embedder import Embedder
from kb.errors import KbError
from kb.indexing.chunk import chunk_document
from kb.store.bm25 import Bm25Index
from kb.store.layout import bm25_files, bm25_path, state_path, writer_lock
from kb.store.state import IndexedChunk, IndexState
from kb.store.vectors import VectorStore, open_vectors
from kb.text.tokens import PolicyTokenizer, default_tokenizer

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one-line reasons for corpus files that could not be read
    unstructured: list[str] = field(default_factory=list)  # documents without numbering, indexed by paragraphs
    chunks_embedded: int = 0
    chunks_reused: int = 0
    generation: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def write_bm25(config: Config, state: IndexState) -> Bm25Index:
    generation = state.generation
    index = Bm25Index.build(list(state.chunk_tokens()))
    index.save(bm25_path(config, generation))
    for old in bm25_files(config):
        if old.name != bm25_path(config, generation).name:
            old.unlink(missing_ok=True)
    return index


class Indexer:
    def __init__(self, config: Config, embedder: Embedder, tokenizer: PolicyTokenizer | None = None,
                 progress: Progress = no_progress) -> None:
        self.config = config
        self.embedder = embedder
        self.tokenizer = tokenizer or default_tokenizer()
        self.progress = progress

    def sync_corpus(self, paths: Sequence[Path] = (), force: bool = False) -> IngestReport:
        """Index new and changed corpus files; with no `paths`, also remove documents whose files are gone.

        Files are recognised as unchanged by the hash of their bytes and manifest entry, before any parsing.
        A file that cannot be read is skipped with its reason (its indexed version, if any, stays);
        `force` re-parses and re-embeds everything (`kb reindex`).
        """
        try:
            with writer_lock(self.config):
                state = IndexState(state_path(self.config))
                try:
                    return self._sync(state, paths, force)
                finally:
                    state.close()
        except Timeout:
            raise KbError("another ingest is running (data/ingest.lock); try again when it has finished") from None

    def remove(self, doc_ids: Iterable[str]) -> IngestReport:
        with writer_lock(self.config):
            state = IndexState(state_path(self.config))
            try:
                return self._commit(state, [], list(doc_ids), IngestReport())
            finally:
                state.close()

    def _sync(self, state: IndexState, paths: Sequence[Path], force: bool) -> IngestReport:
        manifest = read_manifest(self.config.corpus_dir)
        files = list(paths) if paths else corpus_files(self.config.corpus_dir)
        known = state.document_hashes()
        report = IngestReport()
        seen: list[str] = []
        keep: set[str] = set()  # documents whose files could not be read this time: they stay indexed
        changed: list[CorpusDocument] = []
        for path in files:
            entry = manifest.get(path.name, {})
            try:
                doc_id, content_hash = corpus_fingerprint(path, entry)
                seen.append(doc_id)
                if known.get(doc_id) == content_hash and not force:
                    report.unchanged.append(doc_id)
                    continue
                doc = load_corpus_document(path, entry, self.config.max_file_bytes)
            except KbError as exc:
                report.skipped.append(str(exc))
                keep.add(str(entry.get("doc_id", "")) or default_doc_id(path))
                continue
            (report.updated if doc_id in known else report.added).append(doc_id)
            if not doc.parsed.meta.structured:
                report.unstructured.append(doc_id)
            changed.append(doc)
        duplicates = sorted(doc_id for doc_id, count in Counter(seen).items() if count > 1)
        if duplicates:
            raise KbError(f"two corpus files map to the same document id: {', '.join(duplicates)}; "
                          "give one a different doc_id in corpus/manifest.json")
        removed = sorted(set(known) - set(seen) - keep) if not paths else []
        return self._commit(state, changed, removed, report, reembed=force)

    def _commit(self, state: IndexState, changed: list[CorpusDocument], removed: list[str],
                report: IngestReport, reembed: bool = False) -> IngestReport:
        if not changed and not removed:
            report.generation = state.generation
            return report
        started = time.perf_counter()
        prepared = [(doc, self._index_chunks(doc)) for doc in changed]
        report.seconds["chunk"] = time.perf_counter() - started

        vectors = open_vectors(self.config, self.embedder.name)
        all_chunks = [c for _, chunks in prepared for c in chunks]
        self._embed_missing(vectors, all_chunks, report, reembed)

        stale = set().union(*(state.chunk_ids(d) for d in removed + [doc.parsed.meta.doc_id for doc in changed]))
        report.generation = state.replace_documents(
            [(doc.parsed, doc.content_hash, chunks) for doc, chunks in prepared], remove=removed)
        report.removed = list(removed)
        started = time.perf_counter()
        vectors.delete(stale - state.chunk_ids())
        write_bm25(self.config, state)
        report.seconds["commit"] = time.perf_counter() - started
        return report

    def _index_chunks(self, doc: CorpusDocument) -> list[IndexedChunk]:
        return [IndexedChunk(c, tuple(self.tokenizer.tokens(c.text))) for c in chunk_document(doc.parsed)]

    def _embed_missing(self, vectors: VectorStore, chunks: list[IndexedChunk], report: IngestReport,
                       reembed: bool = False) -> None:
        ids = [c.chunk.chunk_id for c in chunks]
        stored = set() if reembed else vectors.existing(ids)
        todo = [c.chunk for c in chunks if c.chunk.chunk_id not in stored]
        report.chunks_reused = len(chunks) - len(todo)
        started = time.perf_counter()
        # Steps of ~1,000 texts: the embedder sorts each step by length, so long steps pad less (measured: 8 batches
        # per step ran at 64% of the raw encoder rate); progress, memory and a kill still land between steps.
        step = max(self.config.embed_batch_size * 32, 1)
        for start in range(0, len(todo), step):
            batch = todo[start:start + step]
            embedded = np.asarray(self.embedder.embed_passages([c.text for c in batch]), dtype=np.float32)
            vectors.add([c.chunk_id for c in batch], embedded, [c.doc_id for c in batch])
            report.chunks_embedded += len(batch)
            self.progress("embed", report.chunks_embedded, len(todo))
        report.seconds["embed"] = time.perf_counter() - started
