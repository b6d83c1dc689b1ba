"""Check that the corpus, the manifest, the SQLite state, the vectors and the BM25 index are sound and agree; with
`repair`, rebuild whatever is damaged or missing from the corpus files.

Checking only reads and never loads the embedding model. Every part is opened so that damage is reported, not
raised: SQLite runs its own integrity check, the BM25 file is loaded and matched to the state's chunks, and the
vectors are probed in a child process (kb.store.vector_probe), since damaged HNSW files can crash the process
that loads them. Repair sets a damaged state file or vector folder aside (data/damaged/<time>/), rebuilds the
manifest from the copy the state keeps, re-indexes the corpus, embeds what has no vector, drops what nothing
refers to, writes BM25, and starts a new generation so that running readers reopen everything.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass, field

from kb.config import Config
from kb.corpus.folder import (ManifestError, check_manifest, corpus_files, corpus_fingerprint, portable_entry,
                              read_manifest, rebuild_manifest)
from kb.embedding.embedder import Embedder
from kb.errors import KbError
from kb.indexing.ingest import IngestReport, Indexer, Progress, no_progress, write_bm25
from kb.store.bm25 import UNREADABLE, Bm25Index
from kb.store.chroma_access import file_lock, WRITE_LOCK_WAIT_S
from kb.store.chunk_table import ids_digest
from kb.store.layout import bm25_path, set_aside_dir, state_path, vector_lock_path, writer_lock
from kb.store.state import IndexState, StateDamaged, is_damage
from kb.store.vector_probe import ProbeReport, probe_vectors
from kb.store.vectors import collection_name, open_vectors

MAX_LISTED = 10  # problems that name files or documents name this many, then "and N more"


@dataclass
class CheckReport:
    stale_files: list[str] = field(default_factory=list)  # corpus documents missing from the index or out of date
    orphan_documents: list[str] = field(default_factory=list)  # indexed documents whose file is gone
    unreadable_files: list[str] = field(default_factory=list)
    missing_vectors: int = 0  # chunks without a vector
    orphan_vectors: int = 0  # vectors that no chunk refers to
    bm25_stale: bool = False  # the BM25 file is missing, damaged or built from other chunks
    bm25_problem: str = ""
    state_damage: str = ""  # why state.sqlite cannot be used
    manifest_damage: str = ""  # why corpus/manifest.json cannot be used
    vectors_damage: str = ""  # why the vector index cannot be used
    vectors_unreachable: str = ""  # the vector store did not answer: its contents are unknown
    leftover_collections: list[str] = field(default_factory=list)  # of interrupted reindexes
    repaired: bool = False
    set_aside: list[str] = field(default_factory=list)  # where repair moved damaged files
    remaining: list[str] = field(default_factory=list)  # problems a repair could not fix

    @property
    def consistent(self) -> bool:
        return not self.problems()

    def problems(self) -> list[str]:
        """One line per problem found (before any repair)."""
        lines = [f"index state damaged: {self.state_damage}"] if self.state_damage else []
        if self.manifest_damage:
            lines.append(f"manifest: {self.manifest_damage}")
        if self.vectors_damage:
            lines.append(f"vector index damaged: {self.vectors_damage}")
        if self.vectors_unreachable:
            lines.append(f"vector store unreachable: {self.vectors_unreachable}")
        if self.stale_files:
            lines.append(f"not indexed or out of date: {_listed(self.stale_files)}")
        if self.orphan_documents:
            lines.append(f"indexed but no longer in the corpus: {_listed(self.orphan_documents)}")
        if self.missing_vectors:
            lines.append(f"{self.missing_vectors} chunk(s) without a vector")
        if self.orphan_vectors:
            lines.append(f"{self.orphan_vectors} vector(s) no chunk refers to")
        if self.leftover_collections:
            lines.append(f"vector collections left by interrupted reindexes: {_listed(self.leftover_collections)}")
        if self.bm25_stale:
            lines.append(f"BM25 index {self.bm25_problem}")
        return lines


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


def check_index(config: Config, embedder: Embedder, repair: bool = False, progress: Progress = no_progress
                ) -> CheckReport:
    """Are the corpus, manifest, state, vectors and BM25 sound, and do they agree? With `repair`, make them so.
    Only `repair` embeds (and so loads the model, if `embedder` is lazy)."""
    report = inspect_index(config, embedder.name)
    if repair and not report.consistent:
        if report.vectors_unreachable:
            raise KbError(f"cannot repair: {report.vectors_unreachable}")
        with writer_lock(config):
            report.set_aside = _repair(config, embedder, report, progress)
        report.repaired = True
        report.remaining = inspect_index(config, embedder.name).problems()
    return report


def inspect_index(config: Config, model: str) -> CheckReport:
    report = CheckReport()
    path = state_path(config)
    state: IndexState | None = None
    indexed: dict[str, str] = {}
    chunk_ids: list[str] = []
    saved_manifest: dict = {}
    try:
        state = IndexState(path)
        problems = state.integrity_problems()
        if problems:
            report.state_damage = "; ".join(problems[:3])
        else:
            indexed = state.document_hashes()
            chunk_ids = state.ordered_chunk_ids()
            saved_manifest = state.saved_manifest()
            state.documents()  # every stored document parses
    except StateDamaged as exc:
        report.state_damage = str(exc)
    except (sqlite3.DatabaseError, ValueError) as exc:
        if not is_damage(exc):
            raise
        report.state_damage = f"{type(exc).__name__}: {exc}"
    try:
        if report.state_damage:
            indexed, chunk_ids = {}, []
        manifest = _manifest(config, saved_manifest, report)
        _compare_corpus(config, manifest, indexed, report)
        if not report.state_damage and state is not None:
            _check_bm25(config, state, chunk_ids, report)
            collection = state.vector_collection(model) or collection_name(config.collection, model)
        else:
            collection = collection_name(config.collection, model)
    finally:
        if state is not None:
            state.close()
    _check_vectors(config, model, collection, chunk_ids, report)
    return report


def _manifest(config: Config, saved: dict, report: CheckReport) -> dict:
    try:
        return check_manifest(config.corpus_dir, saved)
    except ManifestError as exc:
        report.manifest_damage = str(exc)
        return {}


def _compare_corpus(config: Config, manifest: dict, indexed: dict[str, str], report: CheckReport) -> None:
    on_disk: dict[str, str] = {}
    for path in corpus_files(config.corpus_dir):
        try:
            doc_id, content_hash = corpus_fingerprint(path, manifest.get(path.name, {}), config.max_file_bytes)
        except KbError as exc:
            report.unreadable_files.append(str(exc))
            continue
        on_disk[doc_id] = content_hash
    if report.manifest_damage:
        return  # ids and hashes depend on the manifest: comparing without it would call everything stale
    report.stale_files = sorted(d for d, h in on_disk.items() if indexed.get(d) != h)
    report.orphan_documents = sorted(set(indexed) - set(on_disk))


def _check_bm25(config: Config, state: IndexState, chunk_ids: list[str], report: CheckReport) -> None:
    path = bm25_path(config, state.generation)
    if not path.exists():
        report.bm25_stale, report.bm25_problem = True, f"missing ({path.name})"
        return
    try:
        index = Bm25Index.load(path)
    except UNREADABLE as exc:
        report.bm25_stale, report.bm25_problem = True, f"damaged ({path.name}: {type(exc).__name__})"
        return
    if index.chunks_digest != ids_digest(chunk_ids) or index.size != len(chunk_ids):
        report.bm25_stale = True
        report.bm25_problem = f"stale ({path.name} holds {index.size} chunks, built from other chunks than the " \
                              f"state's {len(chunk_ids)})"


def _check_vectors(config: Config, model: str, collection: str, chunk_ids: list[str], report: CheckReport) -> None:
    probe: ProbeReport = probe_vectors(config.chroma_url, config.vector_dir, config.collection, model, collection,
                                       chunk_ids, config.chroma_timeout_s)
    report.vectors_damage = probe.damage
    report.vectors_unreachable = probe.unreachable
    if not (probe.damage or probe.unreachable):
        report.missing_vectors = len(probe.missing)
        report.orphan_vectors = probe.orphans
        report.leftover_collections = probe.leftovers


def _repair(config: Config, embedder: Embedder, report: CheckReport, progress: Progress) -> list[str]:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    moved: list[str] = []
    if report.manifest_damage:
        saved, indexed = _what_state_remembers(config)
        rebuild_manifest(config, saved, indexed)
    if report.state_damage:
        moved += _set_aside(config, stamp, [state_path(config).with_name(state_path(config).name + suffix)
                                            for suffix in ("", "-wal", "-shm")])
    if report.vectors_damage:
        moved += _discard_vectors(config, embedder.name, stamp)
    indexer = Indexer(config, embedder, progress=progress)
    indexer.sync_corpus()
    state = IndexState(state_path(config))
    try:
        with open_vectors(config, embedder.name, writer=True) as vectors:
            chunk_ids = state.chunk_ids()
            stored = vectors.all_ids()
            lacking = [c for c in state.chunks() if c.chunk.chunk_id not in stored]
            indexer._embed_missing(vectors, lacking, IngestReport())
            vectors.delete(stored - chunk_ids)
            for leftover in vectors.sibling_collections():
                vectors.drop_collection(leftover)
        state.save_manifest({name: portable_entry(entry) for name, entry in read_manifest(config.corpus_dir).items()})
        state.bump_generation()  # running readers reopen the BM25 file and the vector store
        write_bm25(config, state)
    finally:
        state.close()
    return moved


def _what_state_remembers(config: Config) -> tuple[dict, list]:
    """The manifest copy and the documents' metadata the state holds, as far as it can still be read."""
    try:
        state = IndexState(state_path(config))
    except StateDamaged:
        return {}, []
    try:
        saved = state.saved_manifest()
    except (sqlite3.DatabaseError, ValueError):
        saved = {}
    try:
        indexed = [doc.meta for doc in state.documents()]
    except (sqlite3.DatabaseError, ValueError):
        indexed = []
    state.close()
    return saved, indexed


def _set_aside(config: Config, stamp: str, paths: list) -> list[str]:
    target = set_aside_dir(config, stamp)
    moved = []
    for path in paths:
        if path.exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), str(target / path.name))
            moved.append(str(target / path.name))
    return moved


def _discard_vectors(config: Config, model: str, stamp: str) -> list[str]:
    """A damaged embedded folder goes aside (whole: Chroma's SQLite and HNSW files belong together); a server's
    damaged collection is dropped. Either way the vectors are embedded again."""
    if config.chroma_url:
        with open_vectors(config, model, writer=True) as store:
            store.recreate()
        return []
    with file_lock(vector_lock_path(config.vector_dir), exclusive=True, timeout_s=WRITE_LOCK_WAIT_S):
        return _set_aside(config, stamp, [config.vector_dir])
