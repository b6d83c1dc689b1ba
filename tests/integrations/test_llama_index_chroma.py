"""llama-index's own ChromaVectorStore over the project's collection retrieves real chunk text; an index written
before texts were kept still checks as consistent and gets its texts back without embedding again."""

from __future__ import annotations

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.vector_stores.types import MetadataFilter, MetadataFilters
from llama_index.vector_stores.chroma import ChromaVectorStore

from kb.integrations.llama_index import PolicyKbEmbedding
from kb.store.layout import state_path
from kb.store.state import IndexState


def _chunk_texts(kb) -> dict[str, str]:
    state = IndexState(state_path(kb.config))
    try:
        return {c.chunk.chunk_id: c.chunk.text for c in state.chunks()}
    finally:
        state.close()


def _llama_index_retriever(kb, **kwargs):
    store = ChromaVectorStore(chroma_collection=kb.retriever.vector_store().collection)
    index = VectorStoreIndex.from_vector_store(store, embed_model=PolicyKbEmbedding(kb.embedder))
    return index.as_retriever(similarity_top_k=5, **kwargs)


def test_chroma_vector_store_reads_the_chunk_texts_and_metadata(seed_kb):
    texts = _chunk_texts(seed_kb)
    nodes = _llama_index_retriever(seed_kb).retrieve("新建充电桩的目标是多少")
    assert len(nodes) == 5
    for node in nodes:
        assert node.node.get_content() == texts[node.node.node_id]  # the exact text that was embedded
        assert node.node.metadata["doc_id"] == "cq-2021-31" and node.node.metadata["kind"] in ("clause", "sentence")
    assert any(n.node.metadata["clause"] == "二（四）14" and "充电桩" in n.node.get_content() for n in nodes)
    sentences = _llama_index_retriever(seed_kb, filters=MetadataFilters(
        filters=[MetadataFilter(key="kind", value="sentence")])).retrieve("充电桩")
    assert sentences and all(n.node.metadata["kind"] == "sentence" for n in sentences)


def test_embedding_adapter_matches_the_embedder(seed_kb):
    adapter = PolicyKbEmbedding(seed_kb.embedder)
    assert adapter.model_name == seed_kb.embedder.name
    assert np.allclose(adapter.get_query_embedding("充电桩"), seed_kb.embedder.embed_queries(["充电桩"])[0])
    assert np.allclose(adapter.get_text_embedding_batch(["充电桩", "森林"]),
                       seed_kb.embedder.embed_passages(["充电桩", "森林"]))


def _drop_texts(kb) -> dict[str, np.ndarray]:
    """Rewrite the collection as an index of the earlier layout: vectors and doc_id only."""
    vectors = kb.retriever.vector_store()
    stored = vectors.collection.get(include=["embeddings", "metadatas"])
    vectors.collection.delete(ids=stored["ids"])
    vectors.collection.add(ids=stored["ids"], embeddings=stored["embeddings"],
                           metadatas=[{"doc_id": m["doc_id"]} for m in stored["metadatas"]])
    return dict(zip(stored["ids"], np.asarray(stored["embeddings"])))


def _stored_texts(kb) -> dict[str, str | None]:
    stored = kb.retriever.vector_store().collection.get(include=["documents"])
    return dict(zip(stored["ids"], stored["documents"]))


def test_an_index_without_texts_checks_consistent_and_a_changed_document_gets_them_back(own_seed_kb):
    kb = own_seed_kb
    before = _drop_texts(kb)
    assert set(_stored_texts(kb).values()) == {None}
    assert kb.check().consistent  # the earlier layout is not an inconsistency
    report = kb.update_metadata("cq-2021-31", title="重庆市绿色低碳循环发展经济体系实施意见")
    assert report.updated == ["cq-2021-31"] and report.chunks_embedded == 0  # vectors reused, texts filled
    assert _stored_texts(kb) == _chunk_texts(kb)
    after = kb.retriever.vector_store().vectors(list(before))
    assert all(np.allclose(after[cid], vector) for cid, vector in before.items())


def test_reindex_fills_every_text(own_seed_kb):
    kb = own_seed_kb
    _drop_texts(kb)
    kb.reindex()
    assert _stored_texts(kb) == _chunk_texts(kb)
    assert kb.check().consistent
