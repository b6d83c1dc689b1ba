"""Embedded Chroma shared by several processes (kb.store.chroma_access): a long-running reader sees what another
process wrote, and reopening while another process writes neither crashes nor fails."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kb.engine import PolicyKb
from kb.indexing.ingest import Indexer
from kb.schema import Chunk, ChunkKind
from kb.store.vectors import VectorStore

NEW_DOCUMENT = """重庆市蜂业振兴三年行动方案

渝农发〔2099〕7号

一、总体目标
到2027年，全市建成量子蜂蜜示范区12个，蜂群数量达到80万群。

二、重点任务
（一）建设量子蜂蜜示范区。支持区县建设标准化蜂场，推广智能蜂箱。
"""


def _env(config) -> dict[str, str]:
    return {**os.environ, "KB_CORPUS_DIR": str(config.corpus_dir), "KB_DATA_DIR": str(config.data_dir),
            "KB_MODEL": "hashing", "KB_MODEL_CACHE": str(config.model_cache)}


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_long_running_reader_answers_from_a_document_another_process_added(kb_config, fake_embedder, tmp_path, mode):
    reader = PolicyKb(kb_config, embedder=fake_embedder)
    reader.ingest()
    question = "量子蜂蜜示范区建设多少个"
    # The reader has loaded the vector index (its HNSW graph) before the other process writes.
    assert all(h.doc_id != "cq-nongfa-2099-7" for h in reader.search(question, mode=mode))
    note = tmp_path / "bees.txt"
    note.write_text(NEW_DOCUMENT, encoding="utf-8")
    added = subprocess.run([sys.executable, "-m", "kb.cli", "add", str(note), "--json"], env=_env(kb_config),
                           capture_output=True, text=True, timeout=300)
    assert added.returncode == 0, added.stderr[-2000:]
    new_id = json.loads(added.stdout.strip().splitlines()[-1])["added"][0]

    deadline = time.monotonic() + 30
    while True:
        hits = reader.search(question, mode=mode, top_k=3)
        if hits and hits[0].doc_id == new_id:
            break
        assert time.monotonic() < deadline, f"the reader never saw {new_id}: {[(h.doc_id, h.score) for h in hits]}"
        time.sleep(0.2)
    assert "dense" in hits[0].scores  # found by the vector side, not only BM25
    answer = reader.ask(question, mode=mode)
    assert answer.notices == () and any(c.doc == "渝农发〔2099〕7号" for c in answer.citations)


WRITER = """
import sys, numpy as np
from pathlib import Path
from kb.schema import Chunk, ChunkKind
from kb.store.vectors import VectorStore

rng = np.random.default_rng(7)
with VectorStore("", Path(sys.argv[1]), "t", "fake", writer=True) as store:
    for round in range(int(sys.argv[2])):
        chunks = [Chunk(f"r{round}-{i}", f"d{round % 5}", "一", ChunkKind.CLAUSE, "x", "h") for i in range(1500)]
        vectors = rng.normal(size=(1500, 32)).astype(np.float32)
        store.add(chunks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
        if round >= 2:
            store.delete([f"r{round - 2}-{i}" for i in range(1500)])
        print(round, flush=True)
"""


def test_readers_reopening_while_another_process_writes_neither_crash_nor_fail(tmp_path):
    """Measured without the file lock: a reader that reopened while the writer persisted its HNSW files died with
    SIGSEGV within a minute, and one that did not reopen failed with "Error finding id"."""
    folder = tmp_path / "chroma"
    rng = np.random.default_rng(3)
    with VectorStore("", folder, "t", "fake", writer=True) as store:  # the collection exists before readers come
        store.add([Chunk("seed", "d0", "一", ChunkKind.CLAUSE, "x", "h")], np.ones((1, 32), np.float32) / 32 ** 0.5)
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    writer = subprocess.Popen([sys.executable, str(script), str(folder), "8"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    reader = VectorStore("", folder, "t", "fake")
    queries = reopened = 0
    try:
        while writer.poll() is None:
            vector = rng.normal(size=32).astype(np.float32)
            assert reader.query(vector / np.linalg.norm(vector), 20)  # raises on any failure
            assert reader.query(vector, 5, doc_ids=["d1", "d3"]) is not None
            queries += 1
            if queries % 5 == 0:
                reader.reopen()
                reopened += 1
    finally:
        reader.close()
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err[-2000:]
    assert out.split() == [str(i) for i in range(8)] and reopened > 0
