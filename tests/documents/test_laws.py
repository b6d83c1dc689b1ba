"""Laws and regulations: their structure (编/章/节/条/款/项/目), labels as lawyers cite them, metadata from the passage
lines, tables of contents, attachments — on synthetic texts and on the 15 real documents of eval/corpus-dev, in
Markdown, as plain text and as .docx."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from conftest import TESTS

from kb.documents.load import load_bytes, load_source
from kb.documents.parse import parse_document
from kb.schema import ParsedDocument

from documents.support import (
    DEV_DOCUMENTS,
    SOURCE_ARTICLE,
    assert_clauses_partition_text,
    outline,
    plain_text,
    printed_text,
    source_articles,
)

GOLDEN = TESTS / "golden"
GOLDEN_CHARS = 24  # the first characters of each clause in a golden outline
GOLDEN_DOCUMENTS = ["节约能源法(2018-10-26)", "碳排放权交易管理暂行条例(2024-01-25)", "重庆市道路运输管理条例(2021-11-25)",
                    "重庆市城市园林绿化条例(2021-05-27)"]
# Documents whose source has no header lines: title, level and force come from the title alone.
WITHOUT_HEADER_LINES = {"生态保护补偿条例(2024-04-06)", "碳排放权交易管理暂行条例(2024-01-25)", "节约用水条例(2024-03-09)"}


def _labels(doc: ParsedDocument) -> list[str]:
    return [c.label for c in doc.clauses]


def _dev(stem: str) -> Path:
    return next(p for p in DEV_DOCUMENTS if p.stem == stem)


@pytest.fixture(scope="module")
def parsed_dev() -> dict[str, ParsedDocument]:
    return {p.stem: parse_document(load_source(str(p)).text, "dev") for p in DEV_DOCUMENTS}


# -- structure and labels ---------------------------------------------------------------------------------------------
REGULATION = """重庆市示例管理条例
（2020年12月3日重庆市第五届人民代表大会常务委员会第二十二次会议通过）
第一章 总 则
第一条 为了规范示例管理，根据有关法律，制定本条例。
第二条 本条例适用于本市行政区域内的示例管理活动。
本条例所称示例，是指……。
第二章 管理与监督
第一节 一般规定
第三条 市主管部门负责下列工作：
(一)编制规划；
(二)组织实施下列事项：
1．年度计划；
2．项目清单。
前款第（二）项规定的事项，由区县人民政府落实。
第四条 违反本条例第三条规定的，依照第二十七条第二款处理。
第三条规定的事项另有规定的，从其规定。
第二节 监督检查
第五条 有下列情形之一的，责令改正：
（一）未按规定备案的；
（二）拒绝检查的。
第五条之一 监督检查的办法由市人民政府规定。
第三章 附 则
第六条 本条例自2021年1月1日起施行。"""


def test_articles_paragraphs_items_and_list_entries_are_labelled_as_lawyers_cite_them() -> None:
    doc = parse_document(REGULATION, "reg")
    assert [(c.label, c.level) for c in doc.clauses] == [
        ("第一章", 1), ("第一条", 2), ("第二条", 2), ("第二条第二款", 3),
        ("第二章", 1), ("第二章第一节", 2), ("第三条", 3), ("第三条第一款第（一）项", 4), ("第三条第一款第（二）项", 4),
        ("第三条第一款第（二）项第1目", 5), ("第三条第一款第（二）项第2目", 5), ("第三条第二款", 4),
        ("第四条", 3), ("第四条第二款", 4),  # "第三条规定的……" at a paragraph start is a cross-reference
        ("第二章第二节", 2), ("第五条", 3), ("第五条第（一）项", 4), ("第五条第（二）项", 4), ("第五条之一", 3),
        ("第三章", 1), ("第六条", 2)]
    assert_clauses_partition_text(doc)


def test_chapters_and_sections_are_parents_not_labels() -> None:
    doc = parse_document(REGULATION, "reg")
    item = doc.clause("第五条第（二）项")
    assert item is not None and item.parents == ("第二章 管理与监督", "第二节 监督检查")
    assert item.path == ("第五条", "第（二）项") and item.text == "（二）拒绝检查的。"
    chapter = doc.clause("第一章")
    assert chapter is not None and (chapter.heading, chapter.text, chapter.parents) == ("总则", "第一章 总 则", ())
    assert doc.clause("第六条").parents == ("第三章 附则",)  # type: ignore[union-attr]


def test_an_article_s_own_text_is_its_first_paragraph() -> None:
    doc = parse_document(REGULATION, "reg")
    assert doc.clause("第三条").text == "第三条 市主管部门负责下列工作："  # type: ignore[union-attr]
    assert doc.clause("第三条第二款").text == "前款第（二）项规定的事项，由区县人民政府落实。"  # type: ignore[union-attr]
    assert doc.clause("第二条第二款").sentences[0].text == "本条例所称示例，是指……。"  # type: ignore[union-attr]


def test_header_lines_are_information_not_clauses() -> None:
    doc = parse_document(REGULATION, "reg")
    assert doc.meta.info_lines == (
        "重庆市示例管理条例", "（2020年12月3日重庆市第五届人民代表大会常务委员会第二十二次会议通过）")
    assert "序言" not in _labels(doc)
    assert all("通过" not in c.text for c in doc.clauses)
    assert (doc.meta.title, doc.meta.issuer, doc.meta.adopted, doc.meta.citation_name) == (
        "重庆市示例管理条例", "重庆市人民代表大会常务委员会", "2020-12-03", "《重庆市示例管理条例》")


def test_articles_continue_their_numbering_through_a_gap_only_as_headings() -> None:
    text = "第一条 甲。\n第二条 乙。\n第五条 丙。\n第四条规定的除外。\n第九十条规定的事项。\n第六条 丁。"
    # 第五条 (a heading with a space) follows a lost 第三、四条; 第四条 and 第九十条 without a space are references.
    assert _labels(parse_document(text, "gap")) == ["第一条", "第二条", "第五条", "第五条第二款", "第五条第三款", "第六条"]


def test_volumes_restart_chapter_numbers_and_label_their_chapters() -> None:
    text = "\n".join(["第一编 总则", "第一章 基本规定", "第一条 甲。", "第二章 自然人", "第二条 乙。",
                      "第二编 物权", "第一分编 通则", "第一章 一般规定", "第三条 丙。"])
    doc = parse_document(text, "code")
    assert [(c.label, c.level) for c in doc.clauses] == [
        ("第一编", 1), ("第一编第一章", 2), ("第一条", 3), ("第一编第二章", 2), ("第二条", 3),
        ("第二编", 1), ("第二编第一分编", 2), ("第二编第一分编第一章", 3), ("第三条", 4)]
    assert doc.clause("第三条").parents == ("第二编 物权", "第一分编 通则", "第一章 一般规定")  # type: ignore[union-attr]


# -- table of contents ------------------------------------------------------------------------------------------------
DAMAGED_COPY = """重庆市示例规划条例
2020年12月3日 重庆市第五届人民代表大会常务委员会第二十二次会议通过
目　　录
第一章　总　　则
第二章　规划管理
第一节　一般规定
第二节　专项规划
第三章　附　　则
第一章　总　　则
第一条　为了规范规划管理，制定本条例。
规划管理
一般规定
第二条　市规划部门负责规划管理。
专项规划
第三条　专项规划由市人民政府批准。
附 则
第四条　本条例自2021年1月1日起施行。"""


def test_a_table_of_contents_never_shifts_labels_and_names_the_chapters_the_body_lost() -> None:
    doc = parse_document(DAMAGED_COPY, "toc")
    assert [(c.label, c.heading, c.parents) for c in doc.clauses] == [
        ("第一章", "总则", ()), ("第一条", "", ("第一章 总则",)),
        ("第二章", "规划管理", ()), ("第二章第一节", "一般规定", ("第二章 规划管理",)),
        ("第二条", "", ("第二章 规划管理", "第一节 一般规定")),
        ("第二章第二节", "专项规划", ("第二章 规划管理",)), ("第三条", "", ("第二章 规划管理", "第二节 专项规划")),
        ("第三章", "附则", ()), ("第四条", "", ("第三章 附则",))]
    assert doc.meta.info_lines[2:] == ("目 录", "第一章 总 则", "第二章 规划管理", "第一节 一般规定", "第二节 专项规划",
                                       "第三章 附 则")
    assert_clauses_partition_text(doc)


def test_a_table_of_contents_without_a_heading_is_recognised_by_its_repetition() -> None:
    text = "\n".join(["示例条例", "第一章 总则", "第二章 附则", "第一章 总则", "第一条 甲。", "第二章 附则", "第二条 乙。"])
    doc = parse_document(text, "toc")
    assert [(c.label, c.parents) for c in doc.clauses] == [
        ("第一章", ()), ("第一条", ("第一章 总则",)), ("第二章", ()), ("第二条", ("第二章 附则",))]


def test_chapter_headings_followed_by_sections_are_no_table_of_contents() -> None:
    doc = parse_document("示例条例\n第一章 总则\n第一节 通则\n第一条 甲。\n第二条 乙。", "body")
    assert _labels(doc) == ["第一章", "第一章第一节", "第一条", "第二条"]
    assert doc.meta.info_lines == ("示例条例",)


# -- mixes ------------------------------------------------------------------------------------------------------------
NOTICE_WITH_ATTACHMENT = """示例市人民政府关于印发示例管理办法的通知
示府发〔2099〕5号
各区县人民政府：
现将《示例管理办法》印发给你们，请认真贯彻执行。
一、总体要求
（一）提高认识。
二、工作安排
（一）抓好落实。
示例市人民政府
2099年3月1日
（此件公开发布）
附件
示例管理办法
第一章 总则
第一条 为了规范管理，制定本办法。
第二条 本办法适用于本市。
（一）甲；
（二）乙。
第二章 附则
第三条 本办法自发布之日起施行。"""


def test_a_notice_keeps_its_numbering_and_its_attachment_is_read_as_articles() -> None:
    doc = parse_document(NOTICE_WITH_ATTACHMENT, "mix")
    assert [(c.label, c.level) for c in doc.clauses] == [
        ("序言", 0), ("一", 1), ("一（一）", 2), ("二", 1), ("二（一）", 2), ("落款", 0),
        ("附件", 1), ("附件第一章", 2), ("附件第一条", 3), ("附件第二条", 3), ("附件第二条第（一）项", 4),
        ("附件第二条第（二）项", 4), ("附件第二章", 2), ("附件第三条", 3)]
    attachment = doc.clause("附件")
    assert attachment is not None and (attachment.heading, attachment.text) == ("示例管理办法", "附件\n示例管理办法")
    assert doc.clause("附件第一条").parents == ("附件 示例管理办法", "第一章 总则")  # type: ignore[union-attr]
    assert (doc.meta.doc_number, doc.meta.date, doc.meta.force) == ("示府发〔2099〕5号", "2099-03-01", "规范性文件")
    assert doc.clause("序言").text.split("\n")[:2] == ["示例市人民政府关于印发示例管理办法的通知", "示府发〔2099〕5号"]
    assert_clauses_partition_text(doc)


def test_the_attachment_note_before_the_signature_is_no_attachment() -> None:
    """… nor part of the last provision: it names what is attached and closes the text with the 落款."""
    text = "关于测试的通知\n各单位：\n一、甲。\n二、乙。\n附件：1．示例清单\n示例市人民政府\n2099年3月1日"
    doc = parse_document(text, "note")
    assert _labels(doc) == ["序言", "一", "二", "落款"]
    assert doc.clause("二").text == "二、乙。"  # type: ignore[union-attr]
    assert doc.clause("落款").text.startswith("附件：1．示例清单\n示例市人民政府")  # type: ignore[union-attr]
    assert doc.meta.issuer == "示例市人民政府"
    listed = "关于测试的通知\n各单位：\n一、甲。\n二、联系方式\n联系人：王某。\n附件：1．示例清单\n2．示例申报书\n示例市人民政府\n2099年3月1日"
    doc = parse_document(listed, "listed")
    assert _labels(doc) == ["序言", "一", "二", "落款"]
    assert doc.clause("二").text == "二、联系方式\n联系人：王某。"  # type: ignore[union-attr]
    assert_clauses_partition_text(doc)


def test_text_without_structure_is_still_split_into_paragraphs() -> None:
    doc = parse_document("随手记下的一段话，没有编号。\n又一段话。", "plain")
    assert _labels(doc) == ["段1", "段2"] and not doc.meta.structured


# -- the real documents -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", DEV_DOCUMENTS, ids=[p.stem for p in DEV_DOCUMENTS])
def test_every_article_of_the_source_appears_once_in_order_under_its_chapter(
        path: Path, parsed_dev: dict[str, ParsedDocument]) -> None:
    doc = parsed_dev[path.stem]
    articles = [c for c in doc.clauses if SOURCE_ARTICLE.fullmatch(c.label)]
    assert [c.label for c in articles] == source_articles(path)
    assert all(c.text.startswith(c.label) for c in articles)
    chapters = [c for c in doc.clauses if c.label.endswith("章")]
    if chapters:
        assert all(c.parents and c.parents[0].startswith("第") and "章" in c.parents[0] for c in articles)
    assert_clauses_partition_text(doc)


@pytest.mark.parametrize("path", DEV_DOCUMENTS, ids=[p.stem for p in DEV_DOCUMENTS])
def test_title_issuer_dates_level_force_and_citation_name(path: Path, parsed_dev: dict[str, ParsedDocument]) -> None:
    meta = parsed_dev[path.stem].meta
    first_line = path.read_text(encoding="utf-8").split("\n")[0]
    assert meta.title == first_line.removeprefix("# ")
    assert meta.citation_name == f"《{meta.title}》"
    assert meta.issuer and meta.level and meta.force
    assert not any(line.startswith("#") or "<!--" in line for line in meta.info_lines)
    if path.stem not in WITHOUT_HEADER_LINES:
        assert meta.date and (meta.adopted or meta.promulgated) and meta.date >= (meta.adopted or meta.promulgated)


@pytest.mark.parametrize("blank_lines", [True, False])
@pytest.mark.parametrize("path", DEV_DOCUMENTS, ids=[p.stem for p in DEV_DOCUMENTS])
def test_plain_text_gives_the_same_outline_and_metadata(path: Path, blank_lines: bool,
                                                        parsed_dev: dict[str, ParsedDocument]) -> None:
    text = plain_text(path.read_text(encoding="utf-8"), blank_lines)
    plain = parse_document(load_bytes(text.encode("utf-8"), "copy.txt", "copy.txt").text, "dev")
    assert outline(plain) == outline(parsed_dev[path.stem])
    assert plain.meta == parsed_dev[path.stem].meta


@pytest.mark.parametrize("path", DEV_DOCUMENTS, ids=[p.stem for p in DEV_DOCUMENTS])
def test_pdf_text_with_hard_wraps_gives_the_same_outline_and_metadata(
        path: Path, parsed_dev: dict[str, ParsedDocument]) -> None:
    # Paragraphs (款) are told apart by their indentation once the wraps are undone.
    printed = parse_document(printed_text(parsed_dev[path.stem].text), "dev")
    assert outline(printed) == outline(parsed_dev[path.stem])
    assert printed.meta == parsed_dev[path.stem].meta


@pytest.mark.parametrize("stem", ["节约能源法(2018-10-26)", "优化营商环境条例(2019-10-22)"])
def test_docx_gives_the_same_outline_and_metadata(stem: str, parsed_dev: dict[str, ParsedDocument]) -> None:
    document = docx.Document()
    for line in plain_text(_dev(stem).read_text(encoding="utf-8")).split("\n"):
        if line.strip():
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    from_docx = parse_document(load_bytes(buffer.getvalue(), "copy.docx", "copy.docx").text, "dev")
    assert outline(from_docx) == outline(parsed_dev[stem])
    assert from_docx.meta == parsed_dev[stem].meta


def _golden_rows(doc: ParsedDocument) -> list[str]:
    return ["\t".join((c.label, " / ".join(c.parents), c.text[:GOLDEN_CHARS].replace("\n", " "))) for c in doc.clauses]


@pytest.mark.parametrize("stem", GOLDEN_DOCUMENTS)
def test_outline_matches_its_golden_file(stem: str, parsed_dev: dict[str, ParsedDocument]) -> None:
    golden = GOLDEN / f"{stem.split('(')[0]}.outline.tsv"
    assert _golden_rows(parsed_dev[stem]) == golden.read_text(encoding="utf-8").splitlines()


# -- linear time ------------------------------------------------------------------------------------------------------
def test_a_million_characters_without_punctuation_are_one_paragraph() -> None:
    doc = parse_document("甲" * 1_000_000, "long")
    assert _labels(doc) == ["段1"] and len(doc.clauses[0].text) == 1_000_000


@pytest.mark.parametrize("line", ["第" * 200_000, "（" * 200_000, "一" * 200_000 + "、", "2020年1月1日通过" * 20_000,
                                  "。" + "）" * 200_000 + "甲", "渝府发〔2021〕" * 20_000, "目录" * 100_000])
def test_long_lines_of_repeated_shapes_parse(line: str) -> None:
    doc = parse_document(line, "long")
    assert "".join(c.text for c in doc.clauses) in (line, "")


def test_long_markdown_lines_without_closing_marks_load() -> None:
    for line in ("![" * 40_000, "[a](" * 20_000, "__b " * 20_000, "<!--" * 20_000, "#" + " " * 80_000 + "#x"):
        assert load_bytes(line.encode("utf-8"), "long.md", "long.md").text.strip()
