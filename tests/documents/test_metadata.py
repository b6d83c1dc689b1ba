from __future__ import annotations

from conftest import ROOT_DIR, TESTS

import pytest

from kb.documents.layout import signature_start
from kb.documents.load import load_source
from kb.documents.metadata import (
    administrative_level,
    detect_metadata,
    find_references,
    is_passage_line,
    legal_force,
    passage_events,
    read_header,
    recipients_line,
)
from kb.documents.normalize import normalise_text
from kb.schema import Amendment, AmendmentKind, DocMeta, LegalForce

ROOT = ROOT_DIR
SEED = ROOT / "corpus" / "chongqing-yufufa-2021-31-green-low-carbon-circular-economy.txt"
FIXTURES = TESTS / "fixtures"


def _detect(raw: str) -> dict[str, object]:
    return detect_metadata(normalise_text(raw))


def test_seed_metadata() -> None:
    found = _detect(SEED.read_text(encoding="utf-8"))
    assert found == {
        # The PDF text lost "发展" from the title; detection reports what the text says, the manifest corrects it.
        "title": "重庆市人民政府关于加快建立健全绿色低碳循环经济体系的实施意见",
        "doc_number": "渝府发〔2021〕31号",
        "issuer": "重庆市人民政府",
        "date": "2021-10-11",
        "level": "municipal",
        "force": "规范性文件",
        "implements": ("国发〔2021〕4号",),
        "info_lines": ("重庆市人民政府", "关于加快建立健全绿色低碳循环", "经济体系的实施意见", "渝府发〔2021〕31号"),
    }


def test_synthetic_national_metadata() -> None:
    found = _detect((FIXTURES / "synthetic_national.txt").read_text(encoding="utf-8"))
    assert found == {
        "title": "国务院关于提升社区图书馆服务水平的指导意见",  # the synthetic-notice line before it is skipped
        "doc_number": "国发〔2099〕1号",
        "issuer": "国务院",
        "date": "2099-01-01",  # written 二〇九九年一月一日
        "level": "national",
        "force": "规范性文件",
        "implements": ("国办发〔2098〕7号",),
        "info_lines": ("本文件为测试用合成文本，非真实政策文件。", "国务院关于提升社区图书馆服务水平的指导意见", "国发〔2099〕1号"),
    }


def test_synthetic_regulation_metadata_has_no_doc_number() -> None:
    found = _detect((FIXTURES / "synthetic_regulation.txt").read_text(encoding="utf-8"))
    assert found == {"title": "示例市社区花园管理办法", "issuer": "示例市人民政府", "date": "2099-03-01",
                     "level": "municipal", "force": "规章",  # a city government's 办法 with articles
                     "info_lines": ("本文件为测试用合成文本，非真实政策文件。", "示例市社区花园管理办法")}


def test_letterhead_and_doc_number_before_the_title() -> None:
    text = "示例市人民政府文件\n示府发[2099] 3 号\n示例市人民政府\n关于开展测试工作的通知\n各区县人民政府：\n现将有关事项通知如下。\n一、测试"
    found = _detect(text)
    assert found["title"] == "示例市人民政府关于开展测试工作的通知"
    assert found["doc_number"] == "示府发〔2099〕3号"
    assert found["issuer"] == "示例市人民政府"  # no 落款: the title's prefix before 关于


def test_implements_needs_an_implementing_verb_and_the_preamble() -> None:
    text = ("关于测试的意见\n根据《甲规划》（国发〔2099〕1号），为贯彻《乙办法》（国办发〔2099〕2号）和《丙方案》（示发〔2099〕3号）精神，"
            "制定本意见。\n一、总体要求\n（一）落实《丁通知》（国发〔2099〕4号）。\n（二）其他。")
    assert _detect(text)["implements"] == ("国办发〔2099〕2号", "示发〔2099〕3号")


def test_find_references_normalises_brackets_and_spaces() -> None:
    text = "依据《甲办法》（国发[2099] 4 号）、《乙规定》(国办发〔2098〕12号)和《丙意见》。再提《甲办法》（国发〔2099〕4号）。"
    assert find_references(text) == [("甲办法", "国发〔2099〕4号"), ("乙规定", "国办发〔2098〕12号")]


@pytest.mark.parametrize(("issuer", "level"), [
    ("国务院", "national"), ("国务院办公厅", "national"), ("生态环境部", "national"), ("国家发展改革委", "national"),
    ("国家市场监督管理总局", "national"), ("四川省人民政府", "provincial"), ("广西壮族自治区人民政府", "provincial"),
    ("重庆市人民政府", "municipal"), ("北京市人民政府", "municipal"), ("上海市人民政府", "municipal"),
    ("天津市人民政府", "municipal"), ("成都市人民政府", "municipal"), ("重庆市渝北区人民政府", "county"),
    ("示例县人民政府", "county"), ("示例协会", "other"),
])
def test_administrative_level(issuer: str, level: str) -> None:
    assert administrative_level(issuer) == level


@pytest.mark.parametrize(("paragraphs", "start"), [
    (["正文。", "示例市人民政府", "2099年1月1日", "（此件公开发布）"], 1),
    (["正文。", "甲部", "乙局", "2099年1月1日"], 1),  # joint signers
    (["正文。", "2099年1月1日"], 1),
    (["正文。", "（此件公开发布）"], 1),
    (["正文。", "（此件公开发布）", "附件"], 3),  # the note must close the document to count without a date
    (["正文。", "更多正文。"], 2),
    (["2099年1月1日"], 1),  # the first paragraph is never a signature
])
def test_signature_start(paragraphs: list[str], start: int) -> None:
    assert signature_start(paragraphs) == start


def test_joint_signers_are_both_issuers() -> None:
    found = _detect("关于测试的通知\n正文。\n甲省乙厅\n丙省丁局\n2099年2月3日")
    assert found["issuer"] == "甲省乙厅、丙省丁局"
    assert found["level"] == "provincial"


def test_joint_issuers_on_one_line_are_both_issuers() -> None:
    """Joint issuers print their names on one line apart by spaces, above the title and in the 落款."""
    notice = "甲省乙厅　丙省丁局\n关于测试的通告\n正文。\n特此通告。\n甲省乙厅　　丙省丁局\n2099年2月3日"
    found = _detect(notice)
    assert found["issuer"] == "甲省乙厅、丙省丁局"
    assert found["date"] == "2099-02-03"
    # Without a 落款, the names before the title's 关于 are the issuers.
    assert _detect("甲省乙厅　丙省丁局\n关于测试的通告\n正文。")["issuer"] == "甲省乙厅、丙省丁局"
    # Words apart by a space are no issuers unless each ends like a body.
    assert "issuer" not in _detect("特此 通告\n关于测试的通告\n正文。")


def test_an_issuing_notice_is_dated_by_its_cover_letter() -> None:
    """"…关于印发《…方案》的通知": the letter is signed and dated before the text it issues, whose end has no 落款."""
    notice = ("甲市人民政府办公厅关于印发《甲市节水方案》的通知\n甲府办发〔2099〕3号\n各区人民政府：\n"
              "现将《甲市节水方案》印发给你们，请认真执行。\n甲市人民政府办公厅\n2099年5月6日\n甲市节水方案\n"
              "为落实节水行动，制定本方案。\n一、总体要求\n坚持节水优先。\n二、主要目标\n到2099年，用水量下降16%。")
    assert _detect(notice)["date"] == "2099-05-06"
    # Another kind of document is not dated by a date line in its middle.
    assert "date" not in _detect(notice.replace("关于印发《甲市节水方案》的通知", "关于节水工作的意见"))


def test_nothing_found_in_plain_text() -> None:
    assert _detect("只是一段普通的文字，没有任何公文要素。") == {}
    assert _detect("") == {}


def test_title_is_at_most_four_lines() -> None:
    found = _detect("\n".join(["甲行", "乙行", "丙行", "丁行", "戊行", "正文。"]))
    assert found["title"] == "甲行乙行丙行丁行"


# -- laws and regulations: header lines -------------------------------------------------------------------------------
HEADER_OF_A_REGULATION = "\n".join([
    "重庆市河长制条例", "2020年12月3日 重庆市第五届人民代表大会常务委员会第二十二次会议通过",
    "第一章 总则", "第一条 为了全面推行河长制，制定本条例。", "第二条 本条例适用于本市行政区域。"])


def test_passage_line_gives_issuer_adoption_date_level_and_force() -> None:
    assert _detect(HEADER_OF_A_REGULATION) == {
        "title": "重庆市河长制条例", "issuer": "重庆市人民代表大会常务委员会", "adopted": "2020-12-03",
        "date": "2020-12-03", "level": "municipal", "force": "地方性法规",
        "info_lines": ("重庆市河长制条例", "2020年12月3日 重庆市第五届人民代表大会常务委员会第二十二次会议通过")}


def test_state_council_order_promulgates_and_a_bare_date_line_takes_effect() -> None:
    found = _detect("\n".join(["优化营商环境条例", "2019年10月8日 国务院第66次常务会议通过",
                               "2019年10月22日 中华人民共和国国务院令第722号公布", "2020年1月1日 施行",
                               "第一条 为了持续优化营商环境，制定本条例。", "第二条 本条例所称营商环境，是指……。"]))
    assert (found["issuer"], found["adopted"], found["promulgated"], found["effective"], found["date"]) == (
        "国务院", "2019-10-08", "2019-10-22", "2020-01-01", "2019-10-22")
    assert (found["force"], found["level"]) == (LegalForce.ADMINISTRATIVE_REGULATION, "national")


def test_one_bracketed_passage_note_holds_several_events() -> None:
    note = ("（2011年9月22日重庆市第三届人民代表大会常务委员会第二十六次会议通过　根据2018年7月26日重庆市第五届人民代表大会"
            "常务委员会第四次会议《关于修改〈重庆市城市房地产开发经营管理条例〉等二十五件地方性法规的决定》修正）")
    found = _detect(f"重庆市森林防火条例\n{note}\n第一条 为了预防森林火灾，制定本条例。\n第二条 本条例适用于本市。")
    assert (found["issuer"], found["adopted"], found["date"]) == ("重庆市人民代表大会常务委员会", "2011-09-22", "2018-07-26")
    assert found["amendments"] == (Amendment(
        "2018-07-26", AmendmentKind.AMENDED, "《关于修改〈重庆市城市房地产开发经营管理条例〉等二十五件地方性法规的决定》"),)


def test_promulgation_and_entry_into_force_on_one_line() -> None:
    events = passage_events(["（2019年10月22日中华人民共和国国务院令第722号公布 自二〇二〇年一月一日起施行）"])
    assert [(e.date, e.action.value, e.body) for e in events] == [
        ("2019-10-22", "公布", "中华人民共和国国务院令第722号"), ("2020-01-01", "施行", "起")]


def test_amendment_history_keeps_kind_order_and_decision() -> None:
    found = _detect(load_source(str(ROOT / "eval" / "corpus-dev" / "节约能源法(2018-10-26).md")).text)
    assert found["amendments"] == (
        Amendment("2007-10-28", AmendmentKind.REVISED, "第十届全国人民代表大会常务委员会第三十次会议"),
        Amendment("2016-07-02", AmendmentKind.AMENDED, "《关于修改〈中华人民共和国节约能源法〉等六部法律的决定》"),
        Amendment("2018-10-26", AmendmentKind.AMENDED, "《关于修改〈中华人民共和国野生动物保护法〉等十五部法律的决定》"))
    assert (found["issuer"], found["adopted"], found["date"], found["force"]) == (
        "全国人民代表大会常务委员会", "1997-11-01", "2018-10-26", "法律")


@pytest.mark.parametrize(("line", "is_passage"), [
    ("2020年1月1日 施行", True),
    ("（2019年10月22日中华人民共和国国务院令第722号公布 自2020年1月1日起施行）", True),
    ("根据2016年9月29日重庆市第四届人民代表大会常务委员会第二十八次会议《关于修改〈重庆市户外广告管理条例〉等十三件"
     "地方性法规的决定》第二次修正", True),
    ("（二〇二〇年十二月三日示例市人民代表大会常务委员会第一次会议通过）", True),
    ("2021年10月11日", False),  # a signature date
    ("本条例自2021年1月1日起施行。", False),
    ("2021年10月11日，市政府常务会议审议通过了《办法》，现印发给你们。", False),  # running text
    ("2025年底前，完成改造。", False),
])
def test_passage_lines_are_recognised_by_their_shape(line: str, is_passage: bool) -> None:
    assert is_passage_line(line) is is_passage


def test_header_ends_where_the_body_starts() -> None:
    header = read_header(HEADER_OF_A_REGULATION.split("\n"))
    assert (header.end, header.title, header.passage_lines) == (
        2, "重庆市河长制条例", ("2020年12月3日 重庆市第五届人民代表大会常务委员会第二十二次会议通过",))
    assert read_header(["第一条 为了规范管理，制定本条例。", "第二条 适用范围。"]).end == 0


def test_regulations_without_header_lines_take_force_and_level_from_the_title() -> None:
    found = _detect("节约用水条例\n第一章 总 则\n第一条 为了节约用水，制定本条例。\n第二条 本条例所称节约用水……。")
    assert found == {"title": "节约用水条例", "issuer": "国务院", "level": "national", "force": "行政法规",
                     "info_lines": ("节约用水条例",)}  # a national 条例 is the State Council's; no date is stated
    law = _detect("中华人民共和国示例法\n第一条 为了示例，制定本法。\n第二条 本法适用于示例。")
    assert (law["force"], law["level"], "issuer" in law) == ("法律", "national", False)


@pytest.mark.parametrize(("issuer", "title", "doc_number", "by_order", "force"), [
    ("全国人民代表大会常务委员会", "中华人民共和国节约能源法", "", False, LegalForce.LAW),
    ("全国人民代表大会", "中华人民共和国民法典", "", False, LegalForce.LAW),
    ("国务院", "优化营商环境条例", "", True, LegalForce.ADMINISTRATIVE_REGULATION),
    ("重庆市人民代表大会常务委员会", "重庆市森林防火条例", "", False, LegalForce.LOCAL_REGULATION),
    ("重庆市人民政府", "重庆市示例管理办法", "", True, LegalForce.RULES),
    ("生态环境部", "碳排放权交易管理办法（试行）", "", True, LegalForce.RULES),
    ("重庆市人民政府", "重庆市人民政府关于加快示例工作的实施意见", "渝府发〔2021〕31号", False,
     LegalForce.NORMATIVE_DOCUMENT),
    ("", "城市市容和环境卫生管理条例", "", False, LegalForce.ADMINISTRATIVE_REGULATION),  # 城市 names no city
    ("", "上海市绿色建筑条例", "", False, LegalForce.LOCAL_REGULATION),
    ("示例协会", "示例协会章程", "", False, None),
])
def test_legal_force(issuer: str, title: str, doc_number: str, by_order: bool, force: LegalForce | None) -> None:
    assert legal_force(issuer, title, doc_number, by_order) == force


def test_citation_name_prefers_the_short_name_then_the_doc_number_then_the_title() -> None:
    assert DocMeta("x", title="重庆市城市园林绿化条例").citation_name == "《重庆市城市园林绿化条例》"
    assert DocMeta("x", title="重庆市人民政府关于…的实施意见", doc_number="渝府发〔2021〕31号").citation_name == "渝府发〔2021〕31号"
    for short_name in ("循环经济促进法", "《循环经济促进法》"):
        meta = DocMeta("x", title="中华人民共和国循环经济促进法", short_name=short_name)
        assert meta.citation_name == "《循环经济促进法》"
    assert DocMeta("x").citation_name == "x"


def test_metadata_read_back_from_json_is_equal() -> None:
    import json
    from dataclasses import asdict

    meta = DocMeta("x", title="t", force=LegalForce.LAW, info_lines=("t", "2020年1月1日 施行"),
                   amendments=(Amendment("2020-01-02", AmendmentKind.REVISED, "《决定》"),), implements=("国发〔2021〕4号",))
    assert DocMeta(**json.loads(json.dumps(asdict(meta), ensure_ascii=False))) == meta


@pytest.mark.parametrize("preamble, expected", [
    ("甲市人民政府办公厅关于…的通知\n甲府办发〔2099〕3号\n各区人民政府，市政府各部门：\n现将…印发给你们。",
     "各区人民政府，市政府各部门："),
    ("乙局关于…的通知\n为做好…工作，现将有关事项通知如下：", ""),  # the sentence leading into the text
    ("为认真贯彻落实…精神，结合我市实际，提出如下实施意见。", ""),
])
def test_the_recipients_line_addresses_bodies(preamble: str, expected: str) -> None:
    assert recipients_line(preamble) == expected
