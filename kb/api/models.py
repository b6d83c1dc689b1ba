"""Request and response bodies of the API. Responses carry the JSON of kb.serialize (what `kb … --json` prints);
these models describe it for /docs and check it on the way out."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from kb.schema import AnswerOrigin, AnswerStatus, Level, RetrievalMode

MAX_HISTORY_TURNS = 20
MAX_TOP_K = 50


def _as_list(value: object) -> object:
    """"doc": "渝府发〔2021〕31号" means the same as "doc": ["渝府发〔2021〕31号"]."""
    return [value] if isinstance(value, str) else value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently ignored


class CliJson(BaseModel):
    """A shape of kb.serialize: the fields below are documented; a field kb.serialize gains passes through as is,
    so the API never says less than `kb … --json`."""

    model_config = ConfigDict(extra="allow")


# -- questions --------------------------------------------------------------------------------------------------------
class SearchRequest(Strict):
    question: str = Field(description="the question, in Chinese or mixed")
    doc: Annotated[list[str], BeforeValidator(_as_list)] = Field(
        default_factory=list, description="restrict to these documents (文号, short id or a unique part of the title)")
    level: Annotated[list[Level], BeforeValidator(_as_list)] = Field(
        default_factory=list, description="restrict to documents of these levels")
    mode: RetrievalMode = RetrievalMode.HYBRID
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="clauses to return (default: the server's)")


class AskRequest(SearchRequest):
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS,
                               description="earlier questions of the conversation, oldest first (for follow-ups)")
    llm: bool | None = Field(None, description="word the answer with the configured language model "
                                               "(default: when the server has one)")


class CitationOut(CliJson):
    doc: str
    doc_title: str
    clause: str
    heading: str
    quote: str
    score: float


class HitOut(CliJson):
    doc: str
    doc_title: str
    clause: str
    heading: str
    score: float


class AnswerOut(CliJson):
    """The JSON of `kb ask --json`."""

    question: str
    status: AnswerStatus
    answer: str
    origin: AnswerOrigin
    fallback_reasons: list[str]
    citations: list[CitationOut]
    retrieved: list[HitOut]
    timings_ms: dict[str, float]
    notices: list[str] = Field(description="what to know about how the answer was found (e.g. keywords alone)")
    refusal_reason: str = Field("", description="why the documents answer nothing, when status is not_found "
                                "(e.g. 文件没有规定这一行为的处罚); empty when nothing close was found")


class SearchHitOut(HitOut):
    text: str
    best_sentence: str
    scores: dict[str, float]


class SearchOut(CliJson):
    """Exactly the JSON of `kb search --json`."""

    question: str
    mode: RetrievalMode
    hits: list[SearchHitOut]


# -- documents --------------------------------------------------------------------------------------------------------
class DocumentOut(CliJson):
    """A row of `kb list --json`."""

    doc_id: str
    doc: str
    title: str
    issuer: str
    date: str
    level: str
    implements: list[str]
    clauses: int
    structured: bool
    references_not_loaded: list[str]
    source: str


class ClauseOut(CliJson):
    label: str
    heading: str
    level: int
    text: str


class OutlineOut(CliJson):
    """Exactly the JSON of `kb outline --json`."""

    doc: str
    doc_id: str
    title: str
    clauses: list[ClauseOut]


class ClauseInDocumentOut(ClauseOut):
    doc: str
    doc_id: str
    title: str


class MetadataChange(Strict):
    """Corrections to a document's detected metadata; fields left out stay as they are."""

    title: str | None = None
    doc_number: str | None = Field(None, description="文号, e.g. 国发〔2021〕4号")
    issuer: str | None = None
    date: str | None = Field(None, description="YYYY-MM-DD")
    level: Level | None = None
    implements: list[str] | str | None = Field(
        None, description="文号 of the documents it implements (a list, or one string separated by 、 or commas)")

    def fields(self) -> dict[str, object]:
        """The metadata given, for PolicyKb.add / update_metadata."""
        return self.model_dump(exclude_none=True, include=set(MetadataChange.model_fields))


class AddUrlRequest(MetadataChange):
    url: str = Field(description="an http:// or https:// address of the document (a public address, unless the "
                                 "server's url_allow lists it)")


class ReportOut(CliJson):
    """What a change did: exactly the JSON of `kb add|remove|meta|reindex --json`."""

    added: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str]
    skipped: list[str]
    unstructured: list[str]
    chunks_embedded: int
    chunks_reused: int
    generation: int


# -- the server -------------------------------------------------------------------------------------------------------
class HealthOut(BaseModel):
    status: str
    generation: int
    documents: int
    chunks: int


class ErrorOut(BaseModel):
    error: str = Field(description="one line: what went wrong and what to do about it")


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI entries for the error statuses a route answers with {"error": …}."""
    return {status: {"model": ErrorOut} for status in statuses}
