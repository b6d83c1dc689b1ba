"""Limits as laws and regulations state them, in Chinese or Arabic numerals, found by `kb targets`."""

from __future__ import annotations

import pytest
from conftest import ROOT_DIR

from kb.analysis.obligations import classify_obligation
from kb.analysis.targets import sentence_targets, targets
from kb.documents.load import load_source
from kb.documents.parse import parse_document
from kb.schema import ObligationType

GREENING = ROOT_DIR / "eval" / "corpus-dev" / "重庆市城市园林绿化条例(2021-05-27).md"


def _rows(sentence: str) -> list[tuple[str, str, str, str, str]]:
    return [(t.indicator, t.value, t.unit, t.comparison, t.deadline_or_period) for t in sentence_targets(sentence)]


@pytest.mark.parametrize(("sentence", "rows"), [
    ("（一）居住项目不低于百分之三十，拆除重建的城市更新居住项目不低于百分之二十五；",
     [("居住项目", "30", "%", "不低于", ""), ("拆除重建的城市更新居住项目", "25", "%", "不低于", "")]),
    ("植物种植面积应当不低于其绿地总面积的百分之八十。", [("植物种植面积", "80", "%", "不低于", "")]),
    ("城市绿化覆盖率 百分之六十", [("城市绿化覆盖率", "60", "%", "", "")]),
    ("到二〇二五年，城市绿化覆盖率达到百分之六十。", [("城市绿化覆盖率", "60", "%", "达到", "到二〇二五年")]),
    ("应当按照每公顷不低于十米的标准营造生物防火林带。", [("每公顷", "10", "米", "不低于", "")]),
    ("区域控制宽度不少于五十米的绿化缓冲带；", [("区域控制宽度", "50", "米", "不少于", "")]),
    ("应当每年组织开展不少于一次业务知识培训。", [("业务知识培训", "1", "次", "不少于", "每年")]),
    ("检查人员不得少于2人。", [("检查人员", "2", "人", "不得少于", "")]),
])
def test_limits_in_chinese_and_arabic_numerals(sentence: str, rows: list[tuple[str, ...]]) -> None:
    assert _rows(sentence) == rows
    assert classify_obligation(sentence).kind == ObligationType.TARGET


@pytest.mark.parametrize("sentence", [
    "处一万元以上五万元以下的罚款。",  # a fine is a sanction
    "处工程合同价款百分之二以上百分之四以下的罚款；",  # so is a share of a price in a penalty
    "新造林面积在二十公顷以上的，应当营造生物防火林带。",  # a threshold picks out whom a rule applies to
    "涉及两个以上行政区域的，由共同的上级人民政府协调。",  # a bare 以上 is a scope
    "应当自受理之日起二十日内作出决定。",  # a time limit of a procedure
    "向社会公开征求意见的期限一般不少于30日。",
    "没收违法所得，并处违法所得一倍以上三倍以下的罚款。",
])
def test_sanctions_thresholds_and_time_limits_are_not_limits(sentence: str) -> None:
    assert sentence_targets(sentence) == []


def test_kb_targets_finds_the_greening_regulation_s_limits_under_their_item_labels() -> None:
    doc = parse_document(load_source(str(GREENING)).text, "greening")
    found = targets([doc])
    assert [(t.clause, t.value) for t in found[:6]] == [
        ("第十五条第一款第（一）项", "30"), ("第十五条第一款第（一）项", "25"), ("第十五条第一款第（二）项", "35"),
        ("第十五条第一款第（三）项", "25"), ("第十五条第一款第（三）项", "10"), ("第十五条第一款第（四）项", "20")]
    assert {t.doc for t in found} == {"《重庆市城市园林绿化条例》"}
    assert ("第二十三条", "植物种植面积", "80") in {(t.clause, t.indicator, t.value) for t in found}
    assert all(t.sentence in doc.clause(t.clause).text for t in found)  # type: ignore[union-attr]
