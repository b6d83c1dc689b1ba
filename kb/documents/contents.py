"""The table of contents (目录) of a law or regulation.

It is recognised, so that its chapter lines never count as chapters of the body (the body then starts after it),
and read, so that a chapter that the body writes only by its name (a bare "规划管理" line, as in a damaged copy)
is found again.

A run of division lines (第X编 / 第X分编 / 第X章 / 第X节, 附则) right after the header lines is a table of contents
when a "目录" line opens it, when the body repeats its first entry (by number or by name), or when it is not a
strictly descending path (a body never has two chapter lines in a row with nothing under the first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kb.documents.normalize import DIVISION_KINDS, OrdinalKind, ends_sentence, match_ordinal, squeeze

CLOSING_PART = "附则"  # the closing chapter, sometimes written without a number
_MARKERS = frozenset({"目录", "目次"})
_PAGE_REFERENCE = re.compile(r"[.．…·—\-]*[0-9]*$")  # "第一章 总则……1"
_MAX_NAME_CHARS = 40
RANKS = {kind: rank for rank, kind in enumerate(DIVISION_KINDS)}
CLOSING_RANK = RANKS[OrdinalKind.CHAPTER]

DivisionKey = tuple[tuple[OrdinalKind, int], ...]  # the numbers of a division and of those it stands in


@dataclass(frozen=True)
class DivisionLine:
    """A line that can head a division: its kind and number (None / 0 for 附则) and its squeezed name."""

    kind: OrdinalKind | None
    value: int
    ordinal: str  # as written: "第二章"; "" for 附则
    name: str  # "规划与建设"

    @property
    def rank(self) -> int:
        return CLOSING_RANK if self.kind is None else RANKS[self.kind]


def division_line(line: str) -> DivisionLine | None:
    """The division a short heading line names ("第二章 规划与建设", "第一节 一般规定", "附 则"), else None."""
    squeezed = squeeze(line)
    if squeezed == CLOSING_PART:
        return DivisionLine(None, 0, "", CLOSING_PART)
    ordinal = match_ordinal(line)
    if ordinal is None or ordinal.kind not in DIVISION_KINDS or ends_sentence(line):
        return None
    name = _PAGE_REFERENCE.sub("", squeeze(line[ordinal.end:]))
    if len(name) > _MAX_NAME_CHARS or any(mark in name for mark in "，,；;。"):
        return None
    return DivisionLine(ordinal.kind, ordinal.value, ordinal.text, name)


@dataclass(frozen=True)
class Contents:
    """A table of contents at paragraphs [start, end) and the names of its entries by their division key."""

    start: int
    end: int
    names: dict[DivisionKey, str]

    def name_of(self, key: DivisionKey) -> str:
        return self.names.get(key, "")


def _same_entry(line: DivisionLine, first: DivisionLine) -> bool:
    return (line.kind, line.value) == (first.kind, first.value) or line.name == first.name


def _keys(entries: Sequence[DivisionLine]) -> dict[DivisionKey, str]:
    """Each numbered entry's key: its number after those of the open entries of higher rank."""
    names: dict[DivisionKey, str] = {}
    open_path: list[DivisionLine] = []
    for entry in entries:
        if entry.kind is None:
            continue
        open_path = [e for e in open_path if e.rank < entry.rank] + [entry]
        names[tuple((e.kind, e.value) for e in open_path)] = entry.name  # type: ignore[misc]
    return names


def table_of_contents(paragraphs: Sequence[str], start: int) -> Contents | None:
    """The table of contents that begins at paragraphs[start], if there is one there."""
    index = start
    marked = index < len(paragraphs) and squeeze(paragraphs[index]) in _MARKERS
    index += marked
    entries: list[DivisionLine] = []
    while index < len(paragraphs):
        line = division_line(paragraphs[index])
        if line is None or (entries and _same_entry(line, entries[0])):
            break
        entries.append(line)
        index += 1
    if not entries:
        return None
    body_repeats = index < len(paragraphs) and squeeze(paragraphs[index]) == entries[0].name
    descending = all(a.rank < b.rank for a, b in zip(entries, entries[1:]))
    repeated = index < len(paragraphs) and division_line(paragraphs[index]) is not None
    if marked or body_repeats or repeated or not descending:
        return Contents(start, index, _keys(entries))
    return None
