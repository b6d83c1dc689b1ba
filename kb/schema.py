"""The small typed values that flow between stages: parse -> chunk -> index -> retrieve -> answer, and the closed
vocabularies they use.

Values are frozen dataclasses; offsets are character offsets into the document's *normalised* text. Every closed
vocabulary is a StrEnum declared here once: the CLI's choices, the app's options and the JSON all come from these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    NOT_FOUND = "not_found"  # the documents do not answer: the closest clauses are offered instead


class AnswerOrigin(StrEnum):
    EXTRACTIVE = "extractive"  # verbatim sentences of the clauses
    GENERATIVE = "generative"  # worded by the optional language model, verified against the cited clauses
    FALLBACK = "fallback"  # the model's answer failed verification; the extractive answer is shown instead


class RetrievalMode(StrEnum):
    BM25 = "bm25"
    DENSE = "dense"
    HYBRID = "hybrid"


class Level(StrEnum):
    """Administrative level of the issuer: which documents a question may be restricted to."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"
    COUNTY = "county"
    OTHER = "other"


class ExportFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class ChunkKind(StrEnum):
    CLAUSE = "clause"  # a whole clause with its ancestors' headings
    SENTENCE = "sentence"  # one sentence with its clause's heading

PREAMBLE_LABEL = "序言"
SIGNATURE_LABEL = "落款"


@dataclass(frozen=True, slots=True)  # slots: an index holds hundreds of thousands
class Sentence:
    """One sentence of a clause, split on 。；！？ (the terminator is kept)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)  # slots: an index holds hundreds of thousands
class Clause:
    """A node of a document's clause tree, holding its *own* text (children are separate clauses).

    label: canonical citation label, the ordinals of the heading path concatenated in the document's own
        characters, e.g. "一（二）", "二（一）4", "三（一）"; or "序言" / "落款".
    path: the ordinals one by one, e.g. ("二", "（一）", "4"); empty for 序言 / 落款.
    level: depth of the numbering (1 for 一、, 2 for （一）, 3 for 1．, 4 for （1）; 0 for 序言 / 落款).
    heading: the clause's heading, e.g. "壮大绿色环保产业" ("" when the clause has none).
    text: the clause's own text including its number, e.g. "4．壮大绿色环保产业。推动……".
    start, end: span of `text` in the normalised document text.
    """

    doc_id: str
    label: str
    path: tuple[str, ...]
    level: int
    heading: str
    text: str
    start: int
    end: int
    sentences: tuple[Sentence, ...] = ()


@dataclass(frozen=True)
class DocMeta:
    """Document metadata: detected from the text, overridden by the corpus manifest or the user."""

    doc_id: str  # short id, e.g. "cq-2021-31"
    title: str = ""
    doc_number: str = ""  # 文号, e.g. 渝府发〔2021〕31号
    issuer: str = ""
    date: str = ""  # ISO date, e.g. 2021-10-11
    level: str = ""  # national | provincial | municipal | county | other
    implements: tuple[str, ...] = ()  # 文号 of the documents this one implements
    source: str = ""  # file path or URL it came from
    structured: bool = True  # False when no numbering was found and the text was split by paragraphs

    @property
    def citation_name(self) -> str:
        """How citations name the document: its 文号 when known, else its short id."""
        return self.doc_number or self.doc_id


@dataclass(frozen=True)
class ParsedDocument:
    meta: DocMeta
    text: str  # the normalised text every offset refers to
    clauses: tuple[Clause, ...]

    def clause(self, label: str) -> Clause | None:
        return next((c for c in self.clauses if c.label == label), None)


@dataclass(frozen=True, slots=True)  # slots: an index holds hundreds of thousands
class Chunk:
    """A unit that is indexed: a whole clause, or one of its sentences."""

    chunk_id: str
    doc_id: str
    clause_label: str
    kind: ChunkKind
    text: str
    content_hash: str
    sentence_index: int = -1  # position within the clause for sentence chunks


@dataclass(frozen=True)
class Hit:
    """A retrieved clause, scored by its best matching chunk."""

    doc_id: str
    doc_number: str
    doc_title: str
    clause_label: str
    heading: str
    text: str
    score: float
    best_sentence: str = ""
    scores: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    @property
    def citation_name(self) -> str:
        return self.doc_number or self.doc_id


@dataclass(frozen=True)
class Citation:
    doc: str  # 文号 (or short id when the document has none)
    doc_title: str
    clause: str
    heading: str
    quote: str
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    status: AnswerStatus
    text: str
    citations: tuple[Citation, ...]
    retrieved: tuple[Hit, ...]
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    origin: AnswerOrigin = AnswerOrigin.EXTRACTIVE
    fallback_reasons: tuple[str, ...] = ()  # why the model's answer was rejected, when origin is FALLBACK
