"""The Streamlit app driven headlessly with AppTest (fake hashing embedder, temporary corpus and data dirs).

Expected clauses were checked by hand against the corpus text: 渝府发〔2021〕31号 一（二） is "主要目标" and says
"森林覆盖率达到57%" and, later, "到2035年，绿色发展内生动力显著增强"; its preamble cites
《国务院关于加快建立健全绿色低碳循环发展经济体系的指导意见》（国发〔2021〕4号）, which the corpus does not hold.
The synthetic pair (tests/fixtures, marked synthetic): 示府发〔2099〕3号 (示例市, municipal) implements 国发〔2099〕1号
(国务院, national); "全市推行通借通还" is only in the local 二（三） 创新服务方式, whose national counterpart is
二（五） 创新服务方式 ("推行通借通还，开展“阅读进社区”活动…"); the national preamble cites 国办发〔2098〕7号, not loaded.
"""

from __future__ import annotations

from conftest import ROOT_DIR, TESTS
import csv
import html
import io
import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from openpyxl import load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from kb.app.pages.chat import chip_label, cited_clauses
from kb.app.render import escape_markdown
from kb.app.pages.context import (
    LinkedClause, clause_context, context_html, linked_clause_html, linked_clauses, marked_html, matching_clauses,
)
from kb.app.pages.documents import metadata_fields, tree_label
from kb.config import load_config
from kb.search.crosswalk import CrosswalkLink
from kb.engine import PolicyKb
from kb.errors import KbError
from kb.app.feedback import FeedbackStore, feedback_path
from kb.schema import Citation, Clause, DocMeta, ParsedDocument

APP = ROOT_DIR / "app.py"
DOC = "渝府发〔2021〕31号"
FOREST_QUESTION = "到2025年全市森林覆盖率要达到多少？"
FIXTURES = TESTS / "fixtures"
LOCAL_DOC, NATIONAL_DOC = "示府发〔2099〕3号", "国发〔2099〕1号"
LOCAL_ID, NATIONAL_ID = "synthetic_local", "synthetic_national"
SERVICE_QUESTION = "全市如何推行通借通还？"


@pytest.fixture
def app_env(tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("KB_MODEL", "hashing")
    monkeypatch.setenv("KB_DATA_DIR", str(data_dir))
    monkeypatch.setenv("KB_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("KB_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.delenv("KB_CONFIG", raising=False)
    return data_dir


@pytest.fixture
def pair_env(app_env: Path, corpus_dir: Path) -> Path:
    """The seed (municipal) plus the synthetic national document and the synthetic local one implementing it."""
    for name in ("synthetic_national.txt", "synthetic_local.txt"):
        shutil.copy(FIXTURES / name, corpus_dir / name)
    return app_env


def start_app() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    assert not app.exception
    return app


def ask(app: AppTest, question: str) -> AppTest:
    app.chat_input[0].set_value(question).run()
    assert not app.exception
    return app


def popover_labels(block) -> list[str]:
    return [p.proto.popover.label for p in block.get("popover")]


def link_target(url: str) -> tuple[str, str]:
    """(doc, clause) of a link into the clause browser."""
    query = parse_qs(html.unescape(url).split("?", 1)[1])
    return query["doc"][0], query["clause"][0]


LINKED_CLAUSE = re.compile(r'<a class="kb-cite" href="(?P<url>[^"]+)"[^>]*>(?P<title>[^<]+) ↗</a>')


def linked_clauses_shown(popover) -> list[tuple[str, str, tuple[str, str]]]:
    """(caption, linked clause title, its link target) of each crosswalk clause shown in a chip's popover."""
    captions = [c.value for c in popover.caption]
    shown = [m.value for m in popover.markdown[1:]]  # the first markdown is the cited clause in context
    assert len(captions) == len(shown)
    return [(caption, found["title"], link_target(found["url"]))
            for caption, block in zip(captions, shown) for found in LINKED_CLAUSE.finditer(block)]


# -- chat page ----------------------------------------------------------------------------------------------------
def test_answer_quotes_the_clause_and_its_chip_opens_the_clause_with_the_quote_marked(app_env: Path) -> None:
    app = ask(start_app(), FOREST_QUESTION)
    user, reply = app.chat_message
    assert user.markdown[0].value == FOREST_QUESTION
    assert "森林覆盖率达到57%" in reply.markdown[0].value
    assert reply.markdown[0].value.endswith(f"〔{DOC} 一（二）〕")
    assert popover_labels(reply)[0] == f"{DOC} 一（二） 主要目标"
    context = reply.get("popover")[0].markdown[0].value
    assert "一 总体要求 › 一（二） 主要目标" in context  # heading path
    assert "（一）指导思想" in context and "二、重点任务" in context  # both neighbours
    marked = context.split("<mark>")[1].split("</mark>")[0]
    assert "森林覆盖率达到57%" in marked
    assert not reply.warning
    assert linked_clauses_shown(reply.get("popover")[0]) == []  # one document: no crosswalk
    assert not [m for m in app.multiselect if m.key == "settings_levels"]  # one level: no level filter


def test_a_cited_local_clause_shows_the_national_clause_it_implements(pair_env: Path) -> None:
    reply = ask(start_app(), SERVICE_QUESTION).chat_message[-1]
    assert popover_labels(reply)[0] == f"{LOCAL_DOC} 二（三） 创新服务方式"
    popover = reply.get("popover")[0]
    assert linked_clauses_shown(popover) == [
        ("本条贯彻落实的条款", f"{NATIONAL_DOC} 二（五） 创新服务方式", (NATIONAL_ID, "二（五）"))]
    linked = popover.markdown[1].value
    assert "开展“阅读进社区”活动" in linked  # the national clause's own text
    assert re.search(r"匹配度 (0\.\d\d|1\.00)<", linked)


def test_the_level_filter_appears_with_two_levels_and_restricts_answers(pair_env: Path) -> None:
    app = start_app()
    levels = app.multiselect(key="settings_levels")
    assert levels.options == ["全国", "市级"]
    levels.set_value(["national"]).run()
    reply = ask(app, SERVICE_QUESTION).chat_message[-1]
    labels = popover_labels(reply)
    assert labels[0] == f"{NATIONAL_DOC} 二（五） 创新服务方式"
    assert all(label.startswith(NATIONAL_DOC) for label in labels)  # cited and other retrieved clauses alike
    # A cited national clause shows the local clause implementing it.
    assert linked_clauses_shown(reply.get("popover")[0]) == [
        ("贯彻落实本条的条款", f"{LOCAL_DOC} 二（三） 创新服务方式", (LOCAL_ID, "二（三）"))]
    app.multiselect(key="settings_levels").set_value(["municipal"]).run()
    reply = ask(app, SERVICE_QUESTION).chat_message[-1]
    assert {label.split(" ")[0] for label in popover_labels(reply)} <= {LOCAL_DOC, DOC}


def test_the_crosswalk_is_computed_once_per_index_generation(pair_env: Path, monkeypatch) -> None:
    calls = []
    real_crosswalk = PolicyKb.crosswalk

    def counting_crosswalk(self, *args, **kwargs):
        calls.append(self)
        return real_crosswalk(self, *args, **kwargs)

    monkeypatch.setattr(PolicyKb, "crosswalk", counting_crosswalk)
    app = ask(ask(start_app(), SERVICE_QUESTION), "每个街道建设几个社区图书馆？")
    assert len(calls) == 1
    PolicyKb(load_config()).update_metadata(LOCAL_DOC, title="示例市实施意见（改）")  # a new index generation
    reply = ask(app, SERVICE_QUESTION).chat_message[-1]
    assert len(calls) == 2
    assert linked_clauses_shown(reply.get("popover")[0])[0][1] == f"{NATIONAL_DOC} 二（五） 创新服务方式"


def test_unanswerable_question_is_shown_as_not_found_with_related_clauses(app_env: Path) -> None:
    reply = ask(start_app(), "今天中午食堂吃什么？").chat_message[-1]
    assert len(reply.warning) == 1 and "未找到" in reply.warning[0].value
    labels = popover_labels(reply)
    assert labels and all(label.startswith(DOC) for label in labels)


def test_a_refusal_with_a_reason_says_it_in_the_notice(app_env: Path) -> None:
    reply = ask(start_app(), "国发〔2098〕7号提出了哪些要求？").chat_message[-1]
    assert len(reply.warning) == 1
    notice = reply.warning[0].value
    assert notice.startswith("**未找到**能直接回答这个问题的条款：") and "国发〔2098〕7号未收录在知识库中" in notice


def test_follow_up_is_asked_with_the_earlier_turn_as_history(app_env: Path, monkeypatch) -> None:
    histories = []
    real_ask = PolicyKb.ask

    def recording_ask(self, question, history=(), **kwargs):
        histories.append([turn.question for turn in history])
        return real_ask(self, question, history=history, **kwargs)

    monkeypatch.setattr(PolicyKb, "ask", recording_ask)
    app = ask(ask(start_app(), "到2025年的主要目标是什么？"), "那2035年呢？")
    assert histories == [[], ["到2025年的主要目标是什么？"]]
    follow_up = app.chat_message[-1]
    assert popover_labels(follow_up)[0] == f"{DOC} 一（二） 主要目标"
    assert len(app.chat_message) == 4  # both turns stay on the page


def test_engine_error_is_shown_as_a_message_not_a_traceback(app_env: Path, monkeypatch) -> None:
    def failing_ask(self, question, **kwargs):
        raise KbError("the index is empty: run `kb ingest` first")

    monkeypatch.setattr(PolicyKb, "ask", failing_ask)
    reply = ask(start_app(), FOREST_QUESTION).chat_message[-1]
    assert reply.error[0].value == escape_markdown("the index is empty: run `kb ingest` first")  # shown as text
    assert not reply.get("feedback")


def test_feedback_is_stored_once_per_answer_and_updated_by_a_comment(app_env: Path) -> None:
    app = ask(start_app(), FOREST_QUESTION)
    app.feedback[0].set_value(1).run()
    store = FeedbackStore(feedback_path(load_config()))
    [stored] = store.all()
    assert stored.feedback.rating == 1
    assert stored.feedback.question == FOREST_QUESTION
    assert stored.feedback.citations == (f"{DOC} 一（二）",)
    app.text_input[0].set_value("引用准确").run()
    [stored] = store.all()
    assert (stored.feedback.rating, stored.feedback.comment) == (1, "引用准确")
    app.feedback[0].set_value(0).run()
    assert [s.feedback.rating for s in store.all()] == [-1]


class RecordingStorage(MemoryMediaFileStorage):
    """The AppTest media store, remembering every file by URL after the run that made it has finished."""

    files: dict[str, bytes] = {}

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None) -> str:
        file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
        RecordingStorage.files[self.get_url(file_id)] = self.get_file(file_id).content
        return file_id


class RecordingManager(MediaFileManager):
    """The AppTest media file manager, kept after the run so a test can click a deferred download."""

    latest: MediaFileManager | None = None

    def __init__(self, storage) -> None:
        super().__init__(storage)
        RecordingManager.latest = self


@pytest.fixture
def downloads(monkeypatch):
    """Returns the file a download button gives when clicked (its data is made on the click)."""
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingStorage)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", RecordingManager)

    def click(button) -> bytes:
        assert button.proto.deferred_file_id and not button.proto.url  # nothing was written before the click
        return RecordingStorage.files[RecordingManager.latest.execute_deferred(button.proto.deferred_file_id)]
    return click


def test_export_downloads_the_conversation_with_its_citations(app_env: Path, monkeypatch) -> None:
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingStorage)
    app = start_app()
    assert app.download_button[0].proto.disabled  # nothing to export yet
    app = ask(ask(app, "今天中午食堂吃什么？"), FOREST_QUESTION)
    button = app.download_button[0].proto
    assert not button.disabled
    markdown = RecordingStorage.files[button.url].decode("utf-8")
    assert "## 问题 1：今天中午食堂吃什么？" in markdown and "**未找到答案：**" in markdown
    assert f"## 问题 2：{FOREST_QUESTION}" in markdown
    assert f"- {DOC} 一（二） 主要目标" in markdown
    assert "森林覆盖率达到57%" in markdown


def test_a_second_session_reuses_the_loaded_engine(app_env: Path, monkeypatch) -> None:
    built = []
    real_init = PolicyKb.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(PolicyKb, "__init__", counting_init)
    ask(start_app(), FOREST_QUESTION)
    ask(start_app(), FOREST_QUESTION)
    assert len(built) == 1


# -- the 企业合规, 目标指标, 文件 and 评测 pages, each run on its own with the engine built as app.py builds it
# (AppTest can only switch to file-based pages; app.py's pages are functions. The browser test clicks through them.)
PAGE_SCRIPT = """
import streamlit as st
from kb.app.pages import {page}
from kb.config import load_config
from kb.engine import PolicyKb

@st.cache_resource
def engine(config):
    kb = PolicyKb(config)
    kb.ingest()
    return kb

{page}.render(engine(load_config()))
"""
SYNTHETIC_TXT = """本文件为测试用合成文本，不是真实的政策文件。
测试市人民政府关于推进示范园区建设的通知
测府发〔2099〕7号
一、总体要求
（一）主要目标。到2030年，建成示范园区10个。
二、保障措施
（一）加强组织领导。各区县政府要落实主体责任。
""".encode("utf-8")


def start_page(page: str, query: dict[str, str | list[str]] | None = None) -> AppTest:
    app = AppTest.from_string(PAGE_SCRIPT.format(page=page), default_timeout=120)
    app.query_params.update(query or {})
    app.run()
    assert not app.exception
    return app


GROUP_LINK = re.compile(r'<div class="kb-group"><a class="kb-cite" href="documents\?(?P<query>[^"]+)"[^>]*>'
                        r'(?P<text>[^<]+) ↗</a>')


def group_links(app: AppTest) -> list[tuple[str, str]]:
    """(clause, 文号 + clause + heading) of each clause group on the 企业合规 page, read from its link."""
    links = [GROUP_LINK.match(m.value) for m in app.markdown if m.value.startswith('<div class="kb-group">')]
    return [(parse_qs(html.unescape(link["query"]))["clause"][0], html.unescape(link["text"])) for link in links]


def test_requirements_page_lists_an_industrys_clauses_with_links(app_env: Path) -> None:
    app = start_page("requirements")
    app.multiselect(key="requirements_industries").set_value(["汽车"]).run()
    assert group_links(app) == [("二（一）6", f"{DOC} 二（一）6 构建绿色供应链"),
                                ("二（二）8", f"{DOC} 二（二）8 加强再生资源回收利用")]
    assert app.subheader[0].value == "汽车：2 个条款，2 句"
    assert "kb-encouraged\">鼓励</span>" in app.markdown[-1].value
    assert "以电子电器、汽车行业为重点" in app.markdown[-1].value


def test_requirements_page_understands_a_description_and_filters_types(app_env: Path) -> None:
    app = start_page("requirements")
    app.text_input(key="requirements_description").set_value("我们是做快递包装的").run()
    assert "识别到的行业：快递" in [c.value for c in app.caption]
    assert [clause for clause, _ in group_links(app)] == ["二（二）7", "二（三）11"]
    app.multiselect(key="requirements_types").set_value(["binding"]).run()
    assert [clause for clause, _ in group_links(app)] == ["二（三）11"]
    app.text_input(key="requirements_description").set_value("今天天气不错").run()
    assert any("没有识别出行业" in c.value for c in app.caption)


def test_requirements_download_is_the_filtered_table(app_env: Path, downloads) -> None:
    app = start_page("requirements")
    app.multiselect(key="requirements_industries").set_value(["汽车"]).run()
    csv_button, xlsx_button = app.download_button
    assert (csv_button.proto.label, xlsx_button.proto.label) == ("下载 CSV", "下载 Excel")
    rows = list(csv.DictReader(io.StringIO(downloads(csv_button).decode("utf-8-sig"))))
    assert [(r["doc"], r["clause"]) for r in rows] == [(DOC, "二（一）6"), (DOC, "二（二）8")]
    sheet = load_workbook(io.BytesIO(downloads(xlsx_button))).active
    assert sheet.max_row == 3 and sheet["B3"].value == "二（二）8"


def test_requirements_page_lists_the_first_groups_and_the_download_holds_all(app_env: Path, monkeypatch,
                                                                           downloads) -> None:
    monkeypatch.setattr("kb.app.pages.requirements.MAX_GROUPS_SHOWN", 1)
    app = start_page("requirements")
    app.multiselect(key="requirements_industries").set_value(["汽车"]).run()
    assert [clause for clause, _ in group_links(app)] == ["二（一）6"]
    assert any(c.value == "页面列出前 1 个条款；全部 2 个条款在下载的表格中。" for c in app.caption)
    assert len(downloads(app.download_button[0]).decode("utf-8-sig").splitlines()) == 3  # header + both rows


def test_targets_page_shows_every_target_filters_and_charts(app_env: Path, downloads) -> None:
    app = start_page("targets")
    table = app.dataframe[0].value
    assert len(table) == 21
    forest = table[table["指标"] == "森林覆盖率"].iloc[0]
    assert (forest["目标值"], forest["时限"], forest["文号"]) == ("57%", "到2025年", DOC)
    assert parse_qs(forest["条款"].split("?", 1)[1])["clause"] == ["一（二）"]
    assert app.get("vega_lite_chart")  # targets per area
    assert len(downloads(app.download_button[0]).decode("utf-8-sig").splitlines()) == 22
    app.multiselect(key="targets_deadlines").set_value(["“十四五”期间"]).run()
    assert len(app.dataframe[0].value) == 6
    assert app.subheader[0].value == "共 6 项目标"
    assert not app.get("vega_lite_chart")  # all six are in one area: no chart


def test_documents_page_opens_a_linked_clause_expanded_and_marked(app_env: Path) -> None:
    sentence = "以电子电器、汽车行业为重点，加快落实生产者责任延伸制度，引导生产企业建立逆向物流回收体系。"
    app = start_page("documents", {"doc": "cq-2021-31", "clause": "二（二）8", "mark": sentence})
    context = app.markdown[0].value
    assert "二 重点任务 › 二（二） 健全绿色低碳循环发展的流通体系 › 二（二）8 加强再生资源回收利用" in context
    assert f"<mark>{sentence}</mark>" in context
    expanded = [e for e in app.expander if e.proto.expanded]
    assert [e.label for e in expanded] == ["\u3000\u3000二（二）8 加强再生资源回收利用"]
    assert f"<mark>{sentence}</mark>" in expanded[0].markdown[0].value
    missing = start_page("documents", {"doc": "cq-2021-31", "clause": "九（九）9"})
    assert any("没有条款 九（九）9" in w.value for w in missing.warning)


CROSSWALK_ROW = re.compile(r'<tr><td><a href="(?P<local>[^"]+)"[^>]*>(?P<local_title>[^<]+)</a></td>'
                           r'<td><a href="(?P<national>[^"]+)"[^>]*>(?P<national_title>[^<]+)</a></td>'
                           r'<td>(?P<score>[0-9.]+)</td></tr>')


def unloaded_notes(app: AppTest) -> list[str]:
    return [c.value for c in app.caption if c.value.startswith("引用但未收录")]


def test_documents_page_shows_the_crosswalk_and_the_references_not_loaded(pair_env: Path) -> None:
    app = start_page("documents")
    sections = [e for e in app.expander if e.label.startswith("对照")]
    # One section in the local document's card and one in the national document's; none in the seed's.
    assert [e.label.split("（")[0] for e in sections] == [f"对照：{LOCAL_DOC} 贯彻落实 {NATIONAL_DOC}"] * 2
    rows = [found.groupdict() for found in CROSSWALK_ROW.finditer(sections[0].markdown[0].value)]
    assert len(rows) == len({row["local_title"] for row in rows}) >= 5  # one row per local clause
    service = next(row for row in rows if row["local_title"] == "二（三） 创新服务方式")
    assert service["national_title"] == "二（五） 创新服务方式"
    assert link_target(service["local"]) == (LOCAL_ID, "二（三）")
    assert link_target(service["national"]) == (NATIONAL_ID, "二（五）")
    assert all(0 < float(row["score"]) <= 1 for row in rows)
    assert f"{LOCAL_DOC} 条款" in sections[0].markdown[0].value
    # 国发〔2099〕1号, which the local document cites, is loaded; what the seed and the national document cite is not.
    notes = unloaded_notes(app)
    assert len(notes) == 2
    assert any("国发〔2021〕4号" in note for note in notes) and any("国办发〔2098〕7号" in note for note in notes)
    assert not any("国发〔2099〕1号" in note for note in notes)


def test_documents_page_of_the_seed_alone_lists_its_unloaded_reference(app_env: Path) -> None:
    app = start_page("documents")
    assert unloaded_notes(app) == ["引用但未收录：《国务院关于加快建立健全绿色低碳循环发展经济体系的指导意见》（国发〔2021〕4号）。"
                                   "可在上方“添加文件”中上传文件或输入网址添加。"]
    assert not [e for e in app.expander if e.label.startswith("对照")]


def as_admin(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The documents page with an admin token configured and typed in (changes need it)."""
    monkeypatch.setenv("KB_ADMIN_TOKEN", "test-admin-token")
    app = start_page("documents")
    app.text_input(key="documents_admin_token").set_value("test-admin-token").run()
    return app


def test_upload_adds_a_document_and_remove_deletes_it(app_env: Path, corpus_dir: Path, monkeypatch) -> None:
    app = as_admin(monkeypatch)
    app.file_uploader[0].upload("synthetic.txt", SYNTHETIC_TXT, "text/plain").run()
    app.button(key="documents_add_upload").click().run()
    assert not app.exception and not app.error
    assert app.success[0].value.startswith("完成：新增 ")
    assert [c.value for c in app.caption if c.value.startswith("已收录")] == ["已收录 2 份文件"]
    added = sorted(p.name for p in corpus_dir.iterdir() if p.suffix == ".txt" and p.name.startswith("synthetic"))
    assert added == ["synthetic.txt"]
    assert app.file_uploader[0].value is None  # emptied for the next file
    assert any("测府发〔2099〕7号" in m.value for m in app.markdown)

    remove = next(b for b in app.button if b.key and b.key.startswith("documents_remove_") and
                  "synthetic" in b.key)
    remove.click().run()
    assert not app.exception and not app.error
    assert "删除" in app.success[0].value
    assert [c.value for c in app.caption if c.value.startswith("已收录")] == ["已收录 1 份文件"]
    assert not (corpus_dir / "synthetic.txt").exists()


def test_metadata_edit_and_a_bad_url_on_the_documents_page(app_env: Path, monkeypatch) -> None:
    app = as_admin(monkeypatch)
    app.text_input(key="documents_title_cq-2021-31").set_value("改过的标题")
    next(b for b in app.button if b.label == "保存").click().run()
    assert not app.exception and not app.error
    assert any(m.value == "**改过的标题**" for m in app.markdown)
    app.text_input(key="documents_url").set_value("http://127.0.0.1:9/none.html").run()
    app.button(key="documents_add_url").click().run()
    assert len(app.error) == 1
    assert [c.value for c in app.caption if c.value.startswith("已收录")] == ["已收录 1 份文件"]


def test_evaluation_failures_link_their_gold_and_cited_clauses(app_env: Path) -> None:
    # The forest question is answered from 一（二） (see the chat tests); a wrong gold clause makes it fail.
    question = {"id": "t1", "question": FOREST_QUESTION, "gold": ["二（一）6"], "facts": ["57%"], "kind": "number"}
    app = start_page("evaluation")
    app.file_uploader[0].upload("questions.jsonl", json.dumps(question, ensure_ascii=False).encode("utf-8"))
    app.button[0].click().run()
    assert not app.exception
    [failure] = [m.value for m in app.markdown if m.value.startswith("- **t1**")]
    links = dict(re.findall(r"\[([^\]]+)\]\(documents\?([^)]+)\)", failure))
    assert {label: parse_qs(query)["clause"] for label, query in links.items()} == {
        "二（一）6": ["二（一）6"], "一（二）": ["一（二）"]}
    assert "标准条款：[二（一）6](" in failure and "引用：[一（二）](" in failure
    assert "森林覆盖率达到57%" in "".join(parse_qs(links["一（二）"])["mark"])


# -- the clause context and documents helpers, on a small hand-made document --------------------------------------
def _clause(label: str, path: tuple[str, ...], heading: str, text: str) -> Clause:
    return Clause(doc_id="t", label=label, path=path, level=len(path), heading=heading, text=text, start=0, end=0)


SMALL_DOC = ParsedDocument(
    meta=DocMeta(doc_id="t", title="测试文件", doc_number="测发〔2024〕1号", level="county"),
    text="",
    clauses=(
        _clause("一", ("一",), "总体要求", "一、总体要求"),
        _clause("一（一）", ("一", "（一）"), "主要目标", "（一）主要目标。到2025年达到<5%>。"),
        _clause("一（一）1", ("一", "（一）", "1"), "节能", "1．节能。单位能耗下降。"),
        _clause("二", ("二",), "保障措施", "二、保障措施"),
    ),
)


def test_clause_context_has_heading_path_and_neighbours() -> None:
    context = clause_context(SMALL_DOC, "一（一）1")
    assert [c.label for c in context.ancestors] == ["一", "一（一）"]
    assert (context.previous.label, context.following.label) == ("一（一）", "二")
    first = clause_context(SMALL_DOC, "一")
    assert first.ancestors == () and first.previous is None
    assert clause_context(SMALL_DOC, "九") is None


def test_marked_html_escapes_text_and_marks_every_quote() -> None:
    html = marked_html("（一）主要目标。到2025年达到<5%>。", ["到2025年达到<5%>。"])
    assert html == "（一）主要目标。<mark>到2025年达到&lt;5%&gt;。</mark>"
    assert marked_html("a\nb<") == "a<br>b&lt;"
    # touching or overlapping quotes merge into one mark; an empty quote marks nothing
    assert marked_html("甲乙丙丁甲", ["甲", "丙丁", ""]) == "<mark>甲</mark>乙<mark>丙丁甲</mark>"
    assert marked_html("甲乙丙丁", ["甲乙", "乙丙"]) == "<mark>甲乙丙</mark>丁"
    page = context_html(SMALL_DOC, clause_context(SMALL_DOC, "一（一）"), ["到2025年达到<5%>。"])
    assert "一 总体要求 › 一（一） 主要目标" in page and "<5%>" not in page


def _link(local: tuple[str, str], national: tuple[str, str], score: float) -> CrosswalkLink:
    return CrosswalkLink(local[0], local[1], "甲", national[0], national[1], "乙", score, score, score)


def test_linked_clauses_go_both_ways() -> None:
    # "p" implements "n" and is implemented by "c" (a provincial document between a national and a county one).
    links = [_link(("p", "一"), ("n", "三"), 0.9), _link(("p", "二"), ("n", "三"), 0.6),
             _link(("c", "一"), ("p", "一"), 0.7)]
    assert linked_clauses(links, "p", "一") == ([LinkedClause("n", "三", "乙", 0.9)],
                                               [LinkedClause("c", "一", "甲", 0.7)])
    assert linked_clauses(links, "n", "三") == ([], [LinkedClause("p", "一", "甲", 0.9),
                                                    LinkedClause("p", "二", "甲", 0.6)])
    assert linked_clauses(links, "n", "一") == ([], [])
    assert linked_clauses([], "p", "一") == ([], [])


def test_a_linked_clause_shows_its_citation_score_and_escaped_text() -> None:
    block = linked_clause_html(SMALL_DOC, LinkedClause("t", "一（一）", "主要目标", 0.876), "documents?doc=t&clause=x")
    assert '<a class="kb-cite" href="documents?doc=t&amp;clause=x"' in block
    assert "测发〔2024〕1号 一（一） 主要目标 ↗</a>" in block and "匹配度 0.88" in block
    assert "到2025年达到&lt;5%&gt;。" in block
    gone = linked_clause_html(SMALL_DOC, LinkedClause("t", "九", "", 0.5), "documents")
    assert "测发〔2024〕1号 九 ↗" in gone and "kb-clause" not in gone  # a clause no longer there: no text


def test_citations_of_one_clause_make_one_chip_with_all_its_quotes() -> None:
    def cite(clause: str, quote: str) -> Citation:
        return Citation(doc=DOC, doc_title="", clause=clause, heading="h", quote=quote, score=1.0)

    grouped = cited_clauses((cite("二（六）21", "甲。"), cite("一（二）", "乙。"), cite("二（六）21", "丙。")))
    assert [(g.clause, g.quotes) for g in grouped] == [("二（六）21", ("甲。", "丙。")), ("一（二）", ("乙。",))]


def test_search_inside_a_document_ignores_spaces_and_matches_labels() -> None:
    assert [c.label for c in matching_clauses(SMALL_DOC, "2025 年")] == ["一（一）"]
    assert [c.label for c in matching_clauses(SMALL_DOC, "一（一）1")] == ["一（一）1"]
    assert len(matching_clauses(SMALL_DOC, " ")) == 4


def test_document_rows_and_tree_labels() -> None:
    assert metadata_fields(SMALL_DOC) == {"文号": "测发〔2024〕1号", "层级": "区县级", "条款数": "4", "文档标识": "t"}
    assert tree_label(SMALL_DOC.clauses[2]) == "\u3000\u3000一（一）1 节能"
    long_heading = "一二三四五六七八九十一二三四五"  # 15 characters: cut to 14 and an ellipsis
    assert chip_label("测发〔2024〕1号", "一", long_heading) == "测发〔2024〕1号 一 一二三四五六七八九十一二三四…"
