"""What every route needs, as FastAPI dependencies: the server's one PolicyKb, its metrics, and the key checks."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kb.api.auth import ApiError, ApiKeys, Role, authorize
from kb.api.metrics import Metrics
from kb.engine import PolicyKb
from kb.errors import KbError
from kb.schema import ParsedDocument


@dataclass(frozen=True)
class ServerState:
    engine: PolicyKb  # one per process: models and indexes loaded once, shared by every request (thread-safe)
    keys: ApiKeys
    metrics: Metrics
    changes: threading.Lock  # one corpus change at a time in this process; readers never take it


def state(request: Request) -> ServerState:
    return request.app.state.kb


def engine(request: Request) -> PolicyKb:
    return state(request).engine


def metrics(request: Request) -> Metrics:
    return state(request).metrics


_bearer = HTTPBearer(auto_error=False, description="an API key of KB_API_KEYS (read or admin)")


def _bearer_key(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return credentials.credentials if credentials else None


def reader(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    """Reads: open on a loopback server without keys; otherwise any valid key."""
    authorize(state(request).keys, _bearer_key(credentials), Role.READ)


def admin(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    """Changes: an admin key, always."""
    authorize(state(request).keys, _bearer_key(credentials), Role.ADMIN)


def find_document(kb: PolicyKb, name: str) -> ParsedDocument:
    """The named document (文号, short id or unique part of the title), else 404."""
    try:
        return kb.document(name)
    except KbError as exc:
        raise ApiError(404, str(exc)) from None
