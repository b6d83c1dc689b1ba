"""The facade that the command line and the app share: one object per process, heavy parts loaded lazily."""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from kb.answering import tuning
from kb.answering.extractive import Answerer
from kb.config import Config
from kb.search.crosswalk import CrosswalkLink, crosswalk, implementation_pairs
from kb.embedding.embedder import Embedder, LazyEmbedder, load_embedder
from kb.errors import KbError
from kb.indexing.check import CheckReport, check_index
from kb.indexing.ingest import IngestReport, Indexer, Progress
from kb.corpus.changes import (Candidate, Notice, backed_up_ids, corpus_entry, delete_file, file_of, file_of_id,
                               indexed_ids, place_additions, prepare_source, prepare_upload, restore_version,
                               set_metadata, supported_sources, write_additions, writing)
from kb.answering.intent import QuestionIntent, analyse
from kb.answering.parts import with_parts
from kb.answering.structure import structural_clauses
from kb.text.bodies import find_parties
from kb.search.editions import latest_editions
from kb.search.mentions import documents_named, documents_of_places, policy_documents_meant
from kb.documents.metadata import find_references
from kb.search.retrieve import Retrieval, Retriever, clauses_first, in_turn
from kb.store.vectors import open_vectors, require_vector_store
from kb.store.snapshot import Snapshot
from kb.schema import Answer, AnswerStatus, Hit, ParsedDocument, RetrievalMode


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, used to resolve follow-up questions."""

    question: str
    answer: Answer | None = None


def _documents_meant(question: str, history: Sequence[Turn], snap: Snapshot) -> list[str]:
    """Documents a question means without naming them: the policy documents when it says "文件"; in a conversation,
    the documents the previous question named or meant, or else those the previous answer cited ("什么时候印发的？"
    after "这份文件是哪个单位发布的？"). [] when that would be every document."""
    meant = policy_documents_meant(question, snap)
    if not meant:  # a party only some documents name ("排污单位") means them
        parties = [p for p in find_parties(question) if len(p) >= 4]
        meant = [d for d, doc in snap.documents.items() if any(p in doc.text for p in parties)]
    if not meant and history:
        last = history[-1]
        meant = documents_named(last.question, snap) or policy_documents_meant(last.question, snap)
        if not meant and last.answer is not None:
            cited = {c.doc_title for c in last.answer.citations}
            meant = [d for d, doc in snap.documents.items() if doc.meta.title in cited]
    return meant if len(meant) < len(snap.documents) else []


# Chinese text writes its punctuation in fullwidth forms (，？（）：), and so do the documents: NFKC leaves them be.
_FULLWIDTH_PUNCTUATION = re.compile(r"([\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+)")


def normalise_question(question: str) -> str:
    """The question as analysis and search read it: format characters removed (Unicode category Cf: zero-width
    spaces and joiners U+200B–U+200F, U+2060–U+2064, the BOM, the soft hyphen, bidi controls), then NFKC (①→1,
    compatibility ideographs, ligatures), except for fullwidth punctuation."""
    visible = "".join(ch for ch in question if unicodedata.category(ch) != "Cf")
    parts = _FULLWIDTH_PUNCTUATION.split(visible)  # odd positions: runs of fullwidth punctuation, kept
    return "".join(part if i % 2 else unicodedata.normalize("NFKC", part) for i, part in enumerate(parts))


def check_question(question: str, max_chars: int) -> str:
    """The one gate of every question (CLI, batch, app, API): bounded, valid Unicode, normalised, not empty."""
    if not isinstance(question, str):
        raise KbError(f"the question must be text, got {type(question).__name__}")
    if len(question) > max_chars:
        raise KbError(f"the question is {len(question)} characters long; the limit is {max_chars}. "
                      "Ask about one thing at a time.")
    if any("\ud800" <= ch <= "\udfff" for ch in question):
        raise KbError("the question contains an unpaired surrogate (invalid Unicode); send it as valid UTF-8")
    question = normalise_question(question).strip()
    if not question:
        raise KbError("the question is empty: ask something, e.g. kb ask \"到2025年森林覆盖率目标是多少？\"")
    return question


class PolicyKb:
    def __init__(self, config: Config, embedder: Embedder | None = None,
                 on_model_load: Callable[[str], None] = lambda msg: None,
                 on_wait: Notice = lambda msg: None) -> None:
        self.config = config
        self._embedder = embedder
        self._on_model_load = on_model_load
        self._on_wait = on_wait  # told when a change waits for another writer
        self._retriever: Retriever | None = None
        self._llm = None  # the optional language model, built on first use
        self._loaded_numbers: tuple[int, frozenset[str]] = (-1, frozenset())  # (generation, 文号 loaded)
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on the first text it embeds (listing, outlines, BM25 search and checking
        never load it)."""
        with self._lock:
            if self._embedder is None:
                self._embedder = LazyEmbedder(self.config.model, lambda: load_embedder(
                    self.config.model, self.config.model_cache, batch_size=self.config.embed_batch_size,
                    progress=self._on_model_load))
            return self._embedder

    @property
    def retriever(self) -> Retriever:
        embedder = self.embedder
        with self._lock:
            if self._retriever is None:
                self._retriever = Retriever(self.config, embedder)
            return self._retriever

    def generation(self) -> int:
        """The index generation: it changes with every change of the index, in this process or another (pages key
        their caches by it)."""
        return self.retriever.generation()

    # -- corpus: every change holds the writer lock from start to end (kb.corpus.changes.writing) -----------------
    @contextmanager
    def _writing(self, repairing: bool = False):
        with writing(self.config, self._on_wait, repairing=repairing):
            # A Chroma server that is down fails the change here, before anything is written.
            require_vector_store(self.config, self.embedder.name)
            yield

    def ingest(self, paths: Sequence[Path] = (), progress: Progress | None = None) -> IngestReport:
        indexer = self._indexer(progress)
        with self._writing():
            return indexer.sync_corpus(paths)

    def add(self, sources: Sequence[str], overrides: Mapping[str, object] | None = None,
            progress: Progress | None = None, replace: bool = False) -> IngestReport:
        """Add files, directories or URLs to the corpus and index them. All are validated before anything is
        written, so one bad input changes nothing. A document whose 文号 (or, without one, title) is loaded replaces
        that document only with `replace`; the replaced version is kept (IngestReport.backups, `kb restore`)."""
        candidates = [prepare_source(self.config, s, overrides) for s in supported_sources(sources)]
        if not candidates:
            raise KbError("nothing to add: no supported files (.txt .md .docx .pdf .html) in " + ", ".join(sources))
        return self._place_and_index(candidates, progress, replace)

    def add_bytes(self, data: bytes, name: str, overrides: Mapping[str, object] | None = None,
                  progress: Progress | None = None, replace: bool = False) -> IngestReport:
        """Add an uploaded file (the app's upload button); `replace` as for `add`, after the user confirmed."""
        return self._place_and_index([prepare_upload(self.config, data, name, overrides)], progress, replace)

    def _indexer(self, progress: Progress | None = None) -> Indexer:
        """An indexer ready to write, made before the writer lock is taken: the model, the tokenizer and the
        vector store's modules take seconds to load, which other writers should not wait for."""
        indexer = Indexer(self.config, self.embedder, progress=progress or (lambda *a: None))
        if self.config.vector_dir.exists():  # (a new store is first opened under the lock: it creates files)
            with open_vectors(self.config, self.embedder.name, writer=True):  # a writer's open: waits for readers
                pass
        return indexer

    def _place_and_index(self, candidates: list[Candidate], progress: Progress | None,
                         replace: bool) -> IngestReport:
        indexer = self._indexer(progress)
        with self._writing():
            placements = place_additions(self.config, candidates, replace)
            backups = write_additions(self.config, placements)
            report = indexer.index_documents([p.document for p in placements])  # parsed once, above
            report.backups = backups
            return report

    def remove(self, name: str) -> IngestReport:
        """Remove a document (by 文号, short id or title, or its corpus file name, indexed or not) from the corpus
        and from every index."""
        indexer = self._indexer()
        with self._writing():
            found = corpus_entry(self.config, name)
            if found is not None:
                file_name, doc_id = found
            else:
                doc_id = self.document(name).meta.doc_id
                file_name = file_of_id(self.config, doc_id)
            if file_name:
                delete_file(self.config, file_name)
            if doc_id not in indexed_ids(self.config):
                return IngestReport(removed=[doc_id])
            return indexer.remove([doc_id])

    def update_metadata(self, name: str, **fields: object) -> IngestReport:
        """Correct detected metadata (kb.schema.EDITABLE_FIELDS); the manifest keeps it. A 文号 that another
        document has is refused."""
        indexer = self._indexer()
        with self._writing():
            meta = self.document(name).meta
            file_name = file_of(self.config, meta.doc_id)
            set_metadata(self.config, file_name, meta.doc_id, fields)
            return indexer.sync_corpus([self.config.corpus_dir / file_name])

    def restore(self, name: str, progress: Progress | None = None) -> IngestReport:
        """Put back the latest replaced version of a document (by its id, or 文号/title while it is loaded); the
        version it displaces is kept as a backup in turn."""
        indexer = self._indexer(progress)
        with self._writing():
            doc_id = name if name in backed_up_ids(self.config) else self.document(name).meta.doc_id
            path, displaced = restore_version(self.config, doc_id)
            report = indexer.sync_corpus([path])
            if displaced is not None:
                report.backups.append(f"{doc_id}: {displaced}")
            return report

    def reindex(self, progress: Progress | None = None) -> IngestReport:
        indexer = self._indexer(progress)
        with self._writing():
            return indexer.reindex()

    def check(self, repair: bool = False, progress: Progress | None = None) -> CheckReport:
        if not repair:  # a reader: no lock
            return check_index(self.config, self.embedder, progress=progress or (lambda *a: None))
        with self._writing(repairing=True):
            return check_index(self.config, self.embedder, repair=True, progress=progress or (lambda *a: None))

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

    def unloaded_references(self, doc: ParsedDocument) -> list[tuple[str, str]]:
        """(title, 文号) of each document `doc` cites as 《title》（文号） that is not loaded, in citing order."""
        snap = self.retriever.snapshot()
        with self._lock:
            if self._loaded_numbers[0] != snap.generation:
                self._loaded_numbers = (snap.generation, frozenset(
                    d.meta.doc_number for d in snap.documents.values() if d.meta.doc_number))
            loaded = self._loaded_numbers[1]
        return [(title, number) for title, number in find_references(doc.text) if number not in loaded]

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
        meant: list[str] = []
        if doc_ids is None:  # a document the question names ("节约能源法规定…", 《…》, a 文号) is searched alone
            named = documents_named(intent.resolved, snap)
            doc_ids = named if named and not (intent.compare and len(named) < 2) else None
            meant = [] if doc_ids else _documents_meant(intent.resolved, history, snap)
        answerer = Answerer(snap, self.retriever.tokenizer, self.retriever.similarities)
        depth = max(top_k or self.config.top_k, tuning.ANSWER_CANDIDATES)
        retrieving = time.perf_counter() - started  # reading the question counts as retrieval, as it always did

        def retrieve_within(restriction: list[str] | None, asked: QuestionIntent = intent) -> Retrieval:
            nonlocal retrieving
            began = time.perf_counter()
            found = self.retriever.retrieve(asked.search_text, mode=mode, top_k=depth, doc_ids=restriction, snap=snap)
            if doc_ids is None:  # of a document's editions the latest answers, unless the question picks one
                found = replace(found, hits=latest_editions(found.hits, snap, asked.years))
            # The clauses it asks for by structure first (an article by number, the commencement, the scope, a
            # definition).
            asked_for = structural_clauses(asked, snap, restriction, found.hits)
            if asked_for:
                found = replace(found, hits=clauses_first(snap, found.hits, asked_for))
            retrieving += time.perf_counter() - began
            return found

        # "重庆和上海对绿色建筑的要求有什么不同": each place's documents are searched on their own and their best clauses
        # taken in turn; otherwise the place whose law repeats the words most fills every candidate.
        compared = [own for place in intent.places if (own := documents_of_places([place], snap))] \
            if intent.compare and doc_ids is None else []
        if len(compared) > 1:
            searched = [retrieve_within(own) for own in compared]
            retrieval = replace(searched[0], hits=in_turn([r.hits for r in searched])[:depth])
        else:
            retrieval = retrieve_within(doc_ids)
        answer = answerer.answer(intent, retrieval.hits)
        # The documents meant give the answer, unless only another document's is clearly better. A place the
        # question names ("重庆有没有打算…") means its own documents less strongly: national law holds there too, so
        # they are asked only when the answer came from no document of the place.
        local = [] if meant or doc_ids else documents_of_places(intent.places, snap)
        if local and answer.status == AnswerStatus.ANSWERED and answer.citations[0].doc in {
                snap.documents[d].meta.citation_name for d in local}:
            local = []
        if meant or local:
            preferred = retrieve_within(meant or local)
            from_meant = answerer.answer(intent, preferred.hits)
            if from_meant.status == AnswerStatus.ANSWERED and not (
                    answer.status == AnswerStatus.ANSWERED
                    and answer.citations[0].score > tuning.MEANT_DOCUMENTS_MARGIN * from_meant.citations[0].score):
                retrieval, answer = preferred, from_meant
        # Each question of a question that asks several: from the documents that answer the whole, if any.
        cited = {c.doc for c in answer.citations}
        answering_docs = list(dict.fromkeys(h.doc_id for h in retrieval.hits if h.doc_citation in cited))

        def answer_part(part: str, earlier: Sequence[str]) -> Answer:
            part_intent = analyse(part, [*(turn.question for turn in history), *earlier])
            return answerer.answer(part_intent, retrieve_within(answering_docs or doc_ids, part_intent).hits)

        answer = with_parts(question, answer, answer_part, answerer.scorer.weights)
        hits = retrieval.hits
        if self.llm_configured if use_llm is None else use_llm:
            answer = self._generative().answer(intent, hits, answer, snap)
        total = time.perf_counter() - started
        timings = {
            **answer.timings_ms,
            "retrieve": round(retrieving * 1000, 1),
            "answer": round((total - retrieving) * 1000, 1),
            "total": round(total * 1000, 1),
        }
        return replace(answer, timings_ms=timings, retrieved=tuple(hits[: top_k or self.config.top_k]),
                       notices=answer.notices + retrieval.notices)

