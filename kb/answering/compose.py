"""Composing an extractive answer: verbatim sentences, each with its 〔文号 条款〕 marker and checked to be a span of
its clause before it is shown; and the refusal that names the closest clauses."""

from __future__ import annotations

from collections.abc import Sequence

from kb.answering.evidence import ScoredSentence
from kb.answering.intent import QuestionIntent
from kb.schema import Answer, AnswerStatus, Citation, DocMeta, Hit
from kb.store.snapshot import Snapshot
from kb.text.sentences import ITEM_MARK

MAX_RELATED = 3
UNNAMED_HEDGE = "文件未明确"  # how an answer says its provision names no responsible body


def marker_text(citation_name: str, label: str) -> str:
    """〔渝府发〔2021〕31号 二（一）4〕, 〔《重庆市城市园林绿化条例》第十一条〕: a title in 《》 needs no space before the label,
    as Chinese legal citation writes it."""
    return f"〔{citation_name}{'' if citation_name.endswith('》') else ' '}{label}〕"


def marker(meta: DocMeta, label: str) -> str:
    return marker_text(meta.citation_name, label)


def compose(snapshot: Snapshot, intent: QuestionIntent, hits: Sequence[Hit], chosen: Sequence[ScoredSentence],
            lead: str = "", numbered: bool = False) -> Answer:
    """The chosen sentences in the given order after an optional lead; a not_found answer if none is verbatim.
    Numbered lines are numbered in order, unless every sentence shows its own item number ("（2）营业执照复印件；"):
    a second number before it would only confuse."""
    citations: list[Citation] = []
    lines: list[str] = [lead] if lead else []
    shown = [item for item in chosen if item.text in item.clause.text]  # never show a quote that is not in its clause
    numbered = numbered and not all(ITEM_MARK.match(item.text) for item in shown)
    for number, item in enumerate(shown, 1):
        meta = snapshot.documents[item.doc_id].meta
        prefix = f"（{number}）" if numbered else ""
        lines.append(f"{prefix}{item.text}{marker(meta, item.clause.label)}")
        citations.append(Citation(doc=meta.citation_name, doc_title=meta.title, clause=item.clause.label,
                                  heading=item.clause.heading, quote=item.text, score=round(item.score, 3)))
    if not citations:
        return not_found(intent, hits, "")
    return Answer(question=intent.text, status=AnswerStatus.ANSWERED, text="\n".join(lines),
                  citations=tuple(citations), retrieved=tuple(hits))


def not_found(intent: QuestionIntent, hits: Sequence[Hit], reason: str) -> Answer:
    related = "；".join(f"{h.citation_name} {h.clause_label}（{h.heading or '无标题'}）" for h in hits[:MAX_RELATED])
    text = "现有文件中没有找到能回答这个问题的规定" + (f"：{reason}。" if reason else "。")
    if related:
        text += f"可能相关的条款：{related}。"
    return Answer(question=intent.text, status=AnswerStatus.NOT_FOUND, text=text, citations=(), retrieved=tuple(hits),
                  refusal_reason=reason)
