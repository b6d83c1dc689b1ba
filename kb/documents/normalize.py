"""Undo PDF-extraction damage and recognise the line shapes of official documents (公文).

`normalise_text` turns raw text (PDF-extracted and hard-wrapped, or already clean) into one paragraph per
line. The recognisers of numbered headings, 文号, dates and signature lines live here because paragraph
breaking needs them; `kb.documents.parse` and `kb.documents.metadata` reuse them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from kb.text.numerals import chinese_number, find_quantities

_CN_NUM = "〇○零一二三四五六七八九十百千两"
_DIGITS = "0-9０-９"
_MAX_ORDINAL_DIGITS = 8  # 第一百二十三条 and 一千零一、 fit; a longer run of numerals is no heading


class OrdinalKind(StrEnum):
    """The numbering styles of headings."""

    VOLUME = "volume"  # 第一编
    SUBVOLUME = "subvolume"  # 第一分编
    CHAPTER = "chapter"  # 第一章
    SECTION = "section"  # 第一节
    ARTICLE = "article"  # 第一条, 第十六条之一
    PART = "part"  # 一、
    CN_PAREN = "cn_paren"  # （一） (一)
    ARABIC = "arabic"  # 1． 1. 1、
    ARABIC_PAREN = "arabic_paren"  # （1）


DIVISION_KINDS = (OrdinalKind.VOLUME, OrdinalKind.SUBVOLUME, OrdinalKind.CHAPTER, OrdinalKind.SECTION)
_NUM = rf"[{_CN_NUM}{_DIGITS}]{{1,{_MAX_ORDINAL_DIGITS}}}"
_CN = rf"[{_CN_NUM}]{{1,{_MAX_ORDINAL_DIGITS}}}"
_ARABIC_NUM = rf"[{_DIGITS}]{{1,{_MAX_ORDINAL_DIGITS}}}"
# Headings, tried in order at the start of a paragraph; group 1 is the ordinal as the document writes it, `num`
# its number and `sub` the 之一 of an inserted article.
_ORDINAL_PATTERNS: tuple[tuple[OrdinalKind, re.Pattern[str]], ...] = (
    (OrdinalKind.VOLUME, re.compile(rf"(第(?P<num>{_NUM})编)\s*")),
    (OrdinalKind.SUBVOLUME, re.compile(rf"(第(?P<num>{_NUM})分编)\s*")),
    (OrdinalKind.CHAPTER, re.compile(rf"(第(?P<num>{_NUM})章)\s*")),
    (OrdinalKind.SECTION, re.compile(rf"(第(?P<num>{_NUM})节)\s*")),
    (OrdinalKind.ARTICLE, re.compile(rf"(第(?P<num>{_NUM})条(?:之(?P<sub>{_CN}))?)\s*")),
    (OrdinalKind.PART, re.compile(rf"((?P<num>{_CN}))、\s*")),
    (OrdinalKind.CN_PAREN, re.compile(rf"([（(](?P<num>{_CN})[）)])\s*")),
    (OrdinalKind.ARABIC, re.compile(rf"((?P<num>{_ARABIC_NUM}))(?:[．.](?![{_DIGITS}])|、)\s*")),
    (OrdinalKind.ARABIC_PAREN, re.compile(rf"([（(](?P<num>{_ARABIC_NUM})[）)])\s*")),
)

DOC_NUMBER = re.compile(
    rf"([\u4e00-\u9fff]{{1,15}}?)\s*[〔\[［【(（]\s*([{_DIGITS}]{{4}})\s*[〕\]］】)）]\s*([{_DIGITS}]+)\s*号"
)
_ARABIC_DATE = re.compile(rf"([{_DIGITS}]{{4}})\s*年\s*([{_DIGITS}]{{1,2}})\s*月\s*([{_DIGITS}]{{1,2}})\s*日")
_CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_DATE = re.compile(f"{_ARABIC_DATE.pattern}|{_CN_DATE.pattern}")
_PUBLICATION_NOTE = re.compile(r"[（(]此(?:件|页)[^（）()]{0,12}[）)]")
_ORG_LINE = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff（）()·]{1,29}")
_BODY_ENDING = re.compile(r"(?:局|委员会|委|政府|办公厅|办公室|厅|部|院|署|会|中心|银行|公司|集团)$")
_SALUTATION_WORDS = re.compile(r"各|有关|人民政府|部门|单位|委员会|同志")
# A sentence ends in a terminator or colon (a closing quote or bracket may follow), or in a bracketed note after its
# full stop: a 方案's task ends "…报市政府审定。（责任单位：市住房城乡建设委）".
_SENTENCE_END = re.compile(r"[。！？；：!?;:][”’」』）)》]*$|[。！？；!?;][（(][^（）()]{1,80}[）)]$")
_SENTENCE_TERMINATOR = re.compile(r"[。！？；!?;]")
_SPACE_RUN = re.compile(r"\s+")
# A printed page's number on a line of its own ("— 2 —", "－3－", "第 2 页 共 10 页", "2/10"): no text of the document.
_PAGE_NUMBER_LINE = re.compile(r"[—－\-–]{1,2}\s*\d{1,4}\s*[—－\-–]{1,2}|第\s*\d{1,4}\s*页(?:\s*[，,]?\s*共\s*\d{1,4}\s*页)?|"
                               r"\d{1,4}\s*/\s*\d{1,4}")
COLONS = ("：", ":")
_MAX_SALUTATION_LINES = 6
# Tables: cells apart by a tab or a run of spaces; a header of two or more titles over two or more rows of as many cells.
_CELL_GAP = re.compile(r"\t|[ \u3000\xa0]{2,}")
_NUMBER_CELL = re.compile(r"[\d.,%％\-—–]+")
_MIN_TABLE_COLUMNS = 2
_MIN_TABLE_ROWS = 2
_MIN_HEADER_CHARS = 2  # "总　　则" of a law's chapter heading splits into one-character pieces
_MAX_HEADER_CHARS = 20
_ROW_NUMBER_TITLES = frozenset({"序号", "编号", "排序"})  # a row's number says nothing of it
_MAX_SALUTATION_CHARS = 120
_MIN_WRAP_WIDTH = 20  # no page wraps Chinese text at fewer than 10 characters
_SHORT_LINE_RATIO = 0.8  # a wrapped line narrower than this share of a full line ends its paragraph
_LATIN_LETTER = re.compile(r"[A-Za-z]")
# A paragraph's first line in print: two spaces or an ideographic space (one space is a PDF page-start artefact).
_PARAGRAPH_INDENT = re.compile(r"(?: {2}|\u3000|\t)\s*\S")


@dataclass(frozen=True)
class Ordinal:
    """A heading number found at the start of a paragraph, e.g. "（一）" of "（一）指导思想。……".

    kind: the numbering style.
    value: its number (1 for 一 / 1 / 第一章).
    text: the ordinal in the document's characters, as labels use it: "一", "（一）", "4", "（1）", "第二章".
    end: offset in the paragraph just past the number and its punctuation/space, where the heading text starts.
    sub: the 之一 of an inserted article (第十六条之一: value 16, sub 1); 0 otherwise.
    """

    kind: OrdinalKind
    value: int
    text: str
    end: int
    sub: int = 0


def numeral_value(numeral: str) -> int | None:
    """A positive whole number written in Chinese (一百零五, 二〇二一) or Arabic digits; None otherwise."""
    value = chinese_number(numeral.replace("○", "〇"))  # a circle often stands in for the zero 〇
    return int(value) if value is not None and value >= 1 and value.is_integer() else None


def match_ordinal(paragraph: str) -> Ordinal | None:
    """The heading number that starts `paragraph`, if its shape is one; whether it fits the sequence is the parser's call."""
    for kind, pattern in _ORDINAL_PATTERNS:
        found = pattern.match(paragraph)
        if found:
            value = numeral_value(found["num"])
            sub = numeral_value(found["sub"]) if kind == OrdinalKind.ARTICLE and found["sub"] else 0
            if value is not None and sub is not None:
                return Ordinal(kind, value, found.group(1), found.end(), sub)
    return None


_CN_DIGIT_CHARS = "零一二三四五六七八九"


def chinese_numeral(value: int) -> str:
    """A positive number written the way articles and paragraphs are numbered: 1 一, 10 十, 11 十一, 20 二十,
    105 一百零五, 10011 一万零一十一."""
    if value < 1:
        raise ValueError(f"no Chinese ordinal for {value}")
    if value >= 10_000:
        high, low = divmod(value, 10_000)
        return chinese_numeral(high) + "万" + ("零" if 0 < low < 1000 else "") + (_below_ten_thousand(low) if low else "")
    written = _below_ten_thousand(value)
    return written[1:] if 10 <= value <= 19 else written  # 十一, not 一十一


def chinese_count(value: int) -> str:
    """A count before its measure word: 两 for 2 ("共两项", "两个方面"), else as `chinese_numeral` writes it."""
    return "两" if value == 2 else chinese_numeral(value)


def _below_ten_thousand(value: int) -> str:
    digits = [int(d) for d in str(value)]
    units = ["千", "百", "十", ""][-len(digits):]
    written, zero_pending = "", False
    for digit, unit in zip(digits, units):
        if digit == 0:
            zero_pending = bool(written)
            continue
        written += ("零" if zero_pending else "") + _CN_DIGIT_CHARS[digit] + unit
        zero_pending = False
    return written


@dataclass(frozen=True)
class DateMention:
    """A date written in a text: 2021年10月11日 or 二〇二一年十月十一日, at text[start:end]."""

    iso: str
    start: int
    end: int


def _iso_date(found: re.Match[str]) -> str | None:
    year, month, day = (numeral_value(part) for part in found.groups() if part is not None)
    if year is None or month is None or day is None or not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_date(text: str) -> str | None:
    """ISO date of the first 2021年10月11日 / 二〇二一年十月十一日 in `text`, or None."""
    found = _ARABIC_DATE.search(text) or _CN_DATE.search(text)
    return _iso_date(found) if found else None


def find_dates(text: str) -> list[DateMention]:
    """Every valid date in `text`, in order."""
    mentions = ((_iso_date(found), found) for found in _DATE.finditer(text))
    return [DateMention(iso, found.start(), found.end()) for iso, found in mentions if iso]


def squeeze(text: str) -> str:
    """`text` without any whitespace: "第一章 总 则" -> "第一章总则"."""
    return _SPACE_RUN.sub("", text)


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


def org_names(line: str) -> list[str]:
    """The organisations a short line names and nothing else: one ("重庆市人民政府"), or several set apart by spaces,
    as joint issuers print theirs ("重庆市公安局　重庆市生态环境局"), each then ending like a body (…局, …委员会)."""
    stripped = line.strip()
    if match_ordinal(stripped) is not None:
        return []
    if _ORG_LINE.fullmatch(stripped):
        return [stripped]
    names = stripped.split()
    joint = len(names) > 1 and all(_ORG_LINE.fullmatch(n) and _BODY_ENDING.search(n) for n in names)
    return names if joint else []


def is_org_line(line: str) -> bool:
    """A short line that is only an organisation's name (no punctuation), e.g. "重庆市人民政府", or joint issuers'."""
    return bool(org_names(line))


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


def _join_wrapped(lines: list[str], indented: list[bool]) -> list[str]:
    """Re-join hard-wrapped lines into paragraphs; a line breaks its paragraph when it is short, when an indented
    line (a paragraph's first, such as a law's next 款) follows, or when it ends a sentence and a heading follows."""
    short_width = _SHORT_LINE_RATIO * _wrap_width(lines)
    standalone = _standalone_flags(lines)
    paragraphs: list[str] = []
    current: list[str] = []
    for index, line in enumerate(lines):
        if current and _LATIN_LETTER.match(current[-1][-1]) and _LATIN_LETTER.match(line[0]):
            current.append(" ")  # an English word pair split at the wrap keeps its space
        current.append(line)
        if index == len(lines) - 1 or indented[index + 1] or _ends_paragraph(lines, index, standalone, current,
                                                                               short_width):
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


def _cells(line: str) -> list[str]:
    return [cell for cell in _CELL_GAP.split(line.strip()) if cell]


def _is_header(cells: list[str]) -> bool:
    """A table's header row: short titles, none a number or a sentence ("序号 区县 能耗强度降低目标")."""
    return all(_MIN_HEADER_CHARS <= len(cell) <= _MAX_HEADER_CHARS and not _NUMBER_CELL.fullmatch(cell)
               and not _SENTENCE_TERMINATOR.search(cell) and match_ordinal(cell) is None for cell in cells)


# What a table cell closes with in brackets: a unit, per something perhaps ("（%）", "（万元）", "（元/吨）").
_BRACKETED = re.compile(r"[（(]([^（）()]{1,12})[）)]$")
_MAX_PER_UNIT_CHARS = 4


def _bracketed_unit(cell: str) -> str:
    """The unit in brackets closing the cell, as the numeral reader knows units ("（PM2.5）" names none)."""
    found = _BRACKETED.search(cell)
    if not found:
        return ""
    unit = found.group(1)
    if any(char.isdigit() for char in unit):  # a year or a number in brackets ("（2030年）") is no unit
        return ""
    read = find_quantities("1" + unit)
    if not read or read[0].start != 0 or read[0].unit is None:
        return ""
    per = unit[read[0].end - 1:]  # what the unit is counted per ("/吨" of "元/吨"), if anything
    return unit if not per or (per.startswith("/") and len(per) <= _MAX_PER_UNIT_CHARS + 1) else ""


def _with_unit(cell: str, unit: str) -> str:
    return f"{cell}{unit}" if unit and _NUMBER_CELL.fullmatch(cell) and any(c.isdigit() for c in cell) else cell


def _tables_read(lines: list[str]) -> list[str]:
    """The rows of a table, as PDF, DOCX and text copies of 附件 print them (cells apart by tabs or runs of spaces,
    under a header row), each rewritten as one sentence of its own: "区县：乙区，能耗强度降低目标：14%。". Cleaning would
    run the cells together ("2乙区14%"), and a row says what its numbers are only with its header."""
    read = list(lines)
    index = 0
    while index < len(lines):
        header = _cells(lines[index])
        end = index + 1
        if len(header) >= _MIN_TABLE_COLUMNS and _is_header(header):
            while end < len(lines) and len(_cells(lines[end])) == len(header):
                end += 1
        if end - index - 1 >= _MIN_TABLE_ROWS:
            read[index] = "、".join(header) + "："
            for row in range(index + 1, end):
                cells = _cells(lines[row])
                # A bare number's unit is in its row's name or its column's title, in brackets ("森林覆盖率（%）",
                # "补助标准（万元）"): the number is read with it ("2030年：57%").
                row_unit = next((u for u in map(_bracketed_unit, cells) if u), "")
                read[row] = "，".join(f"{title}：{_with_unit(cell, _bracketed_unit(title) or row_unit)}"
                                     for title, cell in zip(header, cells) if title not in _ROW_NUMBER_TITLES) + "。"
            index = end
        else:
            index += 1
    return read


def normalise_text(raw: str) -> str:
    """One paragraph per line, no blank lines, PDF wraps and number/word splits undone, CJK-adjacent spaces removed,
    table rows read with their header."""
    text = raw.replace("\ufeff", "")
    cleaned = [(clean_spaces(line), _PARAGRAPH_INDENT.match(line) is not None) for line in _tables_read(text.splitlines())]
    cleaned = [(line, starts) for line, starts in cleaned if line and not _PAGE_NUMBER_LINE.fullmatch(line)]
    lines = [line for line, _ in cleaned]
    if not lines:
        return ""
    indented = [starts for _, starts in cleaned]
    paragraphs = _join_wrapped(lines, indented) if _is_hard_wrapped(lines) else lines
    return "\n".join(paragraphs)
