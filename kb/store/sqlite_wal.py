"""SQLite connections in WAL mode, shared by the index state and the feedback store."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path


def connect_wal(path: Path, timeout_s: float, **kwargs: object) -> sqlite3.Connection:
    """A connection in WAL mode (readers never block the writer).

    Switching the journal mode ignores SQLite's busy timeout, so several processes opening a new database at
    once retry until `timeout_s` instead of failing with "database is locked".
    """
    db = sqlite3.connect(path, timeout=timeout_s, **kwargs)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return db
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                db.close()
                raise
            time.sleep(0.05)
