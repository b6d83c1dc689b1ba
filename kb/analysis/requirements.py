"""Requirements: the body sentences of documents as rows of what they ask, of whom, and what happens if not.

Each row has the sentence's obligation type (kb.analysis.obligations), the industries and bodies it names
(kb.analysis.vocabulary), who the duty binds (the duty holders or bodies written before the deciding cue:
"生产经营单位应当…" -> 生产经营单位) and, for a duty that a penalty provision cites, the penalty, its clause and the
body that imposes it (kb.analysis.penalties); a row of a penalty provision carries its own penalty, clause and body.

An item of a list takes its lead's type when the lead punishes (the items of "有下列行为之一的，处…罚款：" are the
punished conduct, whatever words they use) or when the item asks nothing stronger itself ("应当遵守下列规定：（一）建立…"
makes 建立… a duty); the lead's cue is then the item's cue. A sentence that opens with a condition right after a
penalty goes on with it ("…处…罚款；情节严重的，五年内不得从事驾驶培训教学活动" is a sanction, not a prohibition); the
condition is then its cue.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace

from kb.analysis.obligations import OBLIGATION_NAMES_ZH, OBLIGATION_PRECEDENCE, Obligation, classify_obligation
from kb.analysis.penalties import DocumentPenalties, Penalty
from kb.analysis.tables import column
from kb.analysis.vocabulary import TermKind, names_by_kind, resolve_industry, vocabulary
from kb.errors import KbError
from kb.schema import PREAMBLE_LABEL, SIGNATURE_LABEL, Clause, ObligationType, ParsedDocument, Sentence
from kb.text.bodies import find_bodies, find_duty_holders, is_responsibility_note

_LIST_JOINER = "、"
# "情节严重的，…" / "逾期不改正的，…": a condition that goes on with the sanction of the sentence before it.
_CONDITION = re.compile(r"^(?P<condition>[^，,。；;：:]{2,20}的)，")
_Reading = tuple[Obligation, tuple[str, ...]]  # a sentence's obligation and whom it binds


@dataclass(frozen=True)
class Requirement:
    doc: str = field(metadata=column("文号"))
    clause: str = field(metadata=column("条款"))
    heading: str = field(metadata=column("标题"))
    obligation: ObligationType = field(metadata=column("类型", values=OBLIGATION_NAMES_ZH))
    cue: str = field(metadata=column("依据词"))
    industries: tuple[str, ...] = field(metadata=column("行业"))
    bodies: tuple[str, ...] = field(metadata=column("主体"))
    holder: tuple[str, ...] = field(metadata=column("义务人"))  # who the duty binds, as written: 生产经营单位
    penalty: str = field(metadata=column("罚则"))  # 处二千元以上二万元以下罚款; several joined by ；
    penalty_clause: str = field(metadata=column("罚则条款"))  # 第五十条; several joined by 、
    enforcer: str = field(metadata=column("执法机关"))  # the body that imposes the penalty
    sentence: str = field(metadata=column("原文", wide=True))

    @property
    def citation(self) -> str:
        return f"{self.doc} {self.clause}"


# A target of a policy document opens with its year ("到2025年，…"); right after a measure it is that measure's.
_TARGET_OPENING = re.compile(r"(?:到|至)(?:20\d\d|二[〇○零][一二三四五六七八九〇○零]{2})年")


def _body_sentences(clause: Clause) -> list[Sentence]:
    if clause.label in (PREAMBLE_LABEL, SIGNATURE_LABEL):
        return []
    return [s for s in clause.sentences if not clause.is_heading_sentence(s.text)]


def _rank(kind: ObligationType) -> int:
    return OBLIGATION_PRECEDENCE.index(kind)


def _holders(sentence: str, obligation: Obligation) -> tuple[str, ...]:
    """Who the sentence binds: the duty holders written before its cue, else (for a duty) the bodies there; a
    penalty binds whom it names before the body that imposes it ("…经营者…的，由…部门责令改正")."""
    before = sentence[:sentence.find(obligation.cue)] if obligation.cue and obligation.cue in sentence else sentence
    if obligation.kind == ObligationType.PENALTY:
        before = before.split("由", 1)[0]
    found = find_duty_holders(before)
    if not found and obligation.kind in (ObligationType.PROHIBITION, ObligationType.BINDING,
                                         ObligationType.PERMISSION):
        found = find_bodies(before)
    # "生产经营单位…本单位…": 单位 is the 生产经营单位 again
    return tuple(h for h in dict.fromkeys(found) if not any(h != other and h in other for other in found))


class _DocumentReader:
    """One document's rows: list leads, the readings of a clause's sentences and the penalty provisions are worked out
    once per document."""

    def __init__(self, doc: ParsedDocument) -> None:
        self.doc = doc
        self._penalties: DocumentPenalties | None = None
        self._leads: dict[str, _Reading | None] = {}
        self._readings: dict[str, list[_Reading]] = {}

    @property
    def penalties(self) -> DocumentPenalties:
        if self._penalties is None:
            self._penalties = DocumentPenalties(self.doc)
        return self._penalties

    def _lead_reading(self, clause: Clause) -> _Reading | None:
        """The strongest obligation of the clause's list lead, with whom it binds; None when it has no lead."""
        lead = self.penalties.lead(clause)
        if lead is None:
            return None
        if lead.label not in self._leads:
            readings = [(classify_obligation(s.text), s.text) for s in _body_sentences(lead)]
            readings = [r for r in readings if r[0].kind != ObligationType.TARGET]
            best = None
            if readings:
                obligation, text = min(readings, key=lambda r: _rank(r[0].kind))
                best = obligation, _holders(text, obligation)
            self._leads[lead.label] = best
        return self._leads[lead.label]

    def _reading(self, clause: Clause, sentence: str, previous: _Reading | None) -> _Reading:
        own = classify_obligation(sentence)
        lead = self._lead_reading(clause)
        holders = _holders(sentence, own) or (lead[1] if lead else ())  # an item binds whom its lead binds
        if lead is not None and own.kind not in (lead[0].kind, ObligationType.TARGET) and (
                lead[0].kind == ObligationType.PENALTY
                or (own.kind == ObligationType.ARRANGEMENT and lead[0].kind != ObligationType.ARRANGEMENT)):
            return lead[0], holders
        condition = _CONDITION.match(sentence)
        if previous is not None and previous[0].kind == ObligationType.PENALTY \
                and own.kind not in (ObligationType.PENALTY, ObligationType.TARGET) and condition:
            return Obligation(ObligationType.PENALTY, condition["condition"]), holders
        return own, holders

    def readings(self, clause: Clause) -> list[_Reading]:
        """The obligation and holders of each body sentence of the clause, in order; the bodies a 方案's responsibility
        line names ("责任单位：市发展改革委、市财政局。") are the holders of its task's sentences that name none."""
        if clause.label not in self._readings:
            found: list[_Reading] = []
            sentences = _body_sentences(clause)
            for sentence in sentences:
                found.append(self._reading(clause, sentence.text, found[-1] if found else None))
            is_line = [is_responsibility_note(s.text) for s in sentences]
            assigned = tuple(dict.fromkeys(b for s, line in zip(sentences, is_line) if line for b in find_bodies(s.text)))
            if assigned:
                found = [(obligation, assigned if line or not holders else holders)
                         for (obligation, holders), line in zip(found, is_line)]
            self._readings[clause.label] = found
        return self._readings[clause.label]

    def row(self, clause: Clause, index: int, sentence: str) -> Requirement:
        """The requirement of the clause's index-th body sentence."""
        obligation, holders = self.readings(clause)[index]
        penalties: list[Penalty] = []
        if obligation.kind == ObligationType.PENALTY:
            own = self.penalties.provisions.get(clause.label)
            penalties = [own] if own else []
        else:
            penalties = self.penalties.punishing(clause.label)
        return Requirement(
            self.doc.meta.citation_name, clause.label, clause.heading, obligation.kind, obligation.cue,
            *names_by_kind(sentence, TermKind.INDUSTRY, TermKind.BODY), holders,
            "；".join(dict.fromkeys(p.phrase for p in penalties)),
            _LIST_JOINER.join(dict.fromkeys(p.clause for p in penalties)),
            _LIST_JOINER.join(dict.fromkeys(p.enforcer for p in penalties if p.enforcer)), sentence)


def _checked(obligation: str | None) -> ObligationType | None:
    if obligation is None:
        return None
    try:
        return ObligationType(obligation)
    except ValueError:
        raise KbError(f"unknown obligation type {obligation!r}; "
                      f"choose one of {', '.join(OBLIGATION_PRECEDENCE)}") from None


def requirement_sources(docs: Iterable[ParsedDocument], names: Collection[str] | None = None,
                        obligation: str | None = None) -> Iterator[tuple[ParsedDocument, Clause, Requirement]]:
    """Body sentences of the documents as requirements with where they stand, in document order; only those
    naming one of the canonical industries or bodies `names` (all when None), and of one obligation type."""
    wanted_type = _checked(obligation)
    wanted = set(names) if names is not None else None
    # A sentence can name an industry only if it contains one of its terms: that cheap test comes first, so a
    # question about one industry classifies a few hundred sentences, not all of them (170,000 at 1,000 docs).
    terms = [t.term for t in vocabulary() if t.name in wanted] if wanted is not None else []
    for doc in docs:
        reader = _DocumentReader(doc)
        for clause in doc.clauses:
            named: Requirement | None = None  # the row of the sentence before, when it named an asked industry
            for index, sentence in enumerate(_body_sentences(clause)):
                continues = named is not None and _TARGET_OPENING.match(sentence.text.strip())
                if wanted is not None and not continues and not any(term in sentence.text.lower() for term in terms):
                    named = None
                    continue
                row = reader.row(clause, index, sentence.text)
                if wanted is not None and not wanted & {*row.industries, *row.bodies}:
                    if not continues:
                        named = None
                        continue
                    # "完善城镇污水处理收费政策…。到2025年，逐步将收费标准动态调整至补偿成本的水平。": the target
                    # says how far the measure before it goes, for the same industry.
                    row = replace(row, industries=named.industries, bodies=named.bodies)
                named = row
                if wanted_type is None or row.obligation == wanted_type:
                    yield doc, clause, row


def requirements(docs: Iterable[ParsedDocument], industry: str | None = None,
                 obligation: str | None = None) -> list[Requirement]:
    """Body sentences of the documents, in document order (so grouped by clause), optionally only those naming
    the industry or body (a canonical name, synonym or free text) and only those of one obligation type."""
    names = resolve_industry(industry) if industry else None
    return [row for _, _, row in requirement_sources(docs, names, obligation)]
