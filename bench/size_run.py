"""One corpus size measured in its own process (so peak RSS belongs to that size alone).

    python -m bench.size_run SPEC_JSON   ->  prints one JSON object of results

Stages, each timed on its own before the full ingest: parse every file, chunk, jieba-tokenise every chunk,
raw encoder on a random sample of chunk texts; then the full ingest (all stages together), a re-ingest of the
unchanged corpus, the index size, and query latency for bm25 / dense / hybrid and the full answer pipeline.

With `proxy_passages`, passages get hashing vectors of the model's dimension (so Chroma stores and searches
the same number and shape of vectors) while queries still go through the real model; the real-model ingest
time is then extrapolated as (measured ingest - proxy embedding time) + chunks / raw encoder throughput.
"""

from __future__ import annotations

import json
import random
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

import kb  # noqa: F401  (sets the offline environment before anything else is imported)

import numpy as np  # noqa: E402

from bench.chroma_server import chroma_server  # noqa: E402
from bench.measure import latency_of, peak_rss_mb, seconds_of, size_on_disk_mb  # noqa: E402
from bench.synth import write_corpus  # noqa: E402
from kb.indexing.chunk import chunk_document  # noqa: E402
from kb.config import Config  # noqa: E402
from kb.corpus.folder import corpus_files, load_corpus_document, read_manifest  # noqa: E402
from kb.embedding.embedder import Embedder, HashingEmbedder, load_embedder  # noqa: E402
from kb.engine import PolicyKb  # noqa: E402
from kb.evaluation.questions import DEFAULT_QUESTION_FILES, load_questions  # noqa: E402
from kb.text.tokens import default_tokenizer  # noqa: E402



@dataclass(frozen=True)
class SizeSpec:
    documents: int
    model: str
    model_cache: str
    work_dir: str  # corpus/ and data/ are made here and kept for later stages (the app's cold start)
    backend: str = "embedded"  # or "server": a Chroma server on loopback
    proxy_passages: bool = False
    encoder_sample: int = 1000  # chunk texts for the raw encoder measurement
    questions_per_mode: int = 40  # distinct questions for each of bm25, dense, hybrid and the answer


@dataclass(frozen=True)
class ProxyPassageEmbedder:
    """Hashing vectors for passages, the real model for queries (see the module docstring)."""

    model: Embedder
    passages: HashingEmbedder

    @property
    def name(self) -> str:
        # The model's own name, so the app opened on this index searches the same collection.
        return self.model.name

    @property
    def dim(self) -> int:
        return self.model.dim

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.passages.embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.model.embed_queries(texts)


def _stage_throughputs(config: Config, spec: SizeSpec, model: Embedder) -> tuple[dict[str, float], list[str]]:
    manifest = read_manifest(config.corpus_dir)
    files = corpus_files(config.corpus_dir)
    corpus_mb = sum(p.stat().st_size for p in files) / 1e6
    docs: list = []
    parse_s = seconds_of(lambda: docs.extend(load_corpus_document(p, manifest.get(p.name, {}), 10**9).parsed
                                             for p in files))
    chunks: list = []
    chunk_s = seconds_of(lambda: chunks.extend(c for d in docs for c in chunk_document(d)))
    texts = [c.text for c in chunks]
    tokenizer = default_tokenizer()
    tokenizer.tokens("预热")  # jieba builds its prefix dictionary on first use
    jieba_s = seconds_of(lambda: [tokenizer.tokens(t) for t in texts])
    sample = random.Random(0).sample(texts, min(spec.encoder_sample, len(texts)))
    model.embed_passages(sample[:8])  # first call pays one-off allocation
    encoder_s = seconds_of(lambda: model.embed_passages(sample))
    results = {
        "documents": len(docs), "sentences": sum(len(c.sentences) for d in docs for c in d.clauses),
        "chunks": len(chunks), "corpus MB": corpus_mb,
        "parse docs/s": len(docs) / parse_s, "parse MB/s": corpus_mb / parse_s,
        "chunk s": chunk_s, "jieba chunks/s": len(texts) / jieba_s,
        "raw encoder chunks/s": len(sample) / encoder_s, "raw encoder sample": len(sample),
    }
    return results, texts


def question_sets(per_mode: int) -> dict[str, list[str]]:
    """Disjoint sets of the evaluation questions for each measured call, so that no timed query finds its
    vector already cached by an earlier one (hybrid after dense would otherwise skip the query embedding)."""
    texts = [q.question for q in load_questions(list(DEFAULT_QUESTION_FILES))]
    random.Random(0).shuffle(texts)
    names = ("first", "bm25", "dense", "hybrid", "answer")
    sizes = (1,) + (per_mode,) * (len(names) - 1)
    if sum(sizes) > len(texts):
        raise ValueError(f"{per_mode} questions per mode need {sum(sizes)} distinct questions; there are {len(texts)}")
    starts = np.cumsum((0,) + sizes)
    return {name: texts[starts[i]:starts[i + 1]] for i, name in enumerate(names)}


def measure(spec: SizeSpec) -> dict[str, float | str]:
    work = Path(spec.work_dir)
    write_corpus(work / "corpus", spec.documents)
    started = time.perf_counter()
    model = load_embedder(spec.model, Path(spec.model_cache), progress=lambda m: None)
    model_load_s = time.perf_counter() - started
    embedder: Embedder = ProxyPassageEmbedder(model, HashingEmbedder(dim=model.dim)) if spec.proxy_passages else model
    with ExitStack() as stack:
        chroma_url = stack.enter_context(chroma_server(work / "chroma-server")) if spec.backend == "server" else ""
        config = Config(corpus_dir=work / "corpus", data_dir=work / "data", model=spec.model,
                        model_cache=Path(spec.model_cache), chroma_url=chroma_url)
        results: dict[str, float | str] = {"backend": spec.backend, "model": spec.model,
                                           "passages": "hashing proxy" if spec.proxy_passages else "model",
                                           "model load s": model_load_s}
        stages, _ = _stage_throughputs(config, spec, model)
        results.update(stages)
        engine = PolicyKb(config, embedder=embedder)
        reports: list = []
        ingest_s = seconds_of(lambda: reports.append(engine.ingest()))
        report = reports[0]
        results["ingest s"] = ingest_s
        results["ingest embed s"] = report.seconds.get("embed", 0.0)
        if spec.proxy_passages:
            # What the same ingest costs when the real model embeds every chunk (see the module docstring).
            ingest_s = ingest_s - report.seconds["embed"] + report.chunks_embedded / stages["raw encoder chunks/s"]
            results["ingest s (real model, extrapolated)"] = ingest_s
        results["ingest chunks/s"] = report.chunks_embedded / ingest_s
        results["ingest / raw encoder"] = results["ingest chunks/s"] / stages["raw encoder chunks/s"]
        reingest_s = seconds_of(engine.ingest)
        results["re-ingest unchanged s"] = reingest_s
        results["re-ingest % of full"] = 100 * reingest_s / ingest_s
        results["index MB"] = size_on_disk_mb(work / "data") + (
            size_on_disk_mb(work / "chroma-server") if chroma_url else 0.0)
        questions = question_sets(spec.questions_per_mode)
        results["first query s"] = seconds_of(lambda: engine.search(questions["first"][0]))  # loads the snapshot
        for mode in ("bm25", "dense", "hybrid"):
            latency = latency_of(lambda q: engine.search(q, mode=mode), questions[mode])
            results[f"{mode} p50 ms"], results[f"{mode} p95 ms"] = latency.p50_ms, latency.p95_ms
        latency = latency_of(engine.ask, questions["answer"])
        results["answer p50 ms"], results["answer p95 ms"] = latency.p50_ms, latency.p95_ms
        results["peak RSS MB"] = peak_rss_mb()
    return results


def main() -> None:
    spec = SizeSpec(**json.loads(sys.argv[1]))
    print(json.dumps({"spec": asdict(spec), "results": measure(spec)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
