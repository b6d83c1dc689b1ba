"""An ingest killed halfway leaves the previous index usable, and readers see the old or the new corpus, never a
mix, while a writer ingests."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

from conftest import SEED_NAME
from kb.engine import PolicyKb
from kb.indexing.ingest import Indexer
from kb.store.layout import state_path
from kb.store.vectors import open_vectors
from kb.search.retrieve import Retriever
from kb.store.snapshot import load_snapshot
from kb.store.state import IndexState

COPIES = 30


def _many_copies(config) -> None:
    """COPIES renamed copies of the seed: enough chunks that an ingest takes seconds with the fake embedder."""
    seed = config.corpus_dir / SEED_NAME
    manifest = json.loads((config.corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["documents"][SEED_NAME]
    for i in range(COPIES):
        shutil.copy(seed, config.corpus_dir / f"copy-{i}.txt")
        manifest["documents"][f"copy-{i}.txt"] = {**entry, "doc_id": f"copy-{i}", "doc_number": f"测发〔2099〕{i}号"}
    (config.corpus_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_ingest_killed_mid_way_keeps_old_index_and_next_run_finishes(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    old_hits = Retriever(kb_config, fake_embedder).search("森林覆盖率", mode="hybrid")
    _many_copies(kb_config)
    env = {**os.environ, "KB_CORPUS_DIR": str(kb_config.corpus_dir), "KB_DATA_DIR": str(kb_config.data_dir),
           "KB_MODEL": "hashing", "KB_EMBED_BATCH_SIZE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "ingest"], env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    seen = ""
    while "embed: 2" not in seen:  # killed once it is embedding, well before it finishes
        char = proc.stderr.read(1)
        assert char, f"ingest ended before it could be killed: {seen[-300:]}"
        seen += char
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    state = IndexState(state_path(kb_config))
    assert state.generation == 1 and set(state.document_hashes()) == {"cq-2021-31"}
    state.close()
    assert Retriever(kb_config, fake_embedder).search("森林覆盖率", mode="hybrid") == old_hits

    report = Indexer(kb_config, fake_embedder).sync_corpus()
    assert len(report.added) == COPIES
    assert report.chunks_reused > 0  # vectors written before the kill are not computed again
    state = IndexState(state_path(kb_config))
    assert open_vectors(kb_config, fake_embedder.name).all_ids() == state.chunk_ids()
    state.close()


def test_readers_see_old_or_new_corpus_never_a_mix(kb_config, fake_embedder):
    _many_copies(kb_config)
    Indexer(kb_config, fake_embedder).sync_corpus()
    # The writer changes the same sentence in every document in one ingest; a reader must never see both versions.
    for path in kb_config.corpus_dir.glob("*.txt"):
        path.write_text(path.read_text(encoding="utf-8").replace("3000 个", "4000 个"), encoding="utf-8")
    seen: list[set[str]] = []
    done = threading.Event()

    def reader() -> None:
        retriever = Retriever(kb_config, fake_embedder)
        while not done.is_set():
            # One search: its hits span many of the documents, so a half-swapped corpus would show both versions.
            hits = retriever.search("“两品一标”认证产品达到多少个", mode="hybrid", top_k=20)
            versions = {"3000" if "3000个" in h.text else "4000" for h in hits if "认证产品达到" in h.text}
            seen.append(versions)
            time.sleep(0.01)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    PolicyKb(kb_config, embedder=fake_embedder).ingest()
    time.sleep(0.3)
    done.set()
    for t in threads:
        t.join()
    assert seen and all(len(v) == 1 for v in seen), [v for v in seen if len(v) != 1][:3]
    assert {"3000"} in seen or {"4000"} in seen
    assert seen[-1] == {"4000"}
    assert load_snapshot(kb_config).generation == 2
