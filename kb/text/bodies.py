"""Government bodies and officials as Chinese administration writes them, read by grammar rather than a word list.

A body is a run of Chinese characters ending in a body noun: …人民政府, …主管部门, …行政主管部门, …办公室, …委员会,
县级以上…部门, …局/厅/委/办, …机关/机构, 河长/总河长-style posts, …办事处. Duty holders (…单位, 经营者, 生产者,
企业) are a separate rule: they are who a duty binds, not who administers it.
"""

from __future__ import annotations

import re

# Longest first, so "行政主管部门" is one suffix, not "部门" after "行政主管".
_BODY_NOUNS = ("行政主管部门", "主管部门", "有关部门", "人民政府", "领导小组", "办公室", "委员会", "办事处", "管理机构",
               "机关", "机构", "部门", "政府", "总河长", "河长", "林长", "局", "厅", "委", "署", "办")
_DUTY_HOLDER_NOUNS = ("生产经营单位", "排污单位", "重点用能单位", "建设单位", "经营者", "生产者", "销售者", "使用者",
                      "单位", "企业", "个人")
# A body's name runs over place, level and field words but never over a verb or a joining word: "市城市园林绿化主管部门
# 应当会同市规划自然资源部门" names two bodies. The run is bounded, so matching stays linear.
_BREAKS = ("应当", "负责", "会同", "牵头", "配合", "指导", "组织", "加强", "做好", "按照", "依照", "依据", "根据", "报经",
           "实行", "建立", "制定", "编制", "批准", "和", "及", "与", "或", "的", "对", "向", "由", "在", "将", "把", "为",
           "是", "要", "并", "等", "经", "报", "可", "须", "属于")
_RUN = rf"(?:(?!{'|'.join(_BREAKS)})[\u4e00-\u9fff（）()])"
_MULTI = "|".join(n for n in _BODY_NOUNS if len(n) > 1)
# Single-character nouns only where they end the name: "市财政局" but not "局面", "委托", "办法".
_SINGLE = r"局(?![长面势部限])|厅(?!长)|委(?![员托派屈会])|办(?![法理公事结])|署(?!名)"


def _name_start(breaks: tuple[str, ...]) -> str:
    """Where a name starts: after a non-name character or right after a break word, never inside one ("会同市…部门")."""
    return "(?:(?<![\\u4e00-\\u9fff（）()])|" + "|".join(f"(?<={b})" for b in breaks) + ")"


_START = _name_start(_BREAKS)
# A body names a place, a level or a field before its noun; a bare "部门" or "局" is not a name.
# The state's highest organs and the courts are named without a body noun ("具体办法由国务院规定", "向人民法院起诉").
_ORGANS = r"国务院|(?:最高|高级|中级|基层)?人民(?:法院|检察院)"
_BODY = re.compile(rf"{_START}(?:{_RUN}{{1,24}}(?:{_MULTI})|{_RUN}{{2,16}}(?:{_SINGLE})|{_ORGANS})")
_DUTY_HOLDER = re.compile("|".join(_DUTY_HOLDER_NOUNS))
# A named party a law binds or punishes: a run of place, field and kind words ending in a party noun ("建设单位",
# "技术服务机构", "生产经营单位", "网约车平台"), bounded as a body's name is, except that a party's name may hold a
# word a body's may not (经营, 可再生).
_PARTY_NOUNS = ("单位", "企业", "机构", "公司", "平台", "经营者", "生产者", "销售者", "使用者", "所有者", "业主",
                "所有权人", "使用权人", "权利人", "责任人", "承包人", "当事人")
_PARTY_BREAKS = (*(b for b in _BREAKS if b not in ("经", "报", "可", "须", "要")), "可以", "要求")
_PARTY = re.compile(rf"{_name_start(_PARTY_BREAKS)}(?:(?!{'|'.join(_PARTY_BREAKS)})[\u4e00-\u9fff]){{1,12}}?"
                    rf"(?:{'|'.join(_PARTY_NOUNS)})")
# Who asks is no party's name ("我们企业", "本单位"), nor is any party at all ("有关单位", "任何单位").
_PRONOUNS = re.compile(r"^(?:我们|你们|他们|我|你|他|本|该|这|那|其|每个|各|有关|相关|其他|任何|所有|一切)")
# Words a body name never starts with; a match that begins with them is trimmed ("其他有关部门" -> "有关部门").
_LEADING_WORDS = re.compile(r"^(?:[（(][一二三四五六七八九十0-9]{1,3}[）)]|[（）()]|其他|各|同级|本级)+")
# Words ending in a body noun that are not bodies.
_NOT_BODIES = re.compile(r"格局|布局|结局|开局|当局|大局|全局|时局|终局|规则委|主任委|委托|委派")


# A name runs on past a noun that is part of it: "市机关事务局" is no "市机关", "市人民政府办公厅" no "市人民政府".
_NAME_GOES_ON = re.compile(rf"{_RUN}{{0,6}}?(?:{_SINGLE})")


def find_bodies(text: str) -> list[str]:
    """Every government body or official named in the text, in order, as written ("县级以上地方人民政府林业主管部门")."""
    found = []
    end = 0
    for match in _BODY.finditer(text):
        if match.start() < end:
            continue  # inside the name before, which ran on
        goes_on = _NAME_GOES_ON.match(text, match.end())
        end = goes_on.end() if goes_on else match.end()
        name = _LEADING_WORDS.sub("", text[match.start():end])
        if len(name) >= 2 and not _NOT_BODIES.search(name):
            found.append(name)
    return found


# A 方案's note of who does a task: "责任单位：…", "牵头单位：…；配合单位：…", "（市发展改革委牵头，市财政局配合）",
# "（国家发展改革委等按职责分工负责）".
# (A sentence of the text saying "由市水利局负责，…" is no note: a note is a line of its own or a whole bracket.)
_RESPONSIBILITY_NOTE = re.compile(r"^[（(]?(?:责任|牵头|主办|配合)(?:单位|部门)[：:]"
                                  r"|^[（(][^（）()]{2,80}(?:牵头|负责|配合|落实)[^（）()]{0,20}[）)][。；]?$")


def is_responsibility_note(text: str) -> bool:
    """Whether the sentence is a 方案's note of the bodies that do its task."""
    return _RESPONSIBILITY_NOTE.search(text) is not None


def names_body(text: str) -> bool:
    return bool(find_bodies(text))


def find_duty_holders(text: str) -> list[str]:
    """Who a duty binds: "生产经营单位", "经营者", "排污单位" …, in order of appearance."""
    return [m.group() for m in _DUTY_HOLDER.finditer(text)]


def find_parties(text: str) -> list[str]:
    """Every party the text names by its kind ("建设单位", "设计单位", "技术服务机构"), in order; bodies are not parties."""
    return [m.group() for m in _PARTY.finditer(text) if not _PRONOUNS.match(m.group())]
