"""The engine facade: question limits, and the optional language model wired into ask()."""

import pytest

from fake_openai_server import serve
from kb.engine import PolicyKb, check_question
from kb.errors import KbError

VALID = "到2025年，全市森林覆盖率达到57%〔渝府发〔2021〕31号 一（二）〕。"


def test_question_limits():
    assert check_question("  森林覆盖率？ ", 2000) == "森林覆盖率？"
    with pytest.raises(KbError, match="empty"):
        check_question("", 2000)
    with pytest.raises(KbError, match="limit is 10"):
        check_question("问" * 11, 10)


def test_ask_uses_the_configured_llm_and_can_be_told_not_to(kb_config, fake_embedder):
    with serve(VALID) as server:
        config = kb_config.replace(llm_base_url=server.base_url, llm_model="test-model")
        engine = PolicyKb(config, embedder=fake_embedder)
        engine.ingest()
        question = "到2025年全市森林覆盖率要达到多少？"
        worded = engine.ask(question)
        assert worded.text == VALID and "llm" in worded.timings_ms and "llm_fallback" not in worded.timings_ms
        assert [c.clause for c in worded.citations] == ["一（二）"]
        extractive = engine.ask(question, use_llm=False)
        assert len(server.requests) == 1  # the second question never reached the model
    assert extractive.text != VALID and "森林覆盖率达到57%" in extractive.text


def test_an_llm_answer_that_fails_verification_falls_back(kb_config, fake_embedder):
    with serve("到2025年，全市森林覆盖率达到60%〔渝府发〔2021〕31号 一（二）〕。") as server:
        engine = PolicyKb(kb_config.replace(llm_base_url=server.base_url, llm_model="m"), embedder=fake_embedder)
        engine.ingest()
        answer = engine.ask("到2025年全市森林覆盖率要达到多少？")
    assert answer.timings_ms.get("llm_fallback") == 1.0
    assert "60%" not in answer.text and "57%" in answer.text
