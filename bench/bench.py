"""Performance and scale benchmark: generated corpora at several sizes, each measured in its own process, an
embedded-versus-server Chroma comparison, the app's cold start, and the targets marked met / missed.

    .venv/bin/python -m bench.bench                      # 10, 100, 1000 documents, real model, server, app
    .venv/bin/python -m bench.bench --size smallest --model hashing --no-server --no-app   # CI, a few seconds

Sizes above --real-up-to documents embed passages with a hashing proxy of the model's dimension and extrapolate
the real-model ingest from the raw encoder throughput measured in that run (see bench/size_run.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench.size_run import SizeSpec
from kb.config import Config
from kb.embedding.embedder import DEFAULT_MODEL, HASHING_MODEL

SMALLEST = 2  # documents in the CI size
TARGET_SENTENCES = 100_000

Run = dict[str, float | str]


@dataclass(frozen=True)
class TargetCheck:
    target: str
    measured: str
    verdict: str  # "met" | "missed" | "not measured"


def parse_sizes(text: str) -> list[int]:
    return [SMALLEST if part.strip() == "smallest" else int(part) for part in text.split(",")]


def run_size(spec: SizeSpec) -> Run:
    """Measure one size in a child process, so that its peak RSS is its own."""
    proc = subprocess.run([sys.executable, "-m", "bench.size_run", json.dumps(asdict(spec))],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    if proc.returncode != 0:
        raise RuntimeError(f"size {spec.documents} ({spec.backend}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["results"]


def _verdict(value: float, limit: float, at_least: bool) -> str:
    return "met" if (value >= limit if at_least else value < limit) else "missed"


def check_targets(runs: list[Run], apps: list[dict[str, float]]) -> list[TargetCheck]:
    embedded = [r for r in runs if r["backend"] == "embedded"]
    # The encoder ratio means something only for a real model embedding every passage.
    real = [r for r in embedded if r["passages"] == "model" and r["model"] != HASHING_MODEL]
    checks = []
    if real:
        largest = max(real, key=lambda r: r["documents"])
        ratio = largest["ingest / raw encoder"]
        checks.append(TargetCheck("ingest >= 80% of raw encoder throughput",
                                  f"{100 * ratio:.0f}% at {largest['documents']} docs", _verdict(ratio, 0.8, True)))
    else:
        checks.append(TargetCheck("ingest >= 80% of raw encoder throughput", "-", "not measured"))
    thousand = [r for r in embedded if r["documents"] >= 1000]
    if thousand:
        share = thousand[0]["re-ingest % of full"]
        checks.append(TargetCheck("re-ingest unchanged 1,000 docs < 5% of full",
                                  f"{share:.2g}%", _verdict(share, 5.0, False)))
    else:
        checks.append(TargetCheck("re-ingest unchanged 1,000 docs < 5% of full", "-", "not measured"))
    large = [r for r in embedded if r["sentences"] >= TARGET_SENTENCES]
    for key, limit in (("hybrid p95 ms", 150.0), ("answer p95 ms", 300.0)):
        name = f"{key.split()[0]} p95 < {limit:.0f} ms at 100k sentences"
        if large:
            value = large[0][key]
            checks.append(TargetCheck(name, f"{value:.0f} ms at {large[0]['sentences']} sentences",
                                      _verdict(value, limit, False)))
        else:
            checks.append(TargetCheck(name, "-", "not measured"))
    if apps:
        # Judged on the largest index: memory grows with it, and so does the snapshot loaded at start.
        app = max(apps, key=lambda a: a["index documents"])
        at = f" at {app['index documents']:.0f} docs"
        checks.append(TargetCheck("app peak RSS < 1.5 GB", f"{app['peak_rss_mb']:.0f} MB{at}",
                                  _verdict(app["peak_rss_mb"], 1536.0, False)))
        checks.append(TargetCheck("app cold start to first answer < 30 s", f"{app['first_answer_s']:.1f} s{at}",
                                  _verdict(app["first_answer_s"], 30.0, False)))
    else:
        checks.append(TargetCheck("app peak RSS < 1.5 GB", "-", "not measured"))
        checks.append(TargetCheck("app cold start to first answer < 30 s", "-", "not measured"))
    return checks


def _cell(value: float | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def format_table(runs: list[Run], apps: list[dict[str, float]], checks: list[TargetCheck]) -> str:
    metrics = list(dict.fromkeys(k for run in runs for k in run))
    header = [f"{int(r['documents'])} docs {r['backend']}{' proxy' if r['passages'] != 'model' else ''}"
              for r in runs]
    width = max(len(m) for m in metrics) + 2
    column = max(len(h) for h in header) + 2
    lines = ["".join([f"{'':<{width}}", *(f"{h:>{column}}" for h in header)])]
    lines += ["".join([f"{m:<{width}}", *(f"{_cell(r.get(m)):>{column}}" for r in runs)]) for m in metrics]
    if apps:
        keys = list(apps[0])
        lines += ["", "app (streamlit + headless Chromium)",
                  "".join(f"{key.replace('_', ' '):>20}" for key in keys)]
        lines += ["".join(f"{_cell(app[key]):>20}" for key in keys) for app in apps]
    lines.append("")
    lines += [f"[{c.verdict:^12}] {c.target}: {c.measured}" for c in checks]
    return "\n".join(lines)


def plan(sizes: list[int], base: SizeSpec, work: Path, real_up_to: int, server: bool) -> list[SizeSpec]:
    """The runs: each size embedded (real model up to `real_up_to` documents, proxy above); with `server`, each
    size also with proxy passages on both an embedded store and a Chroma server, so only the store differs."""
    specs = []
    for documents in sizes:
        proxy = documents > real_up_to
        specs.append(replace(base, documents=documents, work_dir=str(work / f"{documents}-embedded"),
                             proxy_passages=proxy))
        if server:
            if not proxy:
                specs.append(replace(base, documents=documents, work_dir=str(work / f"{documents}-embedded-proxy"),
                                     proxy_passages=True))
            specs.append(replace(base, documents=documents, work_dir=str(work / f"{documents}-server"),
                                 proxy_passages=True, backend="server"))
    return specs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10,100,1000", help="documents per size, comma-separated, or 'smallest'")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--cache", type=Path, default=Config().model_cache)
    parser.add_argument("--real-up-to", type=int, default=100, help="largest size embedded with the real model")
    parser.add_argument("--encoder-sample", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=40, help="distinct questions timed per query mode")
    parser.add_argument("--no-server", action="store_true", help="skip the Chroma server comparison")
    parser.add_argument("--no-app", action="store_true", help="skip the app cold start")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        base = SizeSpec(documents=0, model=args.model, model_cache=str(args.cache), work_dir="",
                        encoder_sample=args.encoder_sample, questions_per_mode=args.questions)
        sizes = parse_sizes(args.size)
        runs: list[Run] = []
        for spec in plan(sizes, base, Path(tmp), args.real_up_to, not args.no_server):
            print(f"measuring {spec.documents} documents ({spec.backend}, "
                  f"{'proxy' if spec.proxy_passages else 'real'} passages)...", file=sys.stderr, flush=True)
            runs.append(run_size(spec))
            print(json.dumps(runs[-1], ensure_ascii=False), file=sys.stderr, flush=True)  # kept if later sizes fail
        apps: list[dict[str, float]] = []
        if not args.no_app and args.model != HASHING_MODEL:
            from bench.app_start import measure_app

            for documents in sizes:  # on each size's embedded index (proxy passages are searched the same way)
                work = Path(tmp) / f"{documents}-embedded"
                print(f"measuring the app on {documents} documents...", file=sys.stderr, flush=True)
                apps.append({"index documents": documents,
                             **asdict(measure_app(work / "data", work / "corpus", args.model, args.cache,
                                                  Path(tmp) / "app.log"))})
    checks = check_targets(runs, apps)
    print(format_table(runs, apps, checks))
    if args.out:
        args.out.write_text(json.dumps({"runs": runs, "apps": apps, "targets": [asdict(c) for c in checks]},
                                       ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
