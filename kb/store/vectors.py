"""The vector store: Chroma, embedded (PersistentClient) by default or a Chroma server when configured.

Chroma never embeds anything itself (its default embedding function would try to download a model): every
add and query passes vectors. Vector ids are content-addressed chunk ids, so a vector that is already stored is
never computed again, and vectors of a half-finished ingest are harmless extras until they are referenced.

Beside each vector the collection keeps the chunk's text (the exact text that was embedded) as Chroma's document
and flat metadata: doc_id, clause, kind. That is the layout llama-index's `ChromaVectorStore` reads when
a record has no `_node_content`: it builds a `TextNode` from the document text and the metadata, so a llama-index
user pointed at this collection retrieves real text. Only what the chunk id determines is kept (文号, title and
level can be corrected with `kb meta` while the vector is reused, so they would go stale here).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence
from urllib.parse import urlparse

import numpy as np

from kb.config import Config
from kb.errors import KbError
from kb.schema import Chunk
from kb.store.chroma_access import GuardedCollection, VectorStoreUnavailable
from kb.store.layout import state_path, vector_lock_path
from kb.store.state import IndexState

_PAGE = 5000  # ids per get/delete call; Chroma limits the size of one request


@dataclass(frozen=True)
class VectorMatch:
    chunk_id: str
    similarity: float  # cosine similarity in [-1, 1]


class VectorStore:
    """One collection of the configured Chroma. Every call follows kb.store.chroma_access's rules (locks, timeouts,
    VectorStoreUnavailable); `close` it when done (or use it in a `with`), as a writer must."""

    def __init__(self, chroma_url: str, persist_dir: Path, collection: str, model_name: str,
                 timeout_s: float = 5, writer: bool = False, name: str = "") -> None:
        if chroma_url:
            url = urlparse(chroma_url)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise KbError(f"chroma_url must look like http://HOST:PORT, got {chroma_url!r}")
        # One collection per embedding model: vectors of different models never mix. `name`: another collection of
        # the same model (a reindex's new one).
        self.base_name = collection_name(collection, model_name)
        self.name = name or self.base_name
        self.model_name = model_name
        self._collection = GuardedCollection(
            lambda client: _open_collection(client, self.name, model_name),
            chroma_url, persist_dir, None if chroma_url else vector_lock_path(persist_dir), timeout_s, writer)

    def close(self) -> None:
        self._collection.close()

    def __enter__(self) -> "VectorStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reopen(self) -> None:
        """Load the collection afresh (embedded: another process may have changed its files)."""
        self._collection.reopen()

    def recreate(self) -> None:
        """Drop this collection and start it empty (a damaged one on a Chroma server)."""
        self._collection.with_client(lambda client: client.delete_collection(self.name), write=True)
        self._collection.reopen()

    def sibling_collections(self) -> list[str]:
        """The other collections of this store's model: the default one and those of reindexes (`-g<N>`)."""
        listed = self._collection.with_client(lambda client: client.list_collections(), write=False)
        names = [c if isinstance(c, str) else c.name for c in listed]
        return sorted(n for n in names
                      if n != self.name and (n == self.base_name or n.startswith(self.base_name + "-g")))

    def drop_collection(self, name: str) -> None:
        """Delete another collection of this store's model (the one a reindex replaced, or left half-filled)."""
        if name == self.name or name not in self.sibling_collections():
            raise ValueError(f"{name} is not another collection of model {self.model_name}")
        self._collection.with_client(lambda client: client.delete_collection(name), write=True)

    @property
    def collection(self):
        """The Chroma collection itself, e.g. for llama-index's `ChromaVectorStore(chroma_collection=…)`; calls on
        it bypass this store's locks and timeouts (kb.store.chroma_access)."""
        return self._collection.raw

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
        ids = list(dict.fromkeys(ids))  # Chroma rejects a get that names an id twice
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), _PAGE):
            page = self._collection.get(ids=list(ids[start:start + _PAGE]), include=["embeddings"])
            found.update(zip(page["ids"], np.asarray(page["embeddings"], dtype=np.float32)))
        return found

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Store the vectors of `chunks` (row i belongs to chunk i) with each chunk's text and metadata."""
        for start in range(0, len(chunks), _PAGE):
            page = chunks[start:start + _PAGE]
            self._collection.upsert(ids=[c.chunk_id for c in page],
                                    embeddings=vectors[start:start + _PAGE].astype(np.float32),
                                    documents=[c.text for c in page], metadatas=[chunk_metadata(c) for c in page])

    def fill_texts(self, chunks: Sequence[Chunk]) -> int:
        """Add the text and metadata to stored vectors of `chunks` that lack them (an index written before texts
        were kept); the vectors stay. Returns how many were filled."""
        filled = 0
        for start in range(0, len(chunks), _PAGE):
            page = {c.chunk_id: c for c in chunks[start:start + _PAGE]}
            stored = self._collection.get(ids=list(page), include=["metadatas"])
            lacking = [page[cid] for cid, meta in zip(stored["ids"], stored["metadatas"])
                       if TEXT_MARKER not in (meta or {})]
            if lacking:
                # With the vectors passed back: an update of documents alone would make Chroma embed them itself.
                kept = self.vectors([c.chunk_id for c in lacking])
                self._collection.update(ids=[c.chunk_id for c in lacking],
                                        embeddings=np.stack([kept[c.chunk_id] for c in lacking]),
                                        documents=[c.text for c in lacking],
                                        metadatas=[chunk_metadata(c) for c in lacking])
            filled += len(lacking)
        return filled

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


# HNSW search settings. e5 vectors of one genre lie within a few hundredths of cosine of each other: at Chroma's
# default ef_search (100) a search over the development corpus (3,025 chunks) lost the nearest chunk of some
# questions, and which one it lost changed from process to process (the graph is rebuilt from Chroma's log by
# several threads). At 400 the nearest ones came back in every run, but not all of the 100 a search asks for, so
# kb.search.retrieve ranks an index of moderate size exactly and uses the graph beyond it (EXACT_INDEX_MAX_CHUNKS).
HNSW_SETTINGS = {"ef_search": 400}


def _open_collection(client: Any, name: str, model_name: str) -> Any:
    """The collection, created if missing, with HNSW_SETTINGS (applied to a collection made before them too)."""
    collection = client.get_or_create_collection(
        name=name, embedding_function=None, metadata={"hnsw:space": "cosine", "model": model_name})
    hnsw = (collection.configuration or {}).get("hnsw") or {}
    if any(hnsw.get(key) != value for key, value in HNSW_SETTINGS.items()):
        collection.modify(configuration={"hnsw": dict(HNSW_SETTINGS)})
    return collection


TEXT_MARKER = "kind"  # a record with this metadata key also has its chunk's text


def chunk_metadata(chunk: Chunk) -> dict[str, str]:
    """The flat metadata kept with a chunk's vector; `doc_id` is also what queries restrict documents by."""
    return {"doc_id": chunk.doc_id, "clause": chunk.clause_label, TEXT_MARKER: str(chunk.kind)}


def collection_name(prefix: str, model_name: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in Path(model_name).name.lower()).strip("-")
    return f"{prefix}-{slug}"[:60].strip("-")


def open_vectors(config: Config, model_name: str, collection: str = "", writer: bool = False) -> VectorStore:
    """The configured store's collection for one embedding model: the one the index state names (a reindex
    switches it), unless `collection` is given. `writer`: waits for readers instead of giving up after
    chroma_timeout_s (kb.store.chroma_access)."""
    return VectorStore(config.chroma_url, config.vector_dir, config.collection, model_name,
                       timeout_s=config.chroma_timeout_s, writer=writer,
                       name=collection or active_collection(config, model_name))


def active_collection(config: Config, model_name: str) -> str:
    """The name of the collection that holds the current index's vectors of `model_name`."""
    state = IndexState(state_path(config))
    try:
        return state.vector_collection(model_name) or collection_name(config.collection, model_name)
    finally:
        state.close()


def require_vector_store(config: Config, model_name: str) -> None:
    """Fail with VectorStoreUnavailable unless the configured Chroma server answers (a change checks this before
    writing anything); the embedded store is always there."""
    if config.chroma_url:
        open_vectors(config, model_name, writer=True).close()
