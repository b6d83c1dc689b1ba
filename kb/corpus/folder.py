"""The corpus directory: document files plus `manifest.json`, whose entries override detected metadata.

manifest.json: {"documents": {"<file name>": {"doc_id": "...", "title": "...", ...DocMeta fields}}}

Every write here is atomic: a unique temporary file in the same folder (a dot file, so never taken for a document),
flushed to disk, renamed over the target, the folder flushed too. A reader or a writer killed at any point finds the
old file or the new one, never half of one. Writers hold kb.corpus.changes.writing, so they also never interleave.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from kb.config import Config
from kb.documents.load import SUPPORTED_SUFFIXES, LoadLimits, load_bytes, read_file
from kb.documents.parse import parse_document
from kb.errors import KbError
from kb.schema import EDITABLE_FIELDS, DocMeta, ParsedDocument

MANIFEST_NAME = "manifest.json"
TEMP_PREFIX = ".kb-tmp-"  # temporary files of a writer; one left by a killed writer is swept by the next
# Bump when parsing or chunking changes, so that an unchanged file is still re-indexed once.
PIPELINE_VERSION = "11"
_NEW_FILE_MODE = 0o644
_REPAIR_HINT = "run `kb check --repair` to rebuild it from the corpus files and the index"


class ManifestError(KbError):
    """manifest.json is damaged, or missing while the index holds metadata from it: `kb check --repair` rebuilds it."""


@dataclass(frozen=True)
class CorpusDocument:
    parsed: ParsedDocument
    content_hash: str  # changes when the file, its manifest entry or the pipeline changes
    path: Path


# -- the manifest -----------------------------------------------------------------------------------------------------
def read_manifest(corpus_dir: Path) -> dict[str, dict[str, object]]:
    """The manifest's entries by file name; {} when there is none. A damaged one is a ManifestError."""
    path = corpus_dir / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ManifestError(f"{path} is damaged (not valid JSON); {_REPAIR_HINT}") from None
    except OSError as exc:
        raise KbError(f"cannot read {path}: {exc.strerror or exc}") from None
    documents = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(documents, dict) or not all(isinstance(entry, dict) for entry in documents.values()):
        raise ManifestError(f"{path} is damaged (it must hold {{\"documents\": {{file name: metadata}}}}); "
                            f"{_REPAIR_HINT}")
    return documents


def check_manifest(corpus_dir: Path, saved: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """The manifest, or a ManifestError when it is damaged, or missing although the index keeps a copy of it
    (`saved`, IndexState.saved_manifest): indexing without it would drop the user's corrections and ids."""
    manifest = read_manifest(corpus_dir)
    if not manifest and saved and not (corpus_dir / MANIFEST_NAME).exists():
        raise ManifestError(f"{corpus_dir / MANIFEST_NAME} is missing (the index holds the metadata of "
                            f"{len(saved)} document(s) from it); {_REPAIR_HINT}")
    return manifest


def write_manifest(corpus_dir: Path, documents: Mapping[str, Mapping[str, object]]) -> None:
    """Write the manifest atomically; a `source` that is a local path keeps only its file name."""
    body = {"documents": {name: portable_entry(entry) for name, entry in sorted(documents.items())}}
    write_atomically(corpus_dir / MANIFEST_NAME, (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode())


def portable_entry(entry: Mapping[str, object]) -> dict[str, object]:
    """A manifest entry as JSON keeps it (lists, strings), with a portable `source`: comparing or hashing the entry
    before and after a write gives the same result."""
    entry = json.loads(json.dumps(dict(entry), ensure_ascii=False, default=str))
    if isinstance(entry.get("source"), str):
        entry["source"] = portable_source(entry["source"])
    return entry


def portable_source(source: str) -> str:
    """Where a document came from, as the manifest keeps it: a URL as is, a local path as its file name only (paths
    differ per machine and would leak the user's folders)."""
    if "://" in source:
        return source
    return re.split(r"[\\/]", source)[-1]


def rebuild_manifest(config: Config, saved: Mapping[str, Mapping[str, object]],
                     indexed: Sequence[DocMeta]) -> dict[str, dict[str, object]]:
    """Rebuild a damaged or deleted manifest (for `kb check --repair`) and write it; returns the entries.

    saved: the copy the index keeps (IndexState.saved_manifest()), the user's entries exactly as they were.
    indexed: the metadata of the indexed documents (IndexState.documents()), for a corpus file the copy does not
    know: matched by its source file name or its default id, its entry pins the document's id and the editable
    fields as indexed, so corrections survive even without the copy.
    """
    by_source = {portable_source(meta.source): meta for meta in indexed if meta.source}
    by_id = {meta.doc_id: meta for meta in indexed}
    rebuilt: dict[str, dict[str, object]] = {}
    for path in corpus_files(config.corpus_dir):
        if path.name in saved:
            rebuilt[path.name] = dict(saved[path.name])
            continue
        meta = by_source.get(path.name) or by_id.get(default_doc_id(path))
        if meta is not None:
            pinned = {name: getattr(meta, name) for name in EDITABLE_FIELDS if getattr(meta, name)}
            rebuilt[path.name] = {"doc_id": meta.doc_id, **pinned, "source": meta.source or path.name}
    write_manifest(config.corpus_dir, rebuilt)
    return read_manifest(config.corpus_dir)


# -- files ------------------------------------------------------------------------------------------------------------
def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once, durable when this returns (file and folder fsynced)."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else _NEW_FILE_MODE
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename or unlink in `folder` durable (where the platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename is still atomic
    finally:
        os.close(fd)


def sweep_temporaries(folder: Path) -> None:
    """Remove temporary files that a killed writer left; call only while holding the writer lock."""
    if folder.is_dir():
        for leftover in folder.glob(TEMP_PREFIX + "*"):
            leftover.unlink(missing_ok=True)


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The corpus's documents: every entry with a supported suffix, not hidden, not a folder. A FIFO or a device
    is listed too, so that loading it is refused with a reason instead of it being silently ignored."""
    if not corpus_dir.is_dir():
        raise KbError(f"corpus directory not found: {corpus_dir} (set KB_CORPUS_DIR or run from the project root)")
    return sorted(p for p in corpus_dir.iterdir()
                  if p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
                  and p.exists() and not p.is_dir())


_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')  # separators, controls, what Windows refuses
_RESERVED_NAMES = re.compile(r"(?i)(con|prn|aux|nul|com[0-9]|lpt[0-9])")  # devices on Windows, with any suffix
_MAX_NAME_BYTES = 200  # file systems allow 255 bytes; room for a "-2" and a long suffix


def safe_file_name(name: str, suffix: str) -> str:
    """A corpus file name kept as the user gave it (Chinese, parentheses, hyphens, spaces inside), made safe: no
    path separators, control or Windows-reserved characters, no leading dot, no device name, not too long."""
    stem = _UNSAFE_NAME_CHARS.sub("_", Path(name.replace("\\", "/")).name)
    stem = stem[: -len(suffix)] if suffix and stem.lower().endswith(suffix.lower()) else stem
    stem = stem.strip().lstrip(".").rstrip(". ")  # hidden files are not documents; Windows drops trailing dots
    while len(stem.encode()) > _MAX_NAME_BYTES:
        stem = stem[:-1]
    if not stem or _RESERVED_NAMES.fullmatch(stem.split(".")[0]):
        stem = f"document-{stem}" if stem else "document"
    return stem + suffix


def default_doc_id(path: Path) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff]+", "-", path.stem).strip("-").lower() or "doc"


def doc_id_of(path: Path, entry: Mapping[str, object]) -> str:
    """The document id of a corpus file: its manifest entry's, else one made from its file name."""
    return str(entry.get("doc_id", "") or default_doc_id(path))


def content_hash(data: bytes, entry: Mapping[str, object]) -> str:
    """What tells an indexed document from a changed one: its bytes, its manifest entry and the pipeline."""
    overrides = {k: v for k, v in entry.items() if k != "doc_id"}
    fingerprint = json.dumps([hashlib.sha256(data).hexdigest(), overrides, PIPELINE_VERSION], ensure_ascii=False,
                             sort_keys=True, default=str)
    return hashlib.sha256(fingerprint.encode()).hexdigest()


def corpus_fingerprint(path: Path, entry: Mapping[str, object], max_bytes: int = Config.max_file_bytes
                       ) -> tuple[str, str]:
    """(doc id, content hash) from the file's bytes and its manifest entry, without decoding or parsing it:
    an unchanged corpus is recognised at the cost of hashing its files."""
    return doc_id_of(path, entry), content_hash(read_file(path, str(path), max_bytes), entry)


def load_corpus_document(path: Path, entry: Mapping[str, object], max_bytes: int,
                         limits: LoadLimits = LoadLimits()) -> CorpusDocument:
    """Read (once), load and parse a corpus file with its manifest entry."""
    data = read_file(path, str(path), max_bytes)
    loaded = load_bytes(data, path.name, str(path), limits)
    fields = {k: v for k, v in entry.items() if k != "doc_id"}
    parsed = parse_document(loaded.text, doc_id_of(path, entry), fields, source=path.name)
    return CorpusDocument(parsed, content_hash(data, entry), path)


def with_doc_id(parsed: ParsedDocument, doc_id: str) -> ParsedDocument:
    """The same parsed document under another id (an id is chosen after parsing, once the 文号 is known)."""
    return dataclasses.replace(parsed, meta=dataclasses.replace(parsed.meta, doc_id=doc_id),
                               clauses=tuple(dataclasses.replace(c, doc_id=doc_id) for c in parsed.clauses))
