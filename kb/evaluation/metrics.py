"""Metrics over judged questions: retrieval per mode, the answer pipeline, per document and per kind, and bootstrap
confidence intervals on the headline figures.

Retrieval (answerable questions with gold clauses): hit@1/3/5, MRR, clause recall@5 on multi-clause questions.
Pipeline: first-citation accuracy, citation precision, fact accuracy (every fact in the answer), direct-answer rate
(every fact in the first sentence; list-shaped kinds excluded), refusal accuracy (unanswerable -> not_found),
false-refusal rate, invented entities, latency.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kb.evaluation.judge import ClauseRef, gold_rank, is_gold
from kb.text.sentences import first_sentence
from kb.evaluation.questions import Question
from kb.schema import Answer, AnswerStatus, RetrievalMode

PIPELINE = "pipeline"
LIST_KINDS = ("list", "enterprise")
HEADLINE = ("hit@5", "first-citation accuracy", "fact accuracy", "refusal accuracy", "false-refusal rate")
BOOTSTRAP_SAMPLES = 1000

Table = dict[str, dict[str, float]]  # metric -> column (a retrieval mode or the pipeline) -> value


@dataclass
class QuestionResult:
    question: Question
    ranked: dict[str, list[ClauseRef]] = field(default_factory=dict)  # retrieval mode -> ranked clauses
    latency_ms: dict[str, float] = field(default_factory=dict)
    answer: Answer | None = None
    failures: list[str] = field(default_factory=list)


def _mean(values: Sequence[float | bool]) -> float:
    return statistics.fmean(float(v) for v in values) if values else 0.0


def _share(values: Sequence[bool]) -> float | None:
    """A headline rate, None when no question measures it (a group of unanswerable questions has no fact accuracy)."""
    return statistics.fmean(float(v) for v in values) if values else None


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _answerable(results: Sequence[QuestionResult]) -> list[QuestionResult]:
    return [r for r in results if r.question.answerable and r.question.gold]


def _answered(results: Sequence[QuestionResult]) -> list[QuestionResult]:
    return [r for r in _answerable(results) if r.answer and r.answer.status == AnswerStatus.ANSWERED]


# The pipeline's headline metrics as functions of a list of results, so they can be bootstrapped.
def pipeline_hit_at(k: int) -> Callable[[Sequence[QuestionResult]], float]:
    def metric(results: Sequence[QuestionResult]) -> float | None:
        ranks = [gold_rank(r.question, [ClauseRef.of_hit(h) for h in r.answer.retrieved]) if r.answer else None
                 for r in _answerable(results)]
        return _share([rank is not None and rank <= k for rank in ranks])
    return metric


def first_citation_accuracy(results: Sequence[QuestionResult]) -> float | None:
    return _share([bool(r.answer.citations) and is_gold(r.question, ClauseRef.of_citation(r.answer.citations[0]))
                  for r in _answered(results)])


def fact_accuracy(results: Sequence[QuestionResult]) -> float | None:
    return _share([all(f in r.answer.text for f in r.question.facts)
                  for r in results if r.question.answerable and r.question.facts and r.answer
                  and r.answer.status == AnswerStatus.ANSWERED])


def refusal_accuracy(results: Sequence[QuestionResult]) -> float | None:
    return _share([r.answer.status == AnswerStatus.NOT_FOUND for r in results if not r.question.answerable])


def false_refusal_rate(results: Sequence[QuestionResult]) -> float | None:
    return _share([r.answer.status == AnswerStatus.NOT_FOUND for r in results if r.question.answerable])


HEADLINE_METRICS: dict[str, Callable[[Sequence[QuestionResult]], float | None]] = {
    "hit@5": pipeline_hit_at(5),
    "first-citation accuracy": first_citation_accuracy,
    "fact accuracy": fact_accuracy,
    "refusal accuracy": refusal_accuracy,
    "false-refusal rate": false_refusal_rate,
}


def summarise(results: Sequence[QuestionResult], modes: Sequence[str] = tuple(RetrievalMode)) -> Table:
    """Metric name -> column (mode or pipeline) -> value."""
    answerable = _answerable(results)
    multi = [r for r in answerable if len(r.question.gold) > 1]
    table: Table = {}

    def put(metric: str, column: str, value: float | None) -> None:
        if value is not None:
            table.setdefault(metric, {})[column] = round(value, 3)

    for mode in modes:
        if not all(mode in r.ranked for r in results):
            continue
        ranks = [gold_rank(r.question, r.ranked[mode]) for r in answerable]
        for k in (1, 3, 5):
            put(f"hit@{k}", mode, _mean([rank is not None and rank <= k for rank in ranks]))
        put("MRR", mode, _mean([1 / rank if rank else 0.0 for rank in ranks]))
        put("clause recall@5 (multi-clause)", mode, _mean(
            [len({g for g in r.question.gold for ref in r.ranked[mode][:5]
                  if is_gold(r.question, ref) and ref.label.startswith(g)}) / len(r.question.gold) for r in multi]))
        latencies = [r.latency_ms[mode] for r in results]
        put("latency p50 ms", mode, _percentile(latencies, 0.5))
        put("latency p95 ms", mode, _percentile(latencies, 0.95))

    pipeline_ranks = [gold_rank(r.question, [ClauseRef.of_hit(h) for h in r.answer.retrieved]) if r.answer else None
                      for r in answerable]
    for k in (1, 3, 5):
        put(f"hit@{k}", PIPELINE, _mean([rank is not None and rank <= k for rank in pipeline_ranks]))
    put("MRR", PIPELINE, _mean([1 / rank if rank else 0.0 for rank in pipeline_ranks]))
    answered = _answered(results)
    put("first-citation accuracy", PIPELINE, first_citation_accuracy(results))
    put("citation precision", PIPELINE, _mean([is_gold(r.question, ClauseRef.of_citation(c))
                                               for r in answered for c in r.answer.citations]))
    put("fact accuracy", PIPELINE, fact_accuracy(results))
    # List-shaped answers (lists, what applies to an enterprise) cannot fit in one sentence.
    put("direct-answer rate", PIPELINE, _mean([all(f in first_sentence(r.answer.text) for f in r.question.facts)
                                               for r in answered if r.question.facts
                                               and r.question.kind not in LIST_KINDS]))
    put("refusal accuracy", PIPELINE, refusal_accuracy(results))
    put("false-refusal rate", PIPELINE, false_refusal_rate(results))
    put("invented entities", PIPELINE, sum(any(f.startswith("invented") for f in r.failures) for r in results))
    latencies = [r.latency_ms.get(PIPELINE, 0.0) for r in results]
    put("latency p50 ms", PIPELINE, _percentile(latencies, 0.5))
    put("latency p95 ms", PIPELINE, _percentile(latencies, 0.95))
    return table


def bootstrap_interval(results: Sequence[QuestionResult],
                       metric: Callable[[Sequence[QuestionResult]], float | None],
                       samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> tuple[float, float] | None:
    """95% percentile-bootstrap interval of a metric, resampling questions with replacement (seeded: reproducible)."""
    if metric(results) is None:
        return None
    rng = random.Random(seed)
    drawn = (metric(rng.choices(results, k=len(results))) for _ in range(samples))
    values = sorted(v for v in drawn if v is not None)
    return round(values[int(0.025 * (len(values) - 1))], 3), round(values[int(0.975 * (len(values) - 1))], 3)


def headline_intervals(results: Sequence[QuestionResult]) -> dict[str, tuple[float, float]]:
    intervals = {name: bootstrap_interval(results, metric) for name, metric in HEADLINE_METRICS.items()}
    return {name: interval for name, interval in intervals.items() if interval is not None}


def grouped(results: Sequence[QuestionResult], key: Callable[[QuestionResult], str]) -> dict[str, Table]:
    """The headline metrics per group (document, kind), with the number of questions in `n`."""
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        groups.setdefault(key(r), []).append(r)
    def row(rs: list[QuestionResult]) -> Table:
        values = {m: f(rs) for m, f in HEADLINE_METRICS.items()}
        return {"n": {PIPELINE: len(rs)}, **{m: {PIPELINE: round(v, 3)} for m, v in values.items() if v is not None}}

    return {name: row(rs) for name, rs in sorted(groups.items())}
