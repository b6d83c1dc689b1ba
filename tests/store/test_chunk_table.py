"""The snapshot's chunk table: id <-> row lookups, clause keys, document masks and sentence chunk lookups."""

import numpy as np
import pytest

from kb.indexing.chunk import chunk_document
from kb.store.chunk_table import ChunkTable
from kb.documents.parse import parse_document
from conftest import SEED_PATH


def _rows(doc):
    return [(c.chunk_id, c.doc_id, c.clause_label, c.sentence_index) for c in chunk_document(doc)]


@pytest.fixture(scope="module")
def seed_text():
    return SEED_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_rows(seed_text):
    return _rows(parse_document(seed_text, doc_id="cq-2021-31"))


def test_every_chunk_id_maps_to_its_row_and_back(seed_rows):
    table = ChunkTable.from_rows(seed_rows)
    ids = [r[0] for r in seed_rows]
    assert len(table) == len(seed_rows)
    assert table.rows_of(ids) == {chunk_id: row for row, chunk_id in enumerate(ids)}
    assert [table.chunk_id(row) for row in range(len(table))] == ids
    assert [(*table.clause_key(row), table.sentence_of(row)) for row in range(len(table))] == \
        [r[1:] for r in seed_rows]


def test_unknown_ids_are_left_out(seed_rows):
    table = ChunkTable.from_rows(seed_rows)
    known = seed_rows[5][0]
    assert table.rows_of(["0" * 24, known, "f" * 24, "zz"]) == {known: 5}
    assert ChunkTable.from_rows([]).rows_of([known]) == {}


def test_chunk_for_finds_the_sentence_chunk_or_falls_back_to_the_clause(seed_rows):
    table = ChunkTable.from_rows(seed_rows)
    by_key = {r[1:]: r[0] for r in seed_rows}
    several = next(r for r in seed_rows if r[3] == 2)  # a clause with at least three sentences
    doc, label = several[1], several[2]
    assert table.chunk_for(doc, label, 2) == several[0]
    assert table.chunk_for(doc, label) == by_key[(doc, label, -1)]
    single = next(r for r in seed_rows if r[3] == -1 and (r[1], r[2], 0) not in by_key)  # one-sentence clause
    assert table.chunk_for(single[1], single[2], 0) == single[0]
    assert table.chunk_for(doc, "九十九") == ""


def test_doc_mask_marks_the_rows_of_the_chosen_documents(seed_text):
    rows = _rows(parse_document(seed_text, doc_id="a")) + _rows(parse_document(seed_text, doc_id="b"))
    table = ChunkTable.from_rows(rows)
    mask = table.doc_mask({"b"})
    assert mask.dtype == np.bool_ and mask.sum() == len(rows) // 2
    assert all(table.clause_key(row)[0] == "b" for row in np.flatnonzero(mask))
    assert not table.doc_mask(set()).any()


def test_chunks_of_a_clause_must_be_adjacent(seed_rows):
    first, second = seed_rows[0], seed_rows[-1]
    with pytest.raises(ValueError, match="not adjacent"):
        ChunkTable.from_rows([first, second, (first[0] + "x", *first[1:])])
