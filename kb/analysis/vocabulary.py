"""Who a sentence addresses: the industry and body vocabulary of `kb/resources/industries.tsv`.

The vocabulary is data, so it can be edited without code changes: each row is a canonical name with its synonyms,
both the documents' own words (寄递, 非煤矿山) and users' everyday words (开饭馆, 我们开矿). Matching takes the longest
term first and never lets two terms overlap, so 汽车维修 is 汽修, not 汽车; a term listed under two names names both.
A term must be specific enough to name its sector wherever it stands: 矿山 does, 矿产 does not ("压覆重要矿产资源" is
a planning matter), so the file lists the specific words only; rows of kind "none" list words that contain a term but
name nothing (安全出口 is no 出口), which take their words away from the shorter term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources

from kb.errors import KbError

_RESOURCES = resources.files("kb") / "resources"


class TermKind(StrEnum):
    INDUSTRY = "industry"  # a sector a business belongs to
    BODY = "body"  # a government body or organisation the policy documents address
    NONE = "none"  # words that contain a term but name nothing: 安全出口 is no 出口 (外贸)


def resource_rows(name: str) -> list[list[str]]:
    """The tab-separated rows of a file in kb/resources, without blank lines and # comments."""
    text = (_RESOURCES / name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class VocabularyTerm:
    term: str  # lower-cased, as it is searched for
    name: str  # canonical name
    kind: TermKind


def _kind(name: str, written: str) -> TermKind:
    try:
        return TermKind(written.strip() or TermKind.INDUSTRY)
    except ValueError:
        raise KbError(f"industries.tsv: kind of {name!r} must be {' or '.join(TermKind)}, not {written!r}") from None


def parse_vocabulary(rows: Iterable[list[str]]) -> tuple[VocabularyTerm, ...]:
    """Rows of name, synonyms[, kind] -> terms, longest first, and of one length the words that name nothing first
    ("社会保险机构": 社会保险 is no 保险机构); the name is always one of its own terms."""
    terms: dict[tuple[str, str], VocabularyTerm] = {}
    for row in rows:
        name, synonyms, kind = (row + ["", ""])[:3]
        name = name.strip()
        for term in (name, *synonyms.split()):
            terms.setdefault((term.lower(), name), VocabularyTerm(term.lower(), name, _kind(name, kind)))
    return tuple(sorted(terms.values(), key=lambda t: (-len(t.term), t.kind != TermKind.NONE)))


@lru_cache(maxsize=1)
def vocabulary() -> tuple[VocabularyTerm, ...]:
    return parse_vocabulary(resource_rows("industries.tsv"))


def vocabulary_names(kind: TermKind | None = None) -> list[str]:
    """Canonical names in file order (industries and bodies when kind is None)."""
    kinds = {kind} if kind is not None else {TermKind.INDUSTRY, TermKind.BODY}
    return [row[0].strip() for row in resource_rows("industries.tsv")
            if _kind(row[0], row[2] if len(row) > 2 else "") in kinds]


def _by_first_character(terms: tuple[VocabularyTerm, ...]) -> dict[str, list[tuple[int, VocabularyTerm]]]:
    """The terms under their first character, each with its place in the longest-first order."""
    index: dict[str, list[tuple[int, VocabularyTerm]]] = {}
    for rank, term in enumerate(terms):
        index.setdefault(term.term[0], []).append((rank, term))
    return index


@lru_cache(maxsize=1)
def _vocabulary_index() -> dict[str, list[tuple[int, VocabularyTerm]]]:
    return _by_first_character(vocabulary())


def named_entities(text: str, terms: tuple[VocabularyTerm, ...] | None = None) -> list[VocabularyTerm]:
    """Vocabulary terms found in text, longest first and never overlapping (a term under two names may take the
    same words twice), in text order, one per name; words that name nothing take their place but are left out."""
    lowered = text.lower()
    index = _by_first_character(terms) if terms is not None else _vocabulary_index()
    # Only terms that start with a character of the text can occur in it: a few dozen of the hundreds.
    candidates = sorted((hit for character in set(lowered) for hit in index.get(character, ())), key=lambda h: h[0])
    taken: list[tuple[int, int, VocabularyTerm]] = []
    for _, term in candidates:
        if term.term not in lowered:  # a substring test is ~10x cheaper than starting a regex search
            continue
        for match in re.finditer(re.escape(term.term), lowered):
            span = match.span()
            if all(span == (start, end) or span[1] <= start or span[0] >= end for start, end, _ in taken):
                taken.append((*span, term))
    seen: dict[str, VocabularyTerm] = {}
    for _, _, term in sorted(taken, key=lambda hit: hit[0]):
        if term.kind != TermKind.NONE:
            seen.setdefault(term.name, term)
    return list(seen.values())


def names_by_kind(text: str, *kinds: TermKind) -> tuple[tuple[str, ...], ...]:
    """The canonical names of each kind in text, read in one pass: names_by_kind(s, INDUSTRY, BODY)."""
    found = named_entities(text)
    return tuple(tuple(t.name for t in found if t.kind == kind) for kind in kinds)


def match_industries(free_text: str) -> list[str]:
    """Canonical industries named in free text: "我们是做快递包装的" -> ["快递"], "我们开矿" -> ["采矿"]."""
    return list(names_by_kind(free_text, TermKind.INDUSTRY)[0])


def match_bodies(text: str) -> list[str]:
    """Canonical bodies named in text: "市级有关部门、各区县政府要…" -> ["市级有关部门", "区县政府"]."""
    return list(names_by_kind(text, TermKind.BODY)[0])


def resolve_industry(query: str) -> list[str]:
    """A user's --industry (a canonical name, a synonym or free text) -> canonical names; a word too general to be a
    term selects the names that contain it ("能源" -> 可再生能源, 能源行业); KbError when none."""
    names = [t.name for t in named_entities(query)]
    if not names and len(query.strip()) >= 2:
        names = [name for name in vocabulary_names() if query.strip() in name]
    if not names:
        known = "、".join(vocabulary_names(TermKind.INDUSTRY))
        raise KbError(f"no known industry or body in {query!r}; known industries: {known} "
                      f"(add synonyms to kb/resources/industries.tsv)")
    return names
