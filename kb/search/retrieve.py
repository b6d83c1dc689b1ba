"""Retrieval of clauses: BM25 over jieba tokens, dense vectors in Chroma, and their fusion.

Both retrievers rank chunks (clauses and sentences); a clause is ranked by its best chunk, so a clause whose
one sentence answers a colloquial question is not drowned by its other sentences.

A long-running reader (the app, `kb serve`, a batch) sees every new index generation on its next query: the
snapshot (documents, chunks, BM25) is reloaded and the vector store reopened, since embedded Chroma only sees
another process's vectors with a new client. When the vector store fails (a Chroma server down or paused, an
unreadable index) the search goes on with BM25 alone and says so in its notices.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from kb.store.chunk_table import ChunkTable
from kb.config import Config
from kb.embedding.embedder import Embedder
from kb.errors import KbError, preview
from kb.documents.metadata import doc_numbers_in
from kb.schema import Clause, Hit, ParsedDocument, RetrievalMode
from kb.store.layout import state_path
from kb.store.snapshot import Snapshot, load_snapshot
from kb.store.state import IndexState, damaged, is_damage
from kb.text.tokens import PolicyTokenizer, default_tokenizer
from kb.store.vectors import VectorStore, VectorStoreUnavailable, open_vectors

# A search restricted to at most this many chunks (one document, a few clauses), or over an index that small, scores
# them all exactly: HNSW's filtered search can miss neighbours when the filter keeps a small part of its graph, a
# graph built by several threads differs from build to build, so the same index could rank differently after a
# rebuild, and the tail of its candidates (which sets the dense scores' minimum) can differ between processes.
# Reading the stored vectors costs ~35 µs each (10 ms for the bundled document's 206 chunks), hence the bound.
EXACT_SEARCH_MAX_CHUNKS = 1000
# An index of at most this many chunks is searched exactly over its vectors, read once per index generation and held
# in memory (≤ 31 MB at 384 dimensions): at ef_search 400, HNSW left out 2 or 3 of the true 100 nearest chunks of a
# question over the development corpus (3,025 chunks), different ones in each process, so the same question could
# rank and be answered differently from run to run.
EXACT_INDEX_MAX_CHUNKS = 20_000

VECTOR_RETRY_S = 30  # after a Chroma server failed, searches use BM25 alone this long before asking it again
MAX_LISTED_DOCUMENTS = 10  # an error naming the known documents lists this many, then "and N more"


@dataclass(frozen=True)
class ChunkRanking:
    """Chunks in rank order with their scores, for one retriever."""

    rows: list[int]
    scores: list[float]


@dataclass(frozen=True)
class Retrieval:
    """Ranked clauses, and what the user should know about how they were found (e.g. BM25 alone)."""

    hits: list[Hit]
    notices: tuple[str, ...] = ()


class Retriever:
    """Thread-safe: the app's sessions share one instance; a new index generation is picked up on the next query."""

    def __init__(self, config: Config, embedder: Embedder, tokenizer: PolicyTokenizer | None = None,
                 expand_queries: bool = True) -> None:
        self.config = config
        self.embedder = embedder
        self._tokenizer = tokenizer
        self.expand_queries = expand_queries
        self._lock = threading.Lock()
        self._state: IndexState | None = None  # kept open: the generation is checked on every query
        self._state_file: tuple[int, int] | None = None  # (device, inode) of the file it has open
        self._snapshot: Snapshot | None = None
        self._vectors: VectorStore | None = None
        self._vectors_generation = -1  # the generation the vector store was opened at
        self._vectors_down_until = 0.0  # monotonic time before which a failed Chroma server is not asked
        self._vectors_down_reason = ""
        self._query_vectors: dict[str, np.ndarray] = {}  # the answer step reuses the vector of the search
        self._matrix: tuple[Snapshot, np.ndarray, np.ndarray] | None = None  # (snapshot, rows, their vectors)

    @property
    def tokenizer(self) -> PolicyTokenizer:
        """jieba with the policy dictionary, loaded when a question is first tokenised (listing never is)."""
        if self._tokenizer is None:
            self._tokenizer = default_tokenizer(self.config.tokenizer_cache)  # process-wide, built once
        return self._tokenizer

    # -- index state -------------------------------------------------------------------------------------------
    def _generation(self) -> int:
        """The current generation (caller holds `_lock`). A state file replaced since it was opened (`kb check
        --repair` sets a damaged one aside) is opened again."""
        path = state_path(self.config)
        try:
            stat = os.stat(path)
            identity: tuple[int, int] | None = (stat.st_dev, stat.st_ino)
        except FileNotFoundError:
            identity = None
        if self._state is None or identity != self._state_file:
            if self._state is not None:
                self._state.close()
                self._state = None
            self._state = IndexState(path)
            stat = os.stat(path)
            self._state_file = (stat.st_dev, stat.st_ino)
        try:
            return self._state.generation
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise damaged(path, exc) from None
            raise

    def generation(self) -> int:
        """The index generation a query would read now (cheap: one SQLite read)."""
        with self._lock:
            return self._generation()

    def snapshot(self) -> Snapshot:
        with self._lock:
            generation = self._generation()
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = load_snapshot(self.config)
            return self._snapshot

    def vector_store(self) -> VectorStore:
        """The vector store, reopened when the generation changed (another process may have written vectors, or a
        reindex switched collections); VectorStoreUnavailable while a failed Chroma server is left alone."""
        with self._lock:
            if time.monotonic() < self._vectors_down_until:
                raise VectorStoreUnavailable(self._vectors_down_reason)
            generation = self._generation()
            if self._vectors is None or self._vectors_generation != generation:
                old, self._vectors = self._vectors, None
                if old is not None:
                    old.close()  # after the calls in flight on it (kb.store.chroma_access)
                try:
                    self._vectors = open_vectors(self.config, self.embedder.name)
                except VectorStoreUnavailable as exc:
                    self._vectors_failed_locked(exc)
                    raise
                self._vectors_generation = generation
            return self._vectors

    def _vectors_failed(self, exc: VectorStoreUnavailable) -> None:
        with self._lock:
            self._vectors_failed_locked(exc)

    def _vectors_failed_locked(self, exc: VectorStoreUnavailable) -> None:
        """Reopen the store on its next use; a server is not asked again for VECTOR_RETRY_S, so a batch against a
        dead or paused server waits for one timeout per interval, not one per question."""
        if self.config.chroma_url:
            self._vectors_down_until = time.monotonic() + VECTOR_RETRY_S
            self._vectors_down_reason = f"{exc} (not asked again for {VECTOR_RETRY_S} s)"
        if self._vectors is not None:
            self._vectors.close()
            self._vectors = None

    def close(self) -> None:
        with self._lock:
            if self._vectors is not None:
                self._vectors.close()
                self._vectors = None
            if self._state is not None:
                self._state.close()
                self._state = None
            self._matrix = None

    def query_vector(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._query_vectors.get(text)
        if cached is None:
            cached = np.asarray(self.embedder.embed_queries([text]), dtype=np.float32)[0]
            with self._lock:
                if len(self._query_vectors) > 256:
                    self._query_vectors.clear()
                self._query_vectors[text] = cached
        return cached

    def similarities(self, text: str, chunk_ids: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of the query to stored chunk vectors (no chunk is embedded again); {} when the vector
        store is unavailable (the answer then goes by its other evidence)."""
        try:
            stored = self.vector_store().vectors(list(chunk_ids))
        except VectorStoreUnavailable as exc:
            self._vectors_failed(exc)
            return {}
        if not stored:
            return {}
        query = self.query_vector(text)
        return {cid: float(vec @ query) for cid, vec in stored.items()}

    def resolve_docs(self, names: Sequence[str]) -> list[str]:
        """Document ids for names given as short id, 文号 or a unique part of the title."""
        snap = self.snapshot()
        return [resolve_doc(snap, name) for name in names]

    # -- rankings ------------------------------------------------------------------------------------------------
    def rank_bm25(self, question: str, snap: Snapshot, allowed: np.ndarray | None) -> ChunkRanking:
        query = self.tokenizer.expand_query(question) if self.expand_queries else question
        top = snap.bm25.top(self.tokenizer.query_tokens(query, snap.bm25.vocabulary), self.config.candidates, allowed)
        return ChunkRanking([r for r, _ in top], [s for _, s in top])

    def rank_dense(self, question: str, snap: Snapshot, doc_ids: Sequence[str] | None,
                   allowed: np.ndarray | None = None) -> ChunkRanking:
        """The `candidates` nearest chunks of this snapshot. Vectors of another generation (or of a half-finished
        ingest) have no row here and are skipped, and so are rows outside `allowed` (a row mask, e.g. sentences of
        二（一） only): Chroma is asked for more neighbours until enough are found or none are left, so such extras
        never change the ranking. A mask of few rows is ranked exactly instead (EXACT_SEARCH_MAX_CHUNKS)."""
        wanted = n = self.config.candidates
        if len(snap.chunks) <= EXACT_INDEX_MAX_CHUNKS:
            return self._rank_dense_in_memory(question, snap, allowed, wanted)
        if allowed is not None and int(allowed.sum()) <= EXACT_SEARCH_MAX_CHUNKS:
            return self._rank_dense_exactly(question, snap, np.flatnonzero(allowed), wanted)
        while True:
            matches = self.vector_store().query(self.query_vector(question), n, doc_ids)
            row_of = snap.chunks.rows_of([m.chunk_id for m in matches])
            known = [m for m in matches if m.chunk_id in row_of and (allowed is None or allowed[row_of[m.chunk_id]])]
            if len(known) >= wanted or len(matches) < n:
                break
            n *= 4
        # Equal similarities (equal texts) in row order, as BM25 breaks its ties: the ranking depends on what is
        # indexed, not on the order the vectors went into the graph.
        known = sorted(known, key=lambda m: (-m.similarity, row_of[m.chunk_id]))[:wanted]
        return ChunkRanking([row_of[m.chunk_id] for m in known], [m.similarity for m in known])

    def _rank_dense_exactly(self, question: str, snap: Snapshot, rows: np.ndarray, wanted: int) -> ChunkRanking:
        """The nearest of `rows` by exact cosine over their stored vectors (rows without one are skipped)."""
        stored_rows, vectors = self._stored_vectors(snap, rows)
        return _nearest(self.query_vector(question), stored_rows, vectors, wanted)

    def _rank_dense_in_memory(self, question: str, snap: Snapshot, allowed: np.ndarray | None,
                              wanted: int) -> ChunkRanking:
        """The nearest of the allowed rows by exact cosine over the index's vectors held in memory: a copy of the
        vector store's, used while the store answers (a failed Chroma server means BM25 alone, as without it)."""
        self.vector_store()
        with self._lock:
            held = self._matrix
        if held is None or held[0] is not snap:  # read once per snapshot (index generation)
            held = (snap, *self._stored_vectors(snap, np.arange(len(snap.chunks))))
            with self._lock:
                self._matrix = held
        _, rows, vectors = held
        if allowed is not None:
            keep = allowed[rows]
            rows, vectors = rows[keep], vectors[keep]
        return _nearest(self.query_vector(question), rows, vectors, wanted)

    def _stored_vectors(self, snap: Snapshot, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows that have a stored vector (a half-finished ingest may leave some without), and their vectors."""
        ids = [snap.chunks.chunk_id(int(row)) for row in rows]
        stored = self.vector_store().vectors(ids)
        kept = [(int(row), stored[cid]) for cid, row in zip(ids, rows) if cid in stored]
        if not kept:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        return np.array([row for row, _ in kept], dtype=np.int64), np.stack([vec for _, vec in kept])

    def search(self, question: str, mode: RetrievalMode = RetrievalMode.HYBRID, top_k: int | None = None,
               doc_ids: Sequence[str] | None = None, snap: Snapshot | None = None,
               allowed: np.ndarray | None = None) -> list[Hit]:
        """Ranked clauses (`retrieve` without its notices)."""
        return self.retrieve(question, mode, top_k, doc_ids, snap, allowed).hits

    def retrieve(self, question: str, mode: RetrievalMode = RetrievalMode.HYBRID, top_k: int | None = None,
                 doc_ids: Sequence[str] | None = None, snap: Snapshot | None = None,
                 allowed: np.ndarray | None = None) -> Retrieval:
        """Ranked clauses; pass `snap` to search a snapshot that the caller goes on using (one generation), and
        `allowed` (a boolean per chunk row of that snapshot) to rank only some chunks. When the vector store
        fails, dense and hybrid searches rank by BM25 alone, with a notice."""
        if mode not in tuple(RetrievalMode):
            raise KbError(f"unknown retrieval mode {mode!r}; choose one of {', '.join(RetrievalMode)}")
        snap = snap or self.snapshot()
        if not snap.chunks:
            raise KbError("the index is empty: run `kb ingest` first")
        top_k = top_k or self.config.top_k
        if doc_ids:
            in_docs = snap.chunks.doc_mask(set(doc_ids))
            allowed = in_docs if allowed is None else allowed & in_docs
        dense: ChunkRanking | None = None
        notices: list[str] = []
        if mode in (RetrievalMode.DENSE, RetrievalMode.HYBRID):
            try:
                dense = self.rank_dense(question, snap, doc_ids, allowed)
            except VectorStoreUnavailable as exc:
                self._vectors_failed(exc)
                notices.append(f"vector search unavailable: {exc}; ranked by keyword search (BM25) alone")
        rankings: dict[str, ChunkRanking] = {}
        if mode != RetrievalMode.DENSE or dense is None:
            rankings[RetrievalMode.BM25] = self.rank_bm25(question, snap, allowed)
        if dense is not None:
            rankings[RetrievalMode.DENSE] = dense
        return Retrieval(fuse_to_hits(snap, rankings, top_k, self.config.dense_weight), tuple(notices))


def _nearest(query: np.ndarray, rows: np.ndarray, vectors: np.ndarray, wanted: int) -> ChunkRanking:
    """The `wanted` rows of highest cosine to the query; equal similarities in row order, as BM25 breaks its ties."""
    if not len(rows):
        return ChunkRanking([], [])
    scores = vectors.astype(np.float64) @ query.astype(np.float64)  # float64: near-ties break alike however summed
    order = np.lexsort((rows, -scores))[:wanted]
    return ChunkRanking([int(rows[i]) for i in order], [float(scores[i]) for i in order])


def _clause_ranks(snap: Snapshot, ranking: ChunkRanking) -> dict[tuple[str, str], tuple[int, float, int]]:
    """Per clause: (rank of its best chunk, that chunk's score, that chunk's row)."""
    best: dict[tuple[str, str], tuple[int, float, int]] = {}
    for row, score in zip(ranking.rows, ranking.scores):
        key = snap.chunks.clause_key(row)
        if key not in best:
            best[key] = (len(best) + 1, score, row)
    return best


def _normalised(mode: str, ranks: dict[tuple[str, str], tuple[int, float, int]]) -> dict[tuple[str, str], float]:
    """Scores on 0..1 within one query's candidates: BM25 over its best score (0 stays "no shared word"), dense
    min-max (e5 cosines crowd into 0.8-0.95, so only their spread carries signal)."""
    scores = {key: score for key, (_, score, _) in ranks.items()}
    if not scores:
        return {}
    high, low = max(scores.values()), min(scores.values())
    if mode == RetrievalMode.DENSE:
        return {key: (s - low) / (high - low) if high > low else 1.0 for key, s in scores.items()}
    return {key: s / high if high > 0 else 0.0 for key, s in scores.items()}


def fuse_to_hits(snap: Snapshot, rankings: dict[str, ChunkRanking], top_k: int, dense_weight: float) -> list[Hit]:
    """Convex combination of the clause rankings' normalised scores (a single ranking passes through with its own
    scores): a clause ranked first by both scores 1.0; one missing from a ranking gets nothing from it."""
    per_mode = {mode: _clause_ranks(snap, ranking) for mode, ranking in rankings.items()}
    fused: dict[tuple[str, str], float] = {}
    for mode, ranks in per_mode.items():
        weight = (dense_weight if mode == RetrievalMode.DENSE else 1.0 - dense_weight) if len(per_mode) > 1 else 1.0
        normalised = _normalised(mode, ranks) if len(per_mode) > 1 else {k: v[1] for k, v in ranks.items()}
        for key, score in normalised.items():
            fused[key] = fused.get(key, 0.0) + weight * score
    ordered = sorted(fused.items(), key=lambda kv: -kv[1])[:top_k]
    hits = []
    for key, score in ordered:
        clause = snap.clause(*key)
        if clause is None:
            continue
        # The best sentence comes from whichever retriever ranked this clause highest.
        best_mode = min((m for m in per_mode if key in per_mode[m]), key=lambda m: per_mode[m][key][0])
        best_row = per_mode[best_mode][key][2]
        hits.append(_clause_hit(snap, key[0], clause, score, _sentence_text(clause, snap.chunks.sentence_of(best_row)),
                                {m: round(per_mode[m][key][1], 6) for m in per_mode if key in per_mode[m]}))
    return hits


def _clause_hit(snap: Snapshot, doc_id: str, clause: Clause, score: float, best_sentence: str,
                scores: dict[str, float]) -> Hit:
    meta = snap.documents[doc_id].meta
    return Hit(doc_id=doc_id, doc_number=meta.doc_number, doc_title=meta.title, doc_citation=meta.citation_name,
               clause_label=clause.label, heading=clause.heading, text=clause.text, score=round(score, 6),
               best_sentence=best_sentence, scores=scores)


def in_turn(rankings: Sequence[Sequence[Hit]]) -> list[Hit]:
    """The first hit of each ranking, then the second of each, and so on; a clause once."""
    merged: dict[tuple[str, str], Hit] = {}
    for rank in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if rank < len(ranking):
                merged.setdefault((ranking[rank].doc_id, ranking[rank].clause_label), ranking[rank])
    return list(merged.values())


def clauses_first(snap: Snapshot, hits: Sequence[Hit], keys: Sequence[tuple[str, str]]) -> list[Hit]:
    """The hits with the given clauses (doc_id, label) moved to the front, in that order, at the best hit's score;
    one not retrieved is added (its first sentence as its best), the last hits giving way to keep the length."""
    if not keys:
        return list(hits)
    by_key = {(h.doc_id, h.clause_label): h for h in hits}
    top = max((h.score for h in hits), default=1.0)
    first = []
    for doc_id, label in keys:
        clause = snap.clause(doc_id, label)
        if clause is None:
            continue
        hit = by_key.get((doc_id, label))
        first.append(replace(hit, score=top) if hit
                     else _clause_hit(snap, doc_id, clause, top, _sentence_text(clause, 0), {}))
    chosen = {(h.doc_id, h.clause_label) for h in first}
    return (first + [h for h in hits if (h.doc_id, h.clause_label) not in chosen])[:max(len(hits), len(first))]


def _sentence_text(clause: Clause, sentence: int) -> str:
    if 0 <= sentence < len(clause.sentences):
        return clause.sentences[sentence].text
    return clause.sentences[0].text if clause.sentences else clause.text


def resolve_doc(snap: Snapshot, name: str) -> str:
    name = name.strip()
    if name in snap.documents:
        return name
    numbers = doc_numbers_in(name)
    by_number = [d for d, doc in snap.documents.items() if doc.meta.doc_number and doc.meta.doc_number in numbers]
    if len(by_number) == 1:
        return by_number[0]
    by_title = [d for d, doc in snap.documents.items() if name and name in doc.meta.title]
    if len(by_title) == 1:
        return by_title[0]
    listed = [f"{d} ({doc.meta.doc_number or doc.meta.title})"
              for d, doc in list(snap.documents.items())[:MAX_LISTED_DOCUMENTS]]
    more = len(snap.documents) - len(listed)
    known = ", ".join(listed) + (f" and {more} more (`kb list`)" if more > 0 else "")
    raise KbError(f"no single document matches {preview(name)!r}; known documents: {known or 'none'}")
