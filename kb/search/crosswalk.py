"""Crosswalk: which clause of an implementation document implements which clause of the national document.

Scored by content (cosine of the clauses' vectors) and by heading (character-bigram overlap of the headings):
local documents usually keep the national heading words ("强化经费保障") while rewording the body.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.store.snapshot import Snapshot
from kb.schema import PREAMBLE_LABEL, SIGNATURE_LABEL, Clause
from kb.store.vectors import VectorStore

CONTENT_WEIGHT = 0.6
MIN_SCORE = 0.45


@dataclass(frozen=True)
class CrosswalkLink:
    local_doc: str
    local_clause: str
    local_heading: str
    national_doc: str
    national_clause: str
    national_heading: str
    score: float
    content: float
    heading: float


def implementation_pairs(snap: Snapshot) -> list[tuple[str, str]]:
    """(local doc id, national doc id) for every loaded document whose 'implements' names another loaded one."""
    by_number = {d.meta.doc_number: d.meta.doc_id for d in snap.documents.values() if d.meta.doc_number}
    return [(doc.meta.doc_id, by_number[n]) for doc in snap.documents.values()
            for n in doc.meta.implements if n in by_number and by_number[n] != doc.meta.doc_id]


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def heading_similarity(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def _content_clauses(snap: Snapshot, doc_id: str) -> list[Clause]:
    return [c for c in snap.documents[doc_id].clauses if c.label not in (PREAMBLE_LABEL, SIGNATURE_LABEL)]


def crosswalk(snap: Snapshot, vectors: VectorStore, local_id: str, national_id: str,
              min_score: float = MIN_SCORE) -> list[CrosswalkLink]:
    """For each local clause, its best national clause when the score reaches `min_score`, in local order."""
    local, national = _content_clauses(snap, local_id), _content_clauses(snap, national_id)
    ids = [snap.chunks.chunk_for(local_id, c.label) for c in local] + \
          [snap.chunks.chunk_for(national_id, c.label) for c in national]
    stored = vectors.vectors([i for i in ids if i])
    dim = next(iter(stored.values())).shape[0] if stored else 1
    matrix = np.stack([stored.get(i, np.zeros(dim, np.float32)) for i in ids]) if ids else np.zeros((0, dim))
    content = matrix[: len(local)] @ matrix[len(local):].T
    links = []
    for row, clause in enumerate(local):
        headings = np.array([heading_similarity(clause.heading, n.heading) for n in national])
        scores = CONTENT_WEIGHT * content[row] + (1 - CONTENT_WEIGHT) * headings
        best = int(np.argmax(scores)) if len(national) else -1
        if best >= 0 and scores[best] >= min_score:
            match = national[best]
            links.append(CrosswalkLink(
                local_id, clause.label, clause.heading, national_id, match.label, match.heading,
                round(float(scores[best]), 3), round(float(content[row, best]), 3), round(float(headings[best]), 3)))
    return links
