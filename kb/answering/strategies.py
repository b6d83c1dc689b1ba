"""The extractive answer strategies, as a table.

Each strategy is declared once with its trigger (what the question asks), the evidence it needs and the shape of
its answer; `STRATEGIES` lists them in the order they are tried. A strategy returns an answer or None (it had no
evidence: the next one is tried). Strategies after `GATE` only run when the retrieved sentences support an answer at
all (the evidence gate); the last one, `quote`, always answers or refuses with the detail that is missing.

Strategies read the retrieved hits (and, for lists of a named clause, the documents those hits belong to), never
the whole corpus. Sentences of one answer come from one document, the one whose sentence answers best, unless the
question compares documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from typing import TYPE_CHECKING

from kb.analysis.penalties import (article_label, breached_clause, cited_conduct, conduct_core, provision_label,
                                   provision_references, stated_conduct)
from kb.answering import tuning
from kb.answering.compose import UNNAMED_HEDGE, compose, marker, not_found
from kb.answering.evidence import (PAPERS, SPANS, ScoredSentence, SentenceScorer, is_item, kinds_of,
                                   lists_noun, quantities_of, states_amount)
from kb.answering.intent import (COMPULSION, FRAME_WORDS, PLACES, QuestionIntent, analyse, asked_act, asked_conduct,
                                 asked_part)
from kb.answering.parts import question_parts
from kb.answering.records import of_the_asked_genre, recorded
from kb.answering.structure import (MIN_HEADING_CHARS, asked_clause, asked_count, asked_division, asks_for_division,
                                    counted_divisions, counted_parts, defines, headed_clauses, holds,
                                    is_division)
from kb.documents.normalize import chinese_count
from kb.search.mentions import documents_named
from kb.schema import (PREAMBLE_LABEL, SIGNATURE_LABEL, Answer, AnswerStatus, Citation, Clause, Hit, ObligationType,
                       ParsedDocument, RetrievalMode)
from kb.store.snapshot import Snapshot
from kb.text.bodies import find_bodies, find_duty_holders, find_parties, is_responsibility_note, names_body
from kb.text.provisions import PENALTY_CUE
from kb.text.numerals import QuantityKind

if TYPE_CHECKING:
    from kb.analysis.requirements import Requirement

INFO_LABEL = "题注"  # the passage lines under a law's title, as Chinese legal writing calls them
FIRST_PARAGRAPH = "第一款"
_LIST_ANCHOR = re.compile(r"20\d\d年|“十[四五六]五”")
_GENERAL_RESPONSIBILITY = re.compile(r"职责分工|分工负责|各负其责|抓落实")
# Not 不能: in laws it says what cannot be done ("不能改造或者逾期不改造的…", "暂时不能利用的矿产"), not what is forbidden.
# "本条例施行后，不再新建地方…市场" rules out what it names; "不再具备…条件的" only tells of a state.
_NO_LONGER = re.compile(r"不再(?!具备|具有|符合|满足|属于|是|有|能|需要)")
_PROHIBITION = re.compile(rf"不得|禁止|严禁|不准|不允许|不应当|{_NO_LONGER.pattern}")
_DUTY = re.compile(r"应当|必须|须|应|负责")
_PERMISSION = re.compile(r"可以|允许|有权|鼓励|支持")
# "逾期未改正的，可以缓拨…", "情节严重的，可以…责令停业整顿": what an authority may do to whom breaks a rule is a
# sanction, not a permission.
_SANCTION_CONDITION = re.compile(r"[^，。；]*(?:违反|未|逾期|拒不|不按|情节|造成)[^，。；]*的，")
# A proviso (但书) after a rule; a sentence with a modal verb of its own is another rule, whatever it excepts
# ("…不得出租设备，经批准的除外。").
_PROVISO = re.compile(r"^(?:但是|但)[，,\u4e00-\u9fff]|^(?![^。；]*(?:不得|禁止|应当|可以))[^。；]{0,40}除外[。；]?$")
_EXCEPTED = re.compile(r"的除外[。；;]?$|另有规定的除外|^除[^，,。；]{2,40}外[，,]")
_HEDGEABLE = ("不可以", "可以", "需要", "不需要")  # verdicts an exception qualifies
_REFERS_BACK = re.compile(r"^(?:不符合|未达到|达不到|超过|违反)(?:该|上述|前述|相关|规定的)?(?:标准|规定|要求|限值|条件)的[，,]")
# The persons in charge punished after their unit: in a sentence of their own, or for a unit's punished breach
# ("…因本条第一款规定的违法行为受到处罚的，对其直接负责的主管人员…"); not when a body's failure is punished only so.
_NAMES_PERSONS_IN_CHARGE = re.compile(r"对(?:其|该单位|单位)?直接负责的主管人员")
_PERSONS_IN_CHARGE = re.compile(rf"(?:^|受到?(?:行政)?处罚的[，,]){_NAMES_PERSONS_IN_CHARGE.pattern}")
_ASKS_ABOUT_PERSONS = re.compile(r"人员|负责人|主管|法定代表人|个人|员工|老板|经理")
_ASKS_ABOUT_PERSONS_IN_CHARGE = re.compile(r"直接负责的主管人员|直接责任人员|主管人员|负责人")
_SUFFERED_ORDER = re.compile(rf"被(?:依法)?(?:{PENALTY_CUE.pattern})")
_ASKS_THE_UNIT_TOO = re.compile(r"分别|各自|单位[^，。？?]{0,6}罚")
# "由从业者负责", "由本单位负责", "由建设单位承担": the grammar that assigns a task, whoever it assigns it to.
_ASSIGNS_RESPONSIBILITY = re.compile(r"由[\u4e00-\u9fff]{2,12}?(?:负责|承担)")
# A who question may ask for a body in particular; "由谁负责" is answered by whoever the duty binds.
_ASKS_ROLE_OF_BODIES = re.compile(r"(责任|牵头|配合|主办|协办)(?:单位|部门)")  # a 方案's "责任单位：…" line
_ASKS_FOR_A_BODY = re.compile(r"(?:哪个|哪些|哪一级|哪级|什么)(?:部门|机关|政府|主管部门)")
_BINDS = ("应当", "必须", "须", "负责", "承担")
_ASKS_TO_SKIP = re.compile(r"能不能不|可不可以不|(?:可以|能否|可否|允许|是否可以|(?<!不)能)不(?![能可])|不用|不必|免(?:于|除|检|交|缴|办|予)|"
                           r"(?:可以|能否|可否|是否可以)[^。？?，,、]{1,12}、不(?![能可行得])")  # 可以只在内部掌握、不对外公布吗
_SANCTIONED_CONDUCT = re.compile(r"的[，,](?:由|处|依法|责令|没收|给予)")
# What a provision leaves out of what it grants: "个人自用充电桩不在补贴范围内", "…不纳入支持范围", "…不予补贴".
_EXCLUDES = re.compile(r"不(?:在|属于|纳入|列入)[^，。；]{0,20}范围|不予(?:补贴|补助|奖励|资助|支持)")
_ALLOWS_OR_FORBIDS = re.compile(f"{_PROHIBITION.pattern}|{_EXCLUDES.pattern}|{_PERMISSION.pattern}")
_ENCOURAGES = re.compile(r"鼓励|支持")
# What a law leaves to choice: it encourages it or lets it be done of one's own will ("可以根据自愿原则…申请").
_LEAVES_TO_CHOICE = re.compile(r"鼓励|提倡|倡导|自愿")
_DUTY_OR_CHOICE = re.compile(f"{_DUTY.pattern}|{_LEAVES_TO_CHOICE.pattern}")
_RULES = re.compile(f"{_PROHIBITION.pattern}|可以|允许|有权|{_DUTY.pattern}")
_ASKS_DUTY = re.compile(r"要不要|需不需要|是否(?:需要|必须|应当|要)|必须.{0,30}吗|应当.{0,30}吗|用不用|得不得|"
                        + COMPULSION.pattern)
# A duty stated without its subject: a condition then the modal verb ("…的，应当及时修剪"), or the modal first.
_SUBJECTLESS_DUTY = re.compile(r"(?:[^。；]*?的，)?(?:应当|必须|不得)")
_INTRODUCES_ITEMS = ("：", ":")
_LEADS_INTO_TEXT = re.compile(r"如下[^，。；：]{0,10}[：:。]?$")  # "现将有关事项通知如下：", "提出如下实施意见。"
# A cover letter's "《…方案》已经市政府同意，现印发给你们，请认真贯彻执行。": it issues the text, and says not even why.
_ISSUES_TEXT = re.compile(r"(?:印发|转发)给你们")
# Why, and on what basis ("根据什么制定的": a 通告 names its basis where it leads into its text).
_ASKS_PURPOSE = re.compile(r"目的|为什么|为何|为了什么|宗旨|出发点|(?:根据|依据|依照)(?:什么|哪些|哪部|哪个)|依据是什么|"
                           r"法律依据")
_STATES_PURPOSE = re.compile(r"^(?:第[一二三四五六七八九十百零〇]+条\s*)?为了?[^。]{2,200}?"
                             r"制定本(?:法|条例|规定|办法|细则|意见|方案|通知)")
# Who a permission question asks about: the actor noun right before its modal words ("省里的部门能不能…").
_ASKED_ACTOR = re.compile(r"(部门|政府|单位|企业|公司|机构|平台|个人|经营者)(?:能不能|能否|可不可以|可以|是否|有没有权|有权)")
_DEFINED_AFTER_SUOCHENG = re.compile(r"所称[“]?([\u4e00-\u9fff]{2,12}?)[”]?[，,]?(?:是指|指|包括|系指)")
_DEFINED_ITEM = re.compile(r"^(?:[（(][一二三四五六七八九十]+[)）])\s*([\u4e00-\u9fff]{2,12}?)[，,：:]")
_TERMS_LEAD = re.compile(r"用语的含义|用语含义|术语|下列用语")
# What a law leaves to other rules, in its supplementary provisions ("公共汽车客运的经营和管理按照有关规定执行"), or to
# a body ("水力发电对本法的适用，由国务院能源主管部门规定").
_REFERRED = re.compile(r"按照(?:国家)?有关规定执行|另行规定|另有规定|的适用[，,]由[^。；]{2,40}规定")
_SCOPE_CUE = re.compile(rf"适用本|适用于|本(?:法|条例|规定|办法)适用|不适用|适用其规定|从其规定|参照本|{_REFERRED.pattern}")
# A breach other laws already sanction is handled by them: "…法律、法规已有处理规定的，从其规定".
_DEFERS_SANCTION = re.compile(r"已有(?:处罚|处理|法律责任)?规定的[，,](?:适用其规定|从其规定|依照其规定)")
_YES_NO_SCOPE = re.compile(r"适不适用|是否适用|适用[^，。？?]{0,40}吗")
# Who must follow the document, as a law's first articles say it.
_FOLLOWS_THE_LAW = re.compile(r"(?:遵守|依照|执行)本(?:法|条例|规定|办法)")
# What a document applies to, not what it does not (不适用).
_APPLIES = re.compile(f"(?<!不)适用(?:于|本)|{_FOLLOWS_THE_LAW.pattern}")


@dataclass(frozen=True)
class Strategy:
    name: str
    trigger: Callable[[QuestionIntent], bool]
    answer: Callable[["AnswerContext"], Answer | None]
    evidence: str  # what it needs from the retrieved clauses
    shape: str  # what its answer looks like


class AnswerContext:
    """One question's retrieved hits and the evidence read from them, computed once and shared by the strategies."""

    def __init__(self, snapshot: Snapshot, scorer: SentenceScorer, intent: QuestionIntent,
                 hits: Sequence[Hit]) -> None:
        self.snapshot = snapshot
        self.scorer = scorer
        self.intent = intent
        self.hits = hits

    @cached_property
    def ranked(self) -> list[ScoredSentence]:
        # (A question answers nothing: a 政策问答 heads each answer with the question it answers, "5．向哪个部门申请？",
        # whose words count in its clause's heading.)
        return [s for s in self.scorer.score(self.intent, self.hits)
                if not self._only_leads_in(s) and not s.text.endswith(("？", "?"))]

    @cached_property
    def supported(self) -> bool:
        """The evidence gate: the question's words are in the best sentences, or the best clause means the same."""
        if not self.ranked:
            return False
        close = max(s.lexical for s in self.ranked) >= tuning.MIN_SUPPORT or self.means_the_question(self.ranked[0])
        return close and self.holds_the_matter

    @property
    def holds_the_matter(self) -> bool:
        """The best sentence's provision (its heading, the lead-in of its item) names something the question is
        about, not only its frame (条件, 材料, 批准, 罚款…): "新生儿落户需要准备哪些材料" is not answered by "申请材料不齐
        全的，…". A question whose matter no document names (all everyday words) is left to the gate's other
        evidence."""
        matter = self.scorer.matter_words(self.intent)
        best = self.ranked[0]
        provision = f"{best.clause.heading} {self.scorer.lead_in(best.doc_id, best.clause)} {best.clause.text}"
        return not matter or any(word in provision for word in matter)

    def means_the_question(self, sentence: ScoredSentence) -> bool:
        """Its clause is as close in meaning as the evidence gate asks (colloquial words: 打火机 for 火种)."""
        return sentence.rank > 0 and self.hits[sentence.rank - 1].scores.get(
            RetrievalMode.DENSE, 0.0) >= tuning.MIN_DENSE_SUPPORT

    @cached_property
    def contenders(self) -> list[ScoredSentence]:
        """The best sentence and the close runners-up that may hold the asked detail instead, then the other
        sentences of the best clauses: a provision's detail (its time limit, its amount) often stands in a sentence
        of its own that repeats few of the question's words."""
        best = self.ranked[0].score
        close = [s for s in self.ranked[:tuning.MAX_CONTENDERS] if s.score >= tuning.CONTENDER_SHARE * best]
        best_clauses = list(dict.fromkeys((s.doc_id, s.clause.label) for s in close))[:tuning.SIBLING_CLAUSES]
        # (A plan's phase is dated in its heading, "（一）启动阶段（2026年3月—6月）。": it says when for the phase's tasks,
        # though it repeats none of their words.)
        siblings = [s for s in self.ranked if (s.doc_id, s.clause.label) in best_clauses and s not in close
                    and (s.lexical >= tuning.MIN_SUPPORT or self._asks_when and s.clause.is_heading_sentence(s.text))]
        return close + siblings

    @cached_property
    def complete(self) -> ScoredSentence | None:
        """The best contender that holds every detail the question asks for; a sentence that only names its clause
        ("（二）主要目标。") answers nothing, unless the question asks when and the heading holds it: a plan's phases
        are dated in their headings ("（一）启动阶段（2024年3月—6月）。")."""
        return next((s for s in self.contenders if not self.scorer.missing_detail(self.intent, s)
                     and (not s.clause.is_heading_sentence(s.text) or self._asks_when)), None)

    @property
    def _asks_when(self) -> bool:
        return self.intent.wants_time and not self.intent.wants_duration

    def _only_leads_in(self, sentence: ScoredSentence) -> bool:
        """"为做好2024年夏季…工作，现将有关事项通知如下：" leads into the text: it answers why the document was written,
        not what is to be done or when (its year names the work), which the text it leads into says; a cover letter's
        "…现印发给你们" issues the text and answers neither; nor does a 方案's "为推进城镇老旧小区改造，…，制定本方案。",
        which says why it was made. (Not "…名录如下：" in an article, which lists it.)"""
        return sentence.clause.label == PREAMBLE_LABEL and (_ISSUES_TEXT.search(sentence.text) is not None or (
            (_LEADS_INTO_TEXT.search(sentence.text) is not None or _STATES_PURPOSE.search(sentence.text) is not None)
            and not _ASKS_PURPOSE.search(self.intent.text)))

    def from_document_of(self, best: ScoredSentence, items: Sequence[ScoredSentence]) -> list[ScoredSentence]:
        """Only the sentences of `best`'s document, unless the question compares documents."""
        return list(items) if self.intent.compare else [s for s in items if s.doc_id == best.doc_id]

    @cached_property
    def documents(self) -> list[ParsedDocument]:
        """The documents of the retrieved hits, best first."""
        ids = dict.fromkeys(h.doc_id for h in self.hits)
        return [self.snapshot.documents[d] for d in ids if d in self.snapshot.documents]

    def compose(self, chosen: Sequence[ScoredSentence], lead: str = "", numbered: bool = False,
                items: bool = True) -> Answer:
        chosen = self.with_items(chosen) if items else chosen
        return compose(self.snapshot, self.intent, self.hits, self.with_provisos(chosen), lead, numbered)

    def rule(self, chosen: Sequence[ScoredSentence], verdict: str, items: bool = True) -> Answer:
        """The verdict before the provision that rules; "原则上…，但有例外" when the ruling sentence makes an exception
        ("…，但涉及商业秘密的除外") or a proviso follows it ("…不得占用、拆除。但是，因…建设需要的除外。"), "原则上…"
        when it rules only in principle: the bare verdict would overstate it."""
        if verdict == _PUNISHED and not self.names_the_asked_act(chosen):
            return self.compose(chosen, items=items)  # quoted, without a verdict on another act
        ruling = chosen[0]
        following = [s for s in self.with_provisos([ruling])[1:] if _PROVISO.match(s.text)]  # a proviso after it
        if verdict.startswith(_HEDGEABLE) and (following or _EXCEPTED.search(ruling.text)):
            verdict = f"原则上{verdict}，但有例外"
        elif verdict.startswith(_HEDGEABLE) and "原则上" in ruling.text:  # "原则上不再新增…产能": no exception named
            verdict = f"原则上{verdict}"
        # "不符合标准的，不得用于营运" rules by a standard the sentence before names ("…制定…燃料消耗量限值标准；"):
        # quoted alone it does not say which.
        at = _position(ruling)
        if at > 0 and _REFERS_BACK.match(ruling.text):
            chosen = [self.sentence(ruling.doc_id, ruling.clause, at - 1), *chosen]
        return self.compose(chosen, lead=f"{verdict}：", items=items)

    def names_the_asked_act(self, chosen: Sequence[ScoredSentence]) -> bool:
        """Whether the provisions quoted hold the verb of the act asked about, or a formal word for it: "可以卖孔明灯
        吗" is not answered 不可以 by the penalty for lighting one, which holds the lamp, not the sale. Only a penalty's
        verdict is held to this (dev: the 3 of 5 that lacked the verb were all wrong); a prohibition or duty is often
        worded apart from the question's everyday verb (配个司机 for 提供驾驶劳务, 叫 for 动员): 28 right verdicts on
        the dev split would go. A question whose act has no verb of its own ("野外烧纸可以吗") passes."""
        verbs = [v for v in self.scorer.tokenizer.verbs(asked_act(self.intent.text)) if v not in _FRAME_VERBS]
        if not verbs:
            return True
        text = "".join(s.text for s in chosen)
        return any(v in text or any(w in text for w in self.scorer.tokenizer.expand_query(v).split()[1:])
                   for v in verbs)

    def with_provisos(self, chosen: Sequence[ScoredSentence]) -> list[ScoredSentence]:
        """A rule is quoted with the proviso (但书) that follows it ("调查结果应当公布；但是，国家规定需要保密的内容
        除外。"): without it the quote says more than the law does."""
        expanded: dict[tuple[str, str, str], ScoredSentence] = {}
        for item in chosen:
            expanded.setdefault((item.doc_id, item.clause.label, item.text), item)
            at = _position(item)
            following = item.clause.sentences[at + 1].text.strip() if 0 <= at < len(item.clause.sentences) - 1 else ""
            if following and _qualifies(item.text, following):
                proviso = self.sentence(item.doc_id, item.clause, at + 1)
                expanded.setdefault((item.doc_id, item.clause.label, proviso.text), proviso)
        return list(expanded.values())

    def with_items(self, chosen: Sequence[ScoredSentence]) -> list[ScoredSentence]:
        """A sentence that introduces items ("明确下列事项：", "有权采取下列措施：") is quoted with them: the items are
        what it says."""
        expanded: dict[tuple[str, str, str], ScoredSentence] = {}
        for item in chosen:
            expanded.setdefault((item.doc_id, item.clause.label, item.text), item)
            if item.text.endswith(_INTRODUCES_ITEMS) and item.clause.text.rstrip().endswith(item.text):
                doc = self.snapshot.documents[item.doc_id]
                for child in _items(doc, item.clause)[:tuning.MAX_LIST_ITEMS]:
                    quoted = self.sentence(item.doc_id, child)
                    if quoted is not None:
                        expanded.setdefault((item.doc_id, child.label, quoted.text), quoted)
        return list(expanded.values())

    def paragraph_from(self, first: ScoredSentence, limit: int) -> list[ScoredSentence]:
        """`first` and the sentences of its paragraph after it, at most `limit` in all: a 决定's or 意见's item may hold
        several paragraphs, each its own provision ("四、违反本决定第一条规定…罚款。" then "违反本决定第二条规定…")."""
        clause = first.clause
        at = clause.text.find(first.text)
        start = clause.start + at
        end = clause.text.find("\n", at + len(first.text))
        end = clause.start + (end if end >= 0 else len(clause.text))
        following = [ScoredSentence(first.doc_id, clause, s.text.strip(), first.score, first.rank)
                     for s in clause.sentences if start < s.start < end and s.text.strip()]
        return [first, *following[:limit - 1]]

    def refuse(self, reason: str) -> Answer:
        return not_found(self.intent, self.hits, reason)

    def sentence(self, doc_id: str, clause: Clause, index: int = 0) -> ScoredSentence | None:
        if not clause.sentences:
            return None
        return ScoredSentence(doc_id, clause, clause.sentences[index].text.strip(), 1.0, 0)


_PUNISHED = "不可以，文件对这种行为规定了处罚"
_ALTERNATIVE = "或者"  # between two kinds of conduct an item of a penalty punishes
MIN_ALTERNATIVE_CHARS = 4  # "在树木上刻画" is a kind of conduct; "其他" is not
# The verbs of asking leave, not of the act asked about ("能不能", "可以…吗", "需不需要", "是否允许").
_FRAME_VERBS = frozenset("""能 能够 不能 可以 可 允许 准许 准 行 行不行 要 需要 得 应该 应当 必须 是 有 没有 让 会 想 去 来 用
进行 开展 算 属于 违法 合法 违规 合规 管 不管""".split())
# A special case's own time limit after the rule's ("…应当在十五日内作出处理…。情况复杂的，应当在三十日内作出处理并回复。").
_SPECIAL_CASE = re.compile(r"^[^，。；]{2,20}的[，,]")


def _qualifies(rule: str, following: str) -> bool:
    """Whether the sentence after a rule qualifies it: a proviso, or the longer time limit a special case gets (quoted
    alone, the rule's limit would be said to hold in every case)."""
    return bool(_PROVISO.match(following)) or bool(
        _SPECIAL_CASE.match(following) and quantities_of(rule, SPANS) and quantities_of(following, SPANS))


def _position(sentence: ScoredSentence) -> int:
    """Where the sentence stands in its clause, or -1 when it is not one of the clause's own sentences."""
    return next((i for i, s in enumerate(sentence.clause.sentences) if s.text.strip() == sentence.text), -1)


# -- before the evidence gate ---------------------------------------------------------------------------------------
def unloaded_reference(ctx: AnswerContext) -> Answer | None:
    loaded = {d.meta.doc_number for d in ctx.snapshot.documents.values()}
    missing = [n for n in ctx.intent.doc_numbers if n not in loaded]
    if not missing:
        return None
    citing = next((d for d in ctx.documents if missing[0] in d.text), None)
    if citing:
        return ctx.refuse(f"{missing[0]}被{citing.meta.citation_name}引用，但其全文未收录在知识库中；"
                          "可用 `kb add 文件或网址` 添加后再问")
    return ctx.refuse(f"{missing[0]}未收录在知识库中；可用 `kb add 文件或网址` 添加后再问")


# The document a metadata question asks about, named before 是 / 由 ("…管理办法由哪个部门制定"); "这个文件", "本条例"
# point at a loaded one.
_DOCUMENT_ASKED_ABOUT = re.compile(r"([\u4e00-\u9fff]{2,30}?(办法|规定|条例|意见|通知|法|规划|方案|细则))(?:是|由)")
_DEICTIC = ("本", "该", "这", "此", "那", "上述")
def asked_article(ctx: AnswerContext) -> Answer | None:
    """The clause the question asks for by its label (an article by number, a 意见's 二（一）4), whole, from the
    document named (else the best retrieved document that has it): its paragraphs and items in order."""
    asked = asked_clause(ctx.intent.text)
    if asked is None:
        return None
    for doc in ctx.documents:
        sentences = [s for s in _sentences_of(ctx, [doc]) if holds(asked, s.clause.label)]
        if sentences:
            return ctx.compose(sentences[:tuning.MAX_ARTICLE_SENTENCES], items=False)
    return None


def _asks_about_an_unloaded_document(ctx: AnswerContext) -> bool:
    """"重点生态功能区转移支付管理办法由哪个部门制定": the 办法 is one a loaded text mentions, not a loaded document:
    who makes it is a provision of that text, not document information."""
    subject = _DOCUMENT_ASKED_ABOUT.search(ctx.intent.text)
    if not subject or subject.group(1).startswith(_DEICTIC) or len(subject.group(1)) - len(subject.group(2)) < 4:
        return False  # "这个文件", "本条例", "实施意见": the loaded document itself
    # (Two loaded documents may share the name, "成都市…办法" and "江州市…办法": either is loaded.)
    return not documents_named(subject.group(1), ctx.snapshot) and not any(
        subject.group(1) in doc.meta.title for doc in ctx.snapshot.documents.values())


def metadata(ctx: AnswerContext) -> Answer | None:
    """文号, issuer, dates, the implemented document, title, addressees; for laws the passage lines (题注). The
    document is the best retrieved one that records the asked field (a law has no 成文日期, an 意见 no 题注)."""
    if _asks_about_an_unloaded_document(ctx):
        return None
    found = ((doc, *recorded(doc, ctx.intent.metadata_field, ctx.intent.text))
             for doc in of_the_asked_genre(ctx.intent.text, ctx.documents))
    doc, statement, clause, quote = next(
        ((d, s, c, q) for d, s, c, q in found if s and (c is None or q in c.text)), (None, "", None, ""))
    if doc is None:
        # A law has no 文号 and its passage lines may not name the 令 that promulgated it: no article says either.
        if ctx.intent.metadata_field == "doc_number" or (ctx.intent.metadata_field == "passage"
                                                         and "令" in ctx.intent.text):
            return ctx.refuse("文件没有记载这一信息")
        return None
    meta = doc.meta
    if clause is None:  # a passage line: document information, cited as the 题注
        label, heading, source = INFO_LABEL, "", quote
    else:
        label, heading = clause.label, clause.heading
        source = next((s.text for s in clause.sentences if quote in s.text), quote).strip()
    citation = Citation(doc=meta.citation_name, doc_title=meta.title, clause=label, heading=heading, quote=source,
                        score=1.0)
    return Answer(question=ctx.intent.text, status=AnswerStatus.ANSWERED,
                  text=f"{statement.rstrip('。')}{marker(meta, label)}。", citations=(citation,),
                  retrieved=tuple(ctx.hits))


def enterprise(ctx: AnswerContext) -> Answer | None:
    """Enterprise questions use the requirements finder, so that the chat and the table never disagree."""
    from kb.analysis.requirements import requirement_sources
    from kb.analysis.vocabulary import match_industries

    industries = match_industries(ctx.intent.text)
    if not industries:
        return None
    # The requirements of the retrieved documents (the 企业合规 page and `kb requirements` list them all): first
    # those that bind a party, not a government body (重点排放单位应当…, 生产经营单位不得…), in document order; a law
    # about one industry names it in every article, its purpose, scope and the authorities' duties too.
    sources = list(islice(requirement_sources(ctx.documents, industries), tuning.MAX_ENTERPRISE_SOURCES))
    sources.sort(key=lambda source: not _binds_a_party(source[2]))
    applicable = [ScoredSentence(doc.meta.doc_id, clause, row.sentence.strip(), 1.0, 0)
                  for doc, clause, row in sources[:tuning.MAX_ENTERPRISE_ITEMS + tuning.MAX_CLOSEST]]
    if not applicable:
        return None
    # The sentences closest to what was asked ("想上市或者发债") come first; then every sentence the finder lists for
    # the industry, in document order, exactly as `kb requirements` shows them.
    ranked = ctx.ranked
    floor = max(tuning.MIN_SUPPORT, tuning.LIST_SHARE * ranked[0].score) if ranked else 1.0
    closest = [s for s in ranked if s.score >= floor and not s.clause.is_heading_sentence(s.text)][:tuning.MAX_CLOSEST]
    chosen = list({(s.doc_id, s.clause.label, s.text): s for s in [*closest, *applicable]}.values())
    lead = f"按“{'、'.join(industries)}”查找，文件中适用的规定如下（最相关的在前）："
    return ctx.compose(chosen[:tuning.MAX_ENTERPRISE_ITEMS], lead=lead, numbered=len(chosen) > 1)


_PARTY_OBLIGATIONS = frozenset({ObligationType.BINDING, ObligationType.PROHIBITION, ObligationType.PERMISSION})


def _binds_a_party(row: Requirement) -> bool:
    """A duty, prohibition or leave of a party the law regulates, not of a government body."""
    return row.obligation in _PARTY_OBLIGATIONS and bool(row.holder) and not any(names_body(h) for h in row.holder)


def _children(doc: ParsedDocument, parent: Clause) -> list[Clause]:
    return [c for c in doc.clauses if len(c.path) == len(parent.path) + 1 and c.path[:len(parent.path)] == parent.path]


def _items(doc: ParsedDocument, parent: Clause) -> list[Clause]:
    """The items a clause's last sentence introduces ("明确下列事项：" → （一）…). An article with several 款 keeps its
    first 款 in its own clause, so that 款's items sit one level deeper (第九条 → 第九条第一款第（一）项)."""
    first_paragraph = (*parent.path, FIRST_PARAGRAPH)
    if not doc.clause("".join(first_paragraph)):
        nested = [c for c in doc.clauses if len(c.path) == len(first_paragraph) + 1
                  and c.path[:len(first_paragraph)] == first_paragraph]
        if nested:
            return nested
    return _children(doc, parent)


def division_contents(ctx: AnswerContext) -> Answer | None:
    """"第三章有哪些规定": the articles of the chapter (or section) asked for, each by its first sentence, from the
    named or best retrieved document."""
    for doc in ctx.documents:
        asked = asked_division(ctx.intent.text, doc)
        if asked is None:
            continue
        line, articles = asked
        chosen = [s for c in articles[:tuning.MAX_ARTICLE_SENTENCES] if (s := ctx.sentence(doc.meta.doc_id, c))]
        span = articles[0].label if len(articles) == 1 else f"{articles[0].label}至{articles[-1].label}"
        return ctx.compose(chosen, lead=f"{line}（{span}）的条文如下：", numbered=len(chosen) > 1, items=False)
    return None


def division_count(ctx: AnswerContext) -> Answer | None:
    """"节约用水条例有几章": the count of the named or best retrieved law's chapters (listed) or articles (the last
    one quoted), as its structure has them."""
    unit = asked_count(ctx.intent.text)
    for doc in ctx.documents:
        counted = counted_divisions(doc, unit)
        if not counted:
            continue
        lead = f"{doc.meta.citation_name}共{chinese_count(len(counted))}{unit}"
        if unit == "条":
            last = ctx.sentence(doc.meta.doc_id, counted[-1])
            return ctx.compose([last] if last else [], lead=f"{lead}（{counted[0].label}至{counted[-1].label}），最后一条是：",
                               items=False)
        chosen = [s for c in counted if (s := ctx.sentence(doc.meta.doc_id, c))]
        return ctx.compose(chosen, lead=f"{lead}：", numbered=True, items=False)
    return None


def outline_section(ctx: AnswerContext) -> Answer | None:
    """"保障措施有哪些？": a clause named by its heading whose children are the answer; "工作目标是什么？" (nothing asked
    but its contents): the text of a clause without children."""
    question = ctx.intent.text
    for doc in ctx.documents:
        for parent in headed_clauses(question, doc):
            children = _children(doc, parent)
            named = parent.heading in question  # or only its kind, asked for ("申报…需要什么条件"): its contents
            if not named and is_division(parent.label):  # "…依法承担什么责任" does not ask for the 法律责任 chapter
                continue
            only_contents = _ONLY_ASKS_CONTENTS.match(question[question.find(parent.heading) + len(parent.heading):]) \
                if named else True
            counted = counted_parts(parent.heading, question)
            if children and all(c.sentences for c in children) and (
                    ctx.intent.wants_list or (only_contents or counted) and not is_division(parent.label)):
                chosen = [ScoredSentence(doc.meta.doc_id, c, _opening(c), 1.0, 0) for c in children]
                unit = "个方面" if counted.endswith("方面") else counted
                lead = f"“{parent.heading}”共{chinese_count(len(children))}{unit}：" if counted \
                    else f"“{parent.heading}”包括以下方面："
                return ctx.compose(chosen, lead=lead, numbered=True)
            if not only_contents or is_division(parent.label):  # "…的法律责任是什么" is the penalty strategy's
                continue
            own = [s.text.strip() for s in parent.sentences if s.text.strip() and not parent.is_heading_sentence(s.text)]
            if not children and own:
                chosen = [ScoredSentence(doc.meta.doc_id, parent, text, 1.0, 0) for text in own]
                return ctx.compose(chosen[:tuning.MAX_SECTION_SENTENCES])
    return None


def _opening(clause: Clause) -> str:
    """A clause's first sentence, as a list of its parent's parts shows it; a heading that only names a kind
    ("（一）基础类。") says nothing of what it holds, and the sentence after it is shown with it."""
    first = clause.sentences[0].text.strip()
    if len(clause.sentences) > 1 and clause.is_heading_sentence(first) and len(clause.heading) < MIN_HEADING_CHARS:
        joined = first + clause.sentences[1].text.strip()
        return joined if joined in clause.text else first
    return first


# "…的工作目标是什么？", "保障措施有哪些": the heading's contents and nothing more (not "…有什么时间要求").
_ONLY_ASKS_CONTENTS = re.compile(r"^(?:具体|主要|都|分别)?(?:是什么|是哪些|有哪些|有什么|包括哪些|包括什么|"
                                 r"是怎样的|是怎么样的|是什么样的|怎么走)"
                                 r"(?:地方|内容|方面|事项|情形|东西)?[？?]?$")  # "限行区域包括哪些地方"


def deadline_list(ctx: AnswerContext) -> Answer | None:
    """"哪些到2025年要实现的目标": every sentence of the answering document with that deadline and a value."""
    anchor = _LIST_ANCHOR.search(ctx.intent.text)
    if not anchor or not re.search(r"目标|指标|任务", ctx.intent.text) or not ctx.documents:
        return None
    doc = ctx.documents[0]
    headings = [c.heading for c in doc.clauses if c.heading and len(c.heading) >= 4 and c.heading in ctx.intent.text]
    chosen = [ScoredSentence(doc.meta.doc_id, clause, s.text.strip(), 1.0, 0)
              for clause in doc.clauses if clause.label not in (PREAMBLE_LABEL, SIGNATURE_LABEL)
              for s in clause.sentences
              if anchor.group(0) in s.text and quantities_of(s.text, _TARGET_KINDS)
              and (not headings or clause.heading in headings or any(h in s.text for h in headings))]
    # "发展生态循环农业，到2025年有哪些指标": the targets of the task the question opens with, when sentences name it.
    topic = _ASKING_OR_BREAK.split(ctx.intent.text[:anchor.start()])[0]
    about = [s for s in chosen if len(topic) >= MIN_HEADING_CHARS and topic in s.text]
    chosen = about or chosen
    if not chosen:
        return None
    several = len(chosen) > 1
    return ctx.compose(chosen[:tuning.MAX_LIST_ITEMS], lead="文件中涉及这一问题的规定如下：" if several else "",
                       numbered=several)


_ASKING_OR_BREAK = re.compile(r"有哪些|哪些|有什么|什么|[，,、 ]|到$|在$")
_TARGET_KINDS = frozenset({QuantityKind.PERCENT, QuantityKind.COUNT, QuantityKind.MEASURE, QuantityKind.MONEY,
                           QuantityKind.RATIO})


def unknown_terms(ctx: AnswerContext) -> Answer | None:
    """A detail question about a word the corpus never uses ("库容是多少"): the detail cannot be in the documents."""
    terms = ctx.scorer.unknown_asked_terms(ctx.intent) + ctx.scorer.unknown_permits(ctx.intent.focus)
    return ctx.refuse(f"文件没有提到{'、'.join(dict.fromkeys(terms))}") if terms else None


# -- after the evidence gate ----------------------------------------------------------------------------------------
def _article_lead(ctx: AnswerContext, item: ScoredSentence) -> ScoredSentence | None:
    """For a paragraph or item of an article, the article's own first sentence ("有下列行为之一的，处…罚款：")."""
    article = article_label(item.clause.label)
    if not article or article == item.clause.label:
        return None
    clause = ctx.snapshot.clause(item.doc_id, article)
    return ctx.sentence(item.doc_id, clause) if clause else None


def _punished_duty(ctx: AnswerContext, penalty: ScoredSentence, conduct: str = "") -> ScoredSentence | None:
    """The duty a penalty punishes: the article named in "违反本条例第X条规定"; else, when it names none ("违反本条例
    规定，伪造、变造、转让排污许可证的，…"), the document's prohibition or duty that states the same conduct
    (`conduct`: the item of conduct quoted, if any)."""
    article = article_label(penalty.clause.label)
    clause = ctx.snapshot.clause(penalty.doc_id, article) if article else penalty.clause
    for text in (penalty.text, clause.text if clause else ""):
        for reference in provision_references(text, ctx.snapshot.documents[penalty.doc_id]):
            # The paragraph or item cited ("第四条第二款"), when it is a clause of its own; else its article.
            duty = (ctx.snapshot.clause(penalty.doc_id, reference)
                    or ctx.snapshot.clause(penalty.doc_id, article_label(reference)))
            if duty is not None and article_label(duty.label) != article:
                return _sentence_stating(ctx, penalty.doc_id, duty, conduct or cited_conduct(penalty.text))
    conduct = conduct or stated_conduct(penalty.text)
    return _duty_stating(ctx, penalty.doc_id, conduct, article or penalty.clause.label) if conduct else None


def _sentence_stating(ctx: AnswerContext, doc_id: str, duty: Clause, conduct: str) -> ScoredSentence | None:
    """The sentence of the cited duty that states the punished conduct: 第六条's "收运单位应当…在收运后24小时内运至处置
    场所" for "未在规定时间内将餐厨垃圾运至处置场所的", not its first sentence "餐厨垃圾应当日产日清"."""
    sentences = [s for s in (ctx.sentence(doc_id, duty, i) for i in range(len(duty.sentences))) if s is not None]
    if len(sentences) < 2 or not conduct:
        return sentences[0] if sentences else None
    weights = ctx.scorer.weights(conduct_core(conduct), expand=False)
    # (max keeps the first of equals: the article's opening sentence unless another states more of the conduct)
    return max(sentences, key=lambda s: SentenceScorer.coverage(weights, s.text))


def _duty_stating(ctx: AnswerContext, doc_id: str, conduct: str, penalty_article: str) -> ScoredSentence | None:
    """The duty or prohibition that states the conduct (kb.analysis.penalties.breached_clause, by idf-weighted words):
    its sentence that holds most of them."""
    weights = ctx.scorer.weights(conduct_core(conduct), expand=False)
    clause = breached_clause(ctx.snapshot.documents[doc_id], conduct, penalty_article,
                             lambda _, text: SentenceScorer.coverage(weights, text), tuning.MIN_CONDUCT_COVERAGE)
    duties = [s for s in (ctx.sentence(doc_id, clause, i) for i in range(len(clause.sentences)))
              if s is not None and (_PROHIBITION.search(s.text) or _DUTY.search(s.text))] if clause else []
    return max(duties, key=lambda s: SentenceScorer.coverage(weights, s.text)) if duties else None


def _breached_duty(ctx: AnswerContext, sentence: ScoredSentence) -> ScoredSentence | None:
    """For an item of conduct under a penalty ("（七）临街工地不设置护栏…的。"), the duty it breaches. An item of two
    alternatives ("（二）在…树木上涂写、刻画或者未经批准张挂、张贴宣传品等的") may breach two provisions, one each (不得…
    涂写、刻画; 张挂…须经批准): when no provision states both, the provision of the alternative most about the
    question."""
    lead = _article_lead(ctx, sentence)
    if lead is None or lead.clause is sentence.clause or not PENALTY_CUE.search(lead.text):
        return None
    duty = _punished_duty(ctx, lead, sentence.text)
    if duty is not None or _ALTERNATIVE not in sentence.text:
        return duty
    alternatives = [breached for conduct in sentence.text.split(_ALTERNATIVE) if len(conduct) >= MIN_ALTERNATIVE_CHARS
                    and (breached := _punished_duty(ctx, lead, conduct)) is not None]
    asked = ctx.scorer.weights(ctx.intent.resolved)
    return max(alternatives, key=lambda s: SentenceScorer.coverage(asked, s.text), default=None)


def penalty(ctx: AnswerContext) -> Answer | None:
    """The 法律责任 provision for the asked conduct: the penalty sentence (with its amount when one is asked), the
    item of conduct it lists when the conduct is an item, and the article of the duty it punishes."""
    breaching = _breaching(ctx, ctx.contenders)
    top = ctx.contenders[0] if ctx.contenders else None
    duty_first = top is not None and not PENALTY_CUE.search(top.text) and bool(
        _PROHIBITION.search(top.text) or _DUTY.search(top.text))
    citing = _penalty_citing(ctx, top) if duty_first else None  # the penalty that punishes it, if any
    # Another party's penalty comes after any for the party asked about (a stable sort keeps the order otherwise).
    ordered = sorted(breaching + [s for s in ctx.contenders if s not in breaching],
                     key=lambda s: _punishes_another_party(ctx, s))
    ordered = _persons_first(ctx, ordered)
    for item in ordered:
        # The asked conduct must be in the sentence, not only its topic: its words, or its meaning when the question
        # is worded colloquially (打火机 for 火种) and it is the best sentence and opens its provision, where a
        # penalty states the conduct ("拒不改正的，处…" states none).
        opens = item.clause.sentences[0].text.strip() == item.text
        # An item that breaches the closest duty needs none of the question's words: the duty holds them.
        # (The best sentence is the closest one, or the closest for the party asked when that one is another's.)
        support = _conduct_support(ctx, item)
        if support < tuning.MIN_SUPPORT and item not in breaching and not (
                (item is ctx.ranked[0] or item is ordered[0]) and opens and ctx.means_the_question(item)):
            continue
        # When the closest provision is the duty itself, a penalty of other conduct sharing far fewer of the words
        # does not punish it ("…投保承运人责任险" is not "道路运输证上载明的单位名称…不一致").
        punishes_top = citing is not None and item.doc_id == citing.doc_id \
            and article_label(item.clause.label) == article_label(citing.clause.label)
        if duty_first and item not in breaching and not punishes_top \
                and support < tuning.MIN_PENALTY_SHARE_OF_DUTY * top.lexical:
            continue
        lead = _article_lead(ctx, item)
        # An item listed under a penalty's lead-in that tells of an order suffered ("（一）…，被责令停止排污，拒不
        # 执行；") states conduct, not a sanction: the lead-in punishes it.
        listed_under = lead is not None and is_item(item.clause.label) and lead.text.endswith(_INTRODUCES_ITEMS) \
            and bool(PENALTY_CUE.search(lead.text))
        sanction = _SUFFERED_ORDER.sub("", item.text) if listed_under else item.text
        penalising = item if PENALTY_CUE.search(sanction) else lead
        if penalising is None or not PENALTY_CUE.search(penalising.text):
            continue
        run = _penalty_run(ctx, penalising)
        if run is None:
            continue
        listed = item is not penalising and item.clause is not penalising.clause
        # A listed item is quoted whole: its later sentences hold its own sanction ("（一）…责令限期整改。逾期未达到
        # 整改要求的，按照…处以罚款").
        chosen = run + (ctx.paragraph_from(item, tuning.MAX_PENALTY_SENTENCES) if listed else [])
        duty = _punished_duty(ctx, penalising, item.text if listed else "")
        further = _further_sanction(ctx, penalising)
        # The asked conduct is the item quoted; the article's other items are other conduct.
        return ctx.compose(chosen + ([further] if further else []) + ([duty] if duty else []),
                           items=item is penalising)
    # The question may name the duty rather than its breach: the 法律责任 article that cites the duty punishes it
    # ("违反本条例第二十九条第二款规定，…处一万元以上五万元以下的罚款").
    for item in ctx.contenders:
        if item.lexical < tuning.MIN_SUPPORT or PENALTY_CUE.search(item.text):
            continue
        citing = _penalty_citing(ctx, item)
        run = _penalty_run(ctx, citing) if citing is not None else None
        if run is not None:
            return ctx.compose([*run, item], items=False)
    # No penalty states the asked conduct: the closest sentence is not quoted as the answer when it is itself a
    # penalty stating none of it ("拒不改正的，处5万元以上10万元以下的罚款" for 宠物狗不拴绳怎么处罚).
    # (A question asking which rules punish it is left to the scope provisions: "…已有处罚规定的，适用其规定".)
    closest = ctx.complete
    if closest is not None and PENALTY_CUE.search(closest.text) and _conduct_support(ctx, closest) < tuning.MIN_SUPPORT \
            and not ctx.intent.wants_scope:
        return ctx.refuse("文件没有规定这一行为的处罚")
    # … nor when it is a duty that no penalty punishes: the document sets it without a sanction.
    if duty_first and closest is top and not ctx.intent.wants_scope:
        return ctx.refuse("文件规定了这一义务，但没有规定违反它的处罚")
    return None


_OF_THE_PARAGRAPH_BEFORE = re.compile(r"^(?:违反|有)?前款")


def _further_sanction(ctx: AnswerContext, penalising: ScoredSentence) -> ScoredSentence | None:
    """The paragraph after a penalty's that adds to it ("违反前款规定的，可以…并处停止新接入车辆…"): part of the
    same penalty, though its own paragraph."""
    doc = ctx.snapshot.documents[penalising.doc_id]
    article = article_label(penalising.clause.label)
    at = next((i for i, c in enumerate(doc.clauses) if c is penalising.clause), None)
    if not article or at is None:
        return None
    for clause in doc.clauses[at + 1:]:
        if article_label(clause.label) != article:
            return None
        if "项" in clause.label:  # the penalty's own items
            continue
        first = ctx.sentence(penalising.doc_id, clause)
        return first if first is not None and _OF_THE_PARAGRAPH_BEFORE.match(first.text) else None
    return None


def _conduct_support(ctx: AnswerContext, item: ScoredSentence) -> float:
    """The sentence's support, counting for a penalty only what it says was done: who did it and who punishes
    (…单位, 由…主管部门) are no conduct ("重点排放单位有下列情形之一的，由生态环境主管部门责令改正…" states none)."""
    if not PENALTY_CUE.search(item.text):
        return item.lexical
    # An item of a penalty article is one conduct, with its own escalations in its later sentences ("…处…罚款；情节
    # 严重的，责令违规车辆停运…"): what it says was done is read in the whole item.
    conduct = item.clause.text if is_item(item.clause.label) else item.text
    for party in find_parties(conduct):
        conduct = conduct.replace(party, " ")
    for body in find_bodies(conduct):  # the body punishing ("由…主管部门责令改正"), not one the conduct is against
        conduct = conduct.replace(f"由{body}", " ")
    return min(item.lexical, ctx.scorer.coverage(ctx.scorer.weights(asked_conduct(ctx.intent.resolved)),
                                                 f"{item.clause.heading} {conduct}"))


def _punishes_another_party(ctx: AnswerContext, item: ScoredSentence) -> bool:
    """The question names who is punished ("建设单位不按建筑节能标准盖房子") and the provision names only others
    ("设计单位、施工单位、监理单位违反建筑节能标准的"): a law punishes each party of a duty in its own provision.
    So are the persons in charge ("…受到处罚的，对其直接负责的主管人员…处…罚款") when the question does not ask
    about persons: the party's own penalty is the one asked."""
    if _PERSONS_IN_CHARGE.search(item.text) and not _ASKS_ABOUT_PERSONS.search(ctx.intent.text):
        return True
    document = ctx.snapshot.documents[item.doc_id].text
    asked = [party for party in find_parties(ctx.intent.focus) if party in document]
    if not asked:
        return False
    text = item.text + ctx.scorer.lead_in(item.doc_id, item.clause)  # an item's party is in its lead-in
    return bool(find_parties(text)) and not any(party in text for party in asked)


def _persons_first(ctx: AnswerContext, ordered: list[ScoredSentence]) -> list[ScoredSentence]:
    """"已被处罚。对该机构直接负责的主管人员个人还要罚多少钱" asks only the persons' penalty, which a law states after
    their unit's in the same article ("…受到处罚的，对其直接负责的主管人员…处…罚款"): it comes first. A question
    asking both ("单位会被罚多少？主管人员又罚多少", "公司和主管人员分别…") keeps the unit's first."""
    question = ctx.intent.text
    if not ordered or not _ASKS_ABOUT_PERSONS_IN_CHARGE.search(question) or _ASKS_THE_UNIT_TOO.search(question):
        return ordered
    # "…，怎么处罚？单位直接负责的主管人员要罚多少？" asks the unit's penalty first; a question after the persons'
    # ("情节严重的，还会有什么后果") is about them.
    asked = [q for q in re.split(r"(?<=[？?])", question) if q.strip()]
    persons_at = next(i for i, q in enumerate(asked) if _ASKS_ABOUT_PERSONS_IN_CHARGE.search(q))
    if any(analyse(q).wants_penalty and q.rstrip().endswith(("？", "?")) for q in asked[:persons_at]):
        return ordered
    first = ordered[0]
    persons = next((s for s in ordered if s.doc_id == first.doc_id and _NAMES_PERSONS_IN_CHARGE.search(s.text)
                    and article_label(s.clause.label) == article_label(first.clause.label)), None)
    return ordered if persons is None else [persons, *(s for s in ordered if s is not persons)]


def _breaching(ctx: AnswerContext, contenders: list[ScoredSentence]) -> list[ScoredSentence]:
    """When the closest provision is the duty itself ("未取得排污许可证的，不得排放污染物" for 无证排污怎么处罚),
    the items of conduct that breach it: they, not the closest penalty of another conduct, are asked."""
    top = contenders[0] if contenders else None
    if top is None or PENALTY_CUE.search(top.text) or not (_PROHIBITION.search(top.text) or _DUTY.search(top.text)):
        return []
    return [s for s in contenders if (duty := _breached_duty(ctx, s)) is not None
            and duty.doc_id == top.doc_id and duty.clause == top.clause]


def _penalty_run(ctx: AnswerContext, penalising: ScoredSentence) -> list[ScoredSentence] | None:
    """A penalty runs on over the sentences of its paragraph ("…责令改正；逾期不改正的，处…罚款；情节严重的，…");
    None when an amount is asked and the run states none."""
    run = ctx.paragraph_from(penalising, tuning.MAX_PENALTY_SENTENCES)
    wants_amount = ctx.intent.wants_money or ctx.intent.wants_number
    if wants_amount and not states_amount("".join(s.text for s in run)):
        return None
    return run


_TOP_LEVEL_LABEL = re.compile(r"[一二三四五六七八九十]+")


def _penalty_citing(ctx: AnswerContext, duty: ScoredSentence) -> ScoredSentence | None:
    """The first penalty sentence of the duty's document that cites the duty's provision (or its whole article), else
    one that states its conduct."""
    doc = ctx.snapshot.documents[duty.doc_id]
    # (A 通告's provision 三 is cited as 第三条: see cited_label.)
    article = article_label(duty.clause.label) or (duty.clause.label if _TOP_LEVEL_LABEL.fullmatch(duty.clause.label)
                                                   else "")
    if not article:
        return None
    cited_as = {duty.clause.label, article}
    penalties = [(clause, index, sentence.text) for clause in doc.clauses
                 if PENALTY_CUE.search(clause.text) for index, sentence in enumerate(clause.sentences)]
    for clause, index, text in penalties:
        if cited_as & set(provision_references(text, doc)):
            return ctx.sentence(duty.doc_id, clause, index)
    # A penalty may restate the duty's conduct instead of citing it ("拒绝、阻碍…依法实施监督检查的，…处…罚款" for
    # "被检查者…不得拒绝、阻碍"): the penalty whose conduct the duty's provision states.
    for clause, index, text in penalties:
        if PENALTY_CUE.search(text) and not provision_references(text):
            penalty = ctx.sentence(duty.doc_id, clause, index)
            punished = _punished_duty(ctx, penalty) if penalty is not None else None
            if punished is not None and punished.clause.label == duty.clause.label:
                return penalty
    return None


def _defines(ctx: AnswerContext, sentence: ScoredSentence, term: str) -> bool:
    """本法所称X，是指…; X，是指…; X（包括…，下同）; or an item of "下列用语的含义：" that opens with X, whatever its
    verb ("（一）野外用火，包括…")."""
    if term not in sentence.text:
        return False
    if defines(sentence.text, term):
        return True
    lead = _article_lead(ctx, sentence)
    opens = re.match(r"^(?:[（(][一二三四五六七八九十]+[)）]|\d+[.．、])?\s*" + re.escape(term) + "[，,：:是]",
                     sentence.text)
    return bool(opens and lead and _TERMS_LEAD.search(lead.text))


def _defined_term(ctx: AnswerContext, sentence: ScoredSentence) -> str:
    """The term a sentence defines ("本法所称X，是指…", an item "（一）X，包括…" of 下列用语的含义), or ""."""
    found = _DEFINED_AFTER_SUOCHENG.search(sentence.text) or _DEFINED_ITEM.match(sentence.text)
    if found is None or not _defines(ctx, sentence, found.group(1)):
        return ""
    return found.group(1)


def _sentences_of(ctx: AnswerContext, documents: Sequence[ParsedDocument]) -> Iterator[ScoredSentence]:
    """The documents' sentences in reading order, read as far as the caller goes (a law's definitions stand
    together in one article, and its scope among its first articles, which retrieval may rank below others)."""
    for doc in documents:
        for clause in doc.clauses:
            for index in range(len(clause.sentences)):
                item = ctx.sentence(doc.meta.doc_id, clause, index)
                if item is not None:
                    yield item


def definition(ctx: AnswerContext) -> Answer | None:
    """"X是指什么": the sentence that defines X (本法所称X，是指…; the items of 下列用语的含义), with the rest of its
    paragraph (a definition may run on: "1个单位碳排放配额相当于…")."""
    best = _definition_of(ctx, ctx.intent.definition_term)
    if best is None:
        return None
    defining = ctx.paragraph_from(best, tuning.MAX_DEFINITION_SENTENCES)
    # "海事部门和气象部门算不算“负有…职责的部门”": a term summing up what its article lists ("…部门，统称…") is
    # answered with the sentence of that article naming what is asked about, before the summing up.
    naming = _naming_the_members(ctx, best)
    return ctx.compose([naming, *defining] if naming is not None and naming not in defining else defining)


_ASKED_MEMBERS = re.compile(r"([^，,。？?：:]{2,40}?)(?:算不算|属不属于|是不是|算是|属于)[“「\"]")
_MEMBER_SEPARATOR = re.compile(r"以及|或者|[和与及或、]")
_KIND_OF_MEMBER = re.compile(r"(?:部门|单位|机构|机关|企业|组织)$")


def _naming_the_members(ctx: AnswerContext, definition: ScoredSentence) -> ScoredSentence | None:
    """The sentence of the definition's article that names every thing the question asks membership of, or None."""
    asked = _ASKED_MEMBERS.search(ctx.intent.text)
    if asked is None:
        return None
    # "海事部门和气象部门" names 海事 and 气象: a list writes the kind once ("…旅游、海事、煤矿、气象等其他…部门").
    members = [m for m in (re.sub(_KIND_OF_MEMBER, "", part) for part in _MEMBER_SEPARATOR.split(asked.group(1)))
               if len(m) >= 2]
    if not members or all(w in definition.text for w in members):
        return None
    article = provision_label(definition.clause.label)
    doc = ctx.snapshot.documents[definition.doc_id]
    return next((s for clause in doc.clauses if provision_label(clause.label) == article
                 for index in range(len(clause.sentences))
                 if (s := ctx.sentence(definition.doc_id, clause, index)) is not None
                 and all(w in s.text for w in members)), None)


def _definition_of(ctx: AnswerContext, term: str) -> ScoredSentence | None:
    """The sentence defining the term: retrieved, else in the best documents."""
    return next((s for s in ctx.ranked if _defines(ctx, s, term)), None) or next(
        (s for s in _sentences_of(ctx, ctx.documents[:tuning.DEFINITION_DOCUMENTS]) if _defines(ctx, s, term)), None)


def term_difference(ctx: AnswerContext) -> Answer | None:
    """"“资源化”和“再利用”有什么区别": a law tells its terms apart by defining each; both definitions, when it defines
    both (else the question is another comparison)."""
    defining = [_definition_of(ctx, term) for term in ctx.intent.compared_terms]
    if not defining or None in defining:
        return None
    chosen: list[ScoredSentence] = []
    for best in defining:
        chosen += [s for s in [best, *_to_full_stop(ctx, best)] if s not in chosen]
    return ctx.compose(chosen, items=False)


# "…应当加强对禁止燃放孔明灯工作的领导": a modal verb inside "对…的…" names a work, it rules on nothing.
_NAMED_WORK = re.compile(r"对[^，。；：,;:]{0,30}?(?:工作|行为|活动|事项)的")


# "孔明灯，是指…可以自由飘移的灯具": a definition's modal verb tells what the thing is, it allows nothing.
_MEANING = re.compile(r"^[^。；]{1,40}?(?:是指|系指)")


# "…禁止燃放烟花爆竹的区域，由区县政府划定": a modal verb before "的区域" names a zone, it rules on nothing.
_NAMED_ZONE = re.compile(r"(?:禁止|不得|限制)[^，。；：,;:]{1,20}?的(?:区域|地区|地点|场所|路段|时段|范围)")
_CLAUSE_BREAK = re.compile(r"[，,；;]")
_OPENS_WITH_DATE = re.compile(r"(?:到|至|在|于)?(20\d\d)年")
_YEAR_IN = re.compile(r"20\d\d(?=年)")


def _ruling(provision: str) -> str:
    """The provision without the works and zones it names by their modal verb; nothing of a definition."""
    return "" if _MEANING.search(provision) else _NAMED_ZONE.sub("", _NAMED_WORK.sub("", provision))


def _rules_another_act(act: dict[str, float], provision: str) -> bool:
    """"全面禁止露天焚烧秸秆…，在城市建成区内禁止燃放烟花爆竹的区域，由区县政府划定": the asked act (燃放烟花爆竹)
    is named only by the zones where it is forbidden, which are yet to be drawn; the modal verbs rule on other acts.
    (A modal verb's part may precede the act's, "…可以根据当地实际，公告提前…森林防火期": it rules on it.)"""
    holding = [p for p in _CLAUSE_BREAK.split(provision) if SentenceScorer.coverage(act, p)]
    return bool(holding) and not any(SentenceScorer.coverage(act, _NAMED_ZONE.sub("", p)) for p in holding)


def _verdict(question: str, provision: str) -> str:
    """可以 / 不可以 / 应当, from the provision's modal verb, worded for the question; a penalty for a conduct says it
    is not allowed (its 可以 and 应当 are the authority's: "…的，由…没收违法所得，可以并处…罚款")."""
    provision = _ruling(provision)
    if PENALTY_CUE.search(provision) and _SANCTIONED_CONDUCT.search(provision):
        return _PUNISHED
    if COMPULSION.search(question) and _LEAVES_TO_CHOICE.search(provision) \
            and not _DUTY.search(provision) and not _PROHIBITION.search(provision):
        return "不是强制要求，文件鼓励这样做" if _ENCOURAGES.search(provision) else "不是强制要求，由当事人自愿"
    if _PROHIBITION.search(provision):
        # "这种摊派我们能不给吗": what is forbidden is the demand, so it may be refused.
        if _ASKS_TO_SKIP.search(question):
            return "可以，文件禁止这样要求"
        # "迁移后需不需要重新办理": what a law says is no longer done (…不再重复办理) is not needed.
        if _ASKS_DUTY.search(question) and not _PROHIBITION.search(_NO_LONGER.sub("", provision)):
            return "不需要，文件规定不再这样做"
        return "是的，文件禁止" if re.search(r"禁止|不得|不准", question) else "不可以，文件禁止"
    if _EXCLUDES.search(provision) and not _ASKS_DUTY.search(question):
        return "不可以，文件将其排除在范围之外"
    if _DUTY.search(provision):
        return "需要，文件规定应当这样做"
    if _PERMISSION.search(provision) and not _SANCTION_CONDITION.match(provision):
        return "可以"
    return ""


def _answers_kind(ctx: AnswerContext, verdict: str) -> bool:
    """"可以向企业收检查费吗" is not answered by a duty ("…应当加强监督检查"); "可以不报送吗" is."""
    return bool(verdict) and not (verdict.startswith("需要") and not (
        _ASKS_DUTY.search(ctx.intent.text) or _ASKS_TO_SKIP.search(ctx.intent.text)))


def permission(ctx: AnswerContext) -> Answer | None:
    """"能不能…", "是否允许…": 可以 / 不可以 / 应当 before the provision that says so; a provision without a modal verb is
    quoted plainly (by `quote`)."""
    best = ctx.complete
    # The act is read in the question that asks leave ("…能享受税收优惠吗", not its "具体办法由谁规定").
    asking = next((part for part in question_parts(ctx.intent.text) if analyse(part).wants_permission), ctx.intent.text)
    act = ctx.scorer.weights(asked_act(asking), expand=False)
    if best is not None:
        # "能不能/可不可以…" is answered by what is forbidden or allowed, "要不要/需不需要…" by a duty: the close
        # sentence of the same document with the asked kind of modal verb comes before a closer one with another
        # kind, when it holds the asked words (a 鼓励 of something else says nothing about what is asked).
        # "是不是必须…" is answered by a duty or by what leaves the act to choice, whichever is about it.
        compulsion = bool(COMPULSION.search(ctx.intent.text))
        wanted = _DUTY_OR_CHOICE if compulsion else _DUTY if _ASKS_DUTY.search(ctx.intent.text) else _ALLOWS_OR_FORBIDS
        # Within the best article, the provision about the asked act comes first ("养护单位可以打剧毒农药吗": its
        # "…禁止使用剧毒药剂", not "发生病虫害时，…应当指导…"), by the asked act's words.
        share = {id(s): SentenceScorer.coverage(act, s.text) for s in ctx.contenders}  # of the asked act's words
        # An item is a condition the question's scene may state ("…虽未超过排放标准，但超过总量控制指标的"): its
        # lead-in rules on it ("有下列情形之一的企业，应当实施强制性清洁生产审核：") and answers with its items, before
        # another sentence's modal verb about the act (the authority's "必要时可以组织…").
        ruling = _ruling_lead_in(ctx, best) if not share[id(best)] else None
        if ruling is not None and SentenceScorer.coverage(act, ruling[0].text) >= tuning.MIN_ACT_COVERAGE:
            return ctx.rule([ruling[0]], ruling[1])
        article = provision_label(best.clause.label)
        about_act = [s for s in ctx.contenders if s.doc_id == best.doc_id
                     and provision_label(s.clause.label) == article and share[id(s)] > 0]
        complete = [s for s in ctx.contenders
                    if s.doc_id == best.doc_id and (s is best or s.lexical >= tuning.MIN_SUPPORT or s in about_act)
                    and not ctx.scorer.missing_detail(ctx.intent, s)]
        modal = [s for s in complete if wanted.search(_ruling(s.text))]
        # "可以只在内部掌握、不对外公布吗": when nothing allowed or forbidden is about the act, a duty to do it answers.
        if _ASKS_TO_SKIP.search(ctx.intent.text) and not any(share[id(s)] for s in modal):
            modal += [s for s in complete if _DUTY.search(s.text) and s not in modal]
        closest = next(iter(modal), best)
        # … but not one about far less of the act than the best sentence, which states it without a modal verb ("国家对
        # 列入…目录的项目给予税收优惠" for 能享受税收优惠吗, not "…金融机构可以提供…优惠贷款").
        if share[id(best)] >= tuning.MIN_ACT_COVERAGE and share[id(closest)] < tuning.MIN_MODAL_SHARE_OF_BEST * share[id(best)]:
            closest = best
        # Of two provisions holding as many of the act's words, the one repeating the question's longer run of text
        # is about it: "…为所属的半专业…队员办理…保险" is asked about, not "…为所属的专业…队员…" (both hold 专业).
        def about(s: ScoredSentence) -> tuple[float, int]:
            return share[id(s)], _common_run(ctx.intent.text, s.text)
        most_of_act = max((s for s in modal if s in about_act), key=about, default=closest)
        # … unless it only encourages where the closest rules: "住户可以…安装…" answers 能不能装 more directly than
        # "国家鼓励单位和个人安装…".
        encourages_only = _ENCOURAGES.search(most_of_act.text) and not _RULES.search(most_of_act.text)
        best = most_of_act if about(most_of_act) > about(closest) \
            and not (encourages_only and _RULES.search(closest.text) and not compulsion) else closest
        # A provision leaving out the party asked about, by every word the question names it with ("个人自用充电桩不在
        # 补贴范围内"), rules on it before the grant to others that repeats the act's words ("…公共充电桩…可以申请建设
        # 补贴").
        party = {t: w for t, w in ctx.scorer.weights(asking.replace(asked_act(asking), " "), expand=False).items()
                 if t not in FRAME_WORDS}
        best = next((s for s in modal if party and _EXCLUDES.search(s.text)
                     and all(t in s.text for t in party)), best)
        # "部门能不能…" is answered by what a provision allows or forbids 部门, not another actor ("各类市场主体均可以…").
        # (An item names its actor in its lead-in: "审批部门对收到的申请，应当根据下列情况分别作出处理：".)
        actor = _ASKED_ACTOR.search(ctx.intent.text)
        if actor and actor.group(1) not in best.text + ctx.scorer.lead_in(best.doc_id, best.clause):
            best = next((s for s in modal if actor.group(1) in s.text and share[id(s)] > 0), best)
        # A provision that holds none of the asked act's words says nothing about it ("我能去举报吗" is not answered
        # by "…禁止将自来水作为…用水使用"): a close one, of any document, that holds most of them and has a modal
        # verb answers instead ("…任何单位和个人有权向有关部门举报").
        # So does one whose modal verb answers another kind of question ("允许个人参与城市绿化吗" is not answered by
        # "…规划指标应当符合国家相关规定", which holds 城市绿化).
        if not share[id(best)] or not _answers_kind(ctx, _verdict(ctx.intent.text, best.text)):
            holding_act = next((s for s in ctx.contenders if _ALLOWS_OR_FORBIDS.search(_ruling(s.text))
                                or wanted.search(_ruling(s.text))
                                if share[id(s)] >= tuning.MIN_ACT_COVERAGE), None)
            # Its modal verb may be another party's ("…有权向有关部门举报，接到举报的部门应当…"): it is quoted
            # without a verdict when that verdict would not answer the question.
            if holding_act is not None and not _answers_kind(ctx, _verdict(ctx.intent.text, holding_act.text)):
                return ctx.compose(ctx.paragraph_from(holding_act, tuning.MAX_PERMISSION_SENTENCES))
            best = holding_act or best
        # A penalty, or an item of conduct it lists, answers 能不能 through the prohibition or duty it punishes,
        # which is quoted first.
        duty = _punished_duty(ctx, best) if PENALTY_CUE.search(best.text) else _breached_duty(ctx, best)
        duty_verdict = _verdict(ctx.intent.text, duty.text) if duty else ""
        if duty_verdict:
            return ctx.rule([duty, *ctx.paragraph_from(best, tuning.MAX_PERMISSION_SENTENCES)], duty_verdict)
        # "确需变更的，应当按照法定程序进行": the act is allowed on the terms the provision sets, whatever else the
        # paragraph forbids of it ("变更后的绿地总量不得减少" forbids less green space, not a change).
        on_terms = next((s for s in ctx.contenders if s.doc_id == best.doc_id and _allows_on_terms(act, s.text)), None)
        if on_terms is not None and not _ASKS_DUTY.search(ctx.intent.text) and not _ASKS_TO_SKIP.search(ctx.intent.text):
            return ctx.compose(ctx.paragraph_from(on_terms, tuning.MAX_PERMISSION_SENTENCES), lead=f"{ON_TERMS}：")
    # (The act's everyday words are read in the provision's terms here: 放鞭炮 is its 燃放烟花爆竹.)
    verdict = _verdict(ctx.intent.text, best.text) if best and not _rules_another_act(
        ctx.scorer.weights(asked_act(asking)), best.text) else ""
    # An item rules through the sentence it stands under ("使用单位应当履行下列义务：…（二）建立电梯安全技术档案；"):
    # "可以不建技术档案吗" is answered by that sentence's modal verb, the item quoted first.
    if best is not None and not verdict and SentenceScorer.coverage(act, best.text) >= tuning.MIN_ACT_COVERAGE \
            and (ruling := _ruling_lead_in(ctx, best)) is not None:
        return ctx.rule([best, ruling[0]], ruling[1], items=False)  # not the item's siblings
    # A definition names the asked act as a kind of something ("野外用火，包括…野外烧香烧纸、燃放烟花爆竹…"): what
    # the document rules on that (…禁止野外用火) answers, followed by the definition.
    term = _defined_term(ctx, best) if best and not verdict else ""
    rule = next((s for s in _sentences_of(ctx, [ctx.snapshot.documents[best.doc_id]])
                 if term in s.text and _ALLOWS_OR_FORBIDS.search(s.text) and not _defines(ctx, s, term)
                 and not PENALTY_CUE.search(s.text)), None) if term else None
    if rule is not None and (rule_verdict := _verdict(ctx.intent.text, rule.text)):
        return ctx.rule([*ctx.paragraph_from(rule, tuning.MAX_PERMISSION_SENTENCES), best], rule_verdict)
    if not _answers_kind(ctx, verdict):
        return None
    # An encouragement of something else allows nothing asked ("秸秆能不能烧": "国家鼓励…对农作物秸秆…进行综合利用"),
    # nor does another act's leave ("粪便可以直接排到河沟里吗": "…也可以承包公共厕所的保洁和管理"): they give 可以
    # only when they hold words of the asked act.
    # (An act of no indexed word, "能用吗", is not told apart: the leave stands.)
    encourages_only = _ENCOURAGES.search(best.text) and not _RULES.search(best.text)
    if (encourages_only or (verdict == "可以" and act)) and not SentenceScorer.coverage(act, best.text):
        return None
    # The rest of the provision's paragraph keeps its exceptions ("…的除外", "但…").
    return ctx.rule(ctx.paragraph_from(best, tuning.MAX_PERMISSION_SENTENCES), verdict)


def _ruling_lead_in(ctx: AnswerContext, item: ScoredSentence) -> tuple[ScoredSentence, str] | None:
    """The sentence an item stands under ("使用单位应当履行下列义务：") and the verdict its modal verb gives the
    question, when it gives one of the asked kind; None for other clauses and for a penalty's lead-in."""
    parent = ctx.scorer.item_parent(item.doc_id, item.clause)
    lead_in = ctx.sentence(item.doc_id, parent, len(parent.sentences) - 1) if parent else None
    if lead_in is None or PENALTY_CUE.search(lead_in.text):
        return None
    verdict = _verdict(ctx.intent.text, lead_in.text)
    return (lead_in, verdict) if _answers_kind(ctx, verdict) else None


def _common_run(question: str, text: str) -> int:
    """The length of the longest run of characters the question and the text share."""
    longest = 0
    for start in range(len(question)):
        while start + longest < len(question) and question[start:start + longest + 1] in text:
            longest += 1
    return longest


ON_TERMS = "可以，但须符合文件规定的条件和程序"
# "确需变更的，应当按照法定程序进行", "因…确需…的，应当经…批准": what is truly needed may be done, on terms.
_NEEDED_ACT = re.compile(r"(?:确需|确有必要)([^，。；]{1,40})的[，,](?:应当|须|必须|按照|依照|经)")


def _allows_on_terms(act: dict[str, float], text: str) -> bool:
    found = _NEEDED_ACT.search(text)
    return bool(found) and SentenceScorer.coverage(act, found.group(1)) >= tuning.MIN_ACT_COVERAGE


# ("…不得在阳台和窗外堆放…物品的规定，适用于哪些建筑物" too; "条例的规定适用于哪些" asks the document's scope.)
_ASKS_A_REQUIREMENT_S_SCOPE = re.compile(r"关于.{2,40}的(?:要求|规定)|(?:这|该|此)(?:项|条|款)(?:要求|规定)|"
                                         r"[^，,。？?]{4,40}(?<!条例)(?<!本法)(?<!办法)(?<!文件)的(?:要求|规定)[，,]?适用")


# "本法所称可再生能源，是指…": the kind of thing a law is about, defined among its first articles.
_DEFINES_A_KIND = re.compile(r"^(?:第[一二三四五六七八九十]+条\s*)?本(?:法|条例|规定|办法)所称[^，。；]{2,20}[，,]?(?:是指|指|包括)")


_ASKS_IF_COVERED = re.compile(r"管不管|归不归|管得着")


def scope(ctx: AnswerContext) -> Answer | None:
    """"适用于哪些": the provision on what the document applies to: a close sentence saying so, else the best
    document's own scope provision, which a law states among its first articles ("本法适用于…", "在…领域内，从事…
    的单位…依照本法规定…", "一切单位和个人都必须遵守本条例")."""
    scoped = [s for s in ctx.contenders if _SCOPE_CUE.search(s.text)]
    # "罚则里没有这种情形，依据什么来处理": the provision deferring to other laws' sanctions answers, not what the
    # document applies to; a law states it once, in its 法律责任 chapter, which retrieval may rank low.
    if ctx.intent.wants_penalty:
        deferring = next((s for s in [*scoped, *_sentences_of(ctx, ctx.documents[:1])]
                          if _DEFERS_SANCTION.search(s.text)), None)
        if deferring is not None:
            # … followed by the duty breached, when the question states it ("拆除时没有做好扬尘、噪声污染防治").
            duty = ctx.complete
            breached = [duty] if duty is not None and duty.doc_id == deferring.doc_id and not PENALTY_CUE.search(
                duty.text) and (_DUTY.search(duty.text) or _PROHIBITION.search(duty.text)) else []
            return ctx.compose([deferring, *breached])
    # A measure the document sets up lists what it reaches ("地区间横向生态保护补偿针对下列区域开展：（一）…"): for
    # "…适用于哪些区域", that list, closer than any sentence on the document's own scope, answers with its items.
    best = ctx.ranked[0] if ctx.ranked else None
    if best is not None and ctx.intent.list_noun and _introduces(best, ctx.intent.list_noun) \
            and best.lexical >= max((s.lexical for s in scoped), default=0.0):
        return ctx.compose([best])
    # What the document applies to comes before what it does not ("…不适用本法"), which alone is no answer; the
    # document's own scope does not answer what one of its requirements applies to ("关于…注明材料成分的要求，适用于
    # 哪些企业": the requirement's provision says).
    if not any(_APPLIES.search(s.text) for s in scoped) and ctx.documents \
            and not _ASKS_A_REQUIREMENT_S_SCOPE.search(ctx.intent.text):
        leading = islice(_sentences_of(ctx, ctx.documents[:1]), tuning.SCOPE_LEADING_SENTENCES)
        scoped += [s for s in leading if _APPLIES.search(s.text)]
    scoped.sort(key=lambda s: not _APPLIES.search(s.text))
    # "公交车适用《…条例》吗": a provision that names the asked matter and leaves it to other rules or out of the
    # document answers before the general scope.
    named = [s for s in scoped if (_REFERRED.search(s.text) or "不适用" in s.text) and s.lexical >= tuning.MIN_SUPPORT]
    if _YES_NO_SCOPE.search(ctx.intent.focus) and named:
        scoped = [named[0], *(s for s in scoped if s is not named[0])]
    if not scoped:
        return None
    # "清洁生产方面的法律管不管这种过度包装": a close provision ruling on the matter says so more directly than the
    # document's scope article, unless that names the matter as much ("安全生产条例管不管消防安全": 第二条 does).
    closest = ctx.ranked[0]
    if _ASKS_IF_COVERED.search(ctx.intent.text) and _RULES.search(closest.text) \
            and closest.lexical >= tuning.MIN_SUPPORT and closest.lexical > scoped[0].lexical:
        return None
    # "可再生能源法适用于哪些能源": a scope provision naming no 能源 (本法适用于…领域和…海域) does not say; what the law
    # defines as its kind of 能源 does ("本法所称可再生能源，是指风能、太阳能…"), followed by the scope.
    noun = ctx.intent.list_noun
    if noun and noun not in scoped[0].text and ctx.documents:
        defining = next((s for s in islice(_sentences_of(ctx, ctx.documents[:1]), tuning.SCOPE_LEADING_SENTENCES)
                         if _DEFINES_A_KIND.search(s.text) and noun in s.text.split("，")[0]), None)
        if defining is not None:
            return ctx.compose([defining, scoped[0]])
    # The same article's exceptions ("…另有规定的，适用其规定") belong to the scope.
    article = article_label(scoped[0].clause.label)
    exceptions = [s for s in scoped[1:] if s.doc_id == scoped[0].doc_id and article
                  and article_label(s.clause.label) == article]
    return ctx.compose(scoped[:1] + exceptions[:1])


def compare(ctx: AnswerContext) -> Answer | None:
    """"国家和重庆的要求有什么不同": the best sentence of each of the best two documents, side by side."""
    by_document: dict[str, ScoredSentence] = {}
    for s in ctx.contenders:
        by_document.setdefault(s.doc_id, s)
    if len(by_document) < 2:
        return None
    return ctx.compose(list(by_document.values())[:2], lead="各文件的规定分别如下：", numbered=True)


def who(ctx: AnswerContext) -> Answer | None:
    """Who is responsible: the best sentence that names a body or official; 文件未明确 only when no close sentence of
    any retrieved clause names one."""
    complete = ctx.complete
    if complete is None:
        return None
    # A body named close by: in the best sentence, or in one that answers almost as well (another sentence naming a
    # body for another task, even of the same clause, does not answer who does this one: an 意见's paragraph
    # assigns many tasks).
    any_party = not _ASKS_FOR_A_BODY.search(ctx.intent.text)
    naming = [s for s in ctx.contenders if _names_responsible(s.text, any_party)
              and not ctx.scorer.missing_detail(ctx.intent, s) and s.doc_id == complete.doc_id]
    # "…的配合单位有哪些": the task's own note, whatever another task's note naming the asked role shares with the
    # question; a role the note does not name ("（责任单位：…）" only) is said to be unnamed.
    role = _ASKS_ROLE_OF_BODIES.search(ctx.intent.text)
    notes = [ScoredSentence(complete.doc_id, complete.clause, s.text.strip(), complete.score, complete.rank)
             for s in complete.clause.sentences if is_responsibility_note(s.text)]
    if role and notes:
        meta = ctx.snapshot.documents[complete.doc_id].meta
        unnamed = not any(role.group(1) in note.text for note in notes)
        lead = f"{UNNAMED_HEDGE}{role.group(0)}{marker(meta, complete.clause.label)}。" if unnamed else ""
        return ctx.compose([*notes, *([] if complete.text in {n.text for n in notes} else [complete])], lead=lead)
    # Who bears a cost is said only by a provision naming that cost (asked alone: a question that asks it beside
    # other things has it answered as its own part).
    cost = None if question_parts(ctx.intent.text) else _ASKED_COST.search(ctx.intent.text)
    if cost is not None:
        naming = [s for s in naming if _names_cost(cost, s.text)]
        if not any(_names_cost(cost, s.text) for s in ctx.contenders):
            return ctx.refuse(f"文件没有规定{cost.group(1)}{cost.group(2)}由谁承担")
    named = next((s for s in naming if s is complete or s.score >= tuning.NAMED_BODY_SHARE * complete.score), None)
    # Of the close ones, the one about the asked task ("由谁负责养护管理": "（三）附属绿地由管理单位或者产权单位负责" under
    # "…养护管理实行分工负责制：", not "附属绿地由建设单位负责建设"), its item's lead-in included.
    task = ctx.scorer.weights(asked_act(ctx.intent.text), expand=False)
    about_task = {id(s): SentenceScorer.coverage(task, f"{s.text}{ctx.scorer.lead_in(s.doc_id, s.clause)}")
                  for s in naming}
    most_of_task = max(naming, key=lambda s: about_task[id(s)], default=None)
    if named is not None and most_of_task is not None and about_task[id(most_of_task)] > about_task[id(named)]:
        named = most_of_task
    # Items of one list share their lead-in, and retrieval tells them apart by little: of the items as much about the
    # task, the one holding more of the question answers ("较大事故由谁组织调查": the item on 重大事故、较大事故, not
    # the 一般事故 item ranked above it).
    if named is not None and (parent := ctx.scorer.item_parent(named.doc_id, named.clause)) is not None:
        siblings = [s for s in naming if about_task[id(s)] >= about_task[id(named)]
                    and ctx.scorer.item_parent(s.doc_id, s.clause) is parent]
        named = max(siblings, key=lambda s: s.lexical, default=named)
    # A body called by the short name a law gives it ("向审批部门提出申请") is the one its defining sentence names in
    # full ("…向…生态环境主管部门(以下称审批部门)申请…"): that sentence answers when it is as much about the task.
    if named is not None:
        defining = next((s for s in naming if about_task[id(s)] >= about_task[id(named)]
                         and any(short in named.text and f"称{short}" not in named.text
                                 for short in _SHORT_NAME.findall(s.text))), None)
        named = defining or named
    # No close sentence names a body, but a runner-up names one for the asked thing and task together (the clause
    # that asks: "年度用水计划由谁来制定" → "…水行政主管部门会同有关部门，…制定年度用水计划"): it answers, not the
    # closest sentence, which names the task without its doer.
    if named is None and naming:
        asked = {t: w for t, w in ctx.scorer.weights(asked_part(ctx.intent.text), expand=False).items()
                 if t in ctx.snapshot.bm25.vocabulary}  # "由谁来" asks, it is no word of the task
        whole = {id(s): SentenceScorer.coverage(asked, f"{s.text}{ctx.scorer.lead_in(s.doc_id, s.clause)}")
                 for s in [complete, *naming]}
        fullest = max(naming, key=lambda s: whole[id(s)])
        if whole[id(fullest)] >= tuning.MIN_ACT_COVERAGE and whole[id(fullest)] >= whole[id(complete)]:
            named = fullest
    if named is not None:
        # "责任单位有哪些", "由哪些单位负责" are answered by the sentence naming them all ("责任单位：市住房城乡建设委、
        # 市机关事务局，…"), not by a list that runs on to other tasks' bodies.
        one_line = (_ASKS_ROLE_OF_BODIES.search(ctx.intent.text) is not None or is_responsibility_note(named.text)) \
            and len(find_bodies(named.text)) > 1
        return listing(ctx) if ctx.intent.wants_list and not one_line else _quote(ctx, named)
    # A 方案's task names its doers in the note that closes it ("（责任单位：各区县人民政府）").
    note = next((n for n in notes if names_body(n.text)), None)
    subject = note or _omitted_subject(ctx, complete)
    if subject is not None:
        return ctx.compose([subject, complete])
    # A service guide (办事指南) names who acts on the matter it is about in a field of its own ("三、实施机关：重庆市
    # 渝中区城市管理局"), sharing none of the question's words.
    field = _body_field(ctx, complete.doc_id)
    if field is not None:
        return ctx.compose([field])
    # "文件未明确" says the document has the task but names no body for it: a provision sharing too few of the
    # question's words, or not naming the task's most specific word the documents use ("房屋租赁合同备案" is not
    # "办理租赁经营者备案登记"; places aside: a provision of 上海's regulation rarely says 上海), is about another
    # task, and the documents may not have this one at all.
    known = " ".join(t for t in ctx.scorer.weights(ctx.intent.resolved, expand=False)
                     if t in ctx.snapshot.bm25.vocabulary and not t.startswith(PLACES))
    if complete.lexical < tuning.MIN_SUPPORT or not ctx.scorer.names_owner(
            known, f"{complete.clause.heading} {complete.text}{ctx.scorer.lead_in(complete.doc_id, complete.clause)}"):
        return ctx.refuse("")
    doc = ctx.snapshot.documents[complete.doc_id]
    general = next((ScoredSentence(complete.doc_id, c, s.text.strip(), 0.0, 0) for c in doc.clauses
                    for s in c.sentences if _GENERAL_RESPONSIBILITY.search(s.text)), None)
    lead = f"{UNNAMED_HEDGE}牵头部门{marker(doc.meta, complete.clause.label)}。"
    chosen = [complete] + ([general] if general and general.clause.label != complete.clause.label else [])
    return ctx.compose(chosen, lead=lead)


# A field naming who acts: "实施机关", "受理机关", "责任单位", "承办机构".
_BODY_FIELD = re.compile(r"(?:机关|部门|单位|机构|主体)$")


def _body_field(ctx: AnswerContext, doc_id: str) -> ScoredSentence | None:
    """The document's field headed by a body's role ("实施机关：…") whose value names a body."""
    doc = ctx.snapshot.documents[doc_id]
    return next((ScoredSentence(doc_id, c, c.sentences[0].text.strip(), 0.0, 0) for c in doc.clauses
                 if c.heading and _BODY_FIELD.search(c.heading) and c.sentences
                 and find_bodies(c.sentences[0].text.replace(c.heading, ""))), None)


# "运费应该由谁承担", "评估费用由谁出": the cost whose bearer is asked, as what it is for and its kind. A provision
# charging another cost ("…由承运人承担退运责任，或者承担有关处置费用") does not say who bears it; one naming it
# by what it is for does ("区域评估的费用不得由市场主体承担", "移植所需费用，由移植单位承担").
_ASKED_COST = re.compile(r"((?:(?![的了这那该笔项些种])[\u4e00-\u9fff]){0,4}?)(费用|经费|费)(?:应当|应该|该|要|需要|都)?"
                         r"(?:由谁|谁)来?(?:承担|负担|支付|出|付|交|缴|买单)")


def _names_cost(cost: re.Match[str], text: str) -> bool:
    purpose, kind = cost.groups()
    return purpose + kind in text or (len(purpose) >= 2 and purpose in text and "费" in text)


# "(以下称审批部门)", "（以下简称市容部门）": the short name a law gives what it has just named.
_SHORT_NAME = re.compile(r"[（(]以下(?:简|统)?称([^）)，,]{2,12})[）)]")


def _names_responsible(text: str, any_party: bool = False) -> bool:
    """A body or official, or whoever "由…负责" makes responsible (各种摊点，由从业者负责清扫保洁); when any party
    is asked for ("由谁负责", not "哪个部门"), also the party a duty binds ("建筑所有权人或者使用权人应当…检测")."""
    return names_body(text) or bool(_ASSIGNS_RESPONSIBILITY.search(text)) or any_party and any(
        text[text.find(party) + len(party):].startswith(_BINDS) for party in find_parties(text))


def _omitted_subject(ctx: AnswerContext, duty: ScoredSentence) -> ScoredSentence | None:
    """"树枝…遮挡交通信号的，应当及时修剪": a law's duty sentence that omits its subject (承前省略) binds the subject of
    the sentence before it in the same paragraph ("城市园林绿化养护管理责任单位和树权单位，应当定期…")."""
    if not _SUBJECTLESS_DUTY.match(duty.text):
        return None
    texts = [s.text.strip() for s in duty.clause.sentences]
    at = texts.index(duty.text) if duty.text in texts else 0
    if at == 0:
        return None
    before = texts[at - 1]
    holders = names_body(before) or find_duty_holders(before.split("，")[0])
    return ScoredSentence(duty.doc_id, duty.clause, before, duty.score, duty.rank) if holders else None


def _introduces(sentence: ScoredSentence, noun: str) -> bool:
    """"排污许可证应当记载下列信息：" introduces the items "哪些信息" asks for; "有下列情形之一的" those "哪些情况"
    asks for (a law's word for a case)."""
    return sentence.text.endswith(_INTRODUCES_ITEMS) and any(f"下列{kind}" in sentence.text for kind in kinds_of(noun))


_CATALOGUE_CONTENTS = re.compile(r"([\u4e00-\u9fff]{0,6}?(?:名录|目录|清单))[^？?。]{0,15}(?:哪些|什么)")
_DELEGATES_CATALOGUE = re.compile(r"(?:名录|目录|清单)[^。；]{0,30}由[^。；]{2,40}(?:规定|制定|确定|公布|发布|编制|调整)")


def delegated_catalogue(ctx: AnswerContext) -> Answer | None:
    """"强制回收名录具体都列了哪些产品": a law leaves a catalogue to an authority ("…名录…由国务院…部门规定"). When the
    closest sentence about the asked catalogue says so and no close sentence stands under a lead-in naming it, the
    documents do not hold its contents."""
    name = _CATALOGUE_CONTENTS.search(ctx.intent.text).group(1).split("的")[-1]
    close = ctx.ranked[:tuning.MAX_CONTENDERS]
    naming = next((s for s in close if name in s.text), None) or next((s for s in close if name[-2:] in s.text), None)
    if naming is None or any(name in ctx.scorer.lead_in(s.doc_id, s.clause) for s in close):
        return None
    # The article that names the catalogue may leave it to an authority in another of its paragraphs.
    article = provision_label(naming.clause.label)
    about = next((s for s in close if s.doc_id == naming.doc_id and name[-2:] in s.text
                  and provision_label(s.clause.label) == article
                  and _DELEGATES_CATALOGUE.search(s.text)), None)
    if about is None:
        return None
    meta = ctx.snapshot.documents[about.doc_id].meta
    return ctx.refuse(f"文件没有列出{name}的具体内容，只规定了由谁制定：{about.text.rstrip('。；')}"
                      f"{marker(meta, about.clause.label)}")


def _introducing_lead_in(ctx: AnswerContext, best: ScoredSentence, noun: str) -> ScoredSentence | None:
    """The lead-in that close items stand under, when it introduces the asked kind ("排污许可证应当记载下列信息：" for
    "许可证上要载明哪些信息": the items match the question, their lead-in may not)."""
    for item in ctx.ranked:
        if item.score < tuning.LIST_SHARE * best.score:
            return None
        parent = ctx.scorer.item_parent(item.doc_id, item.clause)
        lead_in = ctx.sentence(item.doc_id, parent, -1) if parent else None
        if lead_in is not None and _introduces(lead_in, noun):
            return lead_in
    return None


# "文件里有两个70%的目标，分别指什么", "两个“3万”分别是什么目标": a value the document states more than once.
# (A bare number is no value to look up: "两个30天" asks something else.)
_VALUE_RECURRING = re.compile(r"(?:两|三|几)个(?:[“\"「](\d+(?:\.\d+)?(?:%|％|万|亿)?)[”\"」]|(\d+(?:\.\d+)?(?:%|％|万|亿)))")


def recurring_value(ctx: AnswerContext) -> Answer | None:
    """Each sentence of the best document that states the asked value, in document order: the question asks what
    each is, and one of them answers only part of it."""
    asked = _VALUE_RECURRING.search(ctx.intent.text)
    if asked is None or not ctx.documents:
        return None
    value = re.compile(rf"(?<![\d.]){re.escape(asked.group(1) or asked.group(2))}(?![\d.])")
    stating = [s for s in _sentences_of(ctx, ctx.documents[:1]) if value.search(s.text)]
    if len(stating) < 2:
        return None
    return ctx.compose(stating[:tuning.MAX_LIST_ITEMS], numbered=True, items=False)


def listing(ctx: AnswerContext) -> Answer | None:
    """"有哪些": the sentences close to the best (of its document), in clause order; a close sentence that introduces
    items of the asked kind ("下列信息：") leads, with its items."""
    best = ctx.complete
    if best is None:
        return None
    noun = ctx.intent.list_noun
    if noun:
        best = next((s for s in ctx.ranked if s.score >= tuning.LIST_SHARE * best.score and _introduces(s, noun)),
                    None) or _introducing_lead_in(ctx, best, noun) or best
    # What must be done is stated by the duty, not by the item of conduct that a penalty lists against it; the
    # duty's whole paragraph is wanted.
    duty = _breached_duty(ctx, best)
    whole = ctx.paragraph_from(ctx.sentence(duty.doc_id, duty.clause), tuning.MAX_LIST_ITEMS) if duty else []
    # … and a list of tasks not asked as penalties does not lead with one ("能源管理负责人要负责哪些工作": the duty
    # 第五十五条, not 第八十四条 punishing the failure to appoint one), when a close provision states them.
    penalty_article = article_label(best.clause.label)  # a law's article; its own items are no duty
    if duty is None and not ctx.intent.wants_penalty and penalty_article and PENALTY_CUE.search(best.text):
        duty = next((s for s in ctx.contenders if s.doc_id == best.doc_id and not PENALTY_CUE.search(s.text)
                     and article_label(s.clause.label) not in ("", penalty_article)
                     and not ctx.scorer.missing_detail(ctx.intent, s)), None)
    best = duty or best
    floor = max(tuning.MIN_SUPPORT * 0.8, tuning.LIST_SHARE * ctx.ranked[0].score)
    # A lead-in and all its items are the whole list: other provisions would pad it.
    enumerated = _enumeration(ctx, best) or _items_under_heading(ctx, best)
    # (Papers asked for are listed by the sentences naming papers: "需要提交哪些材料" is not padded with "…公共充电
    # 桩、专用充电桩和换电站，可以申请建设补贴" of another provision. Things of other kinds are named too variously.)
    chosen = [] if enumerated else [s for s in ctx.ranked
                                    if s.score >= floor and not s.clause.is_heading_sentence(s.text)
                                    and (noun not in PAPERS or s.clause is best.clause or lists_noun(s.text, noun))]
    # A clause whose heading the question names is wanted whole ("推进工业绿色升级有哪些举措？").
    named = [s for s in ctx.ranked if s.clause.heading and s.clause.heading in ctx.intent.resolved
             and not s.clause.is_heading_sentence(s.text)]
    # A best sentence ending in "；" runs on to its full stop: an enumeration ("一是…；二是…；三是…。") is one list.
    chosen = ctx.from_document_of(best, [best, *enumerated, *_to_full_stop(ctx, best, tuning.MAX_LIST_ITEMS), *whole,
                                          *named, *chosen])
    # A task's note of its doers ("（牵头单位：市水利局；") says who, not what: the tasks it notes come instead, and
    # the note with them only when who is asked.
    chosen = [task for s in chosen for task in _with_tasks(s, ctx.intent.wants_responsible)]
    chosen = list({(s.doc_id, s.clause.label, s.text): s for s in chosen}.values())[
        :tuning.MAX_ARTICLE_SENTENCES if enumerated else tuning.MAX_LIST_ITEMS]
    # The best provision first, then the others in clause order (the position of the clause within its document),
    # each clause's sentences as they stand; but the best sentence of a law's paragraph leads it, since such a
    # paragraph holds several duties ("商业银行应当公开…" after two others of banks).
    leads = bool(article_label(best.clause.label))
    chosen.sort(key=lambda s: (s.doc_id != best.doc_id, s.clause != best.clause, leads and s.text != best.text,
                               ctx.snapshot.documents[s.doc_id].clauses.index(s.clause), s.clause.text.find(s.text)))
    clauses = {(s.doc_id, s.clause.label) for s in chosen}
    lead = "文件中涉及这一问题的规定如下：" if len(clauses) > 1 else ""
    return ctx.compose(chosen, lead=lead, numbered=len(chosen) > 1)


def _enumeration(ctx: AnswerContext, lead_in: ScoredSentence) -> list[ScoredSentence]:
    """The items a lead-in introduces ("本市生活垃圾分为以下四类：" → （一）…（四）), whole; none when the sentence
    introduces none, or more than an article quoted whole holds."""
    if not lead_in.text.endswith(_INTRODUCES_ITEMS) or lead_in.clause.sentences[-1].text.strip() != lead_in.text:
        return []
    items = _items(ctx.snapshot.documents[lead_in.doc_id], lead_in.clause)
    sentences = [ScoredSentence(lead_in.doc_id, item, s.text.strip(), lead_in.score, lead_in.rank)
                 for item in items for s in item.sentences if s.text.strip()]
    return sentences if len(sentences) < tuning.MAX_ARTICLE_SENTENCES else []


def _items_under_heading(ctx: AnswerContext, item: ScoredSentence) -> list[ScoredSentence]:
    """A section that only has a heading naming a kind of thing, over items that are the things ("四、不受限行措施限制
    的机动车" over "（一）纯电动汽车…；" … "（五）…的机动车。"), is one list: one of its items asked about brings all of
    them. (Items of one sentence each, all but the last ending in "；", as an enumeration is written.)"""
    doc = ctx.snapshot.documents[item.doc_id]
    parent = doc.clause("".join(item.clause.path[:-1])) if len(item.clause.path) > 1 else None
    if parent is None or not parent.heading or any(
            s.text.strip() and not parent.is_heading_sentence(s.text) for s in parent.sentences):
        return []
    items = _children(doc, parent)
    texts = [c.sentences[0].text.strip() for c in items if len(c.sentences) == 1]
    if len(texts) < 2 or len(texts) != len(items) or not all(t.endswith(("；", ";")) for t in texts[:-1]):
        return []
    return [ScoredSentence(item.doc_id, c, text, item.score, item.rank) for c, text in zip(items, texts)]


def undefined_term(ctx: AnswerContext) -> Answer | None:
    """"古树名木是指什么" where no document defines 古树名木: say so, then quote what the closest provision says of
    it; a provision that uses a term is no definition of it."""
    term = ctx.intent.definition_term
    best = ctx.complete if ctx.complete is not None and term in ctx.complete.text else next(
        (s for s in ctx.contenders if term in s.text and not ctx.scorer.missing_detail(ctx.intent, s)), None)
    # "生态环境导向的开发模式（EOD模式）": a name in brackets beside its full form explains it.
    if best is None or re.search(rf"[（(]{re.escape(term)}[）)]|{re.escape(term)}[（(]", best.text):
        return None
    return _quote(ctx, best, lead=f"文件没有给出“{term}”的定义，提到它的规定如下：")


def _quote(ctx: AnswerContext, best: ScoredSentence, lead: str = "") -> Answer:
    # Close runners-up of the same document add what the best sentence leaves out (the next sentence of the
    # clause, a related clause).
    runners_up = [s for s in ctx.from_document_of(best, ctx.ranked[:4]) if s is not best
                  and not s.clause.is_heading_sentence(s.text)
                  and s.score >= max(tuning.MIN_SUPPORT, tuning.SUPPORTING_SHARE * best.score)]
    # An item says what it is about only with the sentence it stands under ("有下列行为之一的，…处以拘留："); that
    # sentence is quoted after it, without the item's siblings.
    parent = ctx.scorer.item_parent(best.doc_id, best.clause)
    lead_in = ctx.sentence(best.doc_id, parent, -1) if parent else None
    # A sentence that ends in "；" goes on to its full stop, where its exceptions stand ("…禁止饲养鸡、鸭；因教学、
    # 科研以及其他特殊需要饲养的，须经…批准。").
    rest = _to_full_stop(ctx, best) or _assigned_tasks(best)
    intent = ctx.intent
    asks_value = intent.wants_number or intent.wants_duration or intent.wants_money or intent.wants_time \
        or intent.wants_frequency
    # … but a part opening with another date than the best sentence's is another task's ("2026年底前，全市钢铁企业
    # 完成…改造；2027年底前，水泥企业…"), and so is such a runner-up: the value asked is the best sentence's.
    year = _YEAR_IN.search(best.text)

    def is_another_task(s: ScoredSentence) -> bool:
        opening = _OPENS_WITH_DATE.match(s.text)
        return asks_value and opening is not None and (year is None or opening.group(1) != year.group(0))
    rest = rest[:next((i for i, s in enumerate(rest) if is_another_task(s)), len(rest))]
    quoted = {(s.doc_id, s.clause.label, s.text) for s in rest}
    runners_up = [s for s in runners_up[:tuning.MAX_SUPPORTING] if (s.doc_id, s.clause.label, s.text) not in quoted
                  and not is_another_task(s)]
    # A runner-up introducing items brings them, unless a value is asked: the best sentence holds it, and the
    # items of a nearby provision ("…有下列情形之一的，应当重新申请…：") would bury it.
    if asks_value:
        runners_up = [s for s in runners_up if not s.text.endswith(_INTRODUCES_ITEMS)]
    # … and a value or a body stated in another provision is another act's ("…30分钟内到达现场" is not followed by
    # "…有效期届满前1个月…提出定期检验要求"): the best sentence's own provision completes it.
    if asks_value or intent.wants_responsible:
        article = provision_label(best.clause.label)
        runners_up = [s for s in runners_up if provision_label(s.clause.label) == article]
    # A runner-up beside the answer to where or when to go holds a place or an hour too: a guide's 事项名称 line
    # shares the question's matter, not its answer.
    if intent.wants_office or intent.wants_hours:
        runners_up = [s for s in runners_up if not ctx.scorer.missing_detail(intent, s)]
    # A task's note of its doers ("（牵头单位：市水利局；配合单位：…）") says who, and only who is asked for it.
    if not intent.wants_responsible:
        runners_up = [s for s in runners_up if not is_responsibility_note(s.text)]
    # A document's purpose is its own sentence ("为了…，制定本法。", "为…，根据…，现就…通告如下："): other provisions
    # say what it provides.
    if _ASKS_PURPOSE.search(intent.text) and (_STATES_PURPOSE.search(best.text) or _LEADS_INTO_TEXT.search(best.text)):
        runners_up = []
    # The best sentence introducing items ("…应当符合下列条件：") is quoted with them, whatever else was retrieved,
    # unless it holds the value asked (the items are then the conduct or cases it applies to, one of them asked).
    opening = [best] if asks_value else ctx.with_items([best])
    return ctx.compose([*opening, *rest, *([lead_in] if lead_in else []), *ctx.with_items(runners_up)], lead=lead,
                       items=False)


def _with_tasks(sentence: ScoredSentence, keep_note: bool) -> list[ScoredSentence]:
    """The sentence, or the tasks it notes the doers of (with the note when `keep_note`)."""
    tasks = _assigned_tasks(sentence)
    return [*tasks, sentence] if keep_note or not tasks else tasks


def _assigned_tasks(note: ScoredSentence) -> list[ScoredSentence]:
    """The sentences of the clause before a note naming who does them (its heading aside): the note alone says who,
    not what."""
    if not is_responsibility_note(note.text):
        return []
    clause = note.clause
    at = clause.start + clause.text.find(note.text)
    return [ScoredSentence(note.doc_id, clause, s.text.strip(), note.score, note.rank) for s in clause.sentences
            if s.start < at and s.text.strip() and not clause.is_heading_sentence(s.text)][-tuning.MAX_CONTINUED_SENTENCES:]


def _to_full_stop(ctx: AnswerContext, sentence: ScoredSentence,
                  limit: int = tuning.MAX_CONTINUED_SENTENCES) -> list[ScoredSentence]:
    """The sentences of its clause that continue `sentence` up to the one ending in "。" (at most `limit`)."""
    if not sentence.text.endswith(("；", ";")):
        return []
    following = ctx.paragraph_from(sentence, limit + 1)[1:]
    ending = next((i for i, s in enumerate(following) if not s.text.endswith(("；", ";"))), len(following) - 1)
    return following[:ending + 1]


def quote(ctx: AnswerContext) -> Answer:
    """The best sentence that holds every asked detail, with close runners-up; else a refusal naming the detail."""
    if ctx.complete is None:
        return ctx.refuse(ctx.scorer.missing_detail(ctx.intent, ctx.ranked[0]))
    best = ctx.complete
    # A question that asks for no penalty ("…应当设立什么岗位") is answered by the duty, not by the penalty that
    # restates it ("…未按照本法规定设立能源管理岗位…的，由…责令改正"), which follows it.
    if not ctx.intent.wants_penalty and PENALTY_CUE.search(best.text):
        duty = _punished_duty(ctx, best)
        if duty is not None:
            duty = next((s for s in ctx.ranked if s.doc_id == duty.doc_id and s.clause is duty.clause), duty)
            if not ctx.scorer.missing_detail(ctx.intent, duty):
                return _quote(ctx, duty)
    return _quote(ctx, best)


# "物业公司要做什么", "物业服务企业有哪些义务": a party's duties.
_ASKS_DUTIES = re.compile(r"(?:要|需要|应当|应该|得)(?:做|干|负责|履行)(?:什么|哪些|啥)|有(?:什么|哪些)(?:义务|职责)|"
                          r"(?:义务|职责)(?:是什么|有哪些|包括)")
# "…物业服务企业为管理责任人；": a party made the holder of a role whose duties another provision sets.
_DESIGNATES = re.compile(r"([^，,；;。：:]{2,20}?)为((?:(?![为的])[\u4e00-\u9fff]){1,8}(?:责任人|责任单位|管理人|负责人|义务人))"
                         r"(?=[；;。，,]|$)")
# "第六条 管理责任人应当履行下列义务：": the holder a duty opens with.
_ROLE_DUTY = re.compile(r"^(?:第[一二三四五六七八九十百零〇]+条[\s\u3000]*)?([^，,。；;]{2,12}?)(?:应当|必须|负责)")


def designated_duties(ctx: AnswerContext) -> Answer | None:
    """"物业公司要做什么" where "…物业服务企业为管理责任人；" and "管理责任人应当履行下列义务：…": the provision making
    the party the holder of a role, then the role's duties (whole, with their items)."""
    asked = ctx.scorer.weights(ctx.intent.resolved)
    for sentence in ctx.contenders:
        designation = next((d for d in _DESIGNATES.finditer(sentence.text)
                            if SentenceScorer.coverage(asked, d.group(1)) > 0), None)
        if designation is None:
            continue
        role = designation.group(2)
        doc = ctx.snapshot.documents[sentence.doc_id]
        duty = next((s for s in _sentences_of(ctx, [doc])
                     if (holder := _ROLE_DUTY.match(s.text)) is not None and holder.group(1) == role), None)
        if duty is None:
            return None
        return ctx.compose([sentence, duty, *_enumeration(ctx, duty)], items=False)
    return None


def which_document(ctx: AnswerContext) -> Answer | None:
    """"关于老旧小区改造的文件是哪个": the document whose provision answers best, named before that provision."""
    best = ctx.complete
    if best is None:
        return None
    meta = ctx.snapshot.documents[best.doc_id].meta
    named = f"《{meta.title}》" + (f"（{meta.doc_number}）" if meta.doc_number else "")
    return _quote(ctx, best, lead=f"规定这一内容的文件是{named}：")


# A document says why it was made where it opens: "为缓解…，根据…，决定…。" (意见, 通知, 通告), "第一条 为了…，制定本法。".
_OPENS_WITH_PURPOSE = re.compile(r"^(?:第[一二三四五六七八九十]+条\s*)?为了?[^，。；]{2,80}，")
# "出台这个通告的目的是什么": the making of the document is no matter of it.
_MAKING_A_DOCUMENT = re.compile(r"出台|制定|印发|发布|颁布")
# The opening clauses where it says so: a preamble, or a law's first article.
_OPENING_CLAUSES = 2


def stated_purpose(ctx: AnswerContext) -> Answer | None:
    """"为什么要限行": why the best document was made, as its opening states ("为缓解中心城区交通拥堵，…，决定…实施机动车尾号
    限行措施。"), when the question is about the document's own matter: its words are in the title or that sentence.
    ("为什么要对重点用能单位进行监管" asks the reason of one provision, which the law's first article does not give.)"""
    if not ctx.ranked:  # (before the evidence gate: nothing may have been retrieved)
        return None
    best = ctx.ranked[0]
    doc = ctx.snapshot.documents[best.doc_id]
    opening = [clause for clause in doc.clauses if clause.label != SIGNATURE_LABEL][:_OPENING_CLAUSES]
    stated = next((sentence for clause in opening for index in range(len(clause.sentences))
                   if (sentence := ctx.sentence(best.doc_id, clause, index)) is not None
                   and _OPENS_WITH_PURPOSE.search(sentence.text)), None)
    matter = _MAKING_A_DOCUMENT.sub(" ", _ASKS_PURPOSE.sub(" ", ctx.intent.resolved))
    asked = {t: w for t, w in ctx.scorer.weights(matter).items() if t not in FRAME_WORDS}
    if stated is None or not asked or ctx.scorer.coverage(asked, f"{doc.meta.title} {stated.text}") < tuning.MIN_PURPOSE_COVERAGE:
        return None
    return ctx.compose([stated], items=False)


def _always(intent: QuestionIntent) -> bool:
    return True


STRATEGIES: tuple[Strategy, ...] = (
    Strategy("unloaded_reference", lambda i: bool(i.doc_numbers), unloaded_reference,
             "a 文号 in the question that no loaded document has", "refusal naming the document that cites it"),
    Strategy("asked_article", lambda i: asked_clause(i.text) is not None, asked_article,
             "the clause the question asks for by its label (第十条第二款, 二（一）4), in the named or best document",
             "the article whole"),
    Strategy("metadata", lambda i: bool(i.metadata_field), metadata,
             "the best document's metadata, quoted from its text or passage lines", "one statement"),
    Strategy("enterprise", lambda i: i.enterprise, enterprise,
             "requirements naming the asked industry in the retrieved documents", "numbered list, closest first"),
    # Before the lists: "所说的X包括哪些" is answered by X's definition when the documents define X.
    Strategy("term_difference", lambda i: bool(i.compared_terms), term_difference,
             "sentences defining each of two terms asked to be told apart", "both definitions"),
    Strategy("definition", lambda i: bool(i.definition_term), definition,
             "a sentence defining the term (本法所称X，是指; an item of 下列用语的含义), retrieved or in the best "
             "documents", "the definition with the rest of its paragraph"),
    # Before the gate: the asked value itself, stated more than once in the best document, is the evidence.
    Strategy("recurring_value", lambda i: bool(_VALUE_RECURRING.search(i.text)), recurring_value,
             "the best document's sentences stating a value asked as several (两个70%)", "numbered, document order"),
    Strategy("division_contents", lambda i: asks_for_division(i.text), division_contents,
             "the chapter or section asked for by number or title, in the named or best document",
             "numbered list of its articles' first sentences"),
    Strategy("division_count", lambda i: bool(asked_count(i.text)), division_count,
             "the chapters, sections or articles of the named or best document, counted", "the count, then each or "
             "the last"),
    Strategy("outline_section", _always, outline_section, "a retrieved document's clause whose heading the question "
             "names", "numbered list of its children; its own text when it has none"),
    Strategy("deadline_list", lambda i: i.wants_list, deadline_list,
             "sentences of the best document with the asked deadline and a value", "numbered list"),
    Strategy("stated_purpose", lambda i: bool(_ASKS_PURPOSE.search(i.text)), stated_purpose,
             "the best document's opening sentence stating why it was made (为…，), holding the question's words "
             "with the title (its own evidence)", "that sentence"),
    Strategy("unknown_terms", lambda i: True, unknown_terms,
             "an asked noun, or a kind of permit, the corpus never uses", "refusal"),
)
# Strategies after the gate run only when the best sentences support an answer (see AnswerContext.supported).
GATE = len(STRATEGIES)
STRATEGIES += (
    Strategy("designated_duties", lambda i: bool(_ASKS_DUTIES.search(i.text)), designated_duties,
             "a close sentence making the asked party the holder of a role (…为管理责任人)",
             "that sentence, then the role's duties with their items"),
    Strategy("which_document", lambda i: i.which_document, which_document,
             "the best sentence holding every asked detail", "the document's title and 文号, then the quote"),
    Strategy("undefined_term", lambda i: bool(i.definition_term) and not i.wants_list, undefined_term,
             "a close sentence using the asked term, which no document defines", "saying so, then a quote"),
    Strategy("penalty", lambda i: i.wants_penalty, penalty,
             "a close sentence with a penalty cue (with an amount when asked), or its article's lead",
             "penalty, the conduct item, the punished duty"),
    Strategy("permission", lambda i: i.wants_permission, permission,
             "a close sentence with a modal verb (不得/禁止, 应当, 可以)", "verdict, then the provision"),
    Strategy("scope", lambda i: i.wants_scope, scope, "a close sentence with 适用", "one quote"),
    Strategy("compare", lambda i: i.compare, compare, "close sentences of two documents", "numbered, per document"),
    Strategy("who", lambda i: i.wants_responsible, who,
             "a close sentence naming a body or official (for who bears a cost, one naming that cost)",
             "quote, or 文件未明确 with the closest provision, or refusal when no close sentence names the cost"),
    Strategy("delegated_catalogue", lambda i: bool(_CATALOGUE_CONTENTS.search(i.text)), delegated_catalogue,
             "the closest sentence about the asked 名录/目录/清单 leaves it to an authority", "refusal saying so"),
    Strategy("list", lambda i: i.wants_list, listing, "sentences close to the best, of its document",
             "numbered list in clause order"),
    Strategy("quote", _always, quote, "the best sentence holding every asked detail",
             "quote with close runners-up, or refusal naming the missing detail"),
)


def answer_with(strategies: Sequence[Strategy], ctx: AnswerContext) -> Answer:
    """Try the strategies in order; the first answer wins."""
    for position, strategy in enumerate(strategies):
        if position == GATE and not ctx.supported:
            return ctx.refuse("")
        if strategy.trigger(ctx.intent):
            answer = strategy.answer(ctx)
            if answer is not None:
                return answer
    return ctx.refuse("")
