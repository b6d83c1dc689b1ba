"""Questions that ask several things: splitting them, and adding a part's own answer only when it says more."""

from kb.answering.compose import UNNAMED_HEDGE
from kb.answering.intent import analyse
from kb.answering.parts import adds_to, new_word_share, question_parts, rules_or_states_anew, with_parts
from kb.schema import Answer, AnswerStatus, Citation


def answered(*quotes: str, clause: str = "第一条", lead: str = "") -> Answer:
    citations = tuple(Citation(doc="《测试条例》", doc_title="测试条例", clause=clause, heading="", quote=q, score=1.0)
                      for q in quotes)
    text = "\n".join(([lead] if lead else []) + [f"{q}〔《测试条例》{clause}〕" for q in quotes])
    return Answer(question="", status=AnswerStatus.ANSWERED, text=text, citations=citations, retrieved=())


REFUSAL = Answer(question="", status=AnswerStatus.NOT_FOUND, text="现有文件中没有找到能回答这个问题的规定。",
                 citations=(), retrieved=())


def words(text: str) -> dict[str, float]:
    return {word: 1.0 for word in text.replace("？", " ").split()}


def test_a_question_is_split_at_each_question_mark_into_its_questions():
    assert question_parts("区域评估由哪一级政府组织？评估费用由谁出？") == ["区域评估由哪一级政府组织？", "评估费用由谁出？"]
    assert question_parts("会被罚款吗？罚多少？") == ["会被罚款吗？", "罚多少？"]


def test_a_single_question_or_a_bare_particle_after_it_is_not_split():
    assert question_parts("排污许可证的有效期是几年？") == []
    assert question_parts("排污许可证的有效期是几年？吗？") == []
    assert question_parts("排污许可证的有效期是几年") == []


def test_new_words_are_the_parts_words_that_the_quote_holds_and_the_answer_lacks():
    weights = {"评估": 1.0, "费用": 3.0}
    assert new_word_share(weights, "区域评估的费用不得由市场主体承担。", "由政府组织统一评估") == 0.75
    assert new_word_share(weights, "区域评估的费用不得由市场主体承担。", "评估的费用由政府承担") == 0.0
    assert new_word_share({}, "任何句子", "") == 0.0


def test_a_part_adds_only_a_new_quote_with_words_the_answer_lacks():
    whole = answered("由设区的市级以上地方人民政府组织统一评估。")
    assert adds_to(whole, answered("区域评估的费用不得由市场主体承担。"), {"评估": 1.0, "费用": 3.0})
    assert not adds_to(whole, answered("由设区的市级以上地方人民政府组织统一评估。"), {"组织": 1.0})
    assert not adds_to(whole, answered("评估结果向社会公开。"), {"评估": 1.0, "费用": 3.0})
    assert not adds_to(whole, REFUSAL, {"费用": 1.0})


def test_a_part_asking_who_adds_the_sentence_naming_the_body_for_it():
    """"标准由哪个部门组织制定": the body is no word of the part, and the answer so far may name it for another task
    ("…并报国务院建设主管部门备案"); the sentence naming a body and holding most of the part's words is added."""
    whole = answered("地方可以依照国家标准组织制定更严的地方标准，并报国务院建设主管部门备案。")
    part = {"国家标准": 2.0, "组织": 1.0, "制定": 1.0}
    naming = answered("国家标准由国务院建设主管部门组织制定。", clause="第二条")
    assert adds_to(whole, naming, part, who_asked=True)
    assert not adds_to(whole, naming, part)  # its new words alone are too few
    assert not adds_to(whole, answered("具体办法由国务院建设主管部门制定。"), part, who_asked=True)  # about little of it
    assert not adds_to(whole, answered("国家标准应当组织制定。"), part, who_asked=True)  # naming no body


def test_a_part_asking_about_the_document_itself_adds_its_statement():
    """"这个通知是谁发的？什么时候发的？": the date shares no word with its part, and is added all the same."""
    whole = answered("测试市人民政府", clause="落款", lead="该文件由测试市人民政府印发。")
    dated = answered("2023年3月15日", clause="落款", lead="该文件的成文日期是2023年3月15日。")
    assert adds_to(whole, dated, {"时候": 1.0, "发": 1.0}, metadata_asked=True)
    assert not adds_to(whole, dated, {"时候": 1.0, "发": 1.0})
    by_part = {"这个通知是谁发的？": whole, "什么时候发的？": dated}
    answer = with_parts("这个通知是谁发的？什么时候发的？", whole, lambda part, earlier: by_part[part], words)
    assert answer.text.splitlines()[2:4] == ["关于“什么时候发的？”：", "该文件的成文日期是2023年3月15日。"]


def test_the_words_of_the_answers_citation_marks_are_not_words_it_says():
    """"原来的《测试条例》还有效吗": the answer so far names 测试条例 only in its citation marks."""
    whole = answered("本条例自2025年1月1日起施行。")
    assert adds_to(whole, answered("原《测试条例》同时废止。"), {"测试条例": 1.0, "原来": 1.0, "有效": 1.0})


def test_the_answer_gains_the_parts_answer_under_its_question():
    whole = answered("由设区的市级以上地方人民政府组织统一评估。")
    by_part = {"评估 由谁 组织？": whole, "评估 费用 由谁出？": answered("评估的费用不得由市场主体承担。", clause="第二条")}
    answer = with_parts("评估 由谁 组织？评估 费用 由谁出？", whole, lambda part, earlier: by_part[part], words)
    assert answer.text.splitlines()[0] == whole.text
    assert answer.text.splitlines()[1:] == ["关于“评估 费用 由谁出？”：", "评估的费用不得由市场主体承担。〔《测试条例》第二条〕"]
    assert [c.clause for c in answer.citations] == ["第一条", "第二条"]


def test_a_part_asking_whether_adds_its_own_verdict_though_the_answer_holds_all_its_words():
    """"中心城区能不能…？中心城区以外的区县是否允许？": the answer to the whole quotes the second part's provision, which
    holds every word of the first; the first part's own provision rules the other way and is added with its verdict."""
    whole = answered("中心城区以外的区县人民政府可以决定是否准许人力车从事客运经营。", clause="第五十二条第二款", lead="可以：")
    banned = answered("中心城区禁止人力车从事客运经营。", clause="第五十二条第二款", lead="不可以，文件禁止：")
    by_part = {"中心城区 能不能 用 人力车 拉客？": banned, "中心城区以外的区县 是否允许？": whole}
    answer = with_parts("中心城区 能不能 用 人力车 拉客？中心城区以外的区县 是否允许？", whole,
                        lambda part, earlier: by_part[part], words)
    assert answer.text.splitlines()[2:] == ["关于“中心城区 能不能 用 人力车 拉客？”：", "不可以，文件禁止：",
                                            "中心城区禁止人力车从事客运经营。〔《测试条例》第五十二条第二款〕"]
    asked, part_words = analyse("中心城区能不能用人力车拉客？"), {"中心城区": 1.0, "人力车": 1.0}
    assert rules_or_states_anew(whole, banned, asked, part_words)
    unruled = answered("中心城区禁止人力车从事客运经营。", clause="第五十二条第二款")
    assert not rules_or_states_anew(whole, unruled, asked, part_words)  # no verdict
    assert not rules_or_states_anew(banned, banned, asked, part_words)  # nothing new
    elsewhere = answered("中心城区禁止人力车从事客运经营。", clause="第九条", lead="不可以，文件禁止：")
    assert not rules_or_states_anew(whole, elsewhere, asked, part_words)  # another article rules on another act
    assert not rules_or_states_anew(whole, banned, asked, {"三轮车": 1.0})  # about none of the part's words
    assert not rules_or_states_anew(whole, banned, asked, {"中心城区": 1.0, "区县": 1.0})  # less than the answer


def test_a_part_asking_how_much_adds_a_provision_stating_another_amount():
    """"建设单位怎么罚？设计、施工单位又怎么罚？": each party's fine is its own amount, in sentences of the same words."""
    whole = answered("设计单位、施工单位违反建筑节能标准的，处十万元以上五十万元以下罚款。", clause="第七十九条第二款")
    builder = answered("建设单位违反建筑节能标准的，处二十万元以上五十万元以下罚款。", clause="第七十九条")
    asked, part_words = analyse("建设单位违反建筑节能标准罚多少钱？"), {"建设单位": 1.0}
    assert rules_or_states_anew(whole, builder, asked, part_words)
    same_fine = answered("建设单位违反建筑节能标准的，处十万元以上五十万元以下罚款。", clause="第七十九条")
    assert not rules_or_states_anew(whole, same_fine, asked, part_words)
    assert not rules_or_states_anew(whole, builder, analyse("建设单位违反建筑节能标准由谁处理？"), part_words)
    other_conduct = answered("建设单位因前述违法行为受到处罚的，处五万元以上罚款。", clause="第七十九条第三款")
    assert not rules_or_states_anew(whole, other_conduct, asked, part_words)  # the conduct is the sentence before


def test_a_parts_answer_keeps_the_other_paragraphs_of_the_article_it_leads_with():
    """An article's 款 are one provision (第二十九条 and its 第二款 on the local markets); another article is not."""
    whole = answered("本条例适用于全国碳排放权交易市场的碳排放权交易及相关活动。", clause="第二条")
    quoted = [("对本条例施行前建立的地方碳排放权交易市场，应当健全完善有关管理制度。", "第二十九条"),
              ("本条例施行后，不再新建地方碳排放权交易市场。", "第二十九条第二款"),
              ("地方碳排放权交易市场由省级人民政府管理。", "第三十条")]
    by_part = {"交易 活动？": whole, "地方 碳市场 怎么 处理？": Answer(
        question="", status=AnswerStatus.ANSWERED, text="\n".join(f"{q}〔《测试条例》{c}〕" for q, c in quoted),
        citations=tuple(Citation(doc="《测试条例》", doc_title="测试条例", clause=c, heading="", quote=q, score=1.0)
                        for q, c in quoted), retrieved=())}
    answer = with_parts("交易 活动？地方 碳市场 怎么 处理？", whole, lambda part, earlier: by_part[part], words)
    assert [c.clause for c in answer.citations] == ["第二条", "第二十九条", "第二十九条第二款"]
    assert "不再新建" in answer.text and "省级人民政府" not in answer.text


def test_a_parts_answer_asking_who_replaces_the_hedge_said_of_another_provision():
    whole = answered("巡护证有效期为三年。", lead=f"{UNNAMED_HEDGE}牵头部门〔《测试条例》第一条〕。")
    by_part = {"报酬 由谁 承担？": answered("护林员的报酬由乡镇人民政府承担。", clause="第十三条"), "巡护证 有效期 是几年？": whole}
    answer = with_parts("报酬 由谁 承担？巡护证 有效期 是几年？", whole, lambda part, earlier: by_part[part], words)
    assert UNNAMED_HEDGE not in answer.text and "乡镇人民政府" in answer.text and "三年" in answer.text


def test_the_earlier_parts_are_passed_to_resolve_a_part_that_leaves_its_subject_out():
    seen = []

    def answer_part(part, earlier):
        seen.append((part, list(earlier)))
        return REFUSAL

    with_parts("森林防火区能带打火机吗？罚多少？", answered("禁止携带火种。"), answer_part, words)
    assert seen == [("森林防火区能带打火机吗？", []), ("罚多少？", ["森林防火区能带打火机吗？"])]


def test_when_the_whole_is_refused_the_parts_answer_only_if_every_part_has_an_answer():
    by_part = {"有效期 几年？": answered("巡护证有效期为三年。"),
               "公示 哪些 信息？": answered("护林站应当公示下列信息：", clause="第十八条")}
    answer = with_parts("有效期 几年？公示 哪些 信息？", REFUSAL, lambda part, earlier: by_part[part], words)
    assert answer.status == AnswerStatus.ANSWERED
    assert answer.text.startswith("关于“有效期 几年？”：\n巡护证有效期为三年。")
    assert [c.clause for c in answer.citations] == ["第一条", "第十八条"]
    by_part["公示 哪些 信息？"] = REFUSAL
    assert with_parts("有效期 几年？公示 哪些 信息？", REFUSAL, lambda part, earlier: by_part[part], words) is REFUSAL


def test_a_single_question_is_answered_as_it_was():
    whole = answered("巡护证有效期为三年。")
    assert with_parts("巡护证有效期是几年？", whole, lambda part, earlier: REFUSAL, words) is whole
