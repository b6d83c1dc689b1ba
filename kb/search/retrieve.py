"""Retrieval of clauses: BM25 over jieba tokens, dense vectors in Chroma, and their fusion.

Both retrievers rank chunks (clauses and sentences); a clause is ranked by its best chunk, so a clause whose
one sentence answers a colloquial question is not drowned by its other sentences.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from kb.store.chunk_table import ChunkTable
from kb.config import Config
from kb.embedding.embedder import Embedder
from kb.errors import KbError
from kb.documents.metadata import doc_numbers_in
from kb.schema import Clause, Hit, ParsedDocument, RetrievalMode
from kb.store.layout import state_path
from kb.store.snapshot import Snapshot, load_snapshot
from kb.store.state import IndexState
from kb.text.tokens import PolicyTokenizer, default_tokenizer
from kb.store.vectors import VectorStore, open_vectors



@dataclass(frozen=True)
class ChunkRanking:
    """Chunks in rank order with their scores, for one retriever."""

    rows: list[int]
    scores: list[float]


class Retriever:
    """Thread-safe: the app's sessions share one instance; a new index generation is picked up on the next query."""

    def __init__(self, config: Config, embedder: Embedder, tokenizer: PolicyTokenizer | None = None,
                 expand_queries: bool = True) -> None:
        self.config = config
        self.embedder = embedder
        self.tokenizer = tokenizer or default_tokenizer()
        self.expand_queries = expand_queries
        self._lock = threading.Lock()
        self._state = IndexState(state_path(config))  # kept open: the generation is checked on every query
        self._snapshot: Snapshot | None = None
        self._vectors: VectorStore | None = None
        self._query_vectors: dict[str, np.ndarray] = {}  # the answer step reuses the vector of the search

    # -- index state -------------------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self._lock:
            generation = self._state.generation
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = load_snapshot(self.config)
            return self._snapshot

    def vector_store(self) -> VectorStore:
        with self._lock:
            if self._vectors is None:
                self._vectors = open_vectors(self.config, self.embedder.name)
            return self._vectors

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
        """Cosine similarity of the query to stored chunk vectors (no chunk is embedded again)."""
        query = self.query_vector(text)
        return {cid: float(vec @ query) for cid, vec in self.vector_store().vectors(list(chunk_ids)).items()}

    def resolve_docs(self, names: Sequence[str]) -> list[str]:
        """Document ids for names given as short id, 文号 or a unique part of the title."""
        snap = self.snapshot()
        return [resolve_doc(snap, name) for name in names]

    # -- rankings ------------------------------------------------------------------------------------------------
    def rank_bm25(self, question: str, snap: Snapshot, allowed: np.ndarray | None) -> ChunkRanking:
        query = self.tokenizer.expand_query(question) if self.expand_queries else question
        top = snap.bm25.top(self.tokenizer.tokens(query), self.config.candidates, allowed)
        return ChunkRanking([r for r, _ in top], [s for _, s in top])

    def rank_dense(self, question: str, snap: Snapshot, doc_ids: Sequence[str] | None) -> ChunkRanking:
        matches = self.vector_store().query(self.query_vector(question), self.config.candidates, doc_ids)
        row_of = snap.chunks.rows_of([m.chunk_id for m in matches])
        # Vectors of another generation (or of a half-finished ingest) have no row and are ignored.
        known = [m for m in matches if m.chunk_id in row_of]
        return ChunkRanking([row_of[m.chunk_id] for m in known], [m.similarity for m in known])

    def search(self, question: str, mode: RetrievalMode = RetrievalMode.HYBRID, top_k: int | None = None,
               doc_ids: Sequence[str] | None = None, snap: Snapshot | None = None) -> list[Hit]:
        """Ranked clauses; pass `snap` to search a snapshot that the caller goes on using (one generation)."""
        if mode not in tuple(RetrievalMode):
            raise KbError(f"unknown retrieval mode {mode!r}; choose one of {', '.join(RetrievalMode)}")
        snap = snap or self.snapshot()
        if not snap.chunks:
            raise KbError("the index is empty: run `kb ingest` first")
        top_k = top_k or self.config.top_k
        allowed = snap.chunks.doc_mask(set(doc_ids)) if doc_ids else None
        rankings: dict[str, ChunkRanking] = {}
        if mode in (RetrievalMode.BM25, RetrievalMode.HYBRID):
            rankings[RetrievalMode.BM25] = self.rank_bm25(question, snap, allowed)
        if mode in (RetrievalMode.DENSE, RetrievalMode.HYBRID):
            rankings[RetrievalMode.DENSE] = self.rank_dense(question, snap, doc_ids)
        return fuse_to_hits(snap, rankings, top_k, self.config.rrf_k)


def _clause_ranks(snap: Snapshot, ranking: ChunkRanking) -> dict[tuple[str, str], tuple[int, float, int]]:
    """Per clause: (rank of its best chunk, that chunk's score, that chunk's row)."""
    best: dict[tuple[str, str], tuple[int, float, int]] = {}
    for row, score in zip(ranking.rows, ranking.scores):
        key = snap.chunks.clause_key(row)
        if key not in best:
            best[key] = (len(best) + 1, score, row)
    return best


def fuse_to_hits(snap: Snapshot, rankings: dict[str, ChunkRanking], top_k: int, rrf_k: int) -> list[Hit]:
    """Reciprocal-rank fusion of clause rankings (a single ranking passes through with its own scores)."""
    per_mode = {mode: _clause_ranks(snap, ranking) for mode, ranking in rankings.items()}
    fused: dict[tuple[str, str], float] = {}
    for ranks in per_mode.values():
        for key, (rank, score, _) in ranks.items():
            contribution = 1.0 / (rrf_k + rank) if len(per_mode) > 1 else score
            fused[key] = fused.get(key, 0.0) + contribution
    ordered = sorted(fused.items(), key=lambda kv: -kv[1])[:top_k]
    hits = []
    for key, score in ordered:
        clause = snap.clause(*key)
        if clause is None:
            continue
        # The best sentence comes from whichever retriever ranked this clause highest.
        best_mode = min((m for m in per_mode if key in per_mode[m]), key=lambda m: per_mode[m][key][0])
        best_row = per_mode[best_mode][key][2]
        meta = snap.documents[key[0]].meta
        hits.append(Hit(
            doc_id=key[0], doc_number=meta.doc_number, doc_title=meta.title, clause_label=clause.label,
            heading=clause.heading, text=clause.text, score=round(score, 6),
            best_sentence=_sentence_text(clause, snap.chunks.sentence_of(best_row)),
            scores={m: round(per_mode[m][key][1], 6) for m in per_mode if key in per_mode[m]},
        ))
    return hits


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
    known = ", ".join(f"{d} ({doc.meta.doc_number or doc.meta.title})" for d, doc in snap.documents.items())
    raise KbError(f"no single document matches {name!r}; known documents: {known or 'none'}")
