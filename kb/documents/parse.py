"""Parse a document into its clause tree: 序言, the numbered clauses, 落款, and the attachments after them.

Two families of numbering, told apart per part of the document (the body, each 附件):

- 公文 (意见, 通知, 方案): 一、 → （一） → 1． → （1）. A clause's label is the ordinals of its path concatenated as the
  document writes them ("二（一）4").
- Laws and regulations, whenever articles 第X条 run in sequence: 编 / 分编 / 章 / 节 divide the text, 第X条 are the
  articles, the paragraphs of an article are its 款, （一） / (一) inside an article are its 项, and 1． inside a 项
  are its 目.

A heading is recognised only at the start of a paragraph and only when it continues the numbering, so "区（县）", a
wrapped "1000 个、" or a cross-reference "第十一条规定的……" stays ordinary text. An article continues the numbering
when it is the next one (or the next 之一), or a larger one written as a heading, with a space after "条".

Labels of laws are citations as lawyers write them. Articles are numbered through the whole document, so an
article's label is unique on its own: "第十一条"; its paragraphs "第十一条第二款"; its items "第十三条第（二）项" when
the article has one paragraph and "第十三条第一款第（二）项" when it has several (brackets always full-width); an
item's 目 "…第（二）项第1目". Chapters and sections are clauses of their own ("第二章", "第二章第一节", "第一编第二章"
under a 编); their heading lines ("第二章 规划与建设") stand in every clause's `parents`, never in an article's label.

Why these clauses: the article is a clause whose own text is its first paragraph (its 第一款, which says what the
article is about), and its further 款, its 项 and its 目 are its child clauses. An answer can therefore quote one
sentence under its exact 款/项 label, while retrieval still ranks the article itself on its opening paragraph and
the chunks of its 款 and 项 carry the article's lead-in and the chapter as context (kb.indexing.chunk).

Header lines (title, 文号, passage lines) and a table of contents are document information (DocMeta.info_lines),
outside every clause, unless the document has a real 序言 (主送, a preamble before its first heading): then the 序言
is the document's opening as printed, header lines included. A table of contents never shifts a label, and a chapter
that the body writes only by its name is recovered from it (kb.documents.contents).

Clauses partition the normalised text after the information lines: every other non-space character belongs to
exactly one clause. Text without recognisable numbering is split into paragraphs 段1, 段2, … (structured False).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kb.documents.contents import RANKS, Contents, DivisionLine, division_line, table_of_contents
from kb.documents.layout import Attachment, attachment_note_start, find_attachments, signature_start
from kb.documents.metadata import LEVELS, detect_metadata, doc_numbers_in, read_header
from kb.documents.normalize import (DIVISION_KINDS, Ordinal, OrdinalKind, chinese_numeral, is_doc_number_line,
                                   match_ordinal, normalise_text, squeeze)
from kb.errors import KbError
from kb.schema import PREAMBLE_LABEL, SIGNATURE_LABEL, Clause, DocMeta, LegalForce, ParsedDocument, Sentence
from kb.text.sentences import SENTENCE, speaker_label_length

UNSTRUCTURED_LABEL_PREFIX = "段"
_MIN_EXCERPT_ARTICLES = 3  # two rising 第X条 lines may be cross-references that open paragraphs
# Detected only: the header lines and the amendment history come from the text.
_OVERRIDABLE_FIELDS = frozenset({"title", "doc_number", "issuer", "date", "level", "implements", "source",
                                 "structured", "force", "short_name", "adopted", "promulgated", "effective"})
_MIN_HEADINGS = 2  # one stray "一、" does not make a numbered document
_MAX_HEADING_CHARS = 40
_MAX_ARTICLE_GAP = 20  # a damaged copy may lose articles; a heading 第X条 further on still starts one
# A phrase with these is already running text: punctuation inside, or a modal verb stating a rule (a 通告's
# "一、本市东城区、西城区全域为烟花爆竹禁止燃放区域。" is its first provision, not a title).
_NOT_A_HEADING = re.compile(r"[，,；;：:]|应当|不得|禁止|严禁|可以|必须")
# A field's label before its value: a few words, no punctuation, no modal verb ("实施机关：", "办理时限：").
_FIELD_LABEL = re.compile(r"((?:(?!应当|不得|禁止|严禁|可以|必须)[\u4e00-\u9fff]){2,8})[：:](?=\S)")
_LIST_SEPARATOR = re.compile(r"[,，、;；\s]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DIVISION_WORD = {OrdinalKind.VOLUME: "编", OrdinalKind.SUBVOLUME: "分编", OrdinalKind.CHAPTER: "章",
                  OrdinalKind.SECTION: "节"}
_LIST_KINDS = (OrdinalKind.ARABIC, OrdinalKind.ARABIC_PAREN)  # 目


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
    """A clause before its text is cut out: its first paragraph and what it is called (it runs to the next)."""

    label: str
    path: tuple[str, ...]
    heading: str
    level: int
    first: int  # paragraph index
    parents: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Part:
    """Where a clause of one label is read from: the paragraphs [start, end) and how its labels begin."""

    start: int
    end: int
    prefix: str = ""  # "附件1" inside an attachment
    parents: tuple[str, ...] = ()
    level: int = 0  # the level of what holds the part's top clauses


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


def _labelled(part: _Part, pieces: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    path = ((part.prefix,) if part.prefix else ()) + pieces
    return "".join(path), path


# -- 公文 numbering ---------------------------------------------------------------------------------------------------
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


def _numbered_headings(texts: Sequence[str], part: _Part) -> list[_Heading]:
    open_levels: list[Ordinal] = []
    last_values: dict[str, int] = {}
    headings: list[_Heading] = []
    for index in range(part.start, part.end):
        ordinal = match_ordinal(texts[index])
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
    if ordinal.kind == OrdinalKind.ARTICLE:  # 第X条 carries a provision, not a title
        return ""
    first_phrase = paragraph[ordinal.end:].partition("。")[0].strip()
    # A form's field ("八、办理时限：法定办结时限为20个工作日…", "（一）申请：申请人向…提交申请材料") is titled by its label.
    field = _FIELD_LABEL.match(first_phrase)
    if field:
        return field.group(1)
    if len(first_phrase) > _MAX_HEADING_CHARS or _NOT_A_HEADING.search(first_phrase):
        return ""
    return first_phrase


def _numbered_specs(texts: Sequence[str], part: _Part) -> list[_ClauseSpec]:
    specs = []
    headings = _numbered_headings(texts, part)
    for heading, following in zip(headings, [*headings[1:], None]):
        label, path = _labelled(part, tuple(ordinal.text for ordinal in heading.path))
        title = _heading_text(texts[heading.paragraph_index], heading.path[-1])
        # A numbered sentence with nothing after it, under it or below it ("（1）供水单位应当建立水质检测制度。" then
        # "（2）…") is what the clause says, not its title: a title heads a body or lower clauses.
        lone = (following.paragraph_index if following else part.end) == heading.paragraph_index + 1 and (
            following is None or len(following.path) <= len(heading.path))
        if title and lone and texts[heading.paragraph_index][heading.path[-1].end:].strip().rstrip("。；;") == title:
            title = ""
        specs.append(_ClauseSpec(label, path, title, part.level + len(heading.path), heading.paragraph_index,
                                 part.parents))
    return specs if len(specs) >= _MIN_HEADINGS else []


# -- laws and regulations ---------------------------------------------------------------------------------------------
def _has_articles(texts: Sequence[str], part: _Part) -> bool:
    """Whether articles run in sequence here (第N条 followed by 第N+1条 at paragraph starts), or rise through an
    excerpt (节选: 第一条, 第六条, 第八条 …, at least _MIN_EXCERPT_ARTICLES of them)."""
    values = [o.value for o in map(match_ordinal, texts[part.start:part.end])
              if o is not None and o.kind == OrdinalKind.ARTICLE]
    pairs = list(zip(values, values[1:]))
    return any(b == a + 1 for a, b in pairs) or (
        len(values) >= _MIN_EXCERPT_ARTICLES and all(b > a for a, b in pairs))


@dataclass(frozen=True)
class _Division:
    line: DivisionLine
    ordinal: str  # as labels use it: "第二章" (written out for a chapter recovered by its name)

    @property
    def heading_line(self) -> str:
        return f"{self.ordinal} {self.line.name}" if self.ordinal else self.line.name


@dataclass(frozen=True)
class _ArticlePart:
    """A 款, 项 or 目 of an article: its paragraph and numbers (item "（二）", list "1"; "" where it has none)."""

    first: int
    paragraph: int  # 1 for the article's first paragraph
    item: str = ""
    entry: str = ""


@dataclass
class _Article:
    ordinal: Ordinal
    first: int
    level: int
    parents: tuple[str, ...]
    parts: list[_ArticlePart] = field(default_factory=list)
    paragraph: int = 1
    item: str = ""
    last_item: int = 0
    last_entry: int = 0

    def add(self, index: int, ordinal: Ordinal | None) -> None:
        """A paragraph inside the article: an item, a 目, or else a new 款 (a number out of sequence runs on)."""
        if ordinal is not None and ordinal.kind == OrdinalKind.CN_PAREN:
            if ordinal.value == self.last_item + 1:
                self.item, self.last_item, self.last_entry = f"（{ordinal.text[1:-1]}）", ordinal.value, 0
                self.parts.append(_ArticlePart(index, self.paragraph, self.item))
            return
        if ordinal is not None and ordinal.kind in _LIST_KINDS:
            if ordinal.value == self.last_entry + 1:
                self.last_entry = ordinal.value
                self.parts.append(_ArticlePart(index, self.paragraph, self.item, str(ordinal.value)))
            return
        self.paragraph += 1
        self.item, self.last_item, self.last_entry = "", 0, 0
        self.parts.append(_ArticlePart(index, self.paragraph))

    def specs(self, part: _Part) -> list[_ClauseSpec]:
        label, path = _labelled(part, (self.ordinal.text,))
        specs = [_ClauseSpec(label, path, "", self.level, self.first, self.parents)]
        several = self.paragraph > 1
        for sub in self.parts:
            pieces: tuple[str, ...] = (f"第{chinese_numeral(sub.paragraph)}款",) if several else ()
            depth = 1 if sub.paragraph > 1 else 0
            if sub.item:
                pieces, depth = pieces + (f"第{sub.item}项",), depth + 1
            if sub.entry:
                pieces, depth = pieces + (f"第{sub.entry}目",), depth + 1
            specs.append(_ClauseSpec(label + "".join(pieces), path + pieces, "", self.level + max(depth, 1),
                                     sub.first, self.parents))
        return specs


class _LawReader:
    """Reads the divisions, articles, 款, 项 and 目 of one part, in one pass."""

    def __init__(self, texts: Sequence[str], part: _Part, contents: Contents | None) -> None:
        self.texts, self.part, self.contents = texts, part, contents
        self.specs: list[_ClauseSpec] = []
        self.divisions: list[_Division] = []
        self.last_numbers: dict[OrdinalKind, int] = {}  # per division kind, inside the open divisions
        self.last_article = (0, 0)
        self.article: _Article | None = None

    def read(self) -> list[_ClauseSpec]:
        for index in range(self.part.start, self.part.end):
            line = self.texts[index]
            division = self._division(line)
            if division is not None:
                self._close_article()
                self._open(division, index)
                continue
            ordinal = match_ordinal(line)
            if ordinal is not None and ordinal.kind == OrdinalKind.ARTICLE and self._continues(ordinal):
                self._close_article()
                self.last_article = (ordinal.value, ordinal.sub)
                self.article = _Article(ordinal, index, self._level(), self._parents())
            elif self.article is not None:
                self.article.add(index, ordinal)
            # text under a division heading, or before the first heading, stays with the clause before it
        self._close_article()
        return self.specs

    def _level(self) -> int:
        return self.part.level + len(self.divisions) + 1

    def _parents(self) -> tuple[str, ...]:
        return self.part.parents + tuple(d.heading_line for d in self.divisions)

    def _continues(self, ordinal: Ordinal) -> bool:
        value, sub = self.last_article
        if (ordinal.value, ordinal.sub) <= self.last_article:
            return False
        if ordinal.sub:  # 第十六条之一 follows 第十六条
            return ordinal.value == value and ordinal.sub == sub + 1
        spaced = ordinal.end > len(ordinal.text)
        return ordinal.value == value + 1 or (spaced and ordinal.value - value <= _MAX_ARTICLE_GAP)

    def _division(self, line: str) -> _Division | None:
        found = division_line(line)
        if found is not None and found.kind is not None:
            if found.value > self.last_numbers.get(found.kind, 0):
                return _Division(found, found.ordinal)
            return None
        name = squeeze(line)
        if self.contents is not None and name:
            for kind in DIVISION_KINDS:
                value = self.last_numbers.get(kind, 0) + 1
                key = tuple((d.line.kind, d.line.value) for d in self.divisions
                            if d.line.kind is not None and d.line.rank < RANKS[kind]) + ((kind, value),)
                if self.contents.name_of(key) == name:  # type: ignore[arg-type]
                    ordinal = f"第{chinese_numeral(value)}{_DIVISION_WORD[kind]}"
                    return _Division(DivisionLine(kind, value, ordinal, name), ordinal)
        return _Division(found, found.name) if found is not None else None  # 附则 without a number

    def _open(self, division: _Division, index: int) -> None:
        rank = division.line.rank
        self.divisions = [d for d in self.divisions if d.line.rank < rank]
        for kind in DIVISION_KINDS:
            if RANKS[kind] > rank:
                self.last_numbers.pop(kind, None)
        if division.line.kind is not None:
            self.last_numbers[division.line.kind] = division.line.value
        label, path = _labelled(self.part, tuple(d.ordinal for d in self.divisions) + (division.ordinal,))
        self.specs.append(_ClauseSpec(label, path, division.line.name, self._level(), index, self._parents()))
        self.divisions.append(division)

    def _close_article(self) -> None:
        if self.article is not None:
            self.specs.extend(self.article.specs(self.part))
            self.article = None


# -- document parts ---------------------------------------------------------------------------------------------------
def _part_specs(texts: Sequence[str], part: _Part, contents: Contents | None) -> list[_ClauseSpec]:
    if _has_articles(texts, part):
        return _LawReader(texts, part, contents).read()
    return _numbered_specs(texts, part)


def _paragraph_specs(part: _Part) -> list[_ClauseSpec]:
    return [_ClauseSpec(f"{part.prefix}{UNSTRUCTURED_LABEL_PREFIX}{n}", (), "", part.level, index, part.parents)
            for n, index in enumerate(range(part.start, part.end), 1)]


def _attachment_specs(texts: Sequence[str], attachment: Attachment, end: int) -> list[_ClauseSpec]:
    heading_line = f"{attachment.label} {attachment.title}".strip()
    part = _Part(attachment.content, end, attachment.label, (heading_line,), 1)
    own = _ClauseSpec(attachment.label, (attachment.label,), attachment.title, 1, attachment.first)
    return [own] + _part_specs(texts, part, None)


def _document_specs(texts: Sequence[str], contents: Contents | None, body_start: int) -> tuple[list[_ClauseSpec], bool]:
    """Every clause's spec in paragraph order, and whether any numbering was found."""
    attachments = find_attachments(texts, body_start)
    body_end = attachments[0].first if attachments else len(texts)
    signature = signature_start(texts[:body_end])
    if signature <= body_start:
        signature = body_end
    elif signature < body_end:
        signature = max(body_start + 1, attachment_note_start(texts, signature))
    body = _Part(body_start, signature)
    specs = _part_specs(texts, body, contents)
    structured = bool(specs)
    if not specs:
        specs = _paragraph_specs(body)
    elif specs[0].first > body_start:  # a real 序言: the document's opening as printed, header lines included
        specs.insert(0, _ClauseSpec(PREAMBLE_LABEL, (), "", 0, 0))
    if signature < body_end:
        specs.append(_ClauseSpec(SIGNATURE_LABEL, (), "", 0, signature))
    for attachment, following in zip(attachments, attachments[1:] + [None]):
        attachment_specs = _attachment_specs(texts, attachment, following.first if following else len(texts))
        structured = structured or len(attachment_specs) > 1
        specs.extend(attachment_specs)
    return specs, structured


def split_sentences(text: str, start: int = 0, end: int | None = None) -> tuple[Sentence, ...]:
    """Sentences of text[start:end] split on 。；！？ (kept, with a closing quote/bracket that follows) and line ends."""
    sentences: list[Sentence] = []
    for found in SENTENCE.finditer(text, start, len(text) if end is None else end):
        raw = found.group()
        stripped = raw.strip()
        label = speaker_label_length(stripped)
        if stripped[label:]:
            first = found.start() + raw.index(stripped[0]) + label
            sentences.append(Sentence(stripped[label:], first, first + len(stripped) - label))
    return tuple(sentences)


def _clauses(doc_id: str, text: str, paragraphs: Sequence[_Paragraph], specs: Sequence[_ClauseSpec]) -> tuple[Clause, ...]:
    clauses = []
    lasts = [s.first - 1 for s in specs[1:]] + [len(paragraphs) - 1]
    for spec, last in zip(specs, lasts):
        start, end = paragraphs[spec.first].start, paragraphs[last].end
        clauses.append(Clause(doc_id=doc_id, label=spec.label, path=spec.path, level=spec.level,
                              heading=spec.heading, text=text[start:end], start=start, end=end,
                              sentences=split_sentences(text, start, end), parents=spec.parents))
    return tuple(clauses)


def metadata_value(field_name: str, value: object) -> object:
    """A manifest or user value as DocMeta wants it, or a one-line KbError: the one place metadata is validated
    (`kb add`/`kb meta` options, uploads, the app's form, manifest entries). YAML dates and lists are accepted."""
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
    if field_name == "force" and value not in tuple(LegalForce):
        raise KbError(f"metadata 'force' must be one of {', '.join(LegalForce)}, got {value!r}")
    if field_name == "date" and value and not _ISO_DATE.fullmatch(str(value)):
        raise KbError(f"metadata 'date' must be a date as YYYY-MM-DD, got {value!r}")
    if field_name == "doc_number" and is_doc_number_line(str(value)):
        return doc_numbers_in(str(value))[0]  # one spelling of a 文号: 渝府发[2021] 31 号 -> 渝府发〔2021〕31号
    return str(value)


def _meta_values(detected: Mapping[str, object], overrides: Mapping[str, object]) -> dict[str, object]:
    unknown = sorted(set(overrides) - _OVERRIDABLE_FIELDS)
    if unknown:
        raise KbError(f"unknown metadata field(s) {', '.join(unknown)}; known fields: "
                      f"{', '.join(sorted(_OVERRIDABLE_FIELDS))}")
    values = dict(detected)
    values.update({k: metadata_value(k, v) for k, v in overrides.items() if v is not None})
    return values


def parse_document(raw_text: str, doc_id: str, overrides: Mapping[str, object] | None = None,
                   source: str = "") -> ParsedDocument:
    """Normalise `raw_text`, detect its metadata (overrides win) and cut it into clauses."""
    if not doc_id.strip():
        raise KbError("a document needs a non-empty id (e.g. cq-2021-31)")
    text = normalise_text(raw_text)
    paragraphs = _paragraphs(text)
    texts = [p.text for p in paragraphs]
    header_end = read_header(texts).end
    contents = table_of_contents(texts, header_end)
    info_end = contents.end if contents else header_end
    # A text that is nothing but header lines keeps them as its content.
    specs, structured = _document_specs(texts, contents, info_end if info_end < len(texts) else 0)
    detected = {"source": source, "structured": structured, **detect_metadata(text)}
    meta = DocMeta(doc_id=doc_id, **_meta_values(detected, overrides or {}))  # type: ignore[arg-type]
    return ParsedDocument(meta=meta, text=text, clauses=_clauses(doc_id, text, paragraphs, specs))
