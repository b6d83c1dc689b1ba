"""Indexes shared by the llama-index tests: the bundled document alone, and with two real laws beside it."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import CORPUS, ROOT
from kb.config import Config
from kb.embedding.embedder import HashingEmbedder
from kb.engine import PolicyKb

LAWS = {  # file in eval/corpus-dev -> manifest entry
    "重庆市森林防火条例(2018-07-26).md": {"doc_id": "cq-forest-fire", "level": "municipal"},
    "循环经济促进法(2018-10-26).md": {"doc_id": "circular-economy-law", "level": "national"},
}


def ingested(base, laws: bool) -> PolicyKb:
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    if laws:
        manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
        for name, entry in LAWS.items():
            shutil.copy(ROOT / "eval" / "corpus-dev" / name, corpus / name)
            manifest["documents"][name] = entry
        (corpus / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    config = Config(corpus_dir=corpus, data_dir=base / "data", model="hashing", upload_dir=base / "uploads",
                    model_cache=base / "models")
    kb = PolicyKb(config, embedder=HashingEmbedder(dim=64))
    kb.ingest()
    return kb


@pytest.fixture(scope="module")
def seed_kb(tmp_path_factory) -> PolicyKb:
    """The bundled document, indexed with the hashing embedder (read-only for the tests that use it)."""
    return ingested(tmp_path_factory.mktemp("seed"), laws=False)


@pytest.fixture(scope="module")
def laws_kb(tmp_path_factory) -> PolicyKb:
    """The bundled document (municipal) plus a municipal regulation and a national law."""
    return ingested(tmp_path_factory.mktemp("laws"), laws=True)


@pytest.fixture
def own_seed_kb(tmp_path) -> PolicyKb:
    """The bundled document in an index of the test's own, for tests that change it."""
    return ingested(tmp_path, laws=False)
