"""The corpus as llama-index TextNodes: ids = chunk ids, metadata, and the clause tree as relationships."""

from __future__ import annotations

import json

import pytest
from llama_index.core.schema import NodeRelationship, TextNode

from kb.cli import main
from kb.errors import KbError
from kb.integrations.llama_index import corpus_nodes
from kb.store.layout import state_path
from kb.store.state import IndexState

PARENT, CHILD = NodeRelationship.PARENT, NodeRelationship.CHILD
PREVIOUS, NEXT, SOURCE = NodeRelationship.PREVIOUS, NodeRelationship.NEXT, NodeRelationship.SOURCE

SMALL_LAW = """示例市河道保护条例
第一章 总则
第一条 为了保护河道，制定本条例。
第二条 本市行政区域内河道的保护适用本条例。河道管理机构负责日常巡查。
第二章 保护措施
第三条 禁止在河道内从事下列活动：
（一）倾倒垃圾；
（二）非法采砂。
第四条 违反本条例第三条规定的，由水行政主管部门责令改正。
"""


def _by_id(nodes: list[TextNode]) -> dict[str, TextNode]:
    return {n.node_id: n for n in nodes}


def _clause(nodes: list[TextNode], label: str, kind: str = "clause") -> TextNode:
    return next(n for n in nodes if n.metadata["clause"] == label and n.metadata["kind"] == kind)


def test_one_node_per_indexed_chunk_with_the_chunk_id(seed_kb):
    nodes = corpus_nodes(seed_kb)
    state = IndexState(state_path(seed_kb.config))
    try:
        chunk_ids = state.chunk_ids()
    finally:
        state.close()
    assert len(nodes) == len(chunk_ids) and {n.node_id for n in nodes} == chunk_ids
    assert {n.metadata["kind"] for n in nodes} == {"clause", "sentence"}


def test_metadata_of_a_clause_and_of_a_sentence(seed_kb):
    nodes = corpus_nodes(seed_kb)
    clause = _clause(nodes, "二（一）4")
    assert clause.metadata == {
        "doc_id": "cq-2021-31", "doc": "渝府发〔2021〕31号", "doc_number": "渝府发〔2021〕31号",
        "title": "重庆市人民政府关于加快建立健全绿色低碳循环发展经济体系的实施意见", "level": "municipal",
        "clause": "二（一）4", "heading": "壮大绿色环保产业",
        "heading_path": "重点任务 / 健全绿色低碳循环发展的生产体系 / 壮大绿色环保产业", "kind": "clause", "sentence": -1}
    assert clause.get_content().startswith("4．壮大绿色环保产业。")
    sentence = _clause(nodes, "二（一）4", "sentence")
    assert sentence.metadata["sentence"] == 0 and clause.get_content().startswith(sentence.get_content())
    doc = seed_kb.document("cq-2021-31")
    assert doc.text[clause.start_char_idx:clause.end_char_idx] == clause.get_content()
    # Embedding sees the title and heading path; a language model also sees the citation.
    assert "渝府发" not in clause.get_content(metadata_mode="embed") and "壮大绿色环保产业" in clause.get_content(
        metadata_mode="embed")
    assert "clause: 二（一）4" in clause.get_content(metadata_mode="llm")


def test_parent_and_child_follow_the_clause_tree(seed_kb):
    nodes = corpus_nodes(seed_kb)
    by_id = _by_id(nodes)
    item, section, part = _clause(nodes, "二（一）4"), _clause(nodes, "二（一）"), _clause(nodes, "二")
    assert item.relationships[PARENT].node_id == section.node_id
    assert section.relationships[PARENT].node_id == part.node_id
    assert PARENT not in part.relationships
    children = [by_id[c.node_id] for c in section.relationships[CHILD]]
    assert [c.metadata["clause"] for c in children if c.metadata["kind"] == "clause"] == [
        f"二（一）{i}" for i in range(1, 7)]
    for node in nodes:
        assert node.relationships[SOURCE].node_id == "cq-2021-31" and node.ref_doc_id == "cq-2021-31"
        for child in node.child_nodes or []:
            assert by_id[child.node_id].relationships[PARENT].node_id == node.node_id
        if node.metadata["kind"] == "sentence":  # a sentence's parent is its own clause
            parent = by_id[node.relationships[PARENT].node_id]
            assert (parent.metadata["kind"], parent.metadata["clause"]) == ("clause", node.metadata["clause"])
            assert node.node_id in [c.node_id for c in parent.child_nodes]


def test_previous_and_next_chain_clauses_and_sentences_in_document_order(seed_kb):
    nodes = corpus_nodes(seed_kb)
    for kind in ("clause", "sentence"):
        chain = [n for n in nodes if n.metadata["kind"] == kind]
        assert PREVIOUS not in chain[0].relationships and NEXT not in chain[-1].relationships
        for before, after in zip(chain, chain[1:]):
            assert before.relationships[NEXT].node_id == after.node_id
            assert after.relationships[PREVIOUS].node_id == before.node_id
            assert before.start_char_idx < after.start_char_idx
    labels = [n.metadata["clause"] for n in nodes if n.metadata["kind"] == "clause"]
    assert labels[0] == "序言" and labels.index("二（一）4") < labels.index("二（二）7") < labels.index("三（一）")


def test_a_law_keeps_its_articles_items_and_divisions(seed_kb, tmp_path):
    """Built on the clause paths, whatever labels the law parser gives: items hang under their article, an
    article under its chapter when the chapter is a clause, and the chapter heading is in the heading path."""
    kb = seed_kb.__class__(seed_kb.config.replace(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data"),
                           embedder=seed_kb.embedder)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "river-law.txt").write_text(SMALL_LAW, encoding="utf-8")
    kb.ingest()
    nodes = corpus_nodes(kb)
    by_id = _by_id(nodes)
    doc = kb.document("river-law")
    path_of = {c.label: c.path for c in doc.clauses}
    clauses = [n for n in nodes if n.metadata["kind"] == "clause"]
    article3 = next(n for n in clauses if n.get_content().startswith("第三条"))
    items = [n for n in clauses if n.get_content().startswith("（")]
    assert [i.get_content()[:3] for i in items] == ["（一）", "（二）"]
    for item in items:
        assert item.relationships[PARENT].node_id == article3.node_id
    for node in clauses:
        if PARENT in node.relationships:  # a parent's numbering path encloses the child's
            parent = by_id[node.relationships[PARENT].node_id]
            child_path, parent_path = path_of[node.metadata["clause"]], path_of[parent.metadata["clause"]]
            assert child_path[:len(parent_path)] == parent_path and len(parent_path) < len(child_path)
    article1 = next(n for n in clauses if n.get_content().startswith("第一条"))
    assert "总则" in article1.metadata["heading_path"]
    assert "保护措施" in article3.metadata["heading_path"]
    articles = ["第一条", "第二条", "第三条", "第四条"]
    assert [n.get_content()[:3] for n in clauses if n.get_content()[:3] in articles] == articles
    article2_sentences = [n for n in nodes if n.metadata["kind"] == "sentence"
                          and n.relationships[PARENT].node_id == next(
                              c.node_id for c in clauses if c.get_content().startswith("第二条"))]
    assert [s.get_content() for s in article2_sentences] == ["第二条 本市行政区域内河道的保护适用本条例。",
                                                             "河道管理机构负责日常巡查。"]


def test_one_document_and_bad_names(laws_kb):
    nodes = corpus_nodes(laws_kb, docs=["cq-forest-fire"])
    assert nodes and {n.metadata["doc_id"] for n in nodes} == {"cq-forest-fire"}
    with pytest.raises(KbError, match="no single document matches"):
        corpus_nodes(laws_kb, docs=["国发〔2099〕1号"])


def test_empty_index_is_a_clear_error(seed_kb, tmp_path):
    empty = seed_kb.__class__(seed_kb.config.replace(data_dir=tmp_path / "data"), embedder=seed_kb.embedder)
    with pytest.raises(KbError, match="run `kb ingest` first"):
        corpus_nodes(empty)


def test_cli_exports_jsonl_that_llama_index_reads_back(seed_kb, tmp_path, monkeypatch, capsys):
    for name, value in (("CORPUS_DIR", seed_kb.config.corpus_dir), ("DATA_DIR", seed_kb.config.data_dir),
                        ("MODEL", "hashing")):
        monkeypatch.setenv(f"KB_{name}", str(value))
    monkeypatch.delenv("KB_CHROMA_URL", raising=False)
    out = tmp_path / "nodes.jsonl"
    assert main(["nodes", "--output", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err
    lines = out.read_text(encoding="utf-8").splitlines()
    expected = corpus_nodes(seed_kb)
    assert len(lines) == len(expected) and "渝府发〔2021〕31号" in lines[0]  # readable UTF-8, not \\u escapes
    restored = [TextNode.from_dict(json.loads(line)) for line in lines]
    assert [n.node_id for n in restored] == [n.node_id for n in expected]
    assert restored[5].relationships == expected[5].relationships and restored[5].metadata == expected[5].metadata
    assert main(["nodes", "--doc", "cq-2021-31"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(expected)
    assert main(["nodes", "--doc", "国发〔2099〕1号"]) == 2
    assert capsys.readouterr().err.startswith("kb: error: no single document matches")
