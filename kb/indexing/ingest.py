"""Ingest: make the index (SQLite state + Chroma vectors + BM25) match the corpus, incrementally and safely.

Order of work, so that a process killed at any point leaves the previous index fully usable:
1. parse and chunk the new or changed documents (nothing written);
2. embed only chunks whose content-addressed id is not in Chroma yet, and add them (unreferenced extras so far);
3. swap the documents' chunk lists in one SQLite transaction (the moment the new corpus becomes visible);
4. write the BM25 index for the new generation, then drop vectors no longer referenced.
The next run after a kill finds the document still changed and finishes the job, reusing stored vectors; a run
killed after the swap left a BM25 file of another generation, which the next run notices (by its chunk digest)
and rewrites. Readers never need the file: without a matching one they build BM25 in memory.

`kb reindex` re-parses every file and embeds every chunk into a new collection, then swaps the documents and the
collection in the same transaction: killed before it, the old index answers exactly as before.
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
from kb.documents.load import LoadLimits
from kb.embedding.embedder import Embedder
from kb.errors import KbError
from kb.indexing.chunk import chunk_document
from kb.store.bm25 import Bm25Index
from kb.store.chunk_table import ids_digest
from kb.store.layout import bm25_files, bm25_path, state_path, writer_lock
from kb.store.state import IndexedChunk, IndexState
from kb.store.vectors import VectorStore, VectorStoreUnavailable, collection_name, open_vectors
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
    backups: list[str] = field(default_factory=list)  # "doc_id: folder" of replaced versions (`kb restore` them)
    chunks_embedded: int = 0
    chunks_reused: int = 0
    generation: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def write_bm25(config: Config, state: IndexState) -> Bm25Index:
    """The BM25 file of the state's generation, built from its chunks; files of other generations go."""
    generation = state.generation
    index = Bm25Index.build(list(state.chunk_tokens()), chunks_digest=ids_digest(state.ordered_chunk_ids()))
    index.save(bm25_path(config, generation))
    for old in bm25_files(config):
        if old.name != bm25_path(config, generation).name:
            old.unlink(missing_ok=True)
    return index


def bm25_current(config: Config, state: IndexState) -> bool:
    """Is there a BM25 file for the state's generation, built from exactly its chunks?"""
    stored = Bm25Index.stored_digest(bm25_path(config, state.generation))
    return stored == ids_digest(state.ordered_chunk_ids())


class Indexer:
    def __init__(self, config: Config, embedder: Embedder, tokenizer: PolicyTokenizer | None = None,
                 progress: Progress = no_progress) -> None:
        self.config = config
        self.embedder = embedder
        self.tokenizer = tokenizer or default_tokenizer(config.tokenizer_cache)
        self.progress = progress

    def sync_corpus(self, paths: Sequence[Path] = ()) -> IngestReport:
        """Index new and changed corpus files; with no `paths`, also remove documents whose files are gone.

        Files are recognised as unchanged by the hash of their bytes and manifest entry, before any parsing.
        A file that cannot be read is skipped with its reason (its indexed version, if any, stays).
        """
        try:
            with writer_lock(self.config):
                state = IndexState(state_path(self.config))
                try:
                    changed, removed, report = self._read_corpus(state, paths, force=False)
                    return self._commit(state, changed, removed, report)
                finally:
                    state.close()
        except Timeout:
            raise KbError("another ingest is running (data/ingest.lock); try again when it has finished") from None

    def index_documents(self, docs: Sequence[CorpusDocument]) -> IngestReport:
        """Index documents already read and parsed (a `kb add`), without reading or parsing them again."""
        try:
            with writer_lock(self.config):
                state = IndexState(state_path(self.config))
                try:
                    known = state.document_hashes()
                    report = IngestReport()
                    changed = [doc for doc in docs if self._classify(doc, known, report)]
                    return self._commit(state, changed, [], report)
                finally:
                    state.close()
        except Timeout:
            raise KbError("another ingest is running (data/ingest.lock); try again when it has finished") from None

    @staticmethod
    def _classify(doc: CorpusDocument, known: dict[str, str], report: IngestReport, force: bool = False) -> bool:
        """Record a read document as added, updated or unchanged; whether it needs indexing."""
        doc_id = doc.parsed.meta.doc_id
        if known.get(doc_id) == doc.content_hash and not force:
            report.unchanged.append(doc_id)
            return False
        (report.updated if doc_id in known else report.added).append(doc_id)
        if not doc.parsed.meta.structured:
            report.unstructured.append(doc_id)
        return True

    def reindex(self) -> IngestReport:
        """Re-parse every corpus file and embed every chunk into a new collection; the documents, the collection
        and the BM25 file switch at the end, like an ingest's. The old collection is dropped after the switch."""
        try:
            with writer_lock(self.config):
                state = IndexState(state_path(self.config))
                try:
                    changed, removed, report = self._read_corpus(state, (), force=True)
                    return self._commit(state, changed, removed, report, new_collection=True)
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

    def _read_corpus(self, state: IndexState, paths: Sequence[Path], force: bool
                     ) -> tuple[list[CorpusDocument], list[str], IngestReport]:
        """The documents to (re)index and the ids to remove; unchanged and unreadable files are in the report."""
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
                doc_id, content_hash = corpus_fingerprint(path, entry, self.config.max_file_bytes)
                seen.append(doc_id)
                if known.get(doc_id) == content_hash and not force:
                    report.unchanged.append(doc_id)
                    continue
                doc = load_corpus_document(path, entry, self.config.max_file_bytes, LoadLimits.of(self.config))
            except KbError as exc:
                report.skipped.append(str(exc))
                keep.add(str(entry.get("doc_id", "")) or default_doc_id(path))
                continue
            self._classify(doc, known, report, force)
            changed.append(doc)
        duplicates = sorted(doc_id for doc_id, count in Counter(seen).items() if count > 1)
        if duplicates:
            raise KbError(f"two corpus files map to the same document id: {', '.join(duplicates)}; "
                          "give one a different doc_id in corpus/manifest.json")
        removed = sorted(set(known) - set(seen) - keep) if not paths else []
        return changed, removed, report

    def _commit(self, state: IndexState, changed: list[CorpusDocument], removed: list[str],
                report: IngestReport, new_collection: bool = False) -> IngestReport:
        if not changed and not removed and not new_collection:
            report.generation = state.generation
            if not bm25_current(self.config, state):  # a writer killed between its swap and its BM25 file
                write_bm25(self.config, state)
            return report
        started = time.perf_counter()
        prepared = [(doc, self._index_chunks(doc)) for doc in changed]
        report.seconds["chunk"] = time.perf_counter() - started
        model = self.embedder.name
        previous = state.vector_collection(model) or collection_name(self.config.collection, model)
        # A reindex fills a collection of its own, named after the generation it will become: a reindex killed
        # before its switch left it half-filled, and the next one (same generation) goes on filling it.
        target = f"{collection_name(self.config.collection, model)}-g{state.generation + 1}" if new_collection else ""
        with open_vectors(self.config, model, collection=target, writer=True) as vectors:
            all_chunks = [c for _, chunks in prepared for c in chunks]
            if new_collection:
                for leftover in vectors.sibling_collections():  # of reindexes interrupted at other generations
                    if leftover != previous:
                        vectors.drop_collection(leftover)
                # Documents kept as indexed (their files unreadable now) need their vectors in the new collection.
                rewritten = {doc.parsed.meta.doc_id for doc in changed} | set(removed)
                all_chunks += [c for c in state.chunks() if c.chunk.doc_id not in rewritten]
            self._embed_missing(vectors, all_chunks, report)

            stale = set().union(*(state.chunk_ids(d) for d in removed + [doc.parsed.meta.doc_id for doc in changed]))
            report.generation = state.replace_documents(
                [(doc.parsed, doc.content_hash, chunks) for doc, chunks in prepared], remove=removed,
                vector_collection=(model, vectors.name) if new_collection else None)
            report.removed = list(removed)
            started = time.perf_counter()
            write_bm25(self.config, state)
            try:
                # Unreferenced vectors are harmless extras (`kb check` reports them, `--repair` drops them): a
                # Chroma server lost at this point costs disk space, not correctness.
                if new_collection:
                    if previous in vectors.sibling_collections():
                        vectors.drop_collection(previous)
                else:
                    vectors.delete(stale - state.chunk_ids())
            except VectorStoreUnavailable:
                pass
            report.seconds["commit"] = time.perf_counter() - started
        return report

    def _index_chunks(self, doc: CorpusDocument) -> list[IndexedChunk]:
        return [IndexedChunk(c, tuple(self.tokenizer.tokens(c.text))) for c in chunk_document(doc.parsed)]

    def _embed_missing(self, vectors: VectorStore, chunks: list[IndexedChunk], report: IngestReport) -> None:
        ids = [c.chunk.chunk_id for c in chunks]
        stored = vectors.existing(ids)
        # Vectors stored before chunk texts were kept get theirs now, without embedding again.
        vectors.fill_texts([c.chunk for c in chunks if c.chunk.chunk_id in stored])
        todo = [c.chunk for c in chunks if c.chunk.chunk_id not in stored]
        report.chunks_reused = len(chunks) - len(todo)
        started = time.perf_counter()
        # Steps of ~1,000 texts: the embedder sorts each step by length, so long steps pad less (measured: 8 batches
        # per step ran at 64% of the raw encoder rate); progress, memory and a kill still land between steps.
        step = max(self.config.embed_batch_size * 32, 1)
        for start in range(0, len(todo), step):
            batch = todo[start:start + step]
            embedded = np.asarray(self.embedder.embed_passages([c.text for c in batch]), dtype=np.float32)
            vectors.add(batch, embedded)
            report.chunks_embedded += len(batch)
            self.progress("embed", report.chunks_embedded, len(todo))
        report.seconds["embed"] = time.perf_counter() - started
