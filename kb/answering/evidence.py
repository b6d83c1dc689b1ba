"""Evidence for an extractive answer: the sentences of the retrieved clauses scored against the question, the gate
that decides whether the best of them supports any answer, and the check that a sentence holds the detail asked for
(an amount, a year, a place, a time limit, a frequency, a value next to the asked words, a named list)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from kb.analysis.penalties import article_label
from kb.answering import tuning
from kb.answering.intent import FRAME_WORDS, PLACES, QuestionIntent, asked_part
from kb.documents.metadata import issued_title, recipients_line
from kb.documents.normalize import is_date_line, is_org_line
from kb.schema import PREAMBLE_LABEL, SIGNATURE_LABEL, Clause, Hit, Level
from kb.store.snapshot import Snapshot
from kb.text.numerals import Quantity, QuantityKind, find_quantities, has_quantity
from kb.text.provisions import PENALTY_CUE
from kb.text.sentences import ITEM_MARK
from kb.text.tokens import PolicyTokenizer, synonym_table

# A value an answer to "多少" can give: not a bare year or an unnamed number.
_VALUE_KINDS = frozenset({QuantityKind.PERCENT, QuantityKind.COUNT, QuantityKind.MEASURE, QuantityKind.MONEY,
                          QuantityKind.RATIO, QuantityKind.MULTIPLE, QuantityKind.DURATION, QuantityKind.FREQUENCY,
                          QuantityKind.PLAIN})
AMOUNT_KINDS = frozenset({QuantityKind.MONEY, QuantityKind.MULTIPLE})  # 罚款 as an amount or a multiple
_DEADLINE = re.compile(r"20\d\d年|二[〇○零]\S{2}年|“十[四五六]五”|年底|年前|期间|之日起|日起|"
                       r"第[一二三四1-4]季度|[上下]半年|年初|年末|月底|月末|季末|"
                       r"(?<![\d一二三四五六七八九十个])(?:十[一二]|[一二三四五六七八九十]|1[0-2]|[1-9])月(?![份]?[内以])")
# A law says when by the act something comes before ("开工前应当及时告知…", "在作业前与受委托方签订…", "在提出申请前已
# 通过…公开…"); not 目前, 当前, 此前, 提前, 年前 (a deadline, above).
_BEFORE_ACT = re.compile(r"(?<![目当此日提年])(?:之前|以前|前)(?=[，,应须要与向并将报办对由按依已]|完成|建成|开展)")
# … or by the event it follows or goes with ("森林火灾扑灭后，应当及时返还…", "在债权债务依法解决后及时办理注销",
# "在项目实施时，…等量置换平衡"); not 然后, 最后, 今后.
_ON_AN_EVENT = re.compile(r"(?<![然最今此日随前落])(?:之后|以后|后)(?=[，,]?(?:应当|应|须|必须|及时|立即|方可|才能|再))|"
                          r"在[^，。；]{2,12}时(?=[，,])")
# … or at once, as the duty says ("应当即时告知", "应当立即组织"; not "推行当场办结…制度").
_AT_ONCE = re.compile(r"(?:应当|应|须|必须)(?:即时|立即|当场|马上)")
# The event a span is counted from ("自核查完成之日起7个工作日内"), which is no act the span times.
_COUNTED_FROM_EVENT = re.compile(r"自[^，。；]{1,30}?之日起")
# A ban for life ("终生不得从事…"), the answer to "过几年才能重新从事".
_FOR_LIFE = re.compile(r"终[生身](?:不得|禁止|不再)")
_GENERIC_AREAS = {"区县", "城区", "园区", "示范区", "试验区", "新区", "社区", "景区", "限养区", "禁养区", "养殖区", "灌区",
                  "地区", "区域", "自治县", "山区", "库区", "分区", "市区", "郊区", "辖区", "主城区", "中心城区"}
# A named 区/县 ("重庆经开区", "渝中区"), not a phrase ending in one ("有条件的区县").
_NAMED_AREA = re.compile(r"(?:(?![的各等个有在和与及或对为是该本全其以])[\u4e00-\u9fff]){1,4}[区县]")
_AREAS_BY_CRITERION = re.compile(r"([^，。；、]{2,30})的(?:区县|区|县|城市|地区)")
_FRAGMENT_SPLIT = re.compile(r"[，、：]")
# "……的有效期到什么时候", "……的设计库容是多少": the noun whose value is asked for.
# … or the measured thing before a threshold ("车龄超过几年", "年排放量达到多少吨").
# (A sum paid or received right before 多少 is the question's verb: "…的单位收运罚多少", "…的保育费能退多少".)
_ASKED_NOUN = re.compile(r"的(?!最|可以|能|话)((?:(?![要将会又也还被])[\u4e00-\u9fff]){2,6}?)(?:要|将|会|能|可以)?"
                         r"(?:到什么时候|是什么时候|是多少|有多大|是哪一年|[罚赔缴交付扣退领拿]?多少)|"
                         r"((?:(?![要将会应需能必最至到的])[\u4e00-\u9fff]){2,6}?)(?:最低|最高|最少|最多|至少|一般)?"
                         r"(?:要|将|会|应当?|需要?|能|必须)?"
                         r"(?:超过|超出|达到|满|不满|不足|低于|高于)(?:多少|几)|"
                         # "高速公路上最低车速是多少": the measure right before 是多少.
                         # "劳动合同试用期最长多长时间", "试用期最长可以约定多久": the span right before 最长.
                         r"((?:(?![要将会应需能必最至到的上在各都分又也还])[\u4e00-\u9fff]){2,4})"
                         r"(?:各|都|分别|又|也|还)?(?:(?:是|为|最多|最少|最高|最低|不超过)多少|"
                         r"(?:最长|最短)(?:是|为|可以|能)?(?:(?:(?![是为多几])[\u4e00-\u9fff]){2})?(?:多长时间|多久|几年|几个月|多少天|几天))|"
                         # "逾期利息按什么利率计算": the measure a sum is reckoned by.
                         r"按照?什么([\u4e00-\u9fff]{2,4}?)(?:来|去)?(?:计算|算|计收|征收|收取|确定|核定|缴纳)|"
                         # "网约车司机需要什么学历", "投放到什么颜色的垃圾桶": the kind of thing asked for ("有什么硬指标吗" asks whether
                         # there are any: its noun frames the question).
                         r"(?<!有)什么(?!时候|时间|样)((?:(?![的吗呢吧啊呀来去才])[\u4e00-\u9fff]){2,3}?)(?:来|去)?(?=的|[？?，,。；]|$)")
# Where national laws do not generally apply (the special administrative regions, under their basic laws; Taiwan).
_OUTSIDE_NATIONAL_LAW = frozenset({"香港", "澳门", "台湾"})
# Nouns that frame a question rather than name its matter ("持什么态度", "有什么说法"): never an unknown detail.
_QUESTION_FRAME_NOUNS = frozenset("规矩 态度 说法 讲究 意思 区别 概念 东西 方向 路子 做法 样子 举措 表述 数值 层面 时候 地方 "
                                  "原因 理由 好处 后果 结果 用处 作用 意义 目的 性质 特点 形式 方式 方法 途径 渠道 名字 名称".split())
# What a count asks for: the noun after its classifier ("多少座公共充电站").
_COUNTED = re.compile(r"(?:多少|几)(?:个|座|家|辆|台|套|处|项|所|艘|批|名|位|株|棵|只|头|片|块|张)"
                      r"(?!工作日|小时|月|星期|季度)([\u4e00-\u9fff]{2,8}?)(?:[？?，,。]|$)")
# A law may leave a time limit to an authority ("在国务院生态环境主管部门规定的期限内进行整改"): that is its answer to
# "在什么期限内", not to "几个工作日内", which asks for the number.
_HOW_LONG = re.compile(r"几|多少|多长|多久")
_PERIOD_SET_BY_AN_AUTHORITY = re.compile(r"在[^，。；]{2,30}(?:规定|确定|指定|责令|要求)的[^，。；]{0,8}?(?:期限|时限|时间)内")
# The act a time limit is asked of: what follows "多少个工作日内" ("组织复查验收").
_TIMED_ACT = re.compile(r"(?:多少|几)个?(?:工作日|日|天|小时|星期|周|月)(?:内|以内|之内)(?:要|应当|应|必须|须|得)?"
                        r"([\u4e00-\u9fff]{2,10}?)(?:[？?，,。；]|吗|呢|$)")
# The act a frequency is asked of: "多久报送一次" (报送), "每年要组织几次检查" (组织…检查).
_REPEATED_ACT = re.compile(r"(?:多久|多长时间)(?:要|需要|应当|应|必须|须|得)?([\u4e00-\u9fff]{2,10}?)一次|"
                           r"每(?:年|半年|季度|月|周|天|日)(?:要|需要|应当|应|必须|须|得)?([\u4e00-\u9fff]{0,6}?)"
                           r"(?:几|多少)(?:次|回|遍)([\u4e00-\u9fff]{0,8})")
# Words for one measure: "非化石能源消费比重" is the share the text calls "非化石能源消费占一次能源比例".
_SAME_MEASURE = (frozenset({"比重", "比例", "占比"}),)
# A span asked for by its name, and the event of its end, from which another span counts.
_SPAN_NOUN = re.compile(r"有效期限|有效期|保存期限|使用期限|试用期|任期")
_SPAN_ENDS = re.compile(r"届满|到期|满")
# A contact asked for, and one given: a telephone number, an e-mail or web address.
_ASKS_CONTACT = re.compile(r"(?:电话|热线|号码|手机号|传真)(?:号码)?(?:是|为)?(?:多少|几号|什么)|(?:邮箱|网址)(?:是|为)?(?:什么|多少)")
_CONTACT = re.compile(r"\d{5,}|\d{3,4}[-－—]\d{7,8}|[\w.]+@[\w.]+|https?://|www\.")
# A count of the classes something falls into, and a provision naming them one by one.
_CLASSES_COUNTED = re.compile(r"(?:分为|分成|划分为|划为|分)几(?:个|类|种|级|等|档)")
_CLASSES_NAMED = re.compile(r"(?:分为|分成|划分为|划为)[^。；：]*?[\u4e00-\u9fff]、[\u4e00-\u9fff]")
_INDICATORS_ASKED = re.compile(r"(?:哪些|哪几项|哪几个|哪项)[^，。？?]{0,8}指标")
_ASKS_AMOUNT = re.compile(r"多少|几成|百分之几|数值|目标值")
_INDICATORS_NAMED = re.compile(r"[\u4e00-\u9fff]、[^。；：，]{1,30}等?指标|^指标：")  # or a table row naming one
# Units of measure by what they measure; a question asks one in its unit ("几米", "多少平方米", "多少吨").
_DIMENSIONS = {**dict.fromkeys(("米", "公里", "千米", "厘米", "毫米"), "length"),
               **dict.fromkeys(("平方米", "平方公里", "平方千米", "公顷", "亩"), "area"),
               **dict.fromkeys(("立方米", "升", "毫升"), "volume"),
               **dict.fromkeys(("吨", "千克", "公斤", "克"), "weight")}
_ASKED_MEASURE = re.compile(r"(?:几|多少)(" + "|".join(sorted(_DIMENSIONS, key=len, reverse=True)) + ")")
_DEADLINE_TOKEN = re.compile(r"20\d\d|十四五|期间|^年")
_MODAL_WORDS = frozenset("需要 应当 应该 必须 可以 能够 允许".split())
# A span asked in its unit: hours or minutes ("多少小时内要报告"), years ("有效期是几年"), months ("整改期限最长是几个
# 月"); not 好几个月 (several months).
_ASKED_UNIT = re.compile(r"(?<!好)(?:多少|几)个?(小时|分钟|年|月)(?![度级份])")
# When a law's rule recurs: "每年第一季度", "每半年".
_PERIOD = re.compile(r"每(?:年|半年|季度|月|周|日|天)")
# A year bounding what a provision covers ("2000年底前建成的"), not a target by it.
_YEAR_BOUND = re.compile(r"\d{4}年(?:年?底|末)?(?:以前|之前|前|以后|之后|后)")
# A day of the year, or of every month ("于每月5日前报送").
_DATE = re.compile(r"(?:[0-9一二三四五六七八九十]{1,3}|每)月[0-9一二三四五六七八九十]{1,3}日")
_ASKS_ATTACHMENTS = re.compile(r"附件|附表")
# A span looking back from now ("近3年内未发生…"): a condition on the past, no time limit.
_LOOKING_BACK = re.compile(r"(?:近|过去)$")
# A span counted from an event: "交付使用后的六个月", "之日起三十日".
_COUNTED_FROM = re.compile(r"(?:后的?|之日起|起|之前|以前|前的?)$")
# An item of a law (…第（三）项) and an article's first paragraph, which stays in the article's own clause.
_ITEM_LABEL = re.compile(r"第（[一二三四五六七八九十]+）项$")
_FIRST_PARAGRAPH = re.compile(r"第一款$")
_LATER_PARAGRAPH = re.compile(r"^(第[一二三四五六七八九十百零〇]+条(?:之[一二三四五六七八九十]+)?)第[二三四五六七八九十]+款$")


SPANS = frozenset({QuantityKind.DURATION})  # a span of time: a time limit, a term, a period


def _joined_acts(text: str) -> list[str]:
    """The sentence's fragments, an act joined by 并 kept with the one before it: "…应当在十五日内作出处理，并回复
    投诉、举报人" gives 回复 the fifteen days too; not one with a span of its own ("…在规定的时限内完成，并自核查完成
    之日起7个工作日内…反馈", whose seven days are 反馈's alone)."""
    joined: list[str] = []
    for fragment in _FRAGMENT_SPLIT.split(text):
        if joined and fragment.startswith(("并", "同时")) and not quantities_of(fragment, SPANS):
            joined[-1] += fragment
        else:
            joined.append(fragment)
    return joined


def is_item(label: str) -> bool:
    """An item of a law's article (…第（三）项)."""
    return bool(_ITEM_LABEL.search(label))


def _asked_value_kinds(intent: QuestionIntent) -> frozenset[QuantityKind]:
    """The kinds of value that answer the question: a frequency, a span of time, an amount, any value."""
    if intent.wants_frequency:
        return frozenset({QuantityKind.FREQUENCY})
    if intent.wants_duration:
        return frozenset({QuantityKind.DURATION})
    if intent.wants_money:
        return AMOUNT_KINDS
    if intent.wants_share:
        return frozenset({QuantityKind.PERCENT, QuantityKind.RATIO})
    return _VALUE_KINDS if intent.wants_number else frozenset()


def _time_limit(text: str) -> bool:
    """"三十日内", "届满六十日前", "不得迟于交付使用后的六个月": a span bounded by 内 / 前, or counted from an event,
    says when; "三年行动计划" does not, nor does a span looking back ("近3年内未发生…事故", a condition)."""
    return has_quantity(text) and any(
        q.kind == QuantityKind.DURATION and not _LOOKING_BACK.search(text[:q.start])
        and (q.bound or text[q.end:q.end + 1] in ("前", "后", "内") or _COUNTED_FROM.search(text[:q.start]))
        for q in find_quantities(text))


def _same_measure(word: str) -> frozenset[str]:
    """The words for the measure the word names, itself included (比重: 比重, 比例, 占比)."""
    return next((same for same in _SAME_MEASURE if word in same), frozenset({word}))


def _said_otherwise(word: str, vocabulary: Collection[str]) -> bool:
    """Whether the documents name the measure by another of its words (比重 as 比例)."""
    return any(other in vocabulary for other in _same_measure(word) - {word})


def _missing_value(intent: QuestionIntent) -> str:
    if intent.wants_frequency:
        return "文件没有规定具体次数"
    return "文件没有规定具体期限" if intent.wants_duration else "文件没有给出具体数值"


@dataclass(frozen=True)
class ScoredSentence:
    doc_id: str
    clause: Clause
    text: str
    score: float
    rank: int  # rank of its clause in retrieval (0: not from retrieval)
    lexical: float = 0.0  # the share of the question's words it holds: the evidence gate reads this part


def states_amount(text: str) -> bool:
    """A sum of money or a multiple of one; or, in a penalty, a share of one ("处工程合同价款百分之二以上百分之四以下的罚款")
    or one bounded by a sum ("并处所交易碳排放配额等产品的价款等值以下的罚款")."""
    return quantities_of(text, AMOUNT_KINDS) or bool(PENALTY_CUE.search(text) and (
        quantities_of(text, frozenset({QuantityKind.PERCENT})) or _FINE_OF_A_SUM.search(text)))


_FINE_OF_A_SUM = re.compile(r"(?:等值|等额)(?:以下|以上)?的?罚款")


# A time of day: 9:00, 7时, 19时30分, 上午九点.
_HOUR = re.compile(r"\d{1,2}[:：]\d{2}|[0-9一二三四五六七八九十]{1,3}(?:时|点)(?!间)")
# Where to go: a place of business, an address.
_OFFICE = re.compile(r"地点|地址|窗口|大厅|服务中心|政务中心|办事处|[路街巷道]\d+号|\d+[楼层]|[一二三四五六七八九十]+楼")


def names_places(text: str) -> bool:
    """Does the sentence say which places: by name ("重庆经开区"), or by a measurable criterion ("生活垃圾产生量
    超过300吨/日的区县")? "有条件的区县" says neither."""
    if any(a not in _GENERIC_AREAS for a in _NAMED_AREA.findall(text)):
        return True
    return any(quantities_of(fragment, _VALUE_KINDS) for fragment in _AREAS_BY_CRITERION.findall(text))


def quantities_of(text: str, kinds: frozenset[QuantityKind]) -> bool:
    return has_quantity(text) and any(q.kind in kinds and _is_value(q) for q in find_quantities(text))


def _is_value(quantity: Quantity) -> bool:
    """A number without a unit is a value only as a coefficient or index ("利用系数达到0.74", "不低于1.2"), not a
    bare count or number of something unnamed."""
    return quantity.kind != QuantityKind.PLAIN or "." in quantity.text or bool(quantity.bound)


# A law's word for a kind of thing the question words otherwise: "哪些情况" are its 情形.
_SAME_KIND = {"情况": ("情形",), "情形": ("情况",)}


def kinds_of(noun: str) -> tuple[str, ...]:
    """The asked kind of thing and the law's other words for it."""
    return (noun, *_SAME_KIND.get(noun, ()))


def lists_noun(text: str, noun: str) -> bool:
    """Does the sentence list things of the asked kind? "哪些绿色设施" is answered by "创建绿色公路、绿色港口…"."""
    enumerates = text.count("、") >= 2 or bool(re.search(r"[（(][一二三四五六七八九十]+[)）]|、[^，。；、]{1,20}(?:和|及|以及)", text))
    # What is disclosed or filed is named by its parts ("公开哪些信息": "公开…服务标准、资费标准和办理时限"); papers
    # filed are papers ("补贴申请表；营业执照复印件；…报告"), not the facilities a grant names ("公共充电桩、专用充电桩和
    # 换电站，可以申请建设补贴"), nor a time limit counted from their receipt ("收到申报材料之日起15个工作日内"):
    # a sentence naming them only lists them when it introduces them ("应当提交下列材料：").
    if noun in PAPERS:  # (each item of a list of them is a sentence of its own: "（2）营业执照复印件；")
        return (enumerates or bool(ITEM_MARK.match(text))) and bool(_PAPER.search(text)) or (
            any(kind in text for kind in kinds_of(noun)) and text.endswith(("：", ":")))
    if any(kind in text for kind in kinds_of(noun)):
        return True
    if noun in _CONTENT_NOUNS:
        return enumerates
    return enumerates and any(noun[i:i + 2] in text for i in range(len(noun) - 1))


_CONTENT_NOUNS = frozenset("信息 事项".split())
PAPERS = frozenset("资料 材料".split())
_PAPER = re.compile(r"材料|资料|表|书|证|执照|报告|复印件|清单|合同|协议|凭证|发票|方案|文件|图纸|记录|说明")


# A permit or certificate and the words before it that may name its kind ("开一家小吃店要办食品经营许可证"); 经营许可证
# is a kind of 许可证 that is itself named by what is run ("燃气经营许可证").
_PERMIT = re.compile(r"[\u4e00-\u9fff]{1,10}?(经营许可证|许可证|登记证|资格证|合格证|上岗证|执照|驾驶证|运输证|经营证|证书)")
# What is done with a permit, and the small words around it, end its kind ("未取得燃气经营许可证": 燃气).
_PERMIT_BREAK = re.compile(r"的|办理|申请|取得|持有|颁发|核发|吊销|注销|撤销|需要|必须|拿到|要|办|了|把|对|和|与|及|或|在|交|领|拿|"
                           r"给|将|被|让|未|没有|无|凭|有|是|张|个")
_DETERMINERS = frozenset("那些 这些 那个 这个 有关 相关 所有 各类 各种 其他 上述 什么 哪些 哪种 哪个 哪类 何种 几种 几个".split())


# The years a title closes with, in brackets ("…行动方案（2023—2025年）").
_TITLE_YEARS = re.compile(r"(?=[（(][^（）()]*年[）)]$)")


class SentenceScorer:
    """Scores the sentences of retrieved clauses: the idf-weighted share of the question's words in the sentence and
    its heading, plus dense similarity of the stored sentence vectors when a similarity function is given."""

    def __init__(self, snapshot: Snapshot, tokenizer: PolicyTokenizer,
                 similarities: Callable[[str, Sequence[str]], dict[str, float]] | None = None) -> None:
        self.snapshot = snapshot
        self.tokenizer = tokenizer
        self.similarities = similarities
        self._weights_by_text: dict[tuple[str, bool], dict[str, float]] = {}
        self._mastheads: dict[str, frozenset[str]] = {}

    def weights(self, text: str, expand: bool = True) -> dict[str, float]:
        """idf weight of each word of the text, expanded with the formal terms of its colloquial words unless
        `expand` is false; asked once per contender sentence, computed once."""
        key = (text, expand)
        if key not in self._weights_by_text:
            # (A pair of characters of a word jieba does not know counts only when a document uses it: most such
            # pairs of a question are no words, "多快" of "分别要多快报告", and would dilute the share.)
            vocabulary = self.snapshot.bm25.vocabulary
            words = [t for t in self.tokenizer.query_tokens(text, vocabulary)
                     if t in vocabulary or not self.tokenizer.is_unknown_pair(t)]
            if expand:  # a formal term no document uses can match nothing: it would only dilute the share
                formal = [t for t in self.tokenizer.query_tokens(self.tokenizer.expand_query(text), vocabulary)
                          if t not in words and t in vocabulary]
                # … and so would a colloquial word no document uses (瞎编), once its formal terms (捏造) stand for it.
                colloquial = synonym_table()
                words = [t for t in words if t in self.snapshot.bm25.vocabulary or t not in colloquial] + formal
            self._weights_by_text[key] = {t: self.snapshot.bm25.idf(t) for t in dict.fromkeys(words)}
        return self._weights_by_text[key]

    @staticmethod
    def coverage(weights: dict[str, float], text: str) -> float:
        total = sum(weights.values())
        lowered = text.lower()
        return sum(w for t, w in weights.items() if t in lowered) / total if total else 0.0

    def score(self, intent: QuestionIntent, hits: Sequence[Hit]) -> list[ScoredSentence]:
        weights = self.weights(intent.resolved)
        focus = self.weights(intent.focus) if intent.focus != intent.resolved else {}
        candidates = []
        for rank, hit in enumerate(hits[:tuning.CANDIDATE_CLAUSES], 1):
            clause = self.snapshot.clause(hit.doc_id, hit.clause_label)
            # (What is left of the 落款 beside its signers and date, the note of the attachments, answers only what
            # is attached.)
            if clause is None or (clause.label == SIGNATURE_LABEL and not _ASKS_ATTACHMENTS.search(intent.text)):
                continue
            masthead = self.masthead(hit.doc_id)
            for index, sentence in enumerate(clause.sentences):
                if sentence.text.strip() and sentence.text.strip() not in masthead:
                    chunk_id = self.snapshot.chunks.chunk_for(hit.doc_id, clause.label, index)
                    candidates.append((rank, hit, clause, sentence.text.strip(), chunk_id))
        dense = self.similarities(intent.resolved, [c[-1] for c in candidates if c[-1]]) if self.similarities else {}
        # Retrieval's score relative to its best hit: on 0..1 whichever retriever ranked them (BM25 scores are not).
        best_hit = max((hit.score for hit in hits), default=0.0)
        scored = []
        lead_ins = {(hit.doc_id, clause.label): self.lead_in(hit.doc_id, clause) or self.section_heading(hit.doc_id, clause)
                    for _, hit, clause, _, _ in candidates}
        for rank, hit, clause, text, chunk_id in candidates:
            lexical = self.coverage(weights, f"{clause.heading} {text}")
            lead_in = lead_ins[(hit.doc_id, clause.label)]
            if lead_in:  # the item's own words count most: many items share one lead-in ("有下列行为之一的，…")
                lexical += tuning.LEAD_IN_WEIGHT * (self.coverage(weights, f"{clause.heading} {lead_in} {text}") - lexical)
            if focus:  # a follow-up's own words ("农膜呢？") must be in the sentence itself
                lexical = min(lexical, self.coverage(focus, text) + 0.2)
            score = lexical
            if chunk_id in dense:  # meaning, for colloquial questions that share few words with the text
                score += tuning.DENSE_WEIGHT * max(0.0, dense[chunk_id] - tuning.DENSE_FLOOR) / (1 - tuning.DENSE_FLOOR)
            if best_hit > 0:
                score += tuning.RETRIEVAL_WEIGHT * hit.score / best_hit
            score += tuning.RANK_BONUS / rank + (tuning.BEST_SENTENCE_BONUS if text == hit.best_sentence else 0.0)
            scored.append(ScoredSentence(hit.doc_id, clause, text, score, rank, lexical))
        return sorted(scored, key=lambda s: -s.score)

    def masthead(self, doc_id: str) -> frozenset[str]:
        """The document's header lines (issuer, title lines, 文号, 主送) as its preamble holds them: they name the document
        and say nothing of what it provides, so they are never quoted as an answer (the metadata strategy reads
        them). So are a cover letter's date line and the title of the text it issues, which stand before that text
        ("关于印发…方案的通知" … "2025年3月18日" "…方案"), and the 落款's signers and date."""
        if doc_id not in self._mastheads:  # read once per document, not once per retrieved clause
            doc = self.snapshot.documents.get(doc_id)
            meta = doc.meta if doc else None
            preamble = doc.clause(PREAMBLE_LABEL) if doc else None
            addressed = recipients_line(preamble.text) if preamble else ""  # whom it is sent to: no provision
            dated = [s.text for s in preamble.sentences if is_date_line(s.text.strip())] if preamble else []
            # The 落款's signers and date sign the text; they date no deadline in it.
            signature = doc.clause(SIGNATURE_LABEL) if doc else None
            signed = [s.text for s in signature.sentences
                      if is_date_line(s.text.strip()) or is_org_line(s.text.strip())] if signature else []
            issued = issued_title(meta.title) if meta else ""
            # (An issued text's title may print its years on a line of their own: "…行动方案" "（2023—2025年）".)
            self._mastheads[doc_id] = frozenset(
                line.strip() for line in (*meta.info_lines, meta.title, meta.doc_number, meta.issuer, addressed,
                                          issued, *_TITLE_YEARS.split(issued), *dated, *signed) if line
            ) if meta else frozenset()
        return self._mastheads[doc_id]

    def without_past_bounds(self, doc_id: str, text: str, question: str) -> str:
        """The text less its year bounds before the document's own year ("改造对象为2000年底前建成的…小区"): what was
        done by then is a condition on the past, not when anything the document asks for is due; unless the question
        asks when of that act ("什么时候之前建成的小区可以改造")."""
        doc = self.snapshot.documents.get(doc_id)
        year = doc.meta.date[:4] if doc and doc.meta and doc.meta.date else ""
        if not year.isdigit():
            return text

        def kept(bound: re.Match) -> str:
            past = bound.group(0)[:4] < year and text[bound.end():bound.end() + 2] not in question
            return "" if past else bound.group(0)
        return _YEAR_BOUND.sub(kept, text)

    def lead_in(self, doc_id: str, clause: Clause) -> str:
        """The sentence an item stands under ("公众聚集场所装修时，应当遵守下列规定：" for "（一）不得改变…承重结构；"):
        an item of a law says what it is about only with it. "" for other clauses."""
        parent = self.item_parent(doc_id, clause)
        return parent.sentences[-1].text.strip() if parent else ""

    def section_heading(self, doc_id: str, clause: Clause) -> str:
        """The heading of the titled section a clause without a heading of its own stands in ("二、申报条件" over
        "1．单位产品综合能耗达到行业先进水平；"): a 通知's or 方案's items say what they are about only with it. ""
        for a law's articles, whose chapters are no topic of each article."""
        if clause.heading or len(clause.path) < 2 or article_label(clause.label):
            return ""
        section = self.snapshot.clause(doc_id, "".join(clause.path[:-1]))
        return section.heading if section else ""

    def _act_weights(self, act: str) -> dict[str, float]:
        """The words of an asked act that some document uses, neither modal nor frame words."""
        return {t: w for t, w in self.weights(act, expand=False).items()
                if t not in _MODAL_WORDS and t not in FRAME_WORDS and t in self.snapshot.bm25.vocabulary}

    def article_opening(self, doc_id: str, clause: Clause) -> str:
        """The first sentence of the article a later paragraph belongs to: "…作出是否许可的决定" is the decision on the
        permit its article opens with ("…应当申请取得收运许可"). "" for other clauses."""
        later = _LATER_PARAGRAPH.match(clause.label)
        article = self.snapshot.clause(doc_id, later.group(1)) if later else None
        return article.sentences[0].text.strip() if article and article.sentences else ""

    def item_parent(self, doc_id: str, clause: Clause) -> Clause | None:
        """The clause whose last sentence introduces this item (…下列规定：), or None: a law's article or paragraph
        over its 项, or a 通告's or 意见's clause over its (一)(二) ("二、…下列地点禁止燃放烟花爆竹：" over "（四）医院、…")."""
        if is_item(clause.label):
            paragraph = _ITEM_LABEL.sub("", clause.label)
            # An article's first 款 stays in the article's own clause (kb.answering.strategies._items).
            parent = self.snapshot.clause(doc_id, paragraph) or self.snapshot.clause(
                doc_id, _FIRST_PARAGRAPH.sub("", paragraph))
        elif len(clause.path) > 1 and not article_label(clause.label):
            parent = self.snapshot.clause(doc_id, "".join(clause.path[:-1]))
        else:
            return None
        last = parent.sentences[-1].text.strip() if parent and parent.sentences else ""
        return parent if last.endswith(("：", ":")) else None

    def matter_words(self, intent: QuestionIntent) -> list[str]:
        """The words of what the question is about that some document uses (its colloquial words' formal terms
        included): not its frame (FRAME_WORDS), not a place."""
        return [t for t in self.weights(intent.resolved) if len(t) >= 2 and t not in FRAME_WORDS
                and not t.startswith(PLACES) and t in self.snapshot.bm25.vocabulary]

    def unknown_asked_terms(self, intent: QuestionIntent) -> list[str]:
        """Words of a detail question (how much, when) that occur nowhere in the corpus ("有效期", "库容"): the asked
        detail cannot be in the documents."""
        asked = _ASKED_NOUN.search(intent.focus)
        if not asked:
            return []
        noun = next(group for group in asked.groups() if group)
        if noun in FRAME_WORDS or noun.startswith(tuple(_QUESTION_FRAME_NOUNS)):  # 什么东西点起来的: a frame, then a verb
            return []
        colloquial = synonym_table()
        vocabulary = self.snapshot.bm25.vocabulary
        # (A pair of characters jieba could not join is no word: "盖率" of "覆盖率目标" cut off by the pattern. A word
        # jieba does not know is looked for by its head below.)
        # A compound ending in a known word is that kind of thing ("优惠政策" is a 政策).
        unknown = [t for t in self.tokenizer.tokens(noun) if t not in vocabulary and not self.tokenizer.is_unknown_pair(t)
                   and not any(t in c for c in colloquial)
                   and not any(t.endswith(w) for w in self.tokenizer.tokens(t) if len(w) >= 2 and w in vocabulary)
                   and t not in _QUESTION_FRAME_NOUNS and not _said_otherwise(t, vocabulary)]
        # A word jieba does not know ("车龄") has no token of its own: its head, the last two characters, is looked
        # for in the texts.
        head = noun[-2:]
        if not any(head in t for t in unknown) and head not in vocabulary and not _said_otherwise(head, vocabulary) \
                and not any(head in c for c in colloquial) \
                and not any(head in doc.text for doc in self.snapshot.documents.values()):
            unknown.append(head)
        return [t for t in unknown if not any(t != other and t in other for other in unknown)]  # 试用期, not 试用 too

    def unknown_permits(self, question: str) -> list[str]:
        """Permits and certificates the question names by a kind no document names ("食品经营许可证", "养犬登记证"):
        only the documents' own permits (排污许可证, 道路运输证) can be answered about. A permit referred to without
        its kind ("那些经营许可证", "申请许可证", "他手上的资格证") is not one."""
        unknown = []
        table = synonym_table()
        for found in _PERMIT.finditer(question):
            head = found.group(1)
            kind = _PERMIT_BREAK.split(found.group(0)[:-len(head)])[-1][-4:]
            if len(kind) < 2 or kind in _DETERMINERS:
                continue
            # Known when a document speaks of that kind of licence or business: its kind (or the kind's formal
            # term: 网约车 → 网络预约出租汽车) shortly before the licence's own word (货运经营 for 货运经营许可证,
            # 危险废物经营许可 for 危险废物经营许可证, 排污许可 for 监管排污许可证).
            kinds = {kind, kind[-2:], *table.get(kind, ()), *table.get(kind[-2:], ())}
            licence = re.compile("(?:" + "|".join(map(re.escape, sorted(kinds))) + ")[^，。；]{0,6}" + head[:2])
            if not any(licence.search(doc.text) for doc in self.snapshot.documents.values()):
                unknown.append(kind + head)
        return unknown

    def names_owner(self, owner: str, text: str) -> bool:
        """Whether the text names the owner by its most specific word, its formal terms, or the word's characters
        (an abbreviation: 客运班线 for 班车客运线路): "食品生产许可证的有效期" is not answered about an 排污许可证, however
        many of its other words (生产, 许可证) the clause shares."""
        weights = self.weights(owner, expand=False)
        if not weights:
            return True
        specific = max(weights, key=weights.__getitem__)
        return all(char in text for char in specific) or any(term in text for term in synonym_table().get(specific, ()))

    def _stands_by(self, noun: str, window: str, sentence: ScoredSentence) -> bool:
        """Whether the noun's head word (its last word), or a word for the same measure (比重 for 比例), stands by the
        value or in the lead-in of its item."""
        head = (self.tokenizer.tokens(noun) or [""])[-1]
        lead_in = self.lead_in(sentence.doc_id, sentence.clause)
        return not head or any(h in window or h in lead_in for h in _same_measure(head))

    def _owner_named(self, noun: str, sentence: ScoredSentence) -> bool:
        """Whether the provision is about what the measured noun belongs to ("绿道" of "城市绿道宽度"): a width of
        绿化缓冲带 is no width of a 绿道."""
        head = (self.tokenizer.tokens(noun) or [""])[-1]
        owner = noun[:noun.rfind(head)] if head else ""
        about = f"{sentence.clause.heading} {sentence.clause.text} {self.lead_in(sentence.doc_id, sentence.clause)}"
        # (The owner's own head, its last two characters, is looked for as written: jieba may not know it, 绿道.)
        return len(owner) < 2 or (owner[-2:] in about
                                  and self.coverage(self.weights(owner), about) >= tuning.MIN_OWNER_COVERAGE)

    def missing_detail(self, intent: QuestionIntent, sentence: ScoredSentence) -> str:
        """Why the sentence does not answer the question, or "" when it does."""
        text = sentence.text
        # Deadline words ("“十四五”期间", "到2025年") say when, not what: they must not pick the fragment.
        # A modal verb found there is no sign of the asked words ("补办新证需要多少天" is not about "…需要继续排放
        # 污染物的"): it weighs in the question's total, never in a fragment's share.
        # (A follow-up's own words are its new condition, "如果是在主城以外经营，又要多少个": the value stands by them.)
        asking = asked_part(intent.focus) if intent.focus == intent.resolved else intent.focus
        weights = {t: w for t, w in self.weights(asking).items() if not _DEADLINE_TOKEN.search(t)}
        weights = {(f"\0{t}" if t in _MODAL_WORDS else t): w for t, w in weights.items()}
        fragments = [f for f in _FRAGMENT_SPLIT.split(text) if f.strip()] or [text]
        at = max(range(len(fragments)), key=lambda i: self.coverage(weights, fragments[i]))
        # The asked-about phrase and what follows it ("认证和管理，到2025年，…达到3000个"): where its value would be.
        # A provision states its condition first ("护林员离岗六个月及以上重新上岗的，应当重新参加培训"; "占用绿地两百平方米
        # 以上的，由区主管部门审查，报市人民政府审批"): the value may stand in the condition of the asked duty.
        start = next((j for j in range(at - 1, max(at - 3, -1), -1) if fragments[j].endswith("的")), at)
        window = "，".join(fragments[start:at + 3])
        meta = self.snapshot.documents[sentence.doc_id].meta
        if intent.asked_value:
            owner, value = intent.asked_value
            about = f"{sentence.clause.heading} {sentence.clause.text} {self.lead_in(sentence.doc_id, sentence.clause)}"
            if self.coverage(self.weights(owner), about) < tuning.MIN_OWNER_COVERAGE:
                return f"文件没有规定{owner}的{value}"
            # (Said without the owner: a long owner read off a question is not always a phrase to quote back.)
            if not self.names_owner(owner, about):
                return _missing_value(intent)
            # A span of time stands anywhere in its sentence (below), so that sentence must be about the owner: a
            # clause about 巡游出租汽车 holds other time limits than its 车辆经营权's 使用期限. A later sentence of a
            # provision leaves its subject unsaid, and is about the owner when it names the asked value itself
            # ("连续两年信用评价不合格的，…" for 经营者的信用评价连续多长时间不合格); a span's name (期限) is no such word.
            named_value = {t: w for t, w in self.weights(value, expand=False).items() if t not in FRAME_WORDS}
            if intent.wants_duration and self.coverage(self.weights(owner), text) < tuning.MIN_OWNER_COVERAGE and (
                    not named_value or self.coverage(named_value, text) < tuning.MIN_OWNER_COVERAGE):
                return f"文件没有规定{owner}的{value}"
        if intent.wants_money and not states_amount(text):
            return "文件没有规定具体金额"
        # A fine is no price, fee or subsidy: "收费标准是多少钱" is not answered by "…每平方米五百元以上…罚款".
        if intent.wants_money and not intent.wants_penalty and PENALTY_CUE.search(text):
            return "文件没有规定具体金额（只规定了罚款）"
        for year in intent.years:
            # (A document for one year speaks of it throughout; a provision bounding a year, "2000年底前建成的", says
            # of every other year of what it bounds, unless the question asks a target by that year: "到2030年…".)
            if year not in text and year not in meta.title and not (
                    _YEAR_BOUND.search(text) and not re.search(rf"(?:到|至|截至|截止)\s*{year}", intent.focus)):
                return f"文件没有提到{year}年的相关内容"
        own_place = meta.issuer[:2] if meta.issuer else ""
        for place in intent.places:
            # A national law or regulation holds in every province and city of the mainland ("在重庆，排污许可证的有效期
            # 是几年" is answered by 排污许可管理条例); a local one only in its own.
            if meta.level == Level.NATIONAL and place not in _OUTSIDE_NATIONAL_LAW:
                continue
            if place != own_place and place not in text:
                return f"文件的适用范围不包括{place}"
        if intent.wants_named_places and not names_places(text):
            return "文件没有列出具体地点"
        if intent.wants_office and not _OFFICE.search(text):
            return "文件没有规定办理地点"
        if intent.wants_hours and not _HOUR.search(text):
            return "文件没有规定具体时间"
        if intent.list_noun and not lists_noun(text, intent.list_noun):
            return f"文件没有列出具体的{intent.list_noun}"
        # "举报电话是多少" asks a telephone number, which no unit marks as a quantity ("举报电话：12345").
        contact = _ASKS_CONTACT.search(asking)
        if contact and not _CONTACT.search(text):
            return "文件没有给出联系方式"
        asked_kinds = frozenset() if contact else _asked_value_kinds(intent)
        # "分为几个等级" is answered by the classes a provision names ("划分为基本级、一星级、二星级、三星级"), not a number.
        if asked_kinds and _CLASSES_COUNTED.search(asking) and _CLASSES_NAMED.search(text):
            asked_kinds = frozenset()
        # "规划还必须规定哪些指标" is answered by the indicators a provision names ("规定资源产出率、废物再利用和资源化率
        # 等指标"); a value is asked only with 多少 (which the pattern for values reads).
        if asked_kinds and _INDICATORS_ASKED.search(asking) and not _ASKS_AMOUNT.search(asking) \
                and _INDICATORS_NAMED.search(text):
            asked_kinds = frozenset()
        # "过几年才能重新从事…" is answered by a ban for life ("终生不得从事…"): no span, because there is none.
        for_life = intent.wants_duration and bool(_FOR_LIFE.search(text))
        if asked_kinds and not intent.wants_money and not quantities_of(text, asked_kinds) and not for_life and not (
                intent.wants_frequency and _PERIOD.search(text)) and not (
                intent.wants_duration and _PERIOD_SET_BY_AN_AUTHORITY.search(text)
                and not _HOW_LONG.search(asking)):
            return _missing_value(intent)
        # "有效期多久" is not answered by the renewal that counts from its end ("有效期届满60日前…提出申请"), unless
        # that is what it asks ("有效期届满前多少日申请").
        span = _SPAN_NOUN.search(intent.focus) if intent.wants_duration else None
        if span and not _SPAN_ENDS.match(intent.focus, span.end()) and span.group() in text and all(
                _SPAN_ENDS.match(text, found.end()) for found in re.finditer(re.escape(span.group()), text)):
            return _missing_value(intent)
        # "处置单位多久报送一次处置量" is not answered by another act's frequency ("收运单位应当每日至少收运一次").
        repeated = _REPEATED_ACT.search(intent.focus) if intent.wants_frequency else None
        if repeated:
            act = self._act_weights("".join(w for w in repeated.groups() if w))
            if act and self.coverage(act, f"{text}{self.lead_in(sentence.doc_id, sentence.clause)}") \
                    < tuning.MIN_OWNER_COVERAGE:
                return _missing_value(intent)
        # "多少小时内要报告" is not answered by a limit in days ("三十日内抄送…"): hours and minutes are asked of
        # urgent acts, which a limit in days is not; nor "有效期是几年" by the renewal's "届满60日前".
        unit = _ASKED_UNIT.search(intent.focus)
        if intent.wants_duration and unit and not for_life and not any(
                q.kind == QuantityKind.DURATION and q.unit == unit.group(1) for q in find_quantities(text)):
            return _missing_value(intent)
        # "绿道宽度至少几米" asks a length: an area ("两百平方米以上的") or a weight is another measure.
        measure = _ASKED_MEASURE.search(asking)
        if measure and not any(q.kind == QuantityKind.MEASURE and _DIMENSIONS.get(q.unit) == _DIMENSIONS[measure.group(1)]
                               for q in find_quantities(text)):
            return _missing_value(intent)
        # "在多少个工作日内组织复查验收" asks the time limit of that act: another act's limit in the provision ("十五日内作出
        # 批复") is not it.
        timed = _TIMED_ACT.search(intent.focus)
        if intent.wants_duration and timed:
            # (给 after a verb is its own word: jieba reads 抄送给 as 抄 + 送给.)
            act = self._act_weights(re.sub(r"给(?!予)", " ", timed.group(1)))
            context = self.lead_in(sentence.doc_id, sentence.clause) + self.article_opening(sentence.doc_id, sentence.clause)
            if act and self.coverage(act, f"{text}{context}") < tuning.MIN_OWNER_COVERAGE:
                return f"文件没有规定{timed.group(1)}的期限"
            # … and the span is that act's when the sentence names the act: "…应当在规定的时限内完成，并自核查完成
            # 之日起7个工作日内…反馈…" gives 反馈 seven days, not 完成 (the event it counts from is no act timed).
            spans = [_COUNTED_FROM_EVENT.sub("", f) for f in _joined_acts(text) if quantities_of(f, SPANS)]
            if act and spans and self.coverage(act, text) >= tuning.MIN_OWNER_COVERAGE and all(
                    self.coverage(act, span) < tuning.MIN_OWNER_COVERAGE for span in spans):
                return f"文件没有规定{timed.group(1)}的期限"
        # The value must stand by the words the question asks about ("认证和管理，到2025年，…达到3000个"), not in
        # another part of the sentence about something else.
        # (A sentence of one fragment has no other part: it was chosen for its words as a whole. A span of time is
        # a narrow kind of value: the sentence's span is the provision's time limit however the question words it.)
        if asked_kinds and not intent.wants_frequency and not intent.wants_duration and (
                not quantities_of(window, asked_kinds)
                or (len(fragments) > 1
                    and self.coverage(weights, fragments[at]) < tuning.MIN_FRAGMENT_COVERAGE)):
            return "文件没有给出具体数值"
        # "年排放量达到多少吨…": a threshold is a value of the measure asked about (its head word, 排放量), stated by
        # the value or in the lead-in of its item ("绿地率应当符合以下要求：").
        threshold = _ASKED_NOUN.search(intent.focus)
        if asked_kinds and threshold and threshold.group(2) and not (
                self._stands_by(threshold.group(2), window, sentence) and self._owner_named(threshold.group(2), sentence)):
            return f"文件没有规定{threshold.group(2)}的具体数值"
        # "新建多少座公共充电站": a count is of the thing counted, standing by the value ("新建充电桩超过3万个" counts
        # charging points, not stations).
        counted = _COUNTED.search(asking)  # not a count setting the scene ("除主城几个区外，…")
        if asked_kinds and counted and not self._stands_by(counted.group(1), window, sentence):
            return f"文件没有规定{counted.group(1)}的具体数量"
        if intent.wants_day and not _DATE.search(text):
            return "文件没有规定具体日期"
        # A span of time asked for and found above answers "when" too ("有效期是几年" -> "有效期为5年").
        when = self.without_past_bounds(sentence.doc_id, text, intent.focus)
        if intent.wants_time and not intent.wants_duration and not (
                _DEADLINE.search(when) or _DATE.search(when) or _time_limit(when) or _BEFORE_ACT.search(when)
                or _ON_AN_EVENT.search(when) or _AT_ONCE.search(when)):
            return "文件没有规定具体时间"
        # A deadline opens its sentence, far from the asked words ("到2025年，…"), but the sentence must hold the
        # question's: a "“十四五”期间，新增危险废物…" does not say when the gas network is finished.
        # (The words asking when, "截止时间", "什么时候", are no words the sentence must hold. A phase's dated heading,
        # "（一）启动阶段（2026年3月—6月）。", says when of the tasks its clause holds: their words count, and so do
        # the document's title words, the subject of all its provisions: "老旧小区改造什么时候完成验收" is answered by
        # the 改造方案's "（三）验收阶段（2027年11月—12月）。".)
        dated = sentence.clause.text if sentence.clause.is_heading_sentence(text) else text
        if intent.wants_time and not intent.wants_duration and self.coverage(
                {t: w for t, w in self.weights(intent.focus).items() if t not in FRAME_WORDS},
                f"{meta.title} {dated}") < tuning.MIN_SUPPORT:
            return "文件没有规定具体时间"
        return ""
