"""Questions: /v1/ask (an answer with citations) and /v1/search (ranked clauses), the JSON of `kb ask|search --json`.

Plain `def` routes: FastAPI runs them in its thread pool, so one slow question or client never holds up others.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from kb.api.deps import engine, metrics, reader
from kb.api.metrics import Metrics
from kb.api.models import AnswerOut, AskRequest, SearchOut, SearchRequest, error_responses
from kb.engine import PolicyKb, Turn, check_question
from kb.schema import Answer
from kb.serialize import answer_json, search_json

router = APIRouter(prefix="/v1", tags=["questions"], responses=error_responses(400, 413),
                   dependencies=[Depends(reader)])


def answer(kb: PolicyKb, counts: Metrics, request: AskRequest) -> Answer:
    """One answer, counted by status; shared with the OpenAI-compatible route."""
    history = [Turn(check_question(earlier, kb.config.max_question_chars)) for earlier in request.history]
    result = kb.ask(request.question, history=history, mode=request.mode, top_k=request.top_k, docs=request.doc,
                    levels=request.level, use_llm=request.llm)
    counts.observe_answer(result.status)
    return result


@router.post("/ask", response_model=AnswerOut, summary="Answer a question with clause citations")
def ask(body: AskRequest, kb: PolicyKb = Depends(engine), counts: Metrics = Depends(metrics)) -> dict[str, object]:
    return answer_json(answer(kb, counts, body))


@router.post("/search", response_model=SearchOut, summary="Ranked clauses with their best sentence")
def search(body: SearchRequest, kb: PolicyKb = Depends(engine)) -> dict[str, object]:
    hits = kb.search(body.question, mode=body.mode, top_k=body.top_k, docs=body.doc, levels=body.level)
    return search_json(body.question, body.mode, hits)
