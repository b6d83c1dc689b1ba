"""Running the question set: every question through each retrieval mode and the full answer pipeline, on the
configured knowledge base or on an evaluation index built from given corpus folders; and the mixed-versus-alone
check (the same questions with only their own corpus loaded)."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.answering.intent import analyse
from kb.corpus.folder import corpus_files, read_manifest, write_manifest
from kb.engine import PolicyKb, Turn
from kb.errors import KbError
from kb.evaluation.judge import ClauseRef, judge
from kb.evaluation.metrics import PIPELINE, QuestionResult, summarise
from kb.evaluation.questions import DEFAULT_QUESTION_FILES, Question, load_questions, spread_subset
from kb.evaluation.report import Comparison, EvaluationReport, write_report
from kb.schema import RetrievalMode

Progress = Callable[[int, int], None]
RETRIEVAL_DEPTH = 10


@dataclass(frozen=True)
class Evaluation:
    report: EvaluationReport
    results: list[QuestionResult]
    skipped: list[Question]  # questions about documents that are not loaded


def _no_progress(done: int, total: int) -> None:
    return None


def loaded_names(engine: PolicyKb) -> set[str]:
    """Every name a question may use for a loaded document: its 文号 and its title."""
    return {name for doc in engine.documents() for name in (doc.meta.doc_number, doc.meta.title) if name}


def run_questions(engine: PolicyKb, questions: Sequence[Question], modes: Sequence[RetrievalMode] = tuple(RetrievalMode),
                  progress: Progress = _no_progress) -> list[QuestionResult]:
    results = []
    corpus_text = "\n".join(d.text for d in engine.documents())
    engine.search("预热", mode=RetrievalMode.HYBRID)  # warm-up: load models before timing anything
    for done, q in enumerate(questions, 1):
        result = QuestionResult(q)
        query = analyse(q.question, q.context).resolved
        for mode in modes:
            started = time.perf_counter()
            hits = engine.search(query, mode=mode, top_k=RETRIEVAL_DEPTH)
            result.latency_ms[mode] = (time.perf_counter() - started) * 1000
            result.ranked[mode] = [ClauseRef.of_hit(h) for h in hits]
        started = time.perf_counter()
        result.answer = engine.ask(q.question, history=[Turn(c) for c in q.context])
        result.latency_ms[PIPELINE] = (time.perf_counter() - started) * 1000
        result.failures = judge(q, result.answer, corpus_text)
        results.append(result)
        progress(done, len(questions))
    return results


def stage_corpora(target: Path, corpora: Sequence[Path]) -> None:
    """Copy the documents of several corpus folders (and their manifests' entries) into one corpus folder; files
    already there and unchanged are left alone, so the evaluation index is ingested incrementally."""
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    wanted: set[str] = set()
    for corpus in corpora:
        entries = read_manifest(corpus)
        for path in corpus_files(corpus):
            if path.stem.upper() == "README":  # a folder's description, not one of its documents
                continue
            if path.name in wanted:
                raise KbError(f"two evaluation corpora hold a file named {path.name}")
            wanted.add(path.name)
            copy = target / path.name
            if not copy.exists() or copy.read_bytes() != path.read_bytes():
                shutil.copyfile(path, copy)
            if path.name in entries:
                manifest[path.name] = entries[path.name]
    for stale in corpus_files(target):
        if stale.name not in wanted:
            stale.unlink()
    write_manifest(target, manifest)


def evaluation_engine(base: PolicyKb, corpora: Sequence[Path]) -> PolicyKb:
    """A knowledge base of exactly these corpus folders, in its own data folder under the configured one; it
    shares the base's embedding model, and unchanged documents are not embedded again on later runs."""
    key = hashlib.sha1("\n".join(str(c.resolve()) for c in corpora).encode()).hexdigest()[:12]
    root = base.config.data_dir / "eval-kb" / key
    config = base.config.replace(corpus_dir=root / "corpus", data_dir=root / "data")
    stage_corpora(config.corpus_dir, corpora)
    engine = PolicyKb(config, embedder=base.embedder)
    engine.ingest()
    return engine


def compare_alone(mixed: Sequence[QuestionResult], alone_engine: PolicyKb,
                  progress: Progress = _no_progress) -> Comparison | None:
    """The questions about the documents of `alone_engine`, answered there, against the same questions answered
    with everything loaded."""
    names = loaded_names(alone_engine)
    own = [r for r in mixed if r.question.doc in names]
    if not own:
        return None
    alone = run_questions(alone_engine, [r.question for r in own], modes=(), progress=progress)
    label = "、".join(sorted({r.question.doc for r in own}))
    return Comparison(label, mixed=summarise(own, modes=()), alone=summarise(alone, modes=()))


def run_evaluation(engine: PolicyKb, paths: Sequence[Path] = DEFAULT_QUESTION_FILES, out_dir: Path | None = None,
                   limit: int = 0, split: str = "all", corpora: Sequence[Path] = (), alone: Path | None = None,
                   progress: Progress = _no_progress) -> Evaluation:
    """Run question files end to end and write the report. With `corpora`, on an evaluation index of those folders
    (else on the configured knowledge base); with `alone`, also the mixed-versus-alone comparison for the questions
    about that folder's documents."""
    questions = load_questions(list(paths))
    if split != "all":
        questions = [q for q in questions if q.split == split]
    target = evaluation_engine(engine, corpora) if corpora else engine
    names = loaded_names(target)
    skipped = [q for q in questions if q.doc and q.doc not in names]
    asked = spread_subset([q for q in questions if not q.doc or q.doc in names], limit)
    if not asked:
        raise KbError("none of the questions is about a loaded document; load them (kb add) or pass --corpus")
    results = run_questions(target, asked, progress=progress)
    comparison = compare_alone(results, evaluation_engine(engine, [alone])) if alone else None
    report = write_report(results, out_dir or engine.config.data_dir / "eval", comparison)
    return Evaluation(report, results, skipped)
