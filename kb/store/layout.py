"""Every path the index keeps on disk, in one place: the SQLite state, the BM25 file per generation, Chroma, the
writer lock. The ingest side writes them and the read side opens them; neither owns the layout."""

from __future__ import annotations

import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock

from kb.config import Config

_writer_locks: dict[str, FileLock] = {}
_writer_locks_guard = threading.Lock()


def state_path(config: Config) -> Path:
    return config.data_dir / "state.sqlite"


def bm25_path(config: Config, generation: int) -> Path:
    return config.data_dir / f"bm25-{generation}.npz"


def bm25_files(config: Config) -> list[Path]:
    return sorted(config.data_dir.glob("bm25-*.npz"))


def vector_lock_path(vector_dir: Path) -> Path:
    """Embedded Chroma's files are read under a shared and written under an exclusive flock of this file
    (kb.store.chroma_access): a process never loads them while another rewrites them."""
    return vector_dir.with_name(vector_dir.name + ".lock")


def set_aside_dir(config: Config, stamp: str) -> Path:
    """Where `kb check --repair` moves a damaged state file or vector folder before rebuilding it."""
    return config.data_dir / "damaged" / stamp


def writer_lock(config: Config) -> FileLock:
    """One writer at a time for the corpus folder, the manifest and the index; readers never take it.

    One instance per lock file per process: a thread that holds it (a whole `add`) takes it again without waiting
    (the indexing inside the add), while other threads and processes wait. kb.corpus.changes.writing takes it
    with a message and a clear failure after `writer_wait_s`.
    """
    config.data_dir.mkdir(parents=True, exist_ok=True)
    path = str((config.data_dir / "ingest.lock").resolve())
    with _writer_locks_guard:
        lock = _writer_locks.get(path)
        if lock is None:
            lock = _writer_locks[path] = FileLock(path)
    lock.timeout = config.writer_wait_s
    return lock


def writer_pid_path(config: Config) -> Path:
    """The process id of the current writer, for the message of one that waits."""
    return config.data_dir / "writer.pid"


@contextmanager
def scratch_folder(config: Config) -> Iterator[Path]:
    """A temporary folder under data/tmp, never the system's temp folder, removed when the block ends."""
    config.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=config.tmp_dir) as folder:
        yield Path(folder)


def backups_dir(config: Config) -> Path:
    """Replaced versions of documents: backups/<doc_id>/<time>/ holds the file and its manifest entry."""
    return config.data_dir / "backups"
