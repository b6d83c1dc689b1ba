"""What a sentence asks of anyone, read from cue words: its ObligationType and the words that decided it.

No model is involved: every type comes from a cue word or a target pattern, and the deciding words are kept so a
user can see why a sentence was classed as it was. The cue words are data (`kb/resources/obligation_cues.tsv`), so
they can be edited without code changes.

When a sentence holds cues of several types the first type of OBLIGATION_PRECEDENCE wins: a sentence that sets a
number is a target; one that punishes is a penalty even if it says 可以 (可以处…罚款) or 不得 (三年内不得再次申请);
one that prohibits or binds anyone is a requirement even if it also permits or encourages; plain work arrangements
come last. Within a type the earliest cue wins. Where two cues overlap the longer one wins, which lets the cue file
overrule a short cue inside a longer phrase: 可以依法 is a permission, not 依法 binding, and 应对 / 所有权人 are no
cues at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from kb.analysis.targets import sentence_targets
from kb.analysis.vocabulary import resource_rows
from kb.errors import KbError
from kb.schema import ObligationType

OBLIGATION_PRECEDENCE = (ObligationType.TARGET, ObligationType.PENALTY, ObligationType.PROHIBITION,
                         ObligationType.BINDING, ObligationType.PERMISSION, ObligationType.ENCOURAGED,
                         ObligationType.ARRANGEMENT)
OBLIGATION_NAMES_ZH = {ObligationType.TARGET: "量化目标", ObligationType.PENALTY: "罚则",
                       ObligationType.PROHIBITION: "禁止", ObligationType.BINDING: "义务",
                       ObligationType.PERMISSION: "允许", ObligationType.ENCOURAGED: "鼓励",
                       ObligationType.ARRANGEMENT: "工作部署"}
_NOT_A_CUE = "none"  # the cue file's row of words that contain a cue but are none
# A cue of these types right after a negator turns: "不予支持" restricts (binding), "不允许" forbids.
_NEGATED = {ObligationType.ENCOURAGED: ObligationType.BINDING, ObligationType.PERMISSION: ObligationType.PROHIBITION}
_NEGATORS = ("不予", "不")  # longest first


@dataclass(frozen=True)
class Obligation:
    kind: ObligationType
    cue: str  # the words that decided it; "" for an arrangement with no cue word


@lru_cache(maxsize=1)
def _cue_table() -> dict[str, tuple[str, ...]]:
    table = {kind.strip(): tuple(cues.split()) for kind, cues in resource_rows("obligation_cues.tsv")}
    known = {*ObligationType, _NOT_A_CUE}
    if unknown := set(table) - known:
        raise KbError(f"obligation_cues.tsv: unknown type(s) {', '.join(sorted(unknown))}; "
                      f"use {', '.join(sorted(known))}")
    return table


@lru_cache(maxsize=1)
def obligation_cues() -> dict[ObligationType, tuple[str, ...]]:
    """Cue words per obligation type (every type but target, which has none) from obligation_cues.tsv."""
    return {ObligationType(kind): cues for kind, cues in _cue_table().items() if kind != _NOT_A_CUE}


def non_cues() -> tuple[str, ...]:
    """Words that contain a cue but are none: 应对, 应急, 所有权人 …"""
    return _cue_table().get(_NOT_A_CUE, ())


@dataclass(frozen=True)
class _CueHit:
    kind: ObligationType | None  # None for a word that is no cue
    start: int
    cue: str

    @property
    def end(self) -> int:
        return self.start + len(self.cue)

    def rank(self) -> tuple[int, int, int]:
        return OBLIGATION_PRECEDENCE.index(self.kind), self.start, -len(self.cue)  # type: ignore[arg-type]


def _found(sentence: str) -> Iterator[_CueHit]:
    for kind, cues in [*obligation_cues().items(), (None, non_cues())]:
        for cue in cues:
            if cue not in sentence:  # a substring test is far cheaper than starting a regex search
                continue
            for match in re.finditer(re.escape(cue), sentence):
                yield _CueHit(kind, match.start(), cue)


def _longest_first(hits: list[_CueHit]) -> list[_CueHit]:
    """The hits no longer hit overlaps: where two cues overlap the longer one decides, a word that is no cue beats
    a cue of its length ("适应当地" is no 应当), and of two cues of one length the earlier ("从严控制": 从严)."""
    kept: list[_CueHit] = []
    for hit in sorted(hits, key=lambda h: (-len(h.cue), h.kind is not None, h.start)):
        if all(hit.end <= other.start or hit.start >= other.end for other in kept):
            kept.append(hit)
    return kept


def _negated(hit: _CueHit, sentence: str) -> _CueHit:
    """An encouraged or permission cue right after a negator restricts or forbids ("不予支持", "不允许")."""
    if hit.kind not in _NEGATED:
        return hit
    for negator in _NEGATORS:
        if sentence.endswith(negator, 0, hit.start):
            return _CueHit(_NEGATED[hit.kind], hit.start - len(negator), negator + hit.cue)
    return hit


def classify_obligation(sentence: str) -> Obligation:
    """The sentence's obligation type and the words that decided it (see OBLIGATION_PRECEDENCE)."""
    found = sentence_targets(sentence)
    if found:
        first = found[0]
        return Obligation(ObligationType.TARGET, f"{first.comparison} {first.value}{first.unit}")
    return cue_obligation(sentence)


def cue_obligation(text: str) -> Obligation:
    """The obligation its cue words give a text, without looking for targets (a part of a sentence that may hold a
    sanction: 处…罚款 is never a target)."""
    hits = [_negated(hit, text) for hit in _longest_first(list(_found(text))) if hit.kind is not None]
    best = min(hits, key=_CueHit.rank, default=None)
    if best is None or best.kind is None:
        return Obligation(ObligationType.ARRANGEMENT, "")
    return Obligation(best.kind, best.cue)
