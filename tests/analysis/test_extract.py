from conftest import TESTS
from pathlib import Path

import pytest
from conftest import SEED_DOC_NUMBER, SEED_PATH

from kb.errors import KbError
from kb.analysis.extract import (
    ARRANGEMENT,
    BINDING,
    BODY,
    ENCOURAGED,
    INDUSTRY,
    OBLIGATION_PRECEDENCE,
    TARGET,
    Obligation,
    classify_obligation,
    match_bodies,
    match_industries,
    named_entities,
    obligation_cues,
    parse_vocabulary,
    requirements,
    resolve_industry,
    sentence_targets,
    targets,
    vocabulary,
    vocabulary_names,
)
from kb.documents.parse import parse_document
from kb.schema import Clause, DocMeta, ParsedDocument, Sentence

GOLDEN = TESTS / "golden"
REQUIREMENT_GOLDENS = sorted((GOLDEN / "chongqing-2021-31.requirements").glob("*.tsv"))


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
        assert classify_obligation(target.sentence).kind == TARGET


def test_spaces_from_pdf_extraction_do_not_matter():
    (target,) = sentence_targets("到 2025 年，全市森林覆盖率达到 57%。")
    assert (target.indicator, target.value, target.unit, target.comparison, target.deadline_or_period) == \
        ("森林覆盖率", "57", "%", "达到", "到2025年")


def test_values_listed_with_fenbie_get_one_indicator_each():
    found = sentence_targets("到2025年，甲产业、乙产业占工业总产值比重分别提高至35%、32%。")
    assert [(t.indicator, t.value) for t in found] == [
        ("甲产业占工业总产值比重", "35"), ("乙产业占工业总产值比重", "32")]
    assert {t.comparison for t in found} == {"提高至"}


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


# -- obligation type --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sentence, kind, cue", [
    ("强化产业准入和落后产能退出，坚决遏制“两高”项目盲目发展。", BINDING, "坚决遏制"),
    ("全面推行清洁生产，依法在“双超双有高耗能”行业实施强制性清洁生产审核。", BINDING, "依法"),
    ("鼓励电商企业设立绿色产品销售专区。", ENCOURAGED, "鼓励"),
    ("推进城镇污水管网全覆盖。", ARRANGEMENT, "推进"),
    ("积极参与全国用能权、用水权市场交易。", ARRANGEMENT, ""),  # no cue word at all
    # negations
    ("倡导酒店、餐饮等服务单位不主动提供一次性用品。", ENCOURAGED, "倡导"),  # advocated self-restraint
    ("原则上不再新增大型燃煤火电项目。", BINDING, "不再"),
    ("对落后产能项目不予支持。", BINDING, "不予支持"),
    ("不鼓励新建小型燃煤锅炉。", BINDING, "不鼓励"),
    # two kinds of cue: precedence, then the earliest cue
    ("严格执行政府绿色产品优先采购和强制采购，引导国有企业开展绿色采购。", BINDING, "严格"),
    ("引导企业发展绿色产品贸易，从严控制高污染、高耗能产品出口。", BINDING, "从严"),
    ("加强工业生产过程中的危险废物管理，鼓励资源化综合利用危险废物。", ENCOURAGED, "鼓励"),
    ("推广合同能源管理，鼓励公共机构推行能源托管服务。", ENCOURAGED, "推广"),
    ("依法推进，到2025年，全市城镇绿色建筑占新建建筑比例达到70%。", TARGET, "达到 70%"),
])
def test_obligation_type_and_deciding_cue(sentence, kind, cue):
    assert classify_obligation(sentence) == Obligation(kind, cue)


def test_cue_table_covers_the_three_cue_kinds_and_the_precedence_lists_all_four():
    assert set(obligation_cues()) == {BINDING, ENCOURAGED, ARRANGEMENT}
    assert set(OBLIGATION_PRECEDENCE) == {TARGET, BINDING, ENCOURAGED, ARRANGEMENT}
    cues = [cue for words in obligation_cues().values() for cue in words]
    assert len(cues) == len(set(cues))


# -- who is addressed -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("我们是做快递包装的", ["快递"]),
    ("我开了一家饭店", ["餐饮"]),
    ("汽车维修店", ["汽修"]),  # the longer term wins: not 汽车
    ("我们是汽车零部件厂", ["汽车"]),
    ("我在银行工作", ["金融机构"]),
    ("家里种地也养猪", ["种植", "养殖"]),
    ("开了个4s店", ["汽车"]),
    ("我们是写代码的", []),
])
def test_free_text_maps_to_canonical_industries(text, expected):
    assert match_industries(text) == expected


def test_a_term_under_two_names_names_both():
    assert set(match_industries("农产品加工")) == {"种植", "养殖"}


def test_bodies_are_kept_apart_from_industries():
    text = "市级有关部门、各区县政府要加强协同配合，引导国有企业开展绿色采购。"
    assert match_bodies(text) == ["市级有关部门", "区县政府"]
    assert match_industries(text) == ["国有企业"]


def test_vocabulary_matching_is_longest_first_without_overlap():
    terms = parse_vocabulary([["甲", "AB"], ["乙", "ABC"], ["丙", "CD"], ["丁", "部门", BODY]])
    assert [t.name for t in named_entities("xABCDx", terms)] == ["乙"]  # CD overlaps ABC, AB lies inside it
    assert [(t.name, t.kind) for t in named_entities("ab 部门", terms)] == [("甲", INDUSTRY), ("丁", BODY)]


def test_vocabulary_rejects_an_unknown_kind():
    with pytest.raises(KbError, match="kind"):
        parse_vocabulary([["甲", "AB", "company"]])


def test_shipped_vocabulary_is_well_formed():
    names = vocabulary_names()
    assert len(names) == len(set(names))
    asked_for = set("汽车 电子电器 数据中心 餐饮 酒店 快递 港口 电商 汽修 装修 会展 物流 养殖 种植 建筑 金融机构 "
                    "国有企业 公共机构 园区".split())
    assert asked_for <= set(vocabulary_names(INDUSTRY))
    assert {"领导小组", "区县政府", "市级有关部门", "人民银行"} <= set(vocabulary_names(BODY))
    assert all(len(t.term) >= 2 for t in vocabulary())


def test_unknown_industry_is_a_user_error():
    with pytest.raises(KbError, match="known industries"):
        resolve_industry("写代码")


# -- requirements over the seed ---------------------------------------------------------------------------------------
def test_at_least_eight_industries_have_goldens():
    assert len(REQUIREMENT_GOLDENS) >= 8


@pytest.mark.parametrize("golden", REQUIREMENT_GOLDENS, ids=lambda p: p.stem)
def test_seed_requirements_per_industry_match_golden(seed, golden):
    rows = requirements([seed], golden.stem)
    expected = _golden_rows(golden)
    assert [(r.clause, r.obligation) for r in rows] == [(clause, kind) for clause, kind, _ in expected]
    for row, (_, _, start) in zip(rows, expected, strict=True):
        assert row.sentence.startswith(start)
        assert golden.stem in row.industries
        assert row.doc == SEED_DOC_NUMBER and row.heading == seed.clause(row.clause).heading


def test_obligation_filter_and_synonym_queries(seed):
    assert [r.clause for r in requirements([seed], "汽车", ENCOURAGED)] == ["二（二）8"]
    assert requirements([seed], "饭店") == requirements([seed], "餐饮")
    (row,) = requirements([seed], "央行")
    assert (row.clause, row.bodies) == ("二（六）21", ("人民银行",))
    assert row.citation == f"{SEED_DOC_NUMBER} 二（六）21"


def test_unknown_obligation_type_is_a_user_error(seed):
    with pytest.raises(KbError, match="obligation type"):
        requirements([seed], "汽车", "mandatory")


def test_all_requirements_are_body_sentences_in_document_order(seed):
    rows = requirements([seed])
    order = [c.label for c in seed.clauses]
    positions = [order.index(r.clause) for r in rows]
    assert positions == sorted(positions)
    assert not {"序言", "落款"} & {r.clause for r in rows}
    assert "1．推进工业绿色升级。" not in {r.sentence for r in rows}
    assert "（一）指导思想。" not in {r.sentence for r in rows}
    # every numbered clause with running text contributes
    assert {r.clause for r in rows} >= {"一（一）", "二（一）1", "二（六）23", "三（三）"}
    binding = [r for r in rows if r.obligation == BINDING]
    assert all(r.cue for r in binding)


def test_targets_follow_document_order_across_documents(seed):
    sentence = "到2030年，全市森林覆盖率达到60%。"
    clause = Clause("other", "一", ("一",), 1, "", sentence, 0, len(sentence), (Sentence(sentence, 0, len(sentence)),))
    other = ParsedDocument(DocMeta("other"), sentence, (clause,))
    found = targets([seed, other])
    assert found[-1].doc == "other" and found[-1].value == "60"
    assert found[0].doc == SEED_DOC_NUMBER
