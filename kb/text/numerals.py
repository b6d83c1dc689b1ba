"""Quantities as Chinese laws, regulations and policy documents write them.

Fines (处一万元以上五万元以下的罚款), time limits (十五个工作日内), shares (百分之六十),
frequencies (每年至少两次), multiples (违法所得一倍以上三倍以下) and capacities
(一百二十万千瓦) are read into values with units and bounds, in Chinese numerals, Arabic
numerals and their mixes (1.5万元).

Every pattern is bounded (a numeral is at most 20 characters, every other piece a fixed
word), and the scan is one left-to-right pass, so the cost is linear in the input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum


class QuantityKind(StrEnum):
    """What a quantity measures; the unit says in what."""

    MONEY = "money"
    PERCENT = "percent"
    DURATION = "duration"
    FREQUENCY = "frequency"
    MULTIPLE = "multiple"
    COUNT = "count"
    YEAR = "year"
    MEASURE = "measure"
    RATIO = "ratio"
    PLAIN = "plain"


@dataclass(frozen=True)
class Quantity:
    """One quantity found in a text.

    `value` is in the base unit (money in 元, so 1.5万元 is 15000); durations keep their own
    unit (日, 工作日, 月, 年) because months and years are not a fixed number of days.
    `low`/`high` are the bounds the text states: equal for an exact amount, one of them None
    for 不少于/以内 and the like; `value` is None for a range, which has two numbers.
    `bound` keeps the bound words as written ("以上…以下", "至", "内"); `period` the 每… of a
    rate ("每年" in 每年至少两次).
    """

    text: str
    start: int
    end: int
    kind: QuantityKind
    value: float | None
    unit: str | None
    low: float | None
    high: float | None
    bound: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class _Unit:
    """What a written unit means: 万分之 is a ratio in ‱, 成 a percent times ten."""

    kind: QuantityKind
    unit: str
    factor: float = 1
    plus_half: bool = False  # 一年半, 两个半月: the half sits after the unit


_K = QuantityKind
_UNITS: dict[str, _Unit] = {
    "元": _Unit(_K.MONEY, "元"),
    "%": _Unit(_K.PERCENT, "%"),
    "个百分点": _Unit(_K.PERCENT, "百分点"),
    "百分点": _Unit(_K.PERCENT, "百分点"),
    "成": _Unit(_K.PERCENT, "%", factor=10),
    "‰": _Unit(_K.RATIO, "‰"),
    "‱": _Unit(_K.RATIO, "‱"),
    "个工作日": _Unit(_K.DURATION, "工作日"),
    "工作日": _Unit(_K.DURATION, "工作日"),
    "日": _Unit(_K.DURATION, "日"),
    "天": _Unit(_K.DURATION, "日"),
    "个月": _Unit(_K.DURATION, "月"),
    "个半月": _Unit(_K.DURATION, "月", plus_half=True),
    "月": _Unit(_K.DURATION, "月"),
    "年": _Unit(_K.DURATION, "年"),
    "年半": _Unit(_K.DURATION, "年", plus_half=True),
    "周年": _Unit(_K.DURATION, "年"),
    "周岁": _Unit(_K.DURATION, "年"),  # an age: years lived, not a calendar year
    "岁": _Unit(_K.DURATION, "年"),
    "个季度": _Unit(_K.DURATION, "季度"),
    "季度": _Unit(_K.DURATION, "季度"),
    "周": _Unit(_K.DURATION, "周"),
    "个星期": _Unit(_K.DURATION, "周"),
    "星期": _Unit(_K.DURATION, "周"),
    "个小时": _Unit(_K.DURATION, "小时"),
    "个半小时": _Unit(_K.DURATION, "小时", plus_half=True),
    "小时": _Unit(_K.DURATION, "小时"),
    "分钟": _Unit(_K.DURATION, "分钟"),
    "次": _Unit(_K.FREQUENCY, "次"),
    "倍": _Unit(_K.MULTIPLE, "倍"),
    **{word: _Unit(_K.COUNT, word) for word in (
        "个 家 项 处 座 台 辆 人次 人 户 件 名 批 种 栋 幢 株 棵 艘 架 套 宗 份".split())},
    **{word: _Unit(_K.MEASURE, word) for word in (
        "千瓦时 千瓦 兆瓦时 兆瓦 吉瓦 千伏 瓦 吨标准煤 吨 千克 公斤 公顷 亩 "
        "平方公里 平方千米 平方米 立方米 公里 米 分贝 微克/立方米 毫克/立方米 毫克/升".split())},
}
# Units that begin words which are not units: 一次性 is an adjective, 一成不变 an idiom.
_UNIT_EXCEPTIONS = {"次": "(?!性)", "成": "(?![员本果为立效熟交功绩型品不])"}

_RATIO_PREFIXES = {"百分之": _Unit(_K.PERCENT, "%"), "千分之": _Unit(_K.RATIO, "‰"),
                   "万分之": _Unit(_K.RATIO, "‱")}
# 三分之二以上, 五分之一: a fraction is a share, read as the percent it is (rounded to two decimals).
_FRACTION_PREFIX = "(?:[二两三四五六七八九]|十[一二三四五六七八九]?)分之"
_PERIODS = ("每个工作日", "每半年", "每季度", "每年度", "每年", "每月", "每周", "每日", "每天")

# Bound words, split by what they bound; strict ones exclude the number itself.
# 不得超过 is listed whole: read from 超过 it would say "more than".
_LOW_WORDS = frozenset("以上 及以上 不少于 不得少于 不低于 不得低于 至少 最少 最低 最短 超过 高于 多于 余 多".split())
_HIGH_WORDS = frozenset(("以下 及以下 以内 之内 内 不超过 不得超过 不高于 不得高于 不多于 不得多于 至多 最多 最高 最长 "
                         "不足 不满 未满 低于 少于").split())
_STRICT_WORDS = frozenset("超过 高于 多于 余 多 不足 不满 未满 低于 少于".split())
_TRAILING_BOUNDS = ("及以上", "及以下", "以上", "以下", "以内", "之内", "内", "左右")
_LEADING_BOUNDS = (_LOW_WORDS | _HIGH_WORDS) - {"余", "多", *_TRAILING_BOUNDS}
_APPROXIMATE = "左右"
_RANGE_CONNECTORS = ("至", "到", "~", "-", "——", "—", "–")

_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_DIGIT_VALUES = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_LARGE_UNITS = {"万": 10**4, "亿": 10**8}
_MULTIPLIERS = _CN_SMALL_UNITS | _CN_LARGE_UNITS
_DIGIT_STRING = str.maketrans({ch: str(v) for ch, v in _CN_DIGIT_VALUES.items()})
_MAX_NUMERAL = 20

# Full-width forms are folded one character for one, so offsets stay those of the input.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９％．～－", "0123456789%.~-")
# Text extracted from PDFs puts spaces around numbers (达到 3000 个, 2021 年 10 月): up to two are read through.
_GAP_CHARS = " \u3000\xa0"
_GAP = f"[{_GAP_CHARS}]{{0,2}}"
_WITHOUT_GAPS = str.maketrans("", "", _GAP_CHARS)


def _alternation(words: Iterable[str]) -> str:
    """Longest first, so 个工作日 wins over 个 and 不低于 over 低于."""
    return "|".join(re.escape(w) + _UNIT_EXCEPTIONS.get(w, "") for w in sorted(words, key=len, reverse=True))


# A numeral character that does not start a unit: 千 of 千瓦, 百 of 百分之 or 百分点.
_NUMERAL_CHAR = rf"(?:(?!千[瓦伏克]|[百千万]分之|百分点)[{_CN_DIGITS}十百千万亿])"
_NOT_AFTER_NUMERAL = rf"(?<![0-9.,{_CN_DIGITS}十百千万亿半])"
_NOT_BEFORE_NUMERAL = rf"(?![0-9半]|[.,][0-9]|{_NUMERAL_CHAR})"
_ARABIC = r"(?:[0-9]{1,3}(?:,[0-9]{3}){1,4}|[0-9]{1,12})(?:\.[0-9]{1,6})?"
# A Chinese numeral starts with a digit or 十: a leading 千/万 is a word (千家万户, 万一).
_CHINESE = (rf"(?:[{_CN_DIGITS}]|十){_NUMERAL_CHAR}{{0,{_MAX_NUMERAL - 1}}}"
            rf"(?:点[{_CN_DIGITS}]{{1,6}}[万亿]{{0,2}})?")
_HALF = "(?<![上下每])半"  # 上半年 is a part of a year, 每半年 a period
_NUMERAL = (rf"{_NOT_AFTER_NUMERAL}(?:{_ARABIC}(?:{_GAP}{_NUMERAL_CHAR}{{1,2}})?|{_CHINESE}|{_HALF})"
            rf"{_NOT_BEFORE_NUMERAL}")
_UNIT_PATTERN = _alternation(_UNITS)

_TERM = re.compile(
    rf"(?P<period>{_alternation(_PERIODS)})?"
    rf"(?:(?P<lead>{_alternation(_LEADING_BOUNDS)}){_GAP})?"
    rf"(?:(?P<prefix>{_alternation(_RATIO_PREFIXES)})|(?P<fraction>{_FRACTION_PREFIX}))?"
    rf"(?P<numeral>{_NUMERAL})"
    rf"(?:{_GAP}(?P<approx>[余多])(?=(?:{_UNIT_PATTERN})))?"
    rf"(?:{_GAP}(?P<unit>{_UNIT_PATTERN}))?"
    rf"(?:{_GAP}(?P<trail>{_alternation(_TRAILING_BOUNDS)}))?"
)
_CONNECTOR = re.compile(rf"{_GAP}(?:{_alternation(_RANGE_CONNECTORS)}){_GAP}")
_ADJACENT = re.compile(_GAP)
_PERIOD_IN_CLAUSE = re.compile(_alternation(_PERIODS))
_LEAD_IN_CLAUSE = re.compile(_alternation(_LEADING_BOUNDS))
_CLAUSE_BREAK = re.compile(r"[，。；：、,;:！？!?\n]")
_MAY_HOLD_QUANTITY = re.compile(
    rf"[0-9０-９]|分之|[‰‱]"
    rf"|{_NOT_AFTER_NUMERAL}(?:{_CHINESE}|{_HALF}){_GAP}[余多]?{_GAP}(?:{_UNIT_PATTERN})"
)

_ARABIC_NUMERAL = re.compile(rf"({_ARABIC})([十百千万亿]{{0,3}})")
_CHINESE_DECIMAL = re.compile(rf"([{_CN_DIGITS}十百千万亿]+)点([{_CN_DIGITS}]+)([万亿]*)")
# Arabic numbers that label or code rather than count: （1）, 1、, 〔2021〕, 31号, GB 3095-2012.
_LABEL_BEFORE = frozenset("（(〔[【-/:：")
_LABEL_AFTER = frozenset("、.)）〕]】号-/:：")
_FREQUENCY_LOOKBACK = 24  # characters; a clause break ends the look sooner
# 一 after these is part of a word (上一年度, 同一项目, 统一, 唯一, 任一), not a count of one.
_WORD_BEFORE_ONE = frozenset("上下同统唯单逐之专划归合任其")
_DISPLAY_UNITS = {"月": "个月", "工作日": "个工作日"}  # 3月 would read as March
_SHARED_MULTIPLIERS = "百千万亿"  # not 十: 一至二十元 is 1–20


def chinese_number(text: str) -> float | None:
    """The value of a numeral written alone, or None when `text` is not one numeral.

    Reads 一百零五, 一万零五百, 三千五百万, 两, 十, 三点五, 半, 1.5万, 1,200, full-width ２０,
    and digit strings like 二〇二五 digit by digit (2025).
    """
    text = text.strip().translate(_FULL_WIDTH)
    if not text or len(text) > _MAX_NUMERAL:
        return None
    if text == "半":
        return 0.5
    if arabic := _ARABIC_NUMERAL.fullmatch(text):
        return _scaled(float(arabic[1].replace(",", "")), arabic[2])
    if decimal := _CHINESE_DECIMAL.fullmatch(text):
        whole = _chinese_integer(decimal[1])
        if whole is None:
            return None
        return _scaled(float(f"{whole}.{decimal[2].translate(_DIGIT_STRING)}"), decimal[3])
    value = _digit_string(text)
    if value is None:
        value = _chinese_integer(text)
    return None if value is None else float(value)


def _scaled(value: float, multipliers: str) -> float:
    """1.5万 is 1.5 × 10⁴; rounding drops the binary noise of 2.3 × 10000."""
    for ch in multipliers:
        value *= _MULTIPLIERS[ch]
    return round(value, 6)


def _digit_string(text: str) -> int | None:
    """二〇二五 read digit by digit; two digits alone only with a zero (二〇), since 三四 means "three or four"."""
    if not all(ch in _CN_DIGIT_VALUES for ch in text):
        return None
    if len(text) == 2 and not set(text) & {"〇", "零"}:
        return None
    return int(text.translate(_DIGIT_STRING))


def _chinese_integer(text: str) -> int | None:
    """Positional reading of 一千二百三十四万五千六百七十八; None when malformed (十四五).

    A digit right after a unit without 零 is the next place down, as people write it:
    一万五 is 15000, 三千五 is 3500 (and 十五 is 15 by the same rule).
    """
    total = 0  # whole 亿 groups
    wan_group = 0  # the 万 group inside the current 亿
    section = 0  # below 万
    digit: int | None = None
    last_unit: int | None = None  # the unit just read, for the elided place
    smallest_in_section: int | None = None
    after_zero = False
    for ch in text:
        if ch in _CN_DIGIT_VALUES:
            if digit is not None:
                return None
            if _CN_DIGIT_VALUES[ch] == 0:
                after_zero = True
            else:
                digit = _CN_DIGIT_VALUES[ch]
        elif ch in _CN_SMALL_UNITS:
            unit = _CN_SMALL_UNITS[ch]
            if smallest_in_section is not None and unit >= smallest_in_section:
                return None
            section += (1 if digit is None else digit) * unit
            digit, last_unit, smallest_in_section, after_zero = None, unit, unit, False
        elif ch in _CN_LARGE_UNITS:
            below = section + (digit or 0)
            if ch == "万":
                if wan_group:
                    return None
                wan_group = (below or 1) * 10**4
            else:
                if total:
                    return None
                total, wan_group = ((wan_group + below) or 1) * 10**8, 0
            section, digit, last_unit, smallest_in_section, after_zero = 0, None, _CN_LARGE_UNITS[ch], None, False
        else:
            return None
    if digit is not None:
        section += digit if after_zero or last_unit is None else digit * last_unit // 10
    return total + wan_group + section


@dataclass(frozen=True)
class _Term:
    """One numeral with what is written around it, before ranges are merged."""

    start: int
    end: int
    value: float
    unit: _Unit | None
    words: tuple[str, ...]
    period: str | None
    is_arabic: bool
    numeral: str


def has_quantity(text: str) -> bool:
    """A cheap precheck for hot paths: False means find_quantities(text) is surely empty.

    One regex search: any Arabic digit, a 百分之-style prefix or fraction, or a Chinese numeral directly
    followed by a unit. It may say True for text that holds none (一个 in 统一个…).
    """
    return _MAY_HOLD_QUANTITY.search(text) is not None


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity in `text`, in order and non-overlapping, ranges merged into one.

    Not quantities: ordinals and labels (第十一条, （一）, 一、), words with numeral characters
    (一律, 统一, 十分, 万一), bare Chinese numerals with no unit (三同时, “十四五”), and the
    month and day of a date (2021年10月11日 gives only the year 2021).
    """
    if not has_quantity(text):
        return []
    folded = text.translate(_FULL_WIDTH)
    terms = [term for m in _TERM.finditer(folded) if (term := _read_term(folded, m)) is not None]
    quantities = []
    for first, last in _merge_ranges(folded, terms):
        quantity = _to_quantity(text, folded, first, last)
        if quantity is not None:
            quantities.append(quantity)
    return quantities


def _read_term(text: str, m: re.Match[str]) -> _Term | None:
    """A term from one match, or None for an ordinal, a word, a date part or an unreadable numeral."""
    numeral = m["numeral"].translate(_WITHOUT_GAPS)
    before = _char_before(text, m.start("numeral"))
    if before == "第" or (numeral == "一" and before in _WORD_BEFORE_ONE and not (m["prefix"] or m["fraction"])):
        return None
    value = chinese_number(numeral)
    if value is None or ((m["prefix"] or m["fraction"]) and m["unit"]):
        return None
    unit = _RATIO_PREFIXES[m["prefix"]] if m["prefix"] else _UNITS.get(m["unit"] or "")
    if m["fraction"]:
        denominator = chinese_number(m["fraction"].removesuffix("分之"))
        if not denominator or value > denominator:
            return None
        unit, value = _Unit(_K.PERCENT, "%"), round(value * 100 / denominator, 2)
    words = tuple(w for w in (m["lead"], m["approx"], m["trail"]) if w)
    if _is_date_part(before, m["unit"], words):
        return None
    if unit is not None:
        value = value * unit.factor + (0.5 if unit.plus_half else 0)
    period = m["period"]
    if unit is not None and unit.kind is _K.FREQUENCY:
        period, words = _frequency_context(text, m.start(), period, words)
    return _Term(start=m.start(), end=m.end(), value=value, unit=unit, words=words, period=period,
                 is_arabic=numeral[0] in "0123456789", numeral=numeral)


def _char_before(text: str, index: int) -> str:
    """The character before `index`, across a gap of spaces; "" at the start."""
    while index > 0 and text[index - 1] in _GAP_CHARS:
        index -= 1
    return text[index - 1] if index > 0 else ""


def _char_after(text: str, index: int) -> str:
    """The character at `index` or after a gap of spaces; "" at the end."""
    while index < len(text) and text[index] in _GAP_CHARS:
        index += 1
    return text[index] if index < len(text) else ""


def _is_date_part(before: str, written_unit: str | None, words: tuple[str, ...]) -> bool:
    """10月 and 11日 of 2021年10月11日, 每月15日, and a bare 3月, which names a month.

    Only 个月 is a span of months unless a bound says so (六月以内).
    """
    if written_unit == "月":
        return before == "年" or not words
    return written_unit in ("日", "天") and before == "月"


def _frequency_context(text: str, start: int, period: str | None,
                       words: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """The 每年 and 至少 of 每年至少组织一次: a frequency's period and bound often sit a few
    characters back in its clause, before the verb, rather than next to the number."""
    clause = _CLAUSE_BREAK.split(text[max(0, start - _FREQUENCY_LOOKBACK):start])[-1]
    if period is None:
        period = _last_found(_PERIOD_IN_CLAUSE, clause)
    if not words and (lead := _last_found(_LEAD_IN_CLAUSE, clause)):
        words = (lead,)
    return period, words


def _last_found(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.findall(text)
    return found[-1] if found else None


def _merge_ranges(text: str, terms: list[_Term]) -> Iterator[tuple[_Term, _Term]]:
    """Pairs (first, last) of terms: the same term twice, or the two ends of a range."""
    i = 0
    while i < len(terms):
        first = terms[i]
        if i + 1 < len(terms) and _is_range(text, first, terms[i + 1]):
            yield first, terms[i + 1]
            i += 2
        else:
            yield first, first
            i += 1


def _is_range(text: str, first: _Term, last: _Term) -> bool:
    """一万元以上五万元以下 (adjacent, 以上 then 以下) or 一至三年 / 5000元至1万元 (a connector)."""
    if last.unit is None or (first.unit is not None and first.unit.unit != last.unit.unit):
        return False
    if _ADJACENT.match(text, first.end).end() == last.start:
        return any(w in _LOW_WORDS for w in first.words) and any(w in _HIGH_WORDS for w in last.words)
    connector = _CONNECTOR.match(text, first.end)
    return not first.words and connector is not None and connector.end() == last.start


def _to_quantity(text: str, folded: str, first: _Term, last: _Term) -> Quantity | None:
    """The Quantity of a term or range; None for a bare Chinese numeral, a label or a code."""
    unit = last.unit
    if unit is None and (not first.is_arabic or _is_label(folded, first)):
        return None
    kind = _kind(first, last)
    common = dict(text=text[first.start:last.end], start=first.start, end=last.end, kind=kind,
                  unit=None if unit is None else unit.unit, period=first.period or last.period)
    if first is last:
        low, high = _bounds(first.value, first.words)
        return Quantity(value=first.value, low=low, high=high, bound=_joined(first.words), **common)
    low = _share_multiplier(first, last) if first.unit is None else first.value
    connector = () if first.words else ("至",)  # 以上…以下 has its own words; 至, 到, - all read 至
    return Quantity(value=None, low=low, high=last.value, bound=_joined(first.words + connector + last.words),
                    **common)


def _kind(first: _Term, last: _Term) -> QuantityKind:
    """The unit's kind, except that 2025年 is a calendar year, not 2025 years."""
    if last.unit is None:
        return _K.PLAIN
    if last.unit.unit == "年" and not last.unit.plus_half and _is_year_numeral(last.numeral):
        return _K.YEAR
    return last.unit.kind


def _is_year_numeral(numeral: str) -> bool:
    """Four Arabic digits or four Chinese digits read one by one (二〇二五)."""
    return len(numeral) == 4 and (numeral.isdigit() or all(ch in _CN_DIGIT_VALUES for ch in numeral))


def _bounds(value: float, words: tuple[str, ...]) -> tuple[float | None, float | None]:
    """(low, high) of one number: both for an exact amount, one side for 以上/以内 and kin."""
    has_low = any(w in _LOW_WORDS for w in words)
    has_high = any(w in _HIGH_WORDS for w in words)
    if not has_low and not has_high:
        return value, value
    return (value if has_low else None), (value if has_high else None)


def _share_multiplier(first: _Term, last: _Term) -> float:
    """一至三万元 means 10000–30000: the first end borrows the last one's trailing 百/千/万/亿
    when it has none and the result still does not exceed the last (5000至1万 stays 5000)."""
    trailing = last.numeral[-1]
    if trailing not in _SHARED_MULTIPLIERS or first.numeral[-1] in _SHARED_MULTIPLIERS:
        return first.value
    scaled = first.value * _MULTIPLIERS[trailing]
    return scaled if scaled <= last.value else first.value


def _is_label(text: str, term: _Term) -> bool:
    """（1）, 1、, 〔2021〕, 31号, GB3095: Arabic numbers that name rather than count."""
    before, after = _char_before(text, term.start), _char_after(text, term.end)
    return (before in _LABEL_BEFORE or after in _LABEL_AFTER
            or any(ch.isascii() and ch.isalpha() for ch in (before, after)))


def _joined(words: tuple[str, ...]) -> str | None:
    return "…".join(words) or None


def format_value(q: Quantity) -> str:
    """A canonical readable form for tables: 10000–50000元, 60%, ≥30日, ≤10日, 2次/年, 3个月."""
    unit = _DISPLAY_UNITS.get(q.unit, q.unit) if q.unit else ""
    if q.low is not None and q.high is not None and q.low != q.high:
        text = f"{_number(q.low)}–{_number(q.high)}{unit}"
    elif q.low is not None and q.high is not None:
        text = f"{'约' if q.bound == _APPROXIMATE else ''}{_number(q.low)}{unit}"
    else:
        strict = q.bound is not None and any(w in _STRICT_WORDS for w in q.bound.split("…"))
        if q.low is not None:
            text = f"{'>' if strict else '≥'}{_number(q.low)}{unit}"
        else:
            text = f"{'<' if strict else '≤'}{_number(q.high)}{unit}"
    return f"{text}/{q.period.removeprefix('每')}" if q.period else text


def _number(value: float) -> str:
    """30 rather than 30.0; 3.5 as is."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")
