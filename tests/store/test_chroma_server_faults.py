"""A Chroma server that dies, pauses or loses its data: searches fall back to BM25 with a notice, a batch goes on
without a traceback or a hang, writes fail with one line and change nothing, and `kb check` re-embeds what is
missing once the server is back. Each test runs its own `chroma run` (it gets killed)."""

import json
import os
import signal
import subprocess
import sys

import pytest

from chroma_server import start_chroma
from kb.indexing.ingest import Indexer
from kb.store.layout import state_path
from kb.store.state import IndexState

pytestmark = pytest.mark.server

TIMEOUT_S = 5  # the default: a healthy server on a busy machine answers within it
QUESTIONS = ["森林覆盖率到2025年达到多少？", "新建充电桩的目标是多少", "“两品一标”认证产品到2025年要达到多少个？",
             "碳达峰碳中和工作领导小组"]


def _env(config, url: str) -> dict[str, str]:
    return {**os.environ, "KB_CORPUS_DIR": str(config.corpus_dir), "KB_DATA_DIR": str(config.data_dir),
            "KB_MODEL": "hashing", "KB_MODEL_CACHE": str(config.model_cache), "KB_CHROMA_URL": url,
            "KB_CHROMA_TIMEOUT_S": str(TIMEOUT_S)}


def _kb(config, url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], env=_env(config, url), capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("fault", ["kill", "pause"])
def test_a_server_lost_mid_batch_gives_per_question_fallbacks(kb_config, fake_embedder, tmp_path, fault):
    server = start_chroma(tmp_path / "server")
    try:
        config = kb_config.replace(chroma_url=server.url)
        Indexer(config, fake_embedder).sync_corpus()
        batch = tmp_path / "questions.jsonl"
        batch.write_text("".join(json.dumps({"id": i, "question": QUESTIONS[i % len(QUESTIONS)]}, ensure_ascii=False)
                                 + "\n" for i in range(300)), encoding="utf-8")
        asking = subprocess.Popen([sys.executable, "-m", "kb.cli", "ask", "--batch", str(batch), "--mode", "hybrid"],
                                  env=_env(config, server.url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        before = [json.loads(asking.stdout.readline()) for _ in range(30)]
        if fault == "kill":
            server.process.kill()
        else:
            os.kill(server.process.pid, signal.SIGSTOP)
        rest, errors = asking.communicate(timeout=240)  # no hang: one timeout, then BM25 alone
    finally:
        if fault == "pause":
            os.kill(server.process.pid, signal.SIGCONT)
        server.stop()
    after = [json.loads(line) for line in rest.splitlines()]
    assert asking.returncode == 0 and "Traceback" not in errors, errors[-3000:]
    assert [line["id"] for line in before + after] == list(range(300))
    assert all("error" not in line and line["status"] == "answered" for line in before + after)
    assert [line["notices"] for line in before if line["notices"]] == []
    fallbacks = [line for line in after if line["notices"]]
    assert fallbacks and fallbacks[-1]["id"] == 299  # once lost, every later question says so
    assert all("vector search unavailable" in line["notices"][0] and "BM25" in line["notices"][0]
               for line in fallbacks)


def test_writes_against_a_dead_server_fail_with_one_line_and_change_nothing(kb_config, fake_embedder, tmp_path):
    server = start_chroma(tmp_path / "server")
    try:
        config = kb_config.replace(chroma_url=server.url)
        Indexer(config, fake_embedder).sync_corpus()
    finally:
        server.stop()
    corpus_before = {p.name: p.read_bytes() for p in config.corpus_dir.iterdir()}
    note = tmp_path / "note.txt"
    note.write_text("关于蜂业的通知\n\n一、到2027年，建成示范蜂场12个。\n", encoding="utf-8")
    for args in (("add", str(note)), ("remove", "cq-2021-31"), ("meta", "cq-2021-31", "--title", "新标题"),
                 ("ingest",), ("reindex",)):
        done = _kb(config, server.url, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and "cannot reach the Chroma server" in done.stderr, done.stderr
    assert {p.name: p.read_bytes() for p in config.corpus_dir.iterdir()} == corpus_before
    state = IndexState(state_path(config))
    assert state.generation == 1
    state.close()


def test_after_the_server_lost_its_data_check_finds_and_repair_reembeds(kb_config, fake_embedder, tmp_path):
    server = start_chroma(tmp_path / "server")
    config = kb_config.replace(chroma_url=server.url)
    Indexer(config, fake_embedder).sync_corpus()
    dense_before = _kb(config, server.url, "search", "新建充电桩的目标是多少", "--mode", "dense", "--json").stdout
    server.stop()
    server = start_chroma(tmp_path / "server-new", port=server.port)  # back, but empty
    try:
        found = _kb(config, server.url, "check")
        assert found.returncode == 1 and "chunk(s) without a vector" in found.stdout, found.stdout + found.stderr
        repaired = _kb(config, server.url, "check", "--repair")
        assert repaired.returncode == 0 and "repaired" in repaired.stdout, repaired.stdout + repaired.stderr
        assert _kb(config, server.url, "check").stdout.strip() == "consistent"
        dense_after = _kb(config, server.url, "search", "新建充电桩的目标是多少", "--mode", "dense", "--json").stdout
        assert json.loads(dense_after)["hits"] and dense_after == dense_before
    finally:
        server.stop()
