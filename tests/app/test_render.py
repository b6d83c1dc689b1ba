"""Text from documents is shown as text: the escape helper against CommonMark and Streamlit's own Markdown
additions, then the app (AppTest) with a document full of markup tricks, on the chat and the documents pages.

What Streamlit does beyond CommonMark was read from its frontend (StreamlitMarkdown*.js, streamlit 1.67): before
parsing it rewrites ":material/" to ":material_" in the raw source, loads remark-emoji when the raw source matches
EMOJI_TRIGGER, KaTeX when it matches a $…$ pattern (escaped "\\$" removed first), and reads `:name[…]` as a
directive; the browser test (test_browser.py) checks the real rendering once.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from conftest import ROOT_DIR, TESTS
from fake_openai_server import serve
from kb.app.render import MARKDOWN_SPECIALS, escape_html, escape_markdown, markdown_lines

HOSTILE_DOC = TESTS / "fixtures" / "hostile_markup.txt"
HOSTILE_QUESTION = "安全测试覆盖率要达到多少？"
# The tricks the fixture's clause 一（一） holds, each as a reader must see it.
TRICKS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[点我](javascript:alert(1))", ":red[红字]",
          "$$x^2$$", "**粗体**", ":material/warning:", ":smile:", "http://evil.example/x")

COMMONMARK = MarkdownIt("commonmark").enable(["table", "strikethrough"])
EMOJI_TRIGGER = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:")
DIRECTIVE = re.compile(r"(?<!\\):[a-z][a-z0-9-]*\[")
ESCAPED_MATH_CHARS = re.compile(r"\\[\\$`]")
MATH = re.compile(r"(?<!\$)\$\$+(?!\$)[\s\S]*?\$\$|(?<!\$)\$(?![\s$])[^$\n]*?[^\s$]\$(?!\d)")


def rendered_text(markdown: str) -> str:
    """What CommonMark (with GFM tables and strikethrough) shows of `markdown`, when it makes only paragraphs and
    line breaks; fails on any other element."""
    rendered = COMMONMARK.render(markdown)
    tags = set(re.findall(r"</?([a-z0-9]+)", rendered))
    assert tags <= {"p", "br"}, rendered
    return html.unescape(re.sub(r"<br />\n|<[^>]+>", lambda m: "\n" if m.group().startswith("<br") else "",
                                rendered)).strip()


def assert_no_streamlit_markup(source: str) -> None:
    assert ":material/" not in source and not EMOJI_TRIGGER.search(source) and not DIRECTIVE.search(source)
    assert not MATH.search(ESCAPED_MATH_CHARS.sub("", source))


# -- the helper -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    *TRICKS,
    "\\*not emphasis\\* and a backslash \\ alone",
    "# 不是标题", "- 不是列表", "1. 不是列表", "+ 不是列表", "> 不是引用", "| 甲 | 乙 |\n|---|---|",
    "标题下划线\n===", "分隔线\n\n---", "`代码`", "~~删除~~", "__粗__ _斜_", "![图](http://x.example/a.png)",
    "<http://x.example>", "www.example.com 与 name@example.com", "&lt;script&gt; 与 &amp;", "[引用][1]\n\n[1]: http://x",
    "$5 与 $6", "\\$x\\$", ":blue-background[x] :small[y] :streamlit: :material/home:", "到2025年，比例达到57.5%。",
])
def test_escaped_text_renders_as_exactly_its_characters(text: str) -> None:
    escaped = markdown_lines(text)
    assert_no_streamlit_markup(escaped)
    assert rendered_text(escaped).splitlines() == [line.strip() for line in text.splitlines() if line.strip()]


def test_every_special_is_escaped_and_nothing_else() -> None:
    assert escape_markdown(MARKDOWN_SPECIALS) == "".join(f"\\{c}" for c in MARKDOWN_SPECIALS)
    assert escape_markdown("森林覆盖率达到57%〔渝府发〔2021〕31号 一（二）〕。") == "森林覆盖率达到57%〔渝府发〔2021〕31号 一（二）〕。"


def test_lines_stay_lines_and_indentation_makes_no_code_block() -> None:
    assert markdown_lines("甲\n    乙 *丙*") == "甲  \n乙 \\*丙\\*"
    assert rendered_text(markdown_lines("甲\n    乙")) == "甲\n乙"


def test_html_escaping_also_keeps_streamlit_from_rewriting_icons() -> None:
    """Streamlit turns ":material/" into ":material_" in the raw source, HTML included: the colon is an entity."""
    assert escape_html('<b a="1">:material/home: & 甲') == "&lt;b a=&quot;1&quot;&gt;&#58;material/home&#58; &amp; 甲"
    assert html.unescape(escape_html(":material/home:")) == ":material/home:"


# -- the app with a hostile document -------------------------------------------------------------------------------------
@pytest.fixture
def hostile_env(tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(HOSTILE_DOC, corpus_dir / HOSTILE_DOC.name)
    monkeypatch.setenv("KB_MODEL", "hashing")
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KB_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("KB_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.delenv("KB_CONFIG", raising=False)
    return corpus_dir


def shown_texts(app: AppTest) -> list[tuple[str, str, bool]]:
    """(kind, source, is HTML) of everything the page passes to Streamlit's Markdown renderer."""
    texts = []
    for node in app:
        if node.type in ("markdown", "caption", "error", "warning", "info", "success", "title", "header",
                         "subheader"):
            texts.append((node.type, node.value, bool(getattr(node.proto, "allow_html", False))))
        elif node.type in ("expander", "button"):
            texts.append((node.type, node.label, False))
    texts += [("popover", block.proto.popover.label, False) for block in app.get("popover")]
    return texts


def assert_document_text_shown_as_text(app: AppTest) -> str:
    """Every text is either escaped Markdown or one HTML block with its text HTML-escaped; the tricks of the
    hostile document reach the page only as their characters. Returns all that is shown, as a reader sees it."""
    seen = []
    for kind, source, is_html in shown_texts(app):
        if is_html:
            assert source.lstrip().startswith("<") and "\n\n" not in source.strip(), (kind, source)
            assert "<script" not in source and "<img" not in source and ":material/" not in source, (kind, source)
            seen.append(html.unescape(re.sub(r"<[^>]+>", "", source)))
        else:
            for trick in TRICKS:
                assert trick not in source, (kind, trick, source)
            assert_no_streamlit_markup(source)
            seen.append(COMMONMARK.renderInline(source))
    return html.unescape("\n".join(seen))


def test_the_chat_shows_the_hostile_clause_as_text(hostile_env: Path) -> None:
    app = AppTest.from_file(str(ROOT_DIR / "app.py"), default_timeout=120)
    app.run()
    app.chat_input[0].set_value(HOSTILE_QUESTION).run()
    assert not app.exception
    _, reply = app.chat_message
    answer = reply.markdown[0].value
    assert rendered_text(answer).startswith("测试条款原文写有<script>alert(1)</script>、<img src=x onerror=alert(1)>")
    assert all(trick in rendered_text(answer) for trick in TRICKS)
    shown = assert_document_text_shown_as_text(app)
    assert all(trick in shown for trick in TRICKS)  # the popover holds the clause in its context, HTML-escaped


def test_the_documents_page_shows_hostile_metadata_and_clauses_as_text(hostile_env: Path) -> None:
    script = ("import streamlit as st\nfrom kb.app.pages import documents\nfrom kb.config import load_config\n"
              "from kb.engine import PolicyKb\n"
              "@st.cache_resource\ndef engine(config):\n    kb = PolicyKb(config)\n    kb.ingest()\n    return kb\n"
              "documents.render(engine(load_config()))\n")
    app = AppTest.from_string(script, default_timeout=120)
    app.query_params.update({"doc": "hostile_markup", "clause": "一（一）", "mark": "安全测试"})
    app.run()
    assert not app.exception
    app.text_input(key="documents_query").set_value("$$x^2$$").run()
    assert not app.exception
    shown = assert_document_text_shown_as_text(app)
    assert "示例市人民政府关于**粗体**与:red[红字]安全测试的通知" in shown  # the title, as the document has it
    assert "共有 1 个条款包含“$$x^2$$”" in shown
    assert all(trick in shown for trick in TRICKS)


# -- the language model's answer --------------------------------------------------------------------------------------
FOREST_QUESTION = "到2025年全市森林覆盖率要达到多少？"
GOAL = "〔渝府发〔2021〕31号 一（二）〕"


@pytest.mark.parametrize("reply, shown, fell_back", [
    # Markup stripped to its text; the rest verified: the model's answer, as plain text.
    (f"到2025年，全市森林覆盖率要达到57%<img src=x onerror=alert(1)>[。](javascript:alert(1)){GOAL}",
     f"到2025年，全市森林覆盖率要达到57%。{GOAL}", False),
    # A reversed direction: the extractive answer, and a note saying so.
    (f"到2025年，全市森林覆盖率下降到57%{GOAL}。", "森林覆盖率达到57%", True),
])
def test_the_models_answer_is_plain_text_and_a_fallback_says_so(hostile_env: Path, monkeypatch, reply, shown,
                                                                  fell_back) -> None:
    with serve(reply) as server:
        monkeypatch.setenv("KB_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("KB_LLM_MODEL", "test-model")
        app = AppTest.from_file(str(ROOT_DIR / "app.py"), default_timeout=120)
        app.run()
        app.toggle(key="settings_llm").set_value(True).run()
        app.chat_input[0].set_value(FOREST_QUESTION).run()
        assert not app.exception and len(server.requests) == 1
    _, reply_message = app.chat_message
    answer = rendered_text(reply_message.markdown[0].value)
    assert (answer == shown) if not fell_back else (shown in answer and "下降到57%" not in answer), answer
    notes = [c.value for c in reply_message.caption]
    assert ("语言模型的回答未能逐句核实，以上为条款原文。" in notes) is fell_back
    assert_document_text_shown_as_text(app)
