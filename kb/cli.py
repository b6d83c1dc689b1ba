"""The `kb` command line: a contract other tools rely on. Errors are one-line messages, never tracebacks."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from kb.config import Config, load_config  # noqa: E402
from kb.errors import KbError  # noqa: E402
from kb.schema import Answer, ExportFormat, Hit, Level, RetrievalMode  # noqa: E402

Handler = Callable[[argparse.Namespace, Config], int]


def _engine(config: Config):
    from kb.engine import PolicyKb  # lazy: keeps `kb --help` fast

    return PolicyKb(config, on_model_load=lambda msg: print(msg, file=sys.stderr, flush=True))


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def hit_json(hit: Hit) -> dict[str, object]:
    return {"doc": hit.citation_name, "doc_title": hit.doc_title, "clause": hit.clause_label,
            "heading": hit.heading, "score": hit.score}


def answer_json(answer: Answer) -> dict[str, object]:
    return {
        "question": answer.question,
        "status": answer.status,
        "answer": answer.text,
        "citations": [asdict(c) for c in answer.citations],
        "retrieved": [hit_json(h) for h in answer.retrieved],
        "timings_ms": answer.timings_ms,
    }


class RichProgress:
    """A rich progress bar per stage (embed, eval, …) on a terminal; it closes itself when every stage is done."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeRemainingColumn(), console=Console(stderr=True), transient=False)
        self._tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self._tasks:
            if not self._tasks:
                self._progress.start()
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)
        if all(t.finished for t in self._progress.tasks):
            self._progress.stop()
            self._tasks.clear()


def _plain_progress(stage: str, done: int, total: int) -> None:
    print(f"\r{stage}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def _progress_printer():
    """Bars on a terminal; plain "stage: done/total" lines when stderr is a pipe or a log file."""
    return RichProgress() if sys.stderr.isatty() else _plain_progress


# -- commands -------------------------------------------------------------------------------------------------------
def _print_report(report, as_json: bool) -> int:
    summary = {"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
               "removed": report.removed, "skipped": report.skipped, "unstructured": report.unstructured,
               "chunks_embedded": report.chunks_embedded, "chunks_reused": report.chunks_reused,
               "generation": report.generation}
    if as_json:
        _print_json(summary)
    else:
        print(f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
              f"removed {len(report.removed)} document(s); embedded {report.chunks_embedded} chunk(s), "
              f"reused {report.chunks_reused}")
        for doc_id in report.unstructured:
            print(f"note: {doc_id} has no clause numbering; it was indexed by paragraphs (段1, 段2, …)")
        for reason in report.skipped:
            print(f"skipped: {reason}", file=sys.stderr)
    return 1 if report.skipped else 0


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    report = _engine(config).ingest([Path(p) for p in args.paths], progress=_progress_printer())
    return _print_report(report, args.json)


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    return {f: getattr(args, f) for f in ("title", "doc_number", "issuer", "date", "level", "implements")
            if getattr(args, f, None)}


def cmd_add(args: argparse.Namespace, config: Config) -> int:
    report = _engine(config).add(args.sources, _overrides(args), progress=_progress_printer())
    return _print_report(report, args.json)


def cmd_remove(args: argparse.Namespace, config: Config) -> int:
    return _print_report(_engine(config).remove(args.doc), args.json)


def cmd_meta(args: argparse.Namespace, config: Config) -> int:
    return _print_report(_engine(config).update_metadata(args.doc, **_overrides(args)), args.json)


def cmd_reindex(args: argparse.Namespace, config: Config) -> int:
    return _print_report(_engine(config).reindex(progress=_progress_printer()), args.json)


def cmd_list(args: argparse.Namespace, config: Config) -> int:
    from kb.documents.metadata import find_references

    docs = _engine(config).documents()
    loaded = {d.meta.doc_number for d in docs}
    rows = []
    for doc in docs:
        m = doc.meta
        missing = [f"{title}（{number}）" for title, number in find_references(doc.text) if number not in loaded]
        rows.append({"doc_id": m.doc_id, "doc": m.citation_name, "title": m.title, "issuer": m.issuer, "date": m.date,
                     "level": m.level, "implements": list(m.implements), "clauses": len(doc.clauses),
                     "structured": m.structured, "references_not_loaded": missing, "source": m.source})
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("no documents indexed; run `kb ingest` or `kb add FILE|URL`")
    for row in rows:
        print(f"{row['doc']}  {row['title']}  [{row['doc_id']}]")
        print(f"    {row['issuer']} {row['date']} {row['level']}; {row['clauses']} clauses"
              + (f"; implements {'、'.join(row['implements'])}" if row["implements"] else ""))
        for ref in row["references_not_loaded"]:
            print(f"    references {ref}, not loaded (add it with `kb add FILE|URL`)")
    return 0


def cmd_crosswalk(args: argparse.Namespace, config: Config) -> int:
    links = _engine(config).crosswalk(args.local, args.national)
    if args.json:
        _print_json([link.__dict__ for link in links])
        return 0
    for link in links:
        print(f"{link.local_clause}\t{link.local_heading}\t→ {link.national_doc} {link.national_clause}\t"
              f"{link.national_heading}\t[{link.score:.2f}]")
    return 0


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    report = _engine(config).check(repair=args.repair, progress=_progress_printer())
    if args.json:
        _print_json({**report.__dict__, "consistent": report.consistent})
    else:
        print("consistent" if report.consistent else
              f"stale files {report.stale_files}, orphan documents {report.orphan_documents}, "
              f"missing vectors {report.missing_vectors}, orphan vectors {report.orphan_vectors}, "
              f"BM25 stale {report.bm25_stale}" + (" — repaired" if report.repaired else
                                                     " — run `kb check --repair`"))
        for reason in report.unreadable_files:
            print(f"unreadable: {reason}", file=sys.stderr)
    return 0 if report.consistent or report.repaired else 1


def cmd_outline(args: argparse.Namespace, config: Config) -> int:
    doc = _engine(config).document(args.doc)
    if args.json:
        _print_json({"doc": doc.meta.citation_name, "doc_id": doc.meta.doc_id, "title": doc.meta.title,
                     "clauses": [{"label": c.label, "heading": c.heading, "level": c.level, "text": c.text}
                                 for c in doc.clauses]})
        return 0
    print(f"{doc.meta.title}  {doc.meta.doc_number}  ({doc.meta.doc_id})")
    for clause in doc.clauses:
        indent = "  " * max(clause.level - 1, 0)
        print(f"{indent}{clause.label}\t{clause.heading or clause.text[:30]}")
    return 0


def cmd_search(args: argparse.Namespace, config: Config) -> int:
    hits = _engine(config).search(args.question, mode=args.mode, top_k=args.top_k, docs=args.doc or (), levels=args.level or ())
    if args.json:
        _print_json({"question": args.question, "mode": args.mode, "hits": [
            {**hit_json(h), "text": h.text, "best_sentence": h.best_sentence, "scores": h.scores} for h in hits]})
        return 0
    for rank, hit in enumerate(hits, 1):
        print(f"{rank}. {hit.citation_name} {hit.clause_label} {hit.heading}  [{hit.score:.4f}]")
        print(f"   {hit.best_sentence}")
    return 0


def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    engine = _engine(config)
    if args.batch:
        return _ask_batch(engine, Path(args.batch), args)
    if not args.question:
        raise KbError("give a question, or --batch FILE.jsonl")
    answer = engine.ask(args.question, mode=args.mode, top_k=args.top_k, docs=args.doc or (), levels=args.level or (),
                        use_llm=args.use_llm)
    if args.json:
        _print_json(answer_json(answer))
        return 0
    print(answer.text)
    if answer.citations:
        print("\n依据：")
        for c in answer.citations:
            print(f"  〔{c.doc} {c.clause}〕{c.heading}")
    return 0


def _ask_batch(engine, path: Path, args: argparse.Namespace) -> int:
    if not path.is_file():
        raise KbError(f"batch file not found: {path}")
    failures = 0
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question, item_id = item["question"], item.get("id", number)
        except (json.JSONDecodeError, KeyError, TypeError):
            _print_json({"id": number, "error": f"line {number} is not an object with a \"question\""})
            failures += 1
            continue
        try:
            answer = engine.ask(question, mode=args.mode, top_k=args.top_k, docs=args.doc or (),
                                levels=args.level or (), use_llm=args.use_llm)
            _print_json({"id": item_id, **answer_json(answer)})
        except KbError as exc:
            _print_json({"id": item_id, "question": question, "error": str(exc)})
            failures += 1
    return 1 if failures else 0


DEFAULT_THRESHOLDS = "hit@5:pipeline>=0.98,first-citation accuracy:pipeline>=0.93,fact accuracy:pipeline>=0.95"


def parse_thresholds(spec: str):
    """'metric:column>=value,metric:column<=value' -> Threshold list."""
    from kb.evaluation.evaluate import Threshold

    thresholds = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        match = re.fullmatch(r"(.+):(\w+)\s*(>=|<=)\s*([\d.]+)", part)
        if not match:
            raise KbError(f"threshold {part!r} must look like 'hit@5:hybrid>=0.98'")
        metric, column, op, value = match.groups()
        bound = float(value)
        thresholds.append(Threshold(metric, column, bound if op == ">=" else None, bound if op == "<=" else None))
    return thresholds


def cmd_eval(args: argparse.Namespace, config: Config) -> int:
    from kb.evaluation.evaluate import PIPELINE, load_questions, markdown_table, run_questions, spread_subset, write_report

    questions = load_questions(Path(args.file))
    if args.split != "all":
        questions = [q for q in questions if q.split == args.split]
    questions = spread_subset(questions, args.limit)
    thresholds = parse_thresholds(args.thresholds)
    engine = _engine(config)
    printer = _progress_printer()
    results = run_questions(engine, questions, progress=lambda done, total: printer("eval", done, total))
    tables, report = write_report(results, Path(args.out))
    for name, table in tables.items():
        print(f"\n## {name}\n" + markdown_table(table, [*RetrievalMode, PIPELINE]))
    failed = [r for r in results if r.failures]
    print(f"\nfailures ({len(failed)}):")
    for r in failed:
        print(f"  {r.question.id} [{r.question.kind}] {r.question.question} — {'; '.join(r.failures)}")
    print(f"\nreport: {report}  chart: {report.parent / 'chart.png'}")
    broken = [msg for t in thresholds if (msg := t.check(tables["all"]))]
    for msg in broken:
        print(f"below threshold: {msg}", file=sys.stderr)
    return 1 if broken else 0


def cmd_requirements(args: argparse.Namespace, config: Config) -> int:
    from kb.analysis.extract import Requirement, requirements
    from kb.analysis.tables import render

    docs = _engine(config).documents()
    rows = requirements(docs, industry=args.industry, obligation=args.type)
    render(rows, args.format, Path(args.output) if args.output else None, row_type=Requirement)
    return 0


def cmd_targets(args: argparse.Namespace, config: Config) -> int:
    from kb.analysis.extract import Target, targets
    from kb.analysis.tables import render

    render(targets(_engine(config).documents()), args.format, Path(args.output) if args.output else None,
           row_type=Target)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="policy-kb: clause-true Q&A over policy documents")
    parser.add_argument("--config", type=Path, help="TOML config file (default: ./kb.toml if present)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index new and changed corpus documents (incremental, idempotent)")
    p.add_argument("paths", nargs="*", help="corpus files to (re)index; default: the whole corpus directory")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_ingest)

    def metadata_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--title")
        p.add_argument("--doc-number", dest="doc_number", help="文号, e.g. 国发〔2021〕4号")
        p.add_argument("--issuer")
        p.add_argument("--date", help="YYYY-MM-DD")
        p.add_argument("--level", type=Level, choices=tuple(Level))
        p.add_argument("--implements", help="文号 of the document(s) it implements, comma-separated")
        p.add_argument("--json", action="store_true")

    p = sub.add_parser("add", help="add files, directories or URLs to the corpus and index them")
    p.add_argument("sources", nargs="+", help=".txt .md .docx .pdf .html files, directories, or http(s) URLs")
    metadata_options(p)
    p.set_defaults(handler=cmd_add)

    p = sub.add_parser("remove", help="remove a document from the corpus and every index")
    p.add_argument("doc", help="文号 or short id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_remove)

    p = sub.add_parser("meta", help="correct a document's detected metadata")
    p.add_argument("doc", help="文号 or short id")
    metadata_options(p)
    p.set_defaults(handler=cmd_meta)

    p = sub.add_parser("list", help="the documents in the index, with metadata and unloaded references")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("reindex", help="re-parse and re-embed the whole corpus")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_reindex)

    p = sub.add_parser("crosswalk", help="which local clause implements which national clause")
    p.add_argument("local", nargs="?", help="implementation document (文号 or id); default: every loaded pair")
    p.add_argument("national", nargs="?", help="national document (文号 or id)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_crosswalk)

    p = sub.add_parser("check", help="verify that corpus, manifest, vectors and BM25 agree")
    p.add_argument("--repair", action="store_true", help="make them agree")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("outline", help="the clause tree of a document in document order")
    p.add_argument("doc", help="文号 (e.g. 渝府发〔2021〕31号) or short id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_outline)

    for name, handler, helptext in (("search", cmd_search, "ranked clauses for a question"),
                                    ("ask", cmd_ask, "answer a question with clause citations")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("question", nargs="?" if name == "ask" else None, default="")
        p.add_argument("--mode", default=RetrievalMode.HYBRID, type=RetrievalMode, choices=tuple(RetrievalMode))
        p.add_argument("--top-k", type=int, default=None)
        p.add_argument("--doc", action="append", help="restrict to a document (repeatable)")
        p.add_argument("--level", action="append", type=Level, choices=tuple(Level),
                       help="restrict to documents of a level (repeatable)")
        p.add_argument("--json", action="store_true")
        if name == "ask":
            p.add_argument("--llm", dest="use_llm", action=argparse.BooleanOptionalAction, default=None,
                           help="word the answer with the configured language model (default: when configured)")
            p.add_argument("--batch", help="JSONL file of {\"id\", \"question\"}; one JSON answer per line")
        p.set_defaults(handler=handler)
    p = sub.add_parser("requirements", help="requirements that apply to an industry, each with its clause")
    p.add_argument("--industry", help="industry name, synonym or free text (我们是做快递包装的)")
    p.add_argument("--type", choices=("binding", "encouraged", "target", "arrangement"))
    p.add_argument("--format", default=ExportFormat.TABLE, type=ExportFormat, choices=tuple(ExportFormat))
    p.add_argument("--output", help="file to write (required for xlsx)")
    p.set_defaults(handler=cmd_requirements)

    p = sub.add_parser("targets", help="every quantitative target with its deadline and clause")
    p.add_argument("--format", default=ExportFormat.TABLE, type=ExportFormat, choices=tuple(ExportFormat))
    p.add_argument("--output", help="file to write (required for xlsx)")
    p.set_defaults(handler=cmd_targets)

    p = sub.add_parser("eval", help="run the question set; report retrieval and answer metrics per mode")
    p.add_argument("file", nargs="?", default="eval/questions.jsonl")
    p.add_argument("--split", default="all", help="dev, heldout or all (default)")
    p.add_argument("--limit", type=int, default=0, help="an evenly spread subset of N questions (fast CI run)")
    p.add_argument("--out", default="eval/out", help="directory for report.md, chart.png, results.json")
    p.add_argument("--thresholds", default=DEFAULT_THRESHOLDS,
                   help="comma-separated 'metric:column>=value'; exit 1 when one is missed ('' for none)")
    p.set_defaults(handler=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
        return args.handler(args, config)
    except KbError as exc:
        print(f"kb: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kb: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
