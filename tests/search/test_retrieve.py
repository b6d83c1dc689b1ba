"""Retrieval over the seed: BM25 and fusion with the fake embedder; real-model quality in integration tests."""

from conftest import ROOT_DIR
import json
from pathlib import Path

import pytest

from kb.errors import KbError
from kb.indexing.ingest import Indexer
from kb.search.retrieve import Retriever

ROOT = ROOT_DIR


@pytest.fixture
def retriever(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    return Retriever(kb_config, fake_embedder)


@pytest.mark.parametrize("question, label", [
    ("“两品一标”认证产品到2025年要达到多少个？", "二（一）2"),
    ("新建充电桩的目标是多少", "二（四）14"),
    ("EOD模式试点", "二（一）4"),
    ("公转铁公转水", "二（二）7"),
    ("碳达峰碳中和工作领导小组", "三（一）"),
])
def test_bm25_finds_the_clause(retriever, question, label):
    hits = retriever.search(question, mode="bm25", top_k=3)
    assert hits[0].clause_label == label
    assert hits[0].doc_number == "渝府发〔2021〕31号"
    assert hits[0].best_sentence in hits[0].text


def test_hits_are_clauses_not_duplicated_sentences(retriever):
    hits = retriever.search("绿色", mode="hybrid", top_k=10)
    keys = [(h.doc_id, h.clause_label) for h in hits]
    assert len(keys) == len(set(keys)) == 10


def test_hybrid_fuses_both_rankings(retriever):
    hits = retriever.search("畜禽粪污资源化利用率", mode="hybrid", top_k=5)
    assert hits[0].clause_label == "二（一）2"
    assert set(hits[0].scores) == {"bm25", "dense"}


def test_colloquial_expansion_reaches_formal_clause(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    plain = Retriever(kb_config, fake_embedder, expand_queries=False).search("共享单车", mode="bm25", top_k=3)
    expanded = Retriever(kb_config, fake_embedder).search("共享单车", mode="bm25", top_k=3)
    assert plain[0].clause_label != "二（一）3"
    assert expanded[0].clause_label == "二（一）3"  # 有序发展出行、住宿等领域共享经济


def test_document_filter_and_resolution(retriever):
    assert retriever.resolve_docs(["渝府发〔2021〕31号"]) == ["cq-2021-31"]
    assert retriever.resolve_docs(["渝府发[2021]31号"]) == ["cq-2021-31"]
    assert retriever.resolve_docs(["cq-2021-31"]) == ["cq-2021-31"]
    with pytest.raises(KbError, match="no single document matches"):
        retriever.resolve_docs(["国发〔2021〕4号"])
    hits = retriever.search("森林覆盖率", mode="hybrid", doc_ids=["cq-2021-31"])
    assert all(h.doc_id == "cq-2021-31" for h in hits)


def test_unknown_mode_is_an_error(retriever):
    with pytest.raises(KbError, match="unknown retrieval mode"):
        retriever.search("森林", mode="magic")


def _plain_questions():
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["answerable"] and r["kind"] in ("number", "fact") and "context" not in r]


@pytest.mark.integration
def test_real_model_hybrid_retrieval_quality(real_kb):
    """hit@5 of hybrid retrieval with the real model on the plain number/fact questions of the question set."""
    questions = _plain_questions()
    assert len(questions) >= 40
    hits_at_5 = 0
    for q in questions:
        labels = [h.clause_label for h in real_kb.search(q["question"], mode="hybrid", top_k=5)]
        hits_at_5 += any(g in labels for g in q["gold"])
    assert hits_at_5 / len(questions) >= 0.95


@pytest.mark.integration
@pytest.mark.parametrize("question, label", [
    ("秸秆能不能烧？", "二（一）2"),
    ("共享单车有什么说法", "二（一）3"),
    ("饭店还能给一次性牙刷吗", "二（一）3"),
    ("电动车充电桩会多起来吗", "二（四）14"),
])
def test_real_model_colloquial_questions(real_kb, question, label):
    labels = [h.clause_label for h in real_kb.search(question, mode="hybrid", top_k=3)]
    assert label in labels
