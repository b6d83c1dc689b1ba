"""`kb serve`: it refuses to listen beyond loopback without keys, and as a real process its log never shows a key."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from api.support import ADMIN_KEY, READ_KEY, make_kb
from bench.chroma_server import free_port, wait_for_http
from conftest import ROOT
from kb.cli import main

START_TIMEOUT_S = 120


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "policy.example.gov.cn"])
def test_without_keys_the_server_refuses_a_non_loopback_host(host, monkeypatch, capsys) -> None:
    monkeypatch.delenv("KB_API_KEYS", raising=False)
    assert main(["serve", "--host", host]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kb: error: no API keys are configured") and "KB_API_KEYS" in err and err.count("\n") == 1


@pytest.mark.parametrize("keys", ["just-a-key", "key:writer", ":admin", "same:read,same:admin"])
def test_malformed_keys_are_a_message_that_does_not_repeat_them(keys, monkeypatch, capsys) -> None:
    monkeypatch.setenv("KB_API_KEYS", keys)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kb: error: api_keys entry") and "just-a-key" not in err and "same" not in err


def test_kb_serve_logs_requests_but_never_a_key(tmp_path) -> None:
    kb = make_kb(tmp_path)
    port = free_port()
    env = {**os.environ, "KB_CORPUS_DIR": str(kb.config.corpus_dir), "KB_DATA_DIR": str(kb.config.data_dir),
           "KB_MODEL": "hashing", "KB_API_KEYS": f"{READ_KEY}:read,{ADMIN_KEY}:admin"}
    env.pop("KB_CONFIG", None)
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for_http(f"{url}/healthz", server, START_TIMEOUT_S)
            assert httpx.get(f"{url}/v1/documents", headers={"Authorization": f"Bearer {READ_KEY}"}).is_success
            assert httpx.delete(f"{url}/v1/documents/cq-2021-31",
                                headers={"Authorization": f"Bearer {READ_KEY}"}).status_code == 403
            assert httpx.get(f"{url}/v1/models?x=1", headers={"Authorization": f"Bearer {ADMIN_KEY}x"}).status_code \
                == 401
        finally:
            server.terminate()
            server.wait(timeout=30)
    output = log_path.read_text(encoding="utf-8")
    assert '"GET /v1/documents HTTP/1.1" 200' in output and '"DELETE /v1/documents/cq-2021-31 HTTP/1.1" 403' in output
    assert READ_KEY not in output and ADMIN_KEY not in output and "Bearer" not in output
