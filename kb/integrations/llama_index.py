"""policy-kb's hybrid retriever as a llama-index `BaseRetriever`, for users who plug it into their own engines.

Each node is one clause; its metadata carries the citation (文号, clause label, heading), so whatever a llama-index
query engine writes can still be traced to the exact clause.
"""

from __future__ import annotations

from typing import Sequence

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from kb.engine import PolicyKb


class PolicyKbRetriever(BaseRetriever):
    def __init__(self, engine: PolicyKb, mode: str = "hybrid", top_k: int = 5, docs: Sequence[str] = ()) -> None:
        super().__init__()
        self._engine = engine
        self._mode = mode
        self._top_k = top_k
        self._docs = tuple(docs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self._engine.search(query_bundle.query_str, mode=self._mode, top_k=self._top_k, docs=self._docs)
        return [
            NodeWithScore(
                node=TextNode(
                    id_=f"{hit.doc_id}:{hit.clause_label}",
                    text=hit.text,
                    metadata={"doc": hit.citation_name, "doc_title": hit.doc_title, "clause": hit.clause_label,
                              "heading": hit.heading, "best_sentence": hit.best_sentence},
                ),
                score=hit.score,
            )
            for hit in hits
        ]
