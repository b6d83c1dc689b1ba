"""Quantitative targets and limits read out of clause sentences by tested rules; no model is involved.

Targets: a sentence states a target when it has a deadline or period (到2025年, “十四五”期间, 2025年前) and a number
with a unit tied to a comparison (达到 35%, 新增 … 150万千瓦以上, 新建 12个 …). A number followed by 的 is a
threshold that picks out who the target applies to (“超过300吨/日的区县”), not a target value; the target of such a
sentence is what its subject must achieve, e.g. 基本实现原生生活垃圾零填埋, recorded with value 0 and the
threshold phrase as its scope. Deadlines without a number (到2035年…基本建成) and numbers without a unit
(“十四五”, 三年行动计划) are not targets.

Limits, as laws and regulations state them, need no deadline: a share, ratio, measure, count or frequency bound by a
comparison (绿地率…不低于百分之三十, 每公顷不低于十米, 每年…不少于一次, 植物种植面积应当不低于其绿地总面积的百分之八十),
or a rate with its value (绿化覆盖率 百分之六十). They are read by the numeral normaliser (kb.text.numerals), so Chinese
numerals count as Arabic ones do. Money, multiples and time limits are not limits of this kind, and nothing in a
sentence that imposes a penalty is (处…罚款 is a sanction, not a target).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kb.analysis.tables import column
from kb.schema import ParsedDocument
from kb.text.numerals import Quantity, QuantityKind, find_quantities
from kb.text.provisions import PENALTY_CUE


@dataclass(frozen=True)
class Target:
    doc: str = field(metadata=column("文号"))
    clause: str = field(metadata=column("条款"))
    indicator: str = field(metadata=column("指标"))
    value: str = field(metadata=column("目标值"))  # as written, digits only: "35", "1.5", "0" for 零填埋
    unit: str = field(metadata=column("单位"))  # "%", "万千瓦", "个", "" for a zero target
    comparison: str = field(metadata=column("比较"))  # "达到", "新增…以上", "稳定保持在…以上", "基本实现"
    deadline_or_period: str = field(metadata=column("时限"))  # "到2025年", "“十四五”期间"
    scope: str = field(metadata=column("适用范围"))  # who a threshold picks out, "" when the target is general
    sentence: str = field(metadata=column("原文"))


_YEAR = r"(?:\d{4}|[〇○零一二三四五六七八九]{4})"  # 2025, 二〇二五
_DEADLINE = re.compile(rf"到\s*{_YEAR}\s*年[底末]?"  # 到2025年, 到2025年底
                       rf"|{_YEAR}\s*年底?(?:以前|前)"  # 2025年前
                       r"|“?\s*十[一二三四五六七八九]\s*五\s*”?\s*(?:期间|时期|末)")  # “十四五”期间
_UNIT_WORDS = "千瓦时|千瓦|立方米|平方米|公顷|公里|千米|微克|吨|亩|个|家|座|处|项|台|辆|套|所|条|户|人|元|倍"
_UNIT = rf"(?:[万亿](?:{_UNIT_WORDS})?|(?:{_UNIT_WORDS}))(?:/(?:立方米|日|天|年))?|%"
_QUANTITY = re.compile(rf"(?<![A-Za-z0-9.])(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>{_UNIT})"
                       r"\s*(?P<bound>以上|以下|以内|左右)?")
_SEGMENT = re.compile(r"[^，,；;：:。！？]+")
_LEAD_WORDS = ("新增", "新建", "巩固", "建成", "累计", "完成", "改造", "培育", "创建", "打造")
_TRAIL_WORDS = ("稳定保持在", "保持在", "控制在", "提高至", "提高到", "提升至", "提升到", "降低至", "降低到", "增长到",
                "不低于", "不少于", "不超过", "不高于", "达到", "提高", "降低", "下降", "减少", "增长", "增加", "超过",
                "低于", "高于", "增至", "降至", "突破", "新增", "新建")
_LEAD = re.compile(rf"^(?P<word>{'|'.join(_LEAD_WORDS)})")
_TRAIL = re.compile(rf"(?P<each>分别)?(?P<word>{'|'.join(_TRAIL_WORDS)})$")
_QUALIFIERS = re.compile(r"^(?:力争|确保|全市|全区|全省|全国)+")
# What joins a list of values ("1.2万吨、0.1万吨、2.5万吨和0.6万吨"): no words of the next value's own.
_LIST_JOINERS = re.compile(r"^(?:、|以及|和|及|与)+|(?:、|以及|和|及|与)+$")
_ZERO_TARGET = re.compile(r"^(?P<scope>.*?)(?P<verb>(?:基本)?实现)(?P<object>[^零]*)"
                          r"零(?P<action>[\u4e00-\u9fff]{1,4})$")  # …实现原生生活垃圾零填埋
# Where a list shares its tail ("战略性新兴产业、高技术产业占…比重"), the tail starts at one of these.
_SHARED_TAIL = re.compile(r"占|的")


@dataclass(frozen=True)
class _Reading:
    """One target value read from a clause segment, before the document and the deadline are attached."""

    indicator: str
    value: str
    unit: str
    comparison: str
    scope: str = ""


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _is_threshold(segment: str, quantity: re.Match[str]) -> bool:
    """"超过300吨/日的区县": a number that qualifies a noun picks out who, it is no target value
    ("达到40%的水平" still is one)."""
    rest = segment[quantity.end():].lstrip()
    return rest.startswith("的") and not rest.startswith(("的水平", "的目标"))


def _share_tail(head: str, count: int) -> list[str]:
    """"A、B占…比重" with 分别 and two values -> ["A占…比重", "B占…比重"]; the whole head when it does not split."""
    items = head.split("、")
    if len(items) != count:
        return [head] * count
    tail = _SHARED_TAIL.search(items[-1], 1)
    if tail is None:
        return items
    shared = items[-1][tail.start():]
    return [item + shared for item in items[:-1]] + [items[-1][:tail.start()] + shared]


def _backfill(readings: list[_Reading]) -> list[_Reading]:
    """"巩固1000个、新建1000个美丽宜居乡村": a value with no noun of its own shares the next one's."""
    filled: list[_Reading] = []
    following = ""
    for reading in reversed(readings):
        following = reading.indicator or following
        filled.append(replace(reading, indicator=following))
    return [r for r in reversed(filled) if r.indicator]


def _zero_targets(segment: str) -> list[_Reading]:
    match = _ZERO_TARGET.match(segment)
    if match is None:
        return []
    return [_Reading(match["object"] + match["action"], "0", "", match["verb"], match["scope"])]


def _comparison(lead: re.Match[str] | None, trail: re.Match[str] | None, bound: str | None) -> str:
    """"新增" … "以上" -> "新增…以上"; "分别提高至" -> "提高至"."""
    words = [m["word"] for m in (lead, trail) if m is not None]
    return "…".join(words + [bound] if bound else words)


def _segment_targets(segment: str) -> list[_Reading]:
    segment = _squeeze(_DEADLINE.sub("", segment))
    quantities = [q for q in _QUANTITY.finditer(segment) if not _is_threshold(segment, q)]
    if not quantities:
        return _zero_targets(segment)
    bounds = [0] + [q.end() for q in quantities]
    prefixes = [_QUALIFIERS.sub("", _LIST_JOINERS.sub("", segment[bounds[i]:q.start()])) for i, q in enumerate(quantities)]
    nouns = [segment[q.end():(quantities[i + 1].start() if i + 1 < len(quantities) else None)].split("、")[0]
             for i, q in enumerate(quantities)]
    readings: list[_Reading] = []
    i = 0
    while i < len(quantities):
        lead, trail = _LEAD.search(prefixes[i]), _TRAIL.search(prefixes[i])
        if lead and trail and trail.start() < lead.end():
            trail = None  # the prefix is the one verb: "新建" in "新建12个…"
        run = 1 + next((n for n, p in enumerate(prefixes[i + 1:]) if p), len(prefixes) - i - 1)
        if lead or trail:
            head = prefixes[i][lead.end() if lead else 0:trail.start() if trail else None]
            indicators = _share_tail(head, run) if trail and trail["each"] else [head] * run
            for j, quantity in enumerate(quantities[i:i + run]):
                readings.append(_Reading(indicators[j] or nouns[i + j], quantity["value"], quantity["unit"],
                                         _comparison(lead, trail, quantity["bound"])))
        i += run
    return _backfill(readings)


def _deadline_for(deadlines: list[re.Match[str]], segment_end: int) -> str:
    """The last deadline that starts before the segment ends (the first one if all come later)."""
    before = [d for d in deadlines if d.start() < segment_end]
    return _squeeze((before[-1] if before else deadlines[0]).group())


_LIMIT_KINDS = frozenset({QuantityKind.PERCENT, QuantityKind.RATIO, QuantityKind.MEASURE, QuantityKind.COUNT,
                          QuantityKind.FREQUENCY})
# Comparisons that set a norm: a number bound by one is a limit even when a noun follows ("不少于五十米的缓冲带").
_NORM_WORDS = ("不得低于", "不得少于", "不得超过", "不得高于", "不低于", "不少于", "不超过", "不高于", "不多于",
               "至少", "至多", "最低", "最高")
_LEVEL_WORDS = ("稳定保持在", "保持在", "控制在", "达到", "提高至", "提高到", "提升至", "提升到", "降低至", "降低到",
                "增长到", "增至", "降至")  # a level to reach; 新建 / 新增 count work done, not a limit
_COMPARISON = re.compile("|".join(sorted({*_NORM_WORDS, *_LEVEL_WORDS}, key=len, reverse=True)))
_RATE_BEFORE = re.compile(r"(?:率|比例|比重)(?:为|是)?$")  # "绿化覆盖率 百分之六十"
_ITEM_NUMBER = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_MODAL_TAIL = re.compile(r"(?:应当|必须|须|应|要|均|一般|按照|其)+$")
_MODAL_HEAD = re.compile(r"^(?:应当|必须|须|应|要|均|一般|按照|其)+")


def _digits(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}".rstrip("0").rstrip(".")


def _limit_value(quantity: Quantity) -> str:
    if quantity.value is not None:
        return _digits(quantity.value)
    if quantity.low is not None and quantity.high is not None:
        return f"{_digits(quantity.low)}–{_digits(quantity.high)}"
    return _digits(quantity.low if quantity.low is not None else quantity.high)  # type: ignore[arg-type]


def _limit_reading(segment: str, start: int, end: int, quantity: Quantity) -> _Reading | None:
    """The limit that quantity (at segment[start:end]) states, or None when it states none."""
    before, after = _squeeze(segment[:start]), segment[end:].lstrip()
    bound = quantity.bound if quantity.bound and _COMPARISON.search(quantity.bound) else ""
    comparison, head = bound, before
    if not comparison:  # "不低于其绿地总面积的百分之八十"; a bare 以上 / 以下 is a scope ("涉及两个以上行政区域的")
        words = list(_COMPARISON.finditer(before))
        if words:
            comparison, head = words[-1].group(), before[:words[-1].start()]
        elif not _RATE_BEFORE.search(before):
            return None
    normative = any(word in comparison for word in _NORM_WORDS)
    if after.startswith("的") and not normative:
        return None  # "面积达到二十公顷的" picks out whom a rule applies to
    indicator = _MODAL_HEAD.sub("", _MODAL_TAIL.sub("", _QUALIFIERS.sub("", _ITEM_NUMBER.sub("", head))))
    if quantity.kind in (QuantityKind.FREQUENCY, QuantityKind.COUNT) and after and not after.startswith("的"):
        indicator = after  # "开展不少于一次业务知识培训": what is counted
    return _Reading(indicator, _limit_value(quantity), quantity.unit or "", comparison, "")


def _segment_limits(segment: re.Match[str], quantities: Iterable[Quantity],
                    skip_arabic: bool) -> list[tuple[Quantity, _Reading]]:
    """The limits stated in one segment of a sentence, with the quantity each was read from."""
    readings = []
    for quantity in quantities:
        inside = segment.start() <= quantity.start and quantity.end <= segment.end()
        if not inside or quantity.kind not in _LIMIT_KINDS or (skip_arabic and re.search(r"\d", quantity.text)):
            continue
        reading = _limit_reading(segment.group(), quantity.start - segment.start(), quantity.end - segment.start(),
                                 quantity)
        if reading is not None:
            readings.append((quantity, reading))
    return readings


def sentence_targets(sentence: str, doc: str = "", clause: str = "") -> list[Target]:
    """Every quantitative target and limit a sentence states, in order: targets with a deadline or period, and
    limits in Chinese or Arabic numerals (Arabic numbers under a deadline are read as targets above)."""
    deadlines = list(_DEADLINE.finditer(sentence))
    quantities = [] if PENALTY_CUE.search(sentence) else find_quantities(sentence)
    found = []
    for segment in _SEGMENT.finditer(sentence):
        deadline = _deadline_for(deadlines, segment.end()) if deadlines else ""
        readings = _segment_targets(segment.group()) if deadlines else []
        for r in readings:
            found.append(Target(doc, clause, r.indicator, r.value, r.unit, r.comparison, deadline, r.scope, sentence))
        for quantity, r in _segment_limits(segment, quantities, bool(deadlines)):
            found.append(Target(doc, clause, r.indicator, r.value, r.unit, r.comparison,
                                deadline or quantity.period or "", r.scope, sentence))
    return found


def targets(docs: Iterable[ParsedDocument]) -> list[Target]:
    """Every quantitative target in the documents, in document order."""
    return [target for doc in docs for clause in doc.clauses for sentence in clause.sentences
            for target in sentence_targets(sentence.text, doc.meta.citation_name, clause.label)]
