"""policy-kb's retriever as a llama-index `BaseRetriever`: metadata filters applied inside retrieval, scores in 0–1.

Filters (`MetadataFilters`, condition AND; operators ==, !=, in, nin):
    doc            a document by short id, 文号 or a unique part of its title (resolved like `kb ask --doc`)
    doc_number     the 文号 exactly
    level          national / provincial / municipal / county / other
    clause         a clause label exactly, e.g. 二（一）4
    clause_prefix  clause labels that start with the value, e.g. 二（一） (also matches 二（一）10)
    kind           clause / sentence: which chunks are ranked; with only sentences the nodes are sentences
Document filters become the engine's document restriction; clause and kind filters mask the ranked chunks
before the top-k cut (the dense side asks Chroma for more neighbours until enough pass), so a filtered query
never returns a node outside the filter. Any other key, operator or condition raises `KbError`.

Scores: `NodeWithScore.score` is in 0–1 and the raw fused score is in `metadata["raw_score"]`:
    hybrid  the fused score itself (first in both rankings = 1.0): comparable across queries
    dense   cosine similarity, clipped to 0–1
    bm25    BM25 score / the best BM25 score of this result (the top node = 1.0): relative to the query
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from llama_index.core.callbacks import CallbackManager
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores.types import FilterCondition, FilterOperator, MetadataFilter, MetadataFilters

from kb.engine import PolicyKb, check_question
from kb.errors import KbError
from kb.integrations.llama_index_nodes import ClauseTree, chunk_node_id, clause_text_node
from kb.schema import ChunkKind, DocMeta, Hit, Level, RetrievalMode
from kb.search.retrieve import resolve_doc
from kb.store.snapshot import Snapshot

DOCUMENT_KEYS = ("doc", "doc_number", "level")
CHUNK_KEYS = ("clause", "clause_prefix", "kind")
OPERATORS = (FilterOperator.EQ, FilterOperator.NE, FilterOperator.IN, FilterOperator.NIN)
RESULT_KEYS = ["raw_score", "retrieval_mode", "best_sentence"]  # added to retrieved nodes; not for embedding/LLM


# -- filters ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldTest:
    """One filter: does a value (a document's field, a clause label, a chunk kind) pass?"""

    key: str
    negated: bool  # != and nin: none of the values may match
    values: tuple[str, ...]

    def passes(self, field: str) -> bool:
        if self.key == "clause_prefix":
            matched = any(field.startswith(v) for v in self.values)
        else:
            matched = field in self.values
        return matched != self.negated


def field_tests(filters: MetadataFilters | None) -> list[FieldTest]:
    """The filters checked: unsupported keys, operators, conditions or values are a `KbError`."""
    if filters is None:
        return []
    if filters.condition not in (None, FilterCondition.AND):
        raise KbError(f"filter condition {filters.condition.value!r} is not supported; filters combine with 'and'")
    return [_field_test(f) for f in filters.filters]


def _field_test(item: MetadataFilter | MetadataFilters) -> FieldTest:
    if not isinstance(item, MetadataFilter):
        raise KbError("nested MetadataFilters are not supported; give one flat list of filters")
    if item.key not in DOCUMENT_KEYS + CHUNK_KEYS:
        raise KbError(f"unsupported filter key {item.key!r}; supported: {', '.join(DOCUMENT_KEYS + CHUNK_KEYS)}")
    if item.operator not in OPERATORS:
        raise KbError(f"unsupported filter operator {item.operator.value!r} for {item.key!r}; "
                      f"supported: {', '.join(op.value for op in OPERATORS)}")
    single = item.operator in (FilterOperator.EQ, FilterOperator.NE)
    values = (item.value,) if single else tuple(item.value) if isinstance(item.value, list) else ()
    if not values or not all(isinstance(v, str) and v for v in values):
        shape = "a non-empty string" if single else "a non-empty list of strings"
        raise KbError(f"filter {item.key!r} {item.operator.value} needs {shape}, got {item.value!r}")
    allowed = {"kind": tuple(ChunkKind), "level": tuple(Level)}.get(item.key)
    if allowed and not set(values) <= set(allowed):
        raise KbError(f"filter {item.key!r} takes {', '.join(allowed)}, got {item.value!r}")
    return FieldTest(item.key, item.operator in (FilterOperator.NE, FilterOperator.NIN), values)


@dataclass(frozen=True)
class Restriction:
    """What a query may return, for one index snapshot."""

    doc_ids: list[str] | None  # None: every document
    rows: np.ndarray | None  # boolean per chunk row; None: every chunk
    sentences_only: bool  # the kind filter rules out whole clauses: the nodes are sentences

    @property
    def empty(self) -> bool:
        return self.doc_ids == [] or (self.rows is not None and not self.rows.any())


def restriction(tests: Sequence[FieldTest], snap: Snapshot) -> Restriction:
    doc_tests = [_resolved(t, snap) for t in tests if t.key in DOCUMENT_KEYS]
    doc_ids = None
    if doc_tests:
        doc_ids = [d for d, doc in snap.documents.items()
                   if all(t.passes(_document_field(t.key, doc.meta)) for t in doc_tests)]
    label_tests = [t for t in tests if t.key in ("clause", "clause_prefix")]
    kind_tests = [t for t in tests if t.key == "kind"]
    kind_ok = {kind: all(t.passes(kind) for t in kind_tests) for kind in ChunkKind}
    rows = None
    if label_tests or kind_tests:
        chunks = snap.chunks
        labels_ok = np.array([all(t.passes(label) for t in label_tests) for label in chunks.labels], dtype=bool)
        kinds_ok = np.where(chunks.sentence_index < 0, kind_ok[ChunkKind.CLAUSE], kind_ok[ChunkKind.SENTENCE])
        rows = labels_ok[chunks.label_index] & kinds_ok
    return Restriction(doc_ids, rows, sentences_only=not kind_ok[ChunkKind.CLAUSE])


def _resolved(test: FieldTest, snap: Snapshot) -> FieldTest:
    """A `doc` test names documents as the user wrote them; compare their ids instead."""
    if test.key != "doc":
        return test
    return FieldTest(test.key, test.negated, tuple(resolve_doc(snap, name) for name in test.values))


def _document_field(key: str, meta: DocMeta) -> str:
    return {"doc": meta.doc_id, "doc_number": meta.doc_number, "level": meta.level}[key]


# -- scores and nodes ---------------------------------------------------------------------------------------------
def score_normaliser(mode: RetrievalMode, hits: Sequence[Hit]) -> Callable[[float], float]:
    """Raw fused score -> 0–1, as the module docstring says for each mode."""
    # A hybrid search whose vector store failed ranked by BM25 alone: its scores are BM25's.
    fused = mode == RetrievalMode.HYBRID and any(RetrievalMode.DENSE in h.scores for h in hits)
    if fused or mode == RetrievalMode.DENSE:
        return lambda raw: min(1.0, max(0.0, raw))
    best = max((h.score for h in hits), default=0.0)
    return lambda raw: raw / best if best > 0 else 0.0


def hit_node(snap: Snapshot, hit: Hit, tree: ClauseTree, mode: RetrievalMode, sentence: bool = False) -> TextNode:
    """The node of a retrieved clause (or, with `sentence`, of its best sentence), id = its chunk id."""
    clause = snap.clause(hit.doc_id, hit.clause_label)
    if clause is None:
        raise KbError(f"the index changed during the query ({hit.doc_id} {hit.clause_label}); ask again")
    index = next((i for i, s in enumerate(clause.sentences) if s.text == hit.best_sentence), -1) if sentence else -1
    node_id = chunk_node_id(snap.chunks, hit.doc_id, hit.clause_label, index)
    node = clause_text_node(snap.documents[hit.doc_id].meta, clause, tree, node_id, index)
    node.metadata.update(raw_score=hit.score, retrieval_mode=str(mode), best_sentence=hit.best_sentence)
    node.excluded_embed_metadata_keys += RESULT_KEYS
    node.excluded_llm_metadata_keys += RESULT_KEYS
    return node


def hit_nodes(snap: Snapshot, hits: Sequence[Hit], mode: RetrievalMode,
              sentences: bool = False) -> list[NodeWithScore]:
    normalise = score_normaliser(mode, hits)
    trees = {doc_id: ClauseTree(snap.documents[doc_id]) for doc_id in {h.doc_id for h in hits}}
    return [NodeWithScore(node=hit_node(snap, hit, trees[hit.doc_id], mode, sentences),
                          score=round(normalise(hit.score), 6)) for hit in hits]


def retrieval_mode(mode: str) -> RetrievalMode:
    try:
        return RetrievalMode(mode)
    except ValueError:
        raise KbError(f"unknown retrieval mode {mode!r}; choose one of {', '.join(RetrievalMode)}") from None


# -- the retriever ------------------------------------------------------------------------------------------------
class PolicyKbRetriever(BaseRetriever):
    """Clauses of the loaded documents for a question, as `NodeWithScore`s (see the module docstring)."""

    def __init__(self, kb: PolicyKb, mode: RetrievalMode | str = RetrievalMode.HYBRID, top_k: int | None = None,
                 filters: MetadataFilters | None = None, callback_manager: CallbackManager | None = None) -> None:
        """`top_k`: how many nodes (default: the configured top_k)."""
        super().__init__(callback_manager=callback_manager)
        if top_k is not None and top_k < 1:
            raise KbError(f"top_k must be at least 1, got {top_k}")
        self._kb = kb
        self._mode = retrieval_mode(mode)
        self._top_k = top_k or kb.config.top_k
        self._tests = field_tests(filters)  # checked now: a bad filter fails where it is written

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        question = check_question(query_bundle.query_str, self._kb.config.max_question_chars)
        retriever = self._kb.retriever
        snap = retriever.snapshot()
        allowed = restriction(self._tests, snap)
        if allowed.empty:
            return []
        hits = retriever.search(question, mode=self._mode, top_k=self._top_k, doc_ids=allowed.doc_ids, snap=snap,
                                allowed=allowed.rows)
        return hit_nodes(snap, hits, self._mode, sentences=allowed.sentences_only)
