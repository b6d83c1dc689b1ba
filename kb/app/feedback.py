"""Thumbs-up/down feedback on answers, kept locally in SQLite under the data directory.

Several app sessions (threads of one process, or several processes) may write at once: every call opens its own
connection, SQLite serialises the writes, and a busy database is waited for instead of failing. One row per
answer: rating again or adding a comment later updates that row rather than adding a second one.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from kb.config import Config
from kb.errors import KbError
from kb.store.sqlite_wal import connect_wal

RATINGS = (-1, 1)  # thumbs down, thumbs up
BUSY_TIMEOUT_S = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    question TEXT NOT NULL,
    answer_status TEXT NOT NULL,
    answer_text TEXT NOT NULL,
    citations TEXT NOT NULL,
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Feedback:
    """A user's verdict on one answer. `citations` are the cited clauses as "文号 label" strings."""

    answer_id: str
    session_id: str
    question: str
    answer_status: str
    answer_text: str
    citations: tuple[str, ...]
    rating: int
    comment: str = ""


@dataclass(frozen=True)
class StoredFeedback:
    feedback: Feedback
    created_at: str
    updated_at: str


def feedback_path(config: Config) -> Path:
    return config.data_dir / "feedback.sqlite"


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        try:
            db = connect_wal(self.path, BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise KbError(f"cannot open the feedback store {self.path}: {exc}") from None
        return db

    def save(self, feedback: Feedback) -> None:
        """Insert, or update the rating and comment of an answer already rated."""
        if feedback.rating not in RATINGS:
            raise KbError(f"a rating is -1 (not helpful) or 1 (helpful), got {feedback.rating}")
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        row = (feedback.answer_id, feedback.session_id, feedback.question, feedback.answer_status,
               feedback.answer_text, "\n".join(feedback.citations), feedback.rating, feedback.comment.strip(),
               now, now)
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(answer_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, "
                "updated_at = excluded.updated_at",
                row,
            )

    def all(self) -> list[StoredFeedback]:
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT answer_id, session_id, question, answer_status, answer_text, citations, rating, comment, "
                "created_at, updated_at FROM feedback ORDER BY created_at, rowid"
            ).fetchall()
        return [
            StoredFeedback(
                Feedback(answer_id=r[0], session_id=r[1], question=r[2], answer_status=r[3], answer_text=r[4],
                         citations=tuple(c for c in r[5].split("\n") if c), rating=r[6], comment=r[7]),
                created_at=r[8], updated_at=r[9],
            )
            for r in rows
        ]
