"""Requirements by industry and type: the bundled 意见 against hand-checked goldens, and real laws and regulations of
eval/corpus-dev with their duties, holders and linked penalties."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT_DIR, SEED_DOC_NUMBER, SEED_PATH, TESTS

from kb.analysis.requirements import Requirement, requirements
from kb.documents.load import load_source
from kb.documents.parse import parse_document
from kb.errors import KbError
from kb.schema import ObligationType, ParsedDocument

GOLDEN = TESTS / "golden"
REQUIREMENT_GOLDENS = sorted((GOLDEN / "chongqing-2021-31.requirements").glob("*.tsv"))
DEV_GOLDENS = sorted((GOLDEN / "corpus-dev.requirements").glob("*.tsv"))
DEV_CORPUS = ROOT_DIR / "eval" / "corpus-dev"
LAWS = ("重庆市城市园林绿化条例", "重庆市安全生产条例", "排污许可管理条例", "重庆市道路运输管理条例")


def _golden_rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text("utf-8").splitlines() if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def seed() -> ParsedDocument:
    return parse_document(SEED_PATH.read_text("utf-8"), "cq-2021-31", {"doc_number": SEED_DOC_NUMBER})


@pytest.fixture(scope="module")
def laws() -> dict[str, ParsedDocument]:
    found = {}
    for name in LAWS:
        (path,) = DEV_CORPUS.glob(f"{name}(*.md")
        found[name] = parse_document(load_source(str(path)).text, name)
    return found


def _rows(doc: ParsedDocument, label: str) -> list[Requirement]:
    return [r for r in requirements([doc]) if r.clause == label]


# -- the bundled 意见 -------------------------------------------------------------------------------------------------
def test_at_least_eight_industries_have_goldens() -> None:
    assert len(REQUIREMENT_GOLDENS) >= 8


@pytest.mark.parametrize("golden", REQUIREMENT_GOLDENS, ids=lambda p: p.stem)
def test_seed_requirements_per_industry_match_golden(seed: ParsedDocument, golden: Path) -> None:
    rows = requirements([seed], golden.stem)
    expected = _golden_rows(golden)
    assert [(r.clause, r.obligation) for r in rows] == [(clause, kind) for clause, kind, _ in expected]
    for row, (_, _, start) in zip(rows, expected, strict=True):
        assert row.sentence.startswith(start)
        assert golden.stem in row.industries
        assert row.doc == SEED_DOC_NUMBER and row.heading == seed.clause(row.clause).heading  # type: ignore[union-attr]


def test_obligation_filter_and_synonym_queries(seed: ParsedDocument) -> None:
    assert [r.clause for r in requirements([seed], "汽车", ObligationType.ENCOURAGED)] == ["二（二）8"]
    assert [r.clause for r in requirements([seed], "汽车", "encouraged")] == ["二（二）8"]
    assert requirements([seed], "饭店") == requirements([seed], "餐饮")
    (row,) = requirements([seed], "央行")
    assert (row.clause, row.bodies) == ("二（六）21", ("人民银行",))
    assert row.citation == f"{SEED_DOC_NUMBER} 二（六）21"


def test_unknown_obligation_type_is_a_user_error(seed: ParsedDocument) -> None:
    with pytest.raises(KbError, match="obligation type"):
        requirements([seed], "汽车", "mandatory")


def test_all_requirements_are_body_sentences_in_document_order(seed: ParsedDocument) -> None:
    rows = requirements([seed])
    order = [c.label for c in seed.clauses]
    positions = [order.index(r.clause) for r in rows]
    assert positions == sorted(positions)
    assert not {"序言", "落款"} & {r.clause for r in rows}
    assert "1．推进工业绿色升级。" not in {r.sentence for r in rows}
    assert "（一）指导思想。" not in {r.sentence for r in rows}
    # every numbered clause with running text contributes
    assert {r.clause for r in rows} >= {"一（一）", "二（一）1", "二（六）23", "三（三）"}
    binding = [r for r in rows if r.obligation == ObligationType.BINDING]
    assert binding and all(r.cue for r in binding)
    # a policy document punishes no one and links no penalty
    assert not [r for r in rows if r.obligation == ObligationType.PENALTY or r.penalty]


# -- laws and regulations ---------------------------------------------------------------------------------------------
def test_duties_written_with_yingdang_are_duties(laws: dict[str, ParsedDocument]) -> None:
    greening = requirements([laws["重庆市城市园林绿化条例"]])
    with_yingdang = [r for r in greening if "应当" in r.sentence]
    assert len(with_yingdang) > 50
    # a sentence with 应当 binds, unless it also prohibits, sets a limit or punishes
    assert {r.obligation for r in with_yingdang} <= {ObligationType.BINDING, ObligationType.PROHIBITION,
                                                     ObligationType.TARGET, ObligationType.PENALTY}
    assert sum(r.obligation == ObligationType.BINDING for r in with_yingdang) > 0.8 * len(with_yingdang)
    assert not [r for r in greening if r.clause.startswith(("第一章", "第二章"))]  # chapter headings ask nothing


def test_a_greening_prohibition_shows_the_penalty_of_the_item_that_cites_it(laws: dict[str, ParsedDocument]) -> None:
    # 第三十条 禁止将公园绿地……进行出让、出租、抵押。 — 第五十条（三）违反本条例第三十条规定的，……处以五万元以上十万元以下
    # 罚款; 第四十八条: 违法行为由城市园林绿化主管部门负责查处.
    doc = laws["重庆市城市园林绿化条例"]
    first, second = _rows(doc, "第三十条") + _rows(doc, "第三十条第二款")
    for row in (first, second):
        assert (row.obligation, row.cue) == (ObligationType.PROHIBITION, "禁止")
        assert (row.penalty, row.penalty_clause, row.enforcer) == (
            "处以五万元以上十万元以下罚款", "第五十条第（三）项", "城市园林绿化主管部门")
    # the items of 第四十五条 (禁止下列行为：) are prohibitions, punished by 第五十六条
    (item,) = _rows(doc, "第四十五条第（三）项")
    assert (item.obligation, item.penalty, item.penalty_clause) == (
        ObligationType.PROHIBITION, "处以警告或者五百元以下罚款", "第五十六条")


def test_a_safety_duty_shows_its_penalty_holder_and_enforcer(laws: dict[str, ParsedDocument]) -> None:
    # 第十四条 生产经营单位应当建立安全生产规章制度…… — 第五十条 违反本条例第十四条规定……处二千元以上二万元以下的罚款;
    # 第六十条: 其他行政处罚，由安全生产监督管理部门和其他负有安全生产监督管理职责的部门按照职责分工决定.
    (row,) = _rows(laws["重庆市安全生产条例"], "第十四条")
    assert (row.obligation, row.holder) == (ObligationType.BINDING, ("生产经营单位",))
    assert (row.penalty, row.penalty_clause) == ("处二千元以上二万元以下罚款", "第五十条")
    assert row.enforcer == "安全生产监督管理部门和其他负有安全生产监督管理职责的部门"


def test_conduct_items_of_a_penalty_article_are_penalties(laws: dict[str, ParsedDocument]) -> None:
    # 排污许可管理条例 第三十三条: 排污单位有下列行为之一的，由生态环境主管部门……处20万元以上100万元以下的罚款
    items = [r for r in requirements([laws["排污许可管理条例"]]) if r.clause.startswith("第三十三条第")]
    assert len(items) == 4
    for row in items:
        assert row.obligation == ObligationType.PENALTY
        assert (row.penalty, row.enforcer, row.holder) == ("处20万元以上100万元以下罚款", "生态环境主管部门", ("排污单位",))
    # 道路运输管理条例 第七十二条（一）: each item states its own fine
    (taxi,) = _rows(laws["重庆市道路运输管理条例"], "第七十二条第（一）项")
    assert (taxi.obligation, taxi.penalty) == (ObligationType.PENALTY, "处五十元以上二百元以下罚款")


def test_the_type_filter_takes_the_new_types(laws: dict[str, ParsedDocument]) -> None:
    docs = list(laws.values())
    for kind in (ObligationType.PROHIBITION, ObligationType.PERMISSION, ObligationType.PENALTY):
        rows = requirements(docs, obligation=kind)
        assert rows and {r.obligation for r in rows} == {kind}


def test_mining_finds_the_mining_provisions(laws: dict[str, ParsedDocument]) -> None:
    rows = requirements(list(laws.values()), "采矿")
    assert [(r.doc, r.clause) for r in rows] == [("《重庆市安全生产条例》", "第七条第二款"),
                                                ("《重庆市安全生产条例》", "第三十三条第二款")]
    assert all("采矿" in r.industries for r in rows) and "非煤矿山" in rows[1].sentence


@pytest.mark.parametrize("golden", DEV_GOLDENS, ids=lambda p: p.stem)
def test_industries_over_the_development_corpus_match_golden(golden: Path) -> None:
    docs = [parse_document(load_source(str(p)).text, p.stem) for p in sorted(DEV_CORPUS.glob("*.md"))
            if p.name != "README.md"]
    rows = requirements(docs, golden.stem)
    expected = _golden_rows(golden)
    assert [(r.doc, r.clause, r.obligation) for r in rows] == [(doc, clause, kind) for doc, clause, kind, _ in expected]
    for row, (*_, start) in zip(rows, expected, strict=True):
        assert row.sentence.startswith(start)


def test_a_target_right_after_a_measure_for_the_industry_applies_to_it() -> None:
    text = ("甲市关于推进绿色发展的实施意见\n一、重点任务\n（一）完善收费机制。完善城镇污水处理收费政策，动态调整收费标准。"
            "到2099年，逐步将收费标准调整至补偿成本的水平。探索建立差别化收费机制。到2099年，建成示范园区。\n")
    doc = parse_document(text, "cq-test")
    rows = requirements([doc], "污水处理")
    assert [r.sentence for r in rows] == ["完善城镇污水处理收费政策，动态调整收费标准。", "到2099年，逐步将收费标准调整至补偿成本的水平。"]
    assert all("污水处理" in r.industries for r in rows)


def test_a_plan_s_responsibility_line_names_who_does_its_task() -> None:
    """"责任单位：…" after a 方案's task names who does it: the task's rows carry those bodies, and the line's own row
    binds them, not the 单位 of its label."""
    doc = parse_document("午市测试改造方案\n一、重点任务\n（一）开展测试能耗调查。2099年6月底前完成测试能耗调查。\n"
                         "责任单位：市住房城乡建设委、市机关事务局，各区县人民政府。\n"
                         "（二）推广测试管理。鼓励节能服务公司参与测试改造。（市发展改革委牵头，市财政局配合）\n"
                         "二、保障措施\n市财政局每年安排测试资金。\n", "plan")
    survey = _rows(doc, "一（一）")
    assert [r.holder for r in survey] == [("市住房城乡建设委", "市机关事务局", "区县人民政府")] * 2
    assert all(r.holder == ("市发展改革委", "市财政局") for r in _rows(doc, "一（二）"))
    assert _rows(doc, "二")[0].holder == ()  # no line, no bodies given
