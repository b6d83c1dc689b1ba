"""Request body limits, enforced while the body arrives: a declared Content-Length over the limit is refused before
anything is read, and a body sent without one (chunked) is cut off as soon as it passes the limit."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large_message(limit: int) -> str:
    return f"the request body is over the {limit:,}-byte limit"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _send_too_large(send, limit)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                # raised inside the app's body reading: its exception handler answers {"error": …} with 413
                raise HTTPException(413, too_large_message(limit))
            return message

        await self.app(scope, receive_within_limit, send)


async def _send_too_large(send: Send, limit: int) -> None:
    body = json.dumps({"error": too_large_message(limit)}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
