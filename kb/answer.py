"""Extractive answers: quote the sentences of the retrieved clauses that answer the question, with citations.

Nothing is written that is not a verbatim span of a cited clause, and when the evidence is weak the answer is
`not_found` with the closest clauses offered as possibly related.
"""

from __future__ import annotations

from kb.schema import Answer, Citation, Hit
from kb.tokenize import default_tokenizer

# Evidence thresholds (see eval/ for how they were measured): a hit counts as an answer when its dense similarity
# or its share of the question's content words found in the clause is high enough.
MIN_DENSE_SIMILARITY = 0.86
MIN_TERM_COVERAGE = 0.5


def citation_marker(hit: Hit) -> str:
    return f"〔{hit.citation_name} {hit.clause_label}〕"


def term_coverage(question: str, text: str) -> float:
    terms = set(default_tokenizer().tokens(question))
    if not terms:
        return 0.0
    return sum(1 for t in terms if t in text.lower()) / len(terms)


def is_supported(question: str, hit: Hit) -> bool:
    return hit.scores.get("dense", 0.0) >= MIN_DENSE_SIMILARITY or term_coverage(question, hit.text) >= MIN_TERM_COVERAGE


def answer_question(question: str, hits: list[Hit], context_question: str | None = None) -> Answer:
    evidence_question = context_question or question
    supported = [h for h in hits[:3] if is_supported(evidence_question, h)]
    if not supported:
        related = "；".join(f"{h.citation_name} {h.clause_label}（{h.heading}）" for h in hits[:3])
        text = "现有文件中没有找到能直接回答这个问题的条款。" + (f"可能相关的条款：{related}。" if related else "")
        return Answer(question=question, status="not_found", text=text, citations=(), retrieved=tuple(hits))
    best = supported[0]
    quote = best.best_sentence if best.best_sentence and best.best_sentence in best.text else best.text
    text = f"{quote}{citation_marker(best)}"
    citation = Citation(doc=best.citation_name, doc_title=best.doc_title, clause=best.clause_label,
                        heading=best.heading, quote=quote, score=best.score)
    return Answer(question=question, status="answered", text=text, citations=(citation,), retrieved=tuple(hits))
