"""The store's lock rules: how long a read waits for a writer depends on who reads."""

import threading
import time

import numpy as np
import pytest

from kb.schema import Chunk, ChunkKind
from kb.store.chroma_access import VectorStoreUnreachable, file_lock
from kb.store.layout import vector_lock_path
from kb.store.vectors import VectorStore

HOLD_S = 2.0
TIMEOUT_S = 0.2


def hold_exclusive(persist_dir, started: threading.Event) -> threading.Thread:
    """Another writer holding the store's exclusive lock for HOLD_S (a slow open or flush on a loaded machine)."""

    def hold() -> None:
        with file_lock(vector_lock_path(persist_dir), exclusive=True, timeout_s=5):
            started.set()
            time.sleep(HOLD_S)

    thread = threading.Thread(target=hold)
    thread.start()
    started.wait(5)
    return thread


def filled_store(tmp_path, writer: bool) -> VectorStore:
    store = VectorStore("", tmp_path / "chroma", "t", "fake", timeout_s=TIMEOUT_S, writer=writer)
    store.add([Chunk("a", "d1", "一", ChunkKind.CLAUSE, "text", "a")], np.eye(1, 4, dtype=np.float32))
    return store


def test_a_writers_read_waits_for_another_writer_longer_than_the_read_timeout(tmp_path):
    # An ingest reads (which chunks exist) between its writes: giving up after the search timeout failed a
    # `kb add` while another add held the lock for a few seconds.
    store = filled_store(tmp_path, writer=True)
    holder = hold_exclusive(tmp_path / "chroma", threading.Event())
    try:
        assert store.existing(["a", "b"]) == {"a"}
    finally:
        holder.join()
        store.close()


def test_a_searchs_read_gives_up_after_the_timeout(tmp_path):
    store = filled_store(tmp_path, writer=False)
    holder = hold_exclusive(tmp_path / "chroma", threading.Event())
    try:
        started = time.monotonic()
        with pytest.raises(VectorStoreUnreachable, match="busy"):
            store.existing(["a"])
        assert time.monotonic() - started < HOLD_S
    finally:
        holder.join()
        store.close()


def test_a_folder_busy_for_a_moment_is_opened_once_it_is_free(tmp_path, monkeypatch):
    """Chroma's SQLite file may still be held by a client just stopped ("database is locked"): the store waits a
    little and opens it; a folder that stays busy, or any other failure, is reported."""
    from kb.store import chroma_access
    from kb.store.chroma_access import GuardedCollection, VectorStoreUnavailable

    real_open = GuardedCollection._open_once
    failures = {"left": 2}

    def busy_then_free(self):
        if failures["left"]:
            failures["left"] -= 1
            raise VectorStoreUnavailable("the vector index at x cannot be written (database is locked); run `kb check`")
        return real_open(self)

    monkeypatch.setattr(chroma_access, "_BUSY_WAITS_S", (0.0, 0.0, 0.0))
    monkeypatch.setattr(GuardedCollection, "_open_once", busy_then_free)
    store = VectorStore("", tmp_path / "chroma", "t", "fake")
    assert store.count() == 0 and failures["left"] == 0
    store.close()

    failures["left"] = 10
    with pytest.raises(VectorStoreUnavailable, match="database is locked"):
        VectorStore("", tmp_path / "chroma", "t", "fake")
