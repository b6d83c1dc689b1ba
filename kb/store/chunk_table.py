"""The chunks of one index snapshot as compact columns, for retrieval.

Retrieval needs only each chunk's id, document, clause and sentence position; the texts live in the documents.
As columns this costs about 100 bytes a chunk instead of about 770 for `Chunk` objects with their strings: at
200,000 chunks (1,000 documents), 20 MB instead of 153 MB in every process that searches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

ChunkRow = tuple[str, str, str, int]  # chunk id, document id, clause label, sentence index (-1: the whole clause)


def ids_digest(chunk_ids: Iterable[str]) -> str:
    """A digest of chunk ids in row order: an index built over other chunks (or in another order) has another."""
    digest = hashlib.sha256()
    for chunk_id in chunk_ids:
        digest.update(chunk_id.encode("ascii") + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class ChunkTable:
    ids: np.ndarray  # bytes chunk ids in row order
    sorted_ids: np.ndarray  # the same, sorted, for id -> row lookups by binary search
    sorted_rows: np.ndarray  # row of each sorted id
    doc_ids: tuple[str, ...]  # distinct document ids
    doc_index: np.ndarray  # row -> position in doc_ids
    labels: tuple[str, ...]  # distinct clause labels
    label_index: np.ndarray  # row -> position in labels
    sentence_index: np.ndarray  # row -> sentence position in its clause, -1 for the clause chunk
    clause_rows: dict[tuple[str, str], tuple[int, int]]  # (document id, label) -> (first row, number of rows)

    @classmethod
    def from_rows(cls, rows: Iterable[ChunkRow]) -> ChunkTable:
        """Rows in index order, where the chunks of one clause are adjacent (as the chunker writes them)."""
        ids: list[bytes] = []
        docs: dict[str, int] = {}
        labels: dict[str, int] = {}
        doc_index: list[int] = []
        label_index: list[int] = []
        sentence_index: list[int] = []
        clause_rows: dict[tuple[str, str], tuple[int, int]] = {}
        previous: tuple[str, str] | None = None
        for row, (chunk_id, doc_id, label, sentence) in enumerate(rows):
            docs.setdefault(doc_id, len(docs))
            labels.setdefault(label, len(labels))
            ids.append(chunk_id.encode("ascii"))
            doc_index.append(docs[doc_id])
            label_index.append(labels[label])
            sentence_index.append(sentence)
            key = (doc_id, label)
            if key != previous:
                if key in clause_rows:
                    raise ValueError(f"the chunks of clause {label} of {doc_id} are not adjacent")
                clause_rows[key] = (row, 0)
                previous = key
            start, count = clause_rows[key]
            clause_rows[key] = (start, count + 1)
        id_array = np.array(ids, dtype=np.bytes_) if ids else np.zeros(0, dtype="S1")
        order = np.argsort(id_array, kind="stable")
        doc_names = tuple(docs)
        label_names = tuple(labels)
        # Keys share the string objects of doc_ids / labels, so 40,000 clauses do not hold 40,000 copies.
        clause_rows = {(doc_names[docs[d]], label_names[labels[lb]]): span for (d, lb), span in clause_rows.items()}
        return cls(id_array, id_array[order], order.astype(np.int32), doc_names,
                   np.array(doc_index, dtype=np.int32), label_names, np.array(label_index, dtype=np.int32),
                   np.array(sentence_index, dtype=np.int32), clause_rows)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def digest(self) -> str:
        return ids_digest(i.decode("ascii") for i in self.ids.tolist())

    def chunk_id(self, row: int) -> str:
        return self.ids[row].decode("ascii")

    def clause_key(self, row: int) -> tuple[str, str]:
        """(document id, clause label) of the chunk in `row`."""
        return self.doc_ids[self.doc_index[row]], self.labels[self.label_index[row]]

    def sentence_of(self, row: int) -> int:
        return int(self.sentence_index[row])

    def rows_of(self, chunk_ids: Sequence[str]) -> dict[str, int]:
        """Rows of the ids that are in this table (others, e.g. vectors of another generation, are left out)."""
        if not chunk_ids or not len(self.ids):
            return {}
        wanted = np.array([c.encode("ascii") for c in chunk_ids], dtype=np.bytes_)
        positions = np.minimum(np.searchsorted(self.sorted_ids, wanted), len(self.ids) - 1)
        found = self.sorted_ids[positions] == wanted
        return {chunk_ids[i]: int(self.sorted_rows[positions[i]]) for i in np.flatnonzero(found)}

    def doc_mask(self, doc_ids: Collection[str]) -> np.ndarray:
        """Boolean per row: does the chunk belong to one of `doc_ids`?"""
        wanted = np.array([d in doc_ids for d in self.doc_ids], dtype=bool)
        return wanted[self.doc_index] if len(self.doc_ids) else np.zeros(len(self.ids), dtype=bool)

    def chunk_for(self, doc_id: str, label: str, sentence: int = -1) -> str:
        """Id of the chunk of a clause's sentence, or of the whole clause when that sentence has no chunk of its
        own (one-sentence clauses) or `sentence` is -1; "" for a clause that is not indexed."""
        span = self.clause_rows.get((doc_id, label))
        if span is None:
            return ""
        start, count = span
        matches = np.flatnonzero(self.sentence_index[start:start + count] == sentence)
        if not len(matches) and sentence != -1:
            matches = np.flatnonzero(self.sentence_index[start:start + count] == -1)
        return self.chunk_id(start + int(matches[0])) if len(matches) else ""
