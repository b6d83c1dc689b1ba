"""Judging answers: the gold clause must be of the question's document; articles match their paragraphs."""

from kb.evaluation.judge import ClauseRef, gold_rank, invented_entities, is_gold, judge, label_matches
from kb.evaluation.questions import Question
from kb.schema import Answer, AnswerStatus, Citation
from kb.text.sentences import first_sentence

DOC = "渝府发〔2021〕31号"
LAW = "重庆市森林防火条例"


def _answer(text, status=AnswerStatus.ANSWERED, clause="二（一）2", doc=DOC, title="意见"):
    citations = (Citation(doc, title, clause, "h", text, 1.0),) if status == AnswerStatus.ANSWERED else ()
    return Answer("问题？", status, text, citations, ())


def test_a_label_of_another_document_is_no_hit():
    q = Question("x", "多少？", DOC, ("二（一）2",), ("3000个",), True, "number", "dev")
    assert is_gold(q, ClauseRef(DOC, "意见", "二（一）2"))
    assert not is_gold(q, ClauseRef("《某条例》", "某条例", "二（一）2"))
    assert gold_rank(q, [ClauseRef("《某条例》", "某条例", "二（一）2"), ClauseRef(DOC, "", "二（一）2")]) == 2


def test_a_law_is_named_by_its_title_and_an_article_matches_its_paragraphs_and_items():
    q = Question("y", "罚多少？", LAW, ("第四十二条",), ("二百元",), True, "penalty", "dev")
    assert is_gold(q, ClauseRef(f"《{LAW}》", LAW, "第四十二条第二款"))
    assert is_gold(q, ClauseRef(f"《{LAW}》", "", "第四十二条第（一）项"))
    assert not is_gold(q, ClauseRef(f"《{LAW}》", LAW, "第四十三条"))
    assert label_matches("第十一条", "第十一条") and not label_matches("第十一条", "第一条")
    assert not label_matches("二（一）2", "二（一）")  # 意见 labels match exactly


def test_judge_flags_wrong_citation_missing_facts_and_answered_unanswerables():
    q = Question("x", "多少？", DOC, ("二（一）2",), ("3000个",), True, "number", "dev")
    answer = _answer("到2025年，全市“两品一标”认证产品达到3000个。", clause="二（一）3")
    assert judge(q, answer, "3000个 2025") == [f"first citation {DOC} 二（一）3 not in gold {DOC} 二（一）2"]
    unanswerable = Question("y", "罚多少钱？", DOC, (), (), False, "unanswerable", "dev")
    failures = judge(unanswerable, _answer("罚款500元。"), "没有金额")
    assert "answered an unanswerable question" in failures
    assert any(f.startswith("invented") and "500" in f for f in failures)
    refused = judge(q, _answer("没有找到。", status=AnswerStatus.NOT_FOUND), "")
    assert refused == ["refused an answerable question"]


def test_invented_entities_ignore_known_tails_and_the_question():
    answer = _answer("该文件由重庆市人民政府印发，目标为57%。")
    assert invented_entities(answer, "重庆市人民政府 森林覆盖率达到57%") == []
    assert invented_entities(_answer("由市发展改革委员会牵头，目标99%。"), "森林覆盖率达到57%") == [
        "99%", "市发展改革委员会"]


def test_first_sentence():
    assert first_sentence("甲。乙。") == "甲。"
    assert first_sentence("没有句号") == "没有句号"
