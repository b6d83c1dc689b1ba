"""Benchmark: ingest cost (model materialisation separate), embedding throughput against the raw encoder, and
query latency per retrieval mode and for the full answer pipeline. Prints a table and writes JSON.

    .venv/bin/python bench/bench.py [--copies N] [--model hashing] [--out bench/out.json]

`--copies N` ingests N renamed copies of the bundled document (distinct doc ids, same clause structure), so the
cost of growth can be read off; CI runs it at the smallest size with the hashing embedder so it cannot rot.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from kb.chunk import chunk_document  # noqa: E402
from kb.config import Config  # noqa: E402
from kb.embed import DEFAULT_MODEL, load_embedder  # noqa: E402
from kb.engine import PolicyKb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["到2025年全市森林覆盖率要达到多少？", "新建充电桩的目标是多少", "秸秆能不能烧？", "EOD模式试点",
             "碳达峰碳中和工作领导小组", "快递包装有什么要求", "绿色金融有哪些措施", "农膜回收率"]


def make_corpus(target: Path, copies: int) -> None:
    target.mkdir(parents=True)
    seed = next(p for p in (ROOT / "corpus").iterdir() if p.suffix == ".txt")
    manifest = json.loads((ROOT / "corpus" / "manifest.json").read_text(encoding="utf-8"))["documents"][seed.name]
    entries = {}
    for i in range(copies):
        name = f"copy-{i:05d}.txt"
        shutil.copy(seed, target / name)
        entries[name] = {**manifest, "doc_id": f"cq-2021-31-{i}", "doc_number": f"渝府发〔2021〕{31 + i}号"}
    (target / "manifest.json").write_text(json.dumps({"documents": entries}, ensure_ascii=False), encoding="utf-8")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(copies: int, model: str, cache: Path, rounds: int) -> dict[str, float]:
    results: dict[str, float] = {}
    started = time.perf_counter()
    embedder = load_embedder(model, cache, progress=lambda msg: None)
    results["model load s"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        make_corpus(base / "corpus", copies)
        config = Config(corpus_dir=base / "corpus", data_dir=base / "data", model=model, model_cache=cache)
        engine = PolicyKb(config, embedder=embedder)
        started = time.perf_counter()
        report = engine.ingest()
        results["ingest s"] = time.perf_counter() - started
        results["chunks"] = report.chunks_embedded
        results["ingest chunks/s"] = report.chunks_embedded / results["ingest s"]
        started = time.perf_counter()
        engine.ingest()
        results["re-ingest unchanged s"] = time.perf_counter() - started

        texts = [c.text for doc in engine.documents()[:1] for c in chunk_document(doc)]
        started = time.perf_counter()
        embedder.embed_passages(texts)
        results["raw encoder chunks/s"] = len(texts) / (time.perf_counter() - started)
        results["ingest / raw encoder"] = results["ingest chunks/s"] / results["raw encoder chunks/s"]
        size = sum(f.stat().st_size for f in (base / "data").rglob("*") if f.is_file())
        results["index size MB"] = size / 1e6

        engine.search("预热")
        for mode in ("bm25", "dense", "hybrid"):
            latencies = []
            for _ in range(rounds):
                for q in QUESTIONS:
                    t = time.perf_counter()
                    engine.search(q, mode=mode)
                    latencies.append((time.perf_counter() - t) * 1000)
            results[f"{mode} p50 ms"] = statistics.median(latencies)
            results[f"{mode} p95 ms"] = percentile(latencies, 0.95)
        latencies = []
        for _ in range(rounds):
            for q in QUESTIONS:
                t = time.perf_counter()
                engine.ask(q)
                latencies.append((time.perf_counter() - t) * 1000)
        results["answer p50 ms"] = statistics.median(latencies)
        results["answer p95 ms"] = percentile(latencies, 0.95)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--cache", type=Path, default=Config().model_cache)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    results = run(args.copies, args.model, args.cache, args.rounds)
    width = max(len(k) for k in results)
    print(f"policy-kb benchmark: {args.copies} document(s), model {args.model}")
    for key, value in results.items():
        print(f"{key:<{width}}  {value:>10.2f}")
    if args.out:
        args.out.write_text(json.dumps({"copies": args.copies, "model": args.model, **results}, indent=1))


if __name__ == "__main__":
    main()
