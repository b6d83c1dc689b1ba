"""Documents a question names: a 文号, a title in 《》, or a title as people shorten it ("节约能源法" for
《中华人民共和国节约能源法》, "上海绿色建筑条例", "园林绿化条例"). A named document steers retrieval to itself."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from kb.documents.metadata import doc_numbers_in
from kb.schema import ParsedDocument
from kb.store.snapshot import Snapshot

_STATE_PREFIX = "中华人民共和国"
# A place at the start of a title: 重庆市, 上海市, 四川省, 广西壮族自治区 …
_PLACE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,8}?(?:省|市|自治区|自治州|县|区)")
_GENRE_SUFFIX = re.compile(r"(?:暂行)?(?:条例|法|规定|办法|细则|意见|通知|方案)$")
_QUOTED = re.compile(r"《([^《》]{2,60})》")
MIN_NAME_CHARS = 4  # "条例" or a two-character stem names nothing in particular


def _names(doc: ParsedDocument) -> Iterator[str]:
    """The ways a question may name the document, longest first."""
    title = doc.meta.title
    if not title:
        return
    yield title
    short = title.removeprefix(_STATE_PREFIX)
    yield short
    place = _PLACE_PREFIX.match(short)
    if place:
        yield short[place.end():]  # "园林绿化条例"
        yield place.group().rstrip("省市") + short[place.end():]  # "上海绿色建筑条例"
    if doc.meta.short_name:
        yield doc.meta.short_name.strip("《》")


def _matched_name(doc: ParsedDocument, question: str, quoted: list[str]) -> str:
    """The longest of the document's names that the question uses ("" when none)."""
    for name in _names(doc):
        if len(name) >= MIN_NAME_CHARS and len(_GENRE_SUFFIX.sub("", name)) >= 2 and name in question:
            return name
    return next((q for q in quoted if len(q) >= MIN_NAME_CHARS and doc.meta.title.endswith(q)), "")


def documents_named(question: str, snapshot: Snapshot) -> list[str]:
    """Ids of the documents the question names, in the order of the index; several only when it names several.

    A name inside another document's longer matched name is the same mention read less completely ("森林防火条例"
    inside "重庆市森林防火条例"); the same words naming two documents name neither."""
    numbers = set(doc_numbers_in(question))
    quoted = _QUOTED.findall(question)
    matches: dict[str, str] = {}
    for doc_id, doc in snapshot.documents.items():
        if doc.meta.doc_number and doc.meta.doc_number in numbers:
            matches[doc_id] = doc.meta.doc_number
        elif name := _matched_name(doc, question, quoted):
            matches[doc_id] = name
    kept = {d: n for d, n in matches.items() if not any(n != m and n in m for m in matches.values())}
    counts = Counter(kept.values())
    return [d for d, n in kept.items() if counts[n] == 1]
