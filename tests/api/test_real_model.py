"""The API over the real model (session-wide `real_kb`): the openai client gets the cited answer of `kb ask`."""

from __future__ import annotations

import httpx
import openai
import pytest

from api.support import running
from kb.serialize import answer_json

QUESTION = "到2025年全市森林覆盖率要达到多少？"


@pytest.mark.integration
def test_the_real_model_answers_through_the_api_and_the_openai_client(real_kb) -> None:
    with running(real_kb) as url:
        asked = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=60).json()
        completion = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0).chat.completions.create(
            model="policy-kb", messages=[{"role": "user", "content": QUESTION}])
    expected = answer_json(real_kb.ask(QUESTION))
    assert asked["status"] == "answered" and "57%" in asked["answer"]
    assert asked["answer"] == expected["answer"] and asked["citations"] == [dict(c) for c in expected["citations"]]
    assert completion.choices[0].message.content == asked["answer"]
    assert "〔渝府发〔2021〕31号 一（二）〕" in completion.choices[0].message.content
