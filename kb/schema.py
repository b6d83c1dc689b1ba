"""The small typed values that flow between stages: parse -> chunk -> index -> retrieve -> answer, and the closed
vocabularies they use.

Values are frozen dataclasses; offsets are character offsets into the document's *normalised* text. Every closed
vocabulary is a StrEnum declared here once: the CLI's choices, the app's options and the JSON all come from these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
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


class LegalForce(StrEnum):
    """Legal force (效力级别) of a document, read from its issuer and title."""

    LAW = "法律"  # 全国人民代表大会 (常务委员会)
    ADMINISTRATIVE_REGULATION = "行政法规"  # 国务院 条例 / 规定 / 办法
    LOCAL_REGULATION = "地方性法规"  # 省 / 市 人民代表大会 (常务委员会)
    RULES = "规章"  # 部门令, 省 / 市 人民政府令
    NORMATIVE_DOCUMENT = "规范性文件"  # 意见 / 通知 / 方案 … with a 文号


class AmendmentKind(StrEnum):
    AMENDED = "修正"  # by a decision that changes some articles
    REVISED = "修订"  # the whole text adopted again


class ExportFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class ObligationType(StrEnum):
    """What a sentence of a document asks of anyone (kb.analysis.requirements reads it from cue words)."""

    TARGET = "target"  # a number to reach or a limit to keep
    PENALTY = "penalty"  # a sanction: 处…罚款, 吊销…, 依法给予处分, and the conduct a penalty article lists
    PROHIBITION = "prohibition"  # 不得 / 禁止 / 严禁 / 不准
    BINDING = "binding"  # a duty: 应当 / 必须 / 须 / 应, and the firm wording of policy (严格, 坚决遏制)
    PERMISSION = "permission"  # 可以 / 有权 / 允许
    ENCOURAGED = "encouraged"  # 鼓励 / 支持 / 引导 / 倡导
    ARRANGEMENT = "arrangement"  # a work arrangement of a policy document: 推进 / 加快 …, or no cue at all


class ChunkKind(StrEnum):
    CLAUSE = "clause"  # a whole clause with its ancestors' headings
    SENTENCE = "sentence"  # one sentence with its clause's heading

_HEADING_NUMBER_CHARS = 8  # "二十一．", "（十二）", "第十二章": what may stand before a heading in its sentence

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
        Laws and regulations are cited the way lawyers write it: "第十一条", "第十一条第二款",
        "第十三条第（二）项", "第十三条第一款第（二）项"; chapters "第二章", sections "第二章第一节" (see
        kb.documents.parse).
    level: depth in the clause tree (1 for 一、, 2 for （一）, 3 for 1．, 4 for （1）; a chapter 1, its articles 2,
        their paragraphs and items 3; 0 for 序言 / 落款).
    heading: the clause's heading, e.g. "壮大绿色环保产业" ("" when the clause has none).
    text: the clause's own text including its number, e.g. "4．壮大绿色环保产业。推动……".
    start, end: span of `text` in the normalised document text.
    parents: the headings of the divisions (编 / 章 / 节, 附件) the clause stands in, outermost first, e.g.
        ("第二章 规划与建设", "第一节 一般规定"); they are not part of the label.
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
    parents: tuple[str, ...] = ()

    def is_heading_sentence(self, text: str) -> bool:
        """"21．大力发展绿色金融。", "第一章 总 则": the sentence only names the clause; it asks nothing of anyone and
        answers nothing. One rule for answers and for the requirements table, so the two never disagree."""
        heading = "".join(self.heading.split())
        squeezed = "".join(text.split()).rstrip("。；：:")
        return bool(heading) and squeezed.endswith(heading) and len(squeezed) <= len(heading) + _HEADING_NUMBER_CHARS


@dataclass(frozen=True)
class Amendment:
    """One amendment in a law's passage lines, e.g. 2018-07-26 修正 by 《关于修改〈…〉等二十五件地方性法规的决定》."""

    date: str  # ISO date
    kind: AmendmentKind
    by: str  # the decision that made it, else the session ("第十届全国人民代表大会常务委员会第三十次会议")


def _editable(label: str, help: str = "") -> dict[str, str]:
    """Field metadata of a DocMeta field the user may set or correct: its label in the app, its help in the CLI."""
    return {"editable": label, "help": help}


@dataclass(frozen=True)
class DocMeta:
    """Document metadata: detected from the text, overridden by the corpus manifest or the user."""

    doc_id: str  # short id, e.g. "cq-2021-31"
    title: str = field(default="", metadata=_editable("标题"))
    doc_number: str = field(default="", metadata=_editable("文号", "文号, e.g. 国发〔2021〕4号"))  # 渝府发〔2021〕31号
    issuer: str = field(default="", metadata=_editable("发文机关"))
    date: str = field(default="", metadata=_editable("成文日期（YYYY-MM-DD）", "YYYY-MM-DD"))  # ISO date
    level: str = field(default="", metadata=_editable("层级"))  # a Level value
    implements: tuple[str, ...] = field(default=(), metadata=_editable(  # 文号 of the documents it implements
        "贯彻落实的文件（文号，用顿号分隔）", "文号 of the document(s) it implements, comma-separated"))
    source: str = ""  # file path or URL it came from
    structured: bool = True  # False when no numbering was found and the text was split by paragraphs
    force: str = ""  # a LegalForce value (法律 … 规范性文件); "" when unknown
    short_name: str = field(default="", metadata=_editable(  # a user-set citation name, e.g. 循环经济促进法
        "简称", "a short citation name, e.g. 循环经济促进法"))
    adopted: str = ""  # ISO dates of the passage lines: 通过, 公布 / 发布, 施行
    promulgated: str = ""
    effective: str = ""
    amendments: tuple[Amendment, ...] = ()  # 修正 / 修订, oldest first
    info_lines: tuple[str, ...] = ()  # the header lines (title, 文号, passage lines, table of contents) as written

    def __post_init__(self) -> None:
        # Values read back from JSON (index state, manifest) come as lists and dicts; keep them tuples and typed.
        object.__setattr__(self, "implements", tuple(self.implements))
        object.__setattr__(self, "info_lines", tuple(self.info_lines))
        object.__setattr__(self, "amendments", tuple(
            a if isinstance(a, Amendment) else Amendment(a["date"], AmendmentKind(a["kind"]), a["by"])
            for a in self.amendments))

    @property
    def citation_name(self) -> str:
        """How citations name the document: the user's short name, else its 文号, else its title in 《》, else its id."""
        if self.short_name:
            return f"《{self.short_name.strip('《》')}》"
        return self.doc_number or (f"《{self.title}》" if self.title else self.doc_id)


# The fields a user may set or correct (`kb add`/`kb meta` options, the app's form, manifest entries), in order.
EDITABLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(DocMeta) if "editable" in f.metadata)


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
    doc_citation: str = ""  # DocMeta.citation_name of its document

    @property
    def citation_name(self) -> str:
        return self.doc_citation or self.doc_number or self.doc_id


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
    notices: tuple[str, ...] = ()  # what the user should know about how it was found (e.g. BM25 alone)
    # Why the documents answer nothing, when the status says so ("文件没有规定这一行为的处罚"); "" when nothing close.
    refusal_reason: str = ""
