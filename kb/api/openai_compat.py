"""An OpenAI-compatible chat endpoint, so the `openai` client, llama-index `OpenAILike` or any chat front end can
ask policy-kb: model `policy-kb`, the last user message is the question and earlier user messages are the
conversation (for follow-ups). The assistant message is the answer with its 〔文号 条款〕 markers; the response
also carries a `policy_kb` field with the status, citations and retrieved clauses (`kb ask --json`'s).

`stream: true` answers as server-sent events: `data: {chunk}` lines, the last chunk with `policy_kb`, then
`data: [DONE]`. The answer is complete before the first event, so a failure is still a plain JSON error.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from kb.api.auth import ApiError
from kb.api.deps import engine, metrics, reader
from kb.api.metrics import Metrics
from kb.api.models import MAX_HISTORY_TURNS, AskRequest, CitationOut, HitOut, error_responses
from kb.api.routes.questions import answer
from kb.engine import PolicyKb
from kb.schema import Answer, AnswerStatus
from kb.serialize import answer_json

MODEL_ID = "policy-kb"
router = APIRouter(prefix="/v1", tags=["openai-compatible"], responses=error_responses(400, 404, 413),
                   dependencies=[Depends(reader)])


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str = ""


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, …: accepted and not used
    role: str
    content: str | list[TextPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content if part.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, …: accepted; answers are extractive
    model: str = Field(MODEL_ID, description=f"always {MODEL_ID}")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


class PolicyKbFields(BaseModel):
    status: AnswerStatus
    citations: list[CitationOut]
    retrieved: list[HitOut]
    timings_ms: dict[str, float]


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    policy_kb: PolicyKbFields


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "policy-kb"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def conversation(messages: list[ChatMessage]) -> AskRequest:
    """The question (the last message, from the user) and the earlier user messages as history."""
    last = messages[-1]
    if last.role != "user" or not last.text.strip():
        raise ApiError(400, "the last message must be the user's question (role \"user\", non-empty content)")
    earlier = [m.text for m in messages[:-1] if m.role == "user" and m.text.strip()]
    return AskRequest(question=last.text, history=earlier[-MAX_HISTORY_TURNS:])


def policy_kb_fields(result: Answer) -> dict[str, object]:
    shown = answer_json(result)
    return {key: shown[key] for key in PolicyKbFields.model_fields}


# The answer streams a line at a time; each citation marker stays inside the line it belongs to.
_LINES = re.compile(r"[^\n]*\n|[^\n]+")


def _events(completion_id: str, created: int, result: Answer) -> Iterator[str]:
    def chunk(delta: dict[str, str], finish_reason: str | None = None, **extra: object) -> str:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for line in _LINES.findall(result.text):
        yield chunk({"content": line})
    yield chunk({}, "stop", policy_kb=policy_kb_fields(result))
    yield "data: [DONE]\n\n"


@router.post("/chat/completions", response_model=ChatCompletion,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "a chat.completion, or with stream: true server-sent events"}},
             summary="OpenAI-compatible chat completions (model policy-kb), streaming too")
def chat_completions(body: ChatRequest, kb: PolicyKb = Depends(engine),
                     counts: Metrics = Depends(metrics)) -> object:
    if body.model != MODEL_ID:
        raise ApiError(404, f"model {body.model!r} does not exist; this server has {MODEL_ID!r}")
    result = answer(kb, counts, conversation(body.messages))
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        return StreamingResponse(_events(completion_id, created, result), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return ChatCompletion(id=completion_id, created=created, choices=[Choice(message=AssistantMessage(
        content=result.text))], policy_kb=PolicyKbFields.model_validate(policy_kb_fields(result)))


@router.get("/models", response_model=ModelList, summary="The one model: policy-kb")
def models() -> ModelList:
    return ModelList(data=[ModelCard()])
