"""policy-kb's answers as a llama-index query engine and agent tool, refusals and verified citations kept.

`PolicyKbQueryEngine.query(q)` is `PolicyKb.ask(q)` (the answer `kb ask` gives) as a llama-index `Response`:
    response      the answer text with its 〔文号 clause〕 markers, or the not_found refusal as it is
    source_nodes  the cited clauses first, then the other retrieved ones (ids = chunk ids, scores 0–1: see
                  kb.integrations.llama_index_retriever; a clause cited without being among the top-k, e.g. for a
                  question about the document's own header, scores 1.0)
    metadata      status (answered / not_found), citations, timings_ms, origin, retrieval_mode, question
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.response.schema import Response
from llama_index.core.callbacks import CallbackManager
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.tools import QueryEngineTool
from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters

from kb.engine import PolicyKb
from kb.integrations.llama_index_nodes import ClauseTree, chunk_node_id, clause_text_node, indexed_snapshot
from kb.integrations.llama_index_retriever import PolicyKbRetriever, hit_nodes, retrieval_mode
from kb.schema import Answer, Citation, RetrievalMode
from kb.store.snapshot import Snapshot

DEFAULT_TOOL_NAME = "policy_kb"
_TOOL_TITLES = 5  # documents named in the tool description; the rest are counted


class PolicyKbQueryEngine(BaseQueryEngine):
    """`kb ask` as a llama-index query engine; `docs` / `levels` restrict the documents as `kb ask --doc/--level`."""

    def __init__(self, kb: PolicyKb, mode: RetrievalMode | str = RetrievalMode.HYBRID, top_k: int | None = None,
                 docs: Sequence[str] = (), levels: Sequence[str] = (), use_llm: bool | None = None,
                 callback_manager: CallbackManager | None = None) -> None:
        super().__init__(callback_manager=callback_manager)
        self._kb = kb
        self._mode = retrieval_mode(mode)
        self._top_k = top_k
        self._docs = tuple(docs)
        self._levels = tuple(levels)
        self._use_llm = use_llm

    def _get_prompt_modules(self) -> dict[str, object]:
        return {}  # no prompts: the answer is extractive (or worded by policy-kb's own verified LLM step)

    def _query(self, query_bundle: QueryBundle) -> Response:
        answer = self._kb.ask(query_bundle.query_str, mode=self._mode, top_k=self._top_k, docs=self._docs,
                              levels=self._levels, use_llm=self._use_llm)
        return answer_response(answer, self._kb.retriever.snapshot(), self._mode)

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        return await asyncio.to_thread(self._query, query_bundle)

    def retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        """The clauses that the engine answers from, as the retriever ranks them."""
        filters = [MetadataFilter(key=key, value=list(values), operator=FilterOperator.IN)
                   for key, values in (("doc", self._docs), ("level", self._levels)) if values]
        retriever = PolicyKbRetriever(self._kb, self._mode, self._top_k,
                                      filters=MetadataFilters(filters=filters) if filters else None)
        return retriever.retrieve(query_bundle)


def answer_response(answer: Answer, snap: Snapshot, mode: RetrievalMode) -> Response:
    retrieved = hit_nodes(snap, answer.retrieved, mode)
    by_clause = {(n.node.metadata["doc"], n.node.metadata["clause"]): n for n in retrieved}
    cited = [by_clause.get((c.doc, c.clause)) or _cited_node(snap, c) for c in answer.citations]
    cited = list({n.node.node_id: n for n in cited if n is not None}.values())  # one node per cited clause
    others = [n for n in retrieved if n.node.node_id not in {c.node.node_id for c in cited}]
    metadata = {"status": str(answer.status), "question": answer.question,
                "citations": [asdict(c) for c in answer.citations], "timings_ms": dict(answer.timings_ms),
                "origin": str(answer.origin), "retrieval_mode": str(mode)}
    if answer.fallback_reasons:
        metadata["fallback_reasons"] = list(answer.fallback_reasons)
    return Response(response=answer.text, source_nodes=cited + others, metadata=metadata)


def _cited_node(snap: Snapshot, citation: Citation) -> NodeWithScore | None:
    """A cited clause that was not among the retrieved top-k (None if the index changed meanwhile)."""
    doc = next((d for d in snap.documents.values() if d.meta.citation_name == citation.doc), None)
    clause = doc.clause(citation.clause) if doc else None
    if doc is None or clause is None:
        return None
    node_id = chunk_node_id(snap.chunks, doc.meta.doc_id, clause.label)
    return NodeWithScore(node=clause_text_node(doc.meta, clause, ClauseTree(doc), node_id), score=1.0)


def tool_description(kb: PolicyKb) -> str:
    """When an agent should use the tool, what it returns, and that a refusal is passed on, not replaced."""
    documents = list(indexed_snapshot(kb).documents.values())
    titles = "、".join(f"《{d.meta.title}》" if d.meta.title else d.meta.citation_name
                      for d in documents[:_TOOL_TITLES])
    more = f" and {len(documents) - _TOOL_TITLES} more" if len(documents) > _TOOL_TITLES else ""
    return (
        f"Answers questions about the Chinese policy documents, laws and regulations loaded in policy-kb: "
        f"{titles}{more}. Use it for any question about what these documents require, encourage, target or "
        "define; the input is one self-contained question, best in Chinese. The answer quotes the documents and "
        "cites every statement with its clause in 〔…〕 (e.g. 〔渝府发〔2021〕31号 二（一）4〕); keep those citations "
        "when you use it. If the answer says that the documents do not answer the question (e.g. "
        "现有文件中没有找到…), pass that on to the user as it is: do not replace it with an answer from your own "
        "knowledge.")


def policy_kb_tool(kb: PolicyKb, name: str = DEFAULT_TOOL_NAME, description: str | None = None,
                   **engine_options: object) -> QueryEngineTool:
    """A `QueryEngineTool` over `PolicyKbQueryEngine(kb, **engine_options)` for llama-index agents."""
    engine = PolicyKbQueryEngine(kb, **engine_options)  # type: ignore[arg-type]
    return QueryEngineTool.from_defaults(engine, name=name, description=description or tool_description(kb))
