"""The `kb` command line: a contract other tools rely on. Errors are one-line messages, never tracebacks."""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import fields
from pathlib import Path
from typing import Callable, Sequence


from kb.config import Config, load_config  # noqa: E402
from kb.errors import KbError, preview  # noqa: E402
from kb.evaluation.questions import DEFAULT_QUESTION_FILES  # noqa: E402
from kb.schema import EDITABLE_FIELDS, DocMeta, ExportFormat, Level, ObligationType, RetrievalMode  # noqa: E402
from kb.serialize import answer_json, document_json, outline_json, report_json, search_json  # noqa: E402

Handler = Callable[[argparse.Namespace, Config], int]


def _engine(config: Config):
    from kb.engine import PolicyKb  # lazy: keeps `kb --help` fast

    return PolicyKb(config, on_model_load=lambda msg: print(msg, file=sys.stderr, flush=True),
                    on_wait=lambda msg: print(msg, file=sys.stderr, flush=True))


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


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
    if as_json:
        _print_json(report_json(report))
    else:
        print(f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
              f"removed {len(report.removed)} document(s); embedded {report.chunks_embedded} chunk(s), "
              f"reused {report.chunks_reused}")
        for doc_id in report.unstructured:
            print(f"note: {doc_id} has no clause numbering; it was indexed by paragraphs (段1, 段2, …)")
        for backup in report.backups:
            doc_id, _, folder = backup.partition(": ")
            print(f"note: the replaced version of {doc_id} is kept in {folder}; `kb restore {doc_id}` brings it back")
        for reason in report.skipped:
            print(f"skipped: {reason}", file=sys.stderr)
    return 1 if report.skipped else 0


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    report = _engine(config).ingest([Path(p) for p in args.paths], progress=_progress_printer())
    return _print_report(report, args.json)


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    return {f: getattr(args, f) for f in EDITABLE_FIELDS if getattr(args, f, None)}


def cmd_add(args: argparse.Namespace, config: Config) -> int:
    report = _engine(config).add(args.sources, _overrides(args), progress=_progress_printer(), replace=args.replace)
    return _print_report(report, args.json)


def cmd_restore(args: argparse.Namespace, config: Config) -> int:
    return _print_report(_engine(config).restore(args.doc, progress=_progress_printer()), args.json)


def cmd_remove(args: argparse.Namespace, config: Config) -> int:
    return _print_report(_engine(config).remove(args.doc), args.json)


def cmd_meta(args: argparse.Namespace, config: Config) -> int:
    return _print_report(_engine(config).update_metadata(args.doc, **_overrides(args)), args.json)


def cmd_reindex(args: argparse.Namespace, config: Config) -> int:
    return _print_report(_engine(config).reindex(progress=_progress_printer()), args.json)


def cmd_list(args: argparse.Namespace, config: Config) -> int:
    engine = _engine(config)
    rows = [document_json(doc, engine.unloaded_references(doc)) for doc in engine.documents()]
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
        _print_json({**report.__dict__, "consistent": report.consistent, "problems": report.problems()})
    else:
        print("consistent" if report.consistent else "\n".join(report.problems()))
        if report.repaired:
            for moved in report.set_aside:
                print(f"set aside: {moved}")
            print("repaired" if not report.remaining else "still wrong after repair:\n" + "\n".join(report.remaining))
        elif not report.consistent:
            print("run `kb check --repair` to rebuild what is damaged or missing from the corpus")
        for reason in report.unreadable_files:
            print(f"unreadable: {reason}", file=sys.stderr)
    return 0 if report.consistent or (report.repaired and not report.remaining) else 1


def cmd_outline(args: argparse.Namespace, config: Config) -> int:
    doc = _engine(config).document(args.doc)
    if args.json:
        _print_json(outline_json(doc))
        return 0
    meta = doc.meta
    print(f"{meta.citation_name}  {meta.title}  ({meta.doc_id})")
    dates = [f"{word} {date}" for word, date in (("通过", meta.adopted), ("公布", meta.promulgated),
                                                  ("施行", meta.effective)) if date] or ([meta.date] if meta.date else [])
    facts = [meta.issuer, meta.force, meta.level, *dates]
    if any(facts):
        print("  " + " · ".join(fact for fact in facts if fact))
    for amendment in meta.amendments:
        print(f"  {amendment.date} {amendment.kind} {amendment.by}")
    for line in meta.info_lines:  # the header lines as written: document information, not clauses
        print(f"  | {line}")
    for clause in doc.clauses:
        indent = "  " * max(clause.level - 1, 0)
        print(f"{indent}{clause.label}\t{clause.heading or ' '.join(clause.text.split())[:30]}")  # one line each
    return 0


def cmd_nodes(args: argparse.Namespace, config: Config) -> int:
    from kb.integrations.llama_index_nodes import corpus_nodes  # lazy: llama-index loads slowly

    lines = [json.dumps(n.to_dict(), ensure_ascii=False) + "\n" for n in corpus_nodes(_engine(config), args.doc or ())]
    if not args.output:
        sys.stdout.writelines(lines)
        return 0
    try:
        Path(args.output).write_text("".join(lines), encoding="utf-8")
    except OSError as exc:
        raise KbError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote {len(lines)} nodes to {args.output}", file=sys.stderr)
    return 0


def cmd_search(args: argparse.Namespace, config: Config) -> int:
    hits = _engine(config).search(args.question, mode=args.mode, top_k=args.top_k, docs=args.doc or (), levels=args.level or ())
    if args.json:
        _print_json(search_json(args.question, args.mode, hits))
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
        for doc, clause, heading in dict.fromkeys((c.doc, c.clause, c.heading) for c in answer.citations):
            print(f"  〔{doc} {clause}〕{heading}")  # a clause quoted twice is listed once
    for notice in answer.notices:
        print(f"note: {notice}", file=sys.stderr)
    return 0


def _batch_object(raw: bytes, number: int) -> dict:
    """One batch line as a JSON object, or a KbError that names the line."""
    try:
        item = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
    except UnicodeDecodeError:
        raise KbError(f"line {number} is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise KbError(f"line {number} is not JSON ({exc.msg})") from None
    if not isinstance(item, dict):
        raise KbError(f"line {number} is not an object like {{\"id\": 1, \"question\": \"…\"}}")
    return item


def _batch_id(item: dict, number: int) -> object:
    """The line's id (a text or a number), else its line number; a text id is bounded like any echoed input."""
    item_id = item.get("id", number)
    if isinstance(item_id, str):
        return preview(item_id, 100)
    return item_id if isinstance(item_id, int) and not isinstance(item_id, bool) else number


def _batch_question(item: dict, number: int) -> str:
    question = item.get("question")
    if question is None:
        raise KbError(f"line {number} has no \"question\"")
    if not isinstance(question, str):
        raise KbError(f"line {number}: \"question\" must be text, got {type(question).__name__}")
    return question


def _ask_batch(engine, path: Path, args: argparse.Namespace) -> int:
    """One JSON line out per question line in; a bad line or question gets an error line and the batch goes on."""
    if not path.is_file():
        raise KbError(f"batch file not found: {path}")
    failures = 0
    for number, raw in enumerate(path.read_bytes().splitlines(), 1):
        if not raw.strip():
            continue
        item_id: object = number
        question = ""
        try:
            item = _batch_object(raw, number)
            item_id = _batch_id(item, number)
            question = _batch_question(item, number)
            answer = engine.ask(question, mode=args.mode, top_k=args.top_k, docs=args.doc or (),
                                levels=args.level or (), use_llm=args.use_llm)
            _print_json({"id": item_id, **answer_json(answer)})
        except KbError as exc:
            _print_json({"id": item_id, **({"question": preview(question)} if question else {}), "error": str(exc)})
            failures += 1
    return 1 if failures else 0


# The targets of issue #13 on the held-out split of all question files with the whole development corpus loaded.
DEFAULT_THRESHOLDS = ("hit@5:pipeline>=0.95,first-citation accuracy:pipeline>=0.90,fact accuracy:pipeline>=0.90,"
                      "refusal accuracy:pipeline>=0.95,false-refusal rate:pipeline<=0.03")


def parse_thresholds(spec: str):
    """'metric:column>=value,metric:column<=value' -> Threshold list."""
    from kb.evaluation.report import Threshold

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
    from kb.evaluation.report import COLUMNS, comparison_text, group_table, markdown_table
    from kb.evaluation.run import run_evaluation

    thresholds = parse_thresholds(args.thresholds)
    printer = _progress_printer()
    evaluation = run_evaluation(
        _engine(config), [Path(f) for f in args.files], out_dir=Path(args.out), limit=args.limit, split=args.split,
        corpora=[Path(c) for c in args.corpus or ()], alone=Path(args.alone) if args.alone else None,
        progress=lambda done, total: printer("eval", done, total))
    report = evaluation.report
    for name, table in report.splits.items():
        print(f"\n## {name}\n" + markdown_table(table, COLUMNS))
    shown = "heldout" if "heldout" in report.splits else "all"
    print(f"\n## {shown}: per document\n" + group_table(report.by_document[shown], "document"))
    print(f"\n## {shown}: per kind\n" + group_table(report.by_kind[shown], "kind"))
    if report.comparison:
        print(f"\n## mixed versus alone: {report.comparison.label}\n" + comparison_text(report.comparison))
    if evaluation.skipped:
        print(f"\nskipped {len(evaluation.skipped)} question(s) about documents that are not loaded "
              f"(load them with `kb add`, or pass --corpus)")
    failed = [r for r in evaluation.results if r.failures]
    print(f"\nfailures ({len(failed)}):")
    for r in failed:
        print(f"  {r.question.id} [{r.question.kind}] {r.question.question} — {'; '.join(r.failures)}")
    print(f"\nreport: {report.path}  chart: {report.path.parent / 'chart.png'}")
    broken = [msg for t in thresholds if (msg := t.check(report.splits[shown]))]
    for msg in broken:
        print(f"below threshold ({shown}): {msg}", file=sys.stderr)
    return 1 if broken else 0


def cmd_requirements(args: argparse.Namespace, config: Config) -> int:
    from kb.analysis.requirements import Requirement, requirements
    from kb.analysis.tables import render

    docs = _engine(config).documents()
    rows = requirements(docs, industry=args.industry, obligation=args.type)
    render(rows, args.format, Path(args.output) if args.output else None, row_type=Requirement)
    return 0


def cmd_targets(args: argparse.Namespace, config: Config) -> int:
    from kb.analysis.tables import render
    from kb.analysis.targets import Target, targets

    render(targets(_engine(config).documents()), args.format, Path(args.output) if args.output else None,
           row_type=Target)
    return 0


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from kb.api.server import serve  # lazy: FastAPI and uvicorn only for the server

    serve(config, args.host, args.port)
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
        for spec in fields(DocMeta):
            if "editable" in spec.metadata:  # kb.schema.EDITABLE_FIELDS, with their help
                p.add_argument(f"--{spec.name.replace('_', '-')}", dest=spec.name, help=spec.metadata["help"] or None,
                               **({"type": Level, "choices": tuple(Level)} if spec.name == "level" else {}))
        p.add_argument("--json", action="store_true")

    p = sub.add_parser("add", help="add files, directories or URLs to the corpus and index them")
    p.add_argument("sources", nargs="+", help=".txt .md .docx .pdf .html files, directories, or http(s) URLs")
    metadata_options(p)
    p.add_argument("--replace", action="store_true",
                   help="replace the loaded document with the same 文号 (or title); its version is kept as a backup")
    p.set_defaults(handler=cmd_add)

    p = sub.add_parser("restore", help="put back the version of a document that `kb add --replace` replaced")
    p.add_argument("doc", help="short id, or 文号 / title of the loaded document")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_restore)

    p = sub.add_parser("remove", help="remove a document from the corpus and every index")
    p.add_argument("doc", help="文号, short id, title, or the name of a file in the corpus folder")
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

    p = sub.add_parser("nodes", help="every clause and sentence as a llama-index TextNode, one JSON per line")
    p.add_argument("--doc", action="append", help="only this document (repeatable); default: all")
    p.add_argument("--output", help="file to write (default: standard output)")
    p.set_defaults(handler=cmd_nodes)

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
    p.add_argument("--type", type=ObligationType, choices=tuple(ObligationType),
                   help="only sentences of one type (binding: 应当/必须, prohibition: 不得/禁止, penalty: 罚则 …)")
    p.add_argument("--format", default=ExportFormat.TABLE, type=ExportFormat, choices=tuple(ExportFormat))
    p.add_argument("--output", help="file to write (required for xlsx)")
    p.set_defaults(handler=cmd_requirements)

    p = sub.add_parser("targets", help="every quantitative target with its deadline and clause")
    p.add_argument("--format", default=ExportFormat.TABLE, type=ExportFormat, choices=tuple(ExportFormat))
    p.add_argument("--output", help="file to write (required for xlsx)")
    p.set_defaults(handler=cmd_targets)

    p = sub.add_parser("serve", help="the HTTP API (and an OpenAI-compatible chat endpoint) on one process")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on; other than loopback needs api_keys")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("eval", help="run the question set; report retrieval and answer metrics per mode")
    p.add_argument("files", nargs="*", default=[str(path) for path in DEFAULT_QUESTION_FILES],
                   help="question files (default: the bundled document's, the laws' and the off-corpus questions)")
    p.add_argument("--corpus", action="append",
                   help="evaluate on an index of these corpus folders (repeatable; e.g. --corpus corpus "
                        "--corpus eval/corpus-dev) instead of the configured knowledge base")
    p.add_argument("--alone", help="a corpus folder whose documents' questions are also answered with only it "
                                   "loaded: the mixed-versus-alone check (e.g. --alone corpus)")
    p.add_argument("--split", default="all", help="dev, heldout or all (default)")
    p.add_argument("--limit", type=int, default=0, help="an evenly spread subset of N questions (fast CI run)")
    p.add_argument("--out", default="eval/out", help="directory for report.md, chart.png, results.json")
    p.add_argument("--thresholds", default=DEFAULT_THRESHOLDS,
                   help="comma-separated 'metric:column>=value', checked on the held-out split (else all); exit 1 when "
                        "one is missed ('' for none)")
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
