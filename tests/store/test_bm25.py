import numpy as np

from kb.store.bm25 import Bm25Index

DOCS = [
    ["充电桩", "新建", "充电桩"],
    ["森林覆盖率", "达到"],
    ["充电站", "建设", "中心城区"],
    [],
]


def test_ranks_by_term_frequency_and_rarity():
    index = Bm25Index.build(DOCS)
    top = index.top(["充电桩"], n=5)
    assert [row for row, _ in top] == [0]
    assert top[0][1] > 0


def test_unknown_terms_and_empty_documents_score_zero():
    index = Bm25Index.build(DOCS)
    assert index.top(["没有的词"], n=5) == []
    assert index.scores(["充电桩"])[3] == 0


def test_rarer_term_weighs_more():
    index = Bm25Index.build([["a1", "b1"], ["a1"], ["a1"], ["b1", "c1"]])
    scores = index.scores(["a1", "b1"])
    # Document 0 holds both terms; document 3 holds the rarer b1, documents 1 and 2 only the common a1.
    assert scores[0] > scores[3] > scores[1]


def test_allowed_mask_filters_rows():
    index = Bm25Index.build(DOCS)
    allowed = np.array([False, True, True, True])
    assert [r for r, _ in index.top(["充电桩", "充电站"], n=5, allowed=allowed)] == [2]


def test_top_n_is_sorted_and_truncated():
    index = Bm25Index.build([["x1"] * n for n in range(1, 30)])
    top = index.top(["x1"], n=5)
    assert len(top) == 5
    assert [s for _, s in top] == sorted([s for _, s in top], reverse=True)


def test_save_and_load_round_trip(tmp_path):
    index = Bm25Index.build(DOCS)
    path = tmp_path / "bm25.npz"
    index.save(path)
    loaded = Bm25Index.load(path)
    assert loaded.vocabulary == index.vocabulary
    np.testing.assert_allclose(loaded.scores(["充电桩", "达到"]), index.scores(["充电桩", "达到"]))


def test_top_equals_ranking_every_row_with_ties_in_row_order():
    rng = np.random.default_rng(0)
    vocabulary = [f"t{i}" for i in range(40)]
    docs = [list(rng.choice(vocabulary, size=rng.integers(0, 12))) for _ in range(500)]
    index = Bm25Index.build(docs)
    allowed = rng.random(500) < 0.7
    for query in (["t1"], ["t2", "t3", "t39"], ["t5", "t5", "nothing"]):
        for mask in (None, allowed):
            scores = index.scores(query, mask) * (1 if mask is None else mask)
            expected = sorted((r for r in range(500) if scores[r] > 0), key=lambda r: (-scores[r], r))[:20]
            top = index.top(query, n=20, allowed=mask)
            assert [r for r, _ in top] == expected
            np.testing.assert_allclose([s for _, s in top], scores[expected], rtol=1e-6)


def test_a_masked_search_weighs_words_by_how_rare_they_are_among_the_allowed_rows():
    # Document A (rows 0-9) repeats its title word everywhere and has one rare word; the other rows use that word
    # all the time. Over everything the title word is rare and row 0, full of it, ranks first; searched alone, A's
    # own title word tells its rows apart no more than a stop word, and its one row with the other word wins.
    title_rows = [["标题", "标题", "标题"], ["标题", "解释"], *[["标题", f"词{i}"] for i in range(8)]]
    other_rows = [["解释", f"别{i}"] for i in range(90)]
    index = Bm25Index.build(title_rows + other_rows)
    in_a = np.zeros(100, dtype=bool)
    in_a[:10] = True
    query = ["标题", "解释"]
    assert [r for r, _ in index.top(query, n=3)][0] != 1
    assert index.top(query, n=3, allowed=in_a)[0][0] == 1
    # Every allowed row still scores what it scores with all rows when nothing is masked.
    np.testing.assert_allclose(index.scores(query, np.ones(100, dtype=bool)), index.scores(query), rtol=1e-6)
