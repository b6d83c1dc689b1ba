"""Fixtures of the API tests: a server without keys (reads open) and one with a read key and an admin key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.support import ADMIN_KEY, READ_KEY, Served, make_kb, running


@pytest.fixture(scope="module")
def open_server(tmp_path_factory) -> Iterator[Served]:
    """No keys, on loopback: reads are open, changes impossible."""
    kb = make_kb(tmp_path_factory.mktemp("open"))
    with running(kb) as url:
        yield Served(url, kb)


@pytest.fixture
def keyed_server(tmp_path) -> Iterator[Served]:
    """A read key and an admin key; a fresh corpus for every test, since admin tests change it."""
    kb = make_kb(tmp_path, api_keys=f"{READ_KEY}:read,{ADMIN_KEY}:admin")
    with running(kb, log_level="info") as url:
        yield Served(url, kb)
