"""A Chroma server on loopback (`chroma run --host 127.0.0.1`) for the embedded-versus-server comparison."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout_s: float) -> float:
    """Seconds until `url` answers 200; fails early when `process` exits."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s}s")


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """Run a Chroma server persisting under `path`; yields its URL."""
    executable = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    with open(path.parent / "chroma-server.log", "wb") as log:
        server = subprocess.Popen([executable, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for_http(f"{url}/api/v2/heartbeat", server, START_TIMEOUT_S)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)
