"""Extractive answers: the sentences of the retrieved clauses that answer the question, each with its citation.

The first sentence answers directly (a verbatim sentence of the best clause); every sentence carries a marker
〔文号 条款〕 (or 〔《title》 第X条〕 for a law without a 文号); every quote is checked to be a verbatim span of its clause
before it is shown. When the evidence is weak, or the detail asked for (an amount, a year, a place, a time limit, a
named body, another document) is not in the evidence, the answer is `not_found` and the closest clauses are offered
as possibly related. How each kind of question is answered is the table in `kb.answering.strategies`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kb.answering.compose import marker
from kb.answering.evidence import SentenceScorer
from kb.answering.intent import QuestionIntent
from kb.answering.strategies import STRATEGIES, AnswerContext, answer_with
from kb.schema import Answer, Hit
from kb.store.snapshot import Snapshot
from kb.text.tokens import PolicyTokenizer

__all__ = ["Answerer", "marker"]


class Answerer:
    def __init__(self, snapshot: Snapshot, tokenizer: PolicyTokenizer,
                 similarities: Callable[[str, Sequence[str]], dict[str, float]] | None = None) -> None:
        """`similarities(question, chunk_ids)` gives dense cosine per chunk; without it, scoring is lexical."""
        self.snapshot = snapshot
        self.scorer = SentenceScorer(snapshot, tokenizer, similarities)

    def answer(self, intent: QuestionIntent, hits: Sequence[Hit]) -> Answer:
        return answer_with(STRATEGIES, AnswerContext(self.snapshot, self.scorer, intent, hits))
