"""Editions of one document loaded side by side: the latest answers, an earlier one when asked for by its year or
named."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.config import Config
from kb.engine import PolicyKb
from kb.schema import RetrievalMode
from kb.search.editions import superseded

NOTICE = ("午市测试局关于开展{year}年度测试工厂申报工作的通知\n午测发〔{year}〕{number}号\n各区测试局：\n"
          "一、支持政策\n对新认定的市级测试工厂，给予一次性奖励{reward}万元。\n"
          "二、申报程序\n各区测试局于{year}年5月31日前将推荐名单报送市测试局。\n午市测试局\n{year}年3月10日\n")


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> PolicyKb:
    from kb.embedding.embedder import HashingEmbedder

    base: Path = tmp_path_factory.mktemp("editions")
    corpus = base / "corpus"
    corpus.mkdir()
    for year, number, reward in (("2098", "3", "30"), ("2099", "6", "50")):
        (corpus / f"notice-{year}.txt").write_text(NOTICE.format(year=year, number=number, reward=reward),
                                                   encoding="utf-8")
    # Not editions: another notice; batches of one list, which add to each other; a copy dated alike.
    for name, title, date in (("other", "关于开展测试园区评价工作的通知", "2097年2月1日"),
                              ("batch-1", "关于公布第1批测试园区名单的通知", "2097年2月1日"),
                              ("batch-2", "关于公布第2批测试园区名单的通知", "2098年2月1日"),
                              ("copy", "关于公布第2批测试园区名单的通知", "2098年2月1日")):
        (corpus / f"{name}.txt").write_text(f"午市测试局{title}\n各区测试局：\n一、对评价合格的测试园区，给予奖励。\n"
                                            f"午市测试局\n{date}\n", encoding="utf-8")
    config = Config(corpus_dir=corpus, data_dir=base / "data", model="hashing", upload_dir=base / "uploads",
                    model_cache=base / "models")
    engine = PolicyKb(config, embedder=HashingEmbedder(dim=64))
    engine.ingest()
    return engine


def ask(engine: PolicyKb, question: str) -> str:
    return engine.ask(question, mode=RetrievalMode.BM25).text


def test_only_titles_naming_a_genre_make_editions():
    """A line read as the title that names no document's genre (a letterhead "午市测试局文件") may head documents of
    every kind: they are no editions of each other, however they are dated."""
    from types import SimpleNamespace

    from kb.schema import DocMeta

    class Generation:  # a snapshot's documents alone
        def __init__(self, documents):
            self.documents = documents

    documents = {d: SimpleNamespace(meta=DocMeta(d, title=title, date=date)) for d, title, date in (
        ("a", "午市测试局文件", "2098-01-01"), ("b", "午市测试局文件", "2099-01-01"),
        ("c", "午市2098年测试工作方案", "2098-01-01"), ("d", "午市2099年测试工作方案", "2099-01-01"))}
    assert superseded(Generation(documents)) == frozenset({"c"})


def test_the_latest_edition_replaces_the_earlier_one(editions):
    snap = editions.retriever.snapshot()
    titles = {snap.documents[d].meta.title for d in superseded(snap)}
    assert titles == {"午市测试局关于开展2098年度测试工厂申报工作的通知"}
    assert superseded(snap, ["2098"]) == frozenset()
    answer = ask(editions, "新认定的市级测试工厂奖励多少？")
    assert "50万元" in answer and "午测发〔2099〕6号" in answer and "30万元" not in answer


def test_an_earlier_edition_answers_when_its_year_or_number_is_asked(editions):
    assert "30万元" in ask(editions, "2098年新认定的市级测试工厂奖励多少？")
    assert "30万元" in ask(editions, "午测发〔2098〕3号规定新认定的测试工厂奖励多少？")
