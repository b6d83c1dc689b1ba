"""An ingest killed halfway leaves the previous index usable, and readers see the old or the new corpus, never a
mix, while a writer ingests."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import SEED_NAME
from kb.engine import PolicyKb
from kb.indexing.ingest import Indexer
from kb.store.layout import state_path
from kb.store.vectors import open_vectors
from kb.search.retrieve import Retriever
from kb.store.snapshot import load_snapshot
from kb.store.state import IndexState

COPIES = 30


def _many_copies(config) -> None:
    """COPIES renamed copies of the seed: enough chunks that an ingest takes seconds with the fake embedder."""
    seed = config.corpus_dir / SEED_NAME
    manifest = json.loads((config.corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["documents"][SEED_NAME]
    for i in range(COPIES):
        shutil.copy(seed, config.corpus_dir / f"copy-{i}.txt")
        manifest["documents"][f"copy-{i}.txt"] = {**entry, "doc_id": f"copy-{i}", "doc_number": f"测发〔2099〕{i}号"}
    (config.corpus_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_ingest_killed_mid_way_keeps_old_index_and_next_run_finishes(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    old_hits = Retriever(kb_config, fake_embedder).search("森林覆盖率", mode="hybrid")
    _many_copies(kb_config)
    env = {**os.environ, "KB_CORPUS_DIR": str(kb_config.corpus_dir), "KB_DATA_DIR": str(kb_config.data_dir),
           "KB_MODEL": "hashing", "KB_EMBED_BATCH_SIZE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "ingest"], env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    seen = ""
    while "embed: 2" not in seen:  # killed once it is embedding, well before it finishes
        char = proc.stderr.read(1)
        assert char, f"ingest ended before it could be killed: {seen[-300:]}"
        seen += char
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    state = IndexState(state_path(kb_config))
    assert state.generation == 1 and set(state.document_hashes()) == {"cq-2021-31"}
    state.close()
    assert Retriever(kb_config, fake_embedder).search("森林覆盖率", mode="hybrid") == old_hits

    report = Indexer(kb_config, fake_embedder).sync_corpus()
    assert len(report.added) == COPIES
    assert report.chunks_reused > 0  # vectors written before the kill are not computed again
    state = IndexState(state_path(kb_config))
    assert open_vectors(kb_config, fake_embedder.name).all_ids() == state.chunk_ids()
    state.close()


def test_readers_see_old_or_new_corpus_never_a_mix(kb_config, fake_embedder):
    _many_copies(kb_config)
    Indexer(kb_config, fake_embedder).sync_corpus()
    # The writer changes the same sentence in every document in one ingest; a reader must never see both versions.
    for path in kb_config.corpus_dir.glob("*.txt"):
        path.write_text(path.read_text(encoding="utf-8").replace("3000 个", "4000 个"), encoding="utf-8")
    seen: list[set[str]] = []
    done = threading.Event()

    def reader() -> None:
        retriever = Retriever(kb_config, fake_embedder)
        while not done.is_set():
            # One search: its hits span many of the documents, so a half-swapped corpus would show both versions.
            hits = retriever.search("“两品一标”认证产品达到多少个", mode="hybrid", top_k=20)
            versions = {"3000" if "3000个" in h.text else "4000" for h in hits if "认证产品达到" in h.text}
            seen.append(versions)
            time.sleep(0.01)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    PolicyKb(kb_config, embedder=fake_embedder).ingest()
    time.sleep(0.3)
    done.set()
    for t in threads:
        t.join()
    assert seen and all(len(v) == 1 for v in seen), [v for v in seen if len(v) != 1][:3]
    assert {"3000"} in seen or {"4000"} in seen
    assert seen[-1] == {"4000"}
    assert load_snapshot(kb_config).generation == 2


BEES = """重庆市蜂业振兴三年行动方案

渝农发〔2099〕7号

一、总体目标
到2027年，全市建成量子蜂蜜示范区12个，蜂群数量达到80万群。
"""

CHURN = """
import sys
from pathlib import Path
from kb.config import load_config
from kb.engine import PolicyKb

engine = PolicyKb(load_config())
stop, note = Path(sys.argv[1]), sys.argv[2]
rounds = 0
while not stop.exists():
    engine.add([note])
    engine.remove("渝农发〔2099〕7号")
    rounds += 1
    print(rounds, flush=True)
"""

BATCH_QUESTIONS = ["森林覆盖率到2025年达到多少？", "“两品一标”认证产品到2025年要达到多少个？", "新建充电桩的目标是多少",
                   "碳达峰碳中和工作领导小组", "量子蜂蜜示范区建设多少个", "公转铁公转水", "EOD模式试点"]


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_a_batch_of_1000_questions_completes_while_another_process_adds_and_removes(kb_config, fake_embedder,
                                                                                    tmp_path, mode):
    Indexer(kb_config, fake_embedder).sync_corpus()
    env = {**os.environ, "KB_CORPUS_DIR": str(kb_config.corpus_dir), "KB_DATA_DIR": str(kb_config.data_dir),
           "KB_MODEL": "hashing", "KB_MODEL_CACHE": str(kb_config.model_cache)}
    batch = tmp_path / "questions.jsonl"
    batch.write_text("".join(json.dumps({"id": i, "question": BATCH_QUESTIONS[i % len(BATCH_QUESTIONS)]},
                                        ensure_ascii=False) + "\n" for i in range(1000)), encoding="utf-8")
    note, stop, script = tmp_path / "bees.txt", tmp_path / "stop", tmp_path / "churn.py"
    note.write_text(BEES, encoding="utf-8")
    script.write_text(CHURN, encoding="utf-8")
    churn = subprocess.Popen([sys.executable, str(script), str(stop), str(note)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        asked = subprocess.run([sys.executable, "-m", "kb.cli", "ask", "--batch", str(batch), "--mode", mode],
                               env=env, capture_output=True, text=True, timeout=1200)
    finally:
        stop.touch()
        churn_out, churn_err = churn.communicate(timeout=300)
    assert churn.returncode == 0, churn_err[-2000:]
    assert len(churn_out.split()) >= 2, "the other process did not add and remove while the batch ran"
    assert "Traceback" not in asked.stderr, asked.stderr[-3000:]
    lines = [json.loads(line) for line in asked.stdout.splitlines()]
    assert [line["id"] for line in lines] == list(range(1000))
    errors = [line for line in lines if "error" in line]
    assert not errors, errors[:3]
    assert asked.returncode == 0
    assert all(line["status"] == "answered" for line in lines if line["id"] % len(BATCH_QUESTIONS) == 0)
