"""文件: the indexed documents with their metadata, and a clause tree browser with search inside a document."""

from __future__ import annotations

import html

import streamlit as st

from kb.app_pages.context import LEVEL_NAMES, clause_title, excerpt, marked_html, matching_clauses
from kb.engine import PolicyKb
from kb.schema import Clause, ParsedDocument

UNTITLED_CLAUSE_CHARS = 24


def metadata_fields(doc: ParsedDocument) -> dict[str, str]:
    """The facts a reader checks first, in Chinese, leaving out what the document does not state."""
    meta = doc.meta
    fields = {
        "文号": meta.doc_number,
        "发文机关": meta.issuer,
        "成文日期": meta.date,
        "层级": LEVEL_NAMES.get(meta.level, meta.level),
        "贯彻落实": "、".join(meta.implements),
        "条款数": str(len(doc.clauses)),
        "文档标识": meta.doc_id,
    }
    return {name: value for name, value in fields.items() if value}


def document_card(doc: ParsedDocument) -> None:
    with st.container(border=True):
        st.markdown(f"**{doc.meta.title or doc.meta.doc_id}**")
        fields = "".join(f'<span class="kb-field">{html.escape(name)}：{html.escape(value)}</span>'
                         for name, value in metadata_fields(doc).items())
        st.markdown(fields, unsafe_allow_html=True)


def tree_label(clause: Clause) -> str:
    """Indented by depth, so the flat list of expanders reads as the document's outline."""
    title = clause_title(clause) if clause.heading else f"{clause.label} {excerpt(clause.text, UNTITLED_CLAUSE_CHARS)}"
    return "\u3000" * max(clause.level - 1, 0) + title


def render(engine: PolicyKb) -> None:
    st.title("文件")
    docs = engine.documents()
    if not docs:
        st.info("索引中还没有文件。把文件放进语料目录后重新启动应用，或运行 `kb ingest`。")
        return
    st.caption(f"已收录 {len(docs)} 份文件")
    for doc in docs:
        document_card(doc)
    by_id = {d.meta.doc_id: d for d in docs}
    chosen = st.selectbox("浏览文件条款", list(by_id), key="documents_doc",
                          format_func=lambda doc_id: f"{by_id[doc_id].meta.citation_name}　{by_id[doc_id].meta.title}")
    doc = by_id[chosen]
    query = st.text_input("在本文件中搜索", key="documents_query", placeholder="例如：森林覆盖率、绿色金融、二（一）")
    clauses = matching_clauses(doc, query)
    if query.strip():
        st.caption(f"共有 {len(clauses)} 个条款包含“{query.strip()}”")
    for clause in clauses:
        with st.expander(tree_label(clause), expanded=bool(query.strip())):
            st.markdown(f'<div class="kb-clause">{marked_html(clause.text, ["".join(query.split())])}</div>',
                        unsafe_allow_html=True)
