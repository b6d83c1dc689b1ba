"""Extractive answers: the sentences of the retrieved clauses that answer the question, each with its citation.

The first sentence answers directly (a verbatim sentence of the best clause); every sentence carries a marker
〔文号 条款〕; every quote is checked to be a verbatim span of its clause before it is shown. When the evidence is
weak, or the detail asked for (an amount, a year, a place, a named department, another document) is not in the
evidence, the answer is `not_found` and the closest clauses are offered as possibly related.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice
from typing import Callable, Sequence

from kb.answering.intent import QuestionIntent
from kb.store.snapshot import Snapshot
from kb.schema import Answer, AnswerStatus, Citation, Clause, DocMeta, Hit, RetrievalMode
from kb.text.tokens import PolicyTokenizer, synonym_table

# Calibrated on the dev split of eval/questions.jsonl (see README: "How 'weak' is defined").
MIN_SUPPORT = 0.2  # share of the question's (idf-weighted) words found in the best sentence and its heading
DENSE_WEIGHT = 1.0  # how much a sentence's dense similarity adds to its lexical score
DENSE_FLOOR = 0.8  # e5 cosines below this carry no signal
MIN_FRAGMENT_COVERAGE = 0.25  # a number answers only when it stands by the words the question asks about
MIN_DENSE_SUPPORT = 0.85  # or: the clause's dense similarity, for colloquial questions that share few words
CANDIDATE_CLAUSES = 6
SUPPORTING_SHARE = 0.8  # a runner-up sentence is shown when it scores at least this share of the best
MAX_SUPPORTING = 2
MAX_LIST_ITEMS = 10
MAX_CLOSEST = 3  # enterprise answers: sentences closest to the question, before the finder's full list
MAX_ENTERPRISE_ITEMS = 16

_NUMBER = re.compile(r"\d+(?:\.\d+)?\s*(?:%|万|个|吨|千瓦|亿)|百分之")
_MONEY = re.compile(r"\d+(?:\.\d+)?\s*(?:元|万元|亿元)")
_DEADLINE = re.compile(r"20\d\d年|“十[四五六]五”|年底|年前|期间")
_GOV_BODY = re.compile(r"[\u4e00-\u9fff]{0,12}?(?:政府|部门|领导小组|人民银行|央行|机关|委员会|局|厅)")
_GENERIC_AREAS = {"区县", "城区", "园区", "示范区", "试验区", "新区", "社区", "景区", "限养区", "禁养区", "养殖区", "灌区",
                  "地区", "区域", "山区", "库区", "分区", "市区", "郊区", "辖区", "主城区", "中心城区"}
_NAMED_AREA = re.compile(r"[\u4e00-\u9fff]{1,4}[区县]")
_GENERAL_RESPONSIBILITY = re.compile(r"职责分工|分工负责|各负其责|抓落实")
_FRAGMENT_SPLIT = re.compile(r"[，、：]")
# "……的有效期到什么时候", "……的设计库容是多少": the noun whose value is asked for.
_ASKED_NOUN = re.compile(r"的([\u4e00-\u9fff]{2,6}?)(?:要|将|会)?(?:到什么时候|是什么时候|是多少|有多大|是哪一年|多少)")
_LIST_ANCHOR = re.compile(r"20\d\d年|“十[四五六]五”")
_DEADLINE_TOKEN = re.compile(r"20\d\d|十四五|期间|^年")


@dataclass(frozen=True)
class ScoredSentence:
    doc_id: str
    clause: Clause
    text: str
    score: float
    rank: int  # rank of its clause in retrieval
    lexical: float = 0.0  # the share of the question's words it holds: the evidence gate reads this part


def _is_heading_sentence(item: ScoredSentence) -> bool:
    """"21．大力发展绿色金融。" names the clause; it is not itself a provision."""
    heading = item.clause.heading
    return bool(heading) and heading in item.text and len(item.text) <= len(heading) + 6


def _lists_noun(text: str, noun: str) -> bool:
    """Does the sentence list things of the asked kind? "哪些绿色设施" is answered by "创建绿色公路、绿色港口…"."""
    if noun in text:
        return True
    enumerates = text.count("、") >= 2
    return enumerates and any(noun[i:i + 2] in text for i in range(len(noun) - 1))


def marker(meta: DocMeta, label: str) -> str:
    return f"〔{meta.citation_name} {label}〕"


class Answerer:
    def __init__(self, snapshot: Snapshot, tokenizer: PolicyTokenizer,
                 similarities: Callable[[str, Sequence[str]], dict[str, float]] | None = None) -> None:
        """`similarities(question, chunk_ids)` gives dense cosine per chunk; without it, scoring is lexical."""
        self.snapshot = snapshot
        self.tokenizer = tokenizer
        self.similarities = similarities
        self._weights_by_text: dict[str, dict[str, float]] = {}

    # -- evidence -------------------------------------------------------------------------------------------------
    def _weights(self, text: str) -> dict[str, float]:
        """idf weight of each word of the (expanded) text; asked once per contender sentence, computed once."""
        if text not in self._weights_by_text:
            expanded = self.tokenizer.expand_query(text)
            self._weights_by_text[text] = {t: self.snapshot.bm25.idf(t)
                                           for t in dict.fromkeys(self.tokenizer.tokens(expanded))}
        return self._weights_by_text[text]

    @staticmethod
    def _coverage(weights: dict[str, float], text: str) -> float:
        total = sum(weights.values())
        lowered = text.lower()
        return sum(w for t, w in weights.items() if t in lowered) / total if total else 0.0

    def score_sentences(self, intent: QuestionIntent, hits: Sequence[Hit]) -> list[ScoredSentence]:
        weights = self._weights(intent.resolved)
        focus = self._weights(intent.focus) if intent.focus != intent.resolved else {}
        candidates = []
        for rank, hit in enumerate(hits[:CANDIDATE_CLAUSES], 1):
            clause = self.snapshot.clause(hit.doc_id, hit.clause_label)
            if clause is None:
                continue
            for index, sentence in enumerate(clause.sentences):
                if sentence.text.strip():
                    chunk_id = self.snapshot.chunks.chunk_for(hit.doc_id, clause.label, index)
                    candidates.append((rank, hit, clause, sentence.text.strip(), chunk_id))
        dense = self.similarities(intent.resolved, [c[-1] for c in candidates if c[-1]]) if self.similarities else {}
        scored = []
        for rank, hit, clause, text, chunk_id in candidates:
            lexical = self._coverage(weights, f"{clause.heading} {text}")
            if focus:  # a follow-up's own words ("农膜呢？") must be in the sentence itself
                lexical = min(lexical, self._coverage(focus, text) + 0.2)
            score = lexical
            if chunk_id in dense:  # meaning, for colloquial questions that share few words with the text
                score += DENSE_WEIGHT * max(0.0, dense[chunk_id] - DENSE_FLOOR) / (1 - DENSE_FLOOR)
            score += 0.04 / rank + (0.05 if text == hit.best_sentence else 0.0)
            scored.append(ScoredSentence(hit.doc_id, clause, text, score, rank, lexical))
        return sorted(scored, key=lambda s: -s.score)

    def _unknown_asked_terms(self, intent: QuestionIntent) -> list[str]:
        """Words of a detail question (how much, when) that occur nowhere in the corpus ("有效期", "库容"):
        the asked detail cannot be in the documents."""
        asked = _ASKED_NOUN.search(intent.focus)
        if not asked:
            return []
        colloquial = synonym_table()
        return [t for t in self.tokenizer.tokens(asked.group(1))
                if t not in self.snapshot.bm25.vocabulary and not any(t in c for c in colloquial)]

    def missing_detail(self, intent: QuestionIntent, best: ScoredSentence) -> str:
        """Why the best evidence does not answer the question, or "" when it does."""
        # Deadline words ("“十四五”期间", "到2025年") say when, not what: they must not pick the fragment.
        weights = {t: w for t, w in self._weights(intent.focus).items() if not _DEADLINE_TOKEN.search(t)}
        fragments = [f for f in _FRAGMENT_SPLIT.split(best.text) if f.strip()] or [best.text]
        at = max(range(len(fragments)), key=lambda i: self._coverage(weights, fragments[i]))
        # The asked-about phrase and what follows it ("认证和管理，到2025年，…达到3000个"): where its value would be.
        window = "，".join(fragments[at:at + 3])
        meta = self.snapshot.documents[best.doc_id].meta
        if intent.wants_money and not _MONEY.search(best.text):
            return "文件没有规定具体金额"
        for year in intent.years:
            if year not in best.text:
                return f"文件没有提到{year}年的相关内容"
        own_place = meta.issuer[:2] if meta.issuer else ""
        for place in intent.places:
            if place != own_place and place not in best.text:
                return f"文件的适用范围不包括{place}"
        if intent.wants_named_places and not any(a not in _GENERIC_AREAS for a in _NAMED_AREA.findall(best.text)):
            return "文件没有列出具体地点"
        if intent.list_noun and not _lists_noun(best.text, intent.list_noun):
            return f"文件没有列出具体的{intent.list_noun}"
        if intent.wants_number and (not _NUMBER.search(window)
                                    or self._coverage(weights, fragments[at]) < MIN_FRAGMENT_COVERAGE):
            return "文件没有给出具体数值"
        if intent.wants_time and not _DEADLINE.search(best.text):
            return "文件没有规定具体时间"
        return ""

    # -- answers --------------------------------------------------------------------------------------------------
    def answer(self, intent: QuestionIntent, hits: Sequence[Hit]) -> Answer:
        unknown = [n for n in intent.doc_numbers
                   if n not in {d.meta.doc_number for d in self.snapshot.documents.values()}]
        if unknown:
            return self._not_found(intent, hits, self._unloaded_reference(unknown[0]))
        if intent.metadata_field and hits:
            answer = self._metadata_answer(intent, hits)
            if answer:
                return answer
        if intent.enterprise:
            answer = self._enterprise_answer(intent, hits)
            if answer:
                return answer
        if intent.wants_list:
            listed = self._outline_answer(intent, hits) or self._deadline_list_answer(intent, hits)
            if listed:
                return listed
        unknown_terms = self._unknown_asked_terms(intent)
        if unknown_terms:
            return self._not_found(intent, hits, f"文件没有提到{'、'.join(unknown_terms)}")
        ranked = self.score_sentences(intent, hits)
        if not ranked:
            return self._not_found(intent, hits, "")
        best = ranked[0]
        dense = hits[best.rank - 1].scores.get(RetrievalMode.DENSE, 0.0)
        if max(s.lexical for s in ranked) < MIN_SUPPORT and dense < MIN_DENSE_SUPPORT:
            return self._not_found(intent, hits, "")
        # The best-scoring sentence may miss the asked detail while a close runner-up holds it.
        contenders = [s for s in ranked[:8] if s.score >= 0.6 * best.score]
        complete = next((s for s in contenders if not self.missing_detail(intent, s)), None)
        if complete is None:
            return self._not_found(intent, hits, self.missing_detail(intent, best))
        best = complete
        if intent.wants_responsible and not _GOV_BODY.search(best.text):
            return self._unnamed_responsible(intent, hits, best)
        if intent.wants_list:
            return self._list_answer(intent, hits, ranked)
        # Close runners-up add what the best sentence leaves out (the next sentence of the clause, a related clause).
        chosen = [best] + [s for s in ranked[:4] if s is not best and not _is_heading_sentence(s)
                           and s.score >= max(MIN_SUPPORT, SUPPORTING_SHARE * best.score)][:MAX_SUPPORTING]
        return self._compose(intent, hits, chosen, lead="")

    def _compose(self, intent: QuestionIntent, hits: Sequence[Hit], chosen: Sequence[ScoredSentence],
                 lead: str, numbered: bool = False) -> Answer:
        citations: list[Citation] = []
        lines: list[str] = [lead] if lead else []
        for number, item in enumerate(chosen, 1):
            if item.text not in item.clause.text:  # verification: never show a quote that is not in the clause
                continue
            meta = self.snapshot.documents[item.doc_id].meta
            prefix = f"（{number}）" if numbered else ""
            lines.append(f"{prefix}{item.text}{marker(meta, item.clause.label)}")
            citations.append(Citation(doc=meta.citation_name, doc_title=meta.title, clause=item.clause.label,
                                      heading=item.clause.heading, quote=item.text, score=round(item.score, 3)))
        if not citations:
            return self._not_found(intent, hits, "")
        return Answer(question=intent.text, status=AnswerStatus.ANSWERED, text="\n".join(lines), citations=tuple(citations),
                      retrieved=tuple(hits))

    def _list_answer(self, intent: QuestionIntent, hits: Sequence[Hit], ranked: list[ScoredSentence]) -> Answer:
        best = ranked[0].score
        floor = max(MIN_SUPPORT * 0.8, 0.6 * best)
        chosen = [s for s in ranked if s.score >= floor and not _is_heading_sentence(s)]
        # A clause whose heading the question names is wanted whole ("推进工业绿色升级有哪些举措？").
        named = [s for s in ranked if s.clause.heading and s.clause.heading in intent.resolved
                 and not _is_heading_sentence(s)]
        chosen = list({(s.doc_id, s.clause.label, s.text): s for s in [*named, *chosen]}.values())[:MAX_LIST_ITEMS]
        # In clause order (the position of the clause within its document), each clause's sentences as they stand.
        chosen.sort(key=lambda s: (self.snapshot.documents[s.doc_id].clauses.index(s.clause),
                                   s.clause.text.find(s.text)))
        clauses = set((s.doc_id, s.clause.label) for s in chosen)
        lead = "文件中涉及这一问题的规定如下：" if len(clauses) > 1 else ""
        return self._compose(intent, hits, chosen, lead=lead, numbered=len(chosen) > 1)

    def _sentences_where(self, keep) -> list[ScoredSentence]:
        return [ScoredSentence(doc_id, clause, sentence.text.strip(), 1.0, 0)
                for doc_id, doc in self.snapshot.documents.items() for clause in doc.clauses
                if clause.label not in ("序言", "落款")
                for sentence in clause.sentences if keep(clause, sentence.text)]

    def _enterprise_answer(self, intent: QuestionIntent, hits: Sequence[Hit]) -> Answer | None:
        """Enterprise questions use the requirements finder, so that the chat and the table never disagree."""
        from kb.analysis.extract import match_industries, requirement_sources

        industries = match_industries(intent.text)
        if not industries:
            return None
        # The documents the question retrieved, best first: with many documents loaded, the requirements of the
        # relevant ones are listed, and only as many as the answer shows are looked for (the 企业合规 page and
        # `kb requirements` list them all).
        documents = [self.snapshot.documents[d] for d in dict.fromkeys(h.doc_id for h in hits)
                     if d in self.snapshot.documents]
        applicable = [ScoredSentence(doc.meta.doc_id, clause, row.sentence.strip(), 1.0, 0)
                      for doc, clause, row in islice(requirement_sources(documents, industries),
                                                     MAX_ENTERPRISE_ITEMS + MAX_CLOSEST)]
        if not applicable:
            return None
        # The sentences closest to what was asked ("想上市或者发债") come first; then every sentence the finder
        # lists for the industry, in document order, exactly as `kb requirements` shows them.
        ranked = self.score_sentences(intent, hits)
        floor = max(MIN_SUPPORT, 0.6 * ranked[0].score) if ranked else 1.0
        closest = [s for s in ranked if s.score >= floor and not _is_heading_sentence(s)][:MAX_CLOSEST]
        chosen = list({(s.doc_id, s.clause.label, s.text): s for s in [*closest, *applicable]}.values())
        lead = f"按“{'、'.join(industries)}”查找，文件中适用的规定如下（最相关的在前）："
        return self._compose(intent, hits, chosen[:MAX_ENTERPRISE_ITEMS], lead=lead, numbered=len(chosen) > 1)

    def _deadline_list_answer(self, intent: QuestionIntent, hits: Sequence[Hit]) -> Answer | None:
        """"哪些到2025年要实现的目标": every sentence with that deadline and a number, across all clauses."""
        anchor = _LIST_ANCHOR.search(intent.text)
        if not anchor or not re.search(r"目标|指标|任务", intent.text):
            return None
        heading_words = [c.heading for d in self.snapshot.documents.values() for c in d.clauses
                         if c.heading and len(c.heading) >= 4 and c.heading in intent.text]
        chosen = self._sentences_where(
            lambda clause, text: anchor.group(0) in text and bool(_NUMBER.search(text))
            and (not heading_words or clause.heading in heading_words or any(h in text for h in heading_words)))
        if not chosen:
            return None
        return self._compose(intent, hits, chosen[:MAX_LIST_ITEMS], lead="文件中涉及这一问题的规定如下：",
                             numbered=len(chosen) > 1)

    def _outline_answer(self, intent: QuestionIntent, hits: Sequence[Hit]) -> Answer | None:
        """"保障措施有哪些？": a clause named by its heading whose children are the answer."""
        for doc_id, doc in self.snapshot.documents.items():
            for parent in doc.clauses:
                if not parent.heading or len(parent.heading) < 4 or parent.heading not in intent.text:
                    continue
                children = [c for c in doc.clauses
                            if len(c.path) == len(parent.path) + 1 and c.path[:len(parent.path)] == parent.path]
                if children and all(c.sentences for c in children):
                    chosen = [ScoredSentence(doc_id, c, c.sentences[0].text.strip(), 1.0, 0) for c in children]
                    lead = f"“{parent.heading}”包括以下方面："
                    return self._compose(intent, hits, chosen, lead=lead, numbered=True)
        return None

    def _unnamed_responsible(self, intent: QuestionIntent, hits: Sequence[Hit], best: ScoredSentence) -> Answer:
        meta = self.snapshot.documents[best.doc_id].meta
        doc = self.snapshot.documents[best.doc_id]
        general = next((ScoredSentence(best.doc_id, c, s.text.strip(), 0.0, 0) for c in doc.clauses
                        for s in c.sentences if _GENERAL_RESPONSIBILITY.search(s.text)), None)
        lead = f"文件未明确牵头部门{marker(meta, best.clause.label)}。"
        chosen = [best] + ([general] if general and general.clause.label != best.clause.label else [])
        return self._compose(intent, hits, chosen, lead=lead)

    def _metadata_answer(self, intent: QuestionIntent, hits: Sequence[Hit]) -> Answer | None:
        doc = self.snapshot.documents[hits[0].doc_id]
        meta = doc.meta
        preamble, signature = doc.clause("序言"), doc.clause("落款")
        field = intent.metadata_field
        statement, quote_in, quote = "", preamble, ""
        if field == "doc_number" and meta.doc_number:
            statement, quote = f"该文件的文号是{meta.doc_number}", meta.doc_number
        elif field == "issuer" and meta.issuer:
            statement, quote_in, quote = f"该文件由{meta.issuer}印发", signature, meta.issuer
        elif field == "date" and meta.date:
            year, month, day = (int(p) for p in meta.date.split("-"))
            quote = f"{year}年{month}月{day}日"
            statement, quote_in = f"该文件的成文日期是{quote}", signature
        elif field == "implements" and meta.implements:
            quote = meta.implements[0]
            statement = f"该文件是为贯彻落实{quote}而制定的"
        elif field == "title" and meta.title:
            statement = f"该文件的标题是《{meta.title}》"
            quote = preamble.sentences[0].text if preamble and preamble.sentences else ""
        elif field == "recipients" and preamble:
            quote = next((ln for ln in preamble.text.splitlines() if ln.rstrip().endswith("：")), "").strip()
            statement = f"该文件的主送单位是{quote.rstrip('：')}" if quote else ""
        if not statement or quote_in is None or quote not in quote_in.text:
            return None
        source = next((s.text for s in quote_in.sentences if quote in s.text), quote)
        text = f"{statement}{marker(meta, quote_in.label)}。"
        citation = Citation(doc=meta.citation_name, doc_title=meta.title, clause=quote_in.label,
                            heading=quote_in.heading, quote=source.strip(), score=1.0)
        return Answer(question=intent.text, status=AnswerStatus.ANSWERED, text=text, citations=(citation,),
                      retrieved=tuple(hits))

    def _unloaded_reference(self, doc_number: str) -> str:
        for doc in self.snapshot.documents.values():
            if doc_number in doc.text:
                return (f"{doc_number}被{doc.meta.citation_name}引用，但其全文未收录在知识库中；"
                        f"可用 `kb add 文件或网址` 添加后再问")
        return f"{doc_number}未收录在知识库中；可用 `kb add 文件或网址` 添加后再问"

    def _not_found(self, intent: QuestionIntent, hits: Sequence[Hit], reason: str) -> Answer:
        related = "；".join(f"{h.citation_name} {h.clause_label}（{h.heading or '无标题'}）" for h in hits[:3])
        text = "现有文件中没有找到能回答这个问题的规定" + (f"：{reason}。" if reason else "。")
        if related:
            text += f"可能相关的条款：{related}。"
        return Answer(question=intent.text, status=AnswerStatus.NOT_FOUND, text=text, citations=(), retrieved=tuple(hits))
