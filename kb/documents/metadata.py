"""Detect a document's metadata (title, 文号, issuer, date, level, implemented documents) from its normalised text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import takewhile

from kb.documents.normalize import (
    COLONS,
    DOC_NUMBER,
    ends_sentence,
    is_date_line,
    is_doc_number_line,
    is_org_line,
    is_publication_note,
    match_ordinal,
    parse_date,
)

LEVELS = ("national", "provincial", "municipal", "county", "other")
_REFERENCE = re.compile(rf"《([^《》\n]{{1,120}})》\s*[（(]\s*{DOC_NUMBER.pattern}\s*[）)]")
_IMPLEMENTING_VERB = re.compile(r"贯彻|落实|实施")
_SENTENCE = re.compile(r"[^。；！？\n]+")
_TITLE_ISSUER = re.compile(r"(.{2,40}?)关于")
_LETTERHEAD = re.compile(r".*文件")  # 版头 such as "重庆市人民政府文件", not part of the title
_NON_PLACE_WORDS = re.compile(r"市场|城市|超市")  # contain 市 without naming a city
_COUNTY = re.compile(r"县|(?<![治地])区|旗")
_MUNICIPAL = re.compile(r"市|自治州|地区|盟")
_PROVINCIAL = re.compile(r"省|自治区")
_NATIONAL = re.compile(r"国务院|中共中央|全国|国家|中华人民共和国|(?:部|委|委员会|总局|署)$")
_SIGNATURE_SEARCH_DEPTH = 6  # the signature date sits among the last few paragraphs
_MAX_SIGNERS = 3
_MAX_TITLE_LINES = 4  # a title wraps over a few centred lines at most


def normalise_doc_number(prefix: str, year: str, serial: str) -> str:
    return f"{prefix}〔{year}〕{serial}号"


def doc_numbers_in(text: str) -> list[str]:
    """Every 文号 in a text, normalised (brackets 〔〕, no spaces): "渝府发[2021] 31 号" -> "渝府发〔2021〕31号"."""
    return [normalise_doc_number(*found.groups()) for found in DOC_NUMBER.finditer(text)]


def find_references(text: str) -> list[tuple[str, str]]:
    """(title, 文号) of every 《…》（X〔YYYY〕N号） reference, in order of first appearance."""
    pairs = ((found.group(1).strip(), normalise_doc_number(*found.group(2, 3, 4))) for found in _REFERENCE.finditer(text))
    return list(dict.fromkeys(pairs))


def signature_start(paragraphs: Sequence[str]) -> int:
    """Index of the first paragraph of the 落款 (signer, date, （此件公开发布）); len(paragraphs) when there is none."""
    first_candidate = max(1, len(paragraphs) - _SIGNATURE_SEARCH_DEPTH)
    dates = [i for i in range(first_candidate, len(paragraphs)) if is_date_line(paragraphs[i])]
    notes = [i for i in range(first_candidate, len(paragraphs)) if is_publication_note(paragraphs[i])]
    if dates:
        start = dates[-1]
    elif notes and notes[-1] == len(paragraphs) - 1:
        start = notes[-1]
    else:
        return len(paragraphs)
    signers = 0
    while start - 1 >= 1 and signers < _MAX_SIGNERS and is_org_line(paragraphs[start - 1]):
        start -= 1
        signers += 1
    return start


def administrative_level(issuer: str) -> str:
    """national | provincial | municipal | county | other, from the issuer's name (the most local place wins)."""
    name = _NON_PLACE_WORDS.sub("", issuer)
    if _COUNTY.search(name):
        return "county"
    if _MUNICIPAL.search(name):
        return "municipal"
    if _PROVINCIAL.search(name):
        return "provincial"
    return "national" if _NATIONAL.search(name) else "other"


def _preamble(paragraphs: Sequence[str]) -> list[str]:
    """Paragraphs before the first heading numbered 1 (一、 / 第一章 / （一） …)."""
    for index, paragraph in enumerate(paragraphs):
        ordinal = match_ordinal(paragraph)
        if ordinal is not None and ordinal.value == 1:
            return list(paragraphs[:index])
    return list(paragraphs)


def _doc_number(preamble: Sequence[str]) -> str | None:
    for paragraph in preamble:
        found = DOC_NUMBER.fullmatch(paragraph.strip())
        if found:
            return normalise_doc_number(*found.groups())
    return None


def _title(preamble: Sequence[str]) -> str | None:
    """Title lines before the salutation/preamble, joined; 版头 and 文号 lines are skipped, and so are notes (。)
    that precede the title."""
    lines: list[str] = []
    for paragraph in preamble:
        if paragraph.endswith(COLONS) or (lines and ends_sentence(paragraph)):
            break
        if is_doc_number_line(paragraph) or _LETTERHEAD.fullmatch(paragraph) or ends_sentence(paragraph):
            continue
        lines.append(paragraph)
        if len(lines) == _MAX_TITLE_LINES:
            break
    return "".join(lines) or None


def _implements(preamble: Sequence[str]) -> tuple[str, ...]:
    """文号 of documents the preamble says it carries out: 贯彻/落实/实施 …《…》（文号）."""
    numbers: dict[str, None] = {}  # ordered set
    for paragraph in preamble:
        for sentence in _SENTENCE.findall(paragraph):
            verb = _IMPLEMENTING_VERB.search(sentence)
            if verb is not None:
                numbers.update((number, None) for _, number in find_references(sentence[verb.end():]))
    return tuple(numbers)


def _issuer(paragraphs: Sequence[str], title: str | None) -> str | None:
    """The signer(s) before the 落款 date, else the title's prefix before 关于."""
    block = paragraphs[signature_start(paragraphs):]
    signers = list(takewhile(is_org_line, block))
    if signers:
        return "、".join(signers)
    found = _TITLE_ISSUER.match(title or "")
    return found.group(1) if found and is_org_line(found.group(1)) else None


def _signature_date(paragraphs: Sequence[str]) -> str | None:
    block = paragraphs[signature_start(paragraphs):]
    return next((parse_date(p) for p in block if is_date_line(p)), None)


def detect_metadata(normalised_text: str) -> dict[str, object]:
    """What the text says about itself, keyed by DocMeta field name; fields that were not found are left out."""
    paragraphs = [p for p in normalised_text.split("\n") if p.strip()]
    preamble = _preamble(paragraphs[: signature_start(paragraphs)])
    title = _title(preamble)
    issuer = _issuer(paragraphs, title)
    found: dict[str, object] = {
        "title": title,
        "doc_number": _doc_number(preamble),
        "issuer": issuer,
        "date": _signature_date(paragraphs),
        "level": administrative_level(issuer) if issuer else None,
        "implements": _implements(preamble) or None,
    }
    return {field: value for field, value in found.items() if value is not None}
