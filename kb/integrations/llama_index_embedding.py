"""policy-kb's embedder as a llama-index `BaseEmbedding`, so llama-index can search the project's own vectors.

Queries and passages go through the embedder's own query / passage paths (e5 needs "query: " and "passage: "
prefixes; the embedder adds them), so a query embedded here lands next to the chunk vectors that `kb ingest`
stored: `VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=…), embed_model=…)` works.
"""

from __future__ import annotations

import asyncio
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from pydantic import PrivateAttr

from kb.embedding.embedder import Embedder


class PolicyKbEmbedding(BaseEmbedding):
    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "PolicyKbEmbedding"

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._embedder.embed_queries([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return await asyncio.to_thread(self._get_query_embedding, query)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._embedder.embed_passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._embedder.embed_passages(texts).tolist()
