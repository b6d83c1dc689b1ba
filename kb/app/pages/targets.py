"""目标指标: every quantitative target of the documents as a table, filterable, downloadable, linked to its clause,
with the number of targets per area (the section a target's clause sits in, e.g. 二（四） 加快基础设施绿色升级)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

import altair as alt
import pandas as pd
import streamlit as st

from kb.app.pages.context import clause_title
from kb.app.pages.documents import CLAUSE_PARAM, ClauseLink, clause_url
from kb.app.pages.requirements import download_buttons
from kb.config import Config
from kb.engine import PolicyKb
from kb.analysis.targets import Target, targets
from kb.schema import ParsedDocument

AREA_DEPTH = 2  # 二（四）: the section under a top-level part is what a reader calls an area
LINK_COLUMN = "条款"
DOC_COLUMN = "文号"  # shown only when the rows come from more than one document
# The clause link comes before the long, often empty columns so it stays in view in the centred layout.
TABLE_COLUMNS = ("指标", "比较", "目标值", "时限", LINK_COLUMN, "适用范围", DOC_COLUMN)
CLAUSE_LABEL_IN_LINK = rf"[?&]{CLAUSE_PARAM}=([^&]*)"  # LinkColumn shows the URL-decoded first group
COLUMN_CONFIG = {
    "比较": st.column_config.TextColumn(width=120),  # "稳定保持在…以上" is cut at the grid's guessed width
    LINK_COLUMN: st.column_config.LinkColumn(LINK_COLUMN, display_text=CLAUSE_LABEL_IN_LINK,
                                             help="在新标签页中打开条款原文"),
}


def target_area(doc: ParsedDocument, clause_label: str) -> str:
    """The title of the section (depth AREA_DEPTH) holding the clause; the clause's own title when it is shallower."""
    clause = doc.clause(clause_label)
    if clause is None or not clause.path:
        return clause_label
    area_path = clause.path[:AREA_DEPTH]
    area = next((c for c in doc.clauses if c.path == area_path), clause)
    return clause_title(area)


def filtered_targets(rows: Sequence[Target], docs: Collection[str], deadlines: Collection[str]) -> list[Target]:
    """Targets of the chosen documents and deadlines (every one when nothing is chosen)."""
    return [t for t in rows if (not docs or t.doc in docs) and (not deadlines or t.deadline_or_period in deadlines)]


def target_records(rows: Sequence[Target], doc_ids: dict[str, str]) -> list[dict[str, str]]:
    """One display row per target; the clause column holds the link to the clause with the sentence highlighted
    (the table shows the clause label, which the grid decodes out of the link: CLAUSE_LABEL_IN_LINK)."""
    return [dict(zip(TABLE_COLUMNS, (t.indicator, t.comparison, f"{t.value}{t.unit}", t.deadline_or_period,
                                     clause_url(ClauseLink(doc_ids[t.doc], t.clause, (t.sentence,))), t.scope, t.doc),
                     strict=True))
            for t in rows]


def area_counts(rows: Sequence[Target], docs_by_name: dict[str, ParsedDocument]) -> dict[str, int]:
    """Targets per area, areas in document order."""
    return dict(Counter(target_area(docs_by_name[t.doc], t.clause) for t in rows))


@st.cache_data(show_spinner="正在提取目标……", max_entries=8)
def _cached_targets(_engine: PolicyKb, config: Config, generation: int) -> list[Target]:
    """Keyed by the index generation: reruns and other sessions reuse it."""
    return targets(_engine.documents())


def render(engine: PolicyKb) -> None:
    st.title("目标指标")
    st.caption("文件中带时限和数值的量化目标；点击条款编号在新标签页中打开原文。")
    docs = engine.documents()
    docs_by_name = {d.meta.citation_name: d for d in docs}
    everything = _cached_targets(engine, engine.config, engine.generation())
    with st.container(horizontal=True, gap="medium"):
        chosen_docs = st.multiselect("文件", list(docs_by_name), key="targets_docs", placeholder="全部文件")
        deadlines = list(dict.fromkeys(t.deadline_or_period for t in everything))
        chosen_deadlines = st.multiselect("时限", deadlines, key="targets_deadlines", placeholder="全部时限")
    rows = filtered_targets(everything, chosen_docs, chosen_deadlines)
    st.subheader(f"共 {len(rows)} 项目标")
    download_buttons(rows, Target, "targets")
    doc_ids = {name: d.meta.doc_id for name, d in docs_by_name.items()}
    shown = [c for c in TABLE_COLUMNS if c != DOC_COLUMN or len({t.doc for t in rows}) > 1]
    st.dataframe(pd.DataFrame(target_records(rows, doc_ids), columns=list(TABLE_COLUMNS)), hide_index=True,
                 width="stretch", height="content", column_order=shown, column_config=COLUMN_CONFIG)
    counts = area_counts(rows, docs_by_name)
    if len(counts) > 1:  # one bar says nothing the heading does not
        st.subheader("各领域目标数")
        st.altair_chart(area_chart(counts), width="stretch")


def area_chart(counts: dict[str, int]) -> alt.Chart:
    """Horizontal bars in document order, with the areas' full titles (Streamlit's bar chart cuts them short)."""
    data = pd.DataFrame({"领域": list(counts), "目标数": list(counts.values())})
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("目标数:Q", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("领域:N", sort=None, title=None, axis=alt.Axis(labelLimit=400)),
        tooltip=["领域", "目标数"],
    )
