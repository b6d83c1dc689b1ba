"""The API application (`create_app`) and `kb serve` (`serve`): one uvicorn worker process holding one PolicyKb.

Every error is JSON {"error": "one line"} with a 4xx/5xx status: KbError (bad input) 400, ApiError its own
status, validation 422, anything unexpected 500 with its type only (the traceback goes to the server log).
"""

from __future__ import annotations

import sys
import threading

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException
from starlette.types import Scope

from kb.api import openai_compat
from kb.api.auth import ApiError, ApiKeys, check_bind
from kb.api.deps import ServerState, engine, metrics, reader
from kb.api.limits import BodyLimitMiddleware
from kb.api.metrics import CONTENT_TYPE, IndexFigures, Metrics, MetricsMiddleware
from kb.api.models import HealthOut, error_responses
from kb.api.routes import analysis, documents, questions
from kb.config import Config
from kb.engine import PolicyKb
from kb.errors import KbError

UPLOAD_OVERHEAD_BYTES = 1_000_000  # multipart boundaries and metadata fields around an uploaded file


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": " ".join(message.split())}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "invalid request: " + "; ".join(problems)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KbError)
    async def bad_input(request: Request, exc: KbError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(ApiError)
    async def refused(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _error(500, f"internal error ({type(exc).__name__}); the server log has the details")


def index_figures(kb: PolicyKb) -> IndexFigures:
    snap = kb.retriever.snapshot()
    return IndexFigures(snap.generation, len(snap.documents), len(snap.chunks))


def create_app(kb: PolicyKb) -> FastAPI:
    """The application over a loaded PolicyKb (tests pass one with the fake embedder)."""
    config = kb.config
    server = ServerState(kb, ApiKeys.parse(config.api_keys), Metrics(), threading.Lock())
    app = FastAPI(title="policy-kb", version="0.1.0", responses=error_responses(401, 403, 422, 500),
                  description="Questions answered from Chinese policy documents, every sentence cited to its clause. "
                              "Reads need a read or admin key (`Authorization: Bearer KEY`) unless the server runs "
                              "on loopback without keys; changes always need an admin key.")
    app.state.kb = server
    _install_error_handlers(app)

    def body_limit(scope: Scope) -> int:
        if scope["method"] == "POST" and scope["path"] == "/v1/documents":
            return config.max_file_bytes + UPLOAD_OVERHEAD_BYTES
        return config.max_request_bytes

    # Added last, outermost: metrics count every request, refused ones included.
    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit)
    app.add_middleware(MetricsMiddleware, metrics=server.metrics)
    for module in (questions, documents, analysis, openai_compat):
        app.include_router(module.router)

    @app.get("/healthz", response_model=HealthOut, tags=["server"], summary="Liveness and the index's size")
    def healthz(kb: PolicyKb = Depends(engine)) -> HealthOut:
        figures = index_figures(kb)
        return HealthOut(status="ok", generation=figures.generation, documents=figures.documents,
                         chunks=figures.chunks)

    @app.get("/metrics", response_model=None, dependencies=[Depends(reader)], tags=["server"],
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
             summary="Prometheus metrics (text format)")
    def prometheus(kb: PolicyKb = Depends(engine), counts: Metrics = Depends(metrics)) -> PlainTextResponse:
        return PlainTextResponse(counts.render(index_figures(kb)), media_type=CONTENT_TYPE)

    return app


def open_engine(config: Config) -> PolicyKb:
    """Load the model and the index once, before the first request, and embed one query so it is warm."""
    kb = PolicyKb(config, on_model_load=lambda message: print(message, file=sys.stderr, flush=True))
    if not kb.retriever.snapshot().chunks:
        print("kb serve: the index is empty; add documents (`kb ingest`, `kb add`, POST /v1/documents)",
              file=sys.stderr, flush=True)
    kb.retriever.query_vector("预热")
    return kb


def serve(config: Config, host: str, port: int) -> None:
    """Run the API until interrupted: one process, requests in its thread pool. Bad settings are KbErrors."""
    import uvicorn  # lazy: only `kb serve` needs it

    check_bind(ApiKeys.parse(config.api_keys), host)
    app = create_app(open_engine(config))
    # The access log prints the client, method, path and status only: never headers, so never a key.
    uvicorn.run(app, host=host, port=port, workers=1, log_level="info", access_log=True)
