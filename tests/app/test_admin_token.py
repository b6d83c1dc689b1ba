"""The documents page changes nothing without the admin token: read-only (saying how to enable changes) when none is
configured, and the add / edit / remove controls only once the configured token is typed in."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

TOKEN = "test-admin-token-3c9e"
PAGE = """
import streamlit as st
from kb.app.pages import documents
from kb.config import load_config
from kb.engine import PolicyKb

@st.cache_resource
def engine(config):
    kb = PolicyKb(config)
    kb.ingest()
    return kb

documents.render(engine(load_config()))
"""


@pytest.fixture(autouse=True)
def app_env(tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_MODEL", "hashing")
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KB_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("KB_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.delenv("KB_CONFIG", raising=False)
    monkeypatch.delenv("KB_ADMIN_TOKEN", raising=False)


def documents_page(secrets: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_string(PAGE, default_timeout=120)
    app.secrets.update(secrets or {})
    app.run()
    assert not app.exception
    return app


def change_controls(app: AppTest) -> dict[str, int]:
    """How many of each control that changes the corpus the page shows."""
    return {"uploader": len(app.get("file_uploader")),
            "url": len([t for t in app.text_input if t.key == "documents_url"]),
            "edit and remove": len([p for p in app.get("popover")
                                    if p.proto.popover.label in ("修改信息", "删除")])}


NONE = {"uploader": 0, "url": 0, "edit and remove": 0}
ALL = {"uploader": 1, "url": 1, "edit and remove": 2}


def test_without_a_token_the_page_is_read_only_and_says_how_to_enable_changes() -> None:
    app = documents_page()
    assert change_controls(app) == NONE
    assert any("KB_ADMIN_TOKEN" in info.value and "admin_token" in info.value for info in app.info)
    assert not [t for t in app.text_input if t.key == "documents_admin_token"]
    assert [c.value for c in app.caption if c.value.startswith("已收录")] == ["已收录 1 份文件"]  # still readable


@pytest.mark.parametrize("from_secrets", [False, True])
def test_changes_appear_only_once_the_configured_token_is_typed(monkeypatch, from_secrets: bool) -> None:
    if from_secrets:
        app = documents_page({"admin_token": TOKEN})
    else:
        monkeypatch.setenv("KB_ADMIN_TOKEN", TOKEN)
        app = documents_page()
    assert change_controls(app) == NONE and not app.info
    password = app.text_input(key="documents_admin_token")
    assert password.proto.type == password.proto.PASSWORD

    password.set_value("wrong-token").run()
    assert change_controls(app) == NONE
    assert [e.value for e in app.error] == ["管理口令不正确。"]

    app.text_input(key="documents_admin_token").set_value(TOKEN).run()
    assert change_controls(app) == ALL and not app.error
