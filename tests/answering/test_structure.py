"""Clauses asked for by structure: found in the documents' text and ranked first by the answer pipeline's retrieval."""

import pytest

from kb.answering.structure import (asked_clause, asked_count, asked_division, counted_divisions, defines, headed_clauses,
                                    holds, interpretation)
from kb.documents.parse import parse_document
from kb.schema import RetrievalMode

from tests.answering.test_extractive import _inline_kb

BRIDGES = """城市桥梁测试条例
2019年10月8日 国务院第66次常务会议通过
第一条 为了加强城市桥梁管理，保障城市桥梁完好和通行安全，根据有关法律、行政法规，结合本市实际，制定本条例。本条例适用于本市行政区域内城市桥梁的养护和管理。
第二条 本条例所称城市桥梁，是指城市道路上供车辆、行人通行的桥梁及其附属设施，包括跨河桥、立交桥、人行天桥以及与之配套的引道、挡墙、照明、排水等各类附属设施。
第三条 城市桥梁管理部门负责城市桥梁的日常巡查，城市桥梁的检测、城市桥梁的维修和城市桥梁的加固应当按照城市桥梁技术规范进行。
第三条之一 城市桥梁技术规范适用于城市桥梁的监测，也适用于城市桥梁的检测。
第四条 城市桥梁的养护经费由城市桥梁所有人承担。本条例所称城市桥梁包括市管城市桥梁和区管城市桥梁。
第五条 本条例施行前已经建成的城市桥梁，应当自本条例施行之日起一年内完成城市桥梁安全评估；施行后新建的城市桥梁，应当在交付使用前完成评估。
第六条 本条例自2020年1月1日起施行。
"""


@pytest.fixture(scope="module")
def bridges(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("structure"), {"bridges.txt": BRIDGES})


@pytest.mark.parametrize("question, expected", [
    ("《优化营商环境条例》第五十四条是怎么规定的？", "第五十四条"),
    ("第十八条第二款规定了什么", "第十八条第二款"),
    ("第二十条之一的内容是什么？", "第二十条之一"),
    ("第二条有哪些规定？", "第二条"),
    ("第五十四条的罚款是多少？", None),  # a detail of the article, not the article
    # A 意见's clause as its citations write it, and as users type it.
    ("渝府发〔2021〕31号 二（一）4是什么内容？", "二（一）4"),
    ("二(三)10规定了什么", "二（三）10"),
    ("三、（二）的具体内容是什么", "三（二）"),
    ("二（二）1（2）是怎么规定的？", "二（二）1（2）"),
    ("二、1规定了什么", "二1"),  # a 方案 numbered 一、 then 1.
    ("三是什么内容？", None),  # a numeral alone
    ("二（一）4提到的绿色环保产业产值是多少？", None),  # a detail of the clause, not the clause
])
def test_a_clause_asked_for_by_its_label(question, expected):
    assert asked_clause(question) == expected


@pytest.mark.parametrize("asked, label, expected", [
    ("第三条", "第三条第二款", True), ("第三条", "第三条之一", False), ("第三条第二款", "第三条第（一）项", False),
    ("二（一）1", "二（一）1（2）", True), ("二（一）1", "二（一）10", False), ("二（一）", "二（一）10", True),
    ("二（一）", "二（二）", False),
])
def test_a_clause_holds_the_labels_under_it_only(asked, label, expected):
    assert holds(asked, label) is expected


@pytest.mark.parametrize("text, term, expected", [
    ("本法所称清洁生产，是指不断采取改进设计…措施。", "清洁生产", True),
    ("（一）温室气体，是指大气中吸收和重新放出红外辐射的气态成分。", "温室气体", True),
    ("本条例所称节约用水（以下简称节水），是指…", "节水", True),
    ("签订书面协议（以下称补偿协议），明确补偿目标。", "补偿协议", True),
    ("清洁生产审核应当按照规定进行。", "清洁生产", False),
    ("推动清洁生产。", "节水", False),
])
def test_a_sentence_defines_a_term_by_the_forms_laws_use(text, term, expected):
    assert defines(text, term) is expected


def test_the_pipeline_retrieves_first_the_clause_asked_for_by_structure(bridges):
    """Every clause of the law shares "城市桥梁" and "施行" or "适用" with these questions; the one asked for comes
    first, and a term's meaning (是指) before what it takes in (包括)."""
    def first(question):
        return bridges.ask(question, mode=RetrievalMode.BM25).retrieved[0].clause_label

    assert first("城市桥梁是指什么？") == "第二条"
    assert first("《城市桥梁测试条例》从哪一天开始施行？") == "第六条"
    assert first("《城市桥梁测试条例》第三条是怎么规定的？") == "第三条"
    assert first("《城市桥梁测试条例》适用于哪些城市桥梁？") == "第一条"  # its own scope, among its first articles


def test_who_interprets_is_asked_of_the_article_saying_so(tmp_path):
    """"由哪个部门负责解释": the 附则 article naming the interpreter comes first, though 第三条 also names the
    department with 负责, whether the question names the law or only its matter."""
    engine = _inline_kb(tmp_path, {"bridges.txt": BRIDGES + "第七条 本条例具体应用中的问题由市城市桥梁管理部门负责解释。\n"})
    assert interpretation(engine.documents()[0]).label == "第七条"

    def first(question):
        return engine.ask(question, mode=RetrievalMode.BM25).retrieved[0].clause_label

    assert first("《城市桥梁测试条例》由哪个部门负责解释？") == "第七条"
    assert first("城市桥梁日常巡查和养护经费的规定由谁负责解释？") == "第七条"
    assert first("城市桥梁的日常巡查由哪个部门负责？") == "第三条"


PLAN = """午市测试供水行动方案
午测发〔2099〕9号
为提升测试供水保障水平，制定本方案。
一、工作目标
到2099年底，测试管网漏损率控制在9%以内，测试供水保障考核全部达标。
二、重点任务
（一）更新测试管网。全年改造老旧测试管网300公里。
（二）加强测试水质监测。每季度开展一次水质检测。
三、保障措施
（一）严格测试考核。将测试供水保障工作纳入区县年度目标考核。
（二）强化测试资金保障。市级财政安排专项资金2亿元。
"""


@pytest.mark.parametrize("question, clause", [
    ("测试供水保障行动方案的工作目标是什么？", "一"),
    ("午市测试供水行动方案的保障措施有哪些？", "三"),
    ("加强测试水质监测具体是什么？", "二（二）"),
])
def test_a_section_asked_for_by_its_heading_is_retrieved_first(tmp_path, question, clause):
    """A 方案's sections are titled by what they hold: "…的工作目标是什么" asks for the section headed 工作目标, not
    for the sentence sharing most of the question's other words (…供水保障…目标考核)."""
    assert [c.label for c in headed_clauses(question, parse_document(PLAN, "plan"))] == [clause]
    engine = _inline_kb(tmp_path, {"plan.txt": PLAN})
    assert engine.ask(question, mode=RetrievalMode.BM25).retrieved[0].clause_label == clause


def test_a_section_asked_for_by_its_heading_is_answered_by_its_text_or_its_parts(tmp_path):
    """"…的工作目标是什么" is answered by the section's own text, "保障措施有哪些" by its parts; a question asking a
    detail of the section ("…有什么时间要求") is left to the other strategies."""
    engine = _inline_kb(tmp_path, {"plan.txt": PLAN})

    def ask(question):
        return engine.ask(question, mode=RetrievalMode.BM25)

    goal = ask("测试供水保障行动方案的工作目标是什么？")
    assert goal.text.startswith("到2099年底，测试管网漏损率控制在9%以内") and [c.clause for c in goal.citations] == ["一"]
    measures = ask("保障措施有哪些？")
    assert measures.text.startswith("“保障措施”包括以下方面：")
    assert [c.clause for c in measures.citations] == ["三（一）", "三（二）"]
    # … and how many parts it has, counted.
    tasks = ask("测试供水行动方案有几项重点任务？")
    assert tasks.text.startswith("“重点任务”共两项：") and [c.clause for c in tasks.citations] == ["二（一）", "二（二）"]
    assert ask("保障措施包括几个方面？").text.startswith("“保障措施”共两个方面：")


def test_parts_headed_only_by_their_kind_are_listed_with_what_they_hold(tmp_path):
    """"改造内容有哪些": parts headed "（一）基础类。" say what they hold in the sentence after the heading, shown with
    it; a part whose heading says what it does ("（一）严格测试考核。") is shown by its heading."""
    engine = _inline_kb(tmp_path, {"plan.txt": PLAN + "四、改造内容\n（一）基础类。主要是测试管网和测试水表的更新。\n"
                                   "（二）提升类。主要是测试直饮水设施的建设。\n"})
    contents = engine.ask("改造内容有哪些？", mode=RetrievalMode.BM25)
    assert contents.text.split("\n")[1:] == [
        "（一）基础类。主要是测试管网和测试水表的更新。〔午测发〔2099〕9号 四（一）〕",
        "（二）提升类。主要是测试直饮水设施的建设。〔午测发〔2099〕9号 四（二）〕"]  # their own numbers, once
    measures = engine.ask("保障措施有哪些？", mode=RetrievalMode.BM25)
    assert measures.text.split("\n")[1].startswith("（一）严格测试考核。〔")


def test_a_law_s_chapter_is_not_retrieved_first_for_its_heading(tmp_path):
    """"…要承担什么法律责任" asks for the article on that conduct, not the 法律责任 chapter's heading line."""
    engine = _inline_kb(tmp_path, {"wharves.txt": CHAPTERS})
    answer = engine.ask("测试码头经营人不建立安全制度，要承担什么法律责任？", mode=RetrievalMode.BM25)
    assert answer.retrieved[0].clause_label != "第三章" and "第六条" in [c.clause for c in answer.citations]


def test_a_heading_named_without_asking_its_contents_asks_for_no_section():
    plan = parse_document(PLAN, "plan")
    assert headed_clauses("工作目标考核由谁负责？", plan) == []
    assert headed_clauses("目标是什么？", plan) == []  # too short a heading to name one section


def test_a_heading_asked_how_it_goes_asks_for_its_section():
    plan = parse_document(PLAN, "plan")
    assert [c.label for c in headed_clauses("保障措施是怎样的？", plan)] == ["三"]


CHAPTERS = """未市测试码头条例
第一章 总则
第一条 为了规范测试码头，制定本条例。
第二条 本条例适用于本市测试码头。
第二章 建设与管理
第一节 建设
第三条 建设测试码头应当符合规划。
第二节 管理
第四条 测试码头经营人应当建立安全制度。
第五条 测试码头经营人应当每年检查一次设施。
第三章 法律责任
第六条 违反本条例第四条规定的，由测试主管部门责令改正，处一万元罚款。
"""


@pytest.mark.parametrize("question, line, labels", [
    ("第三章有哪些规定？", "第三章 法律责任", ["第六条"]),
    ("法律责任一章规定了什么？", "第三章 法律责任", ["第六条"]),
    ("第二章是什么内容？", "第二章 建设与管理", ["第三条", "第四条", "第五条"]),
    ("第二章第二节讲的是什么？", "第二节 管理", ["第四条", "第五条"]),
])
def test_a_chapter_or_section_asked_for_holds_its_articles(tmp_path, question, line, labels):
    engine = _inline_kb(tmp_path, {"wharves.txt": CHAPTERS})
    found = asked_division(question, engine.documents()[0])
    assert found is not None and found[0] == line and [c.label for c in found[1]] == labels
    answer = engine.ask(question, mode=RetrievalMode.BM25)
    assert answer.text.startswith(f"{line}（") and [c.clause for c in answer.citations] == labels


@pytest.mark.parametrize("question", ["违反第四条的法律责任是什么？", "测试码头经营人要做什么？", "第四章有哪些规定？"])
def test_a_question_about_a_provision_asks_for_no_chapter(tmp_path, question):
    """A chapter's title used as a word ("法律责任是什么") and a chapter the law does not have name none."""
    engine = _inline_kb(tmp_path, {"wharves.txt": CHAPTERS})
    assert asked_division(question, engine.documents()[0]) is None


@pytest.mark.parametrize("question, unit", [
    ("未市测试码头条例有几章？", "章"), ("这个条例共有多少条？", "条"), ("第二章分几节？", "节"),
    ("第几条规定了罚款？", ""), ("有几条规定提到码头？", ""), ("码头要检查几次？", ""),
])
def test_a_count_of_chapters_sections_or_articles_is_asked(question, unit):
    assert asked_count(question) == unit


def test_a_law_s_chapters_and_articles_are_counted_from_its_structure(tmp_path):
    """"有几章" lists the chapters, "共多少条" gives the count with the last article; an article's paragraphs and a
    section are no articles or chapters."""
    engine = _inline_kb(tmp_path, {"wharves.txt": CHAPTERS})
    doc = engine.documents()[0]
    assert [c.label for c in counted_divisions(doc, "章")] == ["第一章", "第二章", "第三章"]
    assert len(counted_divisions(doc, "条")) == 6 and len(counted_divisions(doc, "节")) == 2
    chapters = engine.ask("未市测试码头条例有几章？", mode=RetrievalMode.BM25)
    assert chapters.text.startswith("《未市测试码头条例》共三章") and "第三章 法律责任" in chapters.text
    articles = engine.ask("未市测试码头条例共有多少条？", mode=RetrievalMode.BM25)
    assert articles.text.startswith("《未市测试码头条例》共六条（第一条至第六条）")
    assert [c.clause for c in articles.citations] == ["第六条"]


NOTICE = """午市测试经济委员会关于开展测试工厂申报工作的通知
午测经发〔2099〕12号
各区县测试经济部门：
现就开展测试工厂申报工作通知如下：
一、申报范围
申报主体为在本市注册的测试工业企业。
二、申报条件
1．单位产品能耗达到行业先进水平；
2．测试固体废物利用率不低于90%。
三、支持政策
对新认定的测试工厂，给予一次性奖励50万元。
"""


def test_a_heading_is_asked_for_by_its_kind_after_its_other_words(tmp_path):
    """"申报测试工厂需要什么条件" asks for the section 申报条件 (its kind, 条件, asked for; 申报 said before), not for the
    sentence sharing most of its words (…测试工厂…); "什么条件的企业" asks for enterprises, and "…承担什么责任" for no
    chapter of 法律责任."""
    notice = parse_document(NOTICE, "notice")
    assert [c.label for c in headed_clauses("申报测试工厂需要什么条件？", notice)] == ["二"]
    assert headed_clauses("满足什么条件的企业可以申报？", notice) == []
    engine = _inline_kb(tmp_path, {"notice.txt": NOTICE})
    answer = engine.ask("申报测试工厂需要什么条件？", mode=RetrievalMode.BM25)
    assert answer.text.startswith("“申报条件”包括以下方面：")
    assert [c.clause for c in answer.citations] == ["二1", "二2"]


def test_an_item_without_a_heading_is_about_the_heading_of_its_section(tmp_path):
    """"1．单位产品能耗达到行业先进水平；" under "二、申报条件" is a condition of the application: the words of
    "申报…对能耗有什么要求" in the section's heading count for it (as an item's lead-in's do); a law's chapter is no
    topic of its articles."""
    from kb.answering.evidence import SentenceScorer
    from kb.answering.intent import analyse

    engine = _inline_kb(tmp_path, {"notice.txt": NOTICE, "bridges.txt": BRIDGES})
    snap = engine.retriever.snapshot()
    scorer = SentenceScorer(snap, engine.retriever.tokenizer)
    notice = next(d for d, doc in snap.documents.items() if "申报" in doc.meta.title)
    bridges = next(d for d in snap.documents if d != notice)
    assert scorer.section_heading(notice, snap.clause(notice, "二1")) == "申报条件"
    assert scorer.section_heading(notice, snap.clause(notice, "二")) == ""
    assert scorer.section_heading(bridges, snap.clause(bridges, "第三条")) == ""
    question = analyse("申报测试工厂对能耗有什么要求？")
    hits = engine.retriever.search(question.search_text, mode=RetrievalMode.BM25, top_k=8, snap=snap)
    item = next(s for s in scorer.score(question, hits) if s.clause.label == "二1")
    assert item.lexical > SentenceScorer.coverage(scorer.weights(question.resolved), item.text)
