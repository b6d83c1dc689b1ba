"""Retrieval over the seed: BM25 and fusion with the fake embedder; real-model quality in integration tests."""

from conftest import ROOT_DIR
import json
from pathlib import Path

import pytest

from kb.errors import KbError
from kb.indexing.ingest import Indexer
from kb.search.retrieve import ChunkRanking, Retriever, clauses_first, fuse_to_hits

ROOT = ROOT_DIR


@pytest.fixture
def retriever(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    return Retriever(kb_config, fake_embedder)


@pytest.mark.parametrize("question, label", [
    ("“两品一标”认证产品到2025年要达到多少个？", "二（一）2"),
    ("新建充电桩的目标是多少", "二（四）14"),
    ("EOD模式试点", "二（一）4"),
    ("公转铁公转水", "二（二）7"),
    ("碳达峰碳中和工作领导小组", "三（一）"),
])
def test_bm25_finds_the_clause(retriever, question, label):
    hits = retriever.search(question, mode="bm25", top_k=3)
    assert hits[0].clause_label == label
    assert hits[0].doc_number == "渝府发〔2021〕31号"
    assert hits[0].best_sentence in hits[0].text


def test_hits_are_clauses_not_duplicated_sentences(retriever):
    hits = retriever.search("绿色", mode="hybrid", top_k=10)
    keys = [(h.doc_id, h.clause_label) for h in hits]
    assert len(keys) == len(set(keys)) == 10


def test_clauses_put_first_keep_the_length_and_take_the_best_score(retriever):
    """A retrieved clause moves to the front; one not retrieved joins with its first sentence, the last hit giving
    way; a label no document has is skipped."""
    snap = retriever.snapshot()
    hits = retriever.search("新建充电桩的目标是多少", mode="bm25", top_k=3, snap=snap)
    doc_id = hits[0].doc_id
    retrieved = hits[2].clause_label
    missing = next(c.label for c in snap.documents[doc_id].clauses
                   if c.label not in {h.clause_label for h in hits} and c.sentences)
    first = clauses_first(snap, hits, [(doc_id, missing), (doc_id, retrieved), (doc_id, "第九百条")])
    assert [h.clause_label for h in first] == [missing, retrieved, hits[0].clause_label]
    assert first[0].score == first[1].score == hits[0].score
    assert first[0].best_sentence == snap.clause(doc_id, missing).sentences[0].text
    assert clauses_first(snap, hits, []) == hits


def test_hybrid_fuses_both_rankings(retriever):
    hits = retriever.search("畜禽粪污资源化利用率", mode="hybrid", top_k=5)
    assert hits[0].clause_label == "二（一）2"
    assert set(hits[0].scores) == {"bm25", "dense"}


def _clause_rows(snap, count):
    """The first chunk row of `count` different clauses."""
    rows, seen = [], set()
    for row in range(len(snap.chunks)):
        if snap.chunks.clause_key(row) not in seen:
            seen.add(snap.chunks.clause_key(row))
            rows.append(row)
    return rows[:count]


def test_fusion_weighs_normalised_scores_not_ranks(retriever):
    """A clause far ahead in one ranking beats one narrowly ahead in the other (rank fusion would tie them)."""
    snap = retriever.snapshot()
    a, b, c = _clause_rows(snap, 3)
    rankings = {"bm25": ChunkRanking([a, b, c], [30.0, 3.0, 1.0]),  # a far ahead
                "dense": ChunkRanking([b, a, c], [0.90, 0.89, 0.80])}  # b narrowly ahead
    hits = fuse_to_hits(snap, rankings, top_k=3, dense_weight=0.5)
    assert [snap.chunks.clause_key(a)[1], snap.chunks.clause_key(b)[1]] == [h.clause_label for h in hits[:2]]
    assert hits[0].score == pytest.approx(0.5 * 1.0 + 0.5 * 0.9, abs=1e-6)  # BM25 over its best; dense min-max
    assert hits[2].score == pytest.approx(0.5 * 1 / 30, abs=1e-6)  # last in dense: nothing from it
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    dense_only = fuse_to_hits(snap, rankings, top_k=3, dense_weight=1.0)
    assert dense_only[0].clause_label == snap.chunks.clause_key(b)[1] and dense_only[0].score == 1.0


def test_a_single_ranking_keeps_its_own_scores(retriever):
    snap = retriever.snapshot()
    a, b = _clause_rows(snap, 2)
    hits = fuse_to_hits(snap, {"bm25": ChunkRanking([a, b], [12.5, 4.0])}, top_k=2, dense_weight=0.5)
    assert [h.score for h in hits] == [12.5, 4.0]


def test_colloquial_expansion_reaches_formal_clause(kb_config, fake_embedder):
    Indexer(kb_config, fake_embedder).sync_corpus()
    plain = Retriever(kb_config, fake_embedder, expand_queries=False).search("共享单车", mode="bm25", top_k=3)
    expanded = Retriever(kb_config, fake_embedder).search("共享单车", mode="bm25", top_k=3)
    assert plain[0].clause_label != "二（一）3"
    assert expanded[0].clause_label == "二（一）3"  # 有序发展出行、住宿等领域共享经济


def test_document_filter_and_resolution(retriever):
    assert retriever.resolve_docs(["渝府发〔2021〕31号"]) == ["cq-2021-31"]
    assert retriever.resolve_docs(["渝府发[2021]31号"]) == ["cq-2021-31"]
    assert retriever.resolve_docs(["cq-2021-31"]) == ["cq-2021-31"]
    with pytest.raises(KbError, match="no single document matches"):
        retriever.resolve_docs(["国发〔2021〕4号"])
    hits = retriever.search("森林覆盖率", mode="hybrid", doc_ids=["cq-2021-31"])
    assert all(h.doc_id == "cq-2021-31" for h in hits)


def test_unknown_mode_is_an_error(retriever):
    with pytest.raises(KbError, match="unknown retrieval mode"):
        retriever.search("森林", mode="magic")


def _plain_questions():
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["answerable"] and r["kind"] in ("number", "fact") and "context" not in r]


@pytest.mark.integration
def test_real_model_hybrid_retrieval_quality(real_kb):
    """hit@5 of hybrid retrieval with the real model on the plain number/fact questions of the question set."""
    questions = _plain_questions()
    assert len(questions) >= 40
    hits_at_5 = 0
    for q in questions:
        labels = [h.clause_label for h in real_kb.search(q["question"], mode="hybrid", top_k=5)]
        hits_at_5 += any(g in labels for g in q["gold"])
    assert hits_at_5 / len(questions) >= 0.95


@pytest.mark.integration
@pytest.mark.parametrize("question, label", [
    ("秸秆能不能烧？", "二（一）2"),
    ("共享单车有什么说法", "二（一）3"),
    ("饭店还能给一次性牙刷吗", "二（一）3"),
    ("电动车充电桩会多起来吗", "二（四）14"),
])
def test_real_model_colloquial_questions(real_kb, question, label):
    labels = [h.clause_label for h in real_kb.search(question, mode="hybrid", top_k=3)]
    assert label in labels


# -- what a long-running reader needs ------------------------------------------------------------------------------

def test_reading_and_keyword_search_never_load_the_embedding_model(kb_config, fake_embedder):
    from kb.embedding.embedder import LazyEmbedder

    Indexer(kb_config, fake_embedder).sync_corpus()

    def must_not_load():
        raise AssertionError("the embedding model was loaded")

    retriever = Retriever(kb_config, LazyEmbedder(fake_embedder.name, must_not_load))
    assert retriever.snapshot().documents and retriever.generation() == 1
    assert retriever.search("森林覆盖率", mode="bm25")[0].doc_id == "cq-2021-31"


def test_an_unreachable_vector_store_falls_back_to_bm25_with_a_notice(kb_config, fake_embedder):
    import socket

    Indexer(kb_config, fake_embedder).sync_corpus()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = kb_config.replace(chroma_url=f"http://127.0.0.1:{port}", chroma_timeout_s=1)
    bm25 = Retriever(kb_config, fake_embedder).search("新建充电桩的目标是多少", mode="bm25")
    retriever = Retriever(down, fake_embedder)
    for mode in ("hybrid", "dense"):
        found = retriever.retrieve("新建充电桩的目标是多少", mode=mode)
        assert found.hits == bm25
        assert len(found.notices) == 1 and "vector search unavailable" in found.notices[0]
        assert "BM25" in found.notices[0]
    assert retriever.retrieve("新建充电桩的目标是多少", mode="bm25").notices == ()
    assert retriever.similarities("充电桩", ["x"]) == {}


def test_vectors_of_a_half_finished_ingest_do_not_change_dense_rankings(retriever, kb_config, fake_embedder):
    from kb.schema import Chunk, ChunkKind
    from kb.store.vectors import open_vectors

    before = retriever.search("畜禽粪污资源化利用率", mode="dense", top_k=10)
    # Extras no chunk refers to yet, each nearer to the question than any indexed chunk.
    extras = [Chunk(f"extra-{i}", "other", "一", ChunkKind.CLAUSE, "畜禽粪污资源化利用率", f"h{i}") for i in range(120)]
    with open_vectors(kb_config, fake_embedder.name, writer=True) as store:
        store.add(extras, fake_embedder.embed_passages([c.text for c in extras]))
    assert Retriever(kb_config, fake_embedder).search("畜禽粪污资源化利用率", mode="dense", top_k=10) == before


def test_no_single_document_message_is_bounded(kb_config, fake_embedder):
    import json
    import shutil

    from conftest import SEED_NAME

    manifest_path = kb_config.corpus_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    entry = manifest["documents"][SEED_NAME]
    for i in range(14):
        shutil.copy(kb_config.corpus_dir / SEED_NAME, kb_config.corpus_dir / f"copy-{i}.txt")
        manifest["documents"][f"copy-{i}.txt"] = {**entry, "doc_id": f"copy-{i}", "doc_number": f"测发〔2099〕{i}号",
                                                 "title": f"副本{i}"}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    Indexer(kb_config, fake_embedder).sync_corpus()
    with pytest.raises(KbError) as raised:
        Retriever(kb_config, fake_embedder).resolve_docs(["没有" * 5000])
    message = str(raised.value)
    assert message.count("(") <= 12 and "and 5 more" in message
    assert len(message) < 1000 and "10000 characters" in message


def test_a_search_restricted_to_one_document_ranks_its_chunks_exactly(retriever, kb_config, fake_embedder):
    import numpy as np

    snap = retriever.snapshot()
    question = "畜禽粪污资源化利用率"
    ids = [snap.chunks.chunk_id(row) for row in range(len(snap.chunks))]
    stored = retriever.vector_store().vectors(ids)
    query = fake_embedder.embed_queries([question])[0].astype(np.float64)
    exact = sorted(range(len(ids)), key=lambda row: (-float(stored[ids[row]].astype(np.float64) @ query), row))
    ranking = retriever.rank_dense(question, snap, ["cq-2021-31"], snap.chunks.doc_mask({"cq-2021-31"}))
    assert ranking.rows == exact[:kb_config.candidates]
    assert np.allclose(ranking.scores, [float(stored[ids[row]] @ query) for row in exact[:kb_config.candidates]])
    # The same nearest chunks as the unrestricted (HNSW) search of this one-document index.
    unrestricted = retriever.rank_dense(question, snap, None)
    assert set(ranking.rows[:5]) == set(unrestricted.rows[:5])


def test_an_index_of_moderate_size_is_searched_exactly_from_vectors_read_once(retriever, monkeypatch):
    """HNSW's approximate neighbours differ from process to process; an index up to EXACT_INDEX_MAX_CHUNKS is ranked
    exactly over its vectors, read once per index generation, never through the graph."""
    import numpy as np

    import kb.search.retrieve as retrieve

    monkeypatch.setattr(retrieve, "EXACT_SEARCH_MAX_CHUNKS", 10)  # the per-query exact read alone would not cover it
    snap = retriever.snapshot()
    store = retriever.vector_store()
    reads = []
    monkeypatch.setattr(store, "query", lambda *a, **k: pytest.fail("the HNSW graph was searched"))
    stored_vectors = store.vectors
    monkeypatch.setattr(store, "vectors", lambda ids: reads.append(len(ids)) or stored_vectors(ids))
    question = "畜禽粪污资源化利用率"
    ranking = retriever.rank_dense(question, snap, None)
    retriever.rank_dense("农膜回收率", snap, None)
    assert reads == [len(snap.chunks)]
    ids = [snap.chunks.chunk_id(row) for row in range(len(snap.chunks))]
    stored = stored_vectors(ids)
    query = retriever.query_vector(question).astype(np.float64)
    exact = sorted(range(len(ids)), key=lambda row: (-float(stored[ids[row]].astype(np.float64) @ query), row))
    assert ranking.rows == exact[:len(ranking.rows)] and len(ranking.rows) == min(len(ids), retriever.config.candidates)
