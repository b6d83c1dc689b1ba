"""Where a sentence of Chinese official text ends: one rule for parsing, metadata, answers and their checks.

A clause's sentences end at 。；！？ (a 分号 closes a provision's part: "…责令改正；逾期不改正的，处…罚款。"), with the
closing quotes and brackets that follow, or at a line end. A 政策问答's speaker label ("答：", "问：") opens no
sentence: it names who speaks, and a quote starts after it. An answer's first sentence ends at 。！？ only: an answer's
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
# A sentence that opens with its own item number: "（2）营业执照复印件；", "（一）加强统筹协调。", "3．…", "二、…".
ITEM_MARK = re.compile(r"^(?:[（(][0-9一二三四五六七八九十]{1,3}[)）]|[0-9]{1,2}[．.、]|[一二三四五六七八九十]{1,3}、)")
_SPEAKER_LABEL = re.compile(r"(?:答|问)[:：]\s*")


def speaker_label_length(sentence: str) -> int:
    """How many leading characters of a sentence are its speaker label ("答：在本市…" → 2), 0 without one."""
    found = _SPEAKER_LABEL.match(sentence)
    return found.end() if found else 0


def sentence_texts(text: str) -> list[str]:
    """The sentences of a text, stripped, in order."""
    stripped = (s.strip() for s in SENTENCE.findall(text))
    return [s[speaker_label_length(s):] for s in stripped if s[speaker_label_length(s):]]


def first_sentence(text: str) -> str:
    """The first sentence of an answer (up to 。！？), or the whole text when it has none."""
    found = _ANSWER_END.search(text)
    return text[: found.end()] if found else text
