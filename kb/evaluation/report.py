"""The evaluation report: tables per split, per document and per kind, confidence intervals, the mixed-versus-alone
comparison, failures; report.md, chart.png and results.json in one folder; thresholds a run must meet."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.evaluation.metrics import (HEADLINE, PIPELINE, QuestionResult, Table, grouped, headline_intervals,
                                   summarise)
from kb.schema import RetrievalMode

COLUMNS = (*RetrievalMode, PIPELINE)


@dataclass(frozen=True)
class Comparison:
    """The same questions answered with the whole corpus loaded and with their own corpus alone."""

    label: str  # which questions, e.g. "渝府发〔2021〕31号"
    mixed: Table
    alone: Table

    def deltas(self) -> dict[str, float]:
        return {m: round(self.mixed[m][PIPELINE] - self.alone[m][PIPELINE], 3)
                for m in HEADLINE if m in self.mixed and m in self.alone}


@dataclass(frozen=True)
class EvaluationReport:
    splits: dict[str, Table]  # "all", "dev", "heldout" -> metric table
    intervals: dict[str, dict[str, tuple[float, float]]]  # split -> headline metric -> 95% interval
    by_document: dict[str, dict[str, Table]]  # split -> document -> headline table
    by_kind: dict[str, dict[str, Table]]
    comparison: Comparison | None
    path: Path


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if value >= 10 or isinstance(value, int) else f"{value:.3f}"


def markdown_table(table: Table, columns: Sequence[str]) -> str:
    lines = ["| metric | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for metric, row in table.items():
        lines.append(f"| {metric} | " + " | ".join(_fmt(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def group_table(groups: dict[str, Table], name: str) -> str:
    """One row per group (document or kind), the headline metrics as columns."""
    columns = ["n", *HEADLINE]
    lines = [f"| {name} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for group, table in groups.items():
        cells = [_fmt(table.get(c, {}).get(PIPELINE)) for c in columns]
        lines.append(f"| {group or '(none)'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _intervals_text(intervals: dict[str, tuple[float, float]], table: Table) -> str:
    return "\n".join(f"- {m}: {_fmt(table[m][PIPELINE])} (95% CI {lo:.3f}–{hi:.3f})"
                     for m, (lo, hi) in intervals.items() if m in table)


def comparison_text(comparison: Comparison) -> str:
    rows = ["| metric | alone | mixed | Δ |", "|---|---|---|---|"]
    for metric, delta in comparison.deltas().items():
        rows.append(f"| {metric} | {_fmt(comparison.alone[metric][PIPELINE])} | "
                    f"{_fmt(comparison.mixed[metric][PIPELINE])} | {delta:+.3f} |")
    return "\n".join(rows)


def write_chart(tables: dict[str, Table], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = ["hit@1", "hit@5", "MRR"]
    fig, axes = plt.subplots(1, len(tables), figsize=(6 * len(tables), 4), squeeze=False)
    for ax, (split, table) in zip(axes[0], tables.items()):
        width = 0.8 / len(COLUMNS)
        for i, column in enumerate(COLUMNS):
            ax.bar([m + i * width for m in range(len(metrics))],
                   [table.get(metric, {}).get(column, 0) for metric in metrics], width, label=column)
        ax.set_xticks([m + 0.4 - width / 2 for m in range(len(metrics))], metrics)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"retrieval quality ({split})")
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(results: Sequence[QuestionResult], out_dir: Path,
                 comparison: Comparison | None = None) -> EvaluationReport:
    out_dir.mkdir(parents=True, exist_ok=True)
    by_split = {"all": list(results)}
    for split in sorted({r.question.split for r in results}):
        by_split[split] = [r for r in results if r.question.split == split]
    by_split = {name: rs for name, rs in by_split.items() if rs}
    splits = {name: summarise(rs) for name, rs in by_split.items()}
    intervals = {name: headline_intervals(rs) for name, rs in by_split.items()}
    by_document = {name: grouped(rs, lambda r: r.question.doc) for name, rs in by_split.items()}
    by_kind = {name: grouped(rs, lambda r: r.question.kind) for name, rs in by_split.items()}
    parts = ["# policy-kb evaluation", ""]
    for name, table in splits.items():
        parts += [f"## {name} ({len(by_split[name])} questions)", "", markdown_table(table, COLUMNS), "",
                  _intervals_text(intervals[name], table), "",
                  f"### {name}: per document", "", group_table(by_document[name], "document"), "",
                  f"### {name}: per kind", "", group_table(by_kind[name], "kind"), ""]
    if comparison:
        parts += [f"## mixed versus alone: {comparison.label}", "", comparison_text(comparison), ""]
    failed = [r for r in results if r.failures]
    parts += [f"## failures ({len(failed)})", ""]
    parts += [f"- {r.question.id} [{r.question.kind}] {r.question.question} — {'; '.join(r.failures)}" for r in failed]
    path = out_dir / "report.md"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    write_chart({k: v for k, v in splits.items() if k != "all"} or splits, out_dir / "chart.png")
    data = {"splits": splits, "intervals": intervals, "by_document": by_document, "by_kind": by_kind,
            "mixed_vs_alone": comparison and {"label": comparison.label, "alone": comparison.alone,
                                              "mixed": comparison.mixed, "deltas": comparison.deltas()}}
    (out_dir / "results.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return EvaluationReport(splits, intervals, by_document, by_kind, comparison, path)


@dataclass(frozen=True)
class Threshold:
    metric: str
    column: str
    minimum: float | None = None
    maximum: float | None = None

    def check(self, table: Table) -> str | None:
        value = table.get(self.metric, {}).get(self.column)
        if value is None:
            return f"{self.metric} ({self.column}) was not measured"
        if self.minimum is not None and value < self.minimum:
            return f"{self.metric} ({self.column}) = {value} < {self.minimum}"
        if self.maximum is not None and value > self.maximum:
            return f"{self.metric} ({self.column}) = {value} > {self.maximum}"
        return None
