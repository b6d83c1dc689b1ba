"""The benchmark runs at its smallest size (hashing embedder) so that it cannot rot."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_prints_its_table_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--copies", "2", "--model", "hashing",
                           "--rounds", "1", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "hybrid p95 ms" in proc.stdout and "ingest / raw encoder" in proc.stdout
    results = json.loads(out.read_text())
    assert results["copies"] == 2 and results["chunks"] > 300
    assert results["answer p95 ms"] > 0
