"""The vector store, embedded and against a real `chroma run` server on 127.0.0.1 (same retrieval tests)."""

import numpy as np
import pytest

from chroma_server import free_port, start_chroma

from kb.errors import KbError
from kb.schema import Chunk, ChunkKind
from kb.indexing.ingest import Indexer
from kb.search.retrieve import Retriever
from kb.store.vectors import VectorStore


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    server = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    yield server.url
    server.stop()


def chunks_of(*pairs: tuple[str, str]) -> list[Chunk]:
    """Chunks with the given (chunk id, document id), for stores that only need ids and documents."""
    return [Chunk(cid, doc, "一", ChunkKind.CLAUSE, f"text of {cid}", cid) for cid, doc in pairs]


def test_store_add_query_delete_round_trip(tmp_path):
    store = VectorStore("", tmp_path / "chroma", "t", "fake")
    vectors = np.eye(4, dtype=np.float32)
    store.add(chunks_of(("a", "d1"), ("b", "d1"), ("c", "d2"), ("d", "d2")), vectors)
    assert store.count() == 4 and store.existing(["a", "x"]) == {"a"}
    assert [m.chunk_id for m in store.query(vectors[2], 2)][0] == "c"
    assert abs(store.query(vectors[2], 1)[0].similarity - 1.0) < 1e-5
    assert {m.chunk_id for m in store.query(vectors[0], 4, doc_ids=["d2"])} == {"c", "d"}
    # An id asked for twice is read once (Chroma rejects such a get, which would read as an unusable store).
    assert sorted(store.vectors(["a", "c", "a"])) == ["a", "c"]
    store.delete(["a", "b"])
    assert store.all_ids() == {"c", "d"}


def test_collections_search_wide_even_when_made_before_the_setting(tmp_path):
    from kb.store.chroma_access import _embedded_client
    from kb.store.vectors import HNSW_SETTINGS

    store = VectorStore("", tmp_path / "chroma", "t", "fake")
    assert store._collection.raw.configuration["hnsw"]["ef_search"] == HNSW_SETTINGS["ef_search"]
    name = store.name
    store.close()
    # A collection made as Chroma makes it by default; its client is stopped, not just dropped, so that its
    # SQLite connection cannot hold the folder's lock while the store opens it (a flaky "database is locked").
    client, stop = _embedded_client(tmp_path / "old")
    client.get_or_create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})
    assert client.get_collection(name).configuration["hnsw"]["ef_search"] == 100  # Chroma's default
    stop()
    reopened = VectorStore("", tmp_path / "old", "t", "fake")
    assert reopened._collection.raw.configuration["hnsw"]["ef_search"] == HNSW_SETTINGS["ef_search"]
    reopened.close()


def test_chunk_texts_and_metadata_are_kept_and_filled_into_an_earlier_index(tmp_path):
    store = VectorStore("", tmp_path / "chroma", "t", "fake")
    chunks = [Chunk("s1", "d1", "二（一）4", ChunkKind.SENTENCE, "推进工业绿色升级：强化产业准入。", "h1", 0),
              Chunk("c1", "d1", "二（一）4", ChunkKind.CLAUSE, "4．推进工业绿色升级。", "h2")]
    vectors = np.eye(4, dtype=np.float32)[:2]
    store.add(chunks, vectors)
    stored = store.collection.get(ids=["s1", "c1"], include=["documents", "metadatas"])
    assert dict(zip(stored["ids"], stored["documents"])) == {c.chunk_id: c.text for c in chunks}
    assert dict(zip(stored["ids"], stored["metadatas"]))["s1"] == {"doc_id": "d1", "clause": "二（一）4",
                                                                    "kind": "sentence"}
    assert store.fill_texts(chunks) == 0  # nothing lacks its text
    # An index written before texts were kept: vector and document id only.
    store.collection.upsert(ids=["old"], embeddings=np.eye(4, dtype=np.float32)[2:3], metadatas=[{"doc_id": "d2"}])
    old = Chunk("old", "d2", "三", ChunkKind.CLAUSE, "三、保障措施", "h3")
    assert store.fill_texts([*chunks, old]) == 1
    filled = store.collection.get(ids=["old"], include=["documents", "metadatas", "embeddings"])
    assert filled["documents"] == ["三、保障措施"] and filled["metadatas"][0]["kind"] == "clause"
    assert np.allclose(filled["embeddings"][0], np.eye(4)[2])  # the vector stays


def test_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(KbError, match="cannot reach the Chroma server"):
        VectorStore(f"http://127.0.0.1:{free_port()}", tmp_path, "t", "fake")
    with pytest.raises(KbError, match="chroma_url must look like"):
        VectorStore("127.0.0.1:8000", tmp_path, "t", "fake")


@pytest.mark.server
@pytest.mark.parametrize("question, label", [
    ("“两品一标”认证产品到2025年要达到多少个？", "二（一）2"),
    ("新建充电桩的目标是多少", "二（四）14"),
    ("碳达峰碳中和工作领导小组", "三（一）"),
])
def test_retrieval_against_chroma_server(chroma_server, kb_config, fake_embedder, question, label):
    config = kb_config.replace(chroma_url=chroma_server, collection=f"t{abs(hash(question)) % 10**6}")
    report = Indexer(config, fake_embedder).sync_corpus()
    assert report.added == ["cq-2021-31"]
    again = Indexer(config, fake_embedder).sync_corpus()
    assert again.chunks_embedded == 0
    hits = Retriever(config, fake_embedder).search(question, mode="hybrid", top_k=3)
    assert hits[0].clause_label == label
    assert not (kb_config.data_dir / "chroma").exists()  # nothing went to the embedded store
