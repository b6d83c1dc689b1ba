"""Feedback store: one row per answer, updates in place, and no lost writes with several writers at once."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from kb.errors import KbError
from kb.app.feedback import Feedback, FeedbackStore, feedback_path

WRITERS = 4
WRITES_EACH = 15


def _feedback(answer_id: str, rating: int = 1, comment: str = "") -> Feedback:
    return Feedback(answer_id=answer_id, session_id="s1", question="到2025年森林覆盖率目标是多少？",
                    answer_status="answered", answer_text="森林覆盖率达到57%〔渝府发〔2021〕31号 一（二）〕",
                    citations=("渝府发〔2021〕31号 一（二）", "渝府发〔2021〕31号 二（一）4"), rating=rating,
                    comment=comment)


def test_saved_feedback_reads_back_with_its_citations(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb" / "feedback.sqlite")
    store.save(_feedback("a1", rating=-1, comment="  应引用二（一）4  "))
    [stored] = store.all()
    assert stored.feedback == _feedback("a1", rating=-1, comment="应引用二（一）4")
    assert stored.created_at == stored.updated_at != ""


def test_rating_again_updates_the_row_instead_of_adding_one(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    store.save(_feedback("a1", rating=1))
    store.save(_feedback("a2", rating=1))
    store.save(_feedback("a1", rating=-1, comment="数字不对"))
    rows = {s.feedback.answer_id: s.feedback for s in store.all()}
    assert len(rows) == 2
    assert (rows["a1"].rating, rows["a1"].comment) == (-1, "数字不对")
    assert FeedbackStore(tmp_path / "feedback.sqlite").all()[0].feedback.answer_id == "a1"  # survives reopening


def test_a_rating_other_than_up_or_down_is_refused(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    with pytest.raises(KbError, match="rating"):
        store.save(_feedback("a1", rating=5))
    assert store.all() == []


def test_feedback_lives_in_the_data_dir(kb_config) -> None:
    assert feedback_path(kb_config).parent == kb_config.data_dir


def _write_many(path: Path, writer: int) -> None:
    store = FeedbackStore(path)
    for n in range(WRITES_EACH):
        store.save(_feedback(f"w{writer}-{n}", rating=1 if n % 2 else -1))


@pytest.mark.parametrize("pool", [ThreadPoolExecutor, ProcessPoolExecutor], ids=["threads", "processes"])
def test_concurrent_writers_lose_nothing(tmp_path: Path, pool) -> None:
    path = tmp_path / "feedback.sqlite"
    with pool(max_workers=WRITERS) as executor:
        list(executor.map(_write_many, [path] * WRITERS, range(WRITERS)))
    ids = {s.feedback.answer_id for s in FeedbackStore(path).all()}
    assert ids == {f"w{w}-{n}" for w in range(WRITERS) for n in range(WRITES_EACH)}
