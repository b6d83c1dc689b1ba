"""The engine facade: question limits, and the optional language model wired into ask()."""

import pytest

from fake_openai_server import serve
from kb.engine import PolicyKb, check_question
from kb.errors import KbError
from kb.schema import AnswerOrigin

VALID = "到2025年，全市森林覆盖率达到57%〔渝府发〔2021〕31号 一（二）〕。"


def _engine_with(kb_config, fake_embedder, **documents: str) -> PolicyKb:
    """An engine over the bundled corpus and these documents (file stem = keyword), ingested."""
    for stem, text in documents.items():
        (kb_config.corpus_dir / f"{stem}.txt").write_text(text, encoding="utf-8")
    engine = PolicyKb(kb_config, embedder=fake_embedder)
    engine.ingest()
    return engine


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
        assert worded.text == VALID and "llm" in worded.timings_ms and worded.origin == AnswerOrigin.GENERATIVE
        assert [c.clause for c in worded.citations] == ["一（二）"]
        extractive = engine.ask(question, use_llm=False)
        assert len(server.requests) == 1  # the second question never reached the model
    assert extractive.text != VALID and "森林覆盖率达到57%" in extractive.text


def test_an_llm_answer_that_fails_verification_falls_back(kb_config, fake_embedder):
    with serve("到2025年，全市森林覆盖率达到60%〔渝府发〔2021〕31号 一（二）〕。") as server:
        engine = PolicyKb(kb_config.replace(llm_base_url=server.base_url, llm_model="m"), embedder=fake_embedder)
        engine.ingest()
        answer = engine.ask("到2025年全市森林覆盖率要达到多少？")
    assert answer.origin == AnswerOrigin.FALLBACK and "60 is not in the cited clauses" in answer.fallback_reasons[0]
    assert "60%" not in answer.text and "57%" in answer.text


def test_questions_are_normalised_in_one_place():
    assert check_question("森林\u200b覆盖率\u2060到２０２５年\u00ad达到\ufeff多少？", 2000) == "森林覆盖率到2025年达到多少？"
    assert check_question("第①条（一）规定了什么，", 2000) == "第1条（一）规定了什么，"  # fullwidth punctuation stays
    with pytest.raises(KbError, match="empty"):
        check_question("\u200b\u200c\ufeff", 2000)
    with pytest.raises(KbError, match="surrogate"):
        check_question("森林\ud800覆盖率", 2000)
    with pytest.raises(KbError, match="must be text"):
        check_question(12345, 2000)  # type: ignore[arg-type]


def test_the_facade_answers_for_generation_and_unloaded_references(kb_config, fake_embedder):
    import json
    import shutil

    from conftest import SEED_NAME

    engine = PolicyKb(kb_config, embedder=fake_embedder)
    engine.ingest()
    seed = engine.document("cq-2021-31")
    reference = ("国务院关于加快建立健全绿色低碳循环发展经济体系的指导意见", "国发〔2021〕4号")
    assert engine.unloaded_references(seed) == [reference]
    generation = engine.generation()
    # The national document arrives (here: a copy of the seed under its 文号); the reference is loaded now.
    manifest_path = kb_config.corpus_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    shutil.copy(kb_config.corpus_dir / SEED_NAME, kb_config.corpus_dir / "national.txt")
    manifest["documents"]["national.txt"] = {"doc_id": "gf-2021-4", "doc_number": "国发〔2021〕4号",
                                             "title": reference[0]}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    engine.ingest()
    assert engine.generation() == generation + 1
    assert engine.unloaded_references(seed) == []


def test_wenjian_questions_are_asked_of_the_policy_documents_first_then_of_all(kb_config, fake_embedder):
    from kb.schema import AnswerStatus

    law = ("重庆市餐饮测试条例\n2021年5月27日 重庆市第五届人民代表大会常务委员会第二十六次会议通过\n"
           "第一条 为了制止餐饮浪费行为，制定本条例。\n"
           "第二条 餐饮服务经营者应当提示消费者适量点餐，制止餐饮浪费行为。\n"
           "第三条 城市道路挖掘申请应当自受理之日起二十日内作出决定。\n")
    engine = _engine_with(kb_config, fake_embedder, food=law)
    policy = engine.ask("文件里对制止餐饮浪费有什么说法？")
    assert policy.status == AnswerStatus.ANSWERED and policy.citations[0].clause == "二（三）11"
    fallback = engine.ask("文件里对城市道路挖掘申请有什么规定？")  # only the regulation says it
    assert fallback.status == AnswerStatus.ANSWERED and fallback.citations[0].clause == "第三条"


def test_a_follow_up_stays_with_the_documents_of_the_previous_question_or_answer(kb_config, fake_embedder):
    from kb.engine import Turn

    law = ("重庆市印发测试条例\n2021年5月27日 重庆市第五届人民代表大会常务委员会第二十六次会议通过\n"
           "第一条 本条例所称印发，是指文件的公开发布。\n"
           "第二条 文件印发后应当在十日内公开。\n")
    engine = _engine_with(kb_config, fake_embedder, issue=law)
    when = engine.ask("什么时候印发的？", history=[Turn("这份文件是哪个单位发布的？")])
    assert when.citations[0].doc == "渝府发〔2021〕31号" and "2021年10月11日" in when.text
    earlier = engine.ask("重庆市印发测试条例规定印发后多少日内公开？")
    assert earlier.citations[0].clause == "第二条"
    follow_up = engine.ask("印发是指什么？", history=[Turn("印发后多久公开？", earlier)])
    assert follow_up.citations[0].clause == "第一条"


def test_a_party_only_some_documents_name_means_those_documents(kb_config, fake_embedder):
    """排污单位 is named by the permit regulation only: its keeping period answers, though the carbon regulation's
    sentence shares more of the question's words (至少, 管理台账, 保存)."""
    permits = ("乙市排污测试条例\n2021年1月24日 乙市人民代表大会常务委员会会议通过\n"
               "第一条 排污单位应当建立环境管理台账记录制度，如实记录污染防治设施运行情况。环境管理台账记录保存期限不得少于5年。\n")
    carbon = ("乙市碳排放测试条例\n2024年1月25日 乙市人民代表大会常务委员会会议通过\n"
              "第一条 重点排放单位年度排放报告所涉数据的原始记录和管理台账应当至少保存3年。\n")
    engine = _engine_with(kb_config, fake_embedder, permits=permits, carbon=carbon)
    answer = engine.ask("排污单位的环境管理台账记录至少要保存多少年？")
    assert answer.citations[0].doc_title == "乙市排污测试条例" and "5年" in answer.text


def test_a_place_the_question_names_means_its_own_documents_unless_they_say_nothing(kb_config, fake_embedder):
    """Asked with no place, the national law's sentence answers best; asked about 重庆, 重庆's own regulation answers,
    and the national law where the regulation says nothing of the matter (national law holds there too)."""
    national = ("中华人民共和国行道树测试法\n2020年1月1日 第十三届全国人民代表大会常务委员会第十五次会议通过\n"
                "第一条 城市行道树养护单位应当每年修剪行道树两次，并建立行道树修剪记录。\n"
                "第二条 行道树死亡的，养护单位应当在三十日内补植。\n")
    local = ("重庆市行道树测试条例\n2021年5月27日 重庆市第五届人民代表大会常务委员会第二十六次会议通过\n"
             "第一条 本市行道树每年修剪一次。\n"
             "第二条 行道树修剪由区县园林绿化主管部门组织。\n")
    engine = _engine_with(kb_config, fake_embedder, national=national, local=local)
    anywhere = engine.ask("行道树一年修剪几次？")
    assert anywhere.citations[0].doc_title == "中华人民共和国行道树测试法" and "两次" in anywhere.text
    chongqing = engine.ask("在重庆，行道树一年修剪几次？")
    assert chongqing.citations[0].doc_title == "重庆市行道树测试条例" and "一次" in chongqing.text
    replanting = engine.ask("重庆的行道树死亡的，多少日内要补植？")
    assert replanting.citations[0].doc_title == "中华人民共和国行道树测试法" and "三十日" in replanting.text


def test_places_compared_are_each_searched_in_their_own_documents(kb_config, fake_embedder):
    """"重庆和上海对测试屋顶绿化的要求有什么不同" quotes each place's provision, though 上海's regulation repeats the
    question's words in more clauses than 重庆's has candidates for."""
    shanghai = ("上海市测试屋顶绿化条例\n2024年9月27日 上海市第十六届人民代表大会常务委员会第十五次会议通过\n"
                + "".join(f"第{n}条 测试屋顶绿化的要求：第{n}类测试屋顶绿化应当符合本市测试屋顶绿化技术要求。\n"
                          for n in "一二三四五六七八九十")
                + "第十一条 新建公共建筑应当实施测试屋顶绿化。\n")
    chongqing = ("重庆市测试园林条例\n2021年5月27日 重庆市第五届人民代表大会常务委员会第二十六次会议通过\n"
                 "第一条 本市鼓励既有建筑实施测试屋顶绿化。\n")
    engine = _engine_with(kb_config, fake_embedder, shanghai=shanghai, chongqing=chongqing)
    answer = engine.ask("重庆和上海对测试屋顶绿化的要求有什么不同？")
    assert {c.doc_title for c in answer.citations} == {"上海市测试屋顶绿化条例", "重庆市测试园林条例"}
