"""企业合规: the sentences that bind, prohibit, permit, encourage, punish or set targets for an industry, grouped by
clause in document order.

A user picks industries from the vocabulary or describes the business in their own words ("我们是做快递包装的");
every clause links to the 文件 page's clause browser with the listed sentences highlighted. A duty shows whom it
binds and, where a penalty provision cites it, the penalty, its clause and the body that imposes it.
"""

from __future__ import annotations

import itertools
import tempfile
from functools import partial
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from kb.app.render import escape_html
from kb.app.pages.context import marked_html
from kb.app.pages.documents import ClauseLink, clause_url
from kb.config import Config
from kb.engine import PolicyKb
from kb.analysis.obligations import OBLIGATION_NAMES_ZH
from kb.analysis.requirements import Requirement, requirement_sources
from kb.analysis.tables import render as render_table
from kb.analysis.vocabulary import TermKind, match_industries, vocabulary_names
from kb.schema import ExportFormat, ObligationType, ParsedDocument

# The order a compliance reader cares about: what is required or forbidden first, plain work arrangements last.
OBLIGATION_ORDER = (ObligationType.BINDING, ObligationType.PROHIBITION, ObligationType.PENALTY,
                    ObligationType.PERMISSION, ObligationType.ENCOURAGED, ObligationType.TARGET,
                    ObligationType.ARRANGEMENT)
MAX_GROUPS_SHOWN = 200  # beyond this the page is too long to read (and slow to draw); downloads hold every row
DOWNLOADS = {ExportFormat.CSV: ("CSV", "text/csv"),
             ExportFormat.XLSX: ("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


@dataclass(frozen=True)
class ClauseGroup:
    """The matching sentences of one clause."""

    doc: str  # 文号 (or short id)
    clause: str
    heading: str
    rows: tuple[Requirement, ...]

    @property
    def citation(self) -> str:
        return f"{self.doc} {self.clause} {self.heading}".strip()


def wanted_industries(picked: Sequence[str], description: str) -> list[str]:
    """The picked industries, then those the description names, each once."""
    return list(dict.fromkeys([*picked, *match_industries(description)]))


def matching_requirements(docs: Sequence[ParsedDocument], industries: Collection[str],
                          obligations: Collection[str]) -> list[Requirement]:
    """Sentences of the chosen obligation types naming any of the industries (every industry when none)."""
    wanted = set(industries)
    return [row for _, _, row in requirement_sources(docs, wanted or None) if row.obligation in obligations
            and (not wanted or wanted & set(row.industries))]


@st.cache_data(show_spinner="正在查找条款……", max_entries=32)
def _cached_requirements(_engine: PolicyKb, config: Config, generation: int, industries: tuple[str, ...],
                         obligations: tuple[str, ...]) -> list[Requirement]:
    """Keyed by the index generation and the filters: reruns and other sessions reuse it (every sentence of
    1,000 documents takes seconds to classify)."""
    return matching_requirements(_engine.documents(), industries, obligations)


def grouped_by_clause(rows: Sequence[Requirement]) -> list[ClauseGroup]:
    """Consecutive rows of one clause together; rows come in document order, so each clause is one group."""
    groups = []
    for (doc, clause), members in itertools.groupby(rows, key=lambda r: (r.doc, r.clause)):
        group_rows = tuple(members)
        groups.append(ClauseGroup(doc, clause, group_rows[0].heading, group_rows))
    return groups


def table_file(rows: Sequence[object], row_type: type, fmt: str) -> bytes:
    """The rows as a csv (with a BOM, for Excel) or xlsx file, written by kb.analysis.tables like `kb requirements -o`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"table.{fmt}"
        render_table(rows, fmt, path, row_type=row_type)
        return path.read_bytes()


def download_buttons(rows: Sequence[object], row_type: type, file_stem: str) -> None:
    # The files are written when a button is clicked, not on every rerun: an Excel file of 100,000 rows takes
    # about 20 s.
    with st.container(horizontal=True, gap="small"):
        for fmt, (name, mime) in DOWNLOADS.items():
            st.download_button(f"下载 {name}", data=partial(table_file, rows, row_type, fmt),
                               file_name=f"{file_stem}.{fmt}",
                               mime=mime, on_click="ignore", icon=":material/download:", disabled=not rows,
                               key=f"{file_stem}_{fmt}")


def requirement_html(row: Requirement) -> str:
    notes = [f"依据词：{row.cue}"] if row.cue else []
    if row.industries:
        notes.append(f"涉及：{'、'.join(row.industries)}")
    if row.holder:
        notes.append(f"义务人：{'、'.join(row.holder)}")
    if row.penalty:
        where = f"（{row.penalty_clause}）" if row.penalty_clause != row.clause else ""
        notes.append(f"罚则：{row.penalty}{where}")
    if row.enforcer:
        notes.append(f"执法机关：{row.enforcer}")
    note = f'<span class="kb-note">{escape_html("　".join(notes))}</span>' if notes else ""
    return (f'<div class="kb-row"><span class="kb-tag kb-{row.obligation}">{OBLIGATION_NAMES_ZH[row.obligation]}'
            f'</span>{marked_html(row.sentence, [row.cue])}{note}</div>')


def group_html(group: ClauseGroup, doc_id: str) -> str:
    url = clause_url(ClauseLink(doc_id, group.clause, tuple(r.sentence for r in group.rows)))
    link = (f'<a class="kb-cite" href="{escape_html(url)}" title="在文件页的条款目录中查看">'
            f'{escape_html(group.citation)} ↗</a>')
    return f'<div class="kb-group">{link}{"".join(requirement_html(r) for r in group.rows)}</div>'


def render(engine: PolicyKb) -> None:
    st.title("企业合规")
    st.caption("选择行业或用自己的话描述业务，列出文件中对该行业的义务、禁止、罚则、允许、鼓励、量化目标和工作部署，"
               "按条款排列并注明出处；义务注明义务人，以及引用它的罚则条款和执法机关。")
    docs = engine.documents()
    picked = st.multiselect("行业", vocabulary_names(TermKind.INDUSTRY), key="requirements_industries",
                            placeholder="选择行业")
    description = st.text_input("或描述您的业务", key="requirements_description",
                                placeholder="例如：我们是做快递包装的")
    understood = match_industries(description)
    if description.strip():
        st.caption(f"识别到的行业：{'、'.join(understood)}" if understood else
                   "没有识别出行业，请换个说法或在上方选择行业。")
    obligations = st.multiselect("条款类型", OBLIGATION_ORDER, default=OBLIGATION_ORDER, key="requirements_types",
                                 format_func=OBLIGATION_NAMES_ZH.__getitem__)
    industries = wanted_industries(picked, description)
    rows = _cached_requirements(engine, engine.config, engine.generation(), tuple(industries),
                                tuple(obligations))
    groups = grouped_by_clause(rows)
    scope = "、".join(industries) if industries else "全部行业"
    st.subheader(f"{scope}：{len(groups)} 个条款，{len(rows)} 句")
    download_buttons(rows, Requirement, "requirements")
    if len(groups) > MAX_GROUPS_SHOWN:
        st.caption(f"页面列出前 {MAX_GROUPS_SHOWN} 个条款；全部 {len(groups)} 个条款在下载的表格中。")
    doc_ids = {d.meta.citation_name: d.meta.doc_id for d in docs}
    for group in groups[:MAX_GROUPS_SHOWN]:
        st.markdown(group_html(group, doc_ids[group.doc]), unsafe_allow_html=True)
