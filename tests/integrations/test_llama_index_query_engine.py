"""The query engine is `kb ask` in llama-index's shapes; the tool works inside a llama-index agent loop."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, MessageRole, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM

from kb.integrations.llama_index import PolicyKbQueryEngine, policy_kb_tool

ANSWERABLE = "新建充电桩的目标是多少"
UNANSWERABLE = "火星移民的补贴标准是多少？"


def test_answered_query_is_the_kb_ask_answer_with_cited_clauses_first(seed_kb):
    response = PolicyKbQueryEngine(seed_kb).query(ANSWERABLE)
    answer = seed_kb.ask(ANSWERABLE)
    assert answer.status == "answered"
    assert response.response == answer.text and "〔渝府发〔2021〕31号 二（四）14〕" in response.response
    assert response.metadata["status"] == "answered"
    assert response.metadata["citations"] == [asdict(c) for c in answer.citations]
    assert set(response.metadata["timings_ms"]) >= {"retrieve", "answer", "total"}
    cited = list(dict.fromkeys(c.clause for c in answer.citations))
    labels = [n.node.metadata["clause"] for n in response.source_nodes]
    assert labels[:len(cited)] == cited
    retrieved = [h.clause_label for h in answer.retrieved if h.clause_label not in cited]
    assert labels[len(cited):] == retrieved  # then the other retrieved clauses, in rank order
    assert len({n.node.node_id for n in response.source_nodes}) == len(response.source_nodes)
    assert all(0.0 <= n.score <= 1.0 for n in response.source_nodes)


def test_not_found_comes_back_as_the_refusal_without_citations(seed_kb):
    response = PolicyKbQueryEngine(seed_kb).query(UNANSWERABLE)
    refusal = seed_kb.ask(UNANSWERABLE)
    assert refusal.status == "not_found"
    assert response.metadata["status"] == "not_found"
    assert response.response == refusal.text and response.response.startswith("现有文件中没有找到")
    assert response.metadata["citations"] == []
    # The closest clauses still come back as sources, for the user to check.
    assert [n.node.metadata["clause"] for n in response.source_nodes] == [h.clause_label for h in refusal.retrieved]


def test_aquery_gives_the_same_response(seed_kb):
    engine = PolicyKbQueryEngine(seed_kb)
    sync, in_thread = engine.query(ANSWERABLE), asyncio.run(engine.aquery(ANSWERABLE))
    assert in_thread.response == sync.response
    assert in_thread.metadata["citations"] == sync.metadata["citations"]
    assert [n.node.node_id for n in in_thread.source_nodes] == [n.node.node_id for n in sync.source_nodes]


def test_document_restriction_applies_to_answers_and_sources(laws_kb):
    engine = PolicyKbQueryEngine(laws_kb, docs=["cq-forest-fire"], top_k=6)
    response = engine.query("森林防火期内禁止哪些野外用火？")
    assert response.source_nodes
    assert {n.node.metadata["doc_id"] for n in response.source_nodes} == {"cq-forest-fire"}
    assert {n.node.metadata["doc_id"] for n in engine.retrieve(response.metadata["question"])} == {"cq-forest-fire"}


def _one_tool_call_then_relay(calls: list[dict]):
    """A scripted function-calling model: call the first tool with the user's message, then answer with exactly
    what the tool returned (what the tool's description asks an agent to do)."""
    def respond(messages, **kwargs):
        calls.append({"tools": kwargs.get("tools") or [], "messages": list(messages)})
        tool_results = [m for m in messages if m.role == MessageRole.TOOL]
        if tool_results:
            return ChatMessage(role=MessageRole.ASSISTANT, content=tool_results[-1].content)
        question = next(m.content for m in reversed(messages) if m.role == MessageRole.USER)
        tool = kwargs["tools"][0].metadata.name
        return ChatMessage(role=MessageRole.ASSISTANT, blocks=[
            ToolCallBlock(tool_call_id="call-1", tool_name=tool, tool_kwargs={"input": question})])
    return respond


@pytest.mark.parametrize("question, status", [(ANSWERABLE, "answered"), (UNANSWERABLE, "not_found")])
def test_tool_inside_an_agent_loop(seed_kb, question, status):
    calls: list[dict] = []
    tool = policy_kb_tool(seed_kb)
    agent = FunctionAgent(tools=[tool], llm=MockFunctionCallingLLM(response_generator=_one_tool_call_then_relay(calls)))

    async def run_agent():
        return await agent.run(user_msg=question)  # the workflow starts inside a running event loop

    output = asyncio.run(run_agent())
    assert len(output.tool_calls) == 1
    result = output.tool_calls[0]
    assert result.tool_name == "policy_kb" and result.tool_kwargs == {"input": question}
    assert result.tool_output.raw_output.metadata["status"] == status
    assert str(output.response.content) == seed_kb.ask(question).text
    # The model was offered the tool with a description that says when to use it and that refusals are kept.
    description = calls[0]["tools"][0].metadata.description
    assert "重庆市人民政府关于加快建立健全绿色低碳循环发展经济体系的实施意见" in description
    assert "〔" in description and "pass that on to the user" in description and "own knowledge" in description


def test_tool_name_and_description_can_be_set(seed_kb):
    tool = policy_kb_tool(seed_kb, name="green_policy", description="Green economy policy of Chongqing.", top_k=3)
    assert tool.metadata.name == "green_policy"
    assert tool.metadata.description == "Green economy policy of Chongqing."
    assert tool.call(input=ANSWERABLE).raw_output.metadata["status"] == "answered"
