"""The evaluation runner: unit checks of its scoring, and a fast real-model subset of the question set (CI)."""

from conftest import ROOT_DIR
from pathlib import Path

import pytest

from kb.evaluation.evaluate import (Question, QuestionResult, Threshold, first_sentence, invented_entities, judge,
                         load_questions, run_evaluation)
from kb.errors import KbError
from kb.schema import Answer, Citation

ROOT = ROOT_DIR


def _answer(text, status="answered", clause="二（一）2"):
    citations = (Citation("渝府发〔2021〕31号", "t", clause, "h", text, 1.0),) if status == "answered" else ()
    return Answer("问题？", status, text, citations, ())


def test_question_set_is_complete_and_well_formed():
    questions = load_questions(ROOT / "eval" / "questions.jsonl")
    assert len(questions) >= 150
    assert sum(not q.answerable for q in questions) >= 20
    assert {q.split for q in questions} == {"dev", "heldout"}
    assert all(q.gold for q in questions if q.answerable)


def test_judge_flags_wrong_citation_missing_facts_and_answered_unanswerables():
    q = Question("x", "多少？", ("二（一）2",), ("3000个",), True, "number", "dev")
    result = QuestionResult(q, answer=_answer("到2025年，全市“两品一标”认证产品达到3000个。", clause="二（一）3"))
    assert judge(q, result, "3000个 2025") == ["first citation ['二（一）3'] not in gold ['二（一）2']"]
    unanswerable = Question("y", "罚多少钱？", (), (), False, "unanswerable", "dev")
    result = QuestionResult(unanswerable, answer=_answer("罚款500元。"))
    failures = judge(unanswerable, result, "没有金额")
    assert "answered an unanswerable question" in failures
    assert any(f.startswith("invented") and "500" in f for f in failures)


def test_invented_entities_ignore_known_tails_and_the_question():
    answer = _answer("该文件由重庆市人民政府印发，目标为57%。")
    assert invented_entities(answer, "重庆市人民政府 森林覆盖率达到57%") == []
    assert invented_entities(_answer("由市发展改革委员会牵头，目标99%。"), "森林覆盖率达到57%") == [
        "99%", "由市发展改革委员会"]


def test_first_sentence_and_thresholds():
    assert first_sentence("甲。乙。") == "甲。"
    table = {"hit@5": {"hybrid": 0.9}}
    assert Threshold("hit@5", "hybrid", minimum=0.95).check(table) == "hit@5 (hybrid) = 0.9 < 0.95"
    assert Threshold("hit@5", "hybrid", minimum=0.8).check(table) is None
    with pytest.raises(KbError, match="question file not found"):
        load_questions(Path("nowhere.jsonl"))


@pytest.mark.integration
def test_fast_subset_with_the_real_model(real_kb, tmp_path):
    tables, results, report = run_evaluation(real_kb, ROOT / "eval" / "questions.jsonl", out_dir=tmp_path, limit=40)
    overall = tables["all"]
    assert len(results) == 40 and report.exists() and (tmp_path / "chart.png").exists()
    assert overall["hit@5"]["hybrid"] >= 0.9
    assert overall["refusal accuracy"]["pipeline"] >= 0.9
    assert overall["invented entities"]["pipeline"] == 0
