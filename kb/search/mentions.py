"""Documents a question names: a 文号, a title in 《》, or a title as people shorten it ("节约能源法" for
《中华人民共和国节约能源法》, "上海绿色建筑条例", "园林绿化条例"). A named document steers retrieval to itself.
And the documents a question means by its genre word: "文件" (这份文件, 文件里) is a policy document (意见, 通知,
方案 with a 文号), not a law or regulation, as 法律法规 and 政策文件 are told apart in Chinese; and by a place it
names (重庆…): that place's own documents."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from kb.documents.metadata import doc_numbers_in
from kb.schema import LegalForce, ParsedDocument
from kb.store.snapshot import Snapshot

_STATE_PREFIX = "中华人民共和国"
# A place at the start of a title: 重庆市, 上海市, 四川省, 广西壮族自治区 …
_PLACE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,8}?(?:省|市|自治区|自治州|县|区)")
_GENRE_SUFFIX = re.compile(r"(?:暂行)?(?:条例|法|规定|办法|细则|意见|通知|方案)$")
_QUOTED = re.compile(r"《([^《》]{2,60})》")
# "文件" as the question's word for a document; not a compound noun of law text (申请文件, 技术文件, 规范性文件). Support
# policies (支持政策, 扶持政策) are what a policy document sets out; a law's "政策" alone is no such word.
_POLICY_DOCUMENT_WORD = re.compile(
    r"(?<!规范性)(?<!申请)(?<!证明)(?<!技术)(?<!设计)(?<!招标)(?<!投标)(?<!相关)(?<!有关)(?<!其他)(?<!电子)"
    r"(?<!保密)(?<!批准)(?<!审批)(?<!许可)(?<!涉密)(?<!会议)文件(?![名号])|(?:支持|扶持|优惠|鼓励|激励)政策")
# What is to come (以后会, 今后, 到2025年, “十四五”) is what policy documents plan; laws and regulations set rules with
# no date to reach. ("签了以后有什么好处", "交上去以后，" are about after an act, not the future; so is 以后 after a
# completed act, "规划批下来以后会公开吗", "编好以后要报谁", or a time of day, "晚上几点以后就不能".)
_FUTURE = re.compile(r"(?<![了好完过掉成点时])(?<!下来)(?<!起来)(?<!上来)以后(?=[会要能还是就也])"
                     r"|今后|将来|未来|接下来|下一步|到20\d\d年|20\d\d年前|十四五")
MIN_NAME_CHARS = 4  # "条例" or a two-character stem names nothing in particular
MIN_STEM_CHARS = 4  # the end of a title names the document when it keeps this much before 条例 / 法


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


def _matched_name(doc: ParsedDocument, question: str, quoted: list[str]) -> tuple[str, int]:
    """The longest of the document's names the question uses, and how exactly: 2 its full title, 1 a shortened name
    ("节约能源法"), 0 only the end of its title ("园林绿化条例" for 重庆市城市园林绿化条例); ("", 0) when none."""
    for name in _names(doc):
        if len(name) >= MIN_NAME_CHARS and len(_GENRE_SUFFIX.sub("", name)) >= 2 and (name in question or name in quoted):
            return name, 2 if name == doc.meta.title else 1
    title = doc.meta.title
    genre = _GENRE_SUFFIX.search(title)
    if genre:
        for start in range(1, genre.start() - MIN_STEM_CHARS + 1):
            if title[start:] in question or title[start:] in quoted:
                return title[start:], 0
    return "", 0


def documents_named(question: str, snapshot: Snapshot) -> list[str]:
    """Ids of the documents the question names, in the order of the index; several only when it names several.

    A name inside another document's longer matched name is the same mention read less completely ("森林防火条例"
    inside "重庆市森林防火条例"); when the same words name two documents, the one they name exactly wins (《森林防火条例》
    is the national regulation, not 重庆市森林防火条例), and a tie names neither."""
    numbers = set(doc_numbers_in(question))
    quoted = _QUOTED.findall(question)
    matches: dict[str, tuple[str, int]] = {}
    for doc_id, doc in snapshot.documents.items():
        if doc.meta.doc_number and doc.meta.doc_number in numbers:
            matches[doc_id] = (doc.meta.doc_number, 2)
        else:
            name, exact = _matched_name(doc, question, quoted)
            if name:
                matches[doc_id] = (name, exact)
    names = [name for name, _ in matches.values()]
    kept = {d: m for d, m in matches.items() if not any(m[0] != other and m[0] in other for other in names)}
    chosen = []
    for doc_id, (name, exactness) in kept.items():
        rivals = [e for d, (n, e) in kept.items() if n == name and d != doc_id]
        if all(exactness > e for e in rivals):
            chosen.append(doc_id)
    return chosen


def policy_documents_meant(question: str, snapshot: Snapshot) -> list[str]:
    """Ids of the policy documents (规范性文件) when the question calls what it asks about "文件" or asks what is to
    come, and the knowledge base holds laws or regulations beside them; [] otherwise (then "文件" can only mean any
    of them)."""
    if not (_POLICY_DOCUMENT_WORD.search(question) or _FUTURE.search(question)):
        return []
    policies = [d for d, doc in snapshot.documents.items() if doc.meta.force == LegalForce.NORMATIVE_DOCUMENT]
    return policies if len(policies) < len(snapshot.documents) else []


def documents_of_places(places: Sequence[str], snapshot: Snapshot) -> list[str]:
    """Ids of the documents of the places a question names ("重庆有没有打算建存气的地方" means 重庆's own documents: its
    regulations and its government's opinions, whose title or issuer begins with the place); [] when none or all are."""
    if not places:
        return []
    own = [d for d, doc in snapshot.documents.items()
           if any(doc.meta.title.startswith(p) or doc.meta.issuer.startswith(p) for p in places)]
    return own if len(own) < len(snapshot.documents) else []
