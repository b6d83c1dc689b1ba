"""The vector store: Chroma, embedded (PersistentClient) by default or a Chroma server when configured.

Chroma never embeds anything itself (its default embedding function would try to download a model): every
add and query passes vectors. Vector ids are content-addressed chunk ids, so a vector that is already stored is
never computed again, and vectors of a half-finished ingest are harmless extras until they are referenced.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import urlparse

import numpy as np

from kb.config import Config
from kb.errors import KbError

# Chroma's own product telemetry would try to reach the internet.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_PAGE = 5000  # ids per get/delete call; Chroma limits the size of one request


@dataclass(frozen=True)
class VectorMatch:
    chunk_id: str
    similarity: float  # cosine similarity in [-1, 1]


def _client(chroma_url: str, persist_dir: Path):
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    if not chroma_url:
        persist_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(persist_dir), settings=settings)
    url = urlparse(chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise KbError(f"chroma_url must look like http://HOST:PORT, got {chroma_url!r}")
    try:
        client = chromadb.HttpClient(host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https",
                                     settings=settings)
        client.heartbeat()
    except Exception as exc:  # the server's absence surfaces as various connection errors
        raise KbError(f"cannot reach the Chroma server at {chroma_url}: {type(exc).__name__}") from None
    return client


class VectorStore:
    def __init__(self, chroma_url: str, persist_dir: Path, collection: str, model_name: str) -> None:
        self._client = _client(chroma_url, persist_dir)
        # One collection per embedding model: vectors of different models never mix.
        name = _collection_name(collection, model_name)
        self._collection = self._client.get_or_create_collection(
            name=name, embedding_function=None, metadata={"hnsw:space": "cosine", "model": model_name}
        )

    def count(self) -> int:
        return self._collection.count()

    def existing(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), _PAGE):
            found.update(self._collection.get(ids=list(ids[start:start + _PAGE]), include=[])["ids"])
        return found

    def all_ids(self) -> set[str]:
        found: set[str] = set()
        offset = 0
        while True:
            page = self._collection.get(include=[], limit=_PAGE, offset=offset)["ids"]
            found.update(page)
            if len(page) < _PAGE:
                return found
            offset += _PAGE

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), _PAGE):
            page = self._collection.get(ids=list(ids[start:start + _PAGE]), include=["embeddings"])
            found.update(zip(page["ids"], np.asarray(page["embeddings"], dtype=np.float32)))
        return found

    def add(self, ids: Sequence[str], vectors: np.ndarray, doc_ids: Sequence[str]) -> None:
        for start in range(0, len(ids), _PAGE):
            end = start + _PAGE
            self._collection.upsert(
                ids=list(ids[start:end]),
                embeddings=vectors[start:end].astype(np.float32),
                metadatas=[{"doc_id": d} for d in doc_ids[start:end]],
            )

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), _PAGE):
            self._collection.delete(ids=ids[start:start + _PAGE])

    def query(self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None) -> list[VectorMatch]:
        if n <= 0:  # no count() first: it costs a scan per query on large collections; Chroma caps n itself
            return []
        where = None
        if doc_ids:
            where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}
        result = self._collection.query(
            query_embeddings=[vector.astype(np.float32)], n_results=n, where=where, include=["distances"]
        )
        return [VectorMatch(cid, 1.0 - float(dist))
                for cid, dist in zip(result["ids"][0], result["distances"][0])]


def _collection_name(prefix: str, model_name: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in Path(model_name).name.lower()).strip("-")
    return f"{prefix}-{slug}"[:60].strip("-")


def open_vectors(config: Config, model_name: str) -> VectorStore:
    """The configured store's collection for one embedding model."""
    return VectorStore(config.chroma_url, config.vector_dir, config.collection, model_name)
