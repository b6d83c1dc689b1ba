"""The retriever: metadata filters applied inside retrieval (never a node outside the filter), scores in 0–1."""

from __future__ import annotations

import json
import random

import pytest
from llama_index.core.postprocessor import SimilarityPostprocessor
from llama_index.core.vector_stores.types import (FilterCondition, FilterOperator, MetadataFilter,
                                                  MetadataFilters)

from conftest import ROOT
from kb.errors import KbError
from kb.integrations.llama_index import PolicyKbRetriever

SEED_NUMBER = "渝府发〔2021〕31号"
MODES = ("bm25", "dense", "hybrid")
EQ, NE, IN, NIN = FilterOperator.EQ, FilterOperator.NE, FilterOperator.IN, FilterOperator.NIN


def _questions(n: int, seed: int = 15) -> list[str]:
    lines = (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    law_questions = ["森林防火期内禁止哪些野外用火？", "循环经济发展规划由谁编制？", "哪些行为会被处以罚款？",
                     "企业应当建立什么制度？"]
    return random.Random(seed).sample(questions, n) + law_questions


def _passes(metadata: dict, key: str, op: FilterOperator, value) -> bool:
    """The filter, evaluated on a node's metadata independently of the code under test."""
    field = {"doc": "doc_id", "clause_prefix": "clause"}.get(key, key)
    values = value if isinstance(value, list) else [value]
    if key == "doc":
        aliases = {SEED_NUMBER: "cq-2021-31"}
        values = [aliases.get(v, v) for v in values]
    if key == "clause_prefix":
        matched = any(metadata[field].startswith(v) for v in values)
    else:
        matched = metadata[field] in values
    return matched if op in (EQ, IN) else not matched


FILTER_SETS = [
    [("doc", EQ, SEED_NUMBER)],
    [("doc", IN, ["cq-forest-fire", "circular-economy-law"])],
    [("doc", NE, "cq-2021-31")],
    [("doc_number", EQ, SEED_NUMBER)],
    [("level", EQ, "national")],
    [("level", NIN, ["national"])],
    [("clause_prefix", EQ, "二（一）")],
    [("clause_prefix", IN, ["一", "三"])],
    [("clause", IN, ["二（四）14", "二（一）4"])],
    [("kind", EQ, "sentence")],
    [("kind", EQ, "clause")],
    [("kind", EQ, "sentence"), ("clause_prefix", EQ, "二（"), ("doc", EQ, "cq-2021-31")],
    [("level", EQ, "municipal"), ("kind", NE, "sentence")],
    [("clause_prefix", NE, "二"), ("doc", IN, ["cq-2021-31"])],
]


def _filters(spec) -> MetadataFilters:
    return MetadataFilters(filters=[MetadataFilter(key=k, operator=op, value=v) for k, op, v in spec])


@pytest.mark.parametrize("spec", FILTER_SETS, ids=lambda spec: "+".join(f"{k}{op.value}" for k, op, _ in spec))
def test_a_filtered_query_never_returns_a_node_outside_the_filter(laws_kb, spec):
    returned = 0
    for mode in MODES:
        retriever = PolicyKbRetriever(laws_kb, mode=mode, top_k=6, filters=_filters(spec))
        for question in _questions(8):
            nodes = retriever.retrieve(question)
            returned += len(nodes)
            for node in nodes:
                for key, op, value in spec:
                    assert _passes(node.node.metadata, key, op, value), (mode, question, node.node.metadata)
    assert returned  # the filters leave something to find


def test_sentence_kind_returns_sentence_nodes_of_the_clause(seed_kb):
    retriever = PolicyKbRetriever(seed_kb, mode="bm25", top_k=4, filters=_filters([("kind", EQ, "sentence")]))
    nodes = retriever.retrieve("新建充电桩的目标是多少")
    assert nodes and all(n.node.metadata["kind"] == "sentence" for n in nodes)
    clause = seed_kb.document("cq-2021-31").clause(nodes[0].node.metadata["clause"])
    assert nodes[0].node.get_content() in [s.text for s in clause.sentences]
    assert nodes[0].node.metadata["sentence"] >= 0


def test_clause_filters_are_applied_before_the_cut(seed_kb):
    """三 has four clauses (三, 三（一）, 三（二）, 三（三）): a top-10 query restricted to them returns all four, in
    every mode, so the filter did not just drop nodes from an unfiltered top 10."""
    expected = {"三", "三（一）", "三（二）", "三（三）"}
    for mode in ("dense", "hybrid"):
        retriever = PolicyKbRetriever(seed_kb, mode=mode, top_k=10,
                                      filters=_filters([("clause_prefix", EQ, "三"), ("kind", EQ, "clause")]))
        assert {n.node.metadata["clause"] for n in retriever.retrieve("新建充电桩的目标是多少")} == expected
    narrow = PolicyKbRetriever(seed_kb, mode="dense", top_k=5, filters=_filters([("clause_prefix", EQ, "二（六）")]))
    assert len(narrow.retrieve("森林覆盖率")) == 5


def test_a_filter_that_matches_nothing_returns_no_nodes(laws_kb):
    assert PolicyKbRetriever(laws_kb, filters=_filters([("doc_number", EQ, "国发〔2099〕1号")])).retrieve("目标") == []
    assert PolicyKbRetriever(laws_kb, filters=_filters([("clause", EQ, "九十九")])).retrieve("目标") == []


@pytest.mark.parametrize("filters, message", [
    (MetadataFilters(filters=[MetadataFilter(key="title", value="x")]), "unsupported filter key 'title'"),
    (MetadataFilters(filters=[MetadataFilter(key="level", operator=FilterOperator.GT, value="a")]),
     "unsupported filter operator '>'"),
    (MetadataFilters(filters=[MetadataFilter(key="level", value="national"),
                              MetadataFilter(key="kind", value="clause")], condition=FilterCondition.OR),
     "filters combine with 'and'"),
    (MetadataFilters(filters=[MetadataFilters(filters=[MetadataFilter(key="kind", value="clause")])]), "nested"),
    (MetadataFilters(filters=[MetadataFilter(key="kind", value="paragraph")]), "takes clause, sentence"),
    (MetadataFilters(filters=[MetadataFilter(key="level", value="galactic")]), "takes national"),
    (MetadataFilters(filters=[MetadataFilter(key="doc", value=3)]), "needs a non-empty string"),
    (MetadataFilters(filters=[MetadataFilter(key="doc", operator=FilterOperator.IN, value="cq-2021-31")]),
     "needs a non-empty list of strings"),
])
def test_unsupported_filters_are_clear_errors_when_the_retriever_is_made(seed_kb, filters, message):
    with pytest.raises(KbError, match=message):
        PolicyKbRetriever(seed_kb, filters=filters)


def test_unknown_document_and_mode_are_clear_errors(seed_kb):
    with pytest.raises(KbError, match="no single document matches"):
        PolicyKbRetriever(seed_kb, filters=_filters([("doc", EQ, "国发〔2099〕1号")])).retrieve("目标")
    with pytest.raises(KbError, match="unknown retrieval mode"):
        PolicyKbRetriever(seed_kb, mode="fuzzy")


@pytest.mark.parametrize("mode", MODES)
def test_scores_are_0_to_1_with_the_raw_fused_score_kept(seed_kb, mode):
    nodes = PolicyKbRetriever(seed_kb, mode=mode, top_k=8).retrieve("新建充电桩的目标是多少")
    assert len(nodes) == 8
    assert all(0.0 <= n.score <= 1.0 for n in nodes)
    assert [n.score for n in nodes] == sorted((n.score for n in nodes), reverse=True)
    raw = [n.node.metadata["raw_score"] for n in nodes]
    assert raw == sorted(raw, reverse=True) and all(n.node.metadata["retrieval_mode"] == mode for n in nodes)
    if mode == "bm25":
        assert nodes[0].score == 1.0  # relative to the best BM25 score of the query
    if mode == "hybrid":  # the fused score is already 0–1: first in both rankings would be 1.0
        assert [n.score for n in nodes] == pytest.approx(raw)
    if mode != "dense":  # dense scores are the model's cosine similarities (the hashing embedder's are low)
        # The usual postprocessor keeps the clauses that lead a ranking instead of dropping every node.
        kept = SimilarityPostprocessor(similarity_cutoff=0.5).postprocess_nodes(nodes)
        assert kept and kept[0].node.metadata["clause"] == nodes[0].node.metadata["clause"]


def test_nodes_carry_the_citation_metadata(seed_kb):
    node = PolicyKbRetriever(seed_kb, mode="bm25", top_k=3).retrieve("新建充电桩的目标是多少")[0].node
    assert node.metadata["doc"] == SEED_NUMBER and node.metadata["doc_number"] == SEED_NUMBER
    assert node.metadata["doc_id"] == "cq-2021-31" and node.metadata["level"] == "municipal"
    assert node.metadata["clause"] == "二（四）14" and node.metadata["heading"] == "提升交通基础设施绿色发展水平"
    assert node.metadata["heading_path"] == "重点任务 / 加快基础设施绿色升级 / 提升交通基础设施绿色发展水平"
    assert node.metadata["title"].startswith("重庆市人民政府关于")
    assert "3万个" in node.get_content() and node.metadata["kind"] == "clause"
    assert node.ref_doc_id == "cq-2021-31"
    assert "raw_score" not in node.get_content(metadata_mode="llm")  # scores stay out of the LLM's context
