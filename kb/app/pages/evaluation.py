"""评测: run the question set (or an uploaded one) and show the metrics per retrieval mode, the chart and failures.

Each failure links its gold clauses and the clauses the answer cited into the 文件 page's clause browser.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from kb.app.pages.chat import cited_clauses
from kb.app.pages.documents import ClauseLink, clause_url, find_document
from kb.app.render import escape_markdown
from kb.engine import PolicyKb
from kb.evaluation.metrics import QuestionResult
from kb.evaluation.questions import DEFAULT_QUESTION_FILES
from kb.evaluation.report import COLUMNS, group_table
from kb.evaluation.run import run_evaluation
from kb.schema import ParsedDocument
from kb.store.layout import scratch_folder


def gold_document(docs: Sequence[ParsedDocument], name: str, label: str) -> ParsedDocument | None:
    """The document a question is about, by its 文号 or title; for a question that names none, the first document
    that has the gold clause."""
    if name:
        return next((d for d in docs if name in (d.meta.doc_number, d.meta.title)), None)
    return next((d for d in docs if d.clause(label) is not None), None)


def markdown_link(text: str, link: ClauseLink | None) -> str:
    """`text` as a link to the clause (clause_url percent-encodes everything a link target could end at)."""
    return f"[{escape_markdown(text)}]({clause_url(link)})" if link else escape_markdown(text)


def failure_markdown(result: QuestionResult, docs: Sequence[ParsedDocument]) -> str:
    """One failed question as a list item; its clause labels open in the clause browser (in a new tab). The
    question, its id and kind come from a question file (an upload), so they are shown escaped."""
    q = result.question
    citations = result.answer.citations if result.answer else ()
    gold = []
    for label in q.gold:
        doc = gold_document(docs, q.doc, label)
        gold.append(markdown_link(label, ClauseLink(doc.meta.doc_id, label) if doc and doc.clause(label) else None))
    cited = []
    for clause in cited_clauses(citations):
        doc = find_document(docs, clause.doc)
        cited.append(markdown_link(clause.clause, ClauseLink(doc.meta.doc_id, clause.clause, clause.quotes)
                                   if doc else None))
    what = " — ".join(escape_markdown(part) for part in (q.question, "；".join(result.failures)))
    return (f"- **{escape_markdown(q.id)}** [{escape_markdown(q.kind)}] {what}"
            f"（标准条款：{'、'.join(gold) or '无'}；引用：{'、'.join(cited) or '无'}）")


def render(engine: PolicyKb) -> None:
    st.title("评测")
    st.caption("在问题集上测量检索（bm25 / dense / hybrid）与完整问答流程的质量；dev 为调参所用，heldout 为留出集。")
    uploaded = st.file_uploader("上传问题集（JSONL，可选）", type=["jsonl"])
    limit = st.number_input("只运行均匀抽取的前 N 题（0 为全部）", min_value=0, max_value=1000, value=0, step=10)
    if not st.button("运行评测", icon=":material/play_arrow:"):
        return
    paths = list(DEFAULT_QUESTION_FILES)
    bar = st.progress(0.0, text="正在运行评测……")
    with scratch_folder(engine.config) as scratch:  # an upload lives under data/tmp while it is evaluated
        if uploaded is not None:
            paths = [scratch / "questions.jsonl"]
            paths[0].write_bytes(uploaded.getvalue())
        evaluation = run_evaluation(
            engine, paths, limit=int(limit), progress=lambda done, total: bar.progress(done / total, f"{done}/{total}"))
    bar.empty()
    report, results = evaluation.report, evaluation.results
    if evaluation.skipped:
        st.info(f"{len(evaluation.skipped)} 个问题涉及未收录的文件，已跳过。")
    for split, table in report.splits.items():
        st.subheader(escape_markdown(split))
        st.table({metric: {col: row.get(col) for col in COLUMNS} for metric, row in table.items()})
    shown = "heldout" if "heldout" in report.by_document else "all"
    for by, name, groups in (("按文件", "文件", report.by_document[shown]), ("按题型", "题型", report.by_kind[shown])):
        escaped = {escape_markdown(group): table for group, table in groups.items()}  # names from question files
        st.markdown(f"**{shown}：{by}**\n\n" + group_table(escaped, name))
    chart = report.path.parent / "chart.png"
    if chart.exists():
        st.image(str(chart))
    failed = [r for r in results if r.failures]
    st.subheader(f"未通过的问题（{len(failed)}）")
    if failed:
        st.caption("点击条款编号在新标签页中查看原文。")
    docs = engine.documents()
    st.markdown("\n".join(failure_markdown(r, docs) for r in failed))
