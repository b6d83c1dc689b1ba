"""评测: run the question set (or an uploaded one) and show the metrics per retrieval mode, the chart and failures."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from kb.engine import PolicyKb
from kb.evaluate import DEFAULT_QUESTIONS, PIPELINE, run_evaluation
from kb.retrieve import MODES


def render(engine: PolicyKb) -> None:
    st.title("评测")
    st.caption("在问题集上测量检索（bm25 / dense / hybrid）与完整问答流程的质量；dev 为调参所用，heldout 为留出集。")
    uploaded = st.file_uploader("上传问题集（JSONL，可选）", type=["jsonl"])
    limit = st.number_input("只运行均匀抽取的前 N 题（0 为全部）", min_value=0, max_value=1000, value=0, step=10)
    if not st.button("运行评测", icon=":material/play_arrow:"):
        return
    path = DEFAULT_QUESTIONS
    if uploaded is not None:
        path = Path(tempfile.mkdtemp()) / "questions.jsonl"
        path.write_bytes(uploaded.getvalue())
    bar = st.progress(0.0, text="正在运行评测……")
    tables, results, report = run_evaluation(
        engine, path, limit=int(limit), progress=lambda done, total: bar.progress(done / total, f"{done}/{total}"))
    bar.empty()
    for split, table in tables.items():
        st.subheader(f"{split}")
        st.table({metric: {col: row.get(col, "") for col in [*MODES, PIPELINE]} for metric, row in table.items()})
    chart = report.parent / "chart.png"
    if chart.exists():
        st.image(str(chart))
    failed = [r for r in results if r.failures]
    st.subheader(f"未通过的问题（{len(failed)}）")
    for r in failed:
        cited = ", ".join(c.clause for c in r.answer.citations) if r.answer else ""
        st.markdown(f"- **{r.question.id}** [{r.question.kind}] {r.question.question} — {'；'.join(r.failures)}"
                    f"（标准条款：{'、'.join(r.question.gold) or '无'}；引用：{cited or '无'}）")
