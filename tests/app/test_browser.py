"""The real app in headless Debian Chromium: ask, wait for the answer, open its citation, check the marked quote;
then the documents, 企业合规 (following a clause link into the documents page) and 目标指标 pages.

Screenshots go to a temporary directory, and also to $KB_SCREENSHOT_DIR when set. Timings are printed (-s).
"""

from __future__ import annotations

from conftest import ROOT_DIR
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.app_start import CHROMIUM, CHROMIUM_ARGS, ask_in_browser
from bench.chroma_server import free_port, wait_for_http
from kb import OFFLINE_ENVIRONMENT

ROOT = ROOT_DIR
START_TIMEOUT_S = 120
ANSWER_TIMEOUT_MS = 60_000
DOC = "渝府发〔2021〕31号"
ADMIN_TOKEN = "browser-test-admin"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (scripts/install.sh --test)"),
]


@pytest.fixture
def app_url(tmp_path: Path, corpus_dir: Path):
    port = free_port()
    env = {**os.environ, "KB_MODEL": "hashing", "KB_DATA_DIR": str(tmp_path / "data"),
           "KB_CORPUS_DIR": str(corpus_dir), "KB_MODEL_CACHE": str(tmp_path / "models"),
           "KB_ADMIN_TOKEN": ADMIN_TOKEN, **OFFLINE_ENVIRONMENT}
    env.pop("KB_CONFIG", None)
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
               "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    log = open(tmp_path / "app.log", "wb")
    started = time.monotonic()
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/_stcore/health", server, START_TIMEOUT_S)
        yield url, started
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture
def page():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport=VIEWPORT, locale="zh-CN")
        finally:
            browser.close()


VIEWPORT = {"width": 1280, "height": 900}
CONTENT_HEIGHT_JS = "Math.max(0, ...[...document.querySelectorAll('section, div')].map(e => e.scrollHeight))"


def save_screenshot(page, tmp_path: Path, name: str) -> Path:
    """Streamlit scrolls inside its main pane, so the window is stretched to the content for a full-page shot."""
    path = tmp_path / name
    height = max(VIEWPORT["height"], int(page.evaluate(CONTENT_HEIGHT_JS)) + 200)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    page.wait_for_timeout(300)  # let the layout settle at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)
    if os.environ.get("KB_SCREENSHOT_DIR"):
        target = Path(os.environ["KB_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / name)
    return path


def test_ask_open_citation_and_see_the_quote_highlighted(app_url, page, tmp_path: Path) -> None:
    url, server_started = app_url
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=ANSWER_TIMEOUT_MS)
    save_screenshot(page, tmp_path, "chat-welcome.png")
    first_s = ask_in_browser(page, "到2025年全市森林覆盖率要达到多少？", 0, ANSWER_TIMEOUT_MS)
    first_after_start_s = time.monotonic() - server_started
    answer = page.get_by_test_id("stChatMessage").last
    assert f"〔{DOC} 一（二）〕" in answer.inner_text()

    answer.get_by_role("button", name=f"{DOC} 一（二） 主要目标").click()
    marked = page.locator("[data-testid='stPopoverBody'] mark").first
    marked.wait_for(timeout=10_000)
    assert "森林覆盖率达到57%" in marked.inner_text()
    assert "主要目标" in page.get_by_test_id("stPopoverBody").inner_text()
    save_screenshot(page, tmp_path, "chat-citation.png")
    page.keyboard.press("Escape")

    follow_up_s = ask_in_browser(page, "那2035年呢？", 1, ANSWER_TIMEOUT_MS)
    not_found_s = ask_in_browser(page, "今天中午食堂吃什么？", 2, ANSWER_TIMEOUT_MS)
    save_screenshot(page, tmp_path, "chat-conversation.png")
    print(f"\nfirst answer {first_after_start_s:.2f}s after the server started ({first_s:.2f}s after asking); "
          f"follow-up {follow_up_s:.2f}s; third {not_found_s:.2f}s")

    page.get_by_role("link", name="文件").click()
    page.get_by_text("已收录 1 份文件").wait_for(timeout=10_000)
    save_screenshot(page, tmp_path, "documents.png")
    page.get_by_role("textbox", name="管理口令").fill(ADMIN_TOKEN)  # changes need the admin token
    page.get_by_role("textbox", name="管理口令").press("Enter")
    page.get_by_role("button", name="修改信息").click()
    page.get_by_label("发文机关").wait_for(timeout=10_000)
    save_screenshot(page, tmp_path, "documents-edit.png")
    page.keyboard.press("Escape")
    page.get_by_label("在本文件中搜索").fill("森林覆盖率")
    page.get_by_label("在本文件中搜索").press("Enter")
    page.locator("[data-testid='stExpander'] mark").first.wait_for(timeout=10_000)
    save_screenshot(page, tmp_path, "documents-search.png")

    visit_requirements_and_follow_a_clause_link(page, tmp_path)
    page.get_by_role("link", name="目标指标").click()
    page.get_by_text("共 21 项目标").wait_for(timeout=10_000)
    page.get_by_test_id("stVegaLiteChart").wait_for(timeout=10_000)
    save_screenshot(page, tmp_path, "targets.png")

    page.get_by_role("link", name="评测").click()
    page.get_by_role("button", name="运行评测").wait_for(timeout=10_000)


def visit_requirements_and_follow_a_clause_link(page, tmp_path: Path) -> None:
    """A described business maps to an industry; its first clause opens, marked, in the documents page (new tab)."""
    page.get_by_role("link", name="企业合规").click()
    box = page.get_by_label("或描述您的业务")
    box.fill("我们是做汽车零部件的")
    box.press("Enter")
    page.get_by_text("汽车：2 个条款，2 句").wait_for(timeout=10_000)
    save_screenshot(page, tmp_path, "requirements.png")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name=f"{DOC} 二（一）6 构建绿色供应链").click()
    clause_page = opened.value
    marked = clause_page.locator("[data-testid='stExpander'] mark").first
    marked.wait_for(timeout=20_000)
    assert "在汽车、电子电器、通信、机械" in marked.inner_text()
    assert clause_page.locator(".kb-path").first.inner_text().endswith("二（一）6 构建绿色供应链")
    save_screenshot(clause_page, tmp_path, "documents-linked-clause.png")
    clause_page.close()


# -- a document full of markup tricks shows as text -------------------------------------------------------------------
HOSTILE_DOC = ROOT / "tests" / "fixtures" / "hostile_markup.txt"
HOSTILE_QUESTION = "安全测试覆盖率要达到多少？"
HOSTILE_TITLE = "示例市人民政府关于**粗体**与:red[红字]安全测试的通知"
TRICKS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[点我](javascript:alert(1))", ":red[红字]",
          "$$x^2$$", "**粗体**", ":material/warning:", ":smile:", "http://evil.example/x")
# Elements the tricks would have made, had they been read as markup rather than shown as text.
MADE_BY_MARKUP_JS = """() => ({
  scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(1)')).length,
  images: document.querySelectorAll('img[src="x"], img[onerror]').length,
  links: document.querySelectorAll('a[href^="javascript"], a[href*="evil.example"]').length,
  math: document.querySelectorAll('.katex, math').length,
  bold: [...document.querySelectorAll('strong, b, em')].filter(e => e.textContent === '粗体').length,
  coloured: [...document.querySelectorAll('span')].filter(e => e.textContent === '红字').length,
})"""


@pytest.fixture
def hostile_corpus(corpus_dir: Path) -> Path:
    """Requested before app_url, so the app ingests the document on its first page view."""
    shutil.copy(HOSTILE_DOC, corpus_dir / HOSTILE_DOC.name)
    return corpus_dir


def assert_shown_as_text(page, shown: str) -> None:
    for trick in TRICKS:
        assert trick in shown, trick
    assert page.evaluate(MADE_BY_MARKUP_JS) == {"scripts": 0, "images": 0, "links": 0, "math": 0, "bold": 0,
                                                "coloured": 0}


def test_a_document_full_of_markup_tricks_shows_as_text(hostile_corpus, app_url, page, tmp_path: Path) -> None:
    url, _ = app_url
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=ANSWER_TIMEOUT_MS)
    ask_in_browser(page, HOSTILE_QUESTION, 0, ANSWER_TIMEOUT_MS)
    answer = page.get_by_test_id("stChatMessage").last
    assert_shown_as_text(page, answer.inner_text())

    answer.get_by_role("button", name="示府发〔2099〕9号 一（一） 安全测试").click()
    popover = page.get_by_test_id("stPopoverBody")
    popover.locator("mark").first.wait_for(timeout=10_000)
    assert HOSTILE_TITLE in popover.inner_text()  # the clause in its context: HTML, escaped
    assert_shown_as_text(page, popover.inner_text())
    save_screenshot(page, tmp_path, "hostile-chat.png")
    page.keyboard.press("Escape")

    page.goto(f"{url}/documents?doc=hostile_markup&clause=一（一）")
    page.get_by_text("链接指向的条款").wait_for(timeout=20_000)
    page.get_by_text(HOSTILE_TITLE, exact=True).wait_for(timeout=10_000)  # the card's bold title, escaped
    page.get_by_label("在本文件中搜索").fill("$$x^2$$")
    page.get_by_label("在本文件中搜索").press("Enter")
    page.get_by_text("共有 1 个条款包含“$$x^2$$”").wait_for(timeout=10_000)
    main = page.get_by_test_id("stMain").inner_text()
    assert_shown_as_text(page, main)
    assert page.get_by_text("一（一） 安全测试", exact=True).count() >= 1  # the tree's expander label
    save_screenshot(page, tmp_path, "hostile-documents.png")
    assert dialogs == []
