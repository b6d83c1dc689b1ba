"""Metrics: headline rates, groups per document and kind, bootstrap intervals, thresholds."""

from kb.evaluation.judge import ClauseRef
from kb.evaluation.metrics import (PIPELINE, QuestionResult, bootstrap_interval, fact_accuracy, grouped,
                                   refusal_accuracy, summarise)
from kb.evaluation.questions import Question
from kb.evaluation.report import Comparison, Threshold
from kb.schema import Answer, AnswerStatus, Citation, Hit

DOC = "渝府发〔2021〕31号"


def _result(qid, answerable=True, cited="二（一）2", text="达到3000个。", doc=DOC, kind="number"):
    q = Question(qid, "问？", doc, ("二（一）2",) if answerable else (), ("3000个",) if answerable else (), answerable,
                 kind, "dev")
    hit = Hit(doc_id="d", doc_number=doc, doc_title="t", clause_label=cited, heading="", text=text, score=1.0)
    status = AnswerStatus.ANSWERED if cited else AnswerStatus.NOT_FOUND
    citations = (Citation(doc, "t", cited, "", text, 1.0),) if cited else ()
    answer = Answer("问？", status, text, citations, (hit,))
    return QuestionResult(q, ranked={}, latency_ms={PIPELINE: 10.0}, answer=answer)


def test_summary_and_groups():
    results = [_result("a"), _result("b", cited="三（一）", text="别的。"), _result("c", answerable=False, cited=""),
               _result("d", doc="《某条例》", cited="")]
    table = summarise(results, modes=())
    assert table["first-citation accuracy"][PIPELINE] == 0.5
    assert table["refusal accuracy"][PIPELINE] == 1.0
    assert table["false-refusal rate"][PIPELINE] == round(1 / 3, 3)
    groups = grouped(results, lambda r: r.question.doc)
    assert groups[DOC]["n"][PIPELINE] == 3 and groups["《某条例》"]["false-refusal rate"][PIPELINE] == 1.0
    assert "fact accuracy" not in grouped([_result("c", answerable=False, cited="")], lambda r: "x")["x"]
    assert fact_accuracy([_result("c", answerable=False, cited="")]) is None


def test_bootstrap_interval_is_reproducible_and_contains_the_estimate():
    results = [_result(str(i)) for i in range(30)] + [_result(f"n{i}", cited="三（一）", text="x")
                                                      for i in range(10)]
    low, high = bootstrap_interval(results, fact_accuracy)
    assert low <= fact_accuracy(results) <= high and low < high
    assert bootstrap_interval(results, fact_accuracy) == (low, high)
    assert bootstrap_interval([_result("a")], refusal_accuracy) is None


def test_comparison_deltas_and_thresholds():
    mixed = {"hit@5": {PIPELINE: 0.9}, "fact accuracy": {PIPELINE: 0.95}}
    alone = {"hit@5": {PIPELINE: 0.99}, "fact accuracy": {PIPELINE: 0.95}}
    assert Comparison("x", mixed, alone).deltas() == {"hit@5": -0.09, "fact accuracy": 0.0}
    table = {"hit@5": {"hybrid": 0.9}}
    assert Threshold("hit@5", "hybrid", minimum=0.95).check(table) == "hit@5 (hybrid) = 0.9 < 0.95"
    assert Threshold("hit@5", "hybrid", minimum=0.8).check(table) is None
    assert ClauseRef.of_hit(Hit("d", DOC, "t", "一", "", "", 1.0)) == ClauseRef(DOC, "t", "一")
