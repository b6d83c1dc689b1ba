"""Crosswalk and questions across an implementation document and the national document it implements
(synthetic fixtures that say so in their first line)."""

from conftest import TESTS
from pathlib import Path

import pytest

from kb.search.crosswalk import heading_similarity
from kb.engine import PolicyKb
from kb.errors import KbError

FIXTURES = TESTS / "fixtures"


@pytest.fixture
def both_levels(kb_config, fake_embedder):
    kb = PolicyKb(kb_config, embedder=fake_embedder)
    kb.add([str(FIXTURES / "synthetic_national.txt"), str(FIXTURES / "synthetic_local.txt")])
    return kb


def test_crosswalk_links_local_clauses_to_national_ones(both_levels):
    links = {link.local_clause: link for link in both_levels.crosswalk("示府发〔2099〕3号")}
    # Local numbering restarts in each part; the national one runs on: the link must follow content, not numbers.
    assert links["二（一）"].national_clause == "二（三）"  # 优化设施布局 -> 完善设施布局
    assert links["二（三）"].national_clause == "二（五）"  # 创新服务方式
    assert links["三（二）"].national_clause == "三（七）"  # 强化经费保障
    assert all(link.national_doc == "synthetic_national" for link in links.values())
    assert all(0 < link.score <= 1 for link in links.values())


def test_crosswalk_needs_both_documents(kb_config, fake_embedder):
    kb = PolicyKb(kb_config, embedder=fake_embedder)
    kb.ingest()
    with pytest.raises(KbError, match="both loaded"):
        kb.crosswalk()


def test_questions_across_levels_or_restricted_to_one(both_levels):
    hits = both_levels.search("新增图书多少册", mode="bm25", top_k=10)
    assert {h.doc_number for h in hits} >= {"国发〔2099〕1号", "示府发〔2099〕3号"}
    national = both_levels.search("新增图书多少册", mode="bm25", levels=["national"])
    assert {h.doc_number for h in national} == {"国发〔2099〕1号"}
    with pytest.raises(KbError, match="no loaded document has level"):
        both_levels.search("图书", levels=["county"])


def test_question_about_a_referenced_document_that_is_not_loaded(kb_config, fake_embedder):
    kb = PolicyKb(kb_config, embedder=fake_embedder)
    kb.ingest()
    answer = kb.ask("国发〔2021〕4号提出的主要目标是什么？")
    assert answer.status == "not_found"
    assert "国发〔2021〕4号" in answer.text and "渝府发〔2021〕31号引用" in answer.text and "kb add" in answer.text


def test_heading_similarity():
    assert heading_similarity("强化经费保障", "强化经费保障") == 1.0
    assert heading_similarity("优化设施布局", "完善设施布局") > heading_similarity("优化设施布局", "强化经费保障")
    assert heading_similarity("", "保障") == 0.0
