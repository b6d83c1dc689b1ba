"""The Streamlit app driven headlessly with AppTest (fake hashing embedder, temporary corpus and data dirs).

Expected clauses were checked by hand against the corpus text: 渝府发〔2021〕31号 一（二） is "主要目标" and says
"森林覆盖率达到57%" and, later, "到2035年，绿色发展内生动力显著增强".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from kb.app_pages.chat import chip_label, cited_clauses
from kb.app_pages.context import clause_context, context_html, marked_html, matching_clauses
from kb.app_pages.documents import metadata_fields, tree_label
from kb.config import load_config
from kb.engine import PolicyKb
from kb.errors import KbError
from kb.feedback import FeedbackStore, feedback_path
from kb.schema import Citation, Clause, DocMeta, ParsedDocument

APP = Path(__file__).resolve().parents[1] / "app.py"
DOC = "渝府发〔2021〕31号"
FOREST_QUESTION = "到2025年全市森林覆盖率要达到多少？"


@pytest.fixture
def app_env(tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("KB_MODEL", "hashing")
    monkeypatch.setenv("KB_DATA_DIR", str(data_dir))
    monkeypatch.setenv("KB_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("KB_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.delenv("KB_CONFIG", raising=False)
    return data_dir


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


def test_unanswerable_question_is_shown_as_not_found_with_related_clauses(app_env: Path) -> None:
    reply = ask(start_app(), "今天中午食堂吃什么？").chat_message[-1]
    assert len(reply.warning) == 1 and "未找到" in reply.warning[0].value
    labels = popover_labels(reply)
    assert labels and all(label.startswith(DOC) for label in labels)


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
    assert reply.error[0].value == "the index is empty: run `kb ingest` first"
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
