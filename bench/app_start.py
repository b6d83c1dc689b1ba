"""App cold start: `streamlit run app.py` on an already ingested index, driven by headless Chromium (Playwright),
from process start to the first answer drawn; then the warm per-answer time and the server's peak RSS."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.chroma_server import free_port, wait_for_http
from bench.measure import percentile, process_peak_rss_mb
from kb import OFFLINE_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ANSWER_TIMEOUT_MS = 180_000
FIRST_QUESTION = "到2025年全市森林覆盖率要达到多少？"
WARM_QUESTIONS = ("新建充电桩的目标是多少", "秸秆能不能烧？", "绿色金融有哪些措施", "农膜回收率", "快递包装有什么要求")


@dataclass(frozen=True)
class AppTimings:
    server_ready_s: float  # process start -> /_stcore/health answers
    first_answer_s: float  # process start -> first answer drawn in the browser
    warm_answer_p50_s: float
    warm_answer_max_s: float
    peak_rss_mb: float  # the streamlit process (model, index and all sessions)


def ask_in_browser(page, question: str, answers_so_far: int, timeout_ms: int = ANSWER_TIMEOUT_MS) -> float:
    """Submit `question` in the chat and wait until its answer (the one after `answers_so_far`) is drawn with its
    feedback buttons; the seconds it took."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    started = time.monotonic()
    box.press("Enter")
    answers = page.get_by_test_id("stChatMessage").filter(has=page.get_by_test_id("stChatMessageAvatarAssistant"))
    answers.nth(answers_so_far).get_by_test_id("stFeedback").wait_for(timeout=timeout_ms)
    return time.monotonic() - started


def measure_app(data_dir: Path, corpus_dir: Path, model: str, model_cache: Path, log_path: Path) -> AppTimings:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "KB_MODEL": model, "KB_DATA_DIR": str(data_dir), "KB_CORPUS_DIR": str(corpus_dir),
           "KB_MODEL_CACHE": str(model_cache), **OFFLINE_ENVIRONMENT}
    env.pop("KB_CONFIG", None)
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
               "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    url = f"http://127.0.0.1:{port}"
    # The browser starts first, so the cold start does not include Chromium's own launch.
    with sync_playwright() as playwright, open(log_path, "wb") as log:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="zh-CN")
        started = time.monotonic()
        server = subprocess.Popen(command, cwd=data_dir.parent, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            ready_s = wait_for_http(f"{url}/_stcore/health", server, ANSWER_TIMEOUT_MS / 1000)
            page.goto(url)
            page.get_by_test_id("stChatInputTextArea").wait_for(timeout=ANSWER_TIMEOUT_MS)
            ask_in_browser(page, FIRST_QUESTION, 0)
            first_s = time.monotonic() - started
            warm = [ask_in_browser(page, q, i + 1) for i, q in enumerate(WARM_QUESTIONS)]
            peak = process_peak_rss_mb(server.pid)
        finally:
            browser.close()
            server.terminate()
            server.wait(timeout=30)
    return AppTimings(ready_s, first_s, percentile(warm, 0.5), max(warm), peak)
