"""Prometheus metrics in the text exposition format, written by hand: requests by route and status, latency
histograms by route, answers by status, and the index's generation and size."""

from __future__ import annotations

import bisect
import threading
import time
from collections import Counter
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.schema import AnswerStatus

# Seconds; an extractive answer takes tens of milliseconds, an ingest or an LLM answer seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED_ROUTE = "unmatched"  # requests no route matched (404s), in one series so paths cannot flood the metrics
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class IndexFigures:
    generation: int
    documents: int
    chunks: int


class _Histogram:
    def __init__(self) -> None:
        self.counts = [0] * (len(LATENCY_BUCKETS) + 1)  # the last one is +Inf
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.total += seconds


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items()) + "}"


class Metrics:
    """Thread-safe counters for one server process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, str, str]] = Counter()  # (route, method, status)
        self._latency: dict[tuple[str, str], _Histogram] = {}  # (route, method)
        self._answers: Counter[str] = Counter({status.value: 0 for status in AnswerStatus})

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[(route, method, str(status))] += 1
            self._latency.setdefault((route, method), _Histogram()).observe(seconds)

    def observe_answer(self, status: AnswerStatus) -> None:
        with self._lock:
            self._answers[str(status)] += 1

    def render(self, index: IndexFigures) -> str:
        with self._lock:
            lines = ["# HELP kb_http_requests_total HTTP requests by route template, method and status.",
                     "# TYPE kb_http_requests_total counter"]
            lines += [f"kb_http_requests_total{_labels(route=r, method=m, status=s)} {n}"
                      for (r, m, s), n in sorted(self._requests.items())]
            lines += ["# HELP kb_http_request_duration_seconds Time from request to the end of the response.",
                      "# TYPE kb_http_request_duration_seconds histogram"]
            for (route, method), histogram in sorted(self._latency.items()):
                cumulative = 0
                for bound, count in zip((*map(str, LATENCY_BUCKETS), "+Inf"), histogram.counts):
                    cumulative += count
                    labels = _labels(route=route, method=method, le=bound)
                    lines.append(f"kb_http_request_duration_seconds_bucket{labels} {cumulative}")
                labels = _labels(route=route, method=method)
                lines.append(f"kb_http_request_duration_seconds_sum{labels} {histogram.total!r}")
                lines.append(f"kb_http_request_duration_seconds_count{labels} {cumulative}")
            lines += ["# HELP kb_answers_total Answers given (/v1/ask and /v1/chat/completions) by status.",
                      "# TYPE kb_answers_total counter"]
            lines += [f"kb_answers_total{_labels(status=s)} {n}" for s, n in sorted(self._answers.items())]
        for name, help_text, value in (
                ("kb_index_generation", "Generation of the index being read (it grows with every change).",
                 index.generation),
                ("kb_index_documents", "Documents in the index.", index.documents),
                ("kb_index_chunks", "Chunks (clauses and sentences) in the index.", index.chunks)):
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
        return "\n".join(lines) + "\n"


class MetricsMiddleware:
    """Counts every HTTP request under its route template (/v1/documents/{doc}), not its path."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", UNMATCHED_ROUTE)
            self.metrics.observe_request(route, scope["method"], status, time.perf_counter() - started)
