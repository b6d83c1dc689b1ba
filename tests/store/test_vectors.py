"""The vector store, embedded and against a real `chroma run` server on 127.0.0.1 (same retrieval tests)."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kb.errors import KbError
from kb.indexing.ingest import Indexer
from kb.search.retrieve import Retriever
from kb.store.vectors import VectorStore


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start within 30 s")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_store_add_query_delete_round_trip(tmp_path):
    store = VectorStore("", tmp_path / "chroma", "t", "fake")
    vectors = np.eye(4, dtype=np.float32)
    store.add(["a", "b", "c", "d"], vectors, ["d1", "d1", "d2", "d2"])
    assert store.count() == 4 and store.existing(["a", "x"]) == {"a"}
    assert [m.chunk_id for m in store.query(vectors[2], 2)][0] == "c"
    assert abs(store.query(vectors[2], 1)[0].similarity - 1.0) < 1e-5
    assert {m.chunk_id for m in store.query(vectors[0], 4, doc_ids=["d2"])} == {"c", "d"}
    store.delete(["a", "b"])
    assert store.all_ids() == {"c", "d"}


def test_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(KbError, match="cannot reach the Chroma server"):
        VectorStore(f"http://127.0.0.1:{_free_port()}", tmp_path, "t", "fake")
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
