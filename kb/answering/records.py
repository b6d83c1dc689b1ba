"""What a document records about itself: its 文号, issuer, date, title, addressees and the document it implements (in
its masthead and 落款), for a law its passage lines (题注) and the article that says when it takes effect. The
metadata strategy answers from them, and retrieval ranks the clause holding the asked record first."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.answering.intent import DECREE_ASKED, asking_parts
from kb.documents.metadata import issued_title, recipients_line
from kb.schema import PREAMBLE_LABEL, SIGNATURE_LABEL, Clause, ParsedDocument

TAKES_EFFECT = re.compile(r"施行|生效|实施")
_COMMENCES = re.compile(r"自.{2,24}起(?:施行|实施|生效)")
_PASSAGE_WORDS = ("通过", "公布", "发布", "施行", "修正", "修订")
_OTHER_PASSAGE_ASKED = re.compile(r"通过|公布|发布|修正|修订|修改")
_DATED = re.compile(r"\d{4}年|[〇零一二三四五六七八九]{4}年")


# One line may hold every event, as official copies print them: "（2023年11月20日…通过　2023年12月5日…令第152号公布
# 自2024年2月1日起施行）"; each event is a statement of its own.
_NEXT_EVENT = re.compile(r"(?<=通过|公布|发布|批准|修正|修订)\s*(?=自?(?:\d{4}|[〇零一二三四五六七八九]{4})年)")


def _passage_statements(line: str) -> list[str]:
    if line.startswith(("（", "(")) and line.endswith(("）", ")")):
        line = line[1:-1]
    return [event.strip() for event in _NEXT_EVENT.split(line) if event.strip()]


def _passage_lines(doc: ParsedDocument, question: str) -> list[str]:
    """The passage lines (题注) the question asks about: those with a passage word it uses (通过, 施行 …; 修改 and
    次 mean the amendments), else every passage line."""
    lines = [event for ln in doc.meta.info_lines if any(w in ln for w in _PASSAGE_WORDS)
             for event in _passage_statements(ln)]
    # 第几号令 is answered only by a line that names the decree; the question's other parts by their own words.
    decree = [ln for ln in lines if "令" in ln] if DECREE_ASKED.search(question) else []
    rest = DECREE_ASKED.sub("", question)
    asked = [w for w in _PASSAGE_WORDS if w in rest]
    if re.search(r"修改|几次|多少次", rest):
        asked += ["修正", "修订"]
    chosen = [ln for ln in lines if any(w in ln for w in asked) and ln not in decree]
    if DECREE_ASKED.search(question):
        return decree + chosen
    return chosen or lines


def recorded(doc: ParsedDocument, field: str, question: str) -> tuple[str, Clause | None, str]:
    """(statement, clause quoted, quote) for a metadata question; statement "" when the document does not say. The
    clause is None for a law's passage lines, which are no clause of its text."""
    meta = doc.meta
    preamble, signature = doc.clause(PREAMBLE_LABEL), doc.clause(SIGNATURE_LABEL)
    if field == "doc_number" and meta.doc_number:
        return f"该文件的文号是{meta.doc_number}", preamble, meta.doc_number
    if field == "issuer" and meta.issuer:
        # The 落款, or the masthead holding a "关于印发…的通知"'s cover letter, which the issuer signs; a law's issuer
        # stands in its passage lines (no clause).
        # (Joint issuers are printed apart by spaces, "午市公安局　　午市生态环境局": quoted as printed.)
        names = meta.issuer.split("、")
        signed = next((c for c in (signature, preamble) if c is not None and all(n in c.text for n in names)), None)
        if signed is None:
            return f"该文件由{meta.issuer}印发", signature, meta.issuer
        start, end = signed.text.find(names[0]), signed.text.find(names[-1]) + len(names[-1])
        return f"该文件由{meta.issuer}印发", signed, signed.text[start:end] if start < end else meta.issuer
    if field == "date" and meta.date:
        year, month, day = (int(p) for p in meta.date.split("-"))
        quote = f"{year}年{month}月{day}日"
        # The 落款 at the end, or the cover letter's of a "关于印发…的通知" that precedes the text it issues.
        dated = signature if signature is not None and quote in signature.text else next(
            (c for c in doc.clauses if quote in c.text), signature)
        return (f"该文件的成文日期是{quote}", dated, quote) if dated is not None else ("", None, "")
    if field == "passage" and TAKES_EFFECT.search(question) and not _OTHER_PASSAGE_ASKED.search(
            re.sub(r"[（(][^）)]*[）)]", "", asking_parts(question))):  # not "（2009年修正）", "于2002年通过，…"
        # When it takes effect is a provision of its own ("本条例自2020年1月1日起施行"), cited before the passage
        # lines (题注) that repeat it; they answer when they alone say it, or the article dates it by another event
        # ("自公布之日起施行").
        start = commencement(doc)
        if start is not None and (_DATED.search(start[1]) or not any("施行" in ln for ln in meta.info_lines)):
            clause, sentence = start
            return sentence, clause, sentence
    if field == "passage" and meta.info_lines:
        lines = _passage_lines(doc, question)
        if not lines:
            return "", None, ""
        count = f"该文件共修正、修订{len(meta.amendments)}次：" if re.search(r"几次|多少次", question) else ""
        return count + "；".join(lines), None, "；".join(lines)
    if field == "implements" and meta.implements:
        return f"该文件是为贯彻落实{meta.implements[0]}而制定的", preamble, meta.implements[0]
    if field == "title" and meta.title:
        quote = preamble.sentences[0].text if preamble and preamble.sentences else meta.title
        return f"该文件的标题是《{meta.title}》", preamble, quote
    if field == "recipients" and preamble:
        quote = recipients_line(preamble.text)
        return (f"该文件的主送单位是{quote.rstrip('：:')}", preamble, quote) if quote else ("", None, "")
    return "", None, ""


def commencement(doc: ParsedDocument) -> tuple[Clause, str] | None:
    """The article that says when the document takes effect ("本条例自1992年8月1日起施行"), read from the end."""
    for clause in reversed(doc.clauses):
        for sentence in clause.sentences:
            if _COMMENCES.search(sentence.text):
                return clause, sentence.text.strip()
    return None


# What a question calls the document ("供水方案是哪个单位发的", "这部条例…"): its genre, the end of its title.
_GENRE_WORD = re.compile(r"方案|通知|意见|条例|办法|规定|细则|规划|决定|通告|公告")


def of_the_asked_genre(question: str, documents: Sequence[ParsedDocument]) -> list[ParsedDocument]:
    """The documents, those of the genre the question calls the document by first (a 方案 issued by a 通知 is a
    方案 too), each group in retrieval's order."""
    genres = tuple(_GENRE_WORD.findall(question))
    if not genres:
        return list(documents)
    fitting = [d for d in documents if d.meta.title.endswith(genres) or issued_title(d.meta.title).endswith(genres)]
    return fitting + [d for d in documents if d not in fitting]
