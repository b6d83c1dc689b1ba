"""The corpus as a user changes it: add a file, URL or upload; remove a document; correct its metadata; restore a
replaced version. Checking that the corpus and the index agree is kb.indexing.check.

Every change runs inside `writing(config)`: one cross-process writer lock around the corpus folder, the manifest
and the index, so a whole add (file, manifest entry, index) is one step for every other writer. Inputs are loaded
and parsed before the lock is taken (the slow part, and where bad input fails); nothing is written until every
input of a change is known good, so bad input changes nothing.

A 文号 names one document (a document without one: its title). Adding a document whose 文号 or title is loaded is
refused unless the caller asks to replace it (`kb add --replace`, the app after asking); the replaced version is
kept under data/backups and `kb restore` brings it back.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence
from urllib.parse import urlparse

from filelock import Timeout

from kb.config import Config
from kb.corpus.folder import (CorpusDocument, check_manifest, content_hash, corpus_files, default_doc_id, doc_id_of,
                              portable_entry, read_manifest, safe_file_name, sweep_temporaries, with_doc_id,
                              write_atomically, write_manifest)
from kb.documents.load import SUPPORTED_SUFFIXES, LoadedText, LoadLimits, load_bytes, load_source, read_file
from kb.documents.parse import metadata_value, parse_document
from kb.errors import KbError
from kb.schema import EDITABLE_FIELDS, ParsedDocument
from kb.store.layout import backups_dir, writer_lock, writer_pid_path
from kb.store.state import open_index_state

Notice = Callable[[str], None]
ENTRY_FILE = "entry.json"  # in a backup folder, next to the file: {"file_name": …, "entry": manifest entry}


def _no_notice(message: str) -> None:
    return None


# -- the writer lock --------------------------------------------------------------------------------------------------
@contextmanager
def writing(config: Config, on_wait: Notice = _no_notice, *, repairing: bool = False) -> Iterator[None]:
    """Hold the writer lock for one change of the corpus folder, the manifest and the index.

    Another writer (a process, or another thread of the app) waits, told so through `on_wait`, and gives up with a
    one-line KbError after `writer_wait_s`. Nested use in one thread just holds it longer. The outermost holder
    sweeps temporary files that killed writers left, and checks the manifest: a damaged or deleted one stops every
    change but `repairing` (`kb check --repair`); a good one is copied into the index state, hand edits included.
    """
    lock = writer_lock(config)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        on_wait(f"waiting for another writer (pid {_writer_pid(config)}) to finish…")
        try:
            lock.acquire(timeout=config.writer_wait_s)
        except Timeout:
            raise KbError(f"another writer (pid {_writer_pid(config)}) is still changing the knowledge base after "
                          f"{config.writer_wait_s} s (writer_wait_s); try again when it has finished") from None
    try:
        if lock.lock_counter == 1:
            writer_pid_path(config).write_text(str(os.getpid()), encoding="utf-8")
            sweep_temporaries(config.corpus_dir)
            if not repairing:
                _refresh_manifest_copy(config)
        yield
    finally:
        lock.release()


def _writer_pid(config: Config) -> str:
    try:
        return writer_pid_path(config).read_text(encoding="utf-8").strip() or "?"
    except OSError:
        return "?"


def _refresh_manifest_copy(config: Config) -> None:
    with open_index_state(config) as state:
        saved = state.saved_manifest()
        manifest = check_manifest(config.corpus_dir, saved)
        if manifest != saved:
            state.save_manifest(manifest)


def save_manifest(config: Config, manifest: Mapping[str, Mapping[str, object]]) -> None:
    """Write the manifest and keep its copy in the index state (from which `kb check --repair` rebuilds it)."""
    write_manifest(config.corpus_dir, manifest)
    with open_index_state(config) as state:
        state.save_manifest({name: portable_entry(entry) for name, entry in manifest.items()})


# -- metadata ---------------------------------------------------------------------------------------------------------
def clean_overrides(overrides: Mapping[str, object] | None) -> dict[str, object]:
    """User metadata (EDITABLE_FIELDS, and doc_id from code) validated; empty values dropped."""
    overrides = {k: v for k, v in dict(overrides or {}).items() if v not in (None, "")}
    unknown = set(overrides) - set(EDITABLE_FIELDS) - {"doc_id"}
    if unknown:
        raise KbError(f"unknown metadata field(s) {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE_FIELDS)}")
    return {k: str(v) if k == "doc_id" else metadata_value(k, v) for k, v in overrides.items()}


def set_metadata(config: Config, file_name: str, doc_id: str, fields: Mapping[str, object]) -> None:
    """Correct a document's metadata in its manifest entry; a 文号 another document has is refused."""
    changes = clean_overrides(fields)
    changes.pop("doc_id", None)
    if not changes:
        raise KbError(f"nothing to change; editable fields: {', '.join(EDITABLE_FIELDS)}")
    number = changes.get("doc_number")
    holder = next((other for other, other_number, _ in _loaded_names(config)
                   if number and other_number == number and other != doc_id), "")
    if holder:
        raise KbError(f"文号 {number} already names the loaded document {holder}; a 文号 names one document "
                      f"(correct or remove {holder} first)")
    manifest = read_manifest(config.corpus_dir)
    entry = {"doc_id": doc_id, **manifest.get(file_name, {})}
    entry.update(changes)
    manifest[file_name] = entry
    save_manifest(config, manifest)


def _loaded_names(config: Config) -> list[tuple[str, str, str]]:
    with open_index_state(config) as state:
        return state.document_names()


# -- adding -----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A loaded and parsed input, not yet placed in the corpus (no lock held, nothing written)."""

    name: str  # its corpus file name: the name the user gave, made safe
    payload: bytes  # what the corpus file will hold
    text: str  # the loaded text, parsed again only if its manifest entry turns out to differ
    parsed: ParsedDocument  # under the id its name gives; the final id is chosen when it is placed
    entry: dict[str, object]  # its manifest entry under that id: validated user metadata and its source


@dataclass(frozen=True)
class Placement:
    """Where a candidate goes, decided under the writer lock."""

    document: CorpusDocument  # parsed under its final id, with the hash the indexer compares
    payload: bytes
    entry: dict[str, object]  # its manifest entry, as the manifest will hold it
    replaces: str = ""  # the corpus file of the document it replaces ("" when it replaces none)
    backup: bool = False  # whether the replaced version goes to data/backups first

    @property
    def file_name(self) -> str:
        return self.document.path.name


def _is_url(source: str) -> bool:
    return urlparse(source).scheme in ("http", "https")


def _candidate(loaded: LoadedText, payload: bytes, name: str, source: str,
               overrides: Mapping[str, object] | None) -> Candidate:
    cleaned = clean_overrides(overrides)
    doc_id = str(cleaned.pop("doc_id", "") or default_doc_id(Path(name)))
    fields = portable_entry({**cleaned, "source": source})
    parsed = parse_document(loaded.text, doc_id, fields, source=fields["source"])
    return Candidate(name, payload, loaded.text, parsed, {"doc_id": doc_id, **fields})


def prepare_source(config: Config, source: str, overrides: Mapping[str, object] | None = None) -> Candidate:
    """Load and parse a path or URL in memory; raise KbError (nothing written) if it cannot be a document."""
    allowed = Path(config.add_allowed_dir) if config.add_allowed_dir and not _is_url(source) else None
    loaded = load_source(source, max_bytes=config.max_file_bytes, allowed_dir=allowed,
                         timeout_s=config.fetch_timeout_s, url_allow=config.url_allow, limits=LoadLimits.of(config))
    if _is_url(source):
        # A fetched page is kept as the text of its document body, with the URL recorded as its source.
        title = loaded.text.strip().splitlines()[0] if loaded.text.strip() else urlparse(source).path
        return _candidate(loaded, loaded.text.encode("utf-8"), safe_file_name(title[:80], ".txt"), source, overrides)
    path = Path(source)
    return _candidate(loaded, loaded.data, safe_file_name(path.name, path.suffix), path.name, overrides)


def prepare_upload(config: Config, data: bytes, name: str,
                   overrides: Mapping[str, object] | None = None) -> Candidate:
    if len(data) > config.max_file_bytes:
        raise KbError(f"cannot load {name}: {len(data):,} bytes is over the limit of {config.max_file_bytes:,}")
    suffix = Path(name).suffix
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        raise KbError(f"cannot load {name}: unsupported file type {suffix or '(none)'}; "
                      f"supported: {', '.join(SUPPORTED_SUFFIXES)}")
    loaded = load_bytes(data, name, name, LoadLimits.of(config))
    return _candidate(loaded, data, safe_file_name(name, suffix), name, overrides)


def place_additions(config: Config, candidates: Sequence[Candidate], replace: bool = False) -> list[Placement]:
    """Decide each candidate's file name, id and entry against the corpus and the index (under the writer lock).

    A candidate with the 文号 (without one: the title) of a loaded document is that document again: unchanged when
    its bytes are the same (new metadata is merged into its entry), refused when they differ unless `replace`.
    """
    with open_index_state(config) as state:
        names, indexed = state.document_names(), state.document_hashes()
    manifest = read_manifest(config.corpus_dir)
    files = corpus_files(config.corpus_dir)
    file_of_id = {doc_id_of(p, manifest.get(p.name, {})): p.name for p in files}
    by_number = {number: doc_id for doc_id, number, _ in names if number}
    by_title = {title: doc_id for doc_id, _, title in names if title}
    title_of = {doc_id: title for doc_id, _, title in names}
    taken_names = {p.name for p in config.corpus_dir.iterdir()} | set(manifest)
    taken_ids = set(indexed) | set(file_of_id)
    placements: list[Placement] = []
    keys: set[str] = set()
    for candidate in candidates:
        meta = candidate.parsed.meta
        key = f"文号 {meta.doc_number}" if meta.doc_number else f"title 《{meta.title}》" if meta.title else ""
        if key and key in keys:
            raise KbError(f"two of the inputs have the {key}: add them one at a time")
        keys.add(key)
        loaded_id = by_number.get(meta.doc_number, "") if meta.doc_number else by_title.get(meta.title, "")
        old_name = file_of_id.get(loaded_id, "")
        if loaded_id and old_name and _holds(config.corpus_dir / old_name, candidate.payload, config):
            # the same file again: its entry keeps what the user set before, plus what is given now
            entry = {**manifest.get(old_name, {}), **{k: v for k, v in candidate.entry.items() if k != "source"},
                     "doc_id": loaded_id}
            placements.append(_placement(config, candidate, old_name, entry))
            continue
        if loaded_id and not replace:
            raise KbError(f"{candidate.name} has the {key} of the loaded document {loaded_id} "
                          f"(《{title_of.get(loaded_id, '')}》); to replace it, keeping the current version as a "
                          f"backup, add it with --replace (kb add) or confirm the replacement (app)")
        if loaded_id:
            taken_names.discard(old_name)
            doc_id = loaded_id
        else:
            doc_id = _unique(str(candidate.entry["doc_id"]), taken_ids, "")
        file_name = _unique(Path(candidate.name).stem, taken_names, Path(candidate.name).suffix)
        taken_names.add(file_name)
        taken_ids.add(doc_id)
        entry = {**candidate.entry, "doc_id": doc_id}
        placements.append(_placement(config, candidate, file_name, entry, replaces=old_name,
                                     backup=bool(loaded_id)))
    return placements


def _holds(path: Path, payload: bytes, config: Config) -> bool:
    """Whether a corpus file holds exactly `payload` (a FIFO or a vanished file holds nothing)."""
    try:
        return read_file(path, str(path), config.max_file_bytes) == payload
    except KbError:
        return False


def _unique(stem: str, taken: set[str], suffix: str) -> str:
    """stem+suffix, or stem-2+suffix, stem-3+suffix … whichever is not taken."""
    name, counter = stem + suffix, 2
    while name in taken:
        name, counter = f"{stem}-{counter}{suffix}", counter + 1
    return name


def _placement(config: Config, candidate: Candidate, file_name: str, entry: Mapping[str, object],
               replaces: str = "", backup: bool = False) -> Placement:
    entry = portable_entry({"doc_id": entry["doc_id"], **{k: v for k, v in entry.items() if k != "doc_id"}})
    doc_id = str(entry["doc_id"])
    fields = {k: v for k, v in entry.items() if k != "doc_id"}
    if fields == {k: v for k, v in candidate.entry.items() if k != "doc_id"}:
        parsed = with_doc_id(candidate.parsed, doc_id) if doc_id != candidate.parsed.meta.doc_id else candidate.parsed
    else:  # the entry kept metadata the user set before: parse with it
        parsed = parse_document(candidate.text, doc_id, fields, source=str(fields.get("source", "")))
    path = config.corpus_dir / file_name
    return Placement(CorpusDocument(parsed, content_hash(candidate.payload, entry), path), candidate.payload,
                     entry, replaces, backup)


def write_additions(config: Config, placements: Sequence[Placement]) -> list[str]:
    """Write the files (atomically) and their manifest entries, backing up what they replace; returns the backups
    as "doc_id: folder" lines."""
    manifest = read_manifest(config.corpus_dir)
    backups = []
    for placement in placements:
        doc_id = str(placement.entry["doc_id"])
        if placement.backup and placement.replaces:
            folder = backup_version(config, doc_id, placement.replaces, manifest.get(placement.replaces, {}))
            backups.append(f"{doc_id}: {folder}")
        write_atomically(placement.document.path, placement.payload)
        if placement.replaces and placement.replaces != placement.file_name:
            (config.corpus_dir / placement.replaces).unlink(missing_ok=True)
            manifest.pop(placement.replaces, None)
        manifest[placement.file_name] = placement.entry
    save_manifest(config, manifest)
    return backups


# -- backups ----------------------------------------------------------------------------------------------------------
def backup_version(config: Config, doc_id: str, file_name: str, entry: Mapping[str, object]) -> Path:
    """Keep a document's current file and manifest entry in backups/<doc_id>/<UTC time>/; returns the folder."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = backups_dir(config) / doc_id / stamp
    folder.mkdir(parents=True)
    source = config.corpus_dir / file_name
    if source.is_file():
        write_atomically(folder / file_name, source.read_bytes())
    record = {"file_name": file_name, "entry": portable_entry({"doc_id": doc_id, **entry})}
    write_atomically(folder / ENTRY_FILE, json.dumps(record, ensure_ascii=False, indent=2).encode())
    return folder


def backed_up_ids(config: Config) -> list[str]:
    folder = backups_dir(config)
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def restore_version(config: Config, doc_id: str) -> tuple[Path, Path | None]:
    """Put the latest backup of a document back in the corpus, keeping the version it displaces as a backup in
    turn (so a second restore undoes the first); returns the restored file and the new backup folder."""
    versions = sorted(p for p in (backups_dir(config) / doc_id).glob("*") if (p / ENTRY_FILE).is_file())
    if not versions:
        raise KbError(f"no backup of {doc_id} to restore (a version is kept when a document is replaced)")
    latest = versions[-1]
    record = json.loads((latest / ENTRY_FILE).read_text(encoding="utf-8"))
    file_name, entry = str(record["file_name"]), dict(record["entry"])
    if not (latest / file_name).is_file():
        raise KbError(f"the backup {latest} holds no file {file_name}; restore it by hand")
    manifest = read_manifest(config.corpus_dir)
    current = next((p.name for p in corpus_files(config.corpus_dir)
                    if doc_id_of(p, manifest.get(p.name, {})) == doc_id), "")
    target = config.corpus_dir / file_name
    if target.exists() and file_name != current:
        raise KbError(f"cannot restore {doc_id}: {target} is now another document's file; rename or remove it first")
    displaced = backup_version(config, doc_id, current, manifest.get(current, {})) if current else None
    write_atomically(target, (latest / file_name).read_bytes())
    if current and current != file_name:
        (config.corpus_dir / current).unlink(missing_ok=True)
        manifest.pop(current, None)
    manifest[file_name] = entry
    save_manifest(config, manifest)
    shutil.rmtree(latest)
    return target, displaced


# -- removing ---------------------------------------------------------------------------------------------------------
def corpus_entry(config: Config, file_name: str) -> tuple[str, str] | None:
    """(file name, doc id) when `file_name` names an entry of the corpus folder, indexed or not, readable or not
    (a FIFO, an unsupported file); None otherwise. Only names listed in the folder match: no path tricks."""
    if not config.corpus_dir.is_dir() or file_name.startswith("."):
        return None
    for path in config.corpus_dir.iterdir():
        if path.name == file_name and not path.is_dir() and path.name != "manifest.json":
            return path.name, doc_id_of(path, read_manifest(config.corpus_dir).get(path.name, {}))
    return None


def file_of_id(config: Config, doc_id: str) -> str:
    """The corpus file name of a document id; "" when no corpus file has it."""
    manifest = read_manifest(config.corpus_dir)
    return next((p.name for p in corpus_files(config.corpus_dir) if doc_id_of(p, manifest.get(p.name, {})) == doc_id),
                "")


def file_of(config: Config, doc_id: str) -> str:
    """The corpus file name of an indexed document; a KbError when its file is gone."""
    file_name = file_of_id(config, doc_id)
    if not file_name:
        raise KbError(f"the file of document {doc_id} is no longer in {config.corpus_dir}; "
                      "run `kb check --repair`")
    return file_name


def indexed_ids(config: Config) -> set[str]:
    return {doc_id for doc_id, _, _ in _loaded_names(config)}


def delete_file(config: Config, file_name: str) -> None:
    manifest = read_manifest(config.corpus_dir)
    if manifest.pop(file_name, None) is not None:
        save_manifest(config, manifest)
    (config.corpus_dir / file_name).unlink(missing_ok=True)


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
