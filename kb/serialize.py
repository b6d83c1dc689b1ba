"""The JSON shapes of `kb … --json` and of the HTTP API (`kb serve`): one function per shape, so both say the same.

Values stay plain (str, int, float, lists, dicts); StrEnum members serialise as their value.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Sequence

from kb.schema import Answer, Clause, Hit, ParsedDocument

if TYPE_CHECKING:  # the ingest side pulls in Chroma; `kb --help` should not wait for it
    from kb.indexing.ingest import IngestReport


def hit_json(hit: Hit) -> dict[str, object]:
    return {"doc": hit.citation_name, "doc_title": hit.doc_title, "clause": hit.clause_label,
            "heading": hit.heading, "score": hit.score}


def answer_json(answer: Answer) -> dict[str, object]:
    return {
        "question": answer.question,
        "status": answer.status,
        "answer": answer.text,
        "origin": answer.origin,
        "fallback_reasons": list(answer.fallback_reasons),
        "citations": [asdict(c) for c in answer.citations],
        "retrieved": [hit_json(h) for h in answer.retrieved],
        "timings_ms": answer.timings_ms,
        "notices": list(answer.notices),
        "refusal_reason": answer.refusal_reason,
    }


def search_json(question: str, mode: str, hits: list[Hit]) -> dict[str, object]:
    return {"question": question, "mode": mode, "hits": [
        {**hit_json(h), "text": h.text, "best_sentence": h.best_sentence, "scores": h.scores} for h in hits]}


def document_json(doc: ParsedDocument, references_not_loaded: Sequence[tuple[str, str]]) -> dict[str, object]:
    """A row of `kb list`: metadata, clause count, and the documents it cites that are not loaded
    (PolicyKb.unloaded_references)."""
    m = doc.meta
    missing = [f"{title}（{number}）" for title, number in references_not_loaded]
    return {"doc_id": m.doc_id, "doc": m.citation_name, "title": m.title, "issuer": m.issuer, "date": m.date,
            "level": m.level, "implements": list(m.implements), "clauses": len(doc.clauses),
            "structured": m.structured, "references_not_loaded": missing, "source": m.source}


def clause_json(clause: Clause) -> dict[str, object]:
    return {"label": clause.label, "heading": clause.heading, "level": clause.level, "text": clause.text,
            "parents": list(clause.parents)}


def outline_json(doc: ParsedDocument) -> dict[str, object]:
    m = doc.meta
    return {"doc": m.citation_name, "doc_id": m.doc_id, "title": m.title, "issuer": m.issuer, "force": m.force,
            "level": m.level, "date": m.date, "adopted": m.adopted, "promulgated": m.promulgated,
            "effective": m.effective, "amendments": [asdict(a) for a in m.amendments],
            "info_lines": list(m.info_lines), "clauses": [clause_json(c) for c in doc.clauses]}


def report_json(report: IngestReport) -> dict[str, object]:
    """What a change to the corpus did."""
    return {"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
            "removed": report.removed, "skipped": report.skipped, "unstructured": report.unstructured,
            "chunks_embedded": report.chunks_embedded, "chunks_reused": report.chunks_reused,
            "generation": report.generation, "backups": report.backups}
