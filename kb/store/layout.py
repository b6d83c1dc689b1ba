"""Every path the index keeps on disk, in one place: the SQLite state, the BM25 file per generation, Chroma, the
writer lock. The ingest side writes them and the read side opens them; neither owns the layout."""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock

from kb.config import Config

WRITER_LOCK_TIMEOUT_S = 600


def state_path(config: Config) -> Path:
    return config.data_dir / "state.sqlite"


def bm25_path(config: Config, generation: int) -> Path:
    return config.data_dir / f"bm25-{generation}.npz"


def bm25_files(config: Config) -> list[Path]:
    return sorted(config.data_dir.glob("bm25-*.npz"))


def writer_lock(config: Config) -> FileLock:
    """One writer at a time for the index; readers never take it."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(config.data_dir / "ingest.lock"), timeout=WRITER_LOCK_TIMEOUT_S)
