"""The question files and the runner: well-formed sets, evaluation corpora staged, a real-model subset (CI)."""

import re
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT_DIR

from kb.documents.load import load_source
from kb.documents.parse import parse_document
from kb.engine import PolicyKb
from kb.errors import KbError
from kb.evaluation.questions import DEFAULT_QUESTION_FILES, load_questions, spread_subset
from kb.evaluation.run import run_evaluation, stage_corpora

KINDS_OF_LAW_QUESTIONS = {"number", "time_limit", "penalty", "permission", "definition", "scope", "who_named", "list",
                          "fact", "colloquial", "enterprise", "metadata", "unanswerable"}


def test_question_sets_are_complete_and_well_formed():
    bundled = load_questions(ROOT_DIR / "eval" / "questions.jsonl")
    assert len(bundled) >= 150 and all(q.doc == "渝府发〔2021〕31号" for q in bundled)
    laws = load_questions(ROOT_DIR / "eval" / "questions_laws.jsonl")
    assert len(laws) >= 250 and sum(not q.answerable for q in laws) >= 40
    assert len({q.doc for q in laws if q.doc}) >= 10
    assert {q.kind for q in laws} == KINDS_OF_LAW_QUESTIONS
    for q in bundled + laws:
        assert q.split in ("dev", "heldout")
        assert bool(q.gold) == q.answerable or q.kind == "metadata"
    # Questions about what no loaded document regulates, off the corpus's topics or near them, in both splits.
    off_corpus = load_questions(ROOT_DIR / "eval" / "questions_offtopic.jsonl")
    assert all(not q.answerable and not q.gold and not q.doc and q.kind == "unanswerable" for q in off_corpus)
    assert all(sum(q.split == split for q in off_corpus) >= 40 for split in ("dev", "heldout"))
    assert len({q.id for q in bundled + laws + off_corpus}) == len(bundled + laws + off_corpus)
    titles = {path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
              for path in (ROOT_DIR / "eval" / "corpus-dev").glob("*.md") if path.name != "README.md"}
    assert {q.doc for q in laws if q.doc} <= titles


def test_question_files_must_exist_and_ids_be_unique(tmp_path):
    with pytest.raises(KbError, match="question file not found"):
        load_questions(Path("nowhere.jsonl"))
    twice = tmp_path / "q.jsonl"
    twice.write_text('{"id": "a", "question": "问？"}\n{"id": "a", "question": "又问？"}\n', encoding="utf-8")
    with pytest.raises(KbError, match="unique"):
        load_questions(twice)
    assert [q.id for q in spread_subset(load_questions(list(DEFAULT_QUESTION_FILES)), 4)] != []


def test_stage_corpora_copies_files_and_manifest_entries_and_drops_stale_ones(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "law.md").write_text("# 测试条例\n\n第一条 为了测试，制定本条例。\n\n第二条 本条例自公布之日起施行。\n",
                                  encoding="utf-8")
    target = tmp_path / "stage"
    stage_corpora(target, [CORPUS, other])
    assert sorted(p.name for p in target.iterdir() if p.suffix != ".json") == sorted(
        [p.name for p in CORPUS.iterdir() if p.suffix == ".txt"] + ["law.md"])
    assert "manifest.json" in {p.name for p in target.iterdir()}
    stage_corpora(target, [other])
    assert sorted(p.name for p in target.iterdir()) == ["law.md", "manifest.json"]


def test_questions_about_documents_not_loaded_are_skipped(kb_config, fake_embedder, tmp_path):
    engine = PolicyKb(kb_config, embedder=fake_embedder)
    engine.ingest()
    evaluation = run_evaluation(engine, list(DEFAULT_QUESTION_FILES), out_dir=tmp_path, limit=6)
    assert evaluation.skipped and all(q.doc != "渝府发〔2021〕31号" for q in evaluation.skipped)
    assert all(r.question.doc in ("渝府发〔2021〕31号", "") for r in evaluation.results)  # "": about no document
    assert evaluation.report.path.exists() and (tmp_path / "chart.png").exists()


@pytest.mark.integration
def test_fast_subset_with_the_real_model(real_kb, tmp_path):
    evaluation = run_evaluation(real_kb, [ROOT_DIR / "eval" / "questions.jsonl"], out_dir=tmp_path, limit=40)
    overall = evaluation.report.splits["all"]
    assert len(evaluation.results) == 40
    assert overall["hit@5"]["hybrid"] >= 0.9
    assert overall["refusal accuracy"]["pipeline"] >= 0.9
    assert overall["invented entities"]["pipeline"] == 0


def test_every_fact_of_a_law_question_stands_in_one_of_its_gold_articles():
    texts: dict[str, dict[str, str]] = {}  # title -> article label -> the article's text with its paragraphs
    for path in sorted((ROOT_DIR / "eval" / "corpus-dev").glob("*.md")):
        doc = parse_document(load_source(str(path)).text, path.stem)
        articles = texts.setdefault(doc.meta.title, {})
        for clause in doc.clauses:
            article = re.match(r"第[一二三四五六七八九十百零]+条(?:之[一二三四五六七八九十]+)?", clause.label)
            if article:
                articles[article.group()] = articles.get(article.group(), "") + re.sub(r"\s+", "", clause.text)
    for q in load_questions(ROOT_DIR / "eval" / "questions_laws.jsonl"):
        if not q.gold:
            continue
        gold_text = "".join(texts[q.doc].get(label, "") for label in q.gold)
        assert all(label in texts[q.doc] for label in q.gold), q.id
        assert all(re.sub(r"\s+", "", fact) in gold_text for fact in q.facts), q.id
