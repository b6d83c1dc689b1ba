"""Penalties and the duties they punish, read from a law's or regulation's own cross-references.

A penalty provision names the duty it punishes: "违反本条例第十四条规定，生产经营单位未建立安全生产规章制度的，责令限期
改正；逾期未改正的，处二千元以上二万元以下的罚款" punishes the duty of 第十四条; "违反本法第二十七条第二款、第四款规定"
two paragraphs of 第二十七条; "未履行本条例第十六条第一款规定职责的" the first paragraph of 第十六条. A provision is a
clause whose text holds a sanction (a segment whose cue words give the penalty type, kb.analysis.obligations), or
whose lead does: the items (项) of "有下列行为之一的，由…处…罚款：" list punished conduct, and "违反本条例第三十一条、
第三十三条规定的，按照以下规定给予处罚：" leaves the fines to its items. Relative references (违反前款规定) are not
followed.

Each provision is read down to one short phrase (处二千元以上二万元以下罚款: the first fine, else the first other
sanction such as 责令限期改正 or 依法给予处分), the body that imposes it (由城市管理主管部门责令改正 -> 城市管理主管部门;
when the provision names none, the regulation's general rule "本条例规定的…违法行为由…负责查处" does) and the
provisions it punishes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kb.analysis.obligations import cue_obligation, obligation_cues
from kb.documents.normalize import chinese_numeral, numeral_value
from kb.schema import Clause, ObligationType, ParsedDocument
from kb.text.bodies import find_bodies

_NUMBER = r"[一二三四五六七八九十百千零〇两\d]+"
_ARTICLE = rf"第{_NUMBER}条(?:之[一二三四五六七八九十]+)?"
_PARAGRAPH = rf"第{_NUMBER}款"
_ITEM = rf"第[（(]{_NUMBER}[）)]项"
_PROVISION = rf"{_ARTICLE}(?:{_PARAGRAPH})?(?:{_ITEM})?"
_JOINER = r"(?:、|和|及|以及|或者|或)"
# This very text, as it calls itself: a law or regulation, or a 通告, 决定 … numbering its provisions 一、二、.
_THIS_TEXT = r"本(?:条例|法|办法|规定|细则|规则|通告|公告|决定|意见|通知|方案)"
# "本条例第三十一条、第三十三条", "本法第二十七条第二款、第四款": a list of provisions of this very text.
_REFERENCES = re.compile(rf"{_THIS_TEXT}(?P<list>{_PROVISION}(?:{_JOINER}(?:{_PROVISION}|"
                         rf"{_PARAGRAPH}(?:{_ITEM})?|{_ITEM}))*)")
_REFERENCE = re.compile(rf"(?P<article>{_ARTICLE})?(?P<rest>(?:{_PARAGRAPH})?(?:{_ITEM})?)")
_SEGMENTS = re.compile(r"[^，,；;。：:]+")
_FINE = re.compile(r"(?:按照?[^，,；;。：:]*?)?(?:并处|处以|(?<!办事)处)[^，,；;。：:]*?(?:罚款|罚金)")
# Where a sanction starts inside its segment: "由住房城乡建设管理部门责令限期改正" -> "责令限期改正".
_SANCTION_START = re.compile(r"责令|给予|依法|没收|吊销|暂扣|撤销|取消|处以|(?<!办事)处(?![罚理置所])|承担|追究|予以")
# "由<body>责令…": the body, up to the verb that follows it.
_ENFORCER = re.compile(r"由(?P<body>[^，,；;。：:]{2,40}?)(?=责令|(?<!办事)处|并处|给予|依法|没收|吊销|暂扣|撤销|取消|"
                       r"按照|依照|根据|予以|解除|决定|负责查处|实施|除|会同|对|报请|提出)")
# The general rule of who enforces a regulation: "本条例规定的城市园林绿化违法行为由城市园林绿化主管部门负责查处".
_GENERAL_ENFORCER = re.compile(r"(?:违法行为|行政处罚)[^。；]*由[^。；]*(?:查处|决定)")
_PARAGRAPH_PART = re.compile(rf"^{_PARAGRAPH}$")
# "违反本条例规定，伪造、变造、转让排污许可证的，": a breach stated without the provision it breaches; or a lead
# conduct of several acts before "的，由" ("重点用能单位未按照本法规定设立能源管理岗位，聘任…，并报…备案的，由…").
_UNNUMBERED_BREACH = re.compile(rf"违反{_THIS_TEXT}(?:有关)?规定[，,]([^，。；：]{{4,60}}?)的[，,]|"
                                rf"^(?:第[一二三四五六七八九十百千零〇]+条\s*)?(?:违反{_THIS_TEXT}(?:有关)?规定[，,])?"
                                r"([^。；：]{4,120}?)的[，,]由")
# Words of a breach that its duty words otherwise ("未按照规定报送" breaches "应当报送"), and an item's number.
_BREACH_WORDS = re.compile(r"^[（(][一二三四五六七八九十]+[)）]|没有|未|不|拒不|擅自|违反规定|按照(?:规定)?|的[；;。]?$")
_DUTY_CUE = re.compile(r"应当|必须|不得|禁止|严禁")
_LISTS_CONDUCT = re.compile(r"下列(?:行为|情形)")
_NUMBERED_BREACH = re.compile(rf"违反{_THIS_TEXT}第[^，。；]{{1,40}}?规定[，,]([^，。；：]{{4,80}}?)的[，,]")
MIN_CONDUCT_OVERLAP = 0.8  # the share of a conduct's character pairs its duty states (dev (all))


@dataclass(frozen=True)
class Penalty:
    clause: str  # the provision's clause: 第五十条, 第五十条第（一）项
    phrase: str  # one short phrase: 处二千元以上二万元以下罚款, 责令限期改正
    enforcer: str  # the body that imposes it; "" when neither the provision nor a general rule names one
    duties: tuple[str, ...]  # the provisions it punishes as cited: 第十四条, 第十六条第一款


def article_label(label: str) -> str:
    """The article a clause label belongs to ("第十条之一第二款" -> "第十条之一"); "" for labels of other numbering."""
    found = re.match(_ARTICLE, label)
    return found.group() if found else ""


def provision_label(label: str) -> str:
    """The provision a clause belongs to: a law's article (its 款 and 项 are one provision), else the clause itself
    (a policy document's clause is its own provision)."""
    return article_label(label) or label


def provision_references(text: str, doc: ParsedDocument | None = None) -> list[str]:
    """The provisions of this text that a sentence cites, each whole: "本法第二十七条第二款、第四款规定" ->
    ["第二十七条第二款", "第二十七条第四款"]; with the document, as it labels them (see `cited_label`)."""
    found = _references(text)
    return [cited_label(doc, reference) for reference in found] if doc is not None else found


def cited_label(doc: ParsedDocument, reference: str) -> str:
    """The label of a cited provision in the document: a 通告 or 决定 numbers its provisions 一、二、 and cites them as
    articles ("违反本通告第三条规定"): its 第三条 is its clause 三."""
    article = re.match(_ARTICLE, reference)
    if article is None or doc.clause(article.group()) is not None:
        return reference
    value = numeral_value(article.group()[1:-1])
    label = chinese_numeral(value) if value else ""
    return label if label and doc.clause(label) is not None else reference


def _references(text: str) -> list[str]:
    found = []
    for listed in _REFERENCES.finditer(text):
        article = ""
        for part in re.split(_JOINER, listed["list"]):
            reference = _REFERENCE.fullmatch(part)
            if reference is None:
                continue
            article = reference["article"] or article
            found.append(article + reference["rest"])
    return list(dict.fromkeys(found))


def stated_conduct(text: str) -> str:
    """The conduct a penalty punishes without naming the provision it breaches: "伪造、变造、转让排污许可证" of
    "违反本条例规定，伪造、变造、转让排污许可证的，…", "…工作人员参与碳排放权交易" of "…工作人员参与碳排放权交易的，由…";
    "" when it names one, or states none but its items ("有下列行为之一")."""
    found = _UNNUMBERED_BREACH.search(text)
    conduct = (found.group(1) or found.group(2)) if found else ""
    if not conduct or provision_references(text) or _LISTS_CONDUCT.search(conduct):
        return ""
    return conduct


def cited_conduct(text: str) -> str:
    """The conduct of a penalty that names the provision it breaches: "收运单位未在规定时间内将餐厨垃圾运至处置场所" of
    "违反本办法第六条规定，收运单位未在规定时间内…运至处置场所的，…"; "" when it states none."""
    found = _NUMBERED_BREACH.search(text)
    return found.group(1) if found else ""


def conduct_core(conduct: str) -> str:
    """The conduct as its duty would state it: without the breach words (未, 不, 没有, 擅自) or an item's number."""
    return _BREACH_WORDS.sub("", conduct.strip())


def conduct_overlap(conduct: str, text: str) -> float:
    """The share of the conduct's character pairs (its breach words left out) that the text holds."""
    core = re.sub(r"[^\u4e00-\u9fff\w]", "", conduct_core(conduct))
    pairs = {core[i:i + 2] for i in range(len(core) - 1)}
    return sum(pair in text for pair in pairs) / len(pairs) if pairs else 0.0


def breached_clause(doc: ParsedDocument, conduct: str, penalty_article: str,
                    overlap: Callable[[str, str], float] = conduct_overlap,
                    threshold: float = MIN_CONDUCT_OVERLAP) -> Clause | None:
    """The first clause of the document outside the penalty's article that states the conduct as a duty or a
    prohibition (a duty may take a whole paragraph to state what one item of conduct breaches): `overlap(conduct,
    text)` reaches `threshold` (the answers measure it by idf-weighted words)."""
    for clause in doc.clauses:
        if (article_label(clause.label) or clause.label) == penalty_article:
            continue
        if _DUTY_CUE.search(clause.text) and not _sanctions(clause.text) \
                and overlap(conduct, clause.text) >= threshold:
            return clause
    return None


def covers(reference: str, label: str) -> bool:
    """Whether a cited provision holds the clause: 第十条 holds 第十条第二款 (not 第十一条); 第十条第一款 is the
    article's own first paragraph and the items under it."""
    article = re.match(_ARTICLE, reference)
    if article is not None and reference.removeprefix(article.group()) == "第一款":
        if label == article.group():
            return True
    return label == reference or label.startswith(reference + "第")


def _segments(text: str) -> list[str]:
    return _SEGMENTS.findall(text)


def _sanctions(text: str) -> list[str]:
    return [s for s in _segments(text) if cue_obligation(s).kind == ObligationType.PENALTY]


def _fine(text: str) -> str:
    for segment in _sanctions(text):
        fine = _FINE.search(segment)
        if fine is not None:
            return re.sub(r"^并处", "处", fine.group()).replace("的罚款", "罚款").replace("的罚金", "罚金")
    return ""


def _other_sanction(text: str) -> str:
    for segment in _sanctions(text):
        start = _SANCTION_START.search(segment)
        return segment[start.start():] if start else segment
    return ""


def enforcer_of(text: str) -> str:
    """The body that imposes a penalty: "由城市管理主管部门责令改正" -> "城市管理主管部门"; "" when none is named."""
    for named in _ENFORCER.finditer(text):
        if find_bodies(named["body"]):
            return named["body"]
    return ""


def _general_enforcer(doc: ParsedDocument) -> str:
    """Who enforces the regulation where a provision names no one; the general rule comes after special ones
    ("生产安全事故的行政处罚，由…决定；其他行政处罚，由…决定"), so the last one found."""
    found = ""
    for clause in doc.clauses:
        for sentence in clause.sentences:
            if _GENERAL_ENFORCER.search(sentence.text):
                found = enforcer_of(sentence.text[sentence.text.rfind("由"):]) or found
    return found


class DocumentPenalties:
    """The penalty provisions of one document, and which clauses each punishes."""

    def __init__(self, doc: ParsedDocument) -> None:
        self._doc = doc
        self._by_path = {c.path: c for c in doc.clauses if c.path}
        self._general_enforcer: str | None = None
        self.provisions: dict[str, Penalty] = {}  # clause label -> the provision it states or takes part in
        self._punished: dict[str, list[Penalty]] = defaultdict(list)  # cited provision -> its penalties
        cues = obligation_cues()[ObligationType.PENALTY]
        for clause in doc.clauses:
            lead = self.lead(clause)
            if not any(cue in text for text in (clause.text, lead.text if lead else "") for cue in cues):
                continue  # a substring test first: few clauses hold a sanction
            penalty = self._provision(clause, lead)
            if penalty is not None:
                self.provisions[clause.label] = penalty
                for duty in penalty.duties:
                    self._punished[duty].append(penalty)

    def lead(self, clause: Clause) -> Clause | None:
        """The clause an item hangs on when that clause introduces a list ("…有下列行为之一的，…：")."""
        if not clause.path or _PARAGRAPH_PART.match(clause.path[-1]):
            return None
        for depth in range(len(clause.path) - 1, 0, -1):
            parent = self._by_path.get(clause.path[:depth])
            if parent is not None:
                return parent if parent.text.rstrip().endswith(("：", ":")) else None
        return None

    def _items(self, clause: Clause) -> Iterator[Clause]:
        for other in self._doc.clauses:
            if len(other.path) > len(clause.path) and other.path[:len(clause.path)] == clause.path \
                    and self.lead(other) is clause:
                yield other

    def _provision(self, clause: Clause, lead: Clause | None) -> Penalty | None:
        phrase = (_fine(clause.text) or "；".join(dict.fromkeys(f for item in self._items(clause)
                                                              if (f := _fine(item.text))))
                  or (_fine(lead.text) if lead else "") or _other_sanction(clause.text)
                  or (_other_sanction(lead.text) if lead else ""))
        if not phrase:
            return None
        enforcer = enforcer_of(clause.text) or (enforcer_of(lead.text) if lead else "") or self.general_enforcer()
        duties = provision_references(clause.text, self._doc)
        # A penalty that names no provision punishes the duty that states its conduct: the item's, or its own.
        conduct = clause.text if lead is not None else stated_conduct(clause.text)
        if not duties and conduct and not (lead is not None and provision_references(lead.text)):
            breached = breached_clause(self._doc, conduct, article_label(clause.label) or clause.label)
            duties = [breached.label] if breached else []
        return Penalty(clause.label, phrase, enforcer, tuple(duties))

    def general_enforcer(self) -> str:
        if self._general_enforcer is None:
            self._general_enforcer = _general_enforcer(self._doc)
        return self._general_enforcer

    def punishing(self, label: str) -> list[Penalty]:
        """The penalties of the provisions that cite the clause (or a provision holding it)."""
        return [penalty for duty, penalties in self._punished.items() if covers(duty, label) for penalty in penalties]
