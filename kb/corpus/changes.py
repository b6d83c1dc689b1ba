"""The corpus as a user manages it: add a file, URL or upload; remove a document; correct its metadata; check that
the corpus and the index agree (`kb.indexing.check.check_index`).

Every operation validates first (load and parse in memory) and writes only when that succeeded, so bad input
changes nothing. The same 文号 added again replaces the document it already names: an update, not a duplicate.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence
from urllib.parse import urlparse

from kb.config import Config
from kb.corpus.folder import corpus_files, default_doc_id, read_manifest, write_manifest
from kb.errors import KbError
from kb.documents.load import SUPPORTED_SUFFIXES, LoadedText, load_bytes, load_source
from kb.documents.parse import parse_document
from kb.schema import DocMeta, ParsedDocument

# DocMeta fields a user may set or correct.
EDITABLE_FIELDS = ("title", "doc_number", "issuer", "date", "level", "implements")


@dataclass(frozen=True)
class PreparedAddition:
    """A validated document, not yet written: where it will go and what it replaces."""

    file_name: str
    payload: bytes
    parsed: ParsedDocument
    manifest_entry: dict[str, object]
    replaces: str = ""  # file name of the document with the same 文号, if any


def _is_url(source: str) -> bool:
    return urlparse(source).scheme in ("http", "https")


def _slug(text: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff]+", "-", text).strip("-").lower()[:80] or "document"


def _clean_overrides(overrides: Mapping[str, object] | None) -> dict[str, object]:
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(EDITABLE_FIELDS) - {"doc_id"}
    if unknown:
        raise KbError(f"unknown metadata field(s) {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE_FIELDS)}")
    if isinstance(overrides.get("implements"), str):
        overrides["implements"] = [s for s in re.split(r"[,，、\s]+", str(overrides["implements"])) if s]
    return {k: v for k, v in overrides.items() if v not in (None, "")}


def _existing_by_number(config: Config) -> dict[str, str]:
    """文号 -> corpus file name, for the documents already in the corpus."""
    manifest = read_manifest(config.corpus_dir)
    numbers: dict[str, str] = {}
    for path in corpus_files(config.corpus_dir):
        entry = dict(manifest.get(path.name, {}))
        number = str(entry.get("doc_number", ""))
        if not number:
            try:
                loaded = load_source(str(path), max_bytes=config.max_file_bytes)
                number = parse_document(loaded.text, "probe").meta.doc_number
            except KbError:
                continue
        if number:
            numbers[number] = path.name
    return numbers


def prepare_addition(config: Config, loaded: LoadedText, payload: bytes, suffix: str, name_hint: str,
                     overrides: Mapping[str, object] | None) -> PreparedAddition:
    overrides = _clean_overrides(overrides)
    probe = parse_document(loaded.text, "probe", {k: v for k, v in overrides.items() if k != "doc_id"})
    number = probe.meta.doc_number
    replaces = _existing_by_number(config).get(number, "") if number else ""
    manifest = read_manifest(config.corpus_dir)
    if replaces:
        file_name = Path(replaces).stem + suffix
        entry = {**manifest.get(replaces, {}), **overrides}
    else:
        base = _slug(name_hint)
        file_name = base + suffix
        taken = {p.name for p in corpus_files(config.corpus_dir)} | set(manifest)
        counter = 2
        while file_name in taken:
            file_name = f"{base}-{counter}{suffix}"
            counter += 1
        entry = dict(overrides)
        taken_ids = {str(manifest.get(p.name, {}).get("doc_id", "")) or default_doc_id(p)
                     for p in corpus_files(config.corpus_dir)}
        doc_id, counter = str(entry.get("doc_id") or default_doc_id(Path(file_name))), 2
        while doc_id in taken_ids:
            doc_id = f"{entry.get('doc_id') or default_doc_id(Path(file_name))}-{counter}"
            counter += 1
        entry["doc_id"] = doc_id
    entry["source"] = loaded.source
    parsed = parse_document(loaded.text, str(entry["doc_id"]),
                            {k: v for k, v in entry.items() if k not in ("doc_id", "source")}, source=loaded.source)
    return PreparedAddition(file_name, payload, parsed, entry, replaces)


def prepare_source(config: Config, source: str, overrides: Mapping[str, object] | None = None) -> PreparedAddition:
    """Load and parse a path or URL in memory; raise KbError (nothing written) if it cannot be a document."""
    allowed = Path(config.add_allowed_dir) if config.add_allowed_dir and not _is_url(source) else None
    loaded = load_source(source, max_bytes=config.max_file_bytes, allowed_dir=allowed)
    if _is_url(source):
        # A fetched page is kept as the text of its document body, with the URL recorded as its source.
        title = loaded.text.strip().splitlines()[0] if loaded.text.strip() else urlparse(source).path
        return prepare_addition(config, loaded, loaded.text.encode("utf-8"), ".txt", title, overrides)
    path = Path(source)
    return prepare_addition(config, loaded, path.read_bytes(), path.suffix.lower(), path.stem, overrides)


def prepare_upload(config: Config, data: bytes, name: str,
                   overrides: Mapping[str, object] | None = None) -> PreparedAddition:
    if len(data) > config.max_file_bytes:
        raise KbError(f"cannot load {name}: {len(data):,} bytes is over the limit of {config.max_file_bytes:,}")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise KbError(f"cannot load {name}: unsupported file type {suffix or '(none)'}; "
                      f"supported: {', '.join(SUPPORTED_SUFFIXES)}")
    loaded = load_bytes(data, name, f"upload:{name}")
    return prepare_addition(config, loaded, data, suffix, Path(name).stem, overrides)


def write_addition(config: Config, addition: PreparedAddition) -> Path:
    """Write the file (atomically) and its manifest entry; drop the replaced file when its suffix differs."""
    target = config.corpus_dir / addition.file_name
    with tempfile.NamedTemporaryFile(dir=config.corpus_dir, prefix=".adding-", delete=False) as tmp:
        tmp.write(addition.payload)
    Path(tmp.name).replace(target)
    manifest = read_manifest(config.corpus_dir)
    if addition.replaces and addition.replaces != addition.file_name:
        (config.corpus_dir / addition.replaces).unlink(missing_ok=True)
        manifest.pop(addition.replaces, None)
    manifest[addition.file_name] = addition.manifest_entry
    write_manifest(config.corpus_dir, manifest)
    return target


def file_of(config: Config, meta: DocMeta) -> str:
    """The corpus file name of an indexed document."""
    manifest = read_manifest(config.corpus_dir)
    for path in corpus_files(config.corpus_dir):
        if str(manifest.get(path.name, {}).get("doc_id", "")) == meta.doc_id or (
                "doc_id" not in manifest.get(path.name, {}) and default_doc_id(path) == meta.doc_id):
            return path.name
    raise KbError(f"the file of document {meta.doc_id} is no longer in {config.corpus_dir}; run `kb check --repair`")


def delete_file(config: Config, file_name: str) -> None:
    manifest = read_manifest(config.corpus_dir)
    manifest.pop(file_name, None)
    write_manifest(config.corpus_dir, manifest)
    (config.corpus_dir / file_name).unlink(missing_ok=True)


def set_metadata(config: Config, file_name: str, fields: Mapping[str, object]) -> None:
    changes = _clean_overrides(fields)
    changes.pop("doc_id", None)
    if not changes:
        raise KbError(f"nothing to change; editable fields: {', '.join(EDITABLE_FIELDS)}")
    manifest = read_manifest(config.corpus_dir)
    entry = dict(manifest.get(file_name, {}))
    entry.setdefault("doc_id", default_doc_id(config.corpus_dir / file_name))
    entry.update(changes)
    manifest[file_name] = entry
    write_manifest(config.corpus_dir, manifest)


def supported_sources(sources: Sequence[str]) -> list[str]:
    """Expand directories into the supported files they contain; keep files and URLs as given."""
    expanded: list[str] = []
    for source in sources:
        path = Path(source)
        if not _is_url(source) and path.is_dir():
            expanded += [str(p) for p in sorted(path.rglob("*")) if p.suffix.lower() in SUPPORTED_SUFFIXES]
        else:
            expanded.append(source)
    return expanded
