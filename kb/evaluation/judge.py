"""Judging one answer: is the right clause of the right document cited, are the facts there, was an unanswerable
question refused, did the answer invent a number or a body?

A clause is named by its document and its label, so a label of another document never counts as a hit. A gold
article (第十一条) is matched by itself and by its paragraphs and items (第十一条第二款, 第十一条第（二）项).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kb.evaluation.questions import Question
from kb.schema import Answer, AnswerStatus, Citation, Hit
from kb.text.bodies import find_bodies
from kb.text.sentences import first_sentence

_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:%|万|个|吨|千瓦)?")


@dataclass(frozen=True)
class ClauseRef:
    doc: str  # the citation name: 文号, or the title in 《》
    title: str
    label: str

    @classmethod
    def of_hit(cls, hit: Hit) -> ClauseRef:
        return cls(hit.citation_name, hit.doc_title, hit.clause_label)

    @classmethod
    def of_citation(cls, citation: Citation) -> ClauseRef:
        return cls(citation.doc, citation.doc_title, citation.clause)


def is_document(question_doc: str, ref: ClauseRef) -> bool:
    """Is the clause of the document the question is about? A question that names no document (a set written for
    one document) accepts its gold labels in any."""
    return not question_doc or question_doc in (ref.doc, ref.title, ref.doc.strip("《》"))


def label_matches(label: str, gold: str) -> bool:
    return label == gold or (gold.endswith("条") and label.startswith(gold + "第"))


def is_gold(q: Question, ref: ClauseRef) -> bool:
    return is_document(q.doc, ref) and any(label_matches(ref.label, g) for g in q.gold)


def gold_rank(q: Question, ranked: Sequence[ClauseRef]) -> int | None:
    """1-based rank of the first gold clause, None when none was retrieved."""
    return next((i for i, ref in enumerate(ranked, 1) if is_gold(q, ref)), None)


def invented_entities(answer: Answer, corpus_text: str) -> list[str]:
    """Numbers and body names in the answer that neither the corpus nor the question says: made-up things."""
    found = set(_NUMBER.findall(answer.text)) | set(find_bodies(answer.text))
    known = re.sub(r"\s+", "", corpus_text) + answer.question
    # A name match may start with connecting words ("该文件由重庆市人民政府"): any known tail of it is not invented.
    return sorted(e for e in found if not any(e[i:] in known for i in range(max(1, len(e) - 3))))


def judge(q: Question, answer: Answer, corpus_text: str) -> list[str]:
    """Why the answer fails the question ([] when it passes)."""
    failures = []
    if not q.answerable:
        if answer.status != AnswerStatus.NOT_FOUND:
            failures.append("answered an unanswerable question")
    elif answer.status == AnswerStatus.NOT_FOUND:
        failures.append("refused an answerable question")
    else:
        cited = [ClauseRef.of_citation(c) for c in answer.citations]
        if q.gold and (not cited or not is_gold(q, cited[0])):
            first = f"{cited[0].doc} {cited[0].label}" if cited else "nothing"
            failures.append(f"first citation {first} not in gold {q.doc} {'、'.join(q.gold)}")
        missing = [f for f in q.facts if f not in answer.text]
        if missing:
            failures.append(f"missing facts {missing}")
        if q.expects_unnamed and "未明确" not in answer.text:
            failures.append("did not say that no body is named")
    invented = invented_entities(answer, corpus_text)
    if invented:
        failures.append(f"invented {invented}")
    return failures
