"""One writer at a time: the writer lock around every change, its waits and failures, atomic writes, and a damaged
or deleted manifest that stops every change with one line until `kb check --repair` rebuilds it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, SEED_DOC_NUMBER, SEED_NAME
from kb.corpus.changes import writing
from kb.corpus.folder import (TEMP_PREFIX, ManifestError, read_manifest, rebuild_manifest, write_atomically,
                              write_manifest)
from kb.engine import PolicyKb
from kb.errors import KbError
from kb.indexing.ingest import Indexer
from kb.store.layout import state_path, writer_lock
from kb.store.state import IndexState

NOTICE = ("示例市人民政府关于推进绿色示例工作的通知\n示政发〔2099〕7号\n一、总体要求\n推进绿色示例工作。\n"
          "二、工作措施\n（一）加强协调。各部门要加强协调。\n示例市人民政府\n2099年1月2日\n")


@pytest.fixture
def engine(kb_config, fake_embedder):
    kb = PolicyKb(kb_config.replace(writer_wait_s=1), embedder=fake_embedder)
    kb.ingest()
    return kb


def hold_in_thread(config, release: threading.Event) -> threading.Thread:
    """Another thread of this process (as in the app) holding the writer lock until `release` is set."""
    held = threading.Event()

    def hold() -> None:
        with writing(config):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(10)
    return thread


def test_one_lock_object_per_data_folder_held_again_by_the_same_thread(engine, tmp_path):
    config = engine.config
    assert writer_lock(config) is writer_lock(config.replace(corpus_dir=tmp_path))  # the lock is the data folder's
    (tmp_path / "n.txt").write_text(NOTICE, encoding="utf-8")
    with writing(config):
        with writing(config):  # nested: a change that runs another
            report = engine.add([str(tmp_path / "n.txt")])  # add -> writing -> Indexer's own writer_lock
        assert writer_lock(config).lock_counter == 1
    assert report.added == ["n"] and not writer_lock(config).is_locked


def test_a_second_writer_waits_with_a_message_then_goes_on(engine, tmp_path):
    (tmp_path / "n.txt").write_text(NOTICE, encoding="utf-8")
    messages: list[str] = []
    waiting = PolicyKb(engine.config.replace(writer_wait_s=30), embedder=engine.embedder, on_wait=messages.append)
    release = threading.Event()
    holder = hold_in_thread(engine.config, release)
    threading.Timer(0.5, release.set).start()
    assert waiting.add([str(tmp_path / "n.txt")]).added == ["n"]
    holder.join(10)
    assert messages == [f"waiting for another writer (pid {os.getpid()}) to finish…"]


def test_a_second_writer_fails_clearly_after_writer_wait_s_and_readers_never_wait(engine, tmp_path):
    (tmp_path / "n.txt").write_text(NOTICE, encoding="utf-8")
    release = threading.Event()
    holder = hold_in_thread(engine.config, release)
    try:
        for change in (lambda: engine.add([str(tmp_path / "n.txt")]), lambda: engine.remove(SEED_DOC_NUMBER),
                       lambda: engine.update_metadata(SEED_DOC_NUMBER, level="county"), engine.ingest,
                       engine.reindex, lambda: engine.check(repair=True)):
            with pytest.raises(KbError) as failed:
                change()
            assert str(failed.value) == (f"another writer (pid {os.getpid()}) is still changing the knowledge base "
                                         "after 1 s (writer_wait_s); try again when it has finished")
        # readers take no lock
        assert [d.meta.doc_number for d in engine.documents()] == [SEED_DOC_NUMBER]
        assert engine.search("森林覆盖率", mode="bm25")[0].doc_number == SEED_DOC_NUMBER
        assert engine.check().consistent
    finally:
        release.set()
        holder.join(10)


def test_a_writer_in_another_process_makes_the_cli_wait_and_fail_with_one_line(engine, tmp_path):
    env = {**os.environ, "KB_CORPUS_DIR": str(engine.config.corpus_dir), "KB_DATA_DIR": str(engine.config.data_dir),
           "KB_MODEL": "hashing", "KB_MODEL_CACHE": str(engine.config.model_cache), "KB_WRITER_WAIT_S": "1",
           "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from kb.config import load_config
        from kb.corpus.changes import writing
        with writing(load_config()):
            print("held", flush=True)
            time.sleep(30)
        """)], env=env, stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert holder.stdout.readline().strip() == "held"
        (tmp_path / "n.txt").write_text(NOTICE, encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "kb.cli", "add", str(tmp_path / "n.txt")], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == 2
    assert run.stderr.splitlines() == [f"waiting for another writer (pid {holder.pid}) to finish…",
                                       f"kb: error: another writer (pid {holder.pid}) is still changing the knowledge "
                                       "base after 1 s (writer_wait_s); try again when it has finished"]
    assert not (engine.config.corpus_dir / "n.txt").exists()


def test_atomic_writes_leave_no_temporary_file_and_a_killed_writers_files_are_swept(engine, tmp_path):
    (tmp_path / "atomic").mkdir()
    target = tmp_path / "atomic" / "file.txt"
    write_atomically(target, b"one")
    target.chmod(0o640)
    write_atomically(target, b"two")
    assert target.read_bytes() == b"two" and target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]
    leftover = engine.config.corpus_dir / f"{TEMP_PREFIX}killed"
    leftover.write_bytes(b"half a manifest")
    (tmp_path / "n.txt").write_text(NOTICE, encoding="utf-8")
    engine.add([str(tmp_path / "n.txt")])
    assert not leftover.exists()


@pytest.mark.parametrize("damage", ["{\"documents\": {", "[1, 2]", "\xff\xfe garbage"])
def test_a_damaged_manifest_stops_every_change_with_one_line(engine, tmp_path, damage):
    manifest = engine.config.corpus_dir / "manifest.json"
    manifest.write_bytes(damage.encode("latin-1"))
    (tmp_path / "n.txt").write_text(NOTICE, encoding="utf-8")
    for change in (lambda: engine.add([str(tmp_path / "n.txt")]), engine.ingest, engine.reindex,
                   lambda: engine.update_metadata(SEED_DOC_NUMBER, level="county"),
                   lambda: engine.remove(SEED_DOC_NUMBER), lambda: engine.add_bytes(NOTICE.encode(), "n.txt")):
        with pytest.raises(ManifestError) as failed:
            change()
        assert "\n" not in str(failed.value) and "is damaged" in str(failed.value)
        assert "kb check --repair" in str(failed.value)
    assert manifest.read_bytes() == damage.encode("latin-1")
    assert sorted(p.name for p in engine.config.corpus_dir.iterdir()) == [SEED_NAME, "manifest.json"]


def test_a_deleted_manifest_stops_changes_and_is_rebuilt_from_the_copy_in_the_index(engine):
    config = engine.config
    engine.update_metadata(SEED_DOC_NUMBER, level="county", title="更正后的标题")
    expected = read_manifest(config.corpus_dir)
    (config.corpus_dir / "manifest.json").unlink()
    with pytest.raises(ManifestError, match="manifest.json is missing .*1 document.*kb check --repair"):
        engine.ingest()
    assert engine.document(SEED_DOC_NUMBER).meta.doc_id == "cq-2021-31"  # nothing re-indexed under a new id

    state = IndexState(state_path(config))
    try:
        rebuilt = rebuild_manifest(config, state.saved_manifest(), [d.meta for d in state.documents()])
    finally:
        state.close()
    assert rebuilt == expected == read_manifest(config.corpus_dir)
    report = engine.ingest()
    assert report.unchanged == ["cq-2021-31"]
    assert (engine.document(SEED_DOC_NUMBER).meta.title, engine.document(SEED_DOC_NUMBER).meta.level) == (
        "更正后的标题", "county")


def test_without_a_copy_the_manifest_is_rebuilt_from_the_indexed_metadata(engine):
    config = engine.config
    engine.update_metadata(SEED_DOC_NUMBER, level="county")
    (config.corpus_dir / "manifest.json").write_text("{", encoding="utf-8")
    state = IndexState(state_path(config))
    try:
        rebuilt = rebuild_manifest(config, {}, [d.meta for d in state.documents()])
    finally:
        state.close()
    entry = rebuilt[SEED_NAME]
    assert (entry["doc_id"], entry["level"], entry["implements"], entry["source"]) == (
        "cq-2021-31", "county", ["国发〔2021〕4号"], SEED_NAME)
    engine.ingest()
    meta = engine.document(SEED_DOC_NUMBER).meta
    assert (meta.doc_id, meta.level) == ("cq-2021-31", "county")


def test_a_hand_edit_of_the_manifest_is_copied_into_the_index_state(engine):
    config = engine.config
    manifest = read_manifest(config.corpus_dir)
    manifest[SEED_NAME]["issuer"] = "重庆市人民政府办公厅"
    write_manifest(config.corpus_dir, manifest)
    engine.ingest()
    state = IndexState(state_path(config))
    try:
        assert state.saved_manifest()[SEED_NAME]["issuer"] == "重庆市人民政府办公厅"
    finally:
        state.close()


def test_indexer_used_alone_still_takes_the_lock(engine):
    release = threading.Event()
    holder = hold_in_thread(engine.config, release)
    try:
        started = time.monotonic()
        with pytest.raises(KbError, match="another ingest is running"):
            Indexer(engine.config, engine.embedder).sync_corpus()
        assert time.monotonic() - started < 30
    finally:
        release.set()
        holder.join(10)


def test_a_damaged_index_state_stops_a_change_with_one_line(engine, tmp_path):
    path = state_path(engine.config)
    path.write_bytes(b"not a database, but garbage " * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    (tmp_path / "n.txt").write_text(NOTICE, encoding="utf-8")
    with pytest.raises(KbError) as failed:
        engine.add([str(tmp_path / "n.txt")])
    assert "\n" not in str(failed.value) and "kb check --repair" in str(failed.value)
    assert not (engine.config.corpus_dir / "n.txt").exists()
