"""The load run end to end at its smallest (hashing embedder, a few clients for a few seconds), so it cannot rot."""

import json
import subprocess
import sys
from pathlib import Path

from bench.load import distinct_questions, format_table

ROOT = Path(__file__).resolve().parents[1]


def test_the_questions_are_distinct_and_in_file_order(tmp_path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "甲？"}\n{"question": "乙？"}\n\n{"question": "甲？"}\n', encoding="utf-8")
    assert distinct_questions([path, path]) == ["甲？", "乙？"]


def test_the_load_run_answers_without_errors_alone_and_during_an_ingest(tmp_path) -> None:
    out = tmp_path / "load.json"
    done = subprocess.run([sys.executable, "-m", "bench.load", "--corpus", "corpus", "--questions",
                           "eval/questions.jsonl", "--model", "hashing", "--seconds", "2", "--clients", "3",
                           "--out", str(out), "--work", str(tmp_path / "work")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert [p["phase"] for p in figures["phases"]] == ["readers alone", "readers during `kb add`"]
    for phase in figures["phases"]:
        assert phase["errors"] == 0 and phase["answers"] > 0 and phase["p50_ms"] <= phase["p99_ms"]
        assert phase["server_peak_rss_mb"] > 0
    assert format_table(figures["phases"]) in done.stdout
