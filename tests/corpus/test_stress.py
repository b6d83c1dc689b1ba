"""Concurrent writers lose nothing: rounds of eight `kb add` processes at once, with readers (`kb list`, `kb ask`)
running meanwhile. Afterwards every document, its title (set with --title) and its vectors are there, the manifest
is valid, `kb check` is clean and no reader or writer failed. Real processes, the hashing model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SEED_DOC_NUMBER
from kb.config import Config
from kb.corpus.folder import read_manifest
from kb.embedding.embedder import load_embedder
from kb.engine import PolicyKb
from kb.store.layout import state_path
from kb.store.state import IndexState
from kb.store.vectors import open_vectors

ROUNDS = 3
WRITERS = 8
READERS = 2


def kb_env(config: Config) -> dict[str, str]:
    return {**os.environ, "KB_CORPUS_DIR": str(config.corpus_dir), "KB_DATA_DIR": str(config.data_dir),
            "KB_MODEL": "hashing", "KB_MODEL_CACHE": str(config.model_cache), "PYTHONPATH": str(ROOT)}


def kb(config: Config, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kb.cli", *args], env=kb_env(config), cwd=config.data_dir.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def notice(round_: int, writer: int) -> str:
    return (f"示例市人民政府关于第{round_}轮第{writer}号压力测试的通知\n示压发〔2099〕{round_ * 100 + writer}号\n"
            f"一、总体要求\n推进第{round_}轮第{writer}号并发写入测试。\n二、工作措施\n（一）加强协调。各部门要按时会商。\n"
            "示例市人民政府\n2099年1月2日\n")


def test_eight_concurrent_writers_for_several_rounds_lose_nothing(kb_config: Config, tmp_path: Path) -> None:
    config = kb_config
    # the checks before and after run in this process, with the model the processes load
    engine = PolicyKb(config, embedder=load_embedder(config.model, config.model_cache))
    engine.ingest()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    expected: dict[str, str] = {}  # doc id -> title
    failures: list[str] = []
    for round_ in range(ROUNDS):
        writers = []
        for writer in range(WRITERS):
            path = inbox / f"r{round_}-w{writer}.txt"
            path.write_text(notice(round_, writer), encoding="utf-8")
            title = f"压力测试标题{round_}-{writer}"
            expected[path.stem] = title
            writers.append(kb(config, "add", str(path), "--title", title, "--json"))
        readers = [kb(config, "list", "--json") if n % 2 == 0 else
                   kb(config, "ask", "森林覆盖率达到多少", "--mode", "bm25", "--json") for n in range(READERS)]
        for process in writers + readers:
            code, out, err = finish(process)
            if code != 0:
                failures.append(f"{process.args[3:]}: exit {code}: {err.strip()[-500:]}")
                continue
            json.loads(out.splitlines()[-1])  # every reader and writer printed its JSON
    assert failures == []

    listed = {doc.meta.doc_id: doc.meta.title for doc in engine.documents()}
    assert {doc_id: listed.get(doc_id) for doc_id in expected} == expected
    assert len(listed) == ROUNDS * WRITERS + 1
    manifest = read_manifest(config.corpus_dir)
    assert {entry["doc_id"]: entry.get("title") for name, entry in manifest.items() if name.startswith("r")} == expected

    state = IndexState(state_path(config))
    try:
        chunk_ids = state.chunk_ids()
        assert {doc_id for doc_id, _, _ in state.document_names()} == set(expected) | {"cq-2021-31"}
    finally:
        state.close()
    with open_vectors(config, engine.embedder.name) as vectors:
        assert chunk_ids <= vectors.all_ids()  # every chunk has its vector
    assert engine.check().consistent
    assert engine.search("并发写入测试", docs=["示压发〔2099〕207号"])[0].doc_number == "示压发〔2099〕207号"
    assert engine.search("森林覆盖率", mode="bm25")[0].doc_number == SEED_DOC_NUMBER
