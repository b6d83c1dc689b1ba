"""Where a sentence of Chinese official text ends: one rule for parsing, metadata, answers and their checks.

A clause's sentences end at 。；！？ (a 分号 closes a provision's part: "…责令改正；逾期不改正的，处…罚款。"), with the
closing quotes and brackets that follow, or at a line end. An answer's first sentence ends at 。！？ only: an answer's
lead ("不可以：") and a provision's parts belong to the sentence they open.
"""

from __future__ import annotations

import re

CLAUSE_TERMINATORS = "。；！？"
ANSWER_TERMINATORS = "。！？!?"
_CLOSERS = "”’」』）)"
SENTENCE = re.compile(rf"[^{CLAUSE_TERMINATORS}\n]+(?:[{CLAUSE_TERMINATORS}]+[{_CLOSERS}]*)?"
                      rf"|[{CLAUSE_TERMINATORS}]+[{_CLOSERS}]*")
_ANSWER_END = re.compile(rf"[{ANSWER_TERMINATORS}]")


def sentence_texts(text: str) -> list[str]:
    """The sentences of a text, stripped, in order."""
    return [s.strip() for s in SENTENCE.findall(text) if s.strip()]


def first_sentence(text: str) -> str:
    """The first sentence of an answer (up to 。！？), or the whole text when it has none."""
    found = _ANSWER_END.search(text)
    return text[: found.end()] if found else text
