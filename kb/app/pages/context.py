"""A clause shown where it stands in its document: its heading path, its neighbours, the quoted sentence marked,
and the clauses of the other document of its implementation pair (the crosswalk).

Pure functions returning HTML strings, so the page code stays thin and the escaping can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from kb.app.render import escape_html
from kb.search.crosswalk import CrosswalkLink
from kb.schema import Clause, Level, ParsedDocument

NEIGHBOUR_CHARS = 160  # neighbours orient the reader; their full text is on the documents page
LEVEL_NAMES = {Level.NATIONAL: "全国", Level.PROVINCIAL: "省级", Level.MUNICIPAL: "市级", Level.COUNTY: "区县级",
               Level.OTHER: "其他"}


@dataclass(frozen=True)
class ClauseContext:
    clause: Clause
    ancestors: tuple[Clause, ...]  # outermost first, e.g. 二、 then （一）
    previous: Clause | None
    following: Clause | None


def clause_context(doc: ParsedDocument, label: str) -> ClauseContext | None:
    index = next((i for i, c in enumerate(doc.clauses) if c.label == label), None)
    if index is None:
        return None
    clause = doc.clauses[index]
    by_path = {c.path: c for c in doc.clauses if c.path}
    ancestors = tuple(by_path[clause.path[:n]] for n in range(1, len(clause.path)) if clause.path[:n] in by_path)
    return ClauseContext(
        clause=clause,
        ancestors=ancestors,
        previous=doc.clauses[index - 1] if index > 0 else None,
        following=doc.clauses[index + 1] if index + 1 < len(doc.clauses) else None,
    )


def clause_title(clause: Clause) -> str:
    return f"{clause.label} {clause.heading}".strip()


def excerpt(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "……"


def _marked_spans(text: str, needles: Sequence[str]) -> list[tuple[int, int]]:
    """Every occurrence of every needle, overlapping or touching ones merged, in text order."""
    spans = []
    for needle in {n for n in needles if n.strip()}:
        start = text.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = text.find(needle, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def marked_html(text: str, needles: Sequence[str] = ()) -> str:
    """`text` escaped for HTML with every occurrence of each needle wrapped in <mark>; line breaks kept."""
    pieces, position = [], 0
    for start, end in _marked_spans(text, needles):
        pieces.append(escape_html(text[position:start]))
        pieces.append(f"<mark>{escape_html(text[start:end])}</mark>")
        position = end
    pieces.append(escape_html(text[position:]))
    return "".join(pieces).replace("\n", "<br>")


def context_html(doc: ParsedDocument, context: ClauseContext, quotes: Sequence[str]) -> str:
    """The clause, its quoted sentences marked, with its heading path above and its neighbours dimmed around it."""
    meta = doc.meta
    source = escape_html(f"{meta.citation_name}《{meta.title}》" if meta.title else meta.citation_name)
    path = " › ".join(escape_html(clause_title(c)) for c in (*context.ancestors, context.clause))
    parts = [f'<div class="kb-source">{source}</div>', f'<div class="kb-path">{path}</div>']
    if context.previous is not None:
        parts.append(f'<div class="kb-neighbour">{marked_html(excerpt(context.previous.text, NEIGHBOUR_CHARS))}</div>')
    parts.append(f'<div class="kb-clause">{marked_html(context.clause.text, quotes)}</div>')
    if context.following is not None:
        parts.append(f'<div class="kb-neighbour">{marked_html(excerpt(context.following.text, NEIGHBOUR_CHARS))}</div>')
    return f'<div class="kb-context">{"".join(parts)}</div>'


def matching_clauses(doc: ParsedDocument, query: str) -> list[Clause]:
    """Clauses whose label, heading or text contains `query` (spaces ignored); all clauses for an empty query."""
    needle = "".join(query.split())
    if not needle:
        return list(doc.clauses)
    return [c for c in doc.clauses if needle in c.label or needle in c.heading or needle in c.text]


# -- the crosswalk beside a clause ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LinkedClause:
    """The clause at the other end of a crosswalk link."""

    doc_id: str
    clause: str
    heading: str
    score: float


def linked_clauses(links: Sequence[CrosswalkLink], doc_id: str, label: str,
                   ) -> tuple[list[LinkedClause], list[LinkedClause]]:
    """(the clauses this clause implements, the clauses implementing it): a local clause has the first, a national
    clause the second; a document both implementing and implemented (a provincial one) may have both."""
    implemented = [LinkedClause(link.national_doc, link.national_clause, link.national_heading, link.score)
                   for link in links if (link.local_doc, link.local_clause) == (doc_id, label)]
    implementing = [LinkedClause(link.local_doc, link.local_clause, link.local_heading, link.score)
                    for link in links if (link.national_doc, link.national_clause) == (doc_id, label)]
    return implemented, implementing


def linked_clause_html(doc: ParsedDocument, linked: LinkedClause, url: str) -> str:
    """文号, label and heading (a link to `url`) with the match score, then the clause's text."""
    title = escape_html(f"{doc.meta.citation_name} {linked.clause} {linked.heading}".strip())
    clause = doc.clause(linked.clause)
    text = f'<div class="kb-clause">{marked_html(clause.text)}</div>' if clause else ""
    return (f'<div class="kb-source"><a class="kb-cite" href="{escape_html(url)}" title="在文件页的条款目录中查看">'
            f'{title} ↗</a> <span class="kb-note">匹配度 {linked.score:.2f}</span></div>{text}')
