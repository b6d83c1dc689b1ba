"""Ingest is incremental and idempotent: unchanged -> nothing written, changed -> replaced, removed -> gone."""

import numpy as np
import pytest

from conftest import SEED_NAME
from kb.errors import KbError
from kb.indexing.ingest import Indexer
from kb.store.layout import state_path
from kb.store.vectors import open_vectors
from kb.search.retrieve import Retriever
from kb.store.state import IndexState


def _state(config):
    return IndexState(state_path(config))


def test_first_ingest_indexes_every_clause_and_sentence(kb_config, fake_embedder):
    report = Indexer(kb_config, fake_embedder).sync_corpus()
    assert report.added == ["cq-2021-31"]
    state = _state(kb_config)
    read = state.snapshot()
    docs, chunks = read.documents, read.chunks
    labels = set(chunks.labels)
    assert {"序言", "一（二）", "二（一）4", "二（六）23", "三（三）", "落款"} <= labels
    assert report.chunks_embedded == len(chunks) == open_vectors(kb_config, fake_embedder.name).count()
    assert docs[0].meta.doc_number == "渝府发〔2021〕31号"
    # The manifest corrects the title that the PDF extraction damaged.
    assert docs[0].meta.title == "重庆市人民政府关于加快建立健全绿色低碳循环发展经济体系的实施意见"


def test_reingest_of_unchanged_corpus_writes_nothing(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    generation = _state(kb_config).generation
    db_mtime = state_path(kb_config).stat().st_mtime_ns
    again = Indexer(kb_config, fake_embedder).sync_corpus()
    assert again.unchanged == ["cq-2021-31"] and not again.changed
    assert again.chunks_embedded == 0
    assert _state(kb_config).generation == generation
    assert state_path(kb_config).stat().st_mtime_ns == db_mtime


def test_changed_document_replaces_only_changed_chunks(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    vectors = open_vectors(kb_config, fake_embedder.name)
    before = vectors.count()
    seed = kb_config.corpus_dir / SEED_NAME
    text = seed.read_text(encoding="utf-8")
    assert "3000 个" in text
    seed.write_text(text.replace("3000 个", "4000 个"), encoding="utf-8")

    report = Indexer(kb_config, fake_embedder).sync_corpus()
    assert report.updated == ["cq-2021-31"]
    # Only the edited clause and its edited sentence are new.
    assert 1 <= report.chunks_embedded <= 3
    assert report.chunks_reused > 100
    assert vectors.count() == before  # old versions were dropped, not left beside the new ones
    state = _state(kb_config)
    texts = [c.chunk.text for c in state.chunks()]
    assert any("4000个" in t for t in texts) and not any("3000个" in t for t in texts)
    assert vectors.all_ids() == state.chunk_ids()


def test_removed_document_disappears_from_every_index(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    (kb_config.corpus_dir / SEED_NAME).unlink()
    report = Indexer(kb_config, fake_embedder).sync_corpus()
    assert report.removed == ["cq-2021-31"]
    assert _state(kb_config).chunk_ids() == set()
    assert open_vectors(kb_config, fake_embedder.name).count() == 0
    with pytest.raises(KbError, match="index is empty"):
        Retriever(kb_config, fake_embedder).search("森林覆盖率", mode="bm25")


class ExplodingEmbedder:
    """Fails after `allowed` batches: stands in for a process killed mid-ingest."""

    def __init__(self, inner, allowed: int) -> None:
        self.inner, self.allowed = inner, allowed
        self.name, self.dim = inner.name, inner.dim

    def embed_passages(self, texts):
        if self.allowed <= 0:
            raise RuntimeError("killed")
        self.allowed -= 1
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)


def test_interrupted_ingest_leaves_previous_index_usable_and_next_run_finishes(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    old_hits = Retriever(kb_config, fake_embedder).search("畜禽粪污资源化利用率", mode="bm25")
    seed = kb_config.corpus_dir / SEED_NAME
    text = seed.read_text(encoding="utf-8")
    old_ids = _state(kb_config).chunk_ids()
    # Every sentence with 推进 or 加快 changes: more new vectors than one embedding step (32 texts at batch size 1).
    seed.write_text(text.replace("推进", "推动").replace("加快", "加速"), encoding="utf-8")
    config = kb_config.replace(embed_batch_size=1)
    with pytest.raises(RuntimeError):
        Indexer(config, ExplodingEmbedder(fake_embedder, allowed=1)).sync_corpus()

    retriever = Retriever(kb_config, fake_embedder)
    assert retriever.search("畜禽粪污资源化利用率", mode="bm25") == old_hits
    assert retriever.snapshot().generation == 1

    report = Indexer(config, fake_embedder).sync_corpus()
    assert report.updated == ["cq-2021-31"]
    state = _state(kb_config)
    new_vectors = len(state.chunk_ids() - old_ids)
    assert new_vectors > 64
    # The 32 vectors stored before the interruption are not computed again.
    assert report.chunks_embedded == new_vectors - 32
    assert open_vectors(kb_config, fake_embedder.name).all_ids() == state.chunk_ids()
    assert any("推动" in c.chunk.text for c in state.chunks())


def test_vectors_are_unit_length_in_store(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    vecs = fake_embedder.embed_passages(["森林覆盖率达到57%"])
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
