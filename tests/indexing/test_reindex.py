"""`kb reindex` builds a new generation (documents, BM25 and a new vector collection) and swaps it in at the end:
killed at any point, the old index answers exactly as before, and `kb check` is clean or repairable."""

import os
import re
import signal
import subprocess
import sys

import pytest

from conftest import seed_copies
from kb.indexing.check import check_index
from kb.indexing.ingest import Indexer
from kb.search.retrieve import Retriever
from kb.store.layout import state_path
from kb.store.state import IndexState
from kb.store.vectors import collection_name, open_vectors

QUESTIONS = ["“两品一标”认证产品到2025年要达到多少个？", "新建充电桩的目标是多少", "碳达峰碳中和工作领导小组"]
COPIES = 6


def _answers(retriever: Retriever) -> list:
    """The seed's rankings in every mode (its chunks embed unlike each other, so no ties can reorder them)."""
    return [retriever.search(q, mode=mode, doc_ids=["cq-2021-31"]) for q in QUESTIONS
            for mode in ("bm25", "dense", "hybrid")]


def _fresh_answers(config, embedder) -> list:
    retriever = Retriever(config, embedder)
    try:
        return _answers(retriever)
    finally:
        retriever.close()


def _state(config) -> tuple[int, str]:
    state = IndexState(state_path(config))
    try:
        return state.generation, state.vector_collection("hashing")
    finally:
        state.close()


@pytest.fixture
def corpus(kb_config, fake_embedder):
    seed_copies(kb_config, COPIES, "绿色")
    Indexer(kb_config, fake_embedder).sync_corpus()
    return _fresh_answers(kb_config, fake_embedder)


def test_reindex_switches_to_a_new_collection_and_drops_the_old_one(kb_config, fake_embedder, corpus):
    base = collection_name(kb_config.collection, "hashing")
    report = Indexer(kb_config, fake_embedder).reindex()
    assert len(report.updated) == COPIES + 1 and report.chunks_reused == 0  # everything embedded again
    assert _state(kb_config) == (2, f"{base}-g2")
    assert _fresh_answers(kb_config, fake_embedder) == corpus
    assert check_index(kb_config, fake_embedder).consistent
    Indexer(kb_config, fake_embedder).reindex()
    assert _state(kb_config) == (3, f"{base}-g3")
    with open_vectors(kb_config, "hashing") as store:
        assert store.name == f"{base}-g3" and store.sibling_collections() == []
    assert _fresh_answers(kb_config, fake_embedder) == corpus


def _kill_when(proc: subprocess.Popen, seen: "callable") -> str:
    """Read the progress on stderr ("embed: done/total", separated by \\r) and SIGKILL when `seen(line)`."""
    line, last = "", ""
    while True:
        char = proc.stderr.read(1)
        assert char, f"reindex ended before it could be killed (last progress: {last!r})"
        if char in "\r\n":
            if line:
                last = line
                if seen(line):
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(timeout=30)
                    return line
            line = ""
        else:
            line += char


def _progress(line: str) -> tuple[int, int]:
    match = re.fullmatch(r"embed: (\d+)/(\d+)", line)
    return (int(match.group(1)), int(match.group(2))) if match else (0, -1)


KILL_POINTS = {
    "first embedding step": lambda line: _progress(line)[0] > 0,
    "half embedded": lambda line: _progress(line)[0] * 2 >= _progress(line)[1] > 0,
    "all embedded": lambda line: _progress(line)[0] == _progress(line)[1],
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_killed_reindex_leaves_the_old_index_answering_exactly_as_before(kb_config, fake_embedder, corpus, point):
    reader = Retriever(kb_config, fake_embedder)  # a long-running reader, open across the kill
    assert _answers(reader) == corpus
    before = _state(kb_config)
    env = {**os.environ, "KB_CORPUS_DIR": str(kb_config.corpus_dir), "KB_DATA_DIR": str(kb_config.data_dir),
           "KB_MODEL": "hashing", "KB_MODEL_CACHE": str(kb_config.model_cache), "KB_EMBED_BATCH_SIZE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "reindex"], env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    _kill_when(proc, KILL_POINTS[point])

    if point != "all embedded":  # killed before the switch: nothing visible changed
        assert _state(kb_config) == before
    assert _answers(reader) == corpus
    assert _fresh_answers(kb_config, fake_embedder) == corpus
    report = check_index(kb_config, fake_embedder)
    if not report.consistent:
        assert set(report.problems()) <= {p for p in report.problems()
                                          if p.startswith(("vector collections left", "BM25 index", "vector(s) no"))}
        assert check_index(kb_config, fake_embedder, repair=True).remaining == []
    assert check_index(kb_config, fake_embedder).consistent
    assert _answers(reader) == corpus

    Indexer(kb_config, fake_embedder).reindex()  # the next reindex finishes the job
    assert check_index(kb_config, fake_embedder).consistent
    assert _answers(reader) == corpus == _fresh_answers(kb_config, fake_embedder)
    reader.close()
