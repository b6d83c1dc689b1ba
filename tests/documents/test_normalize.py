from __future__ import annotations

from conftest import ROOT_DIR, TESTS
import re

import pytest

from kb.documents.normalize import (
    DateMention,
    chinese_count,
    chinese_numeral,
    clean_spaces,
    find_dates,
    match_ordinal,
    normalise_text,
    numeral_value,
    parse_date,
)

ROOT = ROOT_DIR
SEED = ROOT / "corpus" / "chongqing-yufufa-2021-31-green-low-carbon-circular-economy.txt"
FIXTURES = TESTS / "fixtures"


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    return normalise_text(SEED.read_text(encoding="utf-8")).split("\n")


def test_seed_becomes_one_paragraph_per_line(seed_lines: list[str]) -> None:
    # Counted by hand: 3 title lines, 文号, salutation, preamble, 一 + 2, 二 + 6 （N） + 23 items, 三 + 3, 3 signature.
    assert len(seed_lines) == 46
    assert all(line and line == line.strip() for line in seed_lines)
    assert seed_lines[:5] == ["重庆市人民政府", "关于加快建立健全绿色低碳循环", "经济体系的实施意见", "渝府发〔2021〕31号",
                              "各区县（自治县）人民政府，市政府各部门，有关单位："]
    assert seed_lines[-3:] == ["重庆市人民政府", "2021年10月11日", "（此件公开发布）"]


def test_every_numbered_heading_of_the_seed_starts_a_line(seed_lines: list[str]) -> None:
    starts = [line[:3] for line in seed_lines]
    for number in range(1, 24):
        assert sum(start.startswith(f"{number}．") for start in starts) == 1, number
    for part in ("一、", "二、", "三、"):
        assert sum(start.startswith(part) for start in starts) == 1
    assert sum(start.startswith("（") for start in starts) == 2 + 6 + 3 + 1  # （一）… plus （此件公开发布）


def test_words_and_numbers_split_across_lines_are_rejoined(seed_lines: list[str]) -> None:
    text = "\n".join(seed_lines)
    assert "确保如期实现碳达峰碳中和目标。" in text  # split at a page start: "碳达峰碳" / " 中和目标。"
    assert "加快推进危险废物处理设施、医疗废物应急处理设施建设。“十四五”期间" in text  # "“十" / "四五”"
    assert "积极推广应用沥青冷（热）再生" in text  # the wrapped "（热）再生" is not a heading
    assert "巩固1000个、新建1000个美丽宜居乡村。" in text  # nor is the wrapped "1000 个、新建"


def test_spaces_between_cjk_and_digits_or_latin_are_removed(seed_lines: list[str]) -> None:
    text = "\n".join(seed_lines)
    for phrase in ("到2025年", "渝府发〔2021〕31号", "单位GDP能耗", "（EOD模式）试点。", "（国发〔2021〕4号）", "2021年10月11日"):
        assert phrase in text
    assert " " not in text  # the seed has no Latin word pairs, so no space survives


def test_clean_spaces_keeps_latin_word_pairs_and_ideograph_pairs() -> None:
    assert clean_spaces("开展 green  economy 试点") == "开展green economy试点"
    assert clean_spaces("第一章\u3000总则") == "第一章 总则"
    assert clean_spaces("高至 35%、 32% ，") == "高至35%、32%，"


def test_clean_text_keeps_its_paragraphs_and_characters() -> None:
    raw = "\ufeff关于测试的通知\r\n\r\n\u3000\u3000各单位：\r\n\u3000\u3000为了测试，现通知如下。\r\n一、到 ２０２５ 年完成。\r\n其他事项另行通知。\r\n"
    assert normalise_text(raw).split("\n") == ["关于测试的通知", "各单位：", "为了测试，现通知如下。", "一、到２０２５年完成。",
                                               "其他事项另行通知。"]


def _hard_wrap(clean: str, width: int = 28, page_lines: int = 9) -> str:
    """Imitate the seed's PDF text: wrapped lines, a blank line after each, a leading space at each page start,
    and a space where an Arabic number meets a CJK character."""
    lines = [paragraph[i:i + width] for paragraph in clean.split("\n") for i in range(0, len(paragraph), width)]
    lines = [re.sub(r"(?<=[\u4e00-\u9fff])(?=\d)|(?<=\d)(?=[\u4e00-\u9fff])", " ", line) for line in lines]
    out: list[str] = []
    for index, line in enumerate(lines):
        if index and index % page_lines == 0:
            out[-1] = out[-1][:-1]  # no blank line before a page start, as in the seed
            out.append(f" {line}\n")
        else:
            out.append(f"{line}\n\n")
    return "".join(out)


@pytest.mark.parametrize("name", ["synthetic_national.txt", "synthetic_regulation.txt"])
def test_hard_wrapped_fixture_normalises_back_to_its_paragraphs(name: str) -> None:
    clean = (FIXTURES / name).read_text(encoding="utf-8").strip()
    assert normalise_text(clean) == clean
    wrapped = _hard_wrap(clean)
    assert len(wrapped.split()) > clean.count("\n") + 5  # the wrap really split paragraphs
    assert normalise_text(wrapped) == clean


def test_short_line_ends_a_paragraph_but_a_full_unfinished_line_does_not() -> None:
    full = "甲" * 28
    raw = "\n".join([full, full, "乙乙乙。", full, full + "。", "丙" * 27, "丁丁。", "一、标题", full, "戊。"])
    assert normalise_text(raw).split("\n") == [full * 2 + "乙乙乙。", full * 2 + "。" + "丙" * 27 + "丁丁。", "一、标题",
                                               full + "戊。"]


@pytest.mark.parametrize("marker", ["— 2 —", "－3－", "- 12 -", "第 2 页 共 10 页", "第3页", "2/10"])
def test_a_printed_page_number_is_dropped_and_the_paragraph_it_cut_is_joined(marker: str) -> None:
    full = "甲" * 28
    raw = "\n".join([full, full, "乙乙乙。", full, marker, full + "。"])
    assert normalise_text(raw).split("\n") == [full * 2 + "乙乙乙。", full * 2 + "。"]
    assert normalise_text(f"到2025年达到3年。\n{marker}\n二、任务") == "到2025年达到3年。\n二、任务"


def test_heading_after_a_finished_line_starts_a_paragraph_in_wrapped_text() -> None:
    full = "甲" * 27
    raw = "\n".join([full + "。", "（一）乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙", "乙。", full + "，",
                     "（二）不是标题因为上一行没有结束乙乙乙乙乙乙乙乙乙乙乙", "丙。"])
    assert normalise_text(raw).split("\n") == [full + "。", "（一）" + "乙" * 25 + "。",
                                               full + "，（二）不是标题因为上一行没有结束" + "乙" * 11 + "丙。"]


def test_a_note_after_a_full_stop_finishes_the_line_before_a_heading_in_wrapped_text() -> None:
    """A 方案's task ends with its responsibility note ("…审定。（责任单位：…）"): the next task's heading starts a
    paragraph of its own, as after a full stop; a bracket closing mid-sentence does not finish the line."""
    full = "甲" * 27
    raw = "\n".join([full + "，", "乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙审定。（责任单位：市丙委、各区县政府）", "（二）推进丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁",
                     "丁。", full + "，", "乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙（含本数）", "（三）不是标题因为上一行没有结束戊戊戊戊戊戊戊戊戊戊戊", "戊。"])
    assert normalise_text(raw).split("\n") == [
        full + "，" + "乙" * 15 + "审定。（责任单位：市丙委、各区县政府）", "（二）推进" + "丁" * 22 + "。",
        full + "，" + "乙" * 21 + "（含本数）（三）不是标题因为上一行没有结束" + "戊" * 11 + "戊。"]


@pytest.mark.parametrize(("paragraph", "kind", "value", "text", "rest"), [
    ("一、总体要求", "part", 1, "一", "总体要求"),
    ("（十二）完善政策", "cn_paren", 12, "（十二）", "完善政策"),
    ("(三)半角括号", "cn_paren", 3, "(三)", "半角括号"),
    ("4．壮大产业", "arabic", 4, "4", "壮大产业"),
    ("１０.全角数字", "arabic", 10, "１０", "全角数字"),
    ("7、顿号", "arabic", 7, "7", "顿号"),
    ("（2）小项", "arabic_paren", 2, "（2）", "小项"),
    ("第二十一条 内容", "article", 21, "第二十一条", "内容"),
    ("第三章 附则", "chapter", 3, "第三章", "附则"),
    ("第一节 通则", "section", 1, "第一节", "通则"),
    ("第二编 物权", "volume", 2, "第二编", "物权"),
    ("第一分编 通则", "subvolume", 1, "第一分编", "通则"),
    ("第一百零一条 内容", "article", 101, "第一百零一条", "内容"),
])
def test_match_ordinal_reads_every_numbering_style(paragraph: str, kind: str, value: int, text: str, rest: str) -> None:
    ordinal = match_ordinal(paragraph)
    assert ordinal is not None
    assert (ordinal.kind, ordinal.value, ordinal.text, paragraph[ordinal.end:]) == (kind, value, text, rest)


@pytest.mark.parametrize("paragraph", ["（热）再生", "1000个、新建", "3.5%的增长", "2025年", "“十四五”期间", "区（县）规划", "十四五"])
def test_match_ordinal_rejects_numbers_that_are_not_headings(paragraph: str) -> None:
    assert match_ordinal(paragraph) is None


@pytest.mark.parametrize(("numeral", "value"), [("十", 10), ("十一", 11), ("二十三", 23), ("一百零五", 105), ("二〇二一", 2021),
                                                ("２３", 23), ("两", 2), ("甲", None), ("", None)])
def test_numeral_value(numeral: str, value: int | None) -> None:
    assert numeral_value(numeral) == value


@pytest.mark.parametrize(("text", "iso"), [("2021年10月11日", "2021-10-11"), ("二〇二一年十月十一日", "2021-10-11"),
                                           ("二○二一年十二月三十一日", "2021-12-31"), ("２０２１年１月５日", "2021-01-05"),
                                           ("2021年13月1日", None), ("没有日期", None)])
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_empty_and_blank_input_normalise_to_empty_text() -> None:
    assert normalise_text("") == ""
    assert normalise_text(" \r\n\u3000\n\ufeff") == ""


def test_short_clean_lines_are_not_taken_for_wrapped_text() -> None:
    assert normalise_text("甲行\n乙行\n丙行\n丁行\n正文。").split("\n") == ["甲行", "乙行", "丙行", "丁行", "正文。"]


def test_normalising_twice_changes_nothing(seed_lines: list[str]) -> None:
    once = "\n".join(seed_lines)
    assert normalise_text(once) == once


def test_an_inserted_article_keeps_its_number_and_sub_number() -> None:
    ordinal = match_ordinal("第十六条之一 新增的规定。")
    assert ordinal is not None and (ordinal.value, ordinal.sub, ordinal.text) == (16, 1, "第十六条之一")


@pytest.mark.parametrize(("value", "written"), [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (105, "一百零五"),
                                                (110, "一百一十"), (1010, "一千零一十"), (10011, "一万零一十一")])
def test_chinese_numeral_writes_what_numeral_value_reads(value: int, written: str) -> None:
    assert chinese_numeral(value) == written and numeral_value(written) == value


@pytest.mark.parametrize("value, written", [(1, "一"), (2, "两"), (3, "三"), (12, "十二"), (22, "二十二")])
def test_a_count_is_written_as_counted(value: int, written: str) -> None:
    assert chinese_count(value) == written


def test_find_dates_reads_every_date_in_order() -> None:
    text = "（2019年10月22日国务院令第722号公布 自二〇二〇年一月一日起施行，2021年13月1日不是日期）"
    assert find_dates(text) == [DateMention("2019-10-22", 1, 12), DateMention("2020-01-01", 25, 34)]


def test_an_indented_line_starts_a_paragraph_in_wrapped_text() -> None:
    full = "甲" * 27
    raw = "\n".join(["\u3000\u3000第一条" + "乙" * 24, full + "。", "\u3000\u3000" + "丙" * 26, full + "。",
                     "\u3000\u3000第二条" + "丁" * 24, "戊" * 20 + "。", " " + full])  # one space: a page start
    assert normalise_text(raw).split("\n") == ["第一条" + "乙" * 24 + full + "。", "丙" * 26 + full + "。",
                                               "第二条" + "丁" * 24 + "戊" * 20 + "。", full]


def test_a_table_s_rows_are_read_with_its_header() -> None:
    """An 附件's table, its cells apart by runs of spaces (PDF, text) or tabs (DOCX): each row becomes one sentence
    naming what each cell is, the row number aside; cleaning alone would run "2  乙区  14%" into "2乙区14%"."""
    spaced = normalise_text("附件：各区县目标\n序号  区县  能耗强度降低目标\n1  甲区  15%\n2  乙区  14%\n")
    assert spaced.splitlines()[2:] == ["区县：甲区，能耗强度降低目标：15%。", "区县：乙区，能耗强度降低目标：14%。"]
    tabbed = normalise_text("任务\t牵头单位\t完成时限\n建设平台\t市发展改革委\t2099年底\n培训人员\t市人力社保局\t每年\n")
    assert tabbed.splitlines()[1] == "任务：建设平台，牵头单位：市发展改革委，完成时限：2099年底。"
    assert normalise_text(tabbed) == tabbed


def test_a_tables_bare_numbers_are_read_with_the_unit_in_brackets_of_their_row_or_column() -> None:
    """A plan's indicator table gives its unit once, in brackets after the indicator or the column title: each number
    is read with it ("2030年：57%"), as a bare 57 is no value an answer could state."""
    rows = normalise_text("指标\t2025年\t2030年\t属性\n森林覆盖率（%）\t55\t57\t预期性\n"
                          "细颗粒物年均浓度（微克/立方米）\t30\t25\t约束性\n").splitlines()
    assert rows[1] == "指标：森林覆盖率（%），2025年：55%，2030年：57%，属性：预期性。"
    assert "2030年：25微克/立方米" in rows[2]
    by_column = normalise_text("区县\t补助标准（万元）\n甲区\t30\n乙区\t25\n").splitlines()
    assert by_column[1:] == ["区县：甲区，补助标准（万元）：30万元。", "区县：乙区，补助标准（万元）：25万元。"]
    # A bracket that names no unit adds none ("细颗粒物（PM2.5）").
    assert "：30，" in normalise_text("指标\t2025年\t2030年\n细颗粒物（PM2.5）\t30\t25\n可吸入颗粒物（PM10）\t50\t45\n")


def test_lines_that_only_look_like_cells_are_no_table() -> None:
    """A law's spaced chapter headings ("第一章　总　　则") and a header over a single row stay as they are."""
    chapters = "第一章　总　　则\n第二章　收集和运输\n第三章　处　　置\n第四章　法律责任"
    assert normalise_text(chapters).splitlines() == ["第一章 总 则", "第二章 收集和运输", "第三章 处 置", "第四章 法律责任"]
    assert "：" not in normalise_text("区县  目标\n甲区  15%\n")
