"""The index state in SQLite: which documents are indexed, their parsed clause trees and their chunks.

It is the source of truth that the BM25 index is built from and that vector hits are checked against.
Every change of the corpus is one transaction that bumps `generation`, so a reader sees the old corpus or the
new one, never a mix.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from kb.config import Config
from kb.errors import KbError
from kb.store.chunk_table import ChunkTable
from kb.schema import Chunk, Clause, DocMeta, ParsedDocument, Sentence
from kb.store.layout import state_path
from kb.store.sqlite_wal import connect_wal

SCHEMA = """
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
  doc_id TEXT PRIMARY KEY,
  doc_number TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  parsed TEXT NOT NULL,
  position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
  chunk_id TEXT PRIMARY KEY,
  doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
  clause_label TEXT NOT NULL,
  kind TEXT NOT NULL,
  sentence_index INTEGER NOT NULL,
  text TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  tokens TEXT NOT NULL,
  position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id);
"""


@dataclass(frozen=True)
class StateSnapshot:
    generation: int
    documents: list[ParsedDocument]
    chunks: ChunkTable
    tokens: list[tuple[str, ...]] | None  # per chunk row, when asked for


@dataclass(frozen=True)
class IndexedChunk:
    chunk: Chunk
    tokens: tuple[str, ...]


def document_to_json(doc: ParsedDocument) -> str:
    return json.dumps(asdict(doc), ensure_ascii=False)


def document_from_json(text: str) -> ParsedDocument:
    raw = json.loads(text)
    meta = raw["meta"]
    meta["implements"] = tuple(meta.get("implements", ()))
    # Labels and their parts recur in every document ("二（一）"): interned, a large index holds one copy of each.
    clauses = tuple(
        Clause(**{**c, "label": sys.intern(c["label"]), "path": tuple(sys.intern(p) for p in c["path"]),
                  "parents": tuple(sys.intern(p) for p in c.get("parents", ())),
                  "sentences": tuple(Sentence(**s) for s in c["sentences"])})
        for c in raw["clauses"]
    )
    return ParsedDocument(meta=DocMeta(**meta), text=raw["text"], clauses=clauses)


def _split_tokens(tokens: str) -> tuple[str, ...]:
    return tuple(tokens.split("\t")) if tokens else ()


class StateDamaged(KbError):
    """state.sqlite cannot be read: `kb check --repair` sets it aside and rebuilds it from the corpus."""


def is_damage(exc: BaseException) -> bool:
    """SQLite's "file is not a database" / "database disk image is malformed", or a row that no longer parses;
    not "database is locked" (an OperationalError, which is a busy database, not a damaged one)."""
    return type(exc) is sqlite3.DatabaseError or isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError))


def damaged(path: Path, exc: BaseException) -> StateDamaged:
    return StateDamaged(f"the index state {path} is damaged ({exc}); run `kb check --repair`")


class IndexState:
    """A connection per instance; open one per thread/process (SQLite handles the locking between them).

    A damaged file raises StateDamaged on opening; damage found later (a bad page read by a query) surfaces as
    sqlite3.DatabaseError, which readers translate with `damaged` (kb.store.snapshot)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        db = None
        try:
            db = connect_wal(path, 30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            if is_damage(exc):
                raise damaged(path, exc) from None
            raise
        self._db = db

    def close(self) -> None:
        self._db.close()

    def integrity_problems(self, thorough: bool = True) -> list[str]:
        """SQLite's own check of every page and index (`quick_check` skips matching indexes to rows): [] if sound."""
        try:
            rows = self._db.execute(f"PRAGMA {'integrity_check' if thorough else 'quick_check'}").fetchall()
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                return [str(exc)]
            raise
        problems = [str(r[0]) for r in rows]
        return [] if problems == ["ok"] else problems

    def vector_collection(self, model: str) -> str:
        """The Chroma collection that holds this index's vectors of `model`; "" for the default name (set by a
        reindex, which embeds into a new collection and switches with the same transaction as the documents)."""
        row = self._db.execute("SELECT value FROM info WHERE key=?", (f"collection:{model}",)).fetchone()
        return row[0] if row else ""

    def bump_generation(self) -> int:
        """A new generation with the same documents: readers reopen the BM25 file and the vector store (after a
        repair replaced them)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            generation = self.generation + 1
            self._db.execute("INSERT OR REPLACE INTO info VALUES ('generation', ?)", (str(generation),))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return generation

    @property
    def generation(self) -> int:
        row = self._db.execute("SELECT value FROM info WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def document_hashes(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT doc_id, content_hash FROM documents"))

    def document_names(self) -> list[tuple[str, str, str]]:
        """(doc_id, 文号, title) of every indexed document, without reading their clauses."""
        rows = self._db.execute(
            "SELECT doc_id, doc_number, COALESCE(json_extract(parsed, '$.meta.title'), '') FROM documents")
        return [(doc_id, number, title) for doc_id, number, title in rows]

    def saved_manifest(self) -> dict[str, dict[str, object]]:
        """The copy of corpus/manifest.json kept with the index (the user's metadata corrections), {} if none."""
        row = self._db.execute("SELECT value FROM info WHERE key='manifest'").fetchone()
        return json.loads(row[0]) if row else {}

    def save_manifest(self, documents: Mapping[str, Mapping[str, object]]) -> None:
        """Keep a copy of the manifest, from which `kb check --repair` rebuilds a damaged or deleted one."""
        body = json.dumps({name: dict(entry) for name, entry in documents.items()}, ensure_ascii=False, default=str)
        self._db.execute("INSERT OR REPLACE INTO info VALUES ('manifest', ?)", (body,))

    def documents(self) -> list[ParsedDocument]:
        rows = self._db.execute("SELECT parsed FROM documents ORDER BY position, doc_id")
        return [document_from_json(r[0]) for r in rows]

    def chunk_ids(self, doc_id: str | None = None) -> set[str]:
        if doc_id is None:
            return {r[0] for r in self._db.execute("SELECT chunk_id FROM chunks")}
        return {r[0] for r in self._db.execute("SELECT chunk_id FROM chunks WHERE doc_id=?", (doc_id,))}

    def chunks(self) -> Iterator[IndexedChunk]:
        """All chunks in document order, with their texts and tokens."""
        rows = self._db.execute(
            "SELECT chunk_id, doc_id, clause_label, kind, sentence_index, text, content_hash, tokens "
            "FROM chunks ORDER BY doc_id, position"
        )
        for cid, doc_id, label, kind, sidx, text, chash, tokens in rows:
            yield IndexedChunk(Chunk(cid, doc_id, label, kind, text, chash, sidx), _split_tokens(tokens))

    def ordered_chunk_ids(self) -> list[str]:
        """Chunk ids in row order (documents by id, chunks by position): the order of the snapshot's chunk table
        and of the BM25 matrix."""
        return [r[0] for r in self._db.execute("SELECT chunk_id FROM chunks ORDER BY doc_id, position")]

    def chunk_tokens(self) -> Iterator[tuple[str, ...]]:
        """The tokens of every chunk in document order: all that the BM25 index is built from."""
        for (tokens,) in self._db.execute("SELECT tokens FROM chunks ORDER BY doc_id, position"):
            yield _split_tokens(tokens)

    def snapshot(self, with_tokens: bool = False) -> StateSnapshot:
        """Generation, documents and the chunk table read in one transaction: a consistent view. Chunk texts are
        not read (the documents hold them); tokens only `with_tokens`, to rebuild a missing BM25 index."""
        self._db.execute("BEGIN")
        try:
            rows = self._db.execute(
                "SELECT chunk_id, doc_id, clause_label, sentence_index FROM chunks ORDER BY doc_id, position")
            table = ChunkTable.from_rows(rows)
            tokens = list(self.chunk_tokens()) if with_tokens else None
            return StateSnapshot(self.generation, self.documents(), table, tokens)
        finally:
            self._db.execute("COMMIT")

    def replace_documents(self, docs: Iterable[tuple[ParsedDocument, str, list[IndexedChunk]]],
                          remove: Iterable[str] = (), vector_collection: tuple[str, str] | None = None) -> int:
        """Swap in new versions of documents (and drop `remove`) in one transaction; returns the new generation.
        `vector_collection`: (model, collection name) that holds the vectors from this generation on."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if vector_collection is not None:
                model, name = vector_collection
                db.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (f"collection:{model}", name))
            for doc_id in remove:
                db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            for doc, content_hash, chunks in docs:
                doc_id = doc.meta.doc_id
                position = db.execute("SELECT position FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
                if position is None:
                    position = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM documents").fetchone()
                db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
                db.execute(
                    "INSERT INTO documents VALUES (?,?,?,?,?)",
                    (doc_id, doc.meta.doc_number, content_hash, document_to_json(doc), position[0]),
                )
                db.executemany(
                    "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?)",
                    [
                        (c.chunk.chunk_id, doc_id, c.chunk.clause_label, c.chunk.kind, c.chunk.sentence_index,
                         c.chunk.text, c.chunk.content_hash, "\t".join(c.tokens), i)
                        for i, c in enumerate(chunks)
                    ],
                )
            generation = self.generation + 1
            db.execute("INSERT OR REPLACE INTO info VALUES ('generation', ?)", (str(generation),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return generation


@contextmanager
def open_index_state(config: Config) -> Iterator[IndexState]:
    """The index state, open for the block; damage found while reading it is the one-line StateDamaged."""
    path = state_path(config)
    state = IndexState(path)
    try:
        yield state
    except (sqlite3.DatabaseError, ValueError) as exc:
        if is_damage(exc):
            raise damaged(path, exc) from None
        raise
    finally:
        state.close()
