"""The corpus directory: document files plus `manifest.json`, whose entries override detected metadata.

manifest.json: {"documents": {"<file name>": {"doc_id": "...", "title": "...", ...DocMeta fields}}}
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from kb.errors import KbError
from kb.documents.load import SUPPORTED_SUFFIXES, load_source
from kb.documents.parse import parse_document
from kb.schema import ParsedDocument

MANIFEST_NAME = "manifest.json"
# Bump when parsing or chunking changes, so that an unchanged file is still re-indexed once.
PIPELINE_VERSION = "1"


@dataclass(frozen=True)
class CorpusDocument:
    parsed: ParsedDocument
    content_hash: str  # changes when the file, its manifest entry or the pipeline changes
    path: Path


def read_manifest(corpus_dir: Path) -> dict[str, dict[str, object]]:
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KbError(f"{path} is not valid JSON: {exc}") from None
    documents = data.get("documents", {}) if isinstance(data, dict) else None
    if not isinstance(documents, dict):
        raise KbError(f"{path} must hold an object {{\"documents\": {{file name: metadata}}}}")
    return documents


def write_manifest(corpus_dir: Path, documents: Mapping[str, Mapping[str, object]]) -> None:
    path = corpus_dir / MANIFEST_NAME
    tmp = path.with_suffix(".json.tmp")
    body = {"documents": {name: dict(entry) for name, entry in sorted(documents.items())}}
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def corpus_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise KbError(f"corpus directory not found: {corpus_dir} (set KB_CORPUS_DIR or run from the project root)")
    return sorted(p for p in corpus_dir.iterdir()
                  if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("."))


def default_doc_id(path: Path) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff]+", "-", path.stem).strip("-").lower() or "doc"


def corpus_fingerprint(path: Path, overrides: Mapping[str, object]) -> tuple[str, str]:
    """(doc id, content hash) from the file's bytes and its manifest entry, without decoding or parsing it:
    an unchanged corpus is recognised at the cost of hashing its files."""
    overrides = dict(overrides)
    doc_id = str(overrides.pop("doc_id", "") or default_doc_id(path))
    try:
        data_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise KbError(f"cannot load {path}: {exc.strerror or exc}") from None
    fingerprint = json.dumps([data_hash, overrides, PIPELINE_VERSION], ensure_ascii=False, sort_keys=True,
                             default=str)
    return doc_id, hashlib.sha256(fingerprint.encode()).hexdigest()


def load_corpus_document(path: Path, overrides: Mapping[str, object], max_bytes: int) -> CorpusDocument:
    doc_id, content_hash = corpus_fingerprint(path, overrides)
    loaded = load_source(str(path), max_bytes=max_bytes)
    fields = {k: v for k, v in overrides.items() if k != "doc_id"}
    parsed = parse_document(loaded.text, doc_id, fields, source=str(path))
    return CorpusDocument(parsed, content_hash, path)
