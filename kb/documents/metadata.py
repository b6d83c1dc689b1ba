"""Detect a document's metadata from its normalised text: title, 文号, issuer, dates, level, legal force,
amendment history, implemented documents and the header lines themselves.

Header lines open the document and are information about it, not content: a 版头 ("…文件"), the title (one to
four short lines), the 文号, and the passage lines of a law or regulation ("2020年12月3日 重庆市第五届人民代表大会
常务委员会第二十二次会议通过", "（2019年10月22日中华人民共和国国务院令第722号公布 自2020年1月1日起施行）").
A passage line is recognised by its shape — a date, a body, then 通过 / 公布 / 发布 / 修正 / 修订 / 施行 / 批准 — never
by markup, so the same text with or without Markdown gives the same metadata.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import takewhile

from kb.documents.contents import CLOSING_PART, table_of_contents
from kb.documents.layout import body_end, signature_start
from kb.documents.normalize import (
    COLONS,
    DOC_NUMBER,
    ends_sentence,
    find_dates,
    is_date_line,
    is_doc_number_line,
    is_org_line,
    org_names,
    is_publication_note,
    match_ordinal,
    parse_date,
    squeeze,
)
from kb.schema import Amendment, AmendmentKind, LegalForce, Level
from kb.text.sentences import sentence_texts

LEVELS = tuple(Level)
_REFERENCE = re.compile(rf"《([^《》\n]{{1,120}})》\s*[（(]\s*{DOC_NUMBER.pattern}\s*[）)]")
_IMPLEMENTING_VERB = re.compile(r"贯彻|落实|实施")
_TITLE_ISSUER = re.compile(r"(.{2,40}?)关于")
_NO_ADDRESS = re.compile(r"^(?:为|根据|按照|依据|经)|如下|现将|现就|特此|。")
_ISSUING_NOTICE = re.compile(r"(?:印发|转发|发布|颁布)[^，。]{0,60}的通知$")
_ISSUED_TITLE = re.compile(r"(?:印发|转发|发布|颁布)《?([^《》，。]{2,60}?)》?的通知$")
_LETTERHEAD = re.compile(r"(?:(?!关于).){2,30}文件")  # 版头 such as "重庆市人民政府文件"; "关于…文件" is a title
_NON_PLACE_WORDS = re.compile(r"市场|城市|超市")  # contain 市 without naming a city
_COUNTY = re.compile(r"县|(?<![治地])区|旗")
_MUNICIPAL = re.compile(r"市|自治州|地区|盟")
_PROVINCIAL = re.compile(r"省|自治区")
_NATIONAL = re.compile(r"国务院|中共中央|全国|国家|中华人民共和国|(?:部|委|委员会|总局|署)$")
_MAX_TITLE_LINES = 4  # a title wraps over a few centred lines at most
_MAX_TITLE_LINE_CHARS = 60
_MAX_NOTES_BEFORE_TITLE = 2  # "本文件为测试用合成文本。" and the like above the title
_MAX_PASSAGE_LINE_CHARS = 400

# Passage lines: the date comes first (after an opening bracket or 根据), the verb after it; a 《decision》 is masked
# before the verb is looked for, since its title holds words such as 修改.
_PASSAGE_OPENING = re.compile(r"[（(\s]*(?:根据)?\s*")
_PASSAGE_VERB = re.compile(r"(?:第[一二三四五六七八九十]+次)?(?P<verb>修正|修订|通过|公布|发布|施行|批准)")
_DECISION = re.compile(r"《[^《》]{1,200}》")
_RUNNING_TEXT = re.compile(r"[，,。；;]")
_TERM = re.compile(r"第[0-9一二三四五六七八九十百]+届")
_SESSION = re.compile(r"第[0-9一二三四五六七八九十百]+次(?:全体|常务)?会议.*$|(?:常务)?会议$")
_ORDER = re.compile(r"令第?[0-9一二三四五六七八九十百千〇零]+号.*$")
_ORDER_IN_BODY = re.compile(r"令第?[0-9一二三四五六七八九十百千〇零]+号")
_STATE = "中华人民共和国"
_STATE_COUNCIL = "国务院"
_PEOPLES_CONGRESS = "人民代表大会"
_NATIONAL_CONGRESS = "全国人民代表大会"
_TITLE_SUFFIX_NOTE = re.compile(r"[（(][^（）()]{1,8}[）)]$")  # （试行）, （2021年修订）
_REGULATION_TITLE = re.compile(r"(?:条例|规定|办法|细则|规则)$")
_NORMATIVE_TITLE = re.compile(r"(?:意见|通知|方案|规划|决定|通告|公告|纲要|计划|要点|批复|函)$")
_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,7}?(?:省|自治区|自治州|市|县)")
_GOVERNMENT = re.compile(r"人民政府$|(?:部|委员会|总局|局|署|办公厅|行)$")


class PassageAction(StrEnum):
    """What a passage line records."""

    ADOPTED = "通过"
    PROMULGATED = "公布"  # 发布 too
    EFFECTIVE = "施行"
    AMENDED = AmendmentKind.AMENDED.value
    REVISED = AmendmentKind.REVISED.value
    APPROVED = "批准"


_ACTIONS = {"通过": PassageAction.ADOPTED, "公布": PassageAction.PROMULGATED, "发布": PassageAction.PROMULGATED,
            "施行": PassageAction.EFFECTIVE, "修正": PassageAction.AMENDED, "修订": PassageAction.REVISED,
            "批准": PassageAction.APPROVED}


@dataclass(frozen=True)
class PassageEvent:
    """One dated event of a passage line: 2020-12-03 通过 by "重庆市第五届人民代表大会常务委员会第二十二次会议"."""

    date: str
    action: PassageAction
    body: str  # what stands between the date and the verb, squeezed: the session, order or decision
    decision: str  # the 《…》 decision it names, "" if none


@dataclass(frozen=True)
class Header:
    """The header lines: paragraphs [0, end) of the document."""

    end: int
    title: str
    doc_number: str
    passage_lines: tuple[str, ...]


def normalise_doc_number(prefix: str, year: str, serial: str) -> str:
    return f"{prefix}〔{year}〕{serial}号"


def doc_numbers_in(text: str) -> list[str]:
    """Every 文号 in a text, normalised (brackets 〔〕, no spaces): "渝府发[2021] 31 号" -> "渝府发〔2021〕31号"."""
    return [normalise_doc_number(*found.groups()) for found in DOC_NUMBER.finditer(text)]


def recipients_line(preamble_text: str) -> str:
    """The 主送 line of a 公文's opening ("各区县（自治县）人民政府，市政府各部门："): the first line ending in "：" that
    addresses bodies, not the sentence leading into the text ("为…，现将有关事项通知如下："); "" when there is none."""
    for line in preamble_text.splitlines():
        line = line.strip()
        if line.endswith(("：", ":")):
            return "" if _NO_ADDRESS.search(line) else line
    return ""


def find_references(text: str) -> list[tuple[str, str]]:
    """(title, 文号) of every 《…》（X〔YYYY〕N号） reference, in order of first appearance."""
    pairs = ((found.group(1).strip(), normalise_doc_number(*found.group(2, 3, 4))) for found in _REFERENCE.finditer(text))
    return list(dict.fromkeys(pairs))


def administrative_level(issuer: str) -> str:
    """national | provincial | municipal | county | other, from the issuer's name (the most local place wins)."""
    name = _NON_PLACE_WORDS.sub("", issuer)
    if _COUNTY.search(name):
        return Level.COUNTY
    if _MUNICIPAL.search(name):
        return Level.MUNICIPAL
    if _PROVINCIAL.search(name):
        return Level.PROVINCIAL
    return Level.NATIONAL if _NATIONAL.search(name) else Level.OTHER


# -- header lines -----------------------------------------------------------------------------------------------------
def is_passage_line(line: str) -> bool:
    """"2020年12月3日 重庆市…会议通过", "（2019年10月22日国务院令第722号公布 自2020年1月1日起施行）": a date first,
    a passage verb after it, no running text."""
    if len(line) > _MAX_PASSAGE_LINE_CHARS:
        return False
    opening = _PASSAGE_OPENING.match(line)
    dates = find_dates(line)
    if not dates or dates[0].start != (opening.end() if opening else 0):
        return False
    rest = _DECISION.sub("", line[dates[0].end:])
    return _PASSAGE_VERB.search(rest) is not None and not _RUNNING_TEXT.search(rest.rstrip("。；;）)"))


def _is_title_line(line: str) -> bool:
    return (len(line) <= _MAX_TITLE_LINE_CHARS and not ends_sentence(line) and match_ordinal(line) is None
            and not is_date_line(line) and not is_publication_note(line) and not is_doc_number_line(line)
            and squeeze(line) not in ("目录", "目次", CLOSING_PART))


def _title_start(paragraphs: Sequence[str]) -> int:
    """Past the notes (sentences) printed above the title, when a title line follows them; else 0."""
    for index in range(min(_MAX_NOTES_BEFORE_TITLE, len(paragraphs)) + 1):
        if index == len(paragraphs):
            break
        line = paragraphs[index]
        if _is_title_line(line) or _LETTERHEAD.fullmatch(line) or is_doc_number_line(line):
            return index
        if not ends_sentence(line) or line.endswith(COLONS) or match_ordinal(line) is not None:
            break
    return 0


def read_header(paragraphs: Sequence[str]) -> Header:
    """The header lines that open the document: notes above the title, 版头, title, 文号, passage lines."""
    index = _title_start(paragraphs)
    title_lines: list[str] = []
    passage: list[str] = []
    doc_number = ""
    while index < len(paragraphs):
        line = paragraphs[index]
        number = DOC_NUMBER.fullmatch(line.strip())
        if is_passage_line(line):
            passage.append(line)
        elif number:
            doc_number = doc_number or normalise_doc_number(*number.groups())
        elif _LETTERHEAD.fullmatch(line) and not title_lines:
            pass  # "重庆市人民政府文件" above the title
        elif not passage and len(title_lines) < _MAX_TITLE_LINES and _is_title_line(line):
            title_lines.append(line)
        else:
            break
        index += 1
    if not title_lines and not passage and not doc_number:
        return Header(0, "", "", ())
    return Header(index, "".join(title_lines), doc_number, tuple(passage))


def info_end(paragraphs: Sequence[str]) -> int:
    """Where the document information ends: after the header lines and a table of contents that follows them."""
    header_end = read_header(paragraphs).end
    contents = table_of_contents(paragraphs, header_end)
    return contents.end if contents else header_end


# -- passage lines ----------------------------------------------------------------------------------------------------
def passage_events(lines: Sequence[str]) -> list[PassageEvent]:
    """The dated events of the passage lines, in order; a line may hold several ("…公布 自2020年1月1日起施行")."""
    text = " ".join(lines)
    dates = find_dates(text)
    events: list[PassageEvent] = []
    for date, following in zip(dates, dates[1:] + [None]):
        segment = text[date.end:following.start if following else len(text)]
        decision = _DECISION.search(segment)
        masked = _DECISION.sub(lambda found: "＿" * len(found.group()), segment)
        verb = _PASSAGE_VERB.search(masked)
        if verb is None:
            continue
        body = squeeze(segment[:verb.start()])
        events.append(PassageEvent(date.iso, _ACTIONS[verb["verb"]], body.removeprefix("根据"),
                                   decision.group() if decision else ""))
    return events


def _organ(event: PassageEvent) -> str:
    """The body that acted: "重庆市第五届人民代表大会常务委员会第二十二次会议" -> "重庆市人民代表大会常务委员会",
    "中华人民共和国国务院令第722号" -> "国务院", "国务院第66次常务会议" -> "国务院"."""
    organ = _ORDER.sub("", _DECISION.sub("", event.body))
    organ = _SESSION.sub("", _TERM.sub("", organ))
    return organ.removeprefix(_STATE) if organ != _STATE else ""


def _amendments(events: Sequence[PassageEvent]) -> tuple[Amendment, ...]:
    return tuple(Amendment(e.date, AmendmentKind(e.action.value), e.decision or e.body) for e in events
                 if e.action in (PassageAction.AMENDED, PassageAction.REVISED))


def _first_date(events: Sequence[PassageEvent], action: PassageAction) -> str | None:
    return next((e.date for e in events if e.action == action), None)


def _passage_issuer(events: Sequence[PassageEvent]) -> str | None:
    """The adopting body, else the promulgating one."""
    for action in (PassageAction.ADOPTED, PassageAction.PROMULGATED):
        organ = next((o for e in events if e.action == action and (o := _organ(e))), None)
        if organ:
            return organ
    return None


def _version_date(events: Sequence[PassageEvent]) -> str | None:
    """The date of the text as it stands: its last amendment, else its promulgation or adoption."""
    dated = [e.date for e in events if e.action not in (PassageAction.EFFECTIVE, PassageAction.APPROVED)]
    return max(dated) if dated else None


# -- level and legal force --------------------------------------------------------------------------------------------
def _bare_title(title: str) -> str:
    return _TITLE_SUFFIX_NOTE.sub("", title)


def title_place(title: str) -> str:
    """The place a title starts with ("重庆市城市园林绿化条例" -> "重庆市"); "" for a national title."""
    found = _PLACE.match(_NON_PLACE_WORDS.sub("", title))
    return found.group() if found else ""


def legal_force(issuer: str, title: str, doc_number: str, by_order: bool) -> LegalForce | None:
    """法律 / 行政法规 / 地方性法规 / 规章 / 规范性文件 from who issued it, what it is called and how it was published."""
    bare = _bare_title(title)
    if doc_number or (_NORMATIVE_TITLE.search(bare) and "关于" in bare):
        return LegalForce.NORMATIVE_DOCUMENT
    if issuer.startswith(_NATIONAL_CONGRESS) or (not issuer and bare.startswith(_STATE) and bare.endswith("法")):
        return LegalForce.LAW
    if not _REGULATION_TITLE.search(bare):
        return None
    if _PEOPLES_CONGRESS in issuer:
        return LegalForce.LOCAL_REGULATION
    if issuer == _STATE_COUNCIL:
        return LegalForce.ADMINISTRATIVE_REGULATION
    if issuer and (by_order or _GOVERNMENT.search(issuer)):
        return LegalForce.RULES
    if not issuer and bare.endswith("条例"):
        return LegalForce.LOCAL_REGULATION if title_place(bare) else LegalForce.ADMINISTRATIVE_REGULATION
    return None


# -- the document -----------------------------------------------------------------------------------------------------
def _preamble(paragraphs: Sequence[str]) -> list[str]:
    """Paragraphs before the first heading numbered 1 (一、 / 第一章 / （一） …)."""
    for index, paragraph in enumerate(paragraphs):
        ordinal = match_ordinal(paragraph)
        if ordinal is not None and ordinal.value == 1:
            return list(paragraphs[:index])
    return list(paragraphs)


def _implements(preamble: Sequence[str]) -> tuple[str, ...]:
    """文号 of documents the preamble says it carries out: 贯彻/落实/实施 …《…》（文号）."""
    numbers: dict[str, None] = {}  # ordered set
    for paragraph in preamble:
        for sentence in sentence_texts(paragraph):
            verb = _IMPLEMENTING_VERB.search(sentence)
            if verb is not None:
                numbers.update((number, None) for _, number in find_references(sentence[verb.end():]))
    return tuple(numbers)


def _signers(paragraphs: Sequence[str]) -> str | None:
    signers = [name for line in takewhile(is_org_line, paragraphs[signature_start(paragraphs):])
               for name in org_names(line)]
    return "、".join(signers) if signers else None


def _title_issuer(title: str) -> str | None:
    found = _TITLE_ISSUER.match(title)
    return "、".join(org_names(found.group(1))) or None if found else None


def _signature_date(paragraphs: Sequence[str]) -> str | None:
    block = paragraphs[signature_start(paragraphs):]
    return next((parse_date(p) for p in block if is_date_line(p)), None)


def issued_title(title: str) -> str:
    """The title of the text a 通知 issues ("关于印发甲市供水保障行动方案的通知" → 甲市供水保障行动方案); "" for any
    other title."""
    found = _ISSUED_TITLE.search(title)
    return found.group(1) if found else ""


def _cover_letter_date(paragraphs: Sequence[str], title: str) -> str | None:
    """"…关于印发《…方案》的通知": a short cover letter, signed and dated, then the text it issues; the letter's date
    is the document's when the end of the text carries none."""
    if not _ISSUING_NOTICE.search(title):
        return None
    return next((parse_date(p) for before, p in zip(paragraphs, paragraphs[1:])
                 if is_date_line(p) and is_org_line(before)), None)


def detect_metadata(normalised_text: str) -> dict[str, object]:
    """What the text says about itself, keyed by DocMeta field name; fields that were not found are left out.

    The issuer is the body that adopted or promulgated it (passage lines), else the signer(s) of the 落款, else the
    title's prefix before 关于; a 行政法规 named only by its title ("节约用水条例") is the State Council's.
    """
    every_paragraph = [p for p in normalised_text.split("\n") if p.strip()]
    information_end = info_end(every_paragraph)
    paragraphs = every_paragraph[:body_end(every_paragraph, information_end)]  # the attachments say nothing here
    header = read_header(paragraphs)
    events = passage_events(header.passage_lines)
    title = header.title
    issuer = _passage_issuer(events) or _signers(paragraphs) or _title_issuer(title) or ""
    force = legal_force(issuer, title, header.doc_number,
                        any(_ORDER_IN_BODY.search(e.body) for e in events)) if title else None
    if not issuer and force == LegalForce.ADMINISTRATIVE_REGULATION:
        issuer = _STATE_COUNCIL
    place = title_place(_bare_title(title))
    level = (administrative_level(issuer) if issuer
             else administrative_level(place) if place
             else Level.NATIONAL if force in (LegalForce.LAW, LegalForce.ADMINISTRATIVE_REGULATION) else None)
    found: dict[str, object] = {
        "title": title or None,
        "doc_number": header.doc_number or None,
        "issuer": issuer or None,
        "date": _version_date(events) or _signature_date(paragraphs) or _cover_letter_date(
            paragraphs[header.end:], title),
        "level": level,
        "force": force,
        "adopted": _first_date(events, PassageAction.ADOPTED),
        "promulgated": _first_date(events, PassageAction.PROMULGATED),
        "effective": _first_date(events, PassageAction.EFFECTIVE),
        "amendments": _amendments(events) or None,
        "implements": _implements(_preamble(paragraphs[header.end: signature_start(paragraphs)])) or None,
        "info_lines": tuple(paragraphs[:information_end]) or None,
    }
    return {field: value for field, value in found.items() if value is not None}
