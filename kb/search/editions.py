"""Editions of one document: a yearly notice (关于开展2025年度…申报工作的通知, then 2026年度), a law as revised. Loaded
side by side, the latest answers, and an earlier one only when the question asks for it by a year its title holds
(or names it, which restricts the search to it before this applies)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence

from kb.schema import Hit
from kb.store.snapshot import Snapshot

# A year in a title ("2025年度", "（2026—2027年）"); not a batch's or a list's number ("第1批" adds to "第2批").
_YEAR = re.compile(r"(?:19|20)\d\d")
# A title naming a document of its genre; not a letterhead ("重庆市人民政府办公厅文件") or another line read as one,
# which documents of every kind may share.
_TITLED = re.compile(r"(?:法|条例|规定|办法|细则|意见|通知|通告|决定|方案|计划|规划|纲要|指南|公告)"
                     r"[）)]?(?:（[^（）]*）)?$")
# The last index generation searched and its older editions: one generation serves many searches.
_last: tuple[weakref.ref, dict[str, str]] = (lambda: None, {})


def _edition_key(title: str) -> str:
    """The title with its years left out: what the editions share."""
    return _YEAR.sub("#", title)


def _older_editions(snapshot: Snapshot) -> dict[str, str]:
    """Id → title of each document a later-dated one of the same title (years aside) replaces; worked out once per
    index generation, not per search. Copies dated alike replace none of each other; lines that name no document's
    genre are no titles to go by."""
    global _last
    seen, older = _last
    if seen() is not snapshot:
        latest: dict[str, str] = {}
        dated = [(d, doc.meta) for d, doc in snapshot.documents.items()
                 if _TITLED.search(doc.meta.title) and doc.meta.date]
        for _, meta in dated:
            key = _edition_key(meta.title)
            latest[key] = max(latest.get(key, ""), meta.date)
        older = {doc_id: meta.title for doc_id, meta in dated if meta.date < latest[_edition_key(meta.title)]}
        _last = (weakref.ref(snapshot), older)
    return older


def superseded(snapshot: Snapshot, years: Sequence[str] = ()) -> frozenset[str]:
    """Ids of the documents a later edition replaces, except those whose title holds a year asked about."""
    return frozenset(doc_id for doc_id, title in _older_editions(snapshot).items()
                     if not any(year in title for year in years))


def latest_editions(hits: Sequence[Hit], snapshot: Snapshot, years: Sequence[str] = ()) -> list[Hit]:
    """The hits less those of superseded editions."""
    replaced = superseded(snapshot, years)
    return [hit for hit in hits if hit.doc_id not in replaced] if replaced else list(hits)
