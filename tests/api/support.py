"""What the API tests share: a real uvicorn on 127.0.0.1 (a free port, in a thread) serving the API over a PolicyKb
with the fake embedder, on the bundled document plus a synthetic national document and the local one implementing it."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from bench.chroma_server import free_port
from conftest import CORPUS, TESTS
from kb.api.server import create_app
from kb.config import Config
from kb.embedding.embedder import HashingEmbedder
from kb.engine import PolicyKb
from kb.store.layout import state_path
from kb.store.state import IndexState

SYNTHETIC = [TESTS / "fixtures" / name for name in ("synthetic_national.txt", "synthetic_local.txt")]
READ_KEY, ADMIN_KEY = "reader-key-7f3a9c", "admin-key-41d8e2"
START_TIMEOUT_S = 30


@dataclass(frozen=True)
class Served:
    url: str
    kb: PolicyKb

    @property
    def config(self) -> Config:
        return self.kb.config


def make_kb(base: Path, **settings: object) -> PolicyKb:
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    for path in SYNTHETIC:
        shutil.copy(path, corpus / path.name)
    config = Config(corpus_dir=corpus, data_dir=base / "data", model="hashing", upload_dir=base / "uploads",
                    model_cache=base / "models").replace(**settings)
    kb = PolicyKb(config, embedder=HashingEmbedder(dim=64))  # the embedder `KB_MODEL=hashing` loads too
    kb.ingest()
    return kb


@contextmanager
def running(kb: PolicyKb, log_level: str = "warning") -> Iterator[str]:
    """uvicorn serving create_app(kb) until the block ends; log_config=None leaves its logs to pytest's capture."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(kb), host="127.0.0.1", port=port, log_level=log_level,
                                           log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = time.monotonic()
    while not server.started:
        if not thread.is_alive() or time.monotonic() - started > START_TIMEOUT_S:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def corpus_state(config: Config) -> dict[str, str]:
    """Corpus files with their hashes and the index generation: what 'changed nothing' compares."""
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(config.corpus_dir.iterdir())}
    state = IndexState(state_path(config))
    files["generation"] = str(state.generation)
    state.close()
    return files
