"""Penalty provisions linked to the duties they cite, on an inline regulation written the way real ones are."""

from __future__ import annotations

import pytest

from kb.analysis.penalties import (DocumentPenalties, conduct_overlap, covers, enforcer_of, provision_references,
                                   stated_conduct)
from kb.analysis.requirements import Requirement, requirements
from kb.documents.load import load_bytes
from kb.documents.parse import parse_document
from kb.schema import ObligationType, ParsedDocument

# A duty article with two paragraphs, a duty whose items hang on its lead, a prohibition; then a 法律责任 chapter with
# a 款 reference, a list of articles whose fines stand in the items, an items-style article whose items cite the duty
# and whose lead states the fine, and the general rule of who enforces the regulation.
LAW = """# 某市示例管理条例

<!-- INFO END -->

## 第一章 总则

第一条 为了加强示例管理，制定本条例。

## 第二章 经营规范

第二条 经营者应当建立安全管理制度。

经营者不得在人行道上堆放物料。

第三条 生产经营单位应当遵守下列规定：

（一）定期检查设施设备；

（二）如实记录检查情况。

第四条 任何单位和个人不得损毁绿地。

第五条 经营者可以自主选择检测机构。

## 第三章 法律责任

第六条 违反本条例第二条第二款规定的，由城市管理主管部门责令改正，处五十元以上二百元以下罚款。

第七条 违反本条例第三条、第四条规定的，按照以下规定给予处罚：

（一）未定期检查设施设备的，责令限期改正，处一千元以上五千元以下的罚款；

（二）损毁绿地的，处二千元以上一万元以下罚款。

第八条 违反本条例规定，经营者有下列行为之一的，由市场监督管理部门责令改正，处一万元以上三万元以下的罚款：

（一）违反本条例第二条第一款规定，未建立安全管理制度的；

（二）拒绝接受监督检查的。

第九条 本条例规定的违法行为由城市管理主管部门负责查处。
"""


@pytest.fixture(scope="module")
def law() -> ParsedDocument:
    return parse_document(load_bytes(LAW.encode(), "law.md", "law.md").text, "law")


@pytest.fixture(scope="module")
def rows(law: ParsedDocument) -> dict[str, list[Requirement]]:
    found: dict[str, list[Requirement]] = {}
    for row in requirements([law]):
        found.setdefault(row.clause, []).append(row)
    return found


def _linked(row: Requirement) -> tuple[str, str, str]:
    return row.penalty, row.penalty_clause, row.enforcer


def test_a_paragraph_reference_punishes_that_paragraph_only(rows: dict[str, list[Requirement]]) -> None:
    (second,) = rows["第二条第二款"]
    assert (second.obligation, second.holder) == (ObligationType.PROHIBITION, ("经营者",))
    assert _linked(second) == ("处五十元以上二百元以下罚款", "第六条", "城市管理主管部门")
    # the first paragraph (the article's own text) is cited by an item of 第八条, whose lead states fine and body
    (first,) = rows["第二条"]
    assert (first.obligation, first.cue) == (ObligationType.BINDING, "应当")
    assert _linked(first) == ("处一万元以上三万元以下罚款", "第八条第（一）项", "市场监督管理部门")


def test_a_list_of_articles_takes_the_fines_of_the_items_and_the_general_enforcer(
        rows: dict[str, list[Requirement]]) -> None:
    fines = "处一千元以上五千元以下罚款；处二千元以上一万元以下罚款"
    for label in ("第三条", "第三条第（一）项", "第三条第（二）项", "第四条"):
        (row,) = rows[label]
        assert _linked(row) == (fines, "第七条", "城市管理主管部门"), label
    (fourth,) = rows["第四条"]
    assert (fourth.obligation, fourth.holder) == (ObligationType.PROHIBITION, ("单位", "个人"))


def test_items_take_their_lead_s_duty_and_holder(rows: dict[str, list[Requirement]]) -> None:
    (item,) = rows["第三条第（一）项"]
    assert (item.obligation, item.cue, item.holder) == (ObligationType.BINDING, "应当", ("生产经营单位",))


def test_a_duty_no_penalty_cites_has_none(rows: dict[str, list[Requirement]]) -> None:
    (permission,) = rows["第五条"]
    assert permission.obligation == ObligationType.PERMISSION
    assert _linked(permission) == ("", "", "")


def test_penalty_rows_carry_their_own_phrase_and_the_conduct_items_are_penalties(
        rows: dict[str, list[Requirement]]) -> None:
    (article,) = rows["第六条"]
    assert article.obligation == ObligationType.PENALTY
    assert _linked(article) == ("处五十元以上二百元以下罚款", "第六条", "城市管理主管部门")
    (conduct,) = rows["第八条第（二）项"]  # no cue of its own: the lead punishes it
    assert (conduct.obligation, conduct.holder) == (ObligationType.PENALTY, ("经营者",))
    assert _linked(conduct) == ("处一万元以上三万元以下罚款", "第八条第（二）项", "市场监督管理部门")
    (rule,) = rows["第九条"]
    assert rule.obligation == ObligationType.ARRANGEMENT


def test_the_document_index_of_penalties(law: ParsedDocument) -> None:
    penalties = DocumentPenalties(law)
    assert [p.clause for p in penalties.punishing("第三条第（二）项")] == ["第七条"]
    assert penalties.punishing("第二条第二款")[0].duties == ("第二条第二款",)
    assert penalties.punishing("第五条") == []
    assert penalties.lead(law.clause("第八条第（一）项")) is law.clause("第八条")  # type: ignore[arg-type]
    assert penalties.lead(law.clause("第二条第二款")) is None  # type: ignore[arg-type]  # a paragraph is no item


@pytest.mark.parametrize("text, references", [
    ("违反本条例第十四条规定，生产经营单位未建立安全生产规章制度的", ["第十四条"]),
    ("生产经营单位分管安全生产工作的负责人未履行本条例第十六条第一款规定职责的", ["第十六条第一款"]),
    ("违反本条例第三十一条、第三十三条、第三十四条、第三十五条规定的", ["第三十一条", "第三十三条", "第三十四条",
                                                                       "第三十五条"]),
    ("违反本法第二十七条第二款、第四款规定，不实施强制性清洁生产审核", ["第二十七条第二款", "第二十七条第四款"]),
    ("重点用能单位无正当理由拒不落实本法第五十四条规定的整改要求", ["第五十四条"]),
    ("依照《中华人民共和国安全生产法》第九十条的规定处罚", []),  # another law's article
    ("违反前款规定的，可以并处停止新接入车辆", []),  # a relative reference is not followed
])
def test_provision_references(text: str, references: list[str]) -> None:
    assert provision_references(text) == references


@pytest.mark.parametrize("reference, label, covered", [
    ("第十条", "第十条", True), ("第十条", "第十条第二款", True), ("第十条", "第十条第（一）项", True),
    ("第十条", "第十一条", False), ("第十条", "第一百一十条", False),
    ("第十条第一款", "第十条", True), ("第十条第一款", "第十条第一款第（二）项", True),
    ("第十条第一款", "第十条第二款", False), ("第十条第二款", "第十条第二款第（一）项", True),
])
def test_a_cited_provision_covers_its_paragraphs_and_items(reference: str, label: str, covered: bool) -> None:
    assert covers(reference, label) is covered


@pytest.mark.parametrize("text, enforcer", [
    ("由城市管理主管部门责令改正，处五十元以上二百元以下罚款", "城市管理主管部门"),
    ("由区县（自治县）人民政府林业主管部门责令停止违法行为", "区县（自治县）人民政府林业主管部门"),
    ("由住房城乡建设管理部门或者其他有关部门按照职责分工责令改正", "住房城乡建设管理部门或者其他有关部门"),
    ("由其所在单位上级主管机关或者监察机关对直接负责的主管人员依法给予处分", "其所在单位上级主管机关或者监察机关"),
    ("造成损失的，由承运人承担退运责任", ""),  # not a body
    ("生产经营单位未建立安全生产规章制度的，责令限期改正", ""),
])
def test_the_body_that_imposes_a_penalty(text: str, enforcer: str) -> None:
    assert enforcer_of(text) == enforcer


# Penalties that name no provision: a breach stated in the penalty's own words, and items of conduct.
UNNUMBERED = """# 某市无引用示例条例

第一条 禁止伪造、变造、转让经营许可证。

第二条 经营者应当每年报送经营报告。

第三条 违反本条例规定，伪造、变造、转让经营许可证的，由市场监督管理部门没收证件，处一万元以上五万元以下罚款。

第四条 经营者有下列行为之一的，由市场监督管理部门责令改正，处五百元以上二千元以下罚款：

（一）未报送经营报告的；

（二）擅自移动测量设备的。
"""


@pytest.fixture(scope="module")
def unnumbered() -> DocumentPenalties:
    return DocumentPenalties(parse_document(load_bytes(UNNUMBERED.encode(), "u.md", "u.md").text, "u"))


def test_a_penalty_naming_no_provision_punishes_the_prohibition_stating_its_conduct(unnumbered) -> None:
    assert [p.clause for p in unnumbered.punishing("第一条")] == ["第三条"]


def test_an_item_of_conduct_punishes_the_duty_it_breaches_and_one_no_duty_states_punishes_none(unnumbered) -> None:
    assert [p.clause for p in unnumbered.punishing("第二条")] == ["第四条第（一）项"]
    assert unnumbered.provisions["第四条第（二）项"].duties == ()


@pytest.mark.parametrize("text, conduct", [
    ("违反本条例规定，伪造、变造、转让经营许可证的，由市场监督管理部门没收证件", "伪造、变造、转让经营许可证"),
    ("违反本条例规定，经营者有下列行为之一的，由市场监督管理部门责令改正", ""),  # its items state the conduct
    ("违反本条例第二条规定，未报送经营报告的，处五百元罚款", ""),  # it names the provision
    ("第二十条 监督管理部门的工作人员参与碳排放权交易的，由国务院生态环境主管部门责令依法处理",
     "监督管理部门的工作人员参与碳排放权交易"),  # the conduct opens the penalty
    # … in several acts: "…未设立能源管理岗位，聘任…，并报…备案的，由…"
    ("第八十四条 重点用能单位未按照本法规定设立能源管理岗位，聘任能源管理负责人，并报有关部门备案的，由管理节能工作的部门"
     "责令改正", "重点用能单位未按照本法规定设立能源管理岗位，聘任能源管理负责人，并报有关部门备案"),
    ("违反本法规定，未办理能源效率标识备案，或者使用的能源效率标识不符合规定的，由市场监督管理部门责令限期改正",
     "未办理能源效率标识备案，或者使用的能源效率标识不符合规定"),
])
def test_the_conduct_a_penalty_states(text: str, conduct: str) -> None:
    assert stated_conduct(text) == conduct


def test_a_duty_states_a_conduct_without_its_breach_words() -> None:
    assert conduct_overlap("（一）未报送经营报告的；", "经营者应当每年报送经营报告。") == 1.0
    assert conduct_overlap("（二）擅自移动测量设备的。", "经营者应当每年报送经营报告。") == 0.0


def test_a_notice_cites_its_numbered_provisions_as_articles() -> None:
    """A 通告 numbers its provisions 一、二、 and cites them as 第一条: "违反本通告第三条规定" punishes its provision 三."""
    doc = parse_document("午市测试燃放通告\n一、主城区全域禁止燃放测试烟花。\n二、除夕可以在划定区域燃放测试烟花。\n"
                         "三、任何单位和个人不得在禁放区域内销售测试烟花。\n"
                         "四、违反本通告第一条规定燃放测试烟花的，由公安机关处100元以上500元以下罚款。\n"
                         "五、违反本通告第三条规定销售测试烟花的，由应急管理部门处2万元以上10万元以下罚款。\n", "notice")
    assert provision_references("违反本通告第三条规定销售的", doc) == ["三"]
    assert provision_references("违反本通告第三条规定销售的") == ["第三条"]  # without the document, as written
    penalties = DocumentPenalties(doc)
    assert [p.clause for p in penalties.punishing("一")] == ["四"]
    assert [p.clause for p in penalties.punishing("三")] == ["五"]
    assert penalties.punishing("二") == []
