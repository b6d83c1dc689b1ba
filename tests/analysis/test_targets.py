"""Quantitative targets with deadlines, as the bundled 意见 states them (limits of laws: test_limits.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED_DOC_NUMBER, SEED_PATH, TESTS

from kb.analysis.obligations import classify_obligation
from kb.analysis.targets import sentence_targets, targets
from kb.documents.parse import parse_document
from kb.schema import Clause, DocMeta, ObligationType, ParsedDocument, Sentence

GOLDEN = TESTS / "golden"


def _golden_rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text("utf-8").splitlines() if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def seed():
    return parse_document(SEED_PATH.read_text("utf-8"), "cq-2021-31", {"doc_number": SEED_DOC_NUMBER})


# -- targets ----------------------------------------------------------------------------------------------------------
def test_seed_targets_match_the_hand_made_golden_table(seed):
    found = targets([seed])
    got = [[t.clause, t.indicator, t.value, t.unit, t.comparison, t.deadline_or_period, t.scope] for t in found]
    assert got == _golden_rows(GOLDEN / "chongqing-2021-31.targets.tsv")
    for target in found:
        assert target.doc == SEED_DOC_NUMBER
        assert target.sentence in seed.clause(target.clause).text


def test_every_target_sentence_is_classed_as_target(seed):
    for target in targets([seed]):
        assert classify_obligation(target.sentence).kind == ObligationType.TARGET


def test_spaces_from_pdf_extraction_do_not_matter():
    (target,) = sentence_targets("到 2025 年，全市森林覆盖率达到 57%。")
    assert (target.indicator, target.value, target.unit, target.comparison, target.deadline_or_period) == \
        ("森林覆盖率", "57", "%", "达到", "到2025年")


def test_values_listed_with_fenbie_get_one_indicator_each():
    found = sentence_targets("到2025年，甲产业、乙产业占工业总产值比重分别提高至35%、32%。")
    assert [(t.indicator, t.value) for t in found] == [
        ("甲产业占工业总产值比重", "35"), ("乙产业占工业总产值比重", "32")]
    assert {t.comparison for t in found} == {"提高至"}


def test_a_list_of_values_ending_in_he_is_one_list():
    """"分别达到1.2万吨、0.1万吨、2.5万吨和0.6万吨": the value after 和 is the list's last, each paired with its own."""
    found = sentence_targets("到2099年，甲物质、乙物质、丙物质、丁物质减排量分别达到1.2万吨、0.1万吨、2.5万吨和0.6万吨。")
    assert [(t.indicator, t.value) for t in found] == [("甲物质", "1.2"), ("乙物质", "0.1"), ("丙物质", "2.5"),
                                                       ("丁物质减排量", "0.6")]


def test_a_number_before_its_noun_and_a_shared_noun():
    found = sentence_targets("“十四五”期间，新建12个医疗废物处置设施，巩固1000个、新建1000个美丽宜居乡村。")
    assert [(t.indicator, t.value, t.unit, t.comparison) for t in found] == [
        ("医疗废物处置设施", "12", "个", "新建"), ("美丽宜居乡村", "1000", "个", "巩固"),
        ("美丽宜居乡村", "1000", "个", "新建")]
    assert {t.deadline_or_period for t in found} == {"“十四五”期间"}


def test_a_threshold_scopes_a_zero_target_and_is_no_value_itself():
    (target,) = sentence_targets("到2025年，生活垃圾产生量超过300吨/日的区县基本实现原生生活垃圾零填埋。")
    assert (target.indicator, target.value, target.unit, target.comparison, target.scope) == \
        ("原生生活垃圾填埋", "0", "", "基本实现", "生活垃圾产生量超过300吨/日的区县")


def test_a_value_before_de_shuiping_is_still_a_value():
    (target,) = sentence_targets("到2025年，再生资源回收率达到40%的水平。")
    assert (target.indicator, target.value, target.unit) == ("再生资源回收率", "40", "%")


def test_each_segment_takes_its_own_deadline():
    found = sentence_targets("到2025年秸秆综合利用率达到90%，到2030年农膜回收率达到95%。")
    assert [(t.indicator, t.deadline_or_period) for t in found] == [
        ("秸秆综合利用率", "到2025年"), ("农膜回收率", "到2030年")]


def test_deadline_written_as_before_a_year():
    (target,) = sentence_targets("2025年前，新建充电站50座。")
    assert (target.indicator, target.value, target.unit, target.deadline_or_period) == \
        ("充电站", "50", "座", "2025年前")


@pytest.mark.parametrize("sentence", [
    "到2035年，绿色发展内生动力显著增强，山清水秀美丽之地基本建成。",  # a deadline, no number
    "做好“十四五”时期阶段性目标任务和各年度重点工作计划安排。",  # a period, no number
    "深入实施生活垃圾分类三年行动计划。",  # a number in words is no target
    "新建12个医疗废物处置设施。",  # a number without deadline or period
    "为贯彻落实（国发〔2021〕4号）精神，到2025年做好工作。",  # a document number is no value
    "到2025年，推广5G应用。",  # digits glued to letters are a name
    "到2025年，投资100亿元建设示范工程。",  # a number with no comparison
])
def test_not_targets(sentence):
    assert sentence_targets(sentence) == []


def test_targets_follow_document_order_across_documents(seed):
    sentence = "到2030年，全市森林覆盖率达到60%。"
    clause = Clause("other", "一", ("一",), 1, "", sentence, 0, len(sentence), (Sentence(sentence, 0, len(sentence)),))
    other = ParsedDocument(DocMeta("other"), sentence, (clause,))
    found = targets([seed, other])
    assert found[-1].doc == "other" and found[-1].value == "60"
    assert found[0].doc == SEED_DOC_NUMBER
