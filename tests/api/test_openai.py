"""The OpenAI-compatible route with the `openai` Python client as a real client: plain and streaming answers carry
the citation markers and a `policy_kb` field; earlier user messages are the conversation."""

from __future__ import annotations

import httpx
import openai
import pytest

from api.support import ADMIN_KEY, READ_KEY
from kb.engine import Turn
from kb.serialize import answer_json

QUESTION = "到2025年森林覆盖率要达到多少？"
FOLLOW_UP = "那空气质量优良天数比例呢？"


def client(url: str, key: str = "unused-on-loopback") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0)


def api_answer(url: str, question: str, history: list[str] = ()) -> dict:
    return httpx.post(f"{url}/v1/ask", json={"question": question, "history": list(history)}).json()


def test_models_lists_policy_kb(open_server) -> None:
    assert [model.id for model in client(open_server.url).models.list()] == ["policy-kb"]


def test_a_chat_completion_is_the_answer_with_its_citation_markers(open_server) -> None:
    completion = client(open_server.url).chat.completions.create(
        model="policy-kb", messages=[{"role": "system", "content": "你是政策助手"},
                                     {"role": "user", "content": QUESTION}], temperature=0)
    expected = api_answer(open_server.url, QUESTION)
    message = completion.choices[0].message
    assert (message.role, completion.choices[0].finish_reason, completion.model) == ("assistant", "stop", "policy-kb")
    assert message.content == expected["answer"] and "〔" in message.content
    extra = completion.model_extra["policy_kb"]
    assert extra["status"] == expected["status"] == "answered"
    assert extra["citations"] == expected["citations"] and extra["retrieved"] == expected["retrieved"]
    assert all(f"〔{c['doc']} {c['clause']}〕" in message.content for c in extra["citations"])


def test_a_streamed_chat_completion_adds_up_to_the_same_answer(open_server) -> None:
    stream = client(open_server.url).chat.completions.create(
        model="policy-kb", messages=[{"role": "user", "content": QUESTION}], stream=True)
    chunks = list(stream)
    expected = api_answer(open_server.url, QUESTION)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == expected["answer"]
    assert [chunk.choices[0].finish_reason for chunk in chunks][-1] == "stop"
    assert chunks[-1].model_extra["policy_kb"]["citations"] == expected["citations"]
    assert len({chunk.id for chunk in chunks}) == 1


def test_earlier_user_messages_are_the_conversation(open_server) -> None:
    first = api_answer(open_server.url, QUESTION)
    messages = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": first["answer"]},
                {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]}]
    completion = client(open_server.url).chat.completions.create(model="policy-kb", messages=messages)
    expected = answer_json(open_server.kb.ask(FOLLOW_UP, history=[Turn(QUESTION)]))
    assert completion.choices[0].message.content == expected["answer"]
    assert completion.model_extra["policy_kb"]["citations"] == [dict(c) for c in expected["citations"]]


def test_bad_chat_requests_are_openai_errors(open_server) -> None:
    chat = client(open_server.url).chat.completions
    with pytest.raises(openai.NotFoundError, match="policy-kb"):
        chat.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(openai.BadRequestError, match="last message"):
        chat.create(model="policy-kb", messages=[{"role": "user", "content": QUESTION},
                                                 {"role": "assistant", "content": "…"}])
    with pytest.raises(openai.UnprocessableEntityError):
        chat.create(model="policy-kb", messages=[])


def test_keys_apply_to_the_openai_client(keyed_server) -> None:
    for key in (READ_KEY, ADMIN_KEY):
        completion = client(keyed_server.url, key).chat.completions.create(
            model="policy-kb", messages=[{"role": "user", "content": QUESTION}])
        assert "〔" in completion.choices[0].message.content
    with pytest.raises(openai.AuthenticationError):
        client(keyed_server.url, "not-a-key").models.list()
