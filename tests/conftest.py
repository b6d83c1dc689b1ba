"""Shared fixtures: a fake embedder, a temporary corpus + data directory, and (session-wide) the real model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import kb  # noqa: F401  (sets the offline environment before anything else is imported)

from kb.config import Config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ROOT_DIR = ROOT  # the repository root, for tests in subfolders
TESTS = ROOT / "tests"
CORPUS = ROOT / "corpus"
SEED_NAME = "chongqing-yufufa-2021-31-green-low-carbon-circular-economy.txt"
SEED_PATH = CORPUS / SEED_NAME
SEED_DOC_NUMBER = "渝府发〔2021〕31号"


@pytest.fixture
def fake_embedder():
    from kb.embedding.embedder import HashingEmbedder

    return HashingEmbedder(dim=64)


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def kb_config(tmp_path: Path, corpus_dir: Path) -> Config:
    return Config(corpus_dir=corpus_dir, data_dir=tmp_path / "data", model="hashing",
                  upload_dir=tmp_path / "uploads", model_cache=tmp_path / "models")


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """Where the real model is materialised; shared across runs like a user's cache (KB_MODEL_CACHE overrides)."""
    return Path(os.environ.get("KB_MODEL_CACHE", Path.home() / ".cache" / "policy-kb" / "models"))


@pytest.fixture(scope="session")
def real_embedder(model_cache: Path):
    from kb.embedding.embedder import DEFAULT_MODEL, load_embedder

    return load_embedder(DEFAULT_MODEL, model_cache)


@pytest.fixture(scope="session")
def real_kb(tmp_path_factory, real_embedder, model_cache):
    """The bundled corpus ingested once with the real model; shared by the integration tests."""
    from kb.engine import PolicyKb

    base = tmp_path_factory.mktemp("real")
    shutil.copytree(CORPUS, base / "corpus")
    config = Config(corpus_dir=base / "corpus", data_dir=base / "data", model_cache=model_cache,
                    upload_dir=base / "uploads")
    engine = PolicyKb(config, embedder=real_embedder)
    engine.ingest()
    return engine


def seed_copies(config: Config, n: int, word: str) -> None:
    """n renamed copies of the bundled document in the corpus, each with its own 文号 and `word` numbered in it, so
    that no two share their text."""
    import json

    manifest_path = config.corpus_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    seed = config.corpus_dir / SEED_NAME
    for i in range(n):
        (config.corpus_dir / f"copy-{i}.txt").write_text(
            seed.read_text(encoding="utf-8").replace(word, f"{word}{i}号"), encoding="utf-8")
        manifest["documents"][f"copy-{i}.txt"] = {**manifest["documents"][SEED_NAME], "doc_id": f"copy-{i}",
                                                 "doc_number": f"测发〔2099〕{i}号"}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

