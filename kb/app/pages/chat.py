"""问答: the chat page. Every answer shows the clauses it rests on; each opens in its document context, beside the
clauses it implements or that implement it when an implementation document and its national document are loaded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from kb.app.pages.context import LinkedClause, clause_context, context_html, linked_clause_html, linked_clauses
from kb.app.pages.documents import ClauseLink, clause_url, crosswalk_links
from kb.engine import PolicyKb, Turn
from kb.errors import KbError
from kb.app.export_chat import conversation_markdown, export_file_name
from kb.app.feedback import Feedback, FeedbackStore
from kb.app.render import escape_markdown, markdown_lines
from kb.schema import Answer, AnswerOrigin, AnswerStatus, Citation, Hit, ParsedDocument, RetrievalMode

MODE_LABELS = {RetrievalMode.HYBRID: "混合检索（推荐）", RetrievalMode.BM25: "关键词检索", RetrievalMode.DENSE: "语义检索"}
EXAMPLE_QUESTIONS = (
    "到2025年全市森林覆盖率要达到多少？",
    "如何壮大绿色环保产业？",
    "绿色金融方面有哪些支持措施？",
)
CHIP_HEADING_CHARS = 14
TURNS_KEY = "chat_turns"
SESSION_ID_KEY = "chat_session_id"
PENDING_KEY = "chat_pending_question"


@dataclass(frozen=True)
class SearchSettings:
    """What the sidebar chose: documents and levels to search (empty: all), retrieval mode, number of sources."""

    docs: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()  # national, provincial, municipal, county, other
    mode: RetrievalMode = RetrievalMode.HYBRID
    top_k: int = 5
    use_llm: bool = False


@dataclass(frozen=True)
class ChatTurn:
    turn_id: str
    question: str
    answer: Answer | None = None
    error: str = ""  # a KbError message when the question could not be answered at all


def conversation() -> list[ChatTurn]:
    return st.session_state.setdefault(TURNS_KEY, [])


def session_id() -> str:
    return st.session_state.setdefault(SESSION_ID_KEY, uuid.uuid4().hex)


def ask(engine: PolicyKb, question: str, settings: SearchSettings, earlier: list[ChatTurn]) -> ChatTurn:
    """Answer `question` with the earlier answered turns as history, so follow-ups resolve."""
    history = [Turn(t.question, t.answer) for t in earlier if t.answer is not None]
    turn_id = uuid.uuid4().hex
    try:
        answer = engine.ask(question, history=history, mode=settings.mode, top_k=settings.top_k,
                            docs=settings.docs, levels=settings.levels, use_llm=settings.use_llm)
    except KbError as exc:
        return ChatTurn(turn_id, question, error=str(exc))
    return ChatTurn(turn_id, question, answer)


# -- one clause chip: its label on a button, its context in a popover ------------------------------------------------
@dataclass(frozen=True)
class CitedClause:
    """A clause cited once or more by an answer (a list answer may quote several of its sentences)."""

    doc: str
    clause: str
    heading: str
    quotes: tuple[str, ...]


def cited_clauses(citations: tuple[Citation, ...]) -> list[CitedClause]:
    grouped: dict[tuple[str, str], CitedClause] = {}
    for c in citations:
        known = grouped.get((c.doc, c.clause))
        quotes = (*known.quotes, c.quote) if known else (c.quote,)
        grouped[(c.doc, c.clause)] = CitedClause(c.doc, c.clause, c.heading, quotes)
    return list(grouped.values())


def related_clauses(hits: tuple[Hit, ...]) -> list[CitedClause]:
    return [CitedClause(h.citation_name, h.clause_label, h.heading, (h.best_sentence,)) for h in hits]


def chip_label(doc: str, clause: str, heading: str) -> str:
    """The chip's text, escaped: a popover label is Markdown."""
    short = heading if len(heading) <= CHIP_HEADING_CHARS else heading[:CHIP_HEADING_CHARS] + "…"
    return escape_markdown(f"{doc} {clause} {short}".strip())


def clause_chip(engine: PolicyKb, cited: CitedClause) -> None:
    with st.popover(chip_label(cited.doc, cited.clause, cited.heading), icon=":material/description:"):
        try:
            doc = engine.document(cited.doc)
        except KbError as exc:
            st.error(escape_markdown(str(exc)))
            return
        context = clause_context(doc, cited.clause)
        if context is None:
            st.warning(f"索引中已找不到条款 {escape_markdown(cited.clause)}，文件可能已更新，请重新提问。")
            return
        st.markdown(context_html(doc, context, cited.quotes), unsafe_allow_html=True)
        crosswalk_notes(engine, doc, cited.clause)


def crosswalk_notes(engine: PolicyKb, doc: ParsedDocument, label: str) -> None:
    """The clauses this clause implements and those implementing it, by the crosswalk; nothing without a pair."""
    implemented, implementing = linked_clauses(crosswalk_links(engine), doc.meta.doc_id, label)
    if not implemented and not implementing:
        return
    documents = {d.meta.doc_id: d for d in engine.documents()}
    for title, linked in (("本条贯彻落实的条款", implemented), ("贯彻落实本条的条款", implementing)):
        shown = [clause for clause in linked if clause.doc_id in documents]  # a document removed meanwhile drops out
        if shown:
            st.caption(title)
            st.markdown("".join(_linked_html(documents[clause.doc_id], clause) for clause in shown),
                        unsafe_allow_html=True)


def _linked_html(doc: ParsedDocument, linked: LinkedClause) -> str:
    return linked_clause_html(doc, linked, clause_url(ClauseLink(linked.doc_id, linked.clause)))


def clause_chips(engine: PolicyKb, clauses: list[CitedClause]) -> None:
    with st.container(horizontal=True, gap="small"):
        for cited in clauses:
            clause_chip(engine, cited)


# -- one turn -----------------------------------------------------------------------------------------------------
def render_answer(engine: PolicyKb, answer: Answer) -> None:
    if answer.notices:  # e.g. the vector store is down: ranked by keyword search alone
        st.warning("本次回答在降级模式下检索：" + "；".join(escape_markdown(n) for n in answer.notices),
                   icon=":material/warning:")
    if answer.status == AnswerStatus.ANSWERED:
        st.markdown(markdown_lines(answer.text))  # as text, one item per line as the answer lays it out
        if answer.origin == AnswerOrigin.FALLBACK:
            st.caption("语言模型的回答未能逐句核实，以上为条款原文。")
        st.caption("依据条款（点击查看原文）")
        clause_chips(engine, cited_clauses(answer.citations))
        cited = {(c.doc, c.clause) for c in answer.citations}
        others = tuple(h for h in answer.retrieved if (h.citation_name, h.clause_label) not in cited)
        if others:
            with st.expander(f"其他检索到的条款（{len(others)}）"):
                clause_chips(engine, related_clauses(others))
    else:
        reason = f"：{escape_markdown(answer.refusal_reason)}" if answer.refusal_reason else ""
        st.warning(f"**未找到**能直接回答这个问题的条款{reason}。下面是可能相关的条款，请核对原文，或换个说法再问。",
                   icon=":material/search_off:")
        clause_chips(engine, related_clauses(answer.retrieved))
    total_ms = answer.timings_ms.get("total")
    if total_ms is not None:
        st.caption(f"回答用时 {total_ms:.0f} 毫秒" if total_ms < 1000 else f"回答用时 {total_ms / 1000:.1f} 秒")


def _save_feedback(store: FeedbackStore, turn: ChatTurn) -> None:
    rating = st.session_state.get(f"rating-{turn.turn_id}")
    if rating is None or turn.answer is None:
        return
    answer = turn.answer
    store.save(Feedback(
        answer_id=turn.turn_id, session_id=session_id(), question=turn.question, answer_status=answer.status,
        answer_text=answer.text, citations=tuple(f"{c.doc} {c.clause}" for c in answer.citations),
        rating=1 if rating == 1 else -1, comment=st.session_state.get(f"comment-{turn.turn_id}", ""),
    ))


def feedback_row(store: FeedbackStore, turn: ChatTurn) -> None:
    rating_key = f"rating-{turn.turn_id}"
    st.feedback("thumbs", key=rating_key, on_change=_save_feedback, args=(store, turn))
    if st.session_state.get(rating_key) is not None:
        st.text_input("补充意见（可选，按回车保存）", key=f"comment-{turn.turn_id}",
                      on_change=_save_feedback, args=(store, turn), placeholder="例如：应引用哪一条")
        st.caption("已记录您的反馈，谢谢。")


def render_turn(engine: PolicyKb, store: FeedbackStore, turn: ChatTurn) -> None:
    with st.chat_message("user"):
        st.markdown(markdown_lines(turn.question))
    with st.chat_message("assistant"):
        if turn.answer is None:
            st.error(escape_markdown(turn.error))
            return
        render_answer(engine, turn.answer)
        feedback_row(store, turn)


# -- the page -----------------------------------------------------------------------------------------------------
def _queue_question(question: str) -> None:
    st.session_state[PENDING_KEY] = question


def _clear_conversation() -> None:
    st.session_state[TURNS_KEY] = []


def welcome() -> None:
    st.markdown("请用自然语言提问，回答均摘自文件原文，并注明出处条款。可以追问，例如先问"
                "“到2025年的主要目标是什么？”，再问“那2035年呢？”。")
    with st.container(horizontal=True, gap="small"):
        for number, question in enumerate(EXAMPLE_QUESTIONS):
            st.button(question, key=f"example-{number}", on_click=_queue_question, args=(question,))


def export_controls(turns: list[ChatTurn]) -> None:
    answers = [t.answer for t in turns if t.answer is not None]
    now = datetime.now()
    with st.sidebar:
        st.divider()
        st.download_button("导出对话（Markdown）", data=conversation_markdown(answers, now),
                           file_name=export_file_name(now), mime="text/markdown", disabled=not answers,
                           on_click="ignore", icon=":material/download:", width="stretch")
        st.button("清空对话", on_click=_clear_conversation, disabled=not turns, width="stretch",
                  icon=":material/delete:")


def render(engine: PolicyKb, store: FeedbackStore, settings: SearchSettings) -> None:
    st.title("政策文件问答")
    turns = conversation()
    question = st.chat_input("请输入问题，例如：到2025年全市森林覆盖率要达到多少？",
                             max_chars=engine.config.max_question_chars)
    question = question or st.session_state.pop(PENDING_KEY, None)
    if not turns and not question:
        welcome()
    for turn in turns:
        render_turn(engine, store, turn)
    export_controls(turns)
    if question:
        with st.chat_message("user"):
            st.markdown(markdown_lines(question))
        with st.chat_message("assistant"), st.spinner("正在检索条款……"):
            turns.append(ask(engine, question, settings, turns))
        st.rerun()  # draw the new turn like every other, and let the export include it
