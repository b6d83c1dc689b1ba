"""The facade that the command line and the app share: one object per process, heavy parts loaded lazily."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from kb.answer import Answerer
from kb.config import Config
from kb.embed import Embedder, load_embedder
from kb.errors import KbError
from kb.index import IngestReport, Indexer, Progress
from kb.question import analyse
from kb.retrieve import Retriever
from kb.schema import Answer, Hit, ParsedDocument


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

    def documents(self) -> list[ParsedDocument]:
        return list(self.retriever.snapshot().documents.values())

    def document(self, name: str) -> ParsedDocument:
        snap = self.retriever.snapshot()
        if not snap.documents:
            raise KbError("the index is empty: run `kb ingest` first")
        return snap.documents[self.retriever.resolve_docs([name])[0]]

    # -- questions ------------------------------------------------------------------------------------------------
    def search(self, question: str, mode: str = "hybrid", top_k: int | None = None,
               docs: Sequence[str] = ()) -> list[Hit]:
        question = check_question(question, self.config.max_question_chars)
        doc_ids = self.retriever.resolve_docs(docs) if docs else None
        return self.retriever.search(question, mode=mode, top_k=top_k, doc_ids=doc_ids)

    def ask(self, question: str, history: Sequence[Turn] = (), mode: str = "hybrid", top_k: int | None = None,
            docs: Sequence[str] = ()) -> Answer:
        started = time.perf_counter()
        question = check_question(question, self.config.max_question_chars)
        doc_ids = self.retriever.resolve_docs(docs) if docs else None
        intent = analyse(question, [turn.question for turn in history])
        hits = self.retriever.search(intent.resolved, mode=mode, top_k=max(top_k or self.config.top_k, 8),
                                     doc_ids=doc_ids)
        retrieved_at = time.perf_counter()
        answer = Answerer(self.retriever.snapshot(), self.retriever.tokenizer).answer(intent, hits)
        finished = time.perf_counter()
        timings = {
            "retrieve": round((retrieved_at - started) * 1000, 1),
            "answer": round((finished - retrieved_at) * 1000, 1),
            "total": round((finished - started) * 1000, 1),
        }
        return replace(answer, timings_ms=timings, retrieved=tuple(hits[: top_k or self.config.top_k]))

