from kb.engine import PolicyKb
from kb.integrations.llama_index import PolicyKbRetriever


def test_llama_index_retriever_returns_cited_clause_nodes(kb_config, fake_embedder):
    engine = PolicyKb(kb_config, embedder=fake_embedder)
    engine.ingest()
    nodes = PolicyKbRetriever(engine, mode="bm25", top_k=3).retrieve("新建充电桩的目标是多少")
    assert len(nodes) == 3
    first = nodes[0]
    assert first.node.metadata["doc"] == "渝府发〔2021〕31号"
    assert first.node.metadata["clause"] == "二（四）14"
    assert "3万个" in first.node.get_content()
    assert [n.score for n in nodes] == sorted((n.score for n in nodes), reverse=True)
