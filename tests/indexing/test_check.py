"""`kb check` finds every kind of damage without crashing, and `--repair` rebuilds from the corpus so that the
index answers exactly as before: a damaged or missing state file, BM25 file, HNSW files, Chroma database and
manifest (the user's corrections kept), and a BM25 file left stale by a killed writer."""

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEED_NAME, seed_copies
from kb.engine import PolicyKb
from kb.errors import KbError
from kb.indexing.check import check_index
from kb.indexing.ingest import Indexer
from kb.search.retrieve import Retriever
from kb.store.layout import bm25_files, bm25_path, state_path
from kb.store.state import IndexState

QUESTIONS = ["“两品一标”认证产品到2025年要达到多少个？", "新建充电桩的目标是多少", "碳达峰碳中和工作领导小组"]


def _answers(config, embedder) -> list:
    """Rankings of the seed's clauses in every mode (within one document no two chunks embed alike; across the
    copies below many do, and equal vectors may come back in either order after they are embedded again)."""
    retriever = Retriever(config, embedder)
    try:
        return [retriever.search(q, mode=mode, doc_ids=["cq-2021-31"]) for q in QUESTIONS
                for mode in ("bm25", "dense", "hybrid")]
    finally:
        retriever.close()


def _generation(config) -> int:
    state = IndexState(state_path(config))
    try:
        return state.generation
    finally:
        state.close()


def _copies(config, n: int) -> None:
    """An index past Chroma's 1,000-vector threshold, from which on its HNSW files hold the vectors (below it,
    Chroma rebuilds them from its log)."""
    seed_copies(config, n, "森林")


def _found_and_repaired(config, embedder, problem: str, answers: list) -> None:
    found = check_index(config, embedder)
    assert not found.consistent and any(re.search(problem, p) for p in found.problems()), found.problems()
    fixed = check_index(config, embedder, repair=True)
    assert fixed.repaired and fixed.remaining == [], fixed.remaining
    assert check_index(config, embedder).consistent
    assert _answers(config, embedder) == answers


@pytest.fixture
def indexed(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    return _answers(kb_config, fake_embedder)


def _overwrite(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


# -- the SQLite state ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "bad header", "garbage pages"])
def test_damaged_state_is_reported_repaired_and_readers_get_one_line(kb_config, fake_embedder, indexed, damage):
    path = state_path(kb_config)
    size = path.stat().st_size
    if damage == "truncated":
        os.truncate(path, size // 3)
    elif damage == "bad header":
        _overwrite(path, 0, b"\xff" * 100)
    else:
        _overwrite(path, 2 * 4096, os.urandom(3 * 4096))
    with pytest.raises(KbError, match="damaged.*kb check --repair"):
        Retriever(kb_config, fake_embedder).search("森林覆盖率", mode="bm25")
    _found_and_repaired(kb_config, fake_embedder, "index state damaged", indexed)
    assert list((kb_config.data_dir / "damaged").glob("*/state.sqlite"))  # set aside, not deleted


def test_a_running_reader_reopens_a_repaired_state(kb_config, fake_embedder, indexed):
    reader = Retriever(kb_config, fake_embedder)
    assert reader.search(QUESTIONS[0], mode="hybrid", doc_ids=["cq-2021-31"]) == indexed[2]
    _overwrite(state_path(kb_config), 0, b"\xff" * 100)
    check_index(kb_config, fake_embedder, repair=True)
    assert reader.search(QUESTIONS[0], mode="hybrid", doc_ids=["cq-2021-31"]) == indexed[2]


# -- BM25 ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "deleted", "another generation's"])
def test_damaged_bm25_file_is_reported_and_repaired_and_never_used(kb_config, fake_embedder, indexed, damage):
    path = bm25_path(kb_config, _generation(kb_config))
    if damage == "truncated":
        os.truncate(path, path.stat().st_size // 2)
    elif damage == "deleted":
        path.unlink()
    else:  # a writer killed after its swap: the file under this generation's name holds other chunks
        seed = kb_config.corpus_dir / SEED_NAME
        original = seed.read_bytes()
        seed.write_text(original.decode("utf-8").replace("推进", "推动"), encoding="utf-8")
        Indexer(kb_config, fake_embedder).sync_corpus()
        seed.write_bytes(original)
        stale = bm25_path(kb_config, _generation(kb_config)).read_bytes()
        Indexer(kb_config, fake_embedder).sync_corpus()
        bm25_path(kb_config, _generation(kb_config)).write_bytes(stale)
    assert _answers(kb_config, fake_embedder) == indexed  # readers rebuild BM25 in memory meanwhile
    _found_and_repaired(kb_config, fake_embedder, "BM25 index (damaged|missing|stale)", indexed)


def test_the_next_ingest_rewrites_a_stale_bm25_file(kb_config, fake_embedder, indexed):
    path = bm25_path(kb_config, _generation(kb_config))
    os.truncate(path, 100)
    report = Indexer(kb_config, fake_embedder).sync_corpus()
    assert report.unchanged == ["cq-2021-31"] and not report.changed
    assert check_index(kb_config, fake_embedder).consistent


def test_an_ingest_killed_just_after_embedding_is_finished_by_the_next_one(kb_config, fake_embedder, indexed):
    seed = kb_config.corpus_dir / SEED_NAME
    seed.write_text(seed.read_text(encoding="utf-8").replace("推进", "推动"), encoding="utf-8")
    env = {**os.environ, "KB_CORPUS_DIR": str(kb_config.corpus_dir), "KB_DATA_DIR": str(kb_config.data_dir),
           "KB_MODEL": "hashing", "KB_MODEL_CACHE": str(kb_config.model_cache)}
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "ingest"], env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    line = ""
    while not re.fullmatch(r"embed: (\d+)/\1", line.strip("\r\n")):  # the last embedding step is done
        line = proc.stderr.readline()
        assert line, "ingest ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    Indexer(kb_config, fake_embedder).sync_corpus()
    assert check_index(kb_config, fake_embedder).consistent
    fresh = kb_config.replace(data_dir=kb_config.data_dir.parent / "fresh")
    Indexer(fresh, fake_embedder).sync_corpus()
    assert _answers(kb_config, fake_embedder) == _answers(fresh, fake_embedder)


# -- vectors ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def big_index(kb_config, fake_embedder):
    _copies(kb_config, 5)
    Indexer(kb_config, fake_embedder).sync_corpus()
    return _answers(kb_config, fake_embedder)


def _hnsw_folder(config) -> Path:
    folders = [p for p in config.vector_dir.iterdir() if p.is_dir()]
    assert len(folders) == 1 and (folders[0] / "data_level0.bin").exists()
    return folders[0]


@pytest.mark.parametrize("damage", ["garbage in data_level0.bin", "garbage in header.bin", "deleted HNSW folder",
                                    "garbage in chroma.sqlite3", "deleted Chroma folder"])
def test_damaged_vector_index_is_reported_without_crashing_and_repaired(kb_config, fake_embedder, big_index,
                                                                        damage):
    if damage.startswith("garbage in") and damage.endswith(".bin"):
        target = _hnsw_folder(kb_config) / damage.split()[-1]
        target.write_bytes(os.urandom(target.stat().st_size))
    elif damage == "deleted HNSW folder":
        shutil.rmtree(_hnsw_folder(kb_config))
    elif damage == "garbage in chroma.sqlite3":
        target = kb_config.vector_dir / "chroma.sqlite3"
        _overwrite(target, target.stat().st_size // 3, os.urandom(64 * 1024))
    else:
        shutil.rmtree(kb_config.vector_dir)
    problem = "chunk\\(s\\) without a vector" if damage == "deleted Chroma folder" else "vector index damaged"
    _found_and_repaired(kb_config, fake_embedder, problem, big_index)


def test_leftover_and_orphan_vectors_are_reported_and_dropped(kb_config, fake_embedder, indexed):
    from kb.schema import Chunk, ChunkKind
    from kb.store.vectors import open_vectors

    with open_vectors(kb_config, fake_embedder.name, writer=True) as store:
        extra = Chunk("orphan", "gone", "一", ChunkKind.CLAUSE, "孤立的向量", "h")
        store.add([extra], fake_embedder.embed_passages([extra.text]))
    found = check_index(kb_config, fake_embedder)
    assert found.orphan_vectors == 1 and not found.consistent
    assert check_index(kb_config, fake_embedder, repair=True).remaining == []
    assert check_index(kb_config, fake_embedder).consistent


# -- the manifest ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["deleted", "not JSON"])
def test_a_lost_manifest_is_rebuilt_with_the_users_ids_and_corrections(kb_config, fake_embedder, damage):
    engine = PolicyKb(kb_config, embedder=fake_embedder)
    engine.ingest()
    engine.update_metadata("cq-2021-31", title="用户改过的标题", level="provincial")
    answers = _answers(kb_config, fake_embedder)
    manifest = kb_config.corpus_dir / "manifest.json"
    if damage == "deleted":
        manifest.unlink()
    else:
        manifest.write_text('{"documents": {', encoding="utf-8")
    with pytest.raises(KbError, match="kb check --repair"):
        engine.ingest()  # indexing without it would lose the corrections and the ids
    _found_and_repaired(kb_config, fake_embedder, "manifest", answers)
    meta = PolicyKb(kb_config, embedder=fake_embedder).document("cq-2021-31").meta
    assert (meta.doc_id, meta.title, meta.level) == ("cq-2021-31", "用户改过的标题", "provincial")


def test_check_without_repair_changes_nothing(kb_config, fake_embedder, indexed):
    os.truncate(bm25_path(kb_config, _generation(kb_config)), 10)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in bm25_files(kb_config))
    assert not check_index(kb_config, fake_embedder).consistent
    assert sorted((p.name, p.stat().st_mtime_ns) for p in bm25_files(kb_config)) == before
