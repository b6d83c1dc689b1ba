"""The facade that the command line and the app share: one object per process, heavy parts loaded lazily."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from kb.answering.extractive import Answerer
from kb.config import Config
from kb.search.crosswalk import CrosswalkLink, crosswalk, implementation_pairs
from kb.embedding.embedder import Embedder, load_embedder
from kb.errors import KbError
from kb.indexing.check import CheckReport, check_index
from kb.indexing.ingest import IngestReport, Indexer, Progress
from kb.corpus.changes import (PreparedAddition, delete_file, file_of, prepare_source, prepare_upload, set_metadata,
                        supported_sources, write_addition)
from kb.answering.intent import analyse
from kb.search.retrieve import Retriever
from kb.schema import Answer, Hit, ParsedDocument, RetrievalMode


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, used to resolve follow-up questions."""

    question: str
    answer: Answer | None = None


def check_question(question: str, max_chars: int) -> str:
    question = (question or "").strip()
    if not question:
        raise KbError("the question is empty: ask something, e.g. kb ask \"到2025年森林覆盖率目标是多少？\"")
    if len(question) > max_chars:
        raise KbError(f"the question is {len(question)} characters long; the limit is {max_chars}. "
                      "Ask about one thing at a time.")
    return question


class PolicyKb:
    def __init__(self, config: Config, embedder: Embedder | None = None,
                 on_model_load: Callable[[str], None] = lambda msg: None) -> None:
        self.config = config
        self._embedder = embedder
        self._on_model_load = on_model_load
        self._retriever: Retriever | None = None
        self._llm = None  # the optional language model, built on first use
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.config.model, self.config.model_cache,
                                               batch_size=self.config.embed_batch_size,
                                               progress=self._on_model_load)
            return self._embedder

    @property
    def retriever(self) -> Retriever:
        embedder = self.embedder
        with self._lock:
            if self._retriever is None:
                self._retriever = Retriever(self.config, embedder)
            return self._retriever

    # -- corpus ---------------------------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path] = (), progress: Progress | None = None) -> IngestReport:
        indexer = Indexer(self.config, self.embedder, progress=progress or (lambda *a: None))
        return indexer.sync_corpus(paths)

    def add(self, sources: Sequence[str], overrides: Mapping[str, object] | None = None,
            progress: Progress | None = None) -> IngestReport:
        """Add files, directories or URLs to the corpus and index them. All are validated before anything is
        written, so one bad input changes nothing; a 文号 already in the corpus is an update."""
        additions = [prepare_source(self.config, s, overrides) for s in supported_sources(sources)]
        if not additions:
            raise KbError("nothing to add: no supported files (.txt .md .docx .pdf .html) in " + ", ".join(sources))
        return self._write_and_index(additions, progress)

    def add_bytes(self, data: bytes, name: str, overrides: Mapping[str, object] | None = None,
                  progress: Progress | None = None) -> IngestReport:
        """Add an uploaded file (the app's upload button)."""
        return self._write_and_index([prepare_upload(self.config, data, name, overrides)], progress)

    def _write_and_index(self, additions: list[PreparedAddition], progress: Progress | None) -> IngestReport:
        names = [a.file_name for a in additions]
        if len(set(names)) != len(names):
            raise KbError("two of the inputs are the same document (same 文号 or file name); add them one at a time")
        paths = [write_addition(self.config, a) for a in additions]
        replaced_elsewhere = any(a.replaces and a.replaces != a.file_name for a in additions)
        # A replaced file with another suffix is gone: a full sync also drops its old entry.
        return self.ingest([] if replaced_elsewhere else paths, progress)

    def remove(self, name: str) -> IngestReport:
        """Remove a document (by 文号, short id or title) from the corpus and from every index."""
        meta = self.document(name).meta
        delete_file(self.config, file_of(self.config, meta))
        return Indexer(self.config, self.embedder).remove([meta.doc_id])

    def update_metadata(self, name: str, **fields: object) -> IngestReport:
        """Correct detected metadata (title, 文号, issuer, date, level, implements); the manifest keeps it."""
        meta = self.document(name).meta
        file_name = file_of(self.config, meta)
        set_metadata(self.config, file_name, fields)
        return self.ingest([self.config.corpus_dir / file_name])

    def reindex(self, progress: Progress | None = None) -> IngestReport:
        indexer = Indexer(self.config, self.embedder, progress=progress or (lambda *a: None))
        return indexer.sync_corpus(force=True)

    def check(self, repair: bool = False, progress: Progress | None = None) -> CheckReport:
        return check_index(self.config, self.embedder, repair=repair, progress=progress or (lambda *a: None))

    def crosswalk(self, local: str | None = None, national: str | None = None) -> list[CrosswalkLink]:
        """Links from implementation clauses to national clauses; by default for every loaded pair."""
        snap = self.retriever.snapshot()
        if local and national:
            pairs = [tuple(self.retriever.resolve_docs([local, national]))]
        else:
            pairs = implementation_pairs(snap)
            if local:
                wanted = self.retriever.resolve_docs([local])[0]
                pairs = [p for p in pairs if wanted in p]
        if not pairs:
            raise KbError("no implementation document and the national document it implements are both loaded; "
                          "add the national document with `kb add FILE|URL`")
        vectors = self.retriever.vector_store()
        return [link for lo, na in pairs for link in crosswalk(snap, vectors, lo, na)]

    def documents(self) -> list[ParsedDocument]:
        return list(self.retriever.snapshot().documents.values())

    def document(self, name: str) -> ParsedDocument:
        snap = self.retriever.snapshot()
        if not snap.documents:
            raise KbError("the index is empty: run `kb ingest` first")
        return snap.documents[self.retriever.resolve_docs([name])[0]]

    # -- questions ------------------------------------------------------------------------------------------------
    def _doc_filter(self, docs: Sequence[str], levels: Sequence[str]) -> list[str] | None:
        """Document ids to search: named documents, and/or documents of the given levels (national, municipal…)."""
        if not docs and not levels:
            return None
        chosen = self.retriever.resolve_docs(docs) if docs else list(self.retriever.snapshot().documents)
        if levels:
            snap = self.retriever.snapshot()
            chosen = [d for d in chosen if snap.documents[d].meta.level in levels]
            if not chosen:
                raise KbError(f"no loaded document has level {', '.join(levels)}")
        return chosen

    def search(self, question: str, mode: RetrievalMode = RetrievalMode.HYBRID, top_k: int | None = None,
               docs: Sequence[str] = (), levels: Sequence[str] = ()) -> list[Hit]:
        question = check_question(question, self.config.max_question_chars)
        doc_ids = self._doc_filter(docs, levels)
        return self.retriever.search(question, mode=mode, top_k=top_k, doc_ids=doc_ids)

    @property
    def llm_configured(self) -> bool:
        return bool(self.config.llm_base_url)

    def _generative(self):
        from kb.answering.generative import GenerativeAnswerer, llm_from_config  # lazy: needs the optional `llm` extra

        with self._lock:
            if self._llm is None:
                self._llm = llm_from_config(self.config)
            return GenerativeAnswerer(self._llm)

    def ask(self, question: str, history: Sequence[Turn] = (), mode: RetrievalMode = RetrievalMode.HYBRID, top_k: int | None = None,
            docs: Sequence[str] = (), levels: Sequence[str] = (), use_llm: bool | None = None) -> Answer:
        """An answer with citations. `use_llm` (default: when one is configured) lets the user's language model
        word the answer from the same clauses; an answer that fails verification falls back to the extractive one."""
        started = time.perf_counter()
        question = check_question(question, self.config.max_question_chars)
        doc_ids = self._doc_filter(docs, levels)
        intent = analyse(question, [turn.question for turn in history])
        snap = self.retriever.snapshot()  # retrieval and answer read the same index generation
        hits = self.retriever.search(intent.resolved, mode=mode, top_k=max(top_k or self.config.top_k, 8),
                                     doc_ids=doc_ids, snap=snap)
        retrieved_at = time.perf_counter()
        answer = Answerer(snap, self.retriever.tokenizer, self.retriever.similarities).answer(intent, hits)
        if self.llm_configured if use_llm is None else use_llm:
            answer = self._generative().answer(intent, hits, answer, snap)
        finished = time.perf_counter()
        timings = {
            **answer.timings_ms,
            "retrieve": round((retrieved_at - started) * 1000, 1),
            "answer": round((finished - retrieved_at) * 1000, 1),
            "total": round((finished - started) * 1000, 1),
        }
        return replace(answer, timings_ms=timings, retrieved=tuple(hits[: top_k or self.config.top_k]))

