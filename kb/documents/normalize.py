"""Undo PDF-extraction damage and recognise the line shapes of official documents (公文).

`normalise_text` turns raw text (PDF-extracted and hard-wrapped, or already clean) into one paragraph per
line. The recognisers of numbered headings, 文号, dates and signature lines live here because paragraph
breaking needs them; `kb.documents.parse` and `kb.documents.metadata` reuse them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = "〇○零一二三四五六七八九十百千两"
_DIGITS = "0-9０-９"

# Headings, tried in order at the start of a paragraph; the group is the ordinal as the document writes it.
_ORDINAL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"(第[{_CN_NUM}{_DIGITS}]+章)\s*")),
    ("section", re.compile(rf"(第[{_CN_NUM}{_DIGITS}]+节)\s*")),
    ("article", re.compile(rf"(第[{_CN_NUM}{_DIGITS}]+条)\s*")),
    ("part", re.compile(rf"([{_CN_NUM}]+)、\s*")),
    ("cn_paren", re.compile(rf"([（(][{_CN_NUM}]+[）)])\s*")),
    ("arabic", re.compile(rf"([{_DIGITS}]+)(?:[．.](?![{_DIGITS}])|、)\s*")),
    ("arabic_paren", re.compile(rf"([（(][{_DIGITS}]+[）)])\s*")),
)

DOC_NUMBER = re.compile(
    rf"([\u4e00-\u9fff]{{1,15}}?)\s*[〔\[［【(（]\s*([{_DIGITS}]{{4}})\s*[〕\]］】)）]\s*([{_DIGITS}]+)\s*号"
)
_ARABIC_DATE = re.compile(rf"([{_DIGITS}]{{4}})\s*年\s*([{_DIGITS}]{{1,2}})\s*月\s*([{_DIGITS}]{{1,2}})\s*日")
_CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_PUBLICATION_NOTE = re.compile(r"[（(]此(?:件|页)[^（）()]{0,12}[）)]")
_ORG_LINE = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff（）()·]{1,29}")
_SALUTATION_WORDS = re.compile(r"各|有关|人民政府|部门|单位|委员会|同志")
_SENTENCE_END = re.compile(r"[。！？；：!?;:][”’」』）)》]*$")
_SENTENCE_TERMINATOR = re.compile(r"[。！？；!?;]")
_SPACE_RUN = re.compile(r"\s+")
COLONS = ("：", ":")
_MAX_SALUTATION_LINES = 6
_MAX_SALUTATION_CHARS = 120
_MIN_WRAP_WIDTH = 20  # no page wraps Chinese text at fewer than 10 characters
_SHORT_LINE_RATIO = 0.8  # a wrapped line narrower than this share of a full line ends its paragraph
_LATIN_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Ordinal:
    """A heading number found at the start of a paragraph, e.g. "（一）" of "（一）指导思想。……".

    kind: the numbering style ("part" 一、, "cn_paren" （一）, "arabic" 1．, "arabic_paren" （1）,
        "chapter" 第X章, "section" 第X节, "article" 第X条).
    value: its number (1 for 一 / 1 / 第一章).
    text: the ordinal in the document's characters, as labels use it: "一", "（一）", "4", "（1）", "第二章".
    end: offset in the paragraph just past the number and its punctuation/space, where the heading text starts.
    """

    kind: str
    value: int
    text: str
    end: int


def cn_numeral_value(numeral: str) -> int | None:
    """Value of a Chinese (一百零五, 二十, 二〇二一) or Arabic (full- or half-width) numeral; None if it is not one."""
    if numeral.isdecimal():
        return int(numeral)
    if not numeral or any(c not in _CN_DIGITS and c not in _CN_UNITS for c in numeral):
        return None
    if not any(c in _CN_UNITS for c in numeral):  # digit by digit, as in years: 二〇二一
        return int("".join(str(_CN_DIGITS[c]) for c in numeral))
    total, current = 0, 0
    for char in numeral:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        else:
            total += (current or 1) * _CN_UNITS[char]
            current = 0
    return total + current


def match_ordinal(paragraph: str) -> Ordinal | None:
    """The heading number that starts `paragraph`, if its shape is one; whether it fits the sequence is the parser's call."""
    for kind, pattern in _ORDINAL_PATTERNS:
        found = pattern.match(paragraph)
        if found:
            digits = found.group(1).strip("（()）第章节条")
            value = cn_numeral_value(digits)
            if value is not None and value > 0:
                return Ordinal(kind, value, found.group(1), found.end())
    return None


def parse_date(text: str) -> str | None:
    """ISO date of the first 2021年10月11日 / 二〇二一年十月十一日 in `text`, or None."""
    found = _ARABIC_DATE.search(text) or _CN_DATE.search(text)
    if not found:
        return None
    year, month, day = (cn_numeral_value(part) for part in found.groups())
    if year is None or month is None or day is None or not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def is_date_line(line: str) -> bool:
    """A line that is nothing but a date, as in a signature block."""
    stripped = line.strip()
    return bool(_ARABIC_DATE.fullmatch(stripped) or _CN_DATE.fullmatch(stripped))


def is_doc_number_line(line: str) -> bool:
    """A line that is nothing but a 文号, e.g. "渝府发〔2021〕31 号"."""
    return DOC_NUMBER.fullmatch(line.strip()) is not None


def is_publication_note(line: str) -> bool:
    """"（此件公开发布）" and its kin, which close a signature block."""
    return _PUBLICATION_NOTE.fullmatch(line.strip()) is not None


def is_org_line(line: str) -> bool:
    """A short line that is only an organisation's name (no punctuation), e.g. "重庆市人民政府"."""
    stripped = line.strip()
    return _ORG_LINE.fullmatch(stripped) is not None and match_ordinal(stripped) is None


def ends_sentence(line: str) -> bool:
    """Whether the line ends with a sentence terminator or colon (a closing quote/bracket may follow)."""
    return _SENTENCE_END.search(line.rstrip()) is not None


def _is_salutation(paragraph: str) -> bool:
    """"各区县（自治县）人民政府，市政府各部门，有关单位：" — addressees, ending with a colon, no sentence inside."""
    stripped = paragraph.strip()
    return (stripped.endswith(COLONS) and len(stripped) <= _MAX_SALUTATION_CHARS
            and not _SENTENCE_TERMINATOR.search(stripped) and _SALUTATION_WORDS.search(stripped) is not None)


def _is_ideograph(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _is_narrow(char: str) -> bool:
    return ord(char) < 0x2000


@lru_cache(maxsize=65536)  # each line's width is asked for by several wrap heuristics
def _display_width(line: str) -> int:
    return sum(1 if _is_narrow(c) else 2 for c in line)


def clean_spaces(paragraph: str) -> str:
    """Collapse whitespace; drop it where a CJK character meets digits/Latin/punctuation ("到 2025 年" -> "到2025年").

    A space survives only between two narrow characters ("green economy") or two ideographs ("第一章 总则").
    """
    collapsed = _SPACE_RUN.sub(" ", paragraph).strip()
    if " " not in collapsed:
        return collapsed
    kept: list[str] = []
    for index, char in enumerate(collapsed):
        if char == " ":
            before, after = collapsed[index - 1], collapsed[index + 1]
            if not ((_is_narrow(before) and _is_narrow(after)) or (_is_ideograph(before) and _is_ideograph(after))):
                continue
        kept.append(char)
    return "".join(kept)


def _wrap_width(lines: list[str]) -> int:
    """The width of a full line: most lines of wrapped text are full, so a high percentile finds it."""
    widths = sorted(_display_width(line) for line in lines)
    return widths[int(0.9 * (len(widths) - 1))]


def _is_hard_wrapped(lines: list[str]) -> bool:
    """PDF text: most full-width lines stop mid-sentence. Clean text: every long line ends a sentence or heading."""
    if len(lines) < 4:
        return False
    wrap_width = _wrap_width(lines)
    if wrap_width < _MIN_WRAP_WIDTH:
        return False
    long_lines = [line for line in lines if _display_width(line) >= _SHORT_LINE_RATIO * wrap_width]
    unfinished = sum(1 for line in long_lines if not ends_sentence(line))
    return unfinished >= 3 and unfinished * 2 >= len(long_lines)


def _standalone_flags(lines: list[str]) -> list[bool]:
    """Lines that are paragraphs on their own whatever their width: 文号, dates, 此件 notes, the signer before a date."""
    flags = [is_doc_number_line(line) or is_date_line(line) or is_publication_note(line) for line in lines]
    for index in range(len(lines) - 1):
        if is_date_line(lines[index + 1]) and is_org_line(lines[index]):
            flags[index] = True
    return flags


def _join_wrapped(lines: list[str]) -> list[str]:
    """Re-join hard-wrapped lines into paragraphs; a line breaks its paragraph when it is short or a heading follows."""
    short_width = _SHORT_LINE_RATIO * _wrap_width(lines)
    standalone = _standalone_flags(lines)
    paragraphs: list[str] = []
    current: list[str] = []
    for index, line in enumerate(lines):
        if current and _LATIN_LETTER.match(current[-1][-1]) and _LATIN_LETTER.match(line[0]):
            current.append(" ")  # an English word pair split at the wrap keeps its space
        current.append(line)
        if index == len(lines) - 1 or _ends_paragraph(lines, index, standalone, current, short_width):
            paragraphs.append("".join(current))
            current = []
    return paragraphs


def _ends_paragraph(lines: list[str], index: int, standalone: list[bool], current: list[str],
                    short_width: float) -> bool:
    line = lines[index]
    if standalone[index] or standalone[index + 1] or _display_width(line) < short_width:
        return True
    # Only a colon-ended line can close a salutation; checking that first keeps the join linear.
    if line.endswith(COLONS) and len(current) <= _MAX_SALUTATION_LINES and _is_salutation("".join(current)):
        return True
    return ends_sentence(line) and match_ordinal(lines[index + 1]) is not None


def normalise_text(raw: str) -> str:
    """One paragraph per line, no blank lines, PDF wraps and number/word splits undone, CJK-adjacent spaces removed."""
    text = raw.replace("\ufeff", "")
    lines = [clean_spaces(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return ""
    paragraphs = _join_wrapped(lines) if _is_hard_wrapped(lines) else lines
    return "\n".join(paragraphs)
