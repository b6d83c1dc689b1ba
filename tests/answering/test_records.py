"""What a document records about itself (title, 文号, issuer, date, commencement): read from its masthead, 落款 and
articles, and the clause holding the asked record retrieved first."""

import pytest

from kb.answering.records import commencement, recorded

from tests.answering.test_extractive import _inline_kb
from tests.answering.test_structure import BRIDGES

# Its text speaks of titles, dates and issuing more than its masthead does: ranked by words, the masthead and the 落款
# come after the provisions.
NOTICE = """午市测试局关于规范测试文件印发工作的通知
午测发〔2099〕5号
各区县测试局：
为规范测试文件印发工作，现将有关事项通知如下：
一、测试文件的标题应当准确概括测试文件的主要内容，测试文件标题中的发文机关名称应当使用全称。
二、测试文件的成文日期以负责人签发的日期为准，印发测试文件的机关应当在测试文件落款处注明成文日期。
三、各区县测试局印发的测试文件，应当抄送午市测试局。
午市测试局
2099年3月1日
"""


@pytest.fixture(scope="module")
def notice(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("records"), {"notice.txt": NOTICE})


def test_the_commencement_is_the_last_article_that_dates_the_taking_effect(tmp_path):
    doc = _inline_kb(tmp_path, {"bridges.txt": BRIDGES}).documents()[0]
    clause, sentence = commencement(doc)
    assert clause.label == "第六条" and sentence == "第六条 本条例自2020年1月1日起施行。"


@pytest.mark.parametrize("field, label, quote", [
    ("title", "序言", "午市测试局关于规范测试文件印发工作的通知"), ("doc_number", "序言", "午测发〔2099〕5号"),
    ("issuer", "落款", "午市测试局"), ("date", "落款", "2099年3月1日"), ("recipients", "序言", "各区县测试局："),
])
def test_a_record_is_quoted_from_the_masthead_or_the_signature(notice, field, label, quote):
    statement, clause, quoted = recorded(notice.documents()[0], field, "")
    assert statement and clause.label == label and quoted == quote


@pytest.mark.parametrize("question, label", [
    ("这份文件的标题是什么？", "序言"), ("这个文件的成文日期是哪天？", "落款"), ("这份文件是哪个机关印发的？", "落款"),
    ("这份文件的主送单位有哪些？", "序言"),
])
def test_the_clause_holding_the_asked_record_is_retrieved_first(notice, question, label):
    """The answer quotes the masthead or the 落款: retrieval ranks it first, so the citation is among the retrieved
    clauses, though the provisions share more of the question's words."""
    answer = notice.ask(question)
    assert answer.retrieved[0].clause_label == label and answer.citations[0].clause == label


def test_a_plan_issued_by_a_notice_is_signed_in_its_masthead(tmp_path):
    """A "关于印发…的通知" signs its cover letter before the text it issues, and the 方案 has no 落款: the issuer is
    quoted from the masthead holding the letter, not from the passage lines a law has (题注)."""
    engine = _inline_kb(tmp_path, {"plan.txt": "午市人民政府办公室\n关于印发午市测试供水行动方案的通知\n午府办发〔2099〕12号\n"
                                   "各区县人民政府：\n《午市测试供水行动方案》已经市政府同意，现印发给你们，请认真贯彻执行。\n"
                                   "午市人民政府办公室\n2099年3月18日\n午市测试供水行动方案\n一、工作目标\n"
                                   "到2099年底，测试管网漏损率控制在9%以内。\n二、保障措施\n市级财政安排专项资金2亿元。\n"})
    statement, clause, quoted = recorded(engine.documents()[0], "issuer", "")
    assert quoted == "午市人民政府办公室" and clause.label == "序言"
    answer = engine.ask("这个方案是哪个单位印发的？")
    assert answer.citations[0].clause == "序言" and answer.retrieved[0].clause_label == "序言"
