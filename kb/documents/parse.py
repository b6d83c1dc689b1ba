"""Parse an official document (公文) into its clause tree: 序言, the numbered clauses, 落款.

A heading is recognised only at the start of a paragraph and only when it continues the numbering (the next
number at an open level, or the first number of a new child level), so "区（县）" or a wrapped "1000 个、" stays
ordinary text. Clauses partition the normalised text: every non-space character belongs to exactly one clause.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from kb.errors import KbError
from kb.documents.metadata import LEVELS, detect_metadata, signature_start
from kb.documents.normalize import Ordinal, match_ordinal, normalise_text
from kb.schema import PREAMBLE_LABEL, SIGNATURE_LABEL, Clause, DocMeta, ParsedDocument, Sentence

UNSTRUCTURED_LABEL_PREFIX = "段"
_OVERRIDABLE_FIELDS = frozenset(f.name for f in fields(DocMeta)) - {"doc_id"}
_MIN_HEADINGS = 2  # one stray "一、" does not make a numbered document
_MAX_HEADING_CHARS = 40
_SENTENCE = re.compile(r"[^。；！？\n]+(?:[。；！？]+[”’」』）)]*)?|[。；！？]+[”’」』）)]*")
_NOT_A_HEADING = re.compile(r"[，,；;：:]")  # a phrase with these is already running text
_LIST_SEPARATOR = re.compile(r"[,，、;；\s]+")


@dataclass(frozen=True)
class _Paragraph:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class _Heading:
    paragraph_index: int
    path: tuple[Ordinal, ...]


@dataclass(frozen=True)
class _ClauseSpec:
    """A clause before its text is cut out: which paragraphs it spans and what it is called."""

    label: str
    path: tuple[str, ...]
    heading: str
    first: int  # paragraph indices, inclusive
    last: int


def _paragraphs(text: str) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = offset + line.index(stripped[0])
            paragraphs.append(_Paragraph(stripped, start, start + len(stripped)))
        offset += len(line) + 1
    return paragraphs


def _depth_in_sequence(open_levels: Sequence[Ordinal], last_values: Mapping[str, int], ordinal: Ordinal) -> int | None:
    """Where `ordinal` continues the numbering (its depth), or None when it does not fit and is ordinary text."""
    for depth, open_ordinal in enumerate(open_levels):
        if open_ordinal.kind == ordinal.kind:
            return depth if ordinal.value == open_ordinal.value + 1 else None
    # A new child level starts at 1, or runs on from that style's last number: the national style's （N）
    # and the seed's 1．…23． continue across parents.
    if ordinal.value in (1, last_values.get(ordinal.kind, 0) + 1):
        return len(open_levels)
    return None


def _numbered_headings(paragraphs: Sequence[_Paragraph]) -> list[_Heading]:
    open_levels: list[Ordinal] = []
    last_values: dict[str, int] = {}
    headings: list[_Heading] = []
    for index, paragraph in enumerate(paragraphs):
        ordinal = match_ordinal(paragraph.text)
        if ordinal is None:
            continue
        depth = _depth_in_sequence(open_levels, last_values, ordinal)
        if depth is None:
            continue
        del open_levels[depth:]
        open_levels.append(ordinal)
        last_values[ordinal.kind] = ordinal.value
        headings.append(_Heading(index, tuple(open_levels)))
    return headings


def _heading_text(paragraph: str, ordinal: Ordinal) -> str:
    """The short title after the number ("1．推进工业绿色升级。强化…" -> "推进工业绿色升级"); "" for running text."""
    if ordinal.kind == "article":  # 第X条 carries a provision, not a title
        return ""
    first_phrase = paragraph[ordinal.end:].partition("。")[0].strip()
    if len(first_phrase) > _MAX_HEADING_CHARS or _NOT_A_HEADING.search(first_phrase):
        return ""
    return first_phrase


def _numbered_specs(paragraphs: Sequence[_Paragraph], headings: Sequence[_Heading]) -> list[_ClauseSpec]:
    specs: list[_ClauseSpec] = []
    if headings[0].paragraph_index > 0:
        specs.append(_ClauseSpec(PREAMBLE_LABEL, (), "", 0, headings[0].paragraph_index - 1))
    ends = [h.paragraph_index - 1 for h in headings[1:]] + [len(paragraphs) - 1]
    for heading, last in zip(headings, ends):
        path = tuple(ordinal.text for ordinal in heading.path)
        title = _heading_text(paragraphs[heading.paragraph_index].text, heading.path[-1])
        specs.append(_ClauseSpec("".join(path), path, title, heading.paragraph_index, last))
    return specs


def _paragraph_specs(paragraphs: Sequence[_Paragraph]) -> list[_ClauseSpec]:
    return [_ClauseSpec(f"{UNSTRUCTURED_LABEL_PREFIX}{i + 1}", (), "", i, i) for i in range(len(paragraphs))]


def split_sentences(text: str, start: int = 0, end: int | None = None) -> tuple[Sentence, ...]:
    """Sentences of text[start:end] split on 。；！？ (kept, with a closing quote/bracket that follows) and line ends."""
    sentences: list[Sentence] = []
    for found in _SENTENCE.finditer(text, start, len(text) if end is None else end):
        raw = found.group()
        stripped = raw.strip()
        if stripped:
            first = found.start() + raw.index(stripped[0])
            sentences.append(Sentence(stripped, first, first + len(stripped)))
    return tuple(sentences)


def _clause(doc_id: str, text: str, paragraphs: Sequence[_Paragraph], spec: _ClauseSpec) -> Clause:
    start, end = paragraphs[spec.first].start, paragraphs[spec.last].end
    return Clause(doc_id=doc_id, label=spec.label, path=spec.path, level=len(spec.path), heading=spec.heading,
                  text=text[start:end], start=start, end=end, sentences=split_sentences(text, start, end))


def _override_value(field_name: str, value: object) -> object:
    """Manifest/user values as DocMeta wants them; YAML dates and lists are accepted."""
    if field_name == "implements":
        items = _LIST_SEPARATOR.split(value) if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise KbError(f"metadata 'implements' must be a list of 文号, got {value!r}")
        return tuple(str(item) for item in items if str(item).strip())
    if field_name == "structured":
        if not isinstance(value, bool):
            raise KbError(f"metadata 'structured' must be true or false, got {value!r}")
        return value
    if field_name == "level" and value not in LEVELS:
        raise KbError(f"metadata 'level' must be one of {', '.join(LEVELS)}, got {value!r}")
    return str(value)


def _meta_values(detected: Mapping[str, object], overrides: Mapping[str, object]) -> dict[str, object]:
    unknown = sorted(set(overrides) - _OVERRIDABLE_FIELDS)
    if unknown:
        raise KbError(f"unknown metadata field(s) {', '.join(unknown)}; known fields: "
                      f"{', '.join(sorted(_OVERRIDABLE_FIELDS))}")
    values = dict(detected)
    values.update({k: _override_value(k, v) for k, v in overrides.items() if v is not None})
    return values


def parse_document(raw_text: str, doc_id: str, overrides: Mapping[str, object] | None = None,
                   source: str = "") -> ParsedDocument:
    """Normalise `raw_text`, detect its metadata (overrides win) and cut it into clauses."""
    if not doc_id.strip():
        raise KbError("a document needs a non-empty id (e.g. cq-2021-31)")
    text = normalise_text(raw_text)
    paragraphs = _paragraphs(text)
    body_end = signature_start([p.text for p in paragraphs])
    body = paragraphs[:body_end]
    headings = _numbered_headings(body)
    structured = len(headings) >= _MIN_HEADINGS
    specs = _numbered_specs(body, headings) if structured else _paragraph_specs(body)
    if body_end < len(paragraphs):
        specs.append(_ClauseSpec(SIGNATURE_LABEL, (), "", body_end, len(paragraphs) - 1))
    detected = {"source": source, "structured": structured, **detect_metadata(text)}
    meta = DocMeta(doc_id=doc_id, **_meta_values(detected, overrides or {}))  # type: ignore[arg-type]
    return ParsedDocument(meta=meta, text=text, clauses=tuple(_clause(doc_id, text, paragraphs, s) for s in specs))
