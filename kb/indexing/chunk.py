"""Clauses -> indexed chunks: each clause whole, plus each of its sentences when it has several.

Scoring a clause by its best sentence lifts the right clause on colloquial questions, so sentences are indexed
too. Each chunk carries its heading context (for the clause: the chapters and sections it stands in, its ancestors'
headings, and the lead-in of an article or item it lists under — "第十五条 …绿地率应当符合下列规定："; for a sentence:
the clause heading) so that a sentence like "鼓励电商企业设立绿色产品销售专区" still knows it is about 促进绿色产品消费
and "（一）居住项目不低于百分之三十" that it is about 绿地率.
"""

from __future__ import annotations

import hashlib

from kb.documents.normalize import COLONS
from kb.schema import Chunk, Clause, ParsedDocument

_MAX_LEAD_IN_CHARS = 120


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def _context(by_label: dict[str, Clause], clause: Clause) -> list[str]:
    """The divisions the clause stands in, then each ancestor's heading, or its text when it is a lead-in ending
    with a colon (an item means nothing without "…应当符合下列规定：")."""
    context = list(clause.parents)
    for depth in range(1, len(clause.path)):
        ancestor = by_label.get("".join(clause.path[:depth]))
        if ancestor is None:
            continue
        if ancestor.heading:
            context.append(ancestor.heading)
        elif ancestor.text.endswith(COLONS) and len(ancestor.text) <= _MAX_LEAD_IN_CHARS:
            context.append(ancestor.text)
    return context


def chunk_document(doc: ParsedDocument) -> list[Chunk]:
    chunks: list[Chunk] = []
    by_label = {c.label: c for c in doc.clauses}
    for clause in doc.clauses:
        if not clause.text.strip():
            continue
        context = " / ".join(_context(by_label, clause))
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
