"""Clauses a question asks for by the documents' structure rather than by its words: the article it names by number,
the article that says when a document takes effect, the one that says what it applies to, the sentence that defines
the asked term. Their words ("本法自…起施行", "本法所称…，是指…") are ones every question of the kind shares with many
clauses, so ranking by words puts them anywhere; the answer pipeline retrieves them first (and the strategies quote
them)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.analysis.penalties import article_label
from kb.answering import tuning
from kb.answering.intent import QuestionIntent
from kb.answering.records import TAKES_EFFECT, commencement, of_the_asked_genre, recorded
from kb.schema import Clause, Hit, ParsedDocument
from kb.store.snapshot import Snapshot

# "…条例第二十条是怎么规定的？", "第十八条第二款规定了什么", "二（一）4的内容是什么": a clause asked for by its label.
_ASKING_FOR_IT = (r"(?:的?(?:具体)?(?:内容|规定|原文))?是?(?:怎么|如何|怎样)(?:规定|说|写|讲)",
                  r"(?:规定|说|讲|写)了(?:些)?什么", r"的?(?:具体)?(?:内容|规定|原文)是什么",
                  r"(?:是|有)(?:什么|哪些)(?:内容|规定)", r"(?:讲|说|写)的是什么")
_ARTICLE_NUMBER = r"(第[一二三四五六七八九十百零〇]+条(?:之[一二三四五六七八九十]+)?)(第[一二三四五六七八九十]+款)?"
_ARTICLE_ASKED = re.compile("|".join(_ARTICLE_NUMBER + frame for frame in _ASKING_FOR_IT))
# A 意见's clause as its citation writes it ("二（一）4", "三（二）", "二1" in a 方案 without （一）; brackets and a "、"
# or "．" as typed), then the same asking words.
_OUTLINE_LABEL = re.compile(r"(?<![一二三四五六七八九十第])([一二三四五六七八九十]{1,3})、?\s*(?:[（(]([一二三四五六七八九十]{1,3})[）)])?\s*"
                            r"(?:(\d{1,2})[．.、]?)?\s*(?:[（(](\d{1,2})[）)])?\s*(?=" + "|".join(_ASKING_FOR_IT) + ")")
# "第三章有哪些规定", "法律责任一章规定了什么", "第三章第二节讲的是什么": a chapter or section of a law, by number or by its
# title said to be one, then the asking words of an outline heading.
_DIVISION_NUMBER = re.compile(r"第[一二三四五六七八九十]+[编章节]")
_DIVISION_LABEL = re.compile(r"第[一二三四五六七八九十]+[编章节]$")
_DIVISION_ASKED = re.compile(r"(?:第[一二三四五六七八九十]+[编章节]|(?:这一?|一|整)?[章节]|部分)[^，,。？?]{0,6}?(?:哪|什么)")
# "节约用水条例有几章", "这个条例共有多少条": how many chapters, sections or articles a law has.
_COUNT_ASKED = re.compile(r"(?:共|一共|总共|总计)?(?:有|分为?|分成|设)?(?<!第)(?:多少|几)个?(章|节|条)(?![件例款项文规])")
# Who interprets a law or rule is stated in its 附则 ("本条例由国务院城市建设行政主管部门负责解释", "本办法具体应用中的
# 问题由省市场监督管理部门负责解释"); a question asks it as 由谁解释, 哪个部门负责解释, 解释权归谁.
_INTERPRETS = re.compile(r"由[^，,。；;]{2,40}负责解释|解释权(?:属于|归)")
_ASKS_INTERPRETER = re.compile(r"(?:负责|由谁|谁来?|哪个(?:部门|机关|单位|机构))解释|解释权")
_DEFINES = re.compile(r"是指|指的是|，指|系指|统称|含义")
_MEANS = re.compile(r"是指|指的是|，指|系指")
# A law states what it applies to among its first articles ("本法适用于中华人民共和国领域和管辖的其他海域").
_OWN_SCOPE = re.compile(r"本(?:法|条例|规定|办法|细则)适用于|(?<!不)适用本(?:法|条例|规定|办法|细则)")
# A 方案's or 意见's sections are titled by what they hold ("一、工作目标", "三、保障措施", "（一）推进工业绿色升级"): a
# question naming a heading and asking its contents ("…的工作目标是什么", "保障措施有哪些", "需要提交哪些申报材料",
# "办理流程是怎样的") asks for that clause.
_ASKS_CONTENTS = re.compile(r"[^，,。？?]{0,6}?(?:哪|什么|怎样的|怎么样的)")
_ASKS_WHICH = re.compile(r"(?:哪些|哪几[项个类种]?|什么)$")
_NOUN_ENDS = re.compile(r"$|[？?，,。；;！!]|呢|吗")
_ASKED_KIND = re.compile(r"(?:哪些|哪几[项个类种]?|什么)([\u4e00-\u9fff]{2})(?=$|[？?，,。；;！!]|呢|吗)")
_PARTS_COUNTED_BEFORE = re.compile(r"(?:几|多少)(项|个方面|个|类|条|方面)的?$")
_PARTS_COUNTED_AFTER = re.compile(r"(?:共|一共|总共)?(?:有|包括|分为|分成|分)?(?:几|多少)(项|个方面|个|类|条|方面)")
MIN_HEADING_CHARS = 4  # "目标", "任务" alone head too many clauses to name one


def asks_contents_of(heading: str, question: str) -> bool:
    """The question asks what the heading holds, or how many parts ("有几项重点任务"), not about something of its
    matter ("道路运输经营者制定的应急预案应当包括哪些内容" names 道路运输经营 only as whose plan it is)."""
    at = question.find(heading)
    if at < 0:
        return asks_kind_of(heading, question)
    after = question[at + len(heading):]
    # (After 哪些 the heading must be the whole noun: "哪些道路运输经营者" asks for operators, not 道路运输经营.)
    return bool(_ASKS_CONTENTS.match(after) or counted_parts(heading, question)
                or (_ASKS_WHICH.search(question[max(0, at - 3):at]) and _NOUN_ENDS.match(after)))


def asks_kind_of(heading: str, question: str) -> bool:
    """The question asks for the heading's kind of thing, its last word, about the rest of it, said before: "申报绿色
    工厂需要什么条件" asks for "申报条件", "企业申报要准备哪些材料" for "申报材料" (not "…什么条件的企业")."""
    for found in _ASKED_KIND.finditer(question):
        kind = found.group(1)
        rest = heading[:-len(kind)]
        if heading.endswith(kind) and len(rest) >= 2 and rest in question[:found.start()]:
            return True
    return False


def counted_parts(heading: str, question: str) -> str:
    """The measure word of a count of the heading's parts the question asks ("有几项重点任务", "保障措施包括几个方面":
    项, 个方面); "" when it asks none."""
    at = question.find(heading)
    if at < 0:
        return ""
    found = _PARTS_COUNTED_BEFORE.search(question[max(0, at - 6):at]) or _PARTS_COUNTED_AFTER.match(
        question[at + len(heading):])
    return found.group(1) if found else ""


def headed_clauses(question: str, doc: ParsedDocument) -> list[Clause]:
    """The clauses of `doc` whose heading the question names and asks the contents of."""
    return [clause for clause in doc.clauses
            if len(clause.heading) >= MIN_HEADING_CHARS and asks_contents_of(clause.heading, question)]


def is_division(label: str) -> bool:
    """Whether the clause is a law's chapter or section (第三章, 第二章第一节)."""
    return _DIVISION_LABEL.search(label) is not None


def asked_clause(question: str) -> str | None:
    """The label of the clause the question asks for ("第十八条第二款", "二（一）4"), or None. The clause holds every
    label under it (see `holds`)."""
    article = _ARTICLE_ASKED.search(question)
    if article is not None:
        groups = article.groups()  # (article, paragraph) once per asking form
        return next(number + (paragraph or "") for number, paragraph in zip(groups[::2], groups[1::2]) if number)
    outline = _OUTLINE_LABEL.search(question)
    if outline is not None:
        top, section, item, sub_item = outline.groups()
        if section or item:  # a top-level numeral alone ("三是什么") is no label
            return f"{top}{f'（{section}）' if section else ''}{item or ''}" + (f"（{sub_item}）" if item and sub_item else "")
    return None


def asked_count(question: str) -> str:
    """The division whose count the question asks ("章", "节", "条"), or ""."""
    found = _COUNT_ASKED.search(question)
    return found.group(1) if found else ""


def counted_divisions(doc: ParsedDocument, unit: str) -> list[Clause]:
    """The document's chapters, sections or articles, in order (an article's paragraphs and items are not counted)."""
    if unit == "条":
        return [c for c in doc.clauses if c.label and c.label == article_label(c.label)]
    return [c for c in doc.clauses if re.search(rf"第[一二三四五六七八九十]+{unit}$", c.label)]


def asks_for_division(question: str) -> bool:
    """Whether the question may ask the contents of a chapter or section (see `asked_division`)."""
    return _DIVISION_ASKED.search(question) is not None


def asked_division(question: str, doc: ParsedDocument) -> tuple[str, list[Clause]] | None:
    """(division line, its articles in order) of the chapter or section of `doc` the question asks the contents of:
    named by its number ("第三章") or by its title followed by 章/节/部分 ("法律责任一章"); every number the question
    gives must be on the division's path (第三章第二节 is the second section of the third chapter)."""
    if not asks_for_division(question):
        return None
    numbers = set(_DIVISION_NUMBER.findall(question))
    for path in dict.fromkeys(c.parents for c in doc.clauses if c.parents):
        named = [depth for depth, line in enumerate(path) if _names_division(line, question)]
        if not named or not numbers <= {line.split()[0] for line in path}:
            continue
        within = path[:named[-1] + 1]
        articles = [c for c in doc.clauses if c.parents[:len(within)] == within and c.label == article_label(c.label)]
        if articles:
            return within[-1], articles
    return None


def _names_division(line: str, question: str) -> bool:
    number, _, title = line.partition(" ")
    return number in question or (len(title) >= 2 and re.search(re.escape(title) + r"(?:这一?|一|整)?(?:章|节|编|部分)",
                                                                   question) is not None)


def holds(asked: str, label: str) -> bool:
    """Is `label` the asked clause or one under it: 第三条 holds 第三条第二款 but not 第三条之一, 二（一）1 holds
    二（一）1（2） but not 二（一）10."""
    rest = label[len(asked):] if label.startswith(asked) else None
    return rest is not None and not rest.startswith("之") and not (asked[-1].isdigit() and rest[:1].isdigit())


def interpretation(doc: ParsedDocument) -> Clause | None:
    """The article that says who interprets the document, read from the end."""
    return next((clause for clause in reversed(doc.clauses)
                 if any(_INTERPRETS.search(sentence.text) for sentence in clause.sentences)), None)


def defines(text: str, term: str) -> bool:
    """本法所称X，是指…; X，是指…; X（包括…，下同）; X named by a bracket after what it stands for (以下称X), or by a
    closing 统称X. (An item of "下列用语的含义：" opening with X needs its lead: see the definition strategy.)"""
    if term not in text:
        return False
    named = re.escape(term) + r"”?(?:[（(][^）)]{0,20}[）)])?"  # 节约用水（以下简称节水）
    defining = (r"所称" + named + r"(?:[，,]|是指|指|包括|系指)",
                # … and by its short name: "本条例所称节约用水（以下简称节水），是指…" defines 节水 too.
                r"所称[^，,。；（(]{1,30}[（(]以下简称" + re.escape(term) + r"[）)][，,]?(?:是指|指|包括|系指)",
                r"(?:^|[“（(）)\s])" + named + r"[，,]?\s*(?:" + _DEFINES.pattern + ")",
                # … or in a bracket right after its first use: "政务服务事项(包括行政权力事项和公共服务事项，下同)".
                re.escape(term) + r"[（(](?:包括|是指|指)[^）)]{2,80}[）)]",
                # … or named by a bracket after what it stands for: "…签订书面协议（以下称补偿协议），明确…".
                r"[（(]以下(?:简|统)?称[“\"]?" + re.escape(term) + r"[”\"]?[）)]",
                # … or by a closing sentence naming what precedes: "…部门和…的部门，统称负有…职责的部门。".
                r"[，,]统称为?[“\"]?" + re.escape(term) + r"[”\"]?[。；;]?$")
    return any(re.search(pattern, text) for pattern in defining)


def _leading_clauses(doc: ParsedDocument) -> list[Clause]:
    """The clauses of the document's first articles, where a law states its scope."""
    return [c for c in doc.clauses if c.sentences][:tuning.SCOPE_LEADING_CLAUSES]


def _retrieved(snap: Snapshot, hits: Sequence[Hit]) -> list[ParsedDocument]:
    """The documents of the hits, best first."""
    return [snap.documents[d] for d in dict.fromkeys(h.doc_id for h in hits) if d in snap.documents]


def structural_clauses(intent: QuestionIntent, snap: Snapshot, doc_ids: Sequence[str] | None,
                       hits: Sequence[Hit]) -> list[tuple[str, str]]:
    """(doc_id, clause label) of the clauses the question asks for by structure, in the order retrieval ranks their
    documents: an article by number, the commencement article or the scope article of the documents the question
    names (`doc_ids`; a number alone names no document), the article saying who interprets the named or retrieved
    documents, the clauses defining the asked term in the searched documents (all when `doc_ids` is None), or the
    clauses headed by what the question asks the contents of in the named, else the retrieved, documents."""
    named = [snap.documents[d] for d in doc_ids or () if d in snap.documents]
    found: list[tuple[str, str]] = []
    asked = asked_clause(intent.text)
    if asked is not None:
        # A label alone names no document, unless only one loaded document has such a clause.
        if not named:
            having = [doc for doc in snap.documents.values() if doc.clause(asked) is not None]
            named = having if len(having) == 1 else []
        found = [(doc.meta.doc_id, clause.label) for doc in named for clause in doc.clauses
                 if holds(asked, clause.label)]
    elif intent.metadata_field == "passage" and TAKES_EFFECT.search(intent.text):
        found = [(doc.meta.doc_id, start[0].label) for doc in named if (start := commencement(doc)) is not None]
    elif intent.metadata_field and intent.metadata_field != "passage":
        # The clause the answer quotes for the record asked (the masthead for a title, the 落款 for a date), of the
        # named, else the retrieved, documents: the citation is among the retrieved clauses.
        found = [(doc.meta.doc_id, clause.label)
                 for doc in of_the_asked_genre(intent.text, named or _retrieved(snap, hits))
                 if (clause := recorded(doc, intent.metadata_field, intent.text)[1]) is not None]
    elif _ASKS_INTERPRETER.search(intent.text):
        # Of the named documents, else of those retrieval found, best first (below).
        found = [(doc.meta.doc_id, clause.label) for doc in (named or _retrieved(snap, hits))
                 if (clause := interpretation(doc)) is not None]
    elif intent.wants_scope:
        found = [(doc.meta.doc_id, clause.label) for doc in named
                 for clause in _leading_clauses(doc) if _OWN_SCOPE.search(clause.text)]
    elif intent.definition_term:
        term = intent.definition_term
        defining = [(doc.meta.doc_id, clause.label, [s.text for s in clause.sentences if defines(s.text, term)])
                    for doc in (named or snap.documents.values()) for clause in doc.clauses if term in clause.text]
        # What a term means (是指) before what it takes in (本条例所称道路运输经营包括…客运经营和…货运经营).
        found = [(doc_id, label) for doc_id, label, sentences in sorted(
            (entry for entry in defining if entry[2]), key=lambda entry: not any(map(_MEANS.search, entry[2])))]
    else:  # a law's chapter is no section so asked: "…要承担什么法律责任" asks for the article on that conduct
        found = [(doc.meta.doc_id, clause.label) for doc in (named or _retrieved(snap, hits))
                 for clause in headed_clauses(intent.text, doc) if not is_division(clause.label)]
    first_hit = {doc_id: rank for rank, doc_id in reversed(list(enumerate(h.doc_id for h in hits)))}
    # One clause per document (an article's own clause before its paragraphs), documents as retrieval ranks them.
    by_document = {doc_id: (doc_id, label) for doc_id, label in reversed(found)}
    ranked = sorted(by_document.values(), key=lambda key: first_hit.get(key[0], len(hits)))
    return ranked[:tuning.MAX_STRUCTURAL_CLAUSES]
