"""`kb eval`: run the question set in one process and measure retrieval per mode and the full answer pipeline.

Metrics (answerable questions unless said otherwise):
- retrieval, per mode: hit@1/3/5, MRR, clause recall@5 on multi-clause questions, latency p50/p95;
- pipeline: first-citation accuracy, citation precision, fact accuracy (every fact in the answer), direct-answer
  rate (every fact in the first sentence), refusal accuracy (unanswerable -> not_found), false-refusal rate,
  invented entities (numbers or bodies in an answer that no document says), latency p50/p95.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from kb.engine import PolicyKb, Turn
from kb.errors import KbError
from kb.answering.intent import analyse
from kb.schema import Answer, AnswerStatus, RetrievalMode

PIPELINE = "pipeline"
LIST_KINDS = ("list", "enterprise")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:%|万|个|吨|千瓦)?")
_BODY = re.compile(r"[\u4e00-\u9fff]{2,12}(?:局|厅|委员会|办公室|领导小组|银行|政府|机关)")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: tuple[str, ...]
    facts: tuple[str, ...]
    answerable: bool
    kind: str
    split: str
    context: tuple[str, ...] = ()
    expects_unnamed: bool = False


@dataclass
class QuestionResult:
    question: Question
    ranked: dict[str, list[str]] = field(default_factory=dict)  # mode -> clause labels
    latency_ms: dict[str, float] = field(default_factory=dict)
    answer: Answer | None = None
    failures: list[str] = field(default_factory=list)


def load_questions(path: Path) -> list[Question]:
    if not path.is_file():
        raise KbError(f"question file not found: {path}")
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(Question(
                id=str(raw.get("id", number)), question=raw["question"], gold=tuple(raw.get("gold", ())),
                facts=tuple(raw.get("facts", ())), answerable=bool(raw.get("answerable", True)),
                kind=raw.get("kind", ""), split=raw.get("split", "dev"), context=tuple(raw.get("context", ())),
                expects_unnamed=bool(raw.get("expects_unnamed", False)),
            ))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            raise KbError(f"{path}:{number} is not a question object with at least a \"question\"") from None
    return questions


def spread_subset(questions: Sequence[Question], limit: int) -> list[Question]:
    """`limit` questions spread evenly over the whole file (so every kind is represented); all when 0."""
    if not limit or limit >= len(questions):
        return list(questions)
    return [questions[int(i * len(questions) / limit)] for i in range(limit)]


def first_sentence(text: str) -> str:
    match = re.search(r"[。！？]", text)
    return text[: match.end()] if match else text


def invented_entities(answer: Answer, corpus_text: str) -> list[str]:
    """Numbers and body names in the answer that neither the corpus nor the question says: made-up things."""
    found = set(_NUMBER.findall(answer.text)) | set(_BODY.findall(answer.text))
    known = corpus_text.replace(" ", "") + answer.question
    # A body match may start with connecting words ("该文件由重庆市人民政府"): any known tail of it is not invented.
    return sorted(e for e in found if not any(e[i:] in known for i in range(max(1, len(e) - 3))))


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_questions(engine: PolicyKb, questions: Sequence[Question], modes: Iterable[RetrievalMode] = tuple(RetrievalMode),
                  progress: Callable[[int, int], None] = lambda done, total: None) -> list[QuestionResult]:
    results = []
    corpus_text = "\n".join(d.text for d in engine.documents())
    engine.search("预热", mode=RetrievalMode.HYBRID)  # warm-up: load models before timing anything
    for done, q in enumerate(questions, 1):
        result = QuestionResult(q)
        query = analyse(q.question, q.context).resolved
        for mode in modes:
            started = time.perf_counter()
            hits = engine.search(query, mode=mode, top_k=10)
            result.latency_ms[mode] = (time.perf_counter() - started) * 1000
            result.ranked[mode] = [h.clause_label for h in hits]
        started = time.perf_counter()
        result.answer = engine.ask(q.question, history=[Turn(c) for c in q.context])
        result.latency_ms[PIPELINE] = (time.perf_counter() - started) * 1000
        result.failures = judge(q, result, corpus_text)
        results.append(result)
        progress(done, len(questions))
    return results


def judge(q: Question, result: QuestionResult, corpus_text: str) -> list[str]:
    answer = result.answer
    assert answer is not None
    failures = []
    if not q.answerable:
        if answer.status != AnswerStatus.NOT_FOUND:
            failures.append("answered an unanswerable question")
    else:
        if answer.status == AnswerStatus.NOT_FOUND:
            failures.append("refused an answerable question")
        else:
            cited = [c.clause for c in answer.citations]
            if q.gold and (not cited or cited[0] not in q.gold):
                failures.append(f"first citation {cited[:1]} not in gold {list(q.gold)}")
            missing = [f for f in q.facts if f not in answer.text]
            if missing:
                failures.append(f"missing facts {missing}")
            if q.expects_unnamed and "未明确" not in answer.text:
                failures.append("did not say that no body is named")
    invented = invented_entities(answer, corpus_text)
    if invented:
        failures.append(f"invented {invented}")
    return failures


def summarise(results: Sequence[QuestionResult], modes: Sequence[RetrievalMode] = tuple(RetrievalMode)) -> dict[str, dict[str, float]]:
    """Metric name -> column (mode or pipeline) -> value."""
    answerable = [r for r in results if r.question.answerable and r.question.gold]
    multi = [r for r in answerable if len(r.question.gold) > 1]
    table: dict[str, dict[str, float]] = {}

    def put(metric: str, column: str, value: float) -> None:
        table.setdefault(metric, {})[column] = round(value, 3)

    for mode in modes:
        ranks = [_first_gold_rank(r.ranked[mode], r.question.gold) for r in answerable]
        for k in (1, 3, 5):
            put(f"hit@{k}", mode, _mean([rank is not None and rank <= k for rank in ranks]))
        put("MRR", mode, _mean([1 / rank if rank else 0.0 for rank in ranks]))
        put("clause recall@5 (multi-clause)", mode, _mean(
            [len(set(r.ranked[mode][:5]) & set(r.question.gold)) / len(r.question.gold) for r in multi]))
        latencies = [r.latency_ms[mode] for r in results]
        put("latency p50 ms", mode, _percentile(latencies, 0.5))
        put("latency p95 ms", mode, _percentile(latencies, 0.95))

    answered = [r for r in answerable if r.answer and r.answer.status == AnswerStatus.ANSWERED]
    with_facts = [r for r in answered if r.question.facts]
    citations = [(c.clause, r.question.gold) for r in answered for c in r.answer.citations]
    pipeline_ranks = [_first_gold_rank([h.clause_label for h in r.answer.retrieved], r.question.gold)
                      for r in answerable]
    for k in (1, 3, 5):
        put(f"hit@{k}", PIPELINE, _mean([rank is not None and rank <= k for rank in pipeline_ranks]))
    put("MRR", PIPELINE, _mean([1 / rank if rank else 0.0 for rank in pipeline_ranks]))
    put("first-citation accuracy", PIPELINE, _mean(
        [bool(r.answer.citations) and r.answer.citations[0].clause in r.question.gold for r in answered]))
    put("citation precision", PIPELINE, _mean([clause in gold for clause, gold in citations]))
    put("fact accuracy", PIPELINE, _mean([all(f in r.answer.text for f in r.question.facts) for r in with_facts]))
    # List-shaped answers (lists, what applies to an enterprise) cannot fit in one sentence: the direct-answer
    # rate is measured on the other kinds.
    put("direct-answer rate", PIPELINE, _mean([all(f in first_sentence(r.answer.text) for f in r.question.facts)
                                               for r in with_facts if r.question.kind not in LIST_KINDS]))
    unanswerable = [r for r in results if not r.question.answerable]
    put("refusal accuracy", PIPELINE, _mean([r.answer.status == AnswerStatus.NOT_FOUND for r in unanswerable]))
    all_answerable = [r for r in results if r.question.answerable]
    put("false-refusal rate", PIPELINE, _mean([r.answer.status == AnswerStatus.NOT_FOUND for r in all_answerable]))
    put("invented entities", PIPELINE, sum(any(f.startswith("invented") for f in r.failures) for r in results))
    latencies = [r.latency_ms[PIPELINE] for r in results]
    put("latency p50 ms", PIPELINE, _percentile(latencies, 0.5))
    put("latency p95 ms", PIPELINE, _percentile(latencies, 0.95))
    return table


def _first_gold_rank(labels: Sequence[str], gold: Sequence[str]) -> int | None:
    return next((i for i, label in enumerate(labels, 1) if label in gold), None)


def _mean(values: Sequence[float | bool]) -> float:
    return statistics.fmean(float(v) for v in values) if values else 0.0


def markdown_table(table: dict[str, dict[str, float]], columns: Sequence[str]) -> str:
    lines = ["| metric | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for metric, row in table.items():
        lines.append(f"| {metric} | " + " | ".join(_fmt(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "" if value is None else (f"{value:.0f}" if value >= 10 else f"{value:.3f}")


def write_chart(tables: dict[str, dict[str, dict[str, float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = ["hit@1", "hit@5", "MRR"]
    columns = [*RetrievalMode, PIPELINE]
    fig, axes = plt.subplots(1, len(tables), figsize=(6 * len(tables), 4), squeeze=False)
    for ax, (split, table) in zip(axes[0], tables.items()):
        width = 0.8 / len(columns)
        for i, column in enumerate(columns):
            ax.bar([m + i * width for m in range(len(metrics))],
                   [table[metric].get(column, 0) for metric in metrics], width, label=column)
        ax.set_xticks([m + 0.4 - width / 2 for m in range(len(metrics))], metrics)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"retrieval quality ({split})")
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


@dataclass(frozen=True)
class Threshold:
    metric: str
    column: str
    minimum: float | None = None
    maximum: float | None = None

    def check(self, table: dict[str, dict[str, float]]) -> str | None:
        value = table.get(self.metric, {}).get(self.column)
        if value is None:
            return f"{self.metric} ({self.column}) was not measured"
        if self.minimum is not None and value < self.minimum:
            return f"{self.metric} ({self.column}) = {value} < {self.minimum}"
        if self.maximum is not None and value > self.maximum:
            return f"{self.metric} ({self.column}) = {value} > {self.maximum}"
        return None


def write_report(results: Sequence[QuestionResult], out_dir: Path) -> tuple[dict[str, dict], Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    splits = {"all": list(results)}
    for split in sorted({r.question.split for r in results}):
        splits[split] = [r for r in results if r.question.split == split]
    tables = {name: summarise(rs) for name, rs in splits.items() if rs}
    columns = [*RetrievalMode, PIPELINE]
    parts = ["# policy-kb evaluation", ""]
    for name, table in tables.items():
        parts += [f"## {name} ({len(splits[name])} questions)", "", markdown_table(table, columns), ""]
    failed = [r for r in results if r.failures]
    parts += [f"## failures ({len(failed)})", ""]
    parts += [f"- {r.question.id} [{r.question.kind}] {r.question.question} — {'; '.join(r.failures)}" for r in failed]
    report = out_dir / "report.md"
    report.write_text("\n".join(parts) + "\n", encoding="utf-8")
    write_chart({k: v for k, v in tables.items() if k != "all"} or tables, out_dir / "chart.png")
    (out_dir / "results.json").write_text(json.dumps(tables, ensure_ascii=False, indent=1), encoding="utf-8")
    return tables, report


DEFAULT_QUESTIONS = Path("eval/questions.jsonl")


def run_evaluation(engine: PolicyKb, path: Path = DEFAULT_QUESTIONS, out_dir: Path | None = None,
                   limit: int = 0, progress: Callable[[int, int], None] = lambda done, total: None
                   ) -> tuple[dict[str, dict], list[QuestionResult], Path]:
    """Run a question file end to end; returns (tables per split, per-question results, report path)."""
    questions = spread_subset(load_questions(path), limit)
    results = run_questions(engine, questions, progress=progress)
    tables, report = write_report(results, out_dir or engine.config.data_dir / "eval")
    return tables, results, report
