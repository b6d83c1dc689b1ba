"""Probe the vector store in a child process, for `kb check`: damaged HNSW files can crash the process that loads
them (SIGSEGV), so the checking process never loads them itself.

The child reads a JSON request on stdin (where the store is, which collection, the chunk ids the index state
refers to), compares the stored ids with them, reads a sample of vectors back and runs one nearest-neighbour
query, and prints a JSON report on stdout. A child that dies on a signal is itself the finding.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kb.errors import KbError
from kb.store.chroma_access import VectorStoreUnreachable

SAMPLE = 20  # vectors read back, checked and searched for
PROBE_TIMEOUT_S = 600  # listing the ids of a 200,000-chunk store takes seconds; a hang is a finding too


@dataclass
class ProbeReport:
    damage: str = ""  # why the vector index cannot be used, "" when it can
    unreachable: str = ""  # the store did not answer (a server down): nothing is known about its contents
    missing: list[str] = field(default_factory=list)  # chunk ids without a vector
    orphans: int = 0  # vectors no chunk refers to
    leftovers: list[str] = field(default_factory=list)  # other collections of the model (interrupted reindexes)


def probe_vectors(chroma_url: str, vector_dir: Path, collection_prefix: str, model: str, collection: str,
                  chunk_ids: list[str], timeout_s: float) -> ProbeReport:
    """Run the probe in a child process and read its report."""
    request = {"chroma_url": chroma_url, "vector_dir": str(vector_dir), "collection_prefix": collection_prefix,
               "model": model, "collection": collection, "chunk_ids": chunk_ids, "timeout_s": timeout_s}
    try:
        done = subprocess.run([sys.executable, "-m", "kb.store.vector_probe"], input=json.dumps(request),
                              capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                              env={**os.environ, "PYTHONPATH": _package_root()})
    except subprocess.TimeoutExpired:
        return ProbeReport(damage=f"reading the vector index did not finish within {PROBE_TIMEOUT_S} s")
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        return ProbeReport(damage=f"reading the vector index crashed the reading process ({name})")
    try:
        return ProbeReport(**json.loads(done.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError, TypeError):
        last = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return ProbeReport(damage=f"reading the vector index failed ({last})")


def _package_root() -> str:
    root = str(Path(__file__).resolve().parents[2])
    return os.pathsep.join([root, os.environ["PYTHONPATH"]]) if os.environ.get("PYTHONPATH") else root


PROBE_NEIGHBOURS = 10


def _probe(request: dict) -> ProbeReport:
    from kb.store.vectors import VectorStore

    chunk_ids = request["chunk_ids"]
    store = VectorStore(request["chroma_url"], Path(request["vector_dir"]), request["collection_prefix"],
                        request["model"], timeout_s=request["timeout_s"], name=request["collection"])
    try:
        stored = store.all_ids()
        report = ProbeReport(missing=sorted(set(chunk_ids) - stored), orphans=len(stored - set(chunk_ids)),
                             leftovers=store.sibling_collections())
        present = [c for c in chunk_ids if c in stored]
        sample = present[:: max(1, len(present) // SAMPLE)][:SAMPLE]
        if not sample:
            return report
        vectors = store.vectors(sample)
        if set(vectors) != set(sample):
            report.damage = f"{len(set(sample) - set(vectors))} of {len(sample)} sampled vectors cannot be read back"
            return report
        matrix = np.stack([vectors[c] for c in sample])
        if not np.isfinite(matrix).all() or not np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-3):
            report.damage = "sampled vectors are not unit vectors (their stored values are damaged)"
            return report
        # Each stored vector is among its own nearest neighbours. HNSW is approximate: after deletes it may miss a
        # few, so the index counts as damaged only when it misses most of the sample (a broken graph misses all).
        misses = []
        for vector in matrix:
            matches = store.query(vector, PROBE_NEIGHBOURS)
            if not any(m.similarity >= 0.99 for m in matches):
                misses.append(f"{matches[0].chunk_id} at similarity {matches[0].similarity:.3f}" if matches else "nothing")
        if len(misses) * 2 > len(matrix):
            report.damage = (f"the nearest-neighbour index does not find {len(misses)} of {len(matrix)} sampled "
                             f"vectors (found {misses[0]})")
        return report
    finally:
        store.close()


def main() -> int:
    request = json.loads(sys.stdin.read())
    try:
        report = _probe(request)
    except VectorStoreUnreachable as exc:
        report = ProbeReport(unreachable=str(exc))
    except KbError as exc:
        report = ProbeReport(damage=str(exc))
    print(json.dumps(report.__dict__, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
