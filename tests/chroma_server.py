"""A real `chroma run` server on 127.0.0.1 for tests (the venv's `chroma`), started and stopped per use."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ChromaServer:
    process: subprocess.Popen
    url: str
    port: int
    path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


def start_chroma(path: Path, port: int | None = None, wait_s: float = 60) -> ChromaServer:
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = port or free_port()
    process = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.time() + wait_s
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return ChromaServer(process, f"http://127.0.0.1:{port}", port, path)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"chroma server did not start within {wait_s} s")
