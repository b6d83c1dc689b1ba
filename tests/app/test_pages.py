"""Helpers of the app pages (企业合规, 目标指标, 文件, 评测), without Streamlit.

Expected clauses were checked by hand against the corpus text: 汽车 appears only in 二（一）6 构建绿色供应链
("在汽车、电子电器、通信、机械…行业中选择一批…") and 二（二）8 加强再生资源回收利用 ("以电子电器、汽车行业为重点");
寄递/快递 in 二（二）7 ("鼓励开展“邮快合作”…") and 二（三）11 ("严格执行…督促寄递企业采购绿色快递包装产品").
The 21 targets sit in 一（二） 主要目标 (7), 二（一）2 (5) and 二（四）12-15 (1 + 3 + 2 + 3), six of them
“十四五”期间 (new capacity in 12, 13 twice, 14 and 15 twice). The seed's only 《…》（文号） reference is
《国务院关于加快建立健全绿色低碳循环发展经济体系的指导意见》（国发〔2021〕4号）, in its preamble.
"""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from openpyxl import load_workbook

from kb.app.pages.documents import (
    ClauseLink, changed_metadata, clause_link_from_query, clause_url, crosswalk_table_html, find_document,
    report_summary, unloaded_references_note,
)
from kb.app.pages.evaluation import failure_markdown, gold_document
from kb.app.pages.requirements import (
    ClauseGroup, grouped_by_clause, matching_requirements, requirement_html, table_file, wanted_industries,
)
from kb.app.pages.targets import CLAUSE_LABEL_IN_LINK, area_counts, filtered_targets, target_area, target_records
from kb.corpus.folder import load_corpus_document, read_manifest
from kb.search.crosswalk import CrosswalkLink
from kb.evaluation.metrics import QuestionResult
from kb.evaluation.questions import Question
from kb.analysis.requirements import Requirement
from kb.analysis.targets import targets
from kb.indexing.ingest import IngestReport
from kb.schema import Answer, Citation, DocMeta, ObligationType, ParsedDocument

from conftest import CORPUS, SEED_DOC_NUMBER, SEED_PATH

SEED_ID = "cq-2021-31"
ALL_TYPES = tuple(ObligationType)
ARRANGEMENT, BINDING, ENCOURAGED = ObligationType.ARRANGEMENT, ObligationType.BINDING, ObligationType.ENCOURAGED


@pytest.fixture(scope="module")
def seed() -> ParsedDocument:
    return load_corpus_document(SEED_PATH, read_manifest(CORPUS)[SEED_PATH.name], 10**8).parsed


def link_of(url: str) -> ClauseLink | None:
    parsed = urlparse(url)
    assert parsed.path == "documents"
    return clause_link_from_query(parse_qs(parsed.query))


# -- links into the clause browser ------------------------------------------------------------------------------------
def test_clause_links_survive_the_round_trip_through_a_url() -> None:
    link = ClauseLink(SEED_ID, "二（一）6", ("甲&乙=丙 100%。", "到2025年，（一）#2"))
    url = clause_url(link)
    assert " " not in url and "#" not in url
    assert link_of(url) == link


def test_a_query_without_a_document_is_no_link() -> None:
    assert clause_link_from_query({}) is None
    assert clause_link_from_query({"clause": ["二（一）6"]}) is None
    assert clause_link_from_query({"doc": [SEED_ID]}) == ClauseLink(SEED_ID, "")


def test_documents_are_found_by_id_or_doc_number(seed: ParsedDocument) -> None:
    assert find_document([seed], SEED_ID) is seed
    assert find_document([seed], SEED_DOC_NUMBER) is seed
    assert find_document([seed], "渝府发〔2099〕1号") is None


# -- the documents page -----------------------------------------------------------------------------------------------
def test_report_summary_names_what_changed() -> None:
    assert report_summary(IngestReport(added=["a"], removed=["b", "c"])) == "新增 a；删除 b、c"
    assert report_summary(IngestReport(unchanged=["a"])) == "内容没有变化"
    assert "按段落索引的文件 x" in report_summary(IngestReport(updated=["x"], unstructured=["x"]))
    assert report_summary(IngestReport(skipped=["cannot load a.pdf", "cannot load b.pdf"])) == (
        "无法读取、已跳过：cannot load a.pdf；cannot load b.pdf")


def test_only_edited_metadata_fields_are_sent() -> None:
    meta = DocMeta(doc_id="d", title="旧标题", doc_number="测发〔2024〕1号", level="county",
                   implements=("国发〔2021〕4号",))
    edited = {"title": " 新标题 ", "doc_number": "测发〔2024〕1号", "issuer": "", "date": "", "level": "county",
              "implements": "国发〔2021〕4号"}
    assert changed_metadata(meta, edited) == {"title": "新标题"}
    assert changed_metadata(meta, {**edited, "title": "旧标题", "level": "municipal",
                                   "implements": "国发〔2021〕4号、国发〔2022〕1号"}) == {
        "level": "municipal", "implements": "国发〔2021〕4号、国发〔2022〕1号"}


SEED_REFERENCE = ("国务院关于加快建立健全绿色低碳循环发展经济体系的指导意见", "国发〔2021〕4号")


def test_references_to_documents_not_loaded(seed: ParsedDocument) -> None:
    assert unloaded_references_note([SEED_REFERENCE, ("规划", "国办发〔2098〕7号")]) == (
        "引用但未收录：《国务院关于加快建立健全绿色低碳循环发展经济体系的指导意见》（国发〔2021〕4号）、"
        "《规划》（国办发〔2098〕7号）。可在上方“添加文件”中上传文件或输入网址添加。")


def test_crosswalk_rows_link_both_clauses_into_the_clause_browser() -> None:
    local, national = DocMeta(doc_id="loc", doc_number="示府发〔2099〕3号"), DocMeta(doc_id="nat")
    links = [CrosswalkLink("loc", "二（三）", "创新<服务>", "nat", "二（五）", "创新服务方式", 0.8876, 0.8, 1.0),
             CrosswalkLink("loc", "三", "", "nat", "三", "保障措施", 1.0, 1.0, 1.0)]
    table = crosswalk_table_html(links, local, national)
    assert "<th>示府发〔2099〕3号 条款</th><th>nat 条款</th><th>匹配度</th>" in table  # no 文号: the short id
    rows = re.findall(r'<tr><td><a href="([^"]+)"[^>]*>([^<]+)</a></td><td><a href="([^"]+)"[^>]*>([^<]+)</a></td>'
                      r'<td>([^<]+)</td></tr>', table)
    assert [(texts[1], texts[3], texts[4]) for texts in rows] == [
        ("二（三） 创新&lt;服务&gt;", "二（五） 创新服务方式", "0.89"), ("三", "三 保障措施", "1.00")]
    first_local, first_national = rows[0][0], rows[0][2]
    assert link_of(html.unescape(first_local)) == ClauseLink("loc", "二（三）")
    assert link_of(html.unescape(first_national)) == ClauseLink("nat", "二（五）")


# -- 企业合规 -------------------------------------------------------------------------------------------------------
def test_free_text_adds_the_industries_it_names_after_the_picked_ones() -> None:
    assert wanted_industries([], "我们是做快递包装的") == ["快递"]
    assert wanted_industries(["汽车"], "我们开饭馆，也修车") == ["汽车", "餐饮", "汽修"]
    assert wanted_industries(["快递"], "寄递企业") == ["快递"]
    assert wanted_industries([], "今天天气不错") == []


def test_requirements_for_an_industry_are_grouped_by_clause_in_document_order(seed: ParsedDocument) -> None:
    groups = grouped_by_clause(matching_requirements([seed], ["汽车"], ALL_TYPES))
    assert [(g.clause, g.heading) for g in groups] == [("二（一）6", "构建绿色供应链"),
                                                       ("二（二）8", "加强再生资源回收利用")]
    assert "以电子电器、汽车行业为重点" in groups[1].rows[0].sentence
    assert groups[0].citation == f"{SEED_DOC_NUMBER} 二（一）6 构建绿色供应链"


def test_obligation_types_filter_the_requirements(seed: ParsedDocument) -> None:
    express = matching_requirements([seed], ["快递"], ALL_TYPES)
    assert [r.clause for r in express] == ["二（二）7", "二（三）11"]
    binding = matching_requirements([seed], ["快递"], [BINDING])
    assert [(r.clause, r.cue) for r in binding] == [("二（三）11", "严格")]
    assert matching_requirements([seed], ["快递"], []) == []
    everything = matching_requirements([seed], [], ALL_TYPES)
    assert len(everything) > len(express)
    assert {r.obligation for r in everything} == {ObligationType.TARGET, BINDING, ENCOURAGED, ARRANGEMENT}  # a policy


def _requirement(clause: str, sentence: str, obligation: ObligationType = BINDING, cue: str = "要",
                 penalty: tuple[str, str, str] = ("", "", "")) -> Requirement:
    return Requirement("测发〔2024〕1号", clause, "标题", obligation, cue, ("快递",), (), ("寄递企业",), *penalty, sentence)


def test_grouping_keeps_one_group_per_run_of_a_clause() -> None:
    rows = [_requirement("一", "甲。"), _requirement("一", "乙。"), _requirement("二", "丙。")]
    assert grouped_by_clause(rows) == [ClauseGroup("测发〔2024〕1号", "一", "标题", tuple(rows[:2])),
                                       ClauseGroup("测发〔2024〕1号", "二", "标题", (rows[2],))]
    assert grouped_by_clause([]) == []


def test_requirement_rows_show_type_and_cue_and_escape_the_text() -> None:
    row_html = requirement_html(_requirement("一", "企业<b>要</b>落实。", ENCOURAGED, "落实"))
    assert '<span class="kb-tag kb-encouraged">鼓励</span>' in row_html
    assert "企业&lt;b&gt;要&lt;/b&gt;<mark>落实</mark>。" in row_html
    assert "依据词：落实" in row_html and "涉及：快递" in row_html
    assert "依据词" not in requirement_html(_requirement("一", "推进。", ARRANGEMENT, ""))
    assert "义务人：寄递企业" in row_html and "罚则" not in row_html


def test_a_duty_row_shows_its_penalty_clause_and_enforcer() -> None:
    row_html = requirement_html(_requirement("第十四条", "生产经营单位应当建立安全生产规章制度。", BINDING, "应当",
                                             ("处二千元以上二万元以下罚款", "第五十条", "安全生产监督管理部门")))
    assert "罚则：处二千元以上二万元以下罚款（第五十条）" in row_html and "执法机关：安全生产监督管理部门" in row_html
    penalty_html = requirement_html(_requirement("第五十条", "违反本条例第十四条规定的，处罚款。", ObligationType.PENALTY,
                                                 "罚款", ("处罚款", "第五十条", "")))
    assert '<span class="kb-tag kb-penalty">罚则</span>' in penalty_html
    assert "罚则：处罚款" in penalty_html and "（第五十条）" not in penalty_html  # its own clause


def test_table_files_are_the_cli_formats(seed: ParsedDocument) -> None:
    rows = matching_requirements([seed], ["汽车"], ALL_TYPES)
    text = table_file(rows, Requirement, "csv").decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    records = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["clause"], r["obligation"]) for r in records] == [("二（一）6", ARRANGEMENT), ("二（二）8", ENCOURAGED)]
    sheet = load_workbook(io.BytesIO(table_file(rows, Requirement, "xlsx"))).active
    assert [c.value for c in sheet[1]][:4] == ["文号", "条款", "标题", "类型"]
    assert [c.value for c in sheet[3]][1:4] == ["二（二）8", "加强再生资源回收利用", "鼓励"]
    empty = table_file([], Requirement, "csv").decode("utf-8").lstrip("\ufeff")
    assert empty.splitlines() == ["doc,clause,heading,obligation,cue,industries,bodies,holder,penalty,penalty_clause,"
                                  "enforcer,sentence"]


# -- 目标指标 -------------------------------------------------------------------------------------------------------
def test_a_target_area_is_the_section_its_clause_sits_in(seed: ParsedDocument) -> None:
    assert target_area(seed, "二（四）13") == "二（四） 加快基础设施绿色升级"
    assert target_area(seed, "一（二）") == "一（二） 主要目标"
    assert target_area(seed, "九（九）9") == "九（九）9"


def test_targets_are_counted_per_area_in_document_order(seed: ParsedDocument) -> None:
    counts = area_counts(targets([seed]), {SEED_DOC_NUMBER: seed})
    assert list(counts.items()) == [("一（二） 主要目标", 7), ("二（一） 健全绿色低碳循环发展的生产体系", 5),
                                    ("二（四） 加快基础设施绿色升级", 9)]


def test_targets_filter_by_document_and_deadline(seed: ParsedDocument) -> None:
    rows = targets([seed])
    assert len(rows) == 21
    assert filtered_targets(rows, [], []) == rows
    period = filtered_targets(rows, [SEED_DOC_NUMBER], ["“十四五”期间"])
    assert [t.clause for t in period] == ["二（四）12", "二（四）13", "二（四）13", "二（四）14", "二（四）15",
                                          "二（四）15"]
    assert filtered_targets(rows, ["渝府发〔2099〕1号"], []) == []


def test_target_rows_link_to_their_clause_with_the_sentence(seed: ParsedDocument) -> None:
    forest = next(t for t in targets([seed]) if t.indicator == "森林覆盖率")
    [record] = target_records([forest], {SEED_DOC_NUMBER: SEED_ID})
    assert (record["目标值"], record["比较"], record["时限"], record["文号"]) == (
        "57%", "达到", "到2025年", SEED_DOC_NUMBER)
    assert link_of(record["条款"]) == ClauseLink(SEED_ID, "一（二）", (forest.sentence,))


def test_the_clause_column_shows_the_label_it_links_to() -> None:
    """What the grid shows: the first group of CLAUSE_LABEL_IN_LINK, '+' read as a space, then URL-decoded."""
    for label in ("二（四）13", "序言", "a b&c"):
        url = clause_url(ClauseLink(SEED_ID, label, ("clause=x&y。",)))
        shown = re.search(CLAUSE_LABEL_IN_LINK, url).group(1)
        assert unquote(shown.replace("+", "%20")) == label


# -- 评测 ---------------------------------------------------------------------------------------------------------
def _result(gold: tuple[str, ...], citations: tuple[Citation, ...]) -> QuestionResult:
    question = Question("q9", "问题？", SEED_DOC_NUMBER, gold, (), True, "number", "dev")
    answer = Answer("问题？", "answered", "答。", citations, ())
    return QuestionResult(question, answer=answer, failures=["first citation wrong"])


def _cite(doc: str, clause: str, quote: str) -> Citation:
    return Citation(doc=doc, doc_title="", clause=clause, heading="", quote=quote, score=1.0)


def test_failures_link_gold_and_cited_clauses(seed: ParsedDocument) -> None:
    result = _result(("一（二）", "九（九）"), (_cite(SEED_DOC_NUMBER, "二（一）6", "甲。"),
                                            _cite(SEED_DOC_NUMBER, "二（一）6", "乙。")))
    line = failure_markdown(result, [seed])
    assert line.startswith("- **q9** [number] 问题？ — first citation wrong（标准条款：[一（二）](")
    assert "、九（九）；引用：[二（一）6](" in line  # a label no document has stays plain text
    urls = [part.split(")")[0] for part in line.split("](")[1:]]
    assert [link_of(u) for u in urls] == [ClauseLink(SEED_ID, "一（二）"),
                                          ClauseLink(SEED_ID, "二（一）6", ("甲。", "乙。"))]
    assert line.endswith("）")
    assert "引用：无" in failure_markdown(_result(("一（二）",), ()), [seed])


def test_gold_labels_belong_to_the_document_the_question_is_about(seed: ParsedDocument) -> None:
    other = ParsedDocument(DocMeta(doc_id="other", doc_number="测发〔2024〕1号", title="测试条例"), seed.text,
                           seed.clauses)
    assert gold_document([seed, other], "测发〔2024〕1号", "一（二）") is other
    assert gold_document([seed, other], "测试条例", "一（二）") is other
    assert gold_document([seed, other], SEED_DOC_NUMBER, "一（二）") is seed
    assert gold_document([seed, other], "", "一（二）") is seed  # a question naming no document: the first with it
    assert gold_document([seed, other], "", "九（九）") is None
