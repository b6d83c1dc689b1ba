"""Clauses -> indexed chunks: each clause whole, plus each of its sentences when it has several.

Scoring a clause by its best sentence lifts the right clause on colloquial questions, so sentences are indexed
too. Each chunk carries its heading context (ancestor headings for the clause, the clause heading for a
sentence) so that a sentence like "鼓励电商企业设立绿色产品销售专区" still knows it is about 促进绿色产品消费.
"""

from __future__ import annotations

import hashlib

from kb.schema import Chunk, Clause, ParsedDocument


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def _ancestor_headings(doc: ParsedDocument, clause: Clause) -> list[str]:
    by_label = {c.label: c for c in doc.clauses}
    headings = []
    for depth in range(1, len(clause.path)):
        ancestor = by_label.get("".join(clause.path[:depth]))
        if ancestor is not None and ancestor.heading:
            headings.append(ancestor.heading)
    return headings


def chunk_document(doc: ParsedDocument) -> list[Chunk]:
    chunks: list[Chunk] = []
    for clause in doc.clauses:
        if not clause.text.strip():
            continue
        context = " / ".join(_ancestor_headings(doc, clause))
        clause_text = f"{context}\n{clause.text}" if context else clause.text
        chunks.append(_make_chunk(doc.meta.doc_id, clause.label, "clause", -1, clause_text))
        if len(clause.sentences) > 1:
            for index, sentence in enumerate(clause.sentences):
                text = sentence.text.strip()
                if clause.heading and clause.heading not in text:
                    text = f"{clause.heading}：{text}"
                chunks.append(_make_chunk(doc.meta.doc_id, clause.label, "sentence", index, text))
    return chunks


def _make_chunk(doc_id: str, label: str, kind: str, index: int, text: str) -> Chunk:
    content_hash = _digest(text)
    chunk_id = _digest(doc_id, label, kind, str(index), content_hash)[:24]
    return Chunk(chunk_id=chunk_id, doc_id=doc_id, clause_label=label, kind=kind, text=text,
                 content_hash=content_hash, sentence_index=index)
