"""文件: the indexed documents — add (upload or URL), remove, correct metadata, the crosswalk of an implementation
document with the document it implements, references to documents not loaded — and a clause tree browser.

Other pages link here with ?doc=<doc_id>&clause=<label>[&mark=<sentence>…] (see clause_url): the linked clause is
shown in its context at the top of the page and expanded in the tree, its marked sentences highlighted.

Adding, editing and removing documents needs the admin token (KB_ADMIN_TOKEN, or admin_token in Streamlit secrets),
typed into a password field; without one configured the page is read-only and says how to enable changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import fields as field_specs
from urllib.parse import urlencode

import streamlit as st

from kb.api.auth import same_secret
from kb.app.render import escape_html, escape_markdown
from kb.app.pages.context import (
    LEVEL_NAMES, clause_context, clause_title, context_html, excerpt, marked_html, matching_clauses,
)
from kb.config import Config
from kb.search.crosswalk import CrosswalkLink
from kb.engine import PolicyKb
from kb.errors import KbError
from kb.indexing.ingest import IngestReport, Progress
from kb.schema import EDITABLE_FIELDS, Clause, DocMeta, ParsedDocument

URL_PATH = "documents"
DOC_PARAM, CLAUSE_PARAM, MARK_PARAM = "doc", "clause", "mark"
UPLOAD_TYPES = ("txt", "md", "docx", "pdf", "html", "htm")
UNTITLED_CLAUSE_CHARS = 24
DOC_KEY = "documents_doc"
NOTICE_KEY = "documents_notice"
UPLOAD_ROUND_KEY = "documents_upload_round"  # a new uploader key empties the uploader after a successful add
STAGE_NAMES = {"embed": "正在计算向量"}
# What the metadata form edits: kb.schema's editable DocMeta fields -> their labels (level has its own selectbox).
EDITABLE_TEXT_FIELDS = {spec.name: spec.metadata["editable"] for spec in field_specs(DocMeta)
                        if "editable" in spec.metadata and spec.name != "level"}


# -- links from other pages into the clause browser -------------------------------------------------------------------
@dataclass(frozen=True)
class ClauseLink:
    doc: str  # doc_id (a 文号 resolves too)
    clause: str  # clause label, "" for the document alone
    marks: tuple[str, ...] = ()  # sentences to highlight in the clause


def clause_url(link: ClauseLink) -> str:
    """A link relative to any page of the app (pages sit side by side under the app's root)."""
    pairs = [(DOC_PARAM, link.doc), (CLAUSE_PARAM, link.clause), *((MARK_PARAM, mark) for mark in link.marks)]
    return f"{URL_PATH}?{urlencode(pairs)}"


def clause_link_from_query(query: Mapping[str, Sequence[str]]) -> ClauseLink | None:
    """The link a query string (parameter -> all its values) carries; None without a document."""
    docs, clauses = query.get(DOC_PARAM, ()), query.get(CLAUSE_PARAM, ())
    if not docs:
        return None
    return ClauseLink(docs[-1], clauses[-1] if clauses else "", tuple(query.get(MARK_PARAM, ())))


def find_document(docs: Sequence[ParsedDocument], name: str) -> ParsedDocument | None:
    return next((d for d in docs if name in (d.meta.doc_id, d.meta.doc_number)), None)


def _page_link() -> ClauseLink | None:
    return clause_link_from_query({key: st.query_params.get_all(key) for key in st.query_params})


def _forget_link() -> None:
    """Choosing another document leaves the link behind, so it no longer overrides the choice."""
    st.query_params.clear()


def show_linked_clause(doc: ParsedDocument, link: ClauseLink) -> None:
    context = clause_context(doc, link.clause) if link.clause else None
    if context is None:
        if link.clause:
            st.warning(escape_markdown(f"{doc.meta.citation_name} 中没有条款 {link.clause}，文件可能已更新。"))
        return
    with st.container(border=True):
        st.caption("链接指向的条款（下方条款目录中已展开）")
        st.markdown(context_html(doc, context, link.marks), unsafe_allow_html=True)


# -- the crosswalk and references -------------------------------------------------------------------------------------
@st.cache_data(show_spinner="正在对照条款……", max_entries=8)
def _crosswalk(_engine: PolicyKb, config: Config, generation: int) -> list[CrosswalkLink]:
    """Keyed by the engine's config and the index generation: sessions share it, a changed index recomputes it."""
    try:
        return _engine.crosswalk()
    except KbError:  # no implementation document is loaded together with the document it implements
        return []


def crosswalk_links(engine: PolicyKb) -> list[CrosswalkLink]:
    """The links of every loaded implementation pair; empty when no pair is loaded."""
    return _crosswalk(engine, engine.config, engine.generation())


def crosswalk_table_html(links: Sequence[CrosswalkLink], local: DocMeta, national: DocMeta) -> str:
    """One row per local clause: it and its national clause, each linking into the clause browser, and the score."""
    def cell(doc_id: str, label: str, heading: str) -> str:
        url, text = escape_html(clause_url(ClauseLink(doc_id, label))), escape_html(f"{label} {heading}".strip())
        return f'<td><a href="{url}" title="在文件页的条款目录中查看">{text}</a></td>'

    rows = "".join(f"<tr>{cell(link.local_doc, link.local_clause, link.local_heading)}"
                   f"{cell(link.national_doc, link.national_clause, link.national_heading)}"
                   f"<td>{link.score:.2f}</td></tr>" for link in links)
    head = (f"<tr><th>{escape_html(local.citation_name)} 条款</th><th>{escape_html(national.citation_name)} 条款</th>"
            "<th>匹配度</th></tr>")
    return f'<table class="kb-crosswalk"><thead>{head}</thead><tbody>{rows}</tbody></table>'


def crosswalk_sections(doc: ParsedDocument, links: Sequence[CrosswalkLink], metas: Mapping[str, DocMeta]) -> None:
    """A 对照 expander for each pair the document belongs to, whether as the implementation or as the national one."""
    doc_id = doc.meta.doc_id
    pairs = dict.fromkeys((link.local_doc, link.national_doc) for link in links
                          if doc_id in (link.local_doc, link.national_doc))  # ordered set
    for local_id, national_id in pairs:
        if local_id not in metas or national_id not in metas:
            continue  # a document removed since the crosswalk was computed
        rows = [link for link in links if (link.local_doc, link.national_doc) == (local_id, national_id)]
        local, national = metas[local_id], metas[national_id]
        title = f"对照：{local.citation_name} 贯彻落实 {national.citation_name}（{len(rows)} 个条款）"
        with st.expander(escape_markdown(title), icon=":material/compare_arrows:"):
            st.markdown(crosswalk_table_html(rows, local, national), unsafe_allow_html=True)


def unloaded_references_note(references: Sequence[tuple[str, str]]) -> str:
    cited = "、".join(f"《{title}》（{number}）" for title, number in references)
    return f"引用但未收录：{cited}。可在上方“添加文件”中上传文件或输入网址添加。"


# -- changing the corpus ----------------------------------------------------------------------------------------------
ADMIN_TOKEN_KEY = "documents_admin_token"
READ_ONLY_NOTE = ("只读模式：未设置管理口令，不能添加、修改或删除文件。如需启用，请设置环境变量 KB_ADMIN_TOKEN"
                  "（或在 Streamlit secrets 中设置 admin_token）后重启应用。")


def configured_admin_token(config: Config) -> str:
    """KB_ADMIN_TOKEN (config.admin_token), else admin_token in Streamlit secrets; "" when neither is set."""
    if config.admin_token:
        return config.admin_token
    try:
        return str(st.secrets.get("admin_token", ""))
    except FileNotFoundError:  # no secrets file at all
        return ""


def changes_allowed(config: Config) -> bool:
    """Whether this session may change the corpus: the admin token is configured and typed correctly."""
    expected = configured_admin_token(config)
    if not expected:
        st.info(READ_ONLY_NOTE, icon=":material/lock:")
        return False
    typed = st.text_input("管理口令", type="password", key=ADMIN_TOKEN_KEY,
                          help="添加、修改或删除文件需要管理口令；只浏览和问答不需要。")
    matches = bool(typed) and same_secret(typed, expected)
    if typed and not matches:
        st.error("管理口令不正确。")
    return matches


def report_summary(report: IngestReport) -> str:
    """What a change did, in one line, e.g. "新增 cq-2022-1；删除 cq-2021-31"."""
    parts = [f"{name} {'、'.join(ids)}" for name, ids in
             (("新增", report.added), ("更新", report.updated), ("删除", report.removed)) if ids]
    if report.unstructured:
        parts.append(f"未识别到条款编号、按段落索引的文件 {'、'.join(report.unstructured)}")
    if report.skipped:
        parts.append(f"无法读取、已跳过：{'；'.join(report.skipped)}")
    return "；".join(parts) or "内容没有变化"


def apply_change(change: Callable[[Progress], IngestReport]) -> bool:
    """Run one corpus change with a progress bar; a KbError is shown and changes nothing."""
    bar = st.progress(0.0, text="正在处理……")

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"{STAGE_NAMES.get(stage, stage)} {done}/{total}")

    try:
        report = change(progress)
    except KbError as exc:
        bar.empty()
        st.error(escape_markdown(str(exc)))
        return False
    st.session_state[NOTICE_KEY] = f"完成：{report_summary(report)}"
    return True


def add_documents(engine: PolicyKb) -> None:
    with st.expander("添加文件", icon=":material/upload_file:"):
        upload_tab, url_tab = st.tabs(["上传文件", "通过网址添加"])
        with upload_tab:
            round_number = st.session_state.setdefault(UPLOAD_ROUND_KEY, 0)
            uploaded = st.file_uploader("选择文件（.txt .md .docx .pdf .html）", type=list(UPLOAD_TYPES),
                                        key=f"documents_upload_{round_number}",
                                        help="与已收录文件文号相同的文件会替换原文件")
            clicked = st.button("添加到知识库", key="documents_add_upload", disabled=uploaded is None,
                                icon=":material/add:")
            if clicked and uploaded is not None and apply_change(
                    lambda progress: engine.add_bytes(uploaded.getvalue(), uploaded.name, progress=progress)):
                st.session_state[UPLOAD_ROUND_KEY] = round_number + 1
                st.rerun()
        with url_tab:
            url = st.text_input("网址", key="documents_url", placeholder="https://www.gov.cn/zhengce/…")
            clicked = st.button("抓取并添加", key="documents_add_url", disabled=not url.strip(), icon=":material/link:")
            if clicked and apply_change(lambda progress: engine.add([url.strip()], progress=progress)):
                st.rerun()


def editable_values(meta: DocMeta) -> dict[str, str]:
    """The metadata a user may correct, as the form shows it (implements as "、"-joined 文号)."""
    values = {name: getattr(meta, name) for name in EDITABLE_FIELDS}
    return {name: "、".join(value) if isinstance(value, tuple) else value for name, value in values.items()}


def changed_metadata(meta: DocMeta, edited: Mapping[str, str]) -> dict[str, str]:
    """The edited fields whose value differs from the document's."""
    current = editable_values(meta)
    return {name: value.strip() for name, value in edited.items() if value.strip() != current[name]}


def metadata_form(engine: PolicyKb, meta: DocMeta) -> None:
    with st.form(key=f"documents_meta_{meta.doc_id}", border=False):
        current = editable_values(meta)
        edited = {name: st.text_input(label, current[name], key=f"documents_{name}_{meta.doc_id}")
                  for name, label in EDITABLE_TEXT_FIELDS.items()}
        levels = list(LEVEL_NAMES)
        level = st.selectbox("层级", levels, index=levels.index(meta.level) if meta.level in levels else None,
                             format_func=LEVEL_NAMES.__getitem__, key=f"documents_level_{meta.doc_id}")
        edited["level"] = level or ""
        if not st.form_submit_button("保存", icon=":material/save:"):
            return
    changes = changed_metadata(meta, edited)
    if not changes:
        st.info("没有修改。")
    elif apply_change(lambda progress: engine.update_metadata(meta.doc_id, **changes)):
        st.rerun()


def remove_confirmation(engine: PolicyKb, meta: DocMeta) -> None:
    st.warning(escape_markdown(f"从知识库删除 {meta.citation_name}？语料目录中的文件和全部索引都会删除，不能撤销。"))
    clicked = st.button("确认删除", key=f"documents_remove_{meta.doc_id}", type="primary", icon=":material/delete:")
    if clicked and apply_change(lambda progress: engine.remove(meta.doc_id)):
        st.rerun()


# -- the documents and their clauses ----------------------------------------------------------------------------------
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


def document_card(engine: PolicyKb, doc: ParsedDocument, links: Sequence[CrosswalkLink],
                  metas: Mapping[str, DocMeta], can_change: bool) -> None:
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(doc.meta.title or doc.meta.doc_id)}**")
        fields = "".join(f'<span class="kb-field">{escape_html(name)}：{escape_html(value)}</span>'
                         for name, value in metadata_fields(doc).items())
        st.markdown(f"<div>{fields}</div>", unsafe_allow_html=True)  # a block: Markdown is not read inside it
        references = engine.unloaded_references(doc)
        if references:
            st.caption(escape_markdown(unloaded_references_note(references)))
        crosswalk_sections(doc, links, metas)
        if not can_change:
            return
        with st.container(horizontal=True, gap="small"):
            with st.popover("修改信息", icon=":material/edit:"):
                metadata_form(engine, doc.meta)
            with st.popover("删除", icon=":material/delete:"):
                remove_confirmation(engine, doc.meta)


def tree_label(clause: Clause) -> str:
    """Indented by depth, so the flat list of expanders reads as the document's outline."""
    title = clause_title(clause) if clause.heading else f"{clause.label} {excerpt(clause.text, UNTITLED_CLAUSE_CHARS)}"
    return "\u3000" * max(clause.level - 1, 0) + title


def clause_tree(doc: ParsedDocument, link: ClauseLink | None) -> None:
    query = st.text_input("在本文件中搜索", key="documents_query", placeholder="例如：森林覆盖率、绿色金融、二（一）")
    needle = "".join(query.split())
    clauses = matching_clauses(doc, query)
    if needle:
        st.caption(f"共有 {len(clauses)} 个条款包含“{escape_markdown(query.strip())}”")
    linked_label, linked_marks = (link.clause, link.marks) if link else ("", ())
    for clause in clauses:
        linked = clause.label == linked_label
        marks = [needle, *(linked_marks if linked else ())]
        with st.expander(escape_markdown(tree_label(clause)), expanded=bool(needle) or linked,
                         icon=":material/my_location:" if linked else None):
            st.markdown(f'<div class="kb-clause">{marked_html(clause.text, marks)}</div>', unsafe_allow_html=True)


def render(engine: PolicyKb) -> None:
    st.title("文件")
    docs = engine.documents()
    link = _page_link()
    linked_doc = find_document(docs, link.doc) if link else None
    if link and linked_doc is None:
        st.warning(escape_markdown(f"链接指向的文件 {link.doc} 不在知识库中。"))
    if link and linked_doc:
        show_linked_clause(linked_doc, link)
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.success(escape_markdown(notice), icon=":material/check_circle:")
    can_change = changes_allowed(engine.config)
    if can_change:
        add_documents(engine)
    if not docs:
        st.info("知识库中还没有文件：请在上方上传文件或输入网址添加，或运行 `kb add 文件`。")
        return
    st.caption(f"已收录 {len(docs)} 份文件")
    metas = {d.meta.doc_id: d.meta for d in docs}
    links = crosswalk_links(engine)
    for doc in docs:
        document_card(engine, doc, links, metas, can_change)
    by_id = {d.meta.doc_id: d for d in docs}
    if linked_doc is not None:
        st.session_state[DOC_KEY] = linked_doc.meta.doc_id
    elif st.session_state.get(DOC_KEY) not in by_id:
        st.session_state.pop(DOC_KEY, None)  # the document chosen before was removed
    chosen = st.selectbox("浏览文件条款", list(by_id), key=DOC_KEY, on_change=_forget_link,
                          format_func=lambda doc_id: f"{by_id[doc_id].meta.citation_name}　{by_id[doc_id].meta.title}")
    clause_tree(by_id[chosen], link if linked_doc is by_id[chosen] else None)
