"""A stand-in for an OpenAI-compatible LLM server on 127.0.0.1, for tests that exercise the real HTTP client.

It answers POST /v1/chat/completions and POST /v1/completions with a canned reply, records every request body,
and can be told to wait before answering (to exercise the client's timeout).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FakeOpenAIServer:
    reply: str
    delay_s: float = 0.0
    requests: list[dict] = field(default_factory=list)  # {"path", "authorization", "body"} in arrival order
    base_url: str = ""
    released: threading.Event = field(default_factory=threading.Event)

    def body_for(self, path: str, request: dict) -> dict | None:
        usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
        model = request.get("model", "")
        if path == "/v1/chat/completions":
            choice = {"index": 0, "message": {"role": "assistant", "content": self.reply}, "finish_reason": "stop"}
            return {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
                    "choices": [choice], "usage": usage}
        if path == "/v1/completions":
            choice = {"index": 0, "text": self.reply, "finish_reason": "stop", "logprobs": None}
            return {"id": "cmpl-fake", "object": "text_completion", "created": 0, "model": model,
                    "choices": [choice], "usage": usage}
        return None


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            request = json.loads(self.rfile.read(length) or b"{}")
            server.requests.append({"path": self.path, "authorization": self.headers.get("Authorization", ""),
                                    "body": request})
            server.released.wait(server.delay_s)  # a slow server; released at once when the test ends
            body = server.body_for(self.path, request)
            payload = json.dumps(body if body is not None else {"error": {"message": "not found"}}).encode()
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            try:
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                pass

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    return Handler


@contextmanager
def serve(reply: str, delay_s: float = 0.0) -> Iterator[FakeOpenAIServer]:
    """Run a fake server on a free port for the duration of the block; `base_url` ends in /v1."""
    fake = FakeOpenAIServer(reply=reply, delay_s=delay_s)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    httpd.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.released.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()
