from __future__ import annotations

from conftest import ROOT_DIR, TESTS
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.errors import KbError
from kb.documents.parse import parse_document, split_sentences
from kb.schema import ParsedDocument

from documents.support import assert_clauses_partition_text

ROOT = ROOT_DIR
SEED_TEXT = (ROOT / "corpus" / "chongqing-yufufa-2021-31-green-low-carbon-circular-economy.txt").read_text(
    encoding="utf-8")
GOLDEN = TESTS / "golden" / "chongqing-2021-31.outline.tsv"
FIXTURES = TESTS / "fixtures"


@pytest.fixture(scope="module")
def seed() -> ParsedDocument:
    return parse_document(SEED_TEXT, "cq-2021-31", source="corpus/seed.txt")


def _fixture(stem: str) -> ParsedDocument:
    return parse_document((FIXTURES / f"{stem}.txt").read_text(encoding="utf-8"), stem)


def test_seed_outline_matches_the_golden_file(seed: ParsedDocument) -> None:
    golden = [tuple(line.split("\t")) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    assert [(clause.label, clause.heading) for clause in seed.clauses] == golden
    assert seed.meta.structured


def test_seed_clause_paths_levels_and_own_text(seed: ParsedDocument) -> None:
    item = seed.clause("二（一）4")
    assert item is not None
    assert (item.path, item.level, item.doc_id) == (("二", "（一）", "4"), 3, "cq-2021-31")
    assert item.text.startswith("4．壮大绿色环保产业。推动重庆经开区建设国家绿色产业示范基地。")
    assert item.text.endswith("探索开展生态环境导向的开发模式（EOD模式）试点。")
    section = seed.clause("二（一）")
    assert section is not None and section.text == "（一）健全绿色低碳循环发展的生产体系。"  # children are separate
    part = seed.clause("三")
    assert part is not None and (part.path, part.level, part.text) == (("三",), 1, "三、保障措施")


def test_seed_preamble_and_signature(seed: ParsedDocument) -> None:
    preamble, signature = seed.clauses[0], seed.clauses[-1]
    assert (preamble.label, preamble.path, preamble.level) == ("序言", (), 0)
    assert preamble.text.split("\n") == [
        "重庆市人民政府", "关于加快建立健全绿色低碳循环", "经济体系的实施意见", "渝府发〔2021〕31号",
        "各区县（自治县）人民政府，市政府各部门，有关单位：",
        "为认真贯彻落实《国务院关于加快建立健全绿色低碳循环发展经济体系的指导意见》（国发〔2021〕4号）精神，结合我市实际，"
        "现就加快建立健全绿色低碳循环发展经济体系提出如下实施意见。"]
    assert signature.label == "落款"
    assert signature.text == "重庆市人民政府\n2021年10月11日\n（此件公开发布）"
    last_body = seed.clauses[-2]
    assert last_body.label == "三（三）" and last_body.text.endswith("凝聚社会共识，营造良好氛围。")


def test_seed_numbers_inside_sentences_are_not_headings(seed: ParsedDocument) -> None:
    labels = {clause.label for clause in seed.clauses}
    assert len(labels) == 39
    traffic, living, research = seed.clause("二（四）14"), seed.clause("二（四）15"), seed.clause("二（五）17")
    assert traffic is not None and "沥青冷（热）再生" in traffic.text
    assert living is not None and living.text.endswith("巩固1000个、新建1000个美丽宜居乡村。")
    assert "编制市、区（县）国土空间总体（分区）规划" in living.text
    assert research is not None and "首台（套）重大技术装备" in research.text


def test_seed_metadata_and_source(seed: ParsedDocument) -> None:
    meta = seed.meta
    assert (meta.doc_id, meta.doc_number, meta.issuer, meta.date, meta.level, meta.implements, meta.source) == (
        "cq-2021-31", "渝府发〔2021〕31号", "重庆市人民政府", "2021-10-11", "municipal", ("国发〔2021〕4号",),
        "corpus/seed.txt")
    assert meta.citation_name == "渝府发〔2021〕31号"


def test_seed_sentences_keep_terminators_and_closing_quotes(seed: ParsedDocument) -> None:
    logistics = seed.clause("二（二）7")
    assert logistics is not None
    assert logistics.sentences[0].text == "7．打造绿色物流。"
    assert logistics.sentences[-1].text == "推动江北国际机场APU（飞机辅助动力装置）替代设施“应用尽用”。"
    assert len(logistics.sentences) == 8  # counted by hand: 8 。 in item 7


def test_split_sentences_on_terminators_and_line_ends() -> None:
    text = "他说：“好。”然后走了；真的吗？是的！\n标题行\n  尾句"
    assert [s.text for s in split_sentences(text)] == ["他说：“好。”", "然后走了；", "真的吗？", "是的！", "标题行", "尾句"]
    assert [(s.start, s.end) for s in split_sentences(text)][-1] == (len(text) - 2, len(text))


def test_split_sentences_skip_a_speaker_label() -> None:
    text = "6．需要提交哪些材料？\n答：（1）补贴申请表；（2）营业执照复印件。"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == ["6．需要提交哪些材料？", "（1）补贴申请表；", "（2）营业执照复印件。"]
    assert all(text[s.start:s.end] == s.text for s in sentences)  # offsets still point into the text


def test_synthetic_national_runs_section_numbers_across_parts() -> None:
    doc = _fixture("synthetic_national")
    assert [c.label for c in doc.clauses] == [
        "序言", "一", "一（一）", "一（二）", "二", "二（三）", "二（四）", "二（四）1", "二（四）2", "二（五）", "三", "三（六）",
        "三（七）", "落款"]
    assert doc.clause("二（三）").heading == "完善设施布局"  # type: ignore[union-attr]
    assert doc.clause("落款").text == "国务院\n二〇九九年一月一日\n（此件公开发布）"  # type: ignore[union-attr]
    assert_clauses_partition_text(doc)


def test_synthetic_regulation_chapters_articles_and_items() -> None:
    doc = _fixture("synthetic_regulation")
    # The note and the title are header lines, not a 序言; chapters stay out of the articles' labels.
    assert [(c.label, c.level, c.heading) for c in doc.clauses] == [
        ("第一章", 1, "总则"), ("第一条", 2, ""), ("第二条", 2, ""), ("第三条", 2, ""),
        ("第二章", 1, "建设与维护"), ("第四条", 2, ""), ("第四条第（一）项", 3, ""), ("第四条第（二）项", 3, ""),
        ("第四条第（三）项", 3, ""), ("第五条", 2, ""), ("第五条第（一）项", 3, ""),
        ("第五条第（二）项", 3, ""), ("第三章", 1, "附则"), ("第六条", 2, ""), ("落款", 0, "")]
    assert doc.clause("第五条第（一）项").text == "（一）定期修剪植物；"  # type: ignore[union-attr]
    assert doc.clause("第五条第（一）项").parents == ("第二章 建设与维护",)  # type: ignore[union-attr]
    assert doc.meta.info_lines == ("本文件为测试用合成文本，非真实政策文件。", "示例市社区花园管理办法")
    assert_clauses_partition_text(doc)


def test_articles_without_chapters_label_items_under_the_article() -> None:
    doc = parse_document("第一条 总的规定。\n第二条 下列事项：\n（一）甲；\n（二）乙。\n第三条 施行。", "reg")
    assert [c.label for c in doc.clauses] == ["第一条", "第二条", "第二条第（一）项", "第二条第（二）项", "第三条"]


def test_an_excerpt_of_a_law_keeps_its_articles_though_their_numbers_skip() -> None:
    """A 节选 quotes 第一条, 第六条, 第八条: three or more rising articles are the law's own; two paragraphs opening
    with cross-references ("第五条规定的事项…", "第七条规定的期限…") are not."""
    excerpt = parse_document("午市测试办法（节选）\n第一条 为了测试，制定本办法。\n第六条 收运单位应当每日收运。\n"
                             "违反的，责令改正。\n第八条 处置单位应当每季度报送处置量。", "excerpt")
    assert [c.label for c in excerpt.clauses] == ["第一条", "第六条", "第六条第二款", "第八条"]
    assert_clauses_partition_text(excerpt)
    references = parse_document("午市测试通知\n各区：\n第五条规定的事项，请各区落实。\n第七条规定的期限内完成。", "refs")
    assert not any(c.label.startswith("第") for c in references.clauses)


def test_headings_must_fit_the_numbering_sequence() -> None:
    raw = "\n".join(["一、总则", "（一）第一节。", "3．跳号的不是标题。", "1．第一项。", "（3）没有（1）不能开始。", "2．第二项。",
                     "（热）再生不是序号。", "二、第二部分", "四、跳号。", "（一）重新开始。"])
    doc = parse_document(raw, "seq")
    assert [c.label for c in doc.clauses] == ["一", "一（一）", "一（一）1", "一（一）2", "二", "二（一）"]
    assert doc.clause("一（一）").text == "（一）第一节。\n3．跳号的不是标题。"  # type: ignore[union-attr]
    assert doc.clause("二").text == "二、第二部分\n四、跳号。"  # type: ignore[union-attr]


def test_a_numbered_sentence_with_nothing_under_it_is_the_clause_s_content_not_its_title() -> None:
    """"（1）供水单位应当建立水质检测制度。" followed by its sibling says something; "（一）加强管理。" heading lower clauses
    and "1．健全制度。" heading a body are titles."""
    raw = "\n".join(["一、重点任务", "（一）加强管理。", "1．健全制度。各单位应当建立台账。", "2．落实责任。",
                     "（1）供水单位应当建立水质检测制度。", "（2）供水单位不得擅自停止供水。", "（二）强化保障。", "资金由财政安排。"])
    headings = {c.label: c.heading for c in parse_document(raw, "lone").clauses}
    assert headings["一（一）"] == "加强管理" and headings["一（一）1"] == "健全制度" and headings["一（一）2"] == "落实责任"
    assert headings["一（一）2（1）"] == "" and headings["一（一）2（2）"] == ""
    assert headings["一（二）"] == "强化保障"  # its body is the next paragraph


def test_full_width_digits_and_half_width_dots_stay_as_written_in_labels() -> None:
    doc = parse_document("一、甲\n１．全角。\n２.半角点。\n二、乙\n3、顿号。", "fw")
    assert [c.label for c in doc.clauses] == ["一", "一１", "一２", "二", "二3"]


def test_text_without_numbering_is_split_into_paragraphs() -> None:
    doc = parse_document("第一段文字，没有序号。\n第二段文字。\n一、只有一个序号不算结构。", "plain")
    assert [c.label for c in doc.clauses] == ["段1", "段2", "段3"]
    assert not doc.meta.structured
    assert doc.clause("段2").text == "第二段文字。"  # type: ignore[union-attr]


def test_a_short_cover_letter_s_date_is_no_signature_of_the_text_it_issues() -> None:
    """"关于印发…方案的通知": the letter is signed and dated, then the 方案 follows; in a short 方案 that date is among
    the last lines, yet the numbered text after it is the body, not a 落款."""
    raw = ("午市人民政府办公室\n关于印发午市测试供水保障行动方案的通知\n午府办发〔2099〕12号\n各区县人民政府：\n"
           "《午市测试供水保障行动方案》已经市政府同意，现印发给你们，请认真贯彻执行。\n午市人民政府办公室\n2099年3月18日\n"
           "午市测试供水保障行动方案\n一、工作目标\n到2099年底，测试管网漏损率控制在9%以内。\n"
           "二、保障措施\n市级财政安排测试专项资金2亿元。\n")
    doc = parse_document(raw, "cover")
    assert doc.meta.structured and [c.label for c in doc.clauses] == ["序言", "一", "二"]
    assert doc.clause("二").text == "二、保障措施\n市级财政安排测试专项资金2亿元。"  # type: ignore[union-attr]
    assert doc.meta.date == "2099-03-18"


def test_a_numbered_rule_is_content_not_a_title() -> None:
    """A 通告's "一、本市东城区全域为烟花爆竹禁止燃放区域。其他区县…" states its first rule: a phrase with a modal verb
    (禁止, 应当, 不得, 可以…) is no title, though short and followed by more text; "（一）推进工业绿色升级。" is one."""
    doc = parse_document("一、本市东城区全域为烟花爆竹禁止燃放区域。其他区县可以划定禁止燃放区域。\n"
                         "二、推进工业绿色升级。加快实施钢铁行业改造。\n", "notice")
    assert doc.clause("一").heading == "" and doc.clause("二").heading == "推进工业绿色升级"  # type: ignore[union-attr]


def test_a_form_s_field_is_titled_by_its_label() -> None:
    """A 办事指南 gives each field on one line, "八、办理时限：法定办结时限为20个工作日…": its label is the title (it had
    none: a colon ended the title); a label holding a modal verb is running text."""
    doc = parse_document("一、实施机关：午市测试局\n二、办理时限：法定办结时限为20个工作日。\n三、办理流程\n"
                         "（一）申请：申请人向窗口提交申请材料；\n（二）决定：作出准予许可的决定。\n"
                         "四、申请人应当：如实提交材料。\n", "guide")
    assert [c.heading for c in doc.clauses] == ["实施机关", "办理时限", "办理流程", "申请", "决定", ""]


def test_empty_text_has_no_clauses() -> None:
    doc = parse_document(" \n\n", "empty")
    assert doc.clauses == () and doc.text == "" and not doc.meta.structured


def test_overrides_win_over_detection() -> None:
    doc = parse_document(SEED_TEXT, "cq", overrides={
        "title": "重庆市人民政府关于加快建立健全绿色低碳循环发展经济体系的实施意见", "implements": ["国发〔2021〕4号", "国发〔2099〕9号"],
        "issuer": None})
    assert doc.meta.title == "重庆市人民政府关于加快建立健全绿色低碳循环发展经济体系的实施意见"
    assert doc.meta.implements == ("国发〔2021〕4号", "国发〔2099〕9号")
    assert doc.meta.issuer == "重庆市人民政府"  # None means "not given", so detection stands
    assert doc.meta.doc_number == "渝府发〔2021〕31号"


@pytest.mark.parametrize("overrides", [{"titel": "x"}, {"level": "city"}, {"structured": "yes"}, {"implements": 5},
                                       {"doc_id": "other"}])
def test_bad_overrides_raise_kb_error(overrides: dict[str, object]) -> None:
    with pytest.raises(KbError):
        parse_document("一、甲\n二、乙", "bad", overrides=overrides)


def test_empty_doc_id_is_a_kb_error() -> None:
    with pytest.raises(KbError):
        parse_document("一、甲", " ")


def test_parsing_the_seed_is_fast() -> None:
    timings = []
    for _ in range(7):
        started = time.perf_counter()
        parse_document(SEED_TEXT, "cq")
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[3] < 0.05


def test_seed_invariants(seed: ParsedDocument) -> None:
    assert_clauses_partition_text(seed)


_PIECES = ["一、", "二、", "三、", "（一）", "（二）", "（三）", "1．", "2.", "3、", "（1）", "第一章", "第一条", "第二条", "。", "；",
           "“", "”", "\n", "\n\n", " ", "\u3000", "到 2025 年", "重庆市人民政府", "2021年10月11日", "（此件公开发布）",
           "渝府发〔2021〕31 号", "《办法》（国发〔2021〕4号）", "各单位：", "绿色低碳", "\r\n", "\ufeff", "ab cd"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=8)), max_size=60))
def test_random_text_never_crashes_and_partitions(pieces: list[str]) -> None:
    assert_clauses_partition_text(parse_document("".join(pieces), "random"))


@st.composite
def _mangled_seed(draw: st.DrawFn) -> str:
    """The seed with random line breaks, deletions and junk, applied back to front so positions stay valid."""
    text = SEED_TEXT
    positions = draw(st.lists(st.integers(0, len(text)), max_size=12))
    for position in sorted(positions, reverse=True):
        edit = draw(st.sampled_from(["break", "delete", "junk"]))
        if edit == "break":
            text = text[:position] + draw(st.sampled_from(["\n", "\n\n", "\n ", " "])) + text[position:]
        elif edit == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 200)):]
        else:
            text = text[:position] + draw(st.one_of(st.sampled_from(_PIECES), st.text(max_size=10))) + text[position:]
    return text


@settings(max_examples=60, deadline=None)
@given(_mangled_seed())
def test_mangled_seed_never_crashes_and_partitions(raw: str) -> None:
    assert_clauses_partition_text(parse_document(raw, "mangled"))
