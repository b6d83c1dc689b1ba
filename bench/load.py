"""The load run: concurrent clients asking distinct questions of `kb serve` on loopback, then the same while
`kb add` ingests documents in another process.

    .venv/bin/python -m bench.load [--seconds 60] [--clients 20] [--out load.json]

It copies the corpus folders into a work folder, ingests them with the real model (`kb ingest`), starts
`kb serve` as a subprocess and runs two phases of `--seconds` each: the clients alone, then the clients while a
loop of `kb add` processes adds generated documents (bench.synth) one after another. Each client is a thread with
its own httpx connection, asking POST /v1/ask in turn for its own share of the questions.

The questions must not repeat within a few hundred requests: the retriever keeps the vectors of the last 256
question texts, and a repeated question would skip its embedding (most of an answer's time). So the default is
the bundled document and the 15 laws of eval/corpus-dev with their 472 questions, each asked in turn.
Reports answers per second, latency p50/p95/p99, errors (anything but HTTP 200; there must be none) and the
server's peak RSS; prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.chroma_server import free_port, wait_for_http
from bench.measure import percentile, process_peak_rss_mb
from bench.synth import write_corpus
from kb.corpus.folder import corpus_files
from kb import OFFLINE_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = (ROOT / "corpus", ROOT / "eval" / "corpus-dev")
DEFAULT_QUESTIONS = (ROOT / "eval" / "questions.jsonl", ROOT / "eval" / "questions_laws.jsonl")
SERVER_START_TIMEOUT_S = 600  # loading the model on a busy machine
REQUEST_TIMEOUT_S = 120
WARM_UP_REQUESTS = 20
GENERATED_DOCUMENTS = 50  # more than a phase can add


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)  # answered / not_found
    errors: list[str] = field(default_factory=list)
    server_peak_rss_mb: float = 0.0
    documents_added: int = 0

    def summary(self) -> dict[str, object]:
        answers = len(self.latencies_ms)
        return {"phase": self.name, "seconds": round(self.seconds, 1), "answers": answers,
                "answers_per_s": round(answers / self.seconds, 2) if self.seconds else 0.0,
                **{f"p{q}_ms": round(percentile(self.latencies_ms, q / 100), 1) if answers else None
                   for q in (50, 95, 99)},
                "errors": len(self.errors), "first_errors": self.errors[:3], "statuses": self.statuses,
                "server_peak_rss_mb": round(self.server_peak_rss_mb), "documents_added": self.documents_added}


def distinct_questions(paths: list[Path]) -> list[str]:
    questions: dict[str, None] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.setdefault(json.loads(line)["question"], None)
    return list(questions)


def prepare_corpus(folders: list[Path], target: Path) -> None:
    target.mkdir(parents=True)
    for folder in folders:
        for path in corpus_files(folder):
            if path.name.lower() != "readme.md":
                shutil.copy(path, target / path.name)
    manifest = ROOT / "corpus" / "manifest.json"  # the bundled document's corrected metadata
    if any(folder.resolve() == manifest.parent for folder in folders):
        shutil.copy(manifest, target / "manifest.json")


def kb_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kb.cli", *args]


def ask_in_turn(url: str, questions: list[str], start: int, stop_at: float, phase: Phase, lock: threading.Lock) -> None:
    """One client: its questions in turn from `start` on, one request at a time, until `stop_at`."""
    position = start
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
        while time.monotonic() < stop_at:
            question = questions[position % len(questions)]
            position += 1
            started = time.perf_counter()
            try:
                response = client.post("/v1/ask", json={"question": question})
                elapsed_ms = (time.perf_counter() - started) * 1000
                error = "" if response.status_code == 200 else f"HTTP {response.status_code}: {response.text[:200]}"
                status = response.json().get("status", "") if not error else ""
            except httpx.HTTPError as exc:
                elapsed_ms, error, status = 0.0, f"{type(exc).__name__}: {exc}", ""
            with lock:
                if error:
                    phase.errors.append(error)
                else:
                    phase.latencies_ms.append(elapsed_ms)
                    phase.statuses[status] = phase.statuses.get(status, 0) + 1


def run_phase(name: str, url: str, questions: list[str], clients: int, seconds: float, server_pid: int) -> Phase:
    phase, lock = Phase(name), threading.Lock()
    stop_at = time.monotonic() + seconds
    # Clients start spread over the question list, so at any moment they ask different questions.
    threads = [threading.Thread(target=ask_in_turn, args=(url, questions, i * len(questions) // clients, stop_at,
                                                          phase, lock)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    phase.server_peak_rss_mb = process_peak_rss_mb(server_pid)
    return phase


def add_documents_until(stop: threading.Event, incoming: Path, env: dict[str, str], log: Path,
                        added: list[str]) -> None:
    """`kb add` one generated document after another, each in its own process, until `stop` is set."""
    with open(log, "ab") as out:
        for path in sorted(incoming.glob("gen-*.txt")):
            if stop.is_set():
                return
            done = subprocess.run(kb_command("add", str(path)), env=env, stdout=out, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                raise RuntimeError(f"kb add {path.name} failed (exit {done.returncode}); see {log}")
            added.append(path.name)


def format_table(phases: list[dict[str, object]]) -> str:
    header = ("| phase | answers | answers/s | p50 ms | p95 ms | p99 ms | errors | server peak RSS "
              "| documents added |\n|---|---|---|---|---|---|---|---|---|")
    rows = [f"| {p['phase']} | {p['answers']} | {p['answers_per_s']} | {p['p50_ms']} | {p['p95_ms']} | {p['p99_ms']} "
            f"| {p['errors']} | {p['server_peak_rss_mb']} MB | {p['documents_added']} |" for p in phases]
    return "\n".join([header, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of each phase")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--corpus", action="append", type=Path, help="corpus folders (default: corpus, "
                                                                     "eval/corpus-dev)")
    parser.add_argument("--questions", action="append", type=Path,
                        help="question files (default: eval/questions.jsonl, eval/questions_laws.jsonl)")
    parser.add_argument("--model", help="embedding model (default: the configured one)")
    parser.add_argument("--work", type=Path, help="work folder, kept and reused by the next run with it "
                                                  "(default: a temporary one, removed afterwards)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON")
    args = parser.parse_args()

    questions = distinct_questions(args.questions or list(DEFAULT_QUESTIONS))
    work = args.work or Path(tempfile.mkdtemp(prefix="kb-load-"))
    if not (work / "corpus").exists():  # a work folder of an earlier run keeps its corpus and index
        prepare_corpus(args.corpus or list(DEFAULT_CORPORA), work / "corpus")
    write_corpus(work / "incoming", GENERATED_DOCUMENTS)
    env = {**os.environ, "KB_CORPUS_DIR": str(work / "corpus"), "KB_DATA_DIR": str(work / "data"),
           **OFFLINE_ENVIRONMENT}
    env.pop("KB_API_KEYS", None)  # loopback without keys: reads are open
    if args.model:
        env["KB_MODEL"] = args.model
    log = work / "load.log"
    print(f"work folder {work}; {len(questions)} distinct questions; ingesting …", flush=True)
    with open(log, "ab") as out:
        subprocess.run(kb_command("ingest"), env=env, stdout=out, stderr=subprocess.STDOUT, check=True)
    port = free_port()
    with open(work / "serve.log", "ab") as out:
        server = subprocess.Popen(kb_command("serve", "--port", str(port)), env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        started_s = wait_for_http(f"{url}/healthz", server, SERVER_START_TIMEOUT_S)
        print(f"kb serve answered after {started_s:.1f} s; warming up", flush=True)
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
            for question in questions[-WARM_UP_REQUESTS:]:
                client.post("/v1/ask", json={"question": question}).raise_for_status()
        print(f"phase 1: {args.clients} clients for {args.seconds:g} s", flush=True)
        alone = run_phase("readers alone", url, questions, args.clients, args.seconds, server.pid)
        print("phase 2: the same while `kb add` runs in another process", flush=True)
        stop, added = threading.Event(), []
        adder = threading.Thread(target=add_documents_until, args=(stop, work / "incoming", env, log, added))
        adder.start()
        with_ingest = run_phase("readers during `kb add`", url, questions, args.clients, args.seconds, server.pid)
        with_ingest.documents_added = len(added)  # finished within the phase
        stop.set()
        adder.join()
        generation = httpx.get(f"{url}/healthz").json()["generation"]
    finally:
        server.terminate()
        server.wait(timeout=60)
    phases = [alone.summary(), with_ingest.summary()]
    print("\n" + format_table(phases))
    print(f"\nindex generation at the end: {generation}; logs in {work}")
    if args.out:
        args.out.write_text(json.dumps({"clients": args.clients, "questions": len(questions), "phases": phases,
                                        "generation": generation}, ensure_ascii=False, indent=2), encoding="utf-8")
    if any(p["errors"] for p in phases):
        sys.exit(1)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
