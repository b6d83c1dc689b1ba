"""Every answer strategy on small inline texts: the right provision quoted with its citation, the asked detail held,
and a refusal when the documents do not say it."""

from dataclasses import replace

import pytest

from kb.answering.strategies import GATE, STRATEGIES
from kb.config import Config
from kb.engine import PolicyKb
from kb.schema import AnswerStatus, Hit, RetrievalMode

ROADS = """重庆市城市道路测试条例
2020年12月3日 重庆市第五届人民代表大会常务委员会第二十二次会议通过
2021年5月27日 重庆市第五届人民代表大会常务委员会第二十六次会议修正
第一章 总则
第一条 为了加强城市道路管理，保障城市道路完好，制定本条例。
第二条 本条例适用于本市行政区域内城市道路的规划、建设、养护和管理。
本条例所称城市道路，是指城市供车辆、行人通行的，具备一定技术条件的道路、桥梁及其附属设施。
第三条 市城市管理主管部门负责全市城市道路的监督管理工作。
第二章 管理
第四条 禁止在城市道路上乱倒垃圾、渣土。
第五条 城市道路管理部门应当自受理挖掘申请之日起二十日内作出是否批准的决定。
第六条 城市道路管理部门每年至少组织两次城市道路安全检查。
第七条 鼓励单位和个人参与城市道路的绿化美化。
第三章 法律责任
第八条 违反本条例第四条规定，在城市道路上乱倒垃圾、渣土的，由城市管理主管部门责令改正，处五十元以上二百元以下罚款。
第九条 有下列行为之一的，由城市管理主管部门责令限期改正，可以处五百元以上二千元以下罚款：
（一）擅自占用城市道路摆摊设点的；
（二）在城市道路上洗车的。
第十条 本条例自2021年7月1日起施行。
第十一条 农村公路的养护不适用本条例。
"""

FORESTS = """重庆市山林测试条例
2019年11月29日 重庆市第五届人民代表大会常务委员会第十三次会议通过
第一条 为了保护山林资源，制定本条例。
第二条 山林的保护工作应当坚持预防为主的方针。
第三条 在山林防火期内，禁止在山林内野外用火。
第四条 巡山护林工作要加强宣传教育，做好山林资源的日常看护。
第五条 山林巡护证有效期为三年。
第六条 护林员离岗六个月及以上重新上岗的，应当重新参加护林培训。
第七条 林业主管部门应当于每年第一季度汇总上一年度山林火情统计。
第八条 违反本条例第六条规定，护林员未重新参加护林培训即上岗的，由林业主管部门责令限期改正；拒不改正的，处二百元以上一千元以下罚款。
第九条 本条例下列用语的含义：
（一）野外用火，包括烧香烧纸、燃放孔明灯等用火。
（二）巡护证，是指护林员巡山时持有的证件。持证人巡山时应当随身携带。
第十条 护林站应当为进山吸烟人员提供登记服务。进山人员不得在护林站内吸烟。
第十一条 每年三月为护林宣传月。
第十二条 进山人员可以在指定地点野炊；遇有高火险天气的除外。
第十三条 护林员应当做好下列工作：
（一）巡查山林界桩；
（二）报告山林火情。
护林员的报酬由乡镇人民政府承担。
第十四条 护林站应当每月报送巡护记录。
第十五条 违反本条例第十四条规定的，由林业主管部门责令改正，处一百元以上五百元以下罚款。
第十六条 山林巡护管理办法由市林业主管部门制定。
第十七条 加强山林防火宣传教育，普及山林防火知识。市林业主管部门负责编制山林防火规划。
第十八条 护林站应当在醒目位置公示下列信息：
（一）护林员姓名和联系方式；
（二）巡护路线。
护林站应当及时更新公示信息。
第十九条 到2025年，山林防火设施完好系数达到0.95，巡护覆盖指数不低于1.2。
第二十条 山林经营单位，应当定期清理林下可燃物。遇有高火险天气的，应当增加巡查次数。
"""


def _inline_kb(base, texts):
    from kb.embedding.embedder import HashingEmbedder

    corpus = base / "corpus"
    corpus.mkdir()
    for name, text in texts.items():
        (corpus / name).write_text(text, encoding="utf-8")
    config = Config(corpus_dir=corpus, data_dir=base / "data", model="hashing", upload_dir=base / "uploads",
                    model_cache=base / "models")
    engine = PolicyKb(config, embedder=HashingEmbedder(dim=64))
    engine.ingest()
    return engine


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("strategies"), {"roads.txt": ROADS, "forests.txt": FORESTS})


def ask(kb, question):
    return kb.ask(question, mode=RetrievalMode.BM25)


def cited(answer):
    return [c.clause for c in answer.citations]


ROADS_NAME = "《重庆市城市道路测试条例》"


def test_the_table_lists_each_strategy_once_with_the_gate_before_the_evidence_strategies():
    names = [s.name for s in STRATEGIES]
    assert len(names) == len(set(names)) and names[-1] == "quote"
    assert names.index("unknown_terms") < GATE <= names.index("penalty")
    assert all(s.evidence and s.shape for s in STRATEGIES)


def test_a_penalty_is_quoted_with_its_amount_and_the_duty_it_punishes(kb):
    answer = ask(kb, "在城市道路上乱倒垃圾罚多少钱？")
    assert answer.status == AnswerStatus.ANSWERED
    assert cited(answer) == ["第八条", "第四条"]
    assert "五十元以上二百元以下罚款" in answer.text.splitlines()[0]
    assert f"〔{ROADS_NAME}第八条〕" in answer.text


def test_a_fine_in_the_next_sentence_of_the_penalty_is_found_and_quoted(kb):
    answer = ask(kb, "护林员没有重新参加护林培训就上岗，罚多少？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[:2] == ["第八条", "第八条"]
    assert "责令限期改正" in answer.text and "二百元以上一千元以下罚款" in answer.text and "第六条" in cited(answer)


def test_a_penalty_is_found_from_the_duty_it_cites_when_the_question_names_the_duty(kb):
    answer = ask(kb, "护林站不按月报送巡护记录，罚多少？")
    assert cited(answer) == ["第十五条", "第十四条"] and "一百元以上五百元以下罚款" in answer.text


def test_a_penalty_for_a_listed_conduct_quotes_the_article_lead_and_the_item(kb):
    answer = ask(kb, "在城市道路上洗车会受到什么处罚？")
    assert cited(answer)[:2] == ["第九条", "第九条第（二）项"]
    assert "五百元以上二千元以下罚款" in answer.text and "洗车" in answer.text


def test_a_definition_quotes_the_defining_sentence(kb):
    answer = ask(kb, "本条例所称城市道路是指什么？")
    assert cited(answer) == ["第二条第二款"] and "是指城市供车辆" in answer.text


def test_a_term_of_the_definitions_article_is_defined_by_its_item_with_the_rest_of_its_paragraph(kb):
    fire = ask(kb, "山林测试条例说的“野外用火”都包括哪些？")
    assert cited(fire) == ["第九条第（一）项"] and "烧香烧纸" in fire.text
    permit = ask(kb, "巡护证是什么意思？")
    assert cited(permit) == ["第九条第（二）项"] * 2 and "随身携带" in permit.text
    # A longer term that merely starts with the asked one is not its definition (quoted with its paragraph).
    assert "随身携带" not in ask(kb, "巡护是什么意思？").text


def test_two_terms_asked_to_be_told_apart_are_answered_by_both_definitions(kb):
    answer = ask(kb, "山林测试条例里“野外用火”和“巡护证”有什么区别？")
    assert cited(answer)[:2] == ["第九条第（一）项", "第九条第（二）项"] and "烧香烧纸" in answer.text
    # A term the documents do not define leaves the question to the other strategies.
    assert cited(ask(kb, "野外用火和野炊有什么区别？"))[0] != "第九条第（一）项"


def test_permission_questions_get_a_verdict_and_the_provision(kb):
    forbidden = ask(kb, "能不能在城市道路上乱倒渣土？")
    assert forbidden.text.startswith("不可以") and cited(forbidden)[0] == "第四条"
    asked_if_forbidden = ask(kb, "山林防火期内禁止野外用火吗？")
    assert asked_if_forbidden.text.startswith("是的，文件禁止") and cited(asked_if_forbidden) == ["第三条"]
    allowed = ask(kb, "个人可以参与城市道路绿化美化吗？")
    assert allowed.text.startswith("可以") and cited(allowed) == ["第七条"]


def test_can_questions_are_answered_by_what_is_forbidden_and_must_questions_by_a_duty(kb):
    can = ask(kb, "进山人员能不能在护林站吸烟？")
    assert can.text.startswith("不可以") and "不得在护林站内吸烟" in can.text
    must = ask(kb, "护林站要不要为进山吸烟人员提供登记服务？")
    assert must.text.startswith("需要") and "提供登记服务" in must.text
    # The provision comes with its exception, and the verdict says there is one.
    picnic = ask(kb, "进山人员能不能在指定地点野炊？")
    assert picnic.text.startswith("原则上可以，但有例外：") and "遇有高火险天气的除外" in picnic.text
    # "期限内" sets the scene of a permission question; it does not ask for a time.
    assert ask(kb, "在山林防火期限内，能不能在山林内野外用火？").text.startswith("不可以")


def test_scope_questions_quote_what_the_document_applies_to(kb):
    answer = ask(kb, "城市道路测试条例适用于哪些活动？")
    assert cited(answer)[0] == "第二条" and "规划、建设、养护和管理" in answer.text


def test_who_questions_quote_the_sentence_that_names_the_body(kb):
    answer = ask(kb, "哪个部门负责城市道路的监督管理？")
    assert cited(answer)[0] == "第三条" and "市城市管理主管部门" in answer.text


def test_who_questions_say_no_body_is_named_only_when_none_is(kb):
    answer = ask(kb, "巡山护林的宣传教育由哪个部门负责？")
    assert answer.status == AnswerStatus.ANSWERED
    assert answer.text.startswith("文件未明确牵头部门") and cited(answer)[0] == "第四条"


@pytest.mark.parametrize("question, lexical, unnamed", [
    ("巡山护林的宣传教育由哪个部门负责？", 0.4, True),
    ("巡山护林的宣传教育由哪个部门负责？", 0.1, False),  # too few of the question's words
    ("护林员的培训考核由哪个部门负责？", 0.4, False),  # its most specific word (培训) is not in the provision
    ("重庆市巡山护林的宣传教育由哪个部门负责？", 0.4, True),  # a place is not the task's word
])
def test_no_body_is_said_to_be_unnamed_for_a_task_the_provision_is_not_about(kb, question, lexical, unnamed):
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, who
    from kb.schema import Hit

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)
    clause = snap.clause(doc_id, "第四条")
    hit = Hit(doc_id, "", "", "第四条", clause.heading, clause.text, 1.0, scores={RetrievalMode.DENSE: 0.9})
    best = ScoredSentence(doc_id, clause, clause.sentences[0].text.strip(), 1.0, 1, lexical=lexical)
    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), analyse(question), [hit])
    ctx.ranked = [best]
    answer = who(ctx)
    assert answer.text.startswith("文件未明确") == unnamed
    assert (answer.status == AnswerStatus.NOT_FOUND) == (not unnamed)


def test_time_limits_and_frequencies_must_be_in_the_provision(kb):
    limit = ask(kb, "挖掘城市道路的申请多少日内作出决定？")
    assert cited(limit)[0] == "第五条" and "二十日内" in limit.text
    frequency = ask(kb, "城市道路安全检查每年几次？")
    assert cited(frequency)[0] == "第六条" and "两次" in frequency.text
    no_frequency = ask(kb, "山林宣传教育每年搞几次？")
    assert no_frequency.status == AnswerStatus.NOT_FOUND


def test_a_count_setting_the_scene_is_not_the_count_asked(kb):
    """"除主城几个区外" says where, the last part asks how often."""
    answer = ask(kb, "除主城几个区外，城市道路管理部门每年至少组织几次城市道路安全检查？")
    assert cited(answer)[0] == "第六条" and "两次" in answer.text


def test_a_span_of_time_answers_when_it_belongs_to_the_asked_thing(kb):
    validity = ask(kb, "山林巡护证的有效期是几年？")
    assert cited(validity)[0] == "第五条" and "三年" in validity.text
    other = ask(kb, "营业执照的有效期是几年？")  # only the 巡护证's is given
    assert other.status == AnswerStatus.NOT_FOUND and "营业执照" in other.text
    # Another thing of the same kind: the clause shares 巡护证, not the owner's own word (林场).
    other_permit = ask(kb, "林场巡护证的有效期是几年？")
    assert other_permit.status == AnswerStatus.NOT_FOUND and "文件没有规定具体期限" in other_permit.text
    threshold = ask(kb, "护林员离岗多长时间以后重新上岗要再培训？")
    assert cited(threshold)[0] == "第六条" and "六个月及以上" in threshold.text
    month = ask(kb, "护林宣传月是几月？")
    assert cited(month)[0] == "第十一条" and "三月" in month.text
    season = ask(kb, "山林火情统计每年什么时候汇总？")
    assert cited(season)[0] == "第七条" and "第一季度" in season.text


def test_amounts_the_documents_do_not_give_are_refused(kb):
    answer = ask(kb, "个人参与城市道路绿化美化能补贴多少钱？")
    assert answer.status == AnswerStatus.NOT_FOUND and "金额" in answer.text


def test_a_fine_does_not_answer_a_question_about_a_fee(kb):
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "道路" in doc.meta.title)
    clause = snap.clause(doc_id, "第八条")
    fine = ScoredSentence(doc_id, clause, clause.sentences[0].text.strip(), 1.0, 1)
    scorer = SentenceScorer(snap, kb.retriever.tokenizer)
    assert "罚款" in scorer.missing_detail(analyse("在城市道路上乱倒垃圾、渣土要交多少钱？"), fine)
    assert "罚款" not in scorer.missing_detail(analyse("在城市道路上乱倒垃圾、渣土罚多少？"), fine)


def test_a_law_records_no_wenhao_and_its_passage_lines_no_decree_number(kb):
    for question in ("重庆市城市道路测试条例的文号是什么？", "重庆市城市道路测试条例是以第几号令公布的？"):
        answer = ask(kb, question)
        assert answer.status == AnswerStatus.NOT_FOUND and "没有记载" in answer.text, question
    # The other part of the question is answered from its own passage line.
    both = ask(kb, "重庆市城市道路测试条例是以第几号令公布的？什么时候通过的？")
    assert "2020年12月3日" in both.text and cited(both) == ["题注"]


def test_passage_lines_answer_metadata_questions_as_the_title_note(kb):
    adopted = ask(kb, "重庆市城市道路测试条例是什么时候通过的？")
    assert "2020年12月3日" in adopted.text and cited(adopted) == ["题注"]
    amended = ask(kb, "城市道路测试条例修正过几次？")
    assert "1次" in amended.text and "2021年5月27日" in amended.text
    # The passage lines say when it was adopted, not when it takes effect: the last articles say that.
    effective = ask(kb, "重庆市城市道路测试条例从什么时候开始施行？")
    assert cited(effective) == ["第十条"] and "2021年7月1日" in effective.text and "。〔" not in effective.text


def test_a_penalty_s_duty_is_the_paragraph_item_or_sentence_it_cites(tmp_path):
    """"违反本办法第四条第二款规定" punishes that paragraph, not 第四条's list; "违反本办法第六条规定，收运单位未在规定
    时间内…运至处置场所的" the sentence of 第六条 that says so, not its first sentence."""
    engine = _inline_kb(tmp_path, {"waste.txt": "午市测试垃圾管理办法\n"
                                   "第一条 为了规范测试垃圾管理，制定本办法。\n"
                                   "第四条 测试垃圾产生单位应当遵守下列规定：\n（一）设置密闭收集容器；\n"
                                   "（二）将测试垃圾交由取得收运许可的单位收运。\n"
                                   "禁止将测试垃圾排入雨水管道、污水管道。\n"
                                   "第六条 测试垃圾应当日产日清。收运单位应当在收运后24小时内将测试垃圾运至处置场所。\n"
                                   "第十条 违反本办法第四条第二款规定，将测试垃圾排入雨水管道、污水管道的，由城市管理部门责令改正，"
                                   "处1万元以上5万元以下罚款。\n"
                                   "第十一条 违反本办法第六条规定，收运单位未在规定时间内将测试垃圾运至处置场所的，由城市管理部门"
                                   "责令改正，处2000元以上1万元以下罚款。\n"})
    sewer = ask(engine, "把测试垃圾排入污水管道罚多少钱？")
    assert cited(sewer) == ["第十条", "第四条第二款"] and "设置密闭收集容器" not in sewer.text
    late = ask(engine, "收运单位未在规定时间内将测试垃圾运至处置场所怎么处罚？")
    assert cited(late) == ["第十一条", "第六条"] and "24小时内" in late.text and "日产日清" not in late.text


def test_a_notice_s_penalty_is_found_by_the_provision_it_cites_as_an_article(tmp_path):
    """"违反本通告第三条规定销售…的，…处2万元以上10万元以下罚款" punishes the notice's provision 三: asked about the
    sale, the answer is that penalty with 三 as the duty (it said no penalty was set)."""
    engine = _inline_kb(tmp_path, {"notice.txt": "午市人民政府\n关于禁止燃放测试烟花的通告\n午府发〔2099〕3号\n"
                                   "一、主城区全域禁止燃放测试烟花。\n二、除夕可以在划定区域燃放测试烟花。\n"
                                   "三、任何单位和个人不得在禁放区域内销售测试烟花。\n"
                                   "四、违反本通告第一条规定燃放测试烟花的，由公安机关处100元以上500元以下罚款。\n"
                                   "五、违反本通告第三条规定销售测试烟花的，由应急管理部门处2万元以上10万元以下罚款。\n"})
    answer = ask(engine, "在禁放区域内销售测试烟花会怎么处罚？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer) == ["五", "三"]
    assert "2万元以上10万元以下罚款" in answer.text


TRAFFIC_NOTICE = ("午市公安局　午市生态环境局\n关于中心城区实施测试车辆尾号限行的通告\n午公通〔2099〕3号\n"
                  "为缓解中心城区交通拥堵，减少测试车辆尾气排放，经市人民政府同意，决定在中心城区实施测试车辆尾号限行措施。"
                  "现将有关事项通告如下：\n"
                  "一、限行时间\n2099年3月1日至2100年2月28日，每周一至周五7时至9时。法定节假日不限行。\n"
                  "二、限行规则\n星期一限行尾号为1和6的测试车辆，星期二限行尾号为2和7的测试车辆。\n"
                  "三、违反本通告的处理\n违反本通告规定，在限行时间内驾驶限行测试车辆上路行驶的，由公安机关交通管理部门处警告或者"
                  "二十元以上二百元以下罚款。\n"
                  "四、本通告自2099年3月1日起施行。\n特此通告。\n午市公安局　　午市生态环境局\n2099年2月10日\n")


@pytest.fixture(scope="module")
def traffic_notice_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("notice"), {"notice.txt": TRAFFIC_NOTICE})


def test_a_word_jieba_does_not_know_is_searched_as_the_notice_writes_it(traffic_notice_kb):
    """限行 is no word of jieba's dictionary (限 + 行): it is found in the notice all the same, and "违反限行" is the
    conduct punished (the penalty was refused as one the notice does not set)."""
    answer = ask(traffic_notice_kb, "违反限行会罚多少钱？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "三"
    assert "二十元以上二百元以下罚款" in answer.text


def test_a_character_pair_no_document_uses_weighs_nothing(traffic_notice_kb):
    """"多快" of "限行多快结束" is a pair of characters jieba could not join, as 限行 is; no document uses it, so it
    is no word the evidence must find."""
    from kb.answering.evidence import SentenceScorer

    retriever = traffic_notice_kb.retriever
    weights = SentenceScorer(retriever.snapshot(), retriever.tokenizer).weights("限行多快结束？")
    assert "限行" in weights and "多快" not in weights


def test_why_a_document_was_made_is_its_opening_purpose(traffic_notice_kb):
    """"为什么要限行" is answered by the notice's opening "为缓解…，决定…实施…限行措施。", not by a provision that
    repeats 限行 (法定节假日不限行)."""
    for question in ("为什么要限行？", "出台这个通告的目的是什么？"):
        answer = ask(traffic_notice_kb, question)
        assert answer.status == AnswerStatus.ANSWERED and cited(answer) == ["序言"], question
        assert "为缓解中心城区交通拥堵" in answer.text
    # The reason of one provision is not the document's: its opening does not hold the asked words.
    assert "序言" not in cited(ask(traffic_notice_kb, "为什么周末不限行？"))
    # … and a why about nothing any document says finds nothing to quote (it raised IndexError).
    assert ask(traffic_notice_kb, "为什么猫咪喜欢晒太阳？").status == AnswerStatus.NOT_FOUND


def test_a_weekday_said_the_short_way_is_the_notice_s_weekday(traffic_notice_kb):
    """周二 is the notice's 星期二: the rule naming it answers alone (the opening was listed beside it)."""
    answer = ask(traffic_notice_kb, "周二限行哪些尾号？")
    assert cited(answer) == ["二"] and "星期二限行尾号为2和7" in answer.text


def test_a_section_asked_for_by_its_heading_and_a_kind_of_contents_is_quoted_whole(tmp_path):
    """"限行区域包括哪些地方" asks for the section headed 限行区域, as "限行区域包括哪些" does: not for the penalty that
    repeats 限行区域 most."""
    engine = _inline_kb(tmp_path, {"notice.txt": "午市测试车辆限行通告\n一、限行区域\n内环快速路以内的道路。\n"
                                   "二、违反本通告的处理\n在限行区域内驾驶限行测试车辆的，由公安机关处二百元罚款；"
                                   "驶出限行区域后再次驶入限行区域的，另行处罚。\n"})
    answer = ask(engine, "限行区域包括哪些地方？")
    assert cited(answer) == ["一"] and "内环快速路以内的道路" in answer.text


def test_the_items_under_a_heading_naming_their_kind_are_one_list(tmp_path):
    """"二、不受限行措施限制的测试车辆" only has its heading, over items that are the vehicles: asked which, all of them
    are the list, not one of them padded with other provisions that repeat 限行."""
    engine = _inline_kb(tmp_path, {"notice.txt": "午市测试车辆限行通告\n一、限行规则\n星期一限行尾号为1和6的测试车辆。"
                                   "星期二限行尾号为2和7的测试车辆。\n二、不受限行措施限制的测试车辆\n（一）纯电动测试车；\n"
                                   "（二）执行任务的警用测试车；\n（三）持有残疾人专用标志的测试车辆。\n"
                                   "三、违反本通告的处理\n在限行时间驾驶限行测试车辆上路的，处二百元罚款。\n"})
    answer = ask(engine, "哪些测试车辆不受限行？")
    assert set(cited(answer)) == {"二（一）", "二（二）", "二（三）"}


def test_joint_issuers_of_a_notice_are_both_named(traffic_notice_kb):
    answer = ask(traffic_notice_kb, "这个通告是哪个部门发布的？")
    assert "午市公安局" in answer.text and "午市生态环境局" in answer.text


GUIDE = ("午市测试占道审批办事指南\n一、事项名称：测试道路临时占用审批\n二、实施机关：午市测试城市管理局\n"
         "三、申请材料\n1．测试占道申请表（原件1份）；\n2．申请人身份证明（复印件1份）。\n"
         "四、办理流程\n（一）申请：申请人向政务服务中心窗口提交申请材料；\n（二）审查：测试城市管理局进行现场踏勘；\n"
         "（三）决定：作出准予许可或者不予许可的决定。\n五、办理时限：法定办结时限为20个工作日。\n"
         "六、办理地点：午市政务服务中心二楼窗口。\n七、占用期限：一般不超过6个月，确需延期的应当在期满前15日内申请延续。\n"
         "八、办理时间：工作日上午9:00—12:00，下午13:30—17:30。\n")


def test_a_service_guide_answers_from_its_fields(tmp_path):
    """A 办事指南 answers by its fields: who approves is its 实施机关 (it said 文件未明确牵头部门), how long it takes
    its 办理时限 (not the 占用期限, another span), where to go its 办理地点, the procedure its steps in order."""
    engine = _inline_kb(tmp_path, {"guide.txt": GUIDE})
    approver = ask(engine, "测试占道由哪个部门审批？")
    assert approver.status == AnswerStatus.ANSWERED and "午市测试城市管理局" in approver.text
    assert not approver.text.startswith("文件未明确")
    assert cited(ask(engine, "测试占道审批多长时间能办好？"))[0] == "五"
    assert cited(ask(engine, "在哪里办理测试占道审批？")) == ["六"]  # not the 事项名称 line beside it
    assert cited(ask(engine, "办理流程是怎样的？")) == ["四（一）", "四（二）", "四（三）"]



def test_hours_asked_are_answered_by_a_time_of_day(tmp_path):
    """"办理时间是几点到几点" is answered by the guide's hours, not by a regulation's sentence that names 办理时间 without
    any (it was, beside the 16 eval documents)."""
    engine = _inline_kb(tmp_path, {"guide.txt": GUIDE, "rules.txt": "午市测试政务服务条例\n第一条 超过办理时间的，"
                                   "办理单位应当公开说明理由。\n第二条 各地区应当确定并公开具体办理时间。\n"})
    answer = ask(engine, "办理时间是几点到几点？")
    assert cited(answer)[0] == "八" and "9:00" in answer.text


def test_a_policy_q_and_a_is_answered_by_its_answers_not_its_questions(tmp_path):
    """A 政策问答 heads each answer with the question it answers ("2．向哪个部门申请？"): the answer is quoted, never
    the question (it was, as an item of lists and before the answer); "这个政策" is the document itself."""
    engine = _inline_kb(tmp_path, {"qa.txt": "午市测试桩补贴政策问答\n1．哪些测试桩可以申请补贴？\n"
                                   "答：本市新建的公共测试桩可以申请补贴。个人自用测试桩不在补贴范围内。\n"
                                   "2．向哪个部门申请？\n答：申请单位向所在地的区县发展改革部门提交申请材料。\n"
                                   "午市发展和改革委员会\n2099年1月20日\n"})
    for question, clause in (("哪些测试桩可以申请补贴？", "1"), ("向哪个部门申请？", "2")):
        answer = ask(engine, question)
        assert answer.status == AnswerStatus.ANSWERED and set(cited(answer)) == {clause}, question
        assert "？" not in answer.text
    assert "午市发展和改革委员会" in ask(engine, "这个政策是哪个部门发布的？").text


def test_papers_asked_for_are_papers_not_any_enumeration(tmp_path):
    """"需要提交哪些材料" is answered by the papers listed (申请表, 复印件, 报告), not by the facilities a grant names
    ("公共测试桩、专用测试桩和测试换电站，可以申请补贴"), which hold more of the question's words."""
    engine = _inline_kb(tmp_path, {"qa.txt": "午市测试桩补贴政策问答\n1．哪些测试桩可以申请补贴？\n"
                                   "答：本市新建的公共测试桩、专用测试桩和测试换电站，可以申请测试桩补贴。\n"
                                   "2．需要提交哪些材料？\n答：（1）补贴申请表；（2）营业执照复印件；（3）竣工验收报告。\n"})
    answer = ask(engine, "申请测试桩补贴需要提交哪些材料？")
    assert set(cited(answer)) == {"2"} and "营业执照复印件" in answer.text
    # Each paper shows its own number once: no "答：" before the first, no second number before any.
    assert [line.split("〔")[0] for line in answer.text.splitlines() if "〔" in line] == [
        "（1）补贴申请表；", "（2）营业执照复印件；", "（3）竣工验收报告。"]


def test_papers_asked_for_are_not_a_time_limit_counted_from_their_receipt(tmp_path):
    """A 管理办法's "…应当在收到申报材料之日起15个工作日内完成初审" names 材料 but lists none: the article listing them
    answers "申报要交哪些材料" (the time limit came first)."""
    engine = _inline_kb(tmp_path, {"rules.txt": "午市测试专项资金管理办法\n第八条 企业申报测试专项资金，应当提交申报书、"
                                   "项目竣工验收报告和设备购置发票复印件。\n第九条 区县测试主管部门应当在收到申报材料之日起"
                                   "15个工作日内完成对企业申报测试专项资金的初审。\n"})
    assert cited(ask(engine, "申报测试专项资金要交哪些材料？")) == ["第八条"]


def test_a_best_sentence_introducing_items_is_quoted_with_them(tmp_path):
    """"申报需要什么条件" is answered by "…应当符合下列条件：" and its items (beside other documents it was the
    lead-in alone: the items came only as runners-up of its own document)."""
    engine = _inline_kb(tmp_path, {"rules.txt": "午市测试专项资金管理办法\n第六条 测试专项资金采取事后补助方式。\n"
                                   "第七条 申报测试专项资金的企业应当符合下列条件：\n"
                                   "（一）在本市依法登记注册；\n（二）项目已建成投产且运行满6个月。\n"
                                   "第八条 本办法自2099年1月1日起施行。\n",
                                   "other.txt": "午市测试补贴政策问答\n1．申报测试补贴需要什么条件？\n答：申报单位应当是独立法人。\n"})
    answer = ask(engine, "申报测试专项资金需要什么条件？")
    assert cited(answer)[:3] == ["第七条", "第七条第（一）项", "第七条第（二）项"]


def test_a_party_left_out_of_a_grant_may_not_have_it(tmp_path):
    """"个人自用测试桩不在补贴范围内" rules on 个人自用测试桩, named by every word the question uses for it, before the
    grant to 公共测试桩 (it was answered 可以 from that grant)."""
    engine = _inline_kb(tmp_path, {"qa.txt": "午市测试桩补贴政策问答\n1．哪些测试桩可以申请补贴？\n"
                                   "答：本市新建的公共测试桩可以申请补贴。个人自用测试桩不在补贴范围内。\n"})
    left_out = ask(engine, "个人自用测试桩能申请补贴吗？")
    assert left_out.text.startswith("不可以") and "个人自用测试桩不在补贴范围内" in left_out.text
    assert ask(engine, "公共测试桩能申请补贴吗？").text.startswith("可以")


def test_a_plan_s_indicator_table_answers_its_targets(tmp_path):
    """A 规划's 专栏 gives its targets in a table whose units stand in brackets after each indicator: "2030年森林覆盖率
    要达到多少" is answered by its row (it was refused: a bare 57 is no value), "哪些约束性指标" by the rows."""
    engine = _inline_kb(tmp_path, {"plan.txt": "午市测试生态环境保护规划\n第一章 主要目标\n到2030年，测试生态环境质量持续改善。\n"
                                   "专栏1 主要指标\n指标\t2025年\t2030年\t属性\n测试森林覆盖率（%）\t55\t57\t预期性\n"
                                   "测试细颗粒物年均浓度（微克/立方米）\t30\t25\t约束性\n"
                                   "测试空气优良天数比例（%）\t90\t92\t约束性\n"
                                   "第二章 保障措施\n市测试局负责规划实施的监督评估。\n"})
    answer = ask(engine, "2030年测试森林覆盖率要达到多少？")
    assert answer.status == AnswerStatus.ANSWERED and "2030年：57%" in answer.text
    # "哪些约束性指标" is answered by the rows naming them, not refused for want of a number.
    binding = ask(engine, "这个规划有哪些约束性指标？")
    assert "测试细颗粒物" in binding.text and "测试空气优良天数比例" in binding.text and "森林覆盖率" not in binding.text


def test_a_passage_line_holding_every_event_answers_each_question_with_its_own_event(tmp_path):
    """Official copies print the events in one parenthesised line, apart by spaces: "哪个令公布的" is answered by the
    promulgation alone, "什么时候通过的" by the adoption alone."""
    engine = _inline_kb(tmp_path, {"rules.txt": "午市测试垃圾管理办法\n"
                                   "（2099年11月20日午市人民政府第45次常务会议通过　2099年12月5日午市人民政府令第152号公布　"
                                   "自2100年2月1日起施行）\n"
                                   "第一条 为了规范测试垃圾管理，制定本办法。\n第二条 本办法自2100年2月1日起施行。\n"})
    decree = ask(engine, "午市测试垃圾管理办法是哪个令公布的？")
    assert decree.status == AnswerStatus.ANSWERED and cited(decree) == ["题注"]
    assert "午市人民政府令第152号公布" in decree.text and "常务会议通过" not in decree.text
    adopted = ask(engine, "午市测试垃圾管理办法是什么时候通过的？")
    assert "2099年11月20日" in adopted.text and "令第152号" not in adopted.text


def test_a_document_name_two_loaded_documents_share_is_a_loaded_document(tmp_path):
    """"测试垃圾管理办法是哪个令公布的" with 午市's and 申市's 测试垃圾管理办法 loaded asks about a loaded document (the
    one retrieved first), not about a 办法 some text leaves to a body."""
    passage = "（2099年11月20日{0}人民政府常务会议通过　2099年12月5日{0}人民政府令第{1}号公布　自2100年2月1日起施行）"
    engine = _inline_kb(tmp_path, {
        "wu.txt": f"午市测试垃圾管理办法\n{passage.format('午市', 152)}\n第一条 为了规范午市测试垃圾管理，制定本办法。\n"
                  "第二条 测试垃圾应当日产日清。\n",
        "shen.txt": f"申市测试垃圾管理办法\n{passage.format('申市', 205)}\n第一条 为了规范申市测试垃圾管理，制定本办法。\n"
                    "第二条 测试垃圾应当分类收集。\n"})
    answer = ask(engine, "测试垃圾管理办法是哪个令公布的？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer) == ["题注"] and "人民政府令第" in answer.text


def test_a_named_document_steers_retrieval_and_answers_come_from_one_document(kb):
    answer = ask(kb, "山林测试条例对用火有什么规定？")
    assert {c.doc for c in answer.citations} == {"《重庆市山林测试条例》"}
    assert all(h.doc_title == "重庆市山林测试条例" for h in answer.retrieved)


def test_unrelated_questions_and_unloaded_documents_are_refused(kb):
    assert ask(kb, "量子计算机的芯片工艺是几纳米？").status == AnswerStatus.NOT_FOUND
    missing = ask(kb, "国发〔2021〕4号提出了哪些任务？")
    assert missing.status == AnswerStatus.NOT_FOUND and "未收录" in missing.text


def test_a_sentence_that_introduces_items_is_quoted_with_them_also_in_an_article_of_several_paragraphs(kb):
    answer = ask(kb, "护林员应当做好哪些工作？")
    assert "巡查山林界桩" in answer.text and "报告山林火情" in answer.text
    assert "第十三条第一款第（一）项" in cited(answer)


OPINIONS = """重庆市山林测试局
关于加快建设山林防火设施的实施意见
渝林测发〔2022〕1号
各区县（自治县）人民政府，市政府各部门：
为加快建设山林防火设施，结合我市实际，提出如下实施意见。
一、重点任务
（一）建设防火通道。建设铜锣山、明月山等山林防火通道。
"""


def test_the_header_lines_of_a_document_are_never_candidate_sentences(tmp_path):
    """The issuer, title lines, 文号 and 主送 stand in the preamble as lines of their own: they name the document and
    provide nothing, however many of the question's words ("重庆", "建设") they hold."""
    from kb.answering.evidence import SentenceScorer
    from kb.answering.intent import analyse

    engine = _inline_kb(tmp_path, {"opinions.txt": OPINIONS})
    snap = engine.retriever.snapshot()
    doc_id, doc = next(iter(snap.documents.items()))
    hits = [Hit(doc_id, "", "", c.label, c.heading, c.text, 1.0, best_sentence="") for c in doc.clauses]
    ranked = SentenceScorer(snap, engine.retriever.tokenizer).score(analyse("重庆山林测试局要建设哪些防火通道？"), hits)
    texts = [s.text for s in ranked]
    assert "建设铜锣山、明月山等山林防火通道。" in texts
    assert not {"重庆市山林测试局", "关于加快建设山林防火设施的实施意见", "渝林测发〔2022〕1号"} & set(texts)
    # … nor are the addressees (主送): they say whom it is sent to (the metadata strategy quotes them for that).
    assert "各区县（自治县）人民政府，市政府各部门：" not in texts


def test_a_notice_s_transmittal_lines_are_no_candidate_sentences(tmp_path):
    """A 通知 that issues a 方案 ("关于印发…方案的通知") holds, before the 方案's text, the 方案's title, its transmittal
    sentence ("《…》已经市政府同意，现印发给你们…") and its date: they name and issue the 方案 and answer nothing in it,
    however many of the question's words (its title's) they hold."""
    from kb.answering.evidence import SentenceScorer
    from kb.answering.intent import analyse

    engine = _inline_kb(tmp_path, {"notice.txt": "午市人民政府办公室\n关于印发午市测试供水保障行动方案的通知\n"
                                   "午府办发〔2099〕12号\n各区县人民政府，市政府各部门：\n"
                                   "《午市测试供水保障行动方案》已经市政府同意，现印发给你们，请认真贯彻执行。\n"
                                   "午市人民政府办公室\n2099年3月18日\n午市测试供水保障行动方案\n"
                                   "一、工作目标\n到2099年底，测试管网漏损率控制在9%以内。\n"
                                   "二、保障措施\n市级财政安排测试专项资金2亿元。\n"})
    snap = engine.retriever.snapshot()
    doc_id, doc = next(iter(snap.documents.items()))
    hits = [Hit(doc_id, "", "", c.label, c.heading, c.text, 1.0, best_sentence="") for c in doc.clauses]
    ranked = SentenceScorer(snap, engine.retriever.tokenizer).score(analyse("测试供水保障行动方案的工作目标是什么？"), hits)
    assert not {"午市测试供水保障行动方案", "2099年3月18日"} & {s.text for s in ranked}
    answer = ask(engine, "测试供水保障行动方案的工作目标是什么？")
    assert answer.text.startswith("到2099年底，测试管网漏损率控制在9%以内。") and cited(answer) == ["一"]
    # … nor does the transmittal say why the 方案 was made.
    assert "印发给你们" not in ask(engine, "为什么制定测试供水保障行动方案？").text


def test_a_notice_s_signature_is_no_candidate_sentence(tmp_path):
    """The 落款's signer and date sign the 通知: "2099年3月10日" holds the year asked about but dates no deadline in it;
    its note of the attachments ("附件：测试指标体系") tells only what the 通知 attaches."""
    from kb.answering.evidence import SentenceScorer
    from kb.answering.intent import analyse

    engine = _inline_kb(tmp_path, {"apply.txt": "午市测试局关于开展2099年度测试工厂申报工作的通知\n午测发〔2099〕6号\n"
                                   "各区测试局：\n一、申报程序\n各区测试局于2099年5月31日前将推荐名单报送市测试局。\n"
                                   "附件：测试指标体系\n午市测试局\n2099年3月10日\n"})
    snap = engine.retriever.snapshot()
    doc_id, doc = next(iter(snap.documents.items()))
    hits = [Hit(doc_id, "", "", c.label, c.heading, c.text, 1.0, best_sentence="") for c in doc.clauses]
    scorer = SentenceScorer(snap, engine.retriever.tokenizer)
    ranked = {s.text for s in scorer.score(analyse("2099年测试工厂申报截止时间是什么时候？"), hits)}
    assert "各区测试局于2099年5月31日前将推荐名单报送市测试局。" in ranked
    assert not {"午市测试局", "2099年3月10日", "附件：测试指标体系"} & ranked
    attached = {s.text for s in scorer.score(analyse("2099年测试工厂申报通知有哪些附件？"), hits)}
    assert "附件：测试指标体系" in attached and not {"午市测试局", "2099年3月10日"} & attached


def test_a_notice_s_item_says_what_it_is_about_with_the_sentence_it_stands_under(tmp_path):
    """"二、…下列地点禁止燃放测试烟花：" over "（四）医院、幼儿园。": a 通告's item, like a law's 项, is read with its
    lead-in, so that "在医院附近能放测试烟花吗" finds the item on 医院 before the rules that only share the act."""
    from kb.answering.evidence import SentenceScorer
    from kb.answering.intent import analyse

    engine = _inline_kb(tmp_path, {"notice.txt": "午市关于测试烟花燃放管理的通告\n午府发〔2099〕9号\n"
                                   "一、东城区全域为测试烟花禁止燃放区域。\n"
                                   "二、在禁止燃放区域以外，下列地点禁止燃放测试烟花：\n（一）文物保护单位；\n（二）医院、幼儿园。\n"
                                   "三、每年除夕至正月初五，其他地区可以燃放测试烟花。\n"})
    snap = engine.retriever.snapshot()
    doc_id, doc = next(iter(snap.documents.items()))
    scorer = SentenceScorer(snap, engine.retriever.tokenizer)
    assert scorer.lead_in(doc_id, doc.clause("二（二）")) == "二、在禁止燃放区域以外，下列地点禁止燃放测试烟花："
    hits = [Hit(doc_id, "", "", c.label, c.heading, c.text, 1.0, best_sentence="") for c in doc.clauses]
    ranked = scorer.score(analyse("在医院附近能燃放测试烟花吗？"), hits)
    assert ranked[0].clause.label == "二（二）"


NATIONAL_PERMITS = """护林许可测试条例
2019年10月8日 国务院第66次常务会议通过
2019年10月22日 中华人民共和国国务院令第722号公布
第一条 为了规范护林许可管理，制定本条例。
第二条 护林许可证有效期为5年。
"""


def test_a_national_regulation_answers_for_every_province_and_a_local_one_only_for_its_own(kb, tmp_path):
    """A question naming a place ("在重庆，…") is answered by a State Council regulation, which holds there; a local
    regulation of another place, or a place outside the mainland's law, is refused with the reason."""
    national = _inline_kb(tmp_path, {"permits.txt": NATIONAL_PERMITS})
    for place in ("在重庆，", "上海的"):
        answer = ask(national, f"{place}护林许可证的有效期是几年？")
        assert answer.status == AnswerStatus.ANSWERED and "有效期为5年" in answer.text, place
    outside = ask(national, "香港的护林许可证有效期是几年？")
    assert outside.status == AnswerStatus.NOT_FOUND and "文件的适用范围不包括香港" in outside.text
    local = ask(kb, "上海的山林巡护证有效期是几年？")  # 重庆市山林测试条例
    assert local.status == AnswerStatus.NOT_FOUND and "文件的适用范围不包括上海" in local.text
    assert ask(kb, "重庆的山林巡护证有效期是几年？").status == AnswerStatus.ANSWERED


@pytest.mark.parametrize("scale", [1.0, 40.0])  # fused scores (0..1) and raw BM25 scores alike
def test_a_sentence_gets_its_clauses_retrieval_score_relative_to_the_best_hit(kb, scale):
    from kb.answering import tuning
    from kb.answering.evidence import SentenceScorer
    from kb.answering.intent import analyse
    from kb.schema import Hit

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)

    def hit(label, score):
        clause = snap.clause(doc_id, label)
        return Hit(doc_id, "", "", label, clause.heading, clause.text, score, best_sentence="")

    intent = analyse("天气预报")  # words no sentence holds: retrieval alone orders them
    scorer = SentenceScorer(snap, kb.retriever.tokenizer)
    strong, weak = hit("第十一条", 0.9 * scale), hit("第三条", 0.3 * scale)
    ranked = scorer.score(intent, [weak, strong])  # retrieval's order is not the score's
    by_label = {s.clause.label: s.score for s in ranked}
    assert ranked[0].clause.label == "第十一条"
    assert by_label["第十一条"] - by_label["第三条"] == pytest.approx(
        tuning.RETRIEVAL_WEIGHT * (1.0 - 0.3 / 0.9) + tuning.RANK_BONUS * (1 / 2 - 1), abs=1e-9)


@pytest.mark.parametrize("question, answered, says", [
    # "车龄超过几年" asks about 车龄, which no text mentions (jieba does not even know the word): a span of time in a
    # nearby provision does not answer it; a threshold on a word the texts use is looked for as usual.
    ("护林员的工龄超过几年可以不参加护林培训？", False, "工龄"),
    ("巡护证有效期超过几年要换证？", True, "三年"),
    # … and so is a measure asked by "…是多少" without 的, and the measure a sum is reckoned by.
    ("城市道路上最低车速是多少？", False, "车速"),
    ("城市道路每条车道宽度最多多少米？", False, "车道"),
    ("在城市道路上乱倒垃圾的，罚款按什么利率计算？", False, "利率"),
    # A modal verb and what follows it are the question's, not the noun's ("…的个人要罚多少": 个人, not 个人要罚) …
    ("在城市道路上乱倒垃圾渣土的个人要罚多少？", True, "五十元以上二百元以下罚款"),
    # … and so is a fine right before 多少 ("…的个人罚多少": 个人, not 个人罚) …
    ("在城市道路上乱倒垃圾渣土的个人罚多少？", True, "五十元以上二百元以下罚款"),
    # … while the noun before a modal and such a verb is still the one asked about ("…的津贴能领多少": 津贴) …
    ("护林员的津贴能领多少？", False, "文件没有提到津贴"),
    # … and a passive 被 starts the question's verb phrase ("…的同时可能被罚多少": no noun).
    ("在城市道路上乱倒垃圾渣土，被责令改正的同时可能被罚多少？", True, "五十元以上二百元以下罚款"),
])
def test_a_threshold_on_something_no_document_mentions_is_refused(kb, question, answered, says):
    answer = ask(kb, question)
    assert (answer.status == AnswerStatus.ANSWERED) is answered and says in answer.text


def test_what_follows_the_noun_asked_about_is_the_question_s_own(kb):
    """An adverb and a verb after the noun are the question's ("…的个人又罚多少": 个人, not 个人又罚), and 的话 ("if") is
    no possessive: "被查到的话一般罚多少" asks a penalty, not the amount of a 话一般罚."""
    again = ask(kb, "单位乱倒垃圾渣土怎么罚？乱倒垃圾渣土的个人又罚多少？")
    assert "又罚" not in again.text and "五十元以上二百元以下罚款" in again.text
    found_out = ask(kb, "在城市道路上乱倒垃圾渣土，被查到的话一般罚多少钱？")
    assert "文件没有提到" not in found_out.text and "罚款" in found_out.text


def test_a_kind_or_span_of_something_no_document_mentions_is_refused(kb):
    """"需要什么学历" asks for a kind of thing (学历) and "试用期最长多长时间" for the span of one (试用期) that no text
    mentions: the provisions about 护林员 do not answer it. A kind the texts name is looked for as usual, and so is
    a noun that only frames the question ("有什么硬指标吗", "持什么态度")."""
    degree = ask(kb, "护林员需要什么学历？")
    assert degree.status == AnswerStatus.NOT_FOUND and "学历" in degree.text
    probation = ask(kb, "护林员试用期最长多长时间？")
    assert probation.status == AnswerStatus.NOT_FOUND and "试用期" in probation.text
    assert "文件没有提到试用期。" in probation.text  # the word, not its parts as well
    # … and so does a verb between the modal and the span ("最长可以约定多久").
    agreed = ask(kb, "聘用护林员，试用期最长可以约定多久？")
    assert agreed.status == AnswerStatus.NOT_FOUND and "文件没有提到试用期。" in agreed.text
    permit = ask(kb, "护林员巡山时要带什么证件？")
    assert permit.status == AnswerStatus.ANSWERED and "巡护证" in permit.text
    for framing in ("护林员离岗重新上岗有什么硬指标吗？", "对野外用火持什么态度？", "进山野炊得按什么规矩来？",
                    "野外用火是指用什么东西点起来的火？", "巡护证得达到什么档次才行？"):
        assert "文件没有提到" not in ask(kb, framing).text, framing


def test_a_colloquial_word_no_document_uses_gives_way_to_its_formal_terms(kb):
    """上坟 is in no text: its formal term 烧香烧纸 (烧香, 烧纸) stands for it in the question's words instead of both diluting
    the share a sentence holds; a word no text uses and no table knows (火锅) still counts against it."""
    from kb.answering.evidence import SentenceScorer

    snap = kb.retriever.snapshot()
    weights = SentenceScorer(snap, kb.retriever.tokenizer).weights("上坟时吃火锅算不算野外用火？")
    assert "上坟" not in weights and "烧纸" in weights and "火锅" in weights


def test_a_span_asked_in_hours_or_years_is_not_answered_by_a_limit_in_days(kb):
    for question in ("挖掘城市道路的申请多少小时内作出决定？", "挖掘城市道路的申请几年内作出决定？",
                     "挖掘城市道路的申请最长几个月内作出决定？"):
        answer = ask(kb, question)
        assert answer.status == AnswerStatus.NOT_FOUND and "二十日内" not in answer.text.split("可能相关")[0], question
    assert "二十日内" in ask(kb, "挖掘城市道路的申请多少天内作出决定？").text
    assert "三年" in ask(kb, "山林巡护证的有效期是几年？").text


def test_a_list_quotes_the_best_provision_first_then_the_others_in_clause_order(kb):
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, listing

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)
    intent = analyse("进山有哪些规定？")

    def scored(label, score):
        clause = snap.clause(doc_id, label)
        return ScoredSentence(doc_id, clause, clause.sentences[0].text.strip(), score, 1, lexical=score)

    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), intent, [])
    ctx.ranked = [scored("第十二条", 0.9), scored("第三条", 0.8), scored("第十条", 0.7)]  # retrieval's evidence, set
    answer = listing(ctx)
    # (第十二条's 可以 keeps its proviso: "遇有高火险天气的除外")
    assert cited(answer) == ["第十二条", "第十二条", "第三条", "第十条"] and "遇有高火险天气的除外" in answer.text


def test_who_makes_a_measure_a_text_mentions_is_a_provision_not_document_information(kb):
    """"…管理办法由哪个部门制定" asks about a 办法 the regulation mentions, not about the loaded document."""
    answer = ask(kb, "山林巡护管理办法由哪个部门制定？")
    assert cited(answer) == ["第十六条"] and "市林业主管部门" in answer.text
    about_itself = ask(kb, "重庆市山林测试条例是由哪个机关通过的？")
    assert cited(about_itself) == ["题注"]


@pytest.mark.parametrize("dense, label, index, answers", [
    (0.9, "第八条", 0, True),  # the best sentence, close in meaning, opening its article: the conduct is there
    (0.5, "第八条", 0, False),  # not close in meaning: its few shared words are not the asked conduct
    (0.9, "第八条", 1, False),  # "拒不改正的，处…罚款" states no conduct
])
def test_a_colloquially_asked_penalty_is_read_from_the_best_sentence_by_its_meaning(kb, dense, label, index, answers):
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, penalty
    from kb.schema import Hit

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)
    clause = snap.clause(doc_id, label)
    hit = Hit(doc_id, "", "", label, clause.heading, clause.text, 1.0, scores={RetrievalMode.DENSE: dense})
    best = ScoredSentence(doc_id, clause, clause.sentences[index].text.strip(), 1.0, 1, lexical=0.1)
    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), analyse("看林子的人没培训就干活会怎么罚？"),
                        [hit])
    ctx.ranked = [best]
    answer = penalty(ctx)
    answered = answer is not None and answer.status == AnswerStatus.ANSWERED
    assert (answered and cited(answer)[0] == label and "二百元以上一千元以下" in answer.text) == answers


def test_a_body_named_for_another_task_of_the_same_clause_does_not_answer_who(kb):
    answer = ask(kb, "普及山林防火知识由谁负责？")
    assert answer.text.startswith("文件未明确") and cited(answer)[0] == "第十七条"
    named = ask(kb, "山林防火规划由谁编制？")
    assert "市林业主管部门负责编制山林防火规划" in named.text and not named.text.startswith("文件未明确")


def test_a_time_limit_asked_in_other_words_is_found_in_its_provision(kb):
    """"离开岗位多长时间以后…": few of the asked words stand by the sentence's span of time, which still answers; a
    number ("多少") must stand by the asked words."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)
    clause = snap.clause(doc_id, "第六条")  # 护林员离岗六个月及以上重新上岗的，应当重新参加护林培训。
    sentence = ScoredSentence(doc_id, clause, clause.sentences[0].text.strip(), 1.0, 1)
    scorer = SentenceScorer(snap, kb.retriever.tokenizer)
    assert scorer.missing_detail(analyse("单位员工离开岗位多长时间以后再回来重新上岗？"), sentence) == ""
    assert scorer.missing_detail(analyse("单位员工离开岗位的人数达到多少以后要重新上岗？"), sentence) != ""


def test_a_list_of_things_of_the_asked_kind_is_led_by_the_sentence_that_introduces_them(kb):
    """"哪些信息" is answered by "…公示下列信息：" with its items, before a closer sentence that only mentions 信息."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, listing

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)
    intent = analyse("护林站要公示哪些信息？")
    assert intent.list_noun == "信息"

    def scored(label, index, score):
        clause = snap.clause(doc_id, label)
        return ScoredSentence(doc_id, clause, clause.sentences[index].text.strip(), score, 1, lexical=score)

    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), intent, [])
    mentions = next(c.label for c in snap.documents[doc_id].clauses if c.text == "护林站应当及时更新公示信息。")
    ctx.ranked = [scored(mentions, 0, 0.9), scored("第十八条", 0, 0.7)]
    answer = listing(ctx)
    assert cited(answer)[0] == "第十八条" and "（一）护林员姓名和联系方式" in answer.text



def test_a_lead_in_with_its_items_is_the_whole_list(kb):
    """"…公示下列信息：" and its items answer "哪些信息" whole (an item of two sentences with both), without the close
    sentences of other provisions, which would pad the list."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, listing

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)

    def scored(label, score):
        clause = snap.clause(doc_id, label)
        return ScoredSentence(doc_id, clause, clause.sentences[0].text.strip(), score, 1, lexical=score)

    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), analyse("护林站要公示哪些信息？"), [])
    ctx.ranked = [scored("第十八条", 0.9), scored("第十四条", 0.8)]
    answer = listing(ctx)
    assert "（二）巡护路线" in answer.text and "巡护记录" not in answer.text
    assert cited(answer)[0] == "第十八条" and "第十四条" not in cited(answer)

    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), analyse("本条例有哪些用语的含义？"), [])
    ctx.ranked = [scored("第九条", 0.9)]
    assert "持证人巡山时应当随身携带" in listing(ctx).text


def test_scope_is_what_a_document_applies_to_before_what_it_does_not(kb):
    """"…不适用本条例" alone does not say what the regulation applies to: its scope article (among its first) does."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, scope
    from kb.schema import Hit

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "道路" in doc.meta.title)
    clause = snap.clause(doc_id, "第十一条")
    hit = Hit(doc_id, "", "", clause.label, clause.heading, clause.text, 1.0)
    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), analyse("城市道路测试条例适用于哪些范围？"),
                        [hit])
    ctx.ranked = [ScoredSentence(doc_id, clause, clause.sentences[0].text.strip(), 1.0, 1, lexical=1.0)]
    answer = scope(ctx)
    assert cited(answer)[0] == "第二条" and "本条例适用于本市行政区域内城市道路" in answer.text


def test_a_coefficient_or_an_index_without_a_unit_is_a_value(kb):
    coefficient = ask(kb, "到2025年山林防火设施完好系数要达到多少？")
    assert coefficient.status == AnswerStatus.ANSWERED and "0.95" in coefficient.text
    assert "1.2" in ask(kb, "巡护覆盖指数要达到多少？").text



def test_each_question_of_a_question_that_asks_two_is_answered_with_its_own_provision(kb):
    answer = ask(kb, "城市道路挖掘申请多少日内批准？在城市道路上洗车罚多少？")
    assert {"第五条", "第九条"} <= set(cited(answer))
    assert "二十日内" in answer.text and "五百元以上二千元以下罚款" in answer.text


def test_a_part_asking_who_is_not_hedged_with_the_provision_of_the_other_part(kb):
    answer = ask(kb, "护林员的报酬由谁承担？山林巡护证有效期是几年？")
    assert "文件未明确" not in answer.text
    assert "护林员的报酬由乡镇人民政府承担" in answer.text and "有效期为三年" in answer.text


def test_two_questions_that_each_have_an_answer_are_answered_though_no_provision_answers_both(kb):
    answer = ask(kb, "山林巡护证有效期是几年？护林站要公示哪些信息？")
    assert answer.status == AnswerStatus.ANSWERED and {"第五条", "第十八条"} <= set(cited(answer))


def test_two_questions_of_which_one_has_no_answer_are_refused(kb):
    assert ask(kb, "城市道路挖掘申请多少日内批准？护林员的工资是多少？").status == AnswerStatus.NOT_FOUND


def test_a_time_span_in_the_condition_of_the_asked_duty_answers(kb):
    """"护林员离岗六个月及以上重新上岗的，应当重新参加护林培训": the condition before the duty holds the span."""
    answer = ask(kb, "护林员离岗多久要重新参加护林培训？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第六条" and "六个月" in answer.text


def test_an_item_is_quoted_with_the_sentence_it_stands_under_and_not_with_its_siblings(kb):
    answer = ask(kb, "护林员的联系方式要公示吗？")
    assert cited(answer) == ["第十八条第一款第（一）项", "第十八条"]
    assert "护林站应当在醒目位置公示下列信息：" in answer.text and "巡护路线" not in answer.text


def test_the_words_of_an_items_lead_in_count_for_the_item_but_less_than_its_own(kb, monkeypatch):
    from kb.answering import tuning
    from kb.answering.evidence import SentenceScorer
    from kb.answering.intent import analyse
    from kb.schema import Hit

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)
    item, article = snap.clause(doc_id, "第十八条第一款第（一）项"), snap.clause(doc_id, "第十八条")
    scorer = SentenceScorer(snap, kb.retriever.tokenizer)
    assert scorer.lead_in(doc_id, item).endswith("护林站应当在醒目位置公示下列信息：") and scorer.lead_in(doc_id, article) == ""
    hit = Hit(doc_id, "", "", item.label, item.heading, item.text, 1.0)
    intent = analyse("护林站在醒目位置公示护林员的联系方式吗？")
    with_lead_in = scorer.score(intent, [hit])[0].lexical
    monkeypatch.setattr(tuning, "LEAD_IN_WEIGHT", 0.0)
    own = SentenceScorer(snap, kb.retriever.tokenizer).score(intent, [hit])[0].lexical
    monkeypatch.setattr(tuning, "LEAD_IN_WEIGHT", 1.0)
    whole = SentenceScorer(snap, kb.retriever.tokenizer).score(intent, [hit])[0].lexical
    assert own < with_lead_in < whole


def test_a_formal_term_no_document_uses_adds_no_weight_to_the_question(kb, monkeypatch):
    """An expansion can match only the words the documents use; the question's own words all count."""
    from kb.answering.evidence import SentenceScorer

    snap, tokenizer = kb.retriever.snapshot(), kb.retriever.tokenizer
    used = next(word for word in snap.bm25.vocabulary if len(word) > 1)
    monkeypatch.setattr(tokenizer, "expand_query", lambda text: f"{text} {used} 子虚乌有")
    weights = SentenceScorer(snap, tokenizer).weights("头盔怎么戴？")
    assert "头盔" in weights and used in weights
    assert not set(tokenizer.tokens("子虚乌有")) & set(weights)
    assert set(SentenceScorer(snap, tokenizer).weights("头盔怎么戴？", expand=False)) == {"头盔"}


def test_an_asked_value_stands_by_the_words_of_the_part_that_asks_not_of_the_scene_before_it(kb):
    """The scene ("…编制山林防火规划、开展宣传教育，") shares no words with the target sentence; the asking part does."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import asked_part
    from kb.answering.intent import analyse

    question = "市林业主管部门会同乡镇人民政府编制山林防火规划、开展宣传教育，巡护覆盖指数要达到多少？"
    assert asked_part(question) == "巡护覆盖指数要达到多少？"
    assert asked_part("巡护覆盖指数要达到多少？") == "巡护覆盖指数要达到多少？"
    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)
    target = snap.clause(doc_id, "第十九条")
    sentence = ScoredSentence(doc_id, target, target.sentences[0].text.strip(), 1.0, 1)
    assert SentenceScorer(snap, kb.retriever.tokenizer).missing_detail(analyse(question), sentence) == ""


@pytest.mark.parametrize("question, missing", [
    ("山林防火设施数量超过多少要验收？", "文件没有规定防火设施数量的具体数值"),  # a value of another measure
    ("山林防火设施完好系数达到多少算合格？", ""),
])
def test_a_threshold_is_answered_only_by_a_value_of_the_measure_asked_about(kb, question, missing):
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)
    target = snap.clause(doc_id, "第十九条")
    sentence = ScoredSentence(doc_id, target, target.sentences[0].text.strip(), 1.0, 1)
    assert SentenceScorer(snap, kb.retriever.tokenizer).missing_detail(analyse(question), sentence) == missing


CATALOGUES = """甲市古树测试条例
第一条 为了保护古树，制定本条例。
第二条 古树保护名录由市林业主管部门制定并公布。列入古树保护名录的古树，任何单位和个人不得砍伐。
第三条 本市重点保护树种名录如下：
（一）银杏；
（二）黄葛树。
第四条 禁止伪造、变造、转让古树养护证。
第五条 违反本条例规定，伪造、变造、转让古树养护证的，由市林业主管部门没收证件，处一万元以上五万元以下罚款。
第六条 古树养护单位应当每年报送古树养护记录。
第七条 有下列行为之一的，由市林业主管部门责令改正，处五百元以上二千元以下罚款：
（一）未按照规定报送古树养护记录的；
（二）擅自移植古树的。
第八条 古树的日常养护，由古树所在地的产权人负责。
第九条 因山林火灾失踪的人员，自火灾发生之日起三十日后，按照死亡人员统计。
第十条 在古树上钉钉、刻划的，由市林业主管部门责令改正，可以处二百元以下罚款。
第十一条 古树复壮确因季节原因不能按期完成的，完成复壮的时间不得迟于批准后的六个月。
"""


@pytest.fixture(scope="module")
def catalogue_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("catalogues"), {"roads.txt": ROADS, "forests.txt": FORESTS, "trees.txt": CATALOGUES})


def test_a_catalogue_left_to_an_authority_is_not_listed_from_the_law(catalogue_kb):
    answer = ask(catalogue_kb, "古树保护名录具体都列了哪些古树？")
    assert answer.status == AnswerStatus.NOT_FOUND
    assert "文件没有列出古树保护名录的具体内容" in answer.text
    assert "古树保护名录由市林业主管部门制定并公布〔《甲市古树测试条例》第二条〕" in answer.text


def test_a_catalogue_the_text_holds_is_listed(catalogue_kb):
    answer = ask(catalogue_kb, "重点保护树种名录有哪些树种？")
    assert answer.status == AnswerStatus.ANSWERED and "银杏" in answer.text and "黄葛树" in answer.text


def test_a_penalty_naming_no_article_is_linked_to_the_prohibition_stating_its_conduct(catalogue_kb):
    answer = ask(catalogue_kb, "伪造古树养护证罚多少？")
    assert cited(answer)[0] == "第五条" and cited(answer)[-1] == "第四条" and "一万元以上五万元以下罚款" in answer.text


def test_a_listed_conduct_is_linked_to_the_duty_it_breaches(catalogue_kb):
    answer = ask(catalogue_kb, "古树养护单位未按照规定报送古树养护记录，罚多少？")
    assert cited(answer) == ["第七条", "第七条第（一）项", "第六条"]


def test_a_conduct_no_duty_states_gets_no_duty(catalogue_kb):
    answer = ask(catalogue_kb, "擅自移植古树罚多少？")
    assert cited(answer) == ["第七条", "第七条第（二）项"]


def test_a_permission_asked_of_a_punished_conduct_quotes_the_prohibition_first(catalogue_kb):
    """When the closest sentence is the penalty ("…转让古树养护证的，…罚款"), the prohibition it punishes answers."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, permission
    from kb.schema import Hit

    snap = catalogue_kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "古树" in doc.meta.title)
    penalty = snap.clause(doc_id, "第五条")
    ctx = AnswerContext(snap, SentenceScorer(snap, catalogue_kb.retriever.tokenizer), analyse("古树养护证可以转让吗？"),
                        [Hit(doc_id, "", "", penalty.label, penalty.heading, penalty.text, 1.0)])
    ctx.ranked = [ScoredSentence(doc_id, penalty, penalty.sentences[0].text.strip(), 1.0, 1, lexical=1.0)]
    answer = permission(ctx)
    assert answer.text.startswith("不可以，文件禁止：\n第四条 禁止伪造、变造、转让古树养护证。")
    assert cited(answer) == ["第四条", "第五条"]


def test_a_list_of_what_must_be_done_leads_with_the_duty_not_the_conduct_a_penalty_lists(catalogue_kb):
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, listing
    from kb.schema import Hit

    snap = catalogue_kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "古树" in doc.meta.title)
    item = snap.clause(doc_id, "第七条第（一）项")
    ctx = AnswerContext(snap, SentenceScorer(snap, catalogue_kb.retriever.tokenizer),
                        analyse("报送古树养护记录方面要做到哪些？"), [Hit(doc_id, "", "", item.label, "", item.text, 1.0)])
    ctx.ranked = [ScoredSentence(doc_id, item, item.sentences[0].text.strip(), 1.0, 1, lexical=1.0)]
    assert cited(listing(ctx)) == ["第六条", "第七条第（一）项"]


def test_who_is_answered_by_whoever_a_provision_makes_responsible_not_only_by_a_body(catalogue_kb):
    answer = ask(catalogue_kb, "古树的日常养护由谁负责？")
    assert "文件未明确" not in answer.text and cited(answer)[0] == "第八条" and "产权人负责" in answer.text


def test_a_time_limit_asked_for_is_read_from_its_whole_sentence(catalogue_kb):
    """"…之日起三十日后，按照死亡人员统计": the span stands before the words the question asks about."""
    answer = ask(catalogue_kb, "山林火灾里有人失踪，过多长时间按照死亡人员统计？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第九条" and "三十日后" in answer.text


def test_a_conduct_punished_is_not_allowed_whatever_modal_verb_the_penalty_uses(catalogue_kb):
    """"…的，由…责令改正，可以处…罚款": the 可以 is the authority's, the conduct is not allowed."""
    answer = ask(catalogue_kb, "可以在古树上刻划吗？")
    assert answer.text.startswith("不可以，文件对这种行为规定了处罚：") and cited(answer)[0] == "第十条"


@pytest.mark.parametrize("question, verdict", [
    ("护林员重新上岗时，可以不参加护林培训吗？", "需要，文件规定应当这样做："),  # skipping a duty
    ("护林员重新上岗时，可以向他们收取培训费吗？", None),  # the duty says nothing of a fee
])
def test_a_duty_answers_whether_one_may_skip_it_not_whether_one_may_do_something_else(kb, question, verdict):
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, permission
    from kb.schema import Hit

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)
    duty = snap.clause(doc_id, "第六条")
    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), analyse(question),
                        [Hit(doc_id, "", "", duty.label, duty.heading, duty.text, 1.0)])
    ctx.ranked = [ScoredSentence(doc_id, duty, duty.sentences[0].text.strip(), 1.0, 1, lexical=1.0)]
    answer = permission(ctx)
    assert (answer.text.splitlines()[0] if answer else None) == verdict


def test_a_quoted_sentence_ending_in_a_semicolon_goes_on_to_its_full_stop(kb):
    """"…可以在指定地点野炊；遇有高火险天气的除外。": the exception belongs to the provision quoted."""
    answer = ask(kb, "进山人员在什么地点野炊？")
    assert cited(answer) == ["第十二条", "第十二条"] and "遇有高火险天气的除外" in answer.text
    assert len(answer.text.splitlines()) == len(set(answer.text.splitlines()))  # a runner-up quoted once


def test_a_span_counted_from_an_event_says_when(catalogue_kb):
    """"不得迟于批准后的六个月" answers "最晚什么时候" though it is bounded by no 内 or 前."""
    answer = ask(catalogue_kb, "古树复壮因为季节原因不能按期完成，最晚什么时候必须完成复壮？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第十一条" and "六个月" in answer.text


def test_a_list_asked_for_runs_on_to_the_full_stop_of_its_enumeration(tmp_path):
    """"一是…；二是…；…五是…。" is one list: the sentence that names it is followed by every piece, not only the first."""
    engine = _inline_kb(tmp_path, {"dust.txt": "午市测试扬尘通知\n午测〔2099〕1号\n一、严格扬尘管控\n"
                                   "（一）落实工地要求。建筑工地要落实“五个百分之百”要求，一是施工围挡；二是物料覆盖；三是车辆冲洗；"
                                   "四是湿法作业；五是渣土密闭运输。\n（二）加强道路保洁。主要道路每日清扫两次。\n"})
    answer = ask(engine, "五个百分之百包括哪些？")
    assert all(piece in answer.text for piece in ("施工围挡", "物料覆盖", "车辆冲洗", "湿法作业", "渣土密闭运输"))


def test_the_sentence_leading_into_a_notice_answers_only_why_it_was_written(tmp_path):
    """"为做好2099年夏季测试工作，现将有关事项通知如下：" shares the question's words and holds its year, but says why
    the notice is written: what is to be done and when are in the text it leads into; a year in the title holds
    throughout that text."""
    engine = _inline_kb(tmp_path, {"summer.txt": "午市测试局关于做好2099年夏季测试工作的通知\n午测发〔2099〕2号\n"
                                   "各区测试局：\n为做好2099年夏季测试工作，现将有关事项通知如下：\n"
                                   "（一）加强排查。各区应当开展测试排查，建立清单。\n"
                                   "（二）按时报送。各区测试局应当在每季度结束后十日内将测试工作进展报送市测试局。\n"})
    tasks = ask(engine, "2099年夏季测试工作要做什么？")
    assert tasks.status == AnswerStatus.ANSWERED and "序言" not in cited(tasks)
    assert cited(ask(engine, "2099年夏季测试工作进展什么时候报送？"))[0] == "（二）"
    assert cited(ask(engine, "这个通知的目的是什么？")) == ["序言"]


def test_a_note_naming_who_does_a_task_is_quoted_with_the_task(tmp_path):
    """"（市测试局牵头，市财政局配合）" says who; the sentences before it in its clause say what: "市财政局要做什么" is
    answered by both, not by the note alone."""
    engine = _inline_kb(tmp_path, {"tasks.txt": "午市测试工作实施方案\n午测发〔2099〕4号\n一、重点任务\n"
                                   "（一）建设测试平台。2099年底前建成全市统一的测试数据平台。（市测试局牵头，市财政局配合）\n"
                                   "（二）培养测试人才。每年培训测试人员500人次。（市人力社保局负责）\n"})
    answer = ask(engine, "市财政局要做什么？")
    assert "（市测试局牵头，市财政局配合）" in answer.text and "建成全市统一的测试数据平台" in answer.text
    # … and it is no requirement of its own in a list of what must be done.
    listed = ask(engine, "测试平台和测试人才有哪些要求？")
    assert "建成全市统一的测试数据平台" in listed.text and "每年培训测试人员500人次" in listed.text
    assert "牵头" not in listed.text and "负责）" not in listed.text


def test_a_plan_s_phase_is_dated_by_its_heading(tmp_path):
    """"（一）启动阶段（2099年3月—6月）。" says when the phase runs; its body ("制定年度计划") does not. A heading
    still answers nothing else: "启动阶段要做什么" is answered by the body."""
    engine = _inline_kb(tmp_path, {"steps.txt": "午市测试改造行动方案\n午测发〔2099〕5号\n一、实施步骤\n"
                                   "（一）启动阶段（2099年3月—6月）。制定年度计划，确定首批测试项目。\n"
                                   "（二）全面实施阶段（2099年7月—2101年6月）。分年度推进测试，每年完成总任务量的三分之一以上。\n"})
    answer = ask(engine, "全面实施阶段是什么时候？")
    assert answer.status == AnswerStatus.ANSWERED and "2099年7月—2101年6月" in answer.text.splitlines()[0]
    assert cited(answer)[0] == "一（二）"
    assert "制定年度计划" in ask(engine, "启动阶段要做什么？").text.splitlines()[0]
    # … and it says when of the phase's tasks, asked for by their own words.
    task = ask(engine, "什么时候确定首批测试项目？")
    assert task.status == AnswerStatus.ANSWERED and "2099年3月—6月" in task.text and cited(task)[0] == "一（一）"


def test_a_who_question_naming_its_task_first_is_answered_by_the_provision_of_that_task(tmp_path):
    """"验收由谁负责" asks who does the 验收: "市测试委组织开展项目验收", not the sentence holding the asking word 负责
    ("市测试委牵头负责改造工作的统筹协调")."""
    engine = _inline_kb(tmp_path, {"plan.txt": "午市测试改造方案\n午测发〔2099〕7号\n一、实施步骤\n"
                                   "（一）验收阶段（2099年11月—12月）。市测试委组织开展项目验收。\n"
                                   "二、保障措施\n（一）加强组织领导。市测试委牵头负责改造工作的统筹协调。\n"})
    answer = ask(engine, "验收由谁负责？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "一（一）" and "统筹协调" not in answer.text


def test_a_provision_bounding_a_year_answers_about_another_year_but_no_target_by_it(tmp_path):
    """"2000年底前建成的…小区" says of a 小区 built in 2005 (the asker compares); it says nothing of a target "到2030年"."""
    engine = _inline_kb(tmp_path, {"plan.txt": "午市测试小区改造方案\n午测发〔2099〕8号\n一、改造范围\n"
                                   "改造对象为2000年底前建成、配套设施不完善的测试小区。\n"})
    answer = ask(engine, "2005年建成的测试小区能改造吗？")
    assert answer.status == AnswerStatus.ANSWERED and "2000年底前建成" in answer.text
    assert ask(engine, "到2030年要改造多少测试小区？").status == AnswerStatus.NOT_FOUND


def test_a_question_naming_a_document_by_its_number_is_not_asking_about_the_numbers_year(tmp_path):
    """"渝林测发〔2022〕1号里要建设哪些防火通道" asks of that document, which need not speak of 2022."""
    engine = _inline_kb(tmp_path, {"opinions.txt": OPINIONS})
    answer = ask(engine, "渝林测发〔2022〕1号里要建设什么防火通道？")
    assert answer.status == AnswerStatus.ANSWERED and "铜锣山" in answer.text


def test_the_targets_of_the_task_a_question_opens_with_are_its_answer(tmp_path):
    """"发展测试循环农业有哪些到2099年的指标" lists that task's targets, not every target of 2099; a question naming no
    task ("文件提出了哪些到2099年的目标") lists them all."""
    engine = _inline_kb(tmp_path, {"plan.txt": "午市测试绿色发展意见\n午测发〔2099〕9号\n一、重点任务\n"
                                   "（一）加快测试农业绿色发展。发展测试循环农业，到2099年，测试秸秆利用率达到90%。\n"
                                   "（二）建设测试绿色工厂。到2099年，建成测试绿色工厂50家。\n"})
    task = ask(engine, "发展测试循环农业有哪些到2099年的指标？")
    assert "90%" in task.text and "50家" not in task.text
    every = ask(engine, "文件提出了哪些到2099年的目标？")
    assert "90%" in every.text and "50家" in every.text


def test_a_share_written_as_a_fraction_answers_how_much(tmp_path):
    """"约占全市能源消费总量的五分之一" states a share, as 百分之二十 would."""
    engine = _inline_kb(tmp_path, {"energy.txt": "午市测试节能方案\n午测发〔2099〕6号\n一、背景\n"
                                   "测试建筑运行能耗约占全市能源消费总量的五分之一。\n二、目标\n到2099年完成测试改造100万平方米。\n"})
    answer = ask(engine, "测试建筑运行能耗占全市能源消费多少？")
    assert answer.status == AnswerStatus.ANSWERED and "五分之一" in answer.text


def test_a_later_paragraph_times_the_act_its_article_opens_with(tmp_path):
    """"…作出是否许可的决定" in 第二款 is the decision on the 收运许可 that 第一款 requires: it answers the time limit of
    "作出收运许可决定", though its own words do not name the permit."""
    engine = _inline_kb(tmp_path, {"waste.txt": "午市测试垃圾管理办法\n"
                                   "第一条 为了规范测试垃圾管理，制定本办法。\n"
                                   "第二条 从事测试垃圾收集、运输的单位，应当向城市管理部门申请取得收运许可。\n"
                                   "城市管理部门应当自受理申请之日起20个工作日内作出是否许可的决定。\n"
                                   "第三条 收运单位应当在收运后24小时内将测试垃圾运至处置场所。\n"})
    answer = ask(engine, "城市管理部门多少个工作日内作出收运许可决定？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第二条第二款"


def test_a_frequency_is_of_the_act_asked(tmp_path):
    """"处置单位多久报送一次处置量" is answered by the report's frequency (每季度), not by another act's that ranks
    close ("收运单位应当每日至少收运一次")."""
    engine = _inline_kb(tmp_path, {"waste.txt": "午市测试垃圾管理办法\n"
                                   "第一条 为了规范测试垃圾管理，制定本办法。\n"
                                   "第二条 收运单位应当每日至少收运一次测试垃圾，并运至处置单位。\n"
                                   "第三条 处置单位应当每季度向城市管理部门报送测试垃圾处置量。\n"})
    answer = ask(engine, "处置单位多久报送一次处置量？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第三条"
    assert cited(ask(engine, "收运单位多久收运一次测试垃圾？"))[0] == "第二条"


def test_the_bodies_responsible_for_a_task_are_its_own_responsibility_line(tmp_path):
    """A 方案 follows each task with "责任单位：…": "…的责任单位有哪些" is answered by the task's line naming them all,
    not by a list running on to the next task's line."""
    engine = _inline_kb(tmp_path, {"plan.txt": "午市测试改造行动方案\n午测发〔2099〕7号\n一、重点任务\n"
                                   "（一）开展测试能耗调查。2099年6月底前完成全市测试能耗调查，建立数据库。\n"
                                   "责任单位：市住房城乡建设委、市机关事务局，各区县人民政府。\n"
                                   "（二）推进测试建筑改造。大型测试建筑应当在2100年底前完成能源审计。\n"
                                   "责任单位：市住房城乡建设委、市发展改革委。\n"})
    answer = ask(engine, "开展测试能耗调查的责任单位有哪些？")
    assert answer.text.startswith("责任单位：市住房城乡建设委、市机关事务局") and set(cited(answer)) == {"一（一）"}
    # … and so is "由哪些单位负责", which names no role: the line is not one item of a list of the task's sentences.
    doers = ask(engine, "推进测试建筑改造由哪些单位负责？")
    assert doers.text.startswith("责任单位：市住房城乡建设委、市发展改革委") and "（1）" not in doers.text


def test_a_task_whose_sentence_names_no_body_is_done_by_its_responsibility_note(tmp_path):
    """A 方案's task closes with a note of who does it ("（责任单位：各区县人民政府）"): "由谁…" is answered by the note
    with the task, never by "文件未明确" although the task's own sentence names no body (各区县要…)."""
    engine = _inline_kb(tmp_path, {"plan.txt": "午市测试供水行动方案\n午测发〔2099〕8号\n一、重点任务\n"
                                   "（一）改造老旧测试管网。全年改造老旧测试管网300公里。（牵头单位：市住房城乡建设委；配合单位：市财政局）\n"
                                   "（二）完善测试应急供水。各区县要建立应急备用测试水源，每年至少组织一次测试演练。"
                                   "（责任单位：各区县人民政府）\n"})
    answer = ask(engine, "应急备用测试水源由谁建立？")
    assert answer.status == AnswerStatus.ANSWERED and "未明确" not in answer.text
    assert "（责任单位：各区县人民政府）" in answer.text and "每年至少组织一次测试演练" in answer.text
    assert set(cited(answer)) == {"一（二）"}
    # … a role the note does not name is said to be unnamed, the note quoted for the roles it names …
    helpers = ask(engine, "完善测试应急供水的配合单位有哪些？")
    assert helpers.text.startswith("文件未明确配合单位") and "（责任单位：各区县人民政府）" in helpers.text
    assert "配合单位：市财政局" in ask(engine, "改造老旧测试管网的配合单位有哪些？").text
    # … a list of a body's tasks brings the task a note names it for, not the note alone …
    tasks = ask(engine, "市住房城乡建设委负责哪些事？")
    assert "全年改造老旧测试管网300公里。" in tasks.text and "市住房城乡建设委" in tasks.text
    # … and a note is quoted only when who is asked: "改造多少公里" is answered by the task alone.
    count = ask(engine, "改造老旧测试管网多少？")
    assert "300公里" in count.text and "单位" not in count.text


def test_a_metadata_question_is_answered_of_the_document_of_the_genre_it_names(tmp_path):
    """"供水方案是哪个单位发的": of the retrieved documents, the one the question calls a 方案 (a 方案 issued by a
    通知 too), though a regulation sharing more of its words ranks first."""
    engine = _inline_kb(tmp_path, {
        "rules.txt": "午市测试供水条例\n2099年1月5日午市人民代表大会常务委员会通过\n"
                     "第一条 为了规范测试供水，保障测试供水安全，制定本条例。\n第二条 测试供水单位应当保障测试供水水质。\n",
        "plan.txt": "午市人民政府办公室\n关于印发午市测试供水行动方案的通知\n午府办发〔2099〕12号\n各区县人民政府：\n"
                    "《午市测试供水行动方案》已经市政府同意，现印发给你们，请认真贯彻执行。\n午市人民政府办公室\n"
                    "2099年3月18日\n午市测试供水行动方案\n一、工作目标\n到2099年底，测试管网漏损率控制在9%以内。\n"
                    "二、保障措施\n市级财政安排专项资金2亿元。\n"})
    answer = ask(engine, "供水方案是哪个单位发的？")
    assert answer.citations[0].doc == "午府办发〔2099〕12号" and "午市人民政府办公室" in answer.text


def test_a_law_s_purpose_is_its_purpose_article_alone(tmp_path):
    """"立法目的是什么" is answered by "为了…，制定本条例。", not padded with the articles sharing its words."""
    engine = _inline_kb(tmp_path, {"bridges.txt": "城市测试桥梁条例\n"
                                   "第一条 为了加强城市测试桥梁管理，保障城市测试桥梁安全，制定本条例。\n"
                                   "第二条 本条例适用于本市城市测试桥梁的管理。\n"
                                   "第三条 城市测试桥梁管理部门负责本条例的实施。\n"})
    answer = ask(engine, "城市测试桥梁条例的立法目的是什么？")
    assert answer.text.startswith("第一条 为了加强城市测试桥梁管理") and cited(answer) == ["第一条"]


def test_a_notice_s_basis_is_the_sentence_leading_into_its_text(tmp_path):
    """"…通告是根据什么制定的": a 通告 names its basis where it leads into its text ("根据《…条例》…，现就…通告如下："),
    which is otherwise never quoted."""
    engine = _inline_kb(tmp_path, {"notice.txt": "午市人民政府关于测试烟花燃放管理的通告\n午府发〔2099〕8号\n"
                                   "为保障公共安全，根据《测试烟花安全管理条例》等规定，现就测试烟花燃放管理有关事项通告如下：\n"
                                   "一、东城区全域为测试烟花禁止燃放区域。\n二、违反本通告第一条规定燃放测试烟花的，由公安机关处100元罚款。\n"})
    answer = ask(engine, "测试烟花通告的依据是什么？")
    assert answer.text.startswith("为保障公共安全，根据《测试烟花安全管理条例》等规定") and cited(answer) == ["序言"]


def test_a_telephone_number_answers_what_number_to_call(tmp_path):
    """"举报电话：12345" holds no quantity (no unit), yet answers "举报电话是多少"; a document giving none says so."""
    engine = _inline_kb(tmp_path, {"notice.txt": "午市测试燃放通告\n午府发〔2099〕4号\n"
                                   "一、主城区全域禁止燃放测试烟花。\n二、举报电话：12345。\n三、本通告自2099年1月1日起施行。\n"})
    answer = ask(engine, "举报电话是多少？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer) == ["二"]
    refused = ask(engine, "咨询邮箱是什么？")
    assert refused.status == AnswerStatus.NOT_FOUND


def test_a_term_is_answered_by_its_length_not_by_the_renewal_counted_from_its_end(tmp_path):
    """"有效期多久": "有效期为5年", not "有效期届满…应当于有效期届满60日前…申请延续", which words the question more."""
    engine = _inline_kb(tmp_path, {"permits.txt": "午市测试许可办法\n第一条 为了规范测试许可，制定本办法。\n"
                                   "第二条 测试许可证有效期为5年。\n"
                                   "测试许可证有效期届满，持证单位需要继续测试的，应当于测试许可证有效期届满60日前提出申请。\n"})
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse

    answer = ask(engine, "测试许可证有效期多久？")
    assert answer.status == AnswerStatus.ANSWERED and answer.text.startswith("第二条 测试许可证有效期为5年")
    snap = engine.retriever.snapshot()
    doc_id = next(iter(snap.documents))
    renewal = snap.clause(doc_id, "第二条第二款")
    sentence = ScoredSentence(doc_id, renewal, renewal.sentences[0].text.strip(), 1.0, 1)
    scorer = SentenceScorer(snap, engine.retriever.tokenizer)
    assert scorer.missing_detail(analyse("测试许可证有效期多久？"), sentence)
    assert not scorer.missing_detail(analyse("有效期届满前多少日提出申请？"), sentence)


APPLICATION_NOTICE = """午市发展和改革委员会
关于组织申报2099年测试专项资金项目的通知
午发改〔2099〕21号
各区县发展改革委：
为推进测试工作，现组织申报2099年测试专项资金项目，有关事项通知如下：
一、申报材料
（一）项目申报表；
（二）测试评估报告；
（三）项目备案文件。
二、时间安排
请各区县于2099年5月31日前将申报材料报送市发展改革委，逾期不予受理。
"""


def test_a_notice_s_deadline_and_its_listed_materials(tmp_path):
    """"申报截止时间是什么时候": the words asking when (截止时间) are no words the deadline's sentence must hold;
    "需要提交哪些申报材料" names the heading after 哪些 and is answered by its items, all of them."""
    engine = _inline_kb(tmp_path, {"apply.txt": APPLICATION_NOTICE})
    deadline = ask(engine, "申报截止时间是什么时候？")
    assert deadline.status == AnswerStatus.ANSWERED and "2099年5月31日前" in deadline.text
    materials = ask(engine, "需要提交哪些申报材料？")
    assert cited(materials) == ["一（一）", "一（二）", "一（三）"]
    # After 哪些 the heading must be the whole noun asked for.
    assert "包括以下方面" not in ask(engine, "哪些申报材料报送单位逾期不予受理？").text


def test_a_share_asked_as_a_bizhong_is_the_share_the_text_calls_a_bili(tmp_path):
    """"非化石能源消费比重要达到多少" asks the share the text words "非化石能源消费占一次能源比例达到23%": 比重, 比例
    and 占比 are words for one measure (it was refused with 文件没有规定源消费比重的具体数值)."""
    engine = _inline_kb(tmp_path, {"goals.txt": "午市测试实施意见\n午府发〔2099〕8号\n一、主要目标\n"
                                   "到2099年，全市非化石能源消费占一次能源比例达到23%，森林覆盖率达到57%。\n"})
    answer = ask(engine, "到2099年非化石能源消费比重要达到多少？")
    assert answer.status == AnswerStatus.ANSWERED and "23%" in answer.text


def test_a_day_of_every_month_says_when(tmp_path):
    """"应当于每月5日前报送" answers "什么时候报送", as a day of the year would."""
    engine = _inline_kb(tmp_path, {"reports.txt": "午市测试报送办法\n第一条 为了规范测试报送，制定本办法。\n"
                                   "第二条 各区测试机构应当于每月5日前将上月测试进展报送市测试主管部门。\n"
                                   "第三条 测试主管部门应当公开测试结果。\n"})
    answer = ask(engine, "测试进展什么时候报送？")
    assert answer.status == AnswerStatus.ANSWERED and "每月5日前" in answer.text

ISSUING_NOTICE = """甲市人民政府办公厅关于印发《甲市节水方案》的通知
甲府办发〔2099〕3号
各区人民政府：
现将《甲市节水方案》印发给你们，请认真执行。
甲市人民政府办公厅
2099年5月6日
甲市节水方案
为落实节水行动，制定本方案。
一、总体要求
坚持节水优先，全面提升用水效率。
二、主要目标
到2099年，全市用水总量下降16%。
"""


@pytest.fixture(scope="module")
def notice_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("notice"), {"notice.txt": ISSUING_NOTICE})


def test_an_issuing_notice_is_dated_by_its_cover_letter(notice_kb):
    answer = ask(notice_kb, "这个方案是什么时候印发的？")
    assert answer.text.startswith("该文件的成文日期是2099年5月6日") and "2099年5月6日" in answer.citations[0].quote


def test_the_recipients_line_is_what_the_document_is_sent_to_not_a_provision(notice_kb):
    """"各区人民政府：" addresses the notice: it answers whom it is sent to, never what the bodies must do."""
    sent_to = ask(notice_kb, "这个通知发给谁？")
    assert sent_to.text.startswith("该文件的主送单位是各区人民政府")
    duties = ask(notice_kb, "各区人民政府要做什么？")
    assert all(c.quote != "各区人民政府：" for c in duties.citations)


def test_an_issued_text_s_title_is_never_quoted_though_its_years_stand_on_a_line_of_their_own(tmp_path):
    """"…行动方案" and "（2099—2100年）" print the issued text's title on two lines: neither is a provision, however
    many of the question's words the title holds."""
    engine = _inline_kb(tmp_path, {"plan.txt": "甲市人民政府办公厅关于印发甲市测试节水改造行动方案（2099—2100年）的通知\n"
                                   "甲府办发〔2099〕4号\n各区人民政府：\n现将《甲市测试节水改造行动方案（2099—2100年）》印发给你们，"
                                   "请认真执行。\n甲市人民政府办公厅\n2099年5月6日\n甲市测试节水改造行动方案\n（2099—2100年）\n"
                                   "一、改造任务\n各区应当完成老旧管网的测试改造。\n二、资金保障\n市级财政安排测试资金。\n"})
    answer = ask(engine, "甲市测试节水改造行动方案有哪些规定？")
    quotes = [c.quote for c in answer.citations]
    assert answer.status == AnswerStatus.ANSWERED and "甲市测试节水改造行动方案" not in quotes
    assert "（2099—2100年）" not in quotes


def test_a_penalty_runs_on_to_the_end_of_its_paragraph_not_into_the_next_one(tmp_path):
    """A 决定's item may hold two penalties, a paragraph each: the conduct asked about is punished by the first; the
    second punishes other conduct and is not quoted with it."""
    engine = _inline_kb(tmp_path, {"decision.txt": "甲市人民代表大会常务委员会关于禁止燃放测试灯的决定\n"
                                   "为了预防火灾，作出如下决定：\n一、本市行政区域内禁止燃放测试灯。\n二、禁止销售测试灯。\n"
                                   "三、违反本决定第一条规定燃放测试灯的，由公安机关处二百元以上五百元以下罚款；"
                                   "造成火灾的，处五百元以上二千元以下罚款。\n"
                                   "违反本决定第二条规定销售测试灯的，由市场监督管理部门处一千元以上一万元以下罚款。\n"})
    answer = ask(engine, "燃放测试灯引起火灾怎么罚？")
    assert "造成火灾的，处五百元以上二千元以下罚款" in answer.text and "销售测试灯的" not in answer.text


def test_a_modal_verb_naming_a_work_or_describing_a_thing_rules_on_nothing(tmp_path):
    """"…应当加强对禁止燃放测试灯工作的领导" names the work of enforcing a ban, and "测试灯，是指…可以自由飘移的灯具"
    tells what the lamp is: neither allows or forbids what is asked, though the closest sentence."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, permission
    from kb.schema import Hit

    engine = _inline_kb(tmp_path, {"decision.txt": "甲市人民代表大会常务委员会关于禁止燃放测试灯的决定\n"
                                   "为了预防火灾，作出如下决定：\n"
                                   "一、市、区人民政府应当加强对禁止燃放测试灯工作的领导，组织有关部门做好宣传教育工作。\n"
                                   "二、本市行政区域内禁止燃放测试灯。\n本决定所称测试灯，是指以热空气为升空动力，可以自由飘移的灯具。\n"})
    snap = engine.retriever.snapshot()
    doc_id = next(iter(snap.documents))

    def answer(question, closest):
        clauses = [snap.clause(doc_id, label) for label in ("一", "二")]
        ctx = AnswerContext(snap, SentenceScorer(snap, engine.retriever.tokenizer), analyse(question),
                            [Hit(doc_id, "", "", c.label, c.heading, c.text, 1.0) for c in clauses])
        ranked = [ScoredSentence(doc_id, c, s.text.strip(), 0.9, rank, lexical=0.5)
                  for rank, c in enumerate(clauses, 1) for s in c.sentences]
        first = next(s for s in ranked if closest in s.text)
        ctx.ranked = [replace(first, score=1.0, lexical=1.0), *(s for s in ranked if s is not first)]
        return permission(ctx)

    light = answer("在甲市能放测试灯吗？", "领导")
    assert light.text.startswith("不可以，文件禁止：\n二、本市行政区域内禁止燃放测试灯。") and "领导" not in light.text
    sell = answer("可以卖测试灯吗？", "是指")
    assert sell is None or not sell.text.startswith("可以")


def test_a_sentence_that_only_names_its_clause_answers_nothing(notice_kb):
    """"二、主要目标" is a heading line of its own in an 方案: the target under it answers "主要目标是什么"."""
    answer = ask(notice_kb, "主要目标是什么？")
    assert answer.text.startswith("到2099年，全市用水总量下降16%")


def test_a_duty_that_omits_its_subject_binds_the_subject_of_the_sentence_before(kb):
    """"遇有高火险天气的，应当增加巡查次数": who must is who the paragraph's first sentence names (承前省略)."""
    answer = ask(kb, "遇有高火险天气时，由谁增加巡查次数？")
    assert cited(answer)[0] == "第二十条" and answer.text.startswith("第二十条 山林经营单位")
    assert "增加巡查次数" in answer.text and "未明确" not in answer.text


def test_a_permission_is_not_read_from_a_close_sentence_about_something_else(kb):
    """The best sentence has no modal verb; a close one that allows something else (可以在指定地点野炊) holding none of
    the asked words gives no verdict: the best sentence is quoted plainly instead (by `quote`)."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, permission

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if "山林" in doc.meta.title)

    def scored(label, score, lexical):
        clause = snap.clause(doc_id, label)
        return ScoredSentence(doc_id, clause, clause.sentences[0].text.strip(), score, 1, lexical=lexical)

    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), analyse("能不能随便在山上宣传？"), [])
    ctx.ranked = [scored("第四条", 1.0, 0.5), scored("第十二条", 0.9, 0.0)]
    assert permission(ctx) is None
    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), analyse("能不能随便在山上野炊？"), [])
    ctx.ranked = [scored("第四条", 1.0, 0.5), scored("第十二条", 0.9, 0.3)]  # it holds the asked words
    assert permission(ctx).text.startswith("原则上可以")


@pytest.mark.parametrize("provision, verdict", [
    ("进山人员可以在指定地点野炊。", "可以"),
    ("逾期未改正的，可以缓拨、停拨或者追回补偿资金。", ""),  # what an authority may do to a rule-breaker
    ("违反本条例规定的，可以处五百元以下罚款。", ""),
])
def test_a_sanction_an_authority_may_impose_is_no_permission(provision, verdict):
    from kb.answering.strategies import _verdict

    assert _verdict("补偿资金可以挪作他用吗？", provision) == verdict


PERMITS = """乙市排污测试条例
第一条 为了规范排污管理，制定本条例。
第二条 排污单位应当依法申请取得排污证。未取得排污证的，不得排放污水。
第三条 排污证应当记载下列信息：
（一）排污单位名称和住所；
（二）排放口位置和数量。
第四条 排污证有效期届满，排污单位需要继续排放污水的，应当于有效期届满六十日前申请延续。
第五条 违反本条例规定，排污单位有下列行为之一的，由生态环境主管部门责令改正，处二万元以上十万元以下罚款：
（一）未按照排污证规定公开排放信息；
（二）排放口位置不符合排污证规定。
第六条 违反本条例规定，排污单位有下列行为之一的，由生态环境主管部门责令停业，处二十万元以上一百万元以下罚款：
（一）未取得排污证排放污水；
（二）排污证被撤销后继续排放污水。
第七条 发生病虫害时，园林主管部门应当指导绿地养护单位及时治理。城市绿地禁止使用剧毒农药。
第八条 因紧急抢险确需移植绿地树木的，绿地养护单位可以先行移植。
第九条 临街工地应当设置围挡。不能按期完工的工地，由主管部门责令整改。
第十条 对浪费水资源的行为，任何单位和个人有权向有关部门举报，接到举报的部门应当依法及时处理。
第十一条 在有条件使用再生水的地区，禁止将自来水作为绿化用水使用。
第十二条 销售的翻新产品必须在显著位置标识为翻新产品。
第十三条 有下列行为之一的，由市场监督管理部门责令改正，处二千元以上一万元以下罚款：
（一）销售没有翻新产品标识的翻新产品的。
第十四条 城市绿地内禁止野外用火。
第十五条 本条例下列用语的含义：
（一）野外用火，包括烧香烧纸、燃放孔明灯等用火。
第十六条 巡游出租汽车车辆经营权实行有期限使用。驾驶员终止劳动合同的，应当在二十日内申请注销注册。
第十七条 行政机关所属企业不得开展中介服务。行政机关不得为企业指定中介机构。
第十八条 对已建成的建筑，住户可以安装太阳能系统。国家鼓励单位和个人安装太阳能热水系统。
第十九条 建设项目附属绿地由建设单位负责建设。
第二十条 城市绿地养护管理实行分工负责制：
（一）附属绿地由管理单位或者产权单位负责。
第二十一条 到2099年，新建充电桩超过3万个。
第二十二条 新建住宅的建设单位应当统一设计安装太阳能热水系统的管线。
第二十三条 经营者及其从业人员信用评价不合格的，责令限期整改；连续两年信用评价不合格的，责令停业整顿。
第二十四条 山林火灾扑灭后，应当及时返还征用的物资。生态公园的管理用地计入建设用地指标的，在项目实施时，其用地指标应当在本区范围内平衡。
第二十五条 有下列行为之一的，由园林主管部门按照以下规定给予处罚：
（一）建设项目绿地率未达到规定标准的，责令限期整改。逾期未达到整改要求的，处一万元以上五万元以下罚款。
（二）擅自砍伐绿地树木的，责令赔偿损失。
第二十六条 违反本条例规定，平台公司有下列行为之一的，由交通主管部门责令改正，处五千元以上一万元以下罚款：
（一）向未进入电子围栏区域的车辆派送订单；
（二）未公示驾驶员信息。
违反前款规定的，可以对平台公司并处停止新接入车辆一百八十日以上三百六十日以下。
第二十七条 审批部门对收到的申请，应当根据下列情况分别作出处理：
（一）申请材料存在可以当场更正的错误的，应当允许申请人当场更正；
（二）申请材料不齐全的，应当一次性告知需要补正的材料。
第二十八条 审批部门可以组织技术机构对申请材料进行技术评估，并承担相应费用。
第二十九条 违反本条例规定，经营者有下列行为之一的，由交通主管部门责令限期改正，按照以下规定处罚：
（一）擅自暂停客运经营的，处一千元以上三千元以下罚款；情节严重的，责令违规车辆停运五日以上三十日以下。
第三十条 客运班车在途中甩客的，处一千元以上三千元以下罚款，并处违规车辆停运五日以上三十日以下。
第三十一条 排污单位应当每季度报送一次排污证执行报告。
第三十二条 生态环境主管部门每年至少开展一次排污证专项检查。
"""


@pytest.fixture(scope="module")
def permits_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("permits"), {"permits.txt": PERMITS})


def _context(engine, question, ranked_labels, lexical=None):
    """An answer context whose ranked sentences are the first sentences (or "label#index") of the given clauses,
    best first, each holding half the question's words unless `lexical` says otherwise."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext

    snap = engine.retriever.snapshot()
    doc_id = next(iter(snap.documents))
    ctx = AnswerContext(snap, SentenceScorer(snap, engine.retriever.tokenizer), analyse(question), [])
    ranked = []
    for position, spec in enumerate(ranked_labels):
        label, _, index = spec.partition("#")
        clause = snap.clause(doc_id, label)
        ranked.append(ScoredSentence(doc_id, clause, clause.sentences[int(index or 0)].text.strip(),
                                     1.0 - 0.05 * position, 1, lexical=(lexical or {}).get(spec, 0.5)))
    ctx.ranked = ranked
    return ctx


def _missing(engine, question, label):
    """Why the first sentence (or "label#index") of the clause does not answer the question, "" when it does."""
    ctx = _context(engine, question, [label])
    return ctx.scorer.missing_detail(ctx.intent, ctx.ranked[0])


def test_a_penalty_asked_of_a_duty_quotes_the_item_that_breaches_it_before_a_closer_penalty(permits_kb):
    """"无证排污怎么处罚": the closest provision is the duty (未取得排污证的，不得排放污水); the penalty of its breach
    answers, not the closer penalty of another conduct."""
    from kb.answering.strategies import penalty

    ctx = _context(permits_kb, "无证排污的单位如何处罚？", ["第二条#1", "第五条第（一）项", "第六条第（一）项"])
    answer = penalty(ctx)
    assert cited(answer)[:2] == ["第六条", "第六条第（一）项"] and "二十万元以上一百万元以下罚款" in answer.text


def test_a_list_is_led_by_the_lead_in_its_close_items_stand_under(permits_kb):
    """"排污证上要载明哪些信息": the items match the question, their lead-in (应当记载下列信息：) introduces them."""
    from kb.answering.strategies import listing

    ctx = _context(permits_kb, "排污证上需要载明哪些信息？", ["第五条第（一）项", "第三条第（二）项", "第三条第（一）项"])
    answer = listing(ctx)
    assert cited(answer)[0] == "第三条" and "应当记载下列信息" in answer.text.splitlines()[1]


def test_a_modal_verb_is_no_sign_that_a_value_stands_by_the_asked_words(permits_kb):
    """"补办新证需要多少天" is not answered by "…需要继续排放污水的，应当于…六十日前申请延续"."""
    assert _missing(permits_kb, "排污证丢了，补办需要多少天？", "第四条") == "文件没有给出具体数值"
    assert _missing(permits_kb, "排污证有效期届满，需要多少天前申请延续？", "第四条") == ""


def test_a_measure_asked_with_duo_and_an_adjective_is_refused_when_no_value_is_given(permits_kb):
    answer = ask(permits_kb, "临街工地的围挡至少要做多高？")
    assert answer.status == AnswerStatus.NOT_FOUND and "具体数值" in answer.text


def test_a_permission_is_read_from_the_sentence_of_the_best_article_about_the_asked_act(permits_kb):
    """"绿地养护单位可以打剧毒农药吗": the article's prohibition of 剧毒药剂 answers, not its duty to 治理 nor another
    article's permission to 移植."""
    from kb.answering.strategies import permission

    ctx = _context(permits_kb, "绿地里的树长了虫，养护单位可以打剧毒农药吗？", ["第七条", "第八条", "第七条#1"])
    answer = permission(ctx)
    assert answer.text.startswith("不可以，文件禁止：\n城市绿地禁止使用剧毒农药。")


def test_cannot_in_a_law_is_no_prohibition_and_can_or_cannot_does_not_ask_to_skip(permits_kb):
    """"不能按期完工的工地，由…责令整改" says what cannot be done, not what is forbidden; "能不能…" asks whether
    something is allowed, not whether a duty may be skipped."""
    from kb.answering.strategies import _verdict, permission

    assert _verdict("工地能不能不按期完工？", "不能按期完工的工地，由主管部门责令整改。") == ""
    assert permission(_context(permits_kb, "工地能不能设置围挡？", ["第九条"])) is None


def test_a_provision_holding_none_of_the_asked_act_gives_way_to_a_close_one_that_does(permits_kb):
    """"我能去举报吗" is not answered by a prohibition on tap water ranked first, but by "…有权向有关部门举报"; its
    应当 is the receiving department's, so it is quoted without a verdict."""
    from kb.answering.strategies import permission

    answer = permission(_context(permits_kb, "有人用自来水浇花，太浪费了，我能去举报吗？", ["第十一条", "第十条"]))
    assert answer.text.startswith("第十条 对浪费水资源的行为") and cited(answer) == ["第十条"]


def test_an_item_of_punished_conduct_answers_a_must_question_through_the_duty_it_breaches(permits_kb):
    """"要不要标出来是翻新货": the closest provision is the punished conduct; the duty it breaches answers first."""
    from kb.answering.strategies import permission

    answer = permission(_context(permits_kb, "卖翻新产品，商家要不要标出来是翻新货？", ["第十三条第（一）项"]))
    assert answer.text.startswith("需要，文件规定应当这样做：\n第十二条 销售的翻新产品必须")
    assert cited(answer)[:2] == ["第十二条", "第十三条第（一）项"]


def test_an_item_breaching_the_closest_duty_is_the_asked_conduct_though_it_repeats_few_of_the_words(permits_kb):
    """The duty holds the question's words; the item of its breach, worded otherwise, is still the asked conduct."""
    from kb.answering.strategies import penalty

    ctx = _context(permits_kb, "排污单位没取得排污证就排放，要承担什么责任？",
                   ["第二条#1", "第五条第（一）项", "第六条第（一）项"], lexical={"第六条第（一）项": 0.1})
    assert cited(penalty(ctx))[:2] == ["第六条", "第六条第（一）项"]


def test_an_act_a_definition_names_is_ruled_by_what_the_document_says_of_the_defined_term(permits_kb):
    """"可以在绿地里烧纸吗": the definition (野外用火，包括烧香烧纸…) holds the act; the prohibition of 野外用火 answers."""
    from kb.answering.strategies import permission

    answer = permission(_context(permits_kb, "可以在绿地里烧纸吗？", ["第十五条第（一）项"]))
    assert answer.text.startswith("不可以，文件禁止：\n第十四条 城市绿地内禁止野外用火。")
    assert cited(answer) == ["第十四条", "第十五条第（一）项"]


def test_a_span_of_time_answers_for_its_owner_only_from_a_sentence_about_the_owner(permits_kb):
    """The clause is about 车辆经营权, but the sentence with a span is about a driver's 注销注册."""
    assert _missing(permits_kb, "巡游出租车的车辆经营权使用期限是几年？", "第十六条#1") == "文件没有规定巡游出租车的车辆经营权的使用期限"


def test_a_later_sentence_naming_the_asked_value_answers_for_the_owner_its_provision_leaves_unsaid(permits_kb):
    """"连续两年信用评价不合格的，…" leaves its subject (经营者) to the provision's first sentence, and names the value
    asked about: it answers 经营者的信用评价连续多长时间不合格."""
    assert _missing(permits_kb, "经营者的信用评价连续多长时间不合格，会被责令停业整顿？", "第二十三条#1") == ""


def test_when_is_answered_by_the_event_a_duty_follows_or_goes_with(permits_kb):
    """A law times a duty by an event: "…扑灭后，应当及时返还", "在项目实施时，…平衡"."""
    assert _missing(permits_kb, "征用的物资应当在什么时候返还？", "第二十四条") == ""
    assert _missing(permits_kb, "生态公园的用地指标应当在何时平衡？", "第二十四条#1") == ""


def test_a_penalty_is_quoted_with_the_paragraph_adding_to_it(permits_kb):
    """"违反前款规定的，可以…并处…": the next paragraph of a penalty article is part of its penalty."""
    answer = ask(permits_kb, "平台公司向未进入电子围栏区域的车辆派送订单，会受到什么处罚？")
    assert "五千元以上一万元以下罚款" in answer.text and "停止新接入车辆一百八十日以上三百六十日以下" in answer.text


def test_the_actor_asked_about_may_be_named_in_the_lead_in_of_the_closest_item(permits_kb):
    from kb.answering.strategies import permission

    ctx = _context(permits_kb, "申请材料有可以当场更正的错误，审批部门是否应当允许当场更正，而非要求重新提交申请材料？",
                   ["第二十七条第（一）项", "第二十八条"])
    answer = permission(ctx)
    assert "应当允许申请人当场更正" in answer.text and "技术评估" not in answer.text


def test_an_item_of_a_penalty_article_states_its_conduct_in_all_its_sentences(permits_kb):
    """"情节严重的，责令违规车辆停运…" is the escalation of its item's conduct (擅自暂停客运经营), not another article's
    penalty naming the same sanction."""
    from kb.answering.strategies import penalty

    ctx = _context(permits_kb, "经营者未向交通主管部门办理相关手续即擅自暂停客运经营，情节严重的，违规车辆会被责令停运多长时间？",
                   ["第二十九条第（一）项#1", "第二十九条第（一）项", "第三十条"],
                   lexical={"第二十九条第（一）项#1": 0.3, "第二十九条第（一）项": 0.25, "第三十条": 0.25})
    answer = penalty(ctx)
    assert cited(answer)[0] == "第二十九条第（一）项" and "第三十条" not in cited(answer)


def test_a_listed_item_of_conduct_is_quoted_with_its_own_later_sanction(permits_kb):
    answer = ask(permits_kb, "建设项目绿地率未达到规定标准，逾期仍未整改的，会受到什么处罚？")
    assert "一万元以上五万元以下罚款" in answer.text and "赔偿损失" not in answer.text


SCOPES = """丙市清洁生产测试条例
第一条 为了促进清洁生产，制定本条例。
第二条 本条例适用于本市行政区域内的生产和服务活动。
小型水电站对本条例的适用，由市水利主管部门规定，报市人民政府批准。
第三条 生产大型机电设备的企业，应当在产品的主体构件上注明材料成分的标准牌号。
第四条 企业应当对生产过程中的资源消耗进行监测。
第五条 主管部门应当公开政务服务事项（包括行政权力事项和公共服务事项，下同）的办事指南。
第六条 政务服务事项的办理条件不得擅自增设。
第七条 排污单位应当依法取得排污许可证，并按照排污许可证的规定排放污染物。
第八条 市生态环境主管部门应当建立健全危险废物经营许可管理制度。
第九条 从事货运经营的，应当依法取得道路运输经营许可证。
"""


@pytest.fixture(scope="module")
def scopes_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("scopes"), {"scopes.txt": SCOPES})


def test_what_a_law_leaves_to_a_body_answers_whether_it_applies(scopes_kb):
    answer = ask(scopes_kb, "小型水电站是否适用本条例？由哪个部门规定？")
    assert "由市水利主管部门规定" in answer.text.split("\n")[0]


def test_whether_a_law_covers_a_matter_is_answered_by_the_provision_ruling_on_it(scopes_kb):
    """"…管不管X": the provision ruling on X says so more directly than the scope article; the scope article answers
    when it is the one naming X."""
    assert cited(ask(scopes_kb, "清洁生产测试条例管不管机电设备构件上注明材料成分？"))[0] == "第三条"
    assert cited(ask(scopes_kb, "清洁生产测试条例管不管小型水电站？"))[0] == "第二条"


def test_a_term_is_defined_by_the_bracket_after_its_first_use(scopes_kb):
    """A closer sentence only uses the term; the bracket after its first use (…（包括…，下同）) defines it."""
    from kb.answering.strategies import definition

    answer = definition(_context(scopes_kb, "本条例所称的“政务服务事项”是指什么？", ["第六条", "第五条"]))
    assert answer is not None and "包括行政权力事项和公共服务事项" in answer.text


def test_a_permit_of_a_kind_no_document_names_is_refused_by_its_name(scopes_kb):
    """食品经营许可证 is no document's permit, however many words (经营, 许可证, 申请) the texts share with it; the
    documents' own permit, or a permit named by no kind, is looked for as usual."""
    refused = ask(scopes_kb, "开小吃店要办食品经营许可证，需要满足什么条件？")
    assert refused.status == AnswerStatus.NOT_FOUND and "食品经营许可证" in refused.text
    assert ask(scopes_kb, "排污单位需要取得什么许可证？").status == AnswerStatus.ANSWERED
    assert ask(scopes_kb, "监管排污许可证的规定有哪些？").status == AnswerStatus.ANSWERED
    # A document speaking of that licence (危险废物经营许可) or that business (货运经营) knows the permit for it.
    assert "没有提到危险废物经营许可证" not in ask(scopes_kb, "危险废物经营许可证由哪个部门管理？").text
    assert "没有提到货运经营许可证" not in ask(scopes_kb, "货运经营许可证要怎么取得？").text


def test_what_a_requirement_applies_to_is_its_own_provision_not_the_law_s_scope(scopes_kb):
    answer = ask(scopes_kb, "关于在产品主体构件上注明材料成分的要求，适用于哪些企业？")
    assert "生产大型机电设备的企业" in answer.text and "本条例适用于" not in answer.text
    # … also when the question names the requirement by its own words, without 关于
    named = ask(scopes_kb, "在产品主体构件上注明材料成分的规定，适用于哪些企业？")
    assert "生产大型机电设备的企业" in named.text and "本条例适用于" not in named.text


def test_of_an_articles_rules_the_one_holding_more_of_the_asked_act_answers(permits_kb):
    from kb.answering.strategies import permission

    answer = permission(_context(permits_kb, "行政机关审批时能不能要求企业必须找它指定的中介机构出具评估报告？", ["第十七条", "第十七条#1"]))
    assert answer.text.startswith("不可以，文件禁止：\n行政机关不得为企业指定中介机构。")


def test_an_encouragement_does_not_answer_can_i_before_a_closer_permission(permits_kb):
    from kb.answering.strategies import permission

    answer = permission(_context(permits_kb, "我能不能在楼顶装太阳能热水器？", ["第十八条", "第十八条#1"]))
    assert answer.text.startswith("可以：\n第十八条 对已建成的建筑，住户可以安装太阳能系统。")


def test_who_is_answered_by_the_close_sentence_about_the_asked_task(permits_kb):
    """"由谁负责养护管理": the item under "…养护管理实行分工负责制：", not the closer "…由建设单位负责建设"."""
    from kb.answering.strategies import who

    answer = who(_context(permits_kb, "附属绿地平时由谁负责养护管理？", ["第十九条", "第二十条第（一）项"]))
    assert cited(answer)[0] == "第二十条第（一）项"


@pytest.mark.parametrize("question, missing", [
    # A count is of the thing the question counts: charging points are no stations.
    ("到2099年要新建多少座公共充电站？", "文件没有规定公共充电站的具体数量"),
    ("到2099年要新建多少个充电桩？", ""),
    # A deadline answers when only in a sentence holding the question's words.
    ("天然气管网计划在哪一年全面建成？", "文件没有规定具体时间"),
    ("新建充电桩的目标是到哪一年？", ""),
    # A share is a percentage or a ratio: a count (3万个), like a fine's multiple, is none.
    ("新建充电桩占全部充电设施的比例是多少？", "文件没有给出具体数值"),
    ("新建充电桩最多能占百分之几？", "文件没有给出具体数值"),
])
def test_a_count_a_share_or_a_deadline_answers_only_for_the_thing_asked_about(permits_kb, question, missing):
    ctx = _context(permits_kb, question, ["第二十一条"])
    assert ctx.scorer.missing_detail(ctx.intent, ctx.ranked[0]) == missing


def test_a_question_asking_to_refuse_a_forbidden_demand_is_answered_yes():
    """"这种摊派我们能不给吗": the provision forbids the demand, so it may be refused."""
    from kb.answering.strategies import _verdict

    provision = "禁止在法律、法规规定之外要求市场主体提供财力、物力或者人力的摊派行为。"
    assert _verdict("这种摊派我们能不给吗？", provision) == "可以，文件禁止这样要求"
    assert _verdict("街道能不能向我们摊派？", provision) == "不可以，文件禁止"
    assert _verdict("能源企业能给职工免费用电吗？", "能源生产经营单位不得向本单位职工无偿提供能源。") == "不可以，文件禁止"


def test_a_close_provision_whose_modal_verb_answers_another_question_gives_way_to_one_about_the_act(permits_kb):
    """"单位可以安装…吗" is not answered by a duty about the same act (建设单位应当统一设计安装…的管线): the close
    encouragement of the asked act is."""
    from kb.answering.strategies import permission

    answer = permission(_context(permits_kb, "单位可以安装太阳能热水系统吗？", ["第二十二条", "第十八条#1"],
                                 lexical={"第十八条#1": 0.1}))  # another article, sharing few of the question's words
    assert answer is not None and answer.text.startswith("可以：") and cited(answer)[0] == "第十八条"


def test_an_encouragement_allows_only_what_it_names(permits_kb):
    from kb.answering.strategies import permission

    assert permission(_context(permits_kb, "可以在绿地里烧秸秆吗？", ["第十八条#1"])) is None
    assert permission(_context(permits_kb, "单位可以安装太阳能热水系统吗？", ["第十八条#1"])).text.startswith("可以：")


BUILDINGS = """重庆市建筑节能测试条例
第一条 为了推进建筑节能，制定本条例。
第二条 建筑工程的建设、设计、施工和监理单位应当遵守建筑节能标准。
第三条 建设单位违反建筑节能标准的，由建设主管部门责令改正，处二十万元以上五十万元以下罚款。
设计单位、施工单位、监理单位违反建筑节能标准的，由建设主管部门责令改正，处十万元以上五十万元以下罚款。
第四条 本条例适用于本市行政区域内的建筑节能活动。
第五条 农村村民自建住房的节能管理按照有关规定执行。
第六条 建设主管部门依法实施监督检查时，被检查单位应当如实提供有关资料，不得拒绝、阻碍。
第七条 建设单位有下列行为之一的，由建设主管部门责令改正，处五万元以上十万元以下罚款：
（一）未按照规定公示建筑能效信息的；
（二）未按照规定进行能效测评的。
第八条 拒绝、阻碍建设主管部门依法实施监督检查的，由建设主管部门责令改正，处一万元以上五万元以下罚款。
第九条 本市实行统一的建筑能效测评目录。全市统一的测评目录之外的建筑，各类市场主体均可以自愿申请能效测评。
各区县、各部门不得另行制定建筑能效测评目录。
第十条 本条例所称建筑节能（以下简称节能），是指在建筑物的设计、建造和使用过程中，降低建筑能源消耗的活动。
第十一条 建设主管部门工作人员违法实施行政处罚的，依法给予处分。
"""


@pytest.fixture(scope="module")
def buildings_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("buildings"), {"buildings.txt": BUILDINGS})


def ranked_context(kb, question, picks, dense=0.0, title=""):
    """An answer context whose sentences are ranked as given: (clause label, sentence index, score, lexical) per
    sentence, of the first document whose title holds `title`; each clause is a hit with this dense similarity."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext

    snap = kb.retriever.snapshot()
    doc_id = next(d for d, doc in snap.documents.items() if title in doc.meta.title)
    labels = list(dict.fromkeys(label for label, *_ in picks))
    clauses = {label: snap.clause(doc_id, label) for label in labels}
    hits = [Hit(doc_id, "", "", c.label, c.heading, c.text, 1.0, scores={RetrievalMode.DENSE: dense} if dense else {})
            for c in clauses.values()]
    ctx = AnswerContext(snap, SentenceScorer(snap, kb.retriever.tokenizer), analyse(question), hits)
    ctx.ranked = [ScoredSentence(doc_id, clauses[label], clauses[label].sentences[index].text.strip(), score,
                                 labels.index(label) + 1, lexical=lexical) for label, index, score, lexical in picks]
    return ctx


@pytest.mark.parametrize("lexical", [0.5, 0.1])  # 0.1: the words are few, the meaning close (dense 0.9)
def test_a_penalty_for_the_party_asked_about_comes_before_a_closer_one_for_other_parties(buildings_kb, lexical):
    """"建设单位…罚多少" is answered by the paragraph punishing 建设单位, even when the one punishing 设计单位、施工单位…
    ranks first, and even when the question shares few words with either."""
    from kb.answering.strategies import penalty

    ctx = ranked_context(buildings_kb, "建设单位不按建筑节能标准盖房子要罚多少钱？",
                         [("第三条第二款", 0, 1.0, lexical), ("第三条", 0, 0.9, lexical)], dense=0.9)
    answer = penalty(ctx)
    assert cited(answer)[0] == "第三条" and "二十万元以上五十万元以下罚款" in answer.text.splitlines()[0]


def test_whether_a_matter_falls_under_a_document_is_answered_by_the_provision_leaving_it_to_other_rules(buildings_kb):
    answer = ask(buildings_kb, "农村村民自建住房的节能管理适用《重庆市建筑节能测试条例》吗？")
    assert cited(answer)[0] == "第五条" and "按照有关规定执行" in answer.text
    # What the document applies to stays the answer to what it applies to.
    assert cited(ask(buildings_kb, "《重庆市建筑节能测试条例》适用于哪些活动？"))[0] == "第四条"


def test_a_penalty_restating_a_duty_s_conduct_answers_for_it_and_a_penalty_stating_none_does_not(buildings_kb):
    """第八条 punishes the conduct 第六条 forbids without citing it; 第七条 names the party and the body asked about
    but states its conduct only in its items, none of them the asked one."""
    answer = ask(buildings_kb, "建设单位拒绝建设主管部门到现场监督检查、不提供资料，会受到什么处罚？")
    assert cited(answer)[0] == "第八条" and "一万元以上五万元以下罚款" in answer.text


def test_a_penalty_matching_only_who_is_punished_and_who_punishes_states_no_asked_conduct(buildings_kb):
    """Retrieval ranks the duty (第六条) and a penalty naming the asked party and body (第七条) but not the penalty
    for the asked conduct (第八条): that one is found from the duty, whose conduct it restates."""
    from kb.answering.strategies import penalty

    ctx = ranked_context(buildings_kb, "建设单位拒绝建设主管部门监督检查会受到什么处罚？",
                         [("第六条", 0, 1.0, 0.4), ("第七条", 0, 0.9, 0.3)])
    answer = penalty(ctx)
    assert cited(answer) == ["第八条", "第六条"] and "一万元以上五万元以下罚款" in answer.text


def test_a_permission_is_answered_for_the_actor_asked_about(buildings_kb):
    """"区县的部门能不能…" is answered by what 各部门 may not do, not by a closer sentence on what 市场主体 may."""
    from kb.answering.strategies import permission

    ctx = ranked_context(buildings_kb, "区县的部门能不能在全市统一的目录之外，自己再制定一份建筑能效测评目录？",
                         [("第九条", 1, 1.0, 0.5), ("第九条第二款", 0, 0.95, 0.45)])
    answer = permission(ctx)
    assert answer.text.startswith("不可以") and cited(answer)[0] == "第九条第二款"


def test_a_penalty_stating_no_conduct_is_not_quoted_for_a_conduct_no_provision_states(kb):
    """"拒不改正的，处…罚款" is the closest sentence to 宠物狗不拴绳怎么处罚 only by its penalty words."""
    from kb.answering.strategies import penalty

    ctx = ranked_context(kb, "宠物狗在小区里不拴绳怎么处罚？", [("第八条", -1, 1.0, 0.0)], title="山林")
    assert ctx.ranked[0].text.startswith("拒不改正的")
    answer = penalty(ctx)
    assert answer.status == AnswerStatus.NOT_FOUND and "文件没有规定这一行为的处罚" in answer.text
    assert answer.refusal_reason == "文件没有规定这一行为的处罚"  # the app shows it in its notice


def test_a_penalty_sharing_only_the_words_asking_for_a_penalty_states_no_asked_conduct(buildings_kb):
    """"违法实施行政处罚的，依法给予处分" shares 处罚 with any penalty question, none of 餐馆使用地沟油."""
    from kb.answering.strategies import penalty

    ctx = ranked_context(buildings_kb, "餐馆使用地沟油会被怎么处罚？", [("第十一条", 0, 1.0, 0.3)])
    answer = penalty(ctx)
    assert answer.status == AnswerStatus.NOT_FOUND and "文件没有规定这一行为的处罚" in answer.text


def test_a_term_defined_by_its_short_name_is_answered_by_that_definition(buildings_kb):
    answer = ask(buildings_kb, "《重庆市建筑节能测试条例》所称的“节能”是指什么？")
    assert cited(answer) == ["第十条"] and "降低建筑能源消耗的活动" in answer.text
    assert "定义" not in answer.text


def test_a_term_no_document_defines_is_said_to_be_undefined_before_the_provision_using_it(buildings_kb):
    answer = ask(buildings_kb, "建筑能效测评目录是指什么？")
    assert answer.status == AnswerStatus.ANSWERED
    assert answer.text.startswith("文件没有给出“建筑能效测评目录”的定义，提到它的规定如下：")
    assert cited(answer)[0] == "第九条"


def test_a_question_asking_no_penalty_is_answered_by_the_duty_before_the_penalty_restating_it(buildings_kb):
    """"拒绝、阻碍…监督检查的，由…处…罚款" (第八条) ranks first for what a checked unit must do; the duty (第六条) leads."""
    from kb.answering.strategies import quote

    ctx = ranked_context(buildings_kb, "建设主管部门监督检查时，被检查单位应当怎么做？",
                         [("第八条", 0, 1.0, 0.5), ("第六条", 0, 0.9, 0.5)])
    assert cited(quote(ctx)) == ["第六条", "第八条"]
    asked = ranked_context(buildings_kb, "拒绝建设主管部门监督检查会受到什么处罚？",
                           [("第八条", 0, 1.0, 0.5), ("第六条", 0, 0.9, 0.5)])
    assert cited(quote(asked))[0] == "第八条"


def test_a_runner_up_introducing_items_is_left_out_when_a_value_is_asked(kb):
    """The best sentence holds the asked value; a close provision's items ("公示下列信息：…") would bury it."""
    from kb.answering.strategies import quote

    picks = [("第五条", 0, 1.0, 0.5), ("第十八条", 0, 0.95, 0.5)]
    assert cited(quote(ranked_context(kb, "山林巡护证有效期是几年？", picks, title="山林"))) == ["第五条"]
    listed = cited(quote(ranked_context(kb, "巡护证和护林站公示有什么规定？", picks, title="山林")))
    assert listed[:2] == ["第五条", "第十八条"] and any(label.endswith("第（一）项") for label in listed), listed


def test_a_duty_no_penalty_punishes_is_said_to_have_none(buildings_kb, kb):
    """第九条第二款 forbids 另行制定测评目录 and no article punishes it; 第七条's penalty is for other conduct."""
    from kb.answering.strategies import penalty

    ctx = ranked_context(buildings_kb, "区县另行制定建筑能效测评目录会受到什么处罚？",
                         [("第九条第二款", 0, 1.0, 0.6), ("第七条", 0, 0.9, 0.25)])
    answer = penalty(ctx)
    assert answer.status == AnswerStatus.NOT_FOUND
    assert answer.refusal_reason == "文件规定了这一义务，但没有规定违反它的处罚"
    # The penalty citing the duty (第八条: 违反本条例第四条规定…) is quoted, however few of the words it shares.
    punished = ranked_context(kb, "在城市道路上乱倒垃圾会受到什么处罚？", [("第四条", 0, 1.0, 0.6), ("第八条", 0, 0.9, 0.1)],
                              title="道路")
    assert cited(penalty(punished))[0] == "第八条"



TRANSPORT = """甲市运输测试条例
第一章 总则
第一条 为了规范运输经营，制定本条例。
第二章 道路运输经营
第一节 客运
第二条 客运经营者应当为旅客提供良好的乘车环境。
第二节 货运
第三条 货运经营者不得运输法律禁止运输的货物。
第三章 安全管理
第四条 道路运输经营者应当制定突发事件应急预案。应急预案应当包括下列内容：
（一）报告程序和应急指挥；
（二）现场处置措施。
第五条 货运经营者在开工前应当告知交通主管部门。
第六条 货运经营者超载运输的，由交通主管部门责令改正；情节严重的，可以由交通主管部门吊销其经营许可证。
第七条 运输经营者的年度运输计划应当根据运力情况制定。
第八条 市交通主管部门会同有关部门，根据全市运力制定年度运输计划。
"""


@pytest.fixture(scope="module")
def transport_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("transport"), {"transport.txt": TRANSPORT})


def test_a_heading_asked_for_is_answered_by_its_sections_and_a_heading_naming_whose_plan_is_not(transport_kb):
    answer = ask(transport_kb, "道路运输经营包括哪些方面？")
    assert answer.text.startswith("“道路运输经营”包括以下方面：") and cited(answer) == ["第二章第一节", "第二章第二节"]
    answer = ask(transport_kb, "道路运输经营者制定的应急预案应当包括哪些内容？")
    assert "道路运输经营”包括" not in answer.text and "第四条" in cited(answer)[0]
    assert "报告程序和应急指挥" in answer.text


def test_when_is_answered_by_the_act_a_duty_comes_before(transport_kb, tmp_path):
    """A law says when by the act a duty precedes ("开工前应当…"); a duty stating no time answers no "什么时候"."""
    answer = ask(transport_kb, "货运经营者什么时候要告知交通主管部门？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第五条" and "开工前" in answer.text
    assert ask(transport_kb, "道路运输经营者什么时候要制定应急预案？").status == AnswerStatus.NOT_FOUND
    # … and "在…前完成" is a deadline too (a 通知: "要在每年汛期前完成…排查").
    floods = _inline_kb(tmp_path, {"floods.txt": "午市测试排涝通知\n午测发〔2099〕3号\n一、重点任务\n"
                                   "（一）开展排查。各区要在每年汛期前完成易涝点排查，形成问题清单。\n"
                                   "（二）加强维护。排水主管部门应当加强排水设施维护。\n"})
    assert "汛期前完成" in ask(floods, "易涝点排查什么时候完成？").text


def test_the_gate_wants_the_question_s_matter_not_only_its_frame(kb):
    """"巡护证的申请多少日内作出决定" shares its frame (申请, 作出决定) with the road-digging provision but not its
    matter (巡护证), which a document does use; a question whose matter no document names is left to the other
    evidence."""
    road_digging = [("第五条", 0, 1.0, 0.5)]
    assert not ranked_context(kb, "巡护证的申请多少日内作出决定？", road_digging, title="道路").supported
    assert ranked_context(kb, "挖掘城市道路的申请多少日内作出决定？", road_digging, title="道路").supported
    assert ranked_context(kb, "新生儿落户的申请多少日内作出决定？", road_digging, title="道路").supported
    # An item's matter may stand in its lead-in ("下列行为…" above "（一）擅自占用城市道路摆摊设点的").
    item = [("第九条第（一）项", 0, 1.0, 0.5)]
    assert ranked_context(kb, "主管部门对哪些行为责令限期改正？", item, title="道路").supported


def test_an_authority_s_may_in_a_penalty_grants_no_permission(transport_kb):
    """"情节严重的，可以由…吊销…" says what the authority may do to whoever breaks the rule, not that anyone may."""
    from kb.answering.strategies import permission

    ctx = ranked_context(transport_kb, "货运公司能不能吊销别人的经营许可证？", [("第六条", 1, 1.0, 0.5)])
    assert ctx.ranked[0].text.startswith("情节严重的")
    answer = permission(ctx)
    assert answer is None or not answer.text.startswith("可以")


def test_who_is_answered_by_a_runner_up_naming_the_doer_of_the_asked_task(transport_kb):
    """The closest sentence names the task (年度运输计划…制定) without its doer; a runner-up names a body for the same
    thing and task, and answers instead of a refusal or 文件未明确."""
    from kb.answering.strategies import who

    ctx = ranked_context(transport_kb, "每年的年度运输计划由谁来制定？", [("第七条", 0, 1.0, 0.6), ("第八条", 0, 0.8, 0.5)])
    answer = who(ctx)
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第八条" and "市交通主管部门" in answer.text


STATIONS = """丁市测试站点管理条例
第一条 为了规范测试站点管理，制定本条例。
第二条 测试站点按照规模划分为一级站、二级站、三级站。
第三条 测试站点应当每年报送测试报告。
第四条 测试站点有下列行为之一的，由测试主管部门责令改正，处一千元以上五千元以下罚款：
（一）擅自改变站点用途的；
（二）伪造测试记录的。
第五条 违反本条例规定的行为，有关法律、行政法规已有处罚规定的，适用其规定。
第六条 本条例规定的行政处罚，由测试主管部门决定。
第七条 测试站点不符合本条例规定条件的，应当在市测试主管部门规定的期限内完成整改。
第八条 测试站点名录由市测试主管部门确定。测试站点名录应当向社会公布。
第九条 市测试主管部门不得向未列入名录的站点下达测试任务。
第十条 国家对列入名录的测试站点给予税收优惠。具体办法由国务院规定。
第十一条 对列入名录、符合信贷条件的测试站点，金融机构可以提供优惠贷款。
第十二条 相邻测试站点应当签订书面协议（以下称共建协议），明确双方的责任。
第十三条 测试站点出具虚假测试报告的，处测试合同价款百分之二以上百分之四以下的罚款。
第十四条 测试主管部门发现测试站点不符合条件的，应当即时告知该测试站点。
第十五条 测试站点应当设立质量负责人。质量负责人负责组织编写测试报告，组织核查测试记录。
第十六条 测试站点未按照本条例规定设立质量负责人的，由测试主管部门责令改正，处一千元罚款。
第十七条 测试站点应当规范收费行为。测试站点应当向社会公开测试项目、收费标准和办理时限。
第十八条 测试主管部门的工作人员参与站点经营的，责令依法退出，可以并处所得收益等值以下的罚款。
第十九条 测试站点整改完成后，应当在五日内报告测试主管部门；测试主管部门应当自收到报告之日起十日内作出批复。
"""


@pytest.fixture(scope="module")
def stations_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("stations"), {"stations.txt": STATIONS})


REVIEWS = """戊市测试复核条例
第一条 为了规范测试复核，制定本条例。
第二条 测试站点应当建立测试档案。
有下列情形之一的测试站点，应当实施强制性复核：
（一）测试误差超过规定标准，或者虽未超过规定标准，但超过年度误差总量指标的；
（二）使用未经检定的测试设备的。
测试主管部门应当对测试站点实施强制性复核的情况进行监督，必要时可以组织评估。
第三条 测试站点改建的，站点所有权人或者使用权人应当在投入使用前按照国家有关规定进行复测。
第四条 复核规划应当包括规划目标、主要内容和保障措施，并规定复核覆盖率、误差合格率等指标。
第五条 复核结果报测试主管部门汇总。复核结果应当公布；但是，涉及国家秘密的内容除外。复核结果保存五年。
第六条 经批准的复核规划应当严格执行；确需变更的，应当按照法定程序进行。变更后的复核覆盖率不得降低。
第七条 测试站点出具虚假复核报告的，由测试主管部门处一万元以上五万元以下的罚款；情节严重的，由发证部门吊销其资质。
测试站点因出具虚假复核报告受到处罚的，对其直接负责的主管人员处五千元以上一万元以下的罚款；情节严重的，终身禁止从事复核业务。
第八条 复核场地面积不少于二百平方米。
第九条 复核场地外侧应当设置宽度不少于五十米的隔离带。
第十条 复核单位在拆除旧站点时，应当做好扬尘防治。
第十一条 违反本条例的行为，法律、法规已有处理规定的，从其规定。
"""


@pytest.fixture(scope="module")
def reviews_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("reviews"), {"reviews.txt": REVIEWS})


def test_a_count_of_classes_is_answered_by_the_classes_named(stations_kb):
    """"分为几个等级" asks how many classes there are; a provision naming them one by one (划分为一级站、二级站、三级站)
    answers it, though it states no number."""
    answer = ask(stations_kb, "测试站点分为几个等级？")
    assert answer.status == AnswerStatus.ANSWERED and "一级站、二级站、三级站" in answer.text
    assert ask(stations_kb, "测试站点每年报送几次测试报告？").status == AnswerStatus.ANSWERED  # a number asked still is


def test_a_list_of_conduct_is_asked_by_its_noun_not_by_the_noun_and_its_particle(stations_kb):
    """"有哪些行为的，…要责令改正" lists 行为 (its 的 closes the condition): the article's items answer it."""
    answer = ask(stations_kb, "测试站点有哪些行为的，测试主管部门要责令改正？")
    assert answer.status == AnswerStatus.ANSWERED
    assert "擅自改变站点用途" in answer.text and "伪造测试记录" in answer.text


def test_which_rules_punish_a_breach_is_answered_by_the_provision_deferring_to_other_laws(stations_kb):
    """"法律已经规定了处罚，按哪个规定处罚" asks which rules apply, not what this document's penalty for some conduct is:
    "…已有处罚规定的，适用其规定" answers it instead of a refusal for an unnamed conduct."""
    from kb.answering.strategies import STRATEGIES, answer_with

    question = "测试站点违反本条例，而法律、行政法规对这种行为已经规定了处罚，按哪个规定处罚？"
    # The provision on who decides penalties ranks first, as it may: it shares the question's words.
    ctx = ranked_context(stations_kb, question, [("第六条", 0, 1.0, 0.25), ("第五条", 0, 0.9, 0.15)])
    answer = answer_with(STRATEGIES, ctx)
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第五条"


def test_a_time_limit_left_to_an_authority_answers_what_period_but_not_how_many_days(stations_kb):
    """"应当在什么期限内完成整改" is answered by "在市测试主管部门规定的期限内": the law leaves the period to that body.
    "几个工作日内" asks for the number, which it does not give."""
    period = ranked_context(stations_kb, "不符合规定条件的测试站点，应当在什么期限内完成整改？", [("第七条", 0, 1.0, 0.5)])
    assert period.intent.wants_duration  # a period is asked: a sentence without one does not answer …
    assert period.scorer.missing_detail(period.intent, period.ranked[0]) == ""  # … unless it says who sets it
    days = ranked_context(stations_kb, "不符合规定条件的测试站点，应当在几个工作日内完成整改？", [("第七条", 0, 1.0, 0.5)])
    assert days.scorer.missing_detail(days.intent, days.ranked[0]) != ""


def test_may_one_not_do_it_is_answered_by_the_duty_to_do_it_when_nothing_allowed_or_forbidden_is_about_it(stations_kb):
    """"名录可以只在内部掌握、不对外公布吗": a close prohibition of another act (不得…下达测试任务) says nothing about it;
    "名录应当向社会公布" does."""
    from kb.answering.strategies import permission

    ctx = ranked_context(stations_kb, "测试站点名录可以只在内部掌握、不对外公布吗？",
                         [("第八条", 0, 1.0, 0.5), ("第九条", 0, 0.9, 0.45), ("第八条", 1, 0.8, 0.3)])
    answer = permission(ctx)
    assert answer is not None and answer.text.startswith("需要") and "应当向社会公布" in answer.text


def test_a_listed_condition_the_scene_matches_is_answered_by_its_lead_in(reviews_kb):
    """"误差没超标准但超过了总量指标，可以不实施强制性复核吗": the scene is item （一）, which holds none of the act; its
    lead-in (有下列情形之一的测试站点，应当实施强制性复核：) rules on it, not the authority's 可以 of the same act."""
    from kb.answering.strategies import permission

    question = "我们站点测试误差没有超过规定标准，但超过了年度误差总量指标，可以不实施强制性复核吗？"
    ctx = ranked_context(reviews_kb, question, [("第二条第二款第（一）项", 0, 1.0, 0.5), ("第二条第三款", 0, 0.9, 0.4),
                                                ("第二条第二款", 0, 0.8, 0.3)])
    answer = permission(ctx)
    assert answer is not None and answer.text.startswith("需要")
    assert cited(answer)[0] == "第二条第二款" and "超过年度误差总量指标" in answer.text


def test_who_is_answered_by_the_party_a_duty_binds_and_when_by_the_act_it_comes_before(reviews_kb):
    """"什么时候复测？由谁负责？": "…所有权人或者使用权人应当在投入使用前按照…进行复测" says both: a party bound by the
    duty answers 由谁 (not only a government body), and 投入使用前 says when."""
    answer = ask(reviews_kb, "测试站点改建了，复测应当在什么时候进行？由谁负责？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第三条"
    assert "投入使用前" in answer.text and "所有权人或者使用权人" in answer.text
    # A body asked for is not answered by a party.
    from kb.answering.strategies import _ASKS_FOR_A_BODY
    assert _ASKS_FOR_A_BODY.search("复测由哪个部门负责？") and not _ASKS_FOR_A_BODY.search("复测由谁负责？")


def test_which_indicators_is_answered_by_the_indicators_named_and_how_much_by_a_value(reviews_kb):
    """"规划还必须规定哪些指标" asks for the indicators' names, which "规定复核覆盖率、误差合格率等指标" gives without a
    value; "指标是多少" asks for a value it does not give."""
    named = ask(reviews_kb, "复核规划除了规划目标，还必须规定哪些指标？")
    assert named.status == AnswerStatus.ANSWERED and "复核覆盖率、误差合格率" in named.text
    assert ask(reviews_kb, "复核规划的误差合格率指标是多少？").status == AnswerStatus.NOT_FOUND


def test_what_may_be_done_when_truly_needed_is_allowed_on_terms(reviews_kb):
    """"复核规划能不能变更": "确需变更的，应当按照法定程序进行" allows it on terms; the paragraph's "变更后的复核覆盖率
    不得降低" forbids less coverage, not a change."""
    from kb.answering.strategies import ON_TERMS, permission

    ctx = ranked_context(reviews_kb, "经批准的复核规划能不能变更？", [("第六条", 2, 1.0, 0.5), ("第六条", 1, 0.9, 0.45)])
    answer = permission(ctx)
    assert answer.text.startswith(ON_TERMS) and "确需变更的，应当按照法定程序进行" in answer.text.splitlines()[1]
    assert "不得降低" in answer.text


@pytest.mark.parametrize("question, first", [
    ("测试站点出具虚假复核报告，情节严重的，除了罚款还有什么后果？", "第七条"),
    ("测试站点出具虚假复核报告，直接负责的主管人员要罚多少？", "第七条第二款"),
])
def test_the_persons_in_charge_are_punished_after_their_unit(reviews_kb, question, first):
    """"…受到处罚的，对其直接负责的主管人员处…罚款" follows the unit's own penalty; it answers only a question about
    those persons, even when it ranks first."""
    from kb.answering.strategies import penalty

    ctx = ranked_context(reviews_kb, question, [("第七条第二款", 0, 1.0, 0.5), ("第七条", 0, 0.9, 0.45)])
    assert cited(penalty(ctx))[0] == first


def test_a_question_about_the_persons_in_charge_leads_with_their_penalty(reviews_kb):
    """"对…直接负责的主管人员个人还要罚多少" asks the persons' penalty: it comes before their unit's, even when the
    unit's ranks first."""
    from kb.answering.strategies import penalty

    ranking = [("第七条", 0, 1.0, 0.5), ("第七条第二款", 0, 0.9, 0.45)]
    question = "测试站点出具虚假复核报告被处罚后，对其直接负责的主管人员个人还要罚多少？情节严重的呢，有什么后果？"
    assert cited(penalty(ranked_context(reviews_kb, question, ranking)))[0] == "第七条第二款"
    # … but a question asking the unit's penalty first, or both at once, keeps the unit's first.
    for both in ("测试站点出具虚假复核报告怎么处罚？直接负责的主管人员要罚多少？",
                 "测试站点出具虚假复核报告，站点和直接负责的主管人员分别罚多少？"):
        assert cited(penalty(ranked_context(reviews_kb, both, ranking)))[0] == "第七条"


def test_a_measure_is_asked_in_its_unit_and_of_its_owner(reviews_kb):
    """"至少要多少米" asks a length: an area (二百平方米) is no answer. "通道宽度至少几米" asks the width of a 通道: the
    width of an 隔离带 is no answer either, while "隔离带宽度" is answered by it."""
    area = ranked_context(reviews_kb, "复核场地边长至少要多少米？", [("第八条", 0, 1.0, 0.5)])
    assert area.scorer.missing_detail(area.intent, area.ranked[0]) != ""
    assert ask(reviews_kb, "复核场地外侧的通道宽度至少要达到几米？").status == AnswerStatus.NOT_FOUND
    strip = ask(reviews_kb, "复核场地外侧的隔离带宽度至少要达到几米？")
    assert strip.status == AnswerStatus.ANSWERED and "五十米" in strip.text


def test_which_rules_handle_a_breach_without_a_sanction_here_is_answered_by_the_deferring_provision(reviews_kb):
    """"法律责任部分没有专门条款，应当依据什么来处理": "…法律、法规已有处理规定的，从其规定" answers, with the duty breached; not
    a refusal for a duty without a penalty."""
    answer = ask(reviews_kb, "复核单位拆除旧站点时没做好扬尘防治，本条例法律责任部分没有专门条款，应当依据什么来处理？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[:2] == ["第十一条", "第十条"]


def test_a_rule_is_quoted_with_its_proviso(reviews_kb):
    """"复核结果应当公布；" alone says more than the law: its 但书 (但是，涉及国家秘密的内容除外) follows it into any
    answer, right after it; a sentence after the proviso does not."""
    ctx = ranked_context(reviews_kb, "复核结果要全部公布吗？", [("第五条", 1, 1.0, 0.5)])
    lines = ctx.compose(ctx.ranked[:1]).text.splitlines()
    assert lines[0].startswith("复核结果应当公布；") and lines[1].startswith("但是，涉及国家秘密的内容除外。")
    assert len(lines) == 2


def test_leave_is_answered_by_the_provision_granting_it_without_a_modal_verb(stations_kb):
    """"能享受税收优惠吗" is answered by "国家对…给予税收优惠", which holds the act, not by a 可以 of another benefit
    (…金融机构可以提供优惠贷款); the act is read in the part asking leave, not in "具体办法由谁规定", which 国务院
    answers."""
    from kb.answering.strategies import permission

    question = "列入名录的测试站点能享受税收优惠吗？具体办法由谁规定？"
    ctx = ranked_context(stations_kb, question, [("第十条", 0, 1.0, 0.8), ("第十一条", 0, 0.9, 0.6)])
    answer = permission(ctx)
    assert answer is None or cited(answer)[0] == "第十条"
    whole = ask(stations_kb, question)
    assert cited(whole)[0] == "第十条" and "由国务院规定" in whole.text and "优惠贷款" not in whole.text


def test_a_term_named_in_a_bracket_after_what_it_stands_for_is_defined_there(stations_kb):
    """"…签订书面协议（以下称共建协议）" says what a 共建协议 is: no hedge that the document does not define it."""
    answer = ask(stations_kb, "共建协议是指什么？")
    assert cited(answer)[0] == "第十二条" and "文件没有给出" not in answer.text


def test_a_fine_stated_as_a_share_of_a_sum_answers_how_much(stations_kb):
    answer = ask(stations_kb, "测试站点出具虚假测试报告，最多罚多少钱？")
    assert answer.status == AnswerStatus.ANSWERED and "百分之二以上百分之四以下的罚款" in answer.text
    # … and so does one bounded by a sum ("…等值以下的罚款").
    bounded = ask(stations_kb, "测试主管部门的工作人员参与站点经营的，最多罚多少钱？")
    assert bounded.status == AnswerStatus.ANSWERED and "所得收益等值以下的罚款" in bounded.text


def test_a_duty_to_act_at_once_answers_when(stations_kb):
    """"应当即时告知" says when: at once. (A 当场 of a name, "推行当场办结制度", says nothing of when.)"""
    answer = ask(stations_kb, "测试主管部门发现测试站点不符合条件的，应当在什么时候告知？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第十四条"


def test_a_list_of_tasks_leads_with_the_duty_not_the_penalty_for_neglecting_it(stations_kb):
    """"质量负责人要负责哪些工作" is answered by the article that sets the tasks, even when the penalty for not
    appointing one ranks first; the penalty may follow."""
    from kb.answering.strategies import listing

    ctx = ranked_context(stations_kb, "测试站点的质量负责人要负责哪些工作？",
                         [("第十六条", 0, 1.0, 0.6), ("第十五条", 1, 0.9, 0.55), ("第十五条", 0, 0.8, 0.5)])
    answer = listing(ctx)
    assert cited(answer)[0] == "第十五条" and "组织编写测试报告" in answer.text
    # A penalty asked for is still answered by the penalty.
    assert cited(ask(stations_kb, "测试站点没有设立质量负责人会受到什么处罚？"))[0] == "第十六条"


def test_what_is_disclosed_is_listed_by_its_parts_without_the_word_information(stations_kb):
    """"应当公开哪些信息" is answered by "公开测试项目、收费标准和办理时限", which never says 信息."""
    answer = ask(stations_kb, "测试站点应当向社会公开哪些信息？")
    assert answer.status == AnswerStatus.ANSWERED and "测试项目、收费标准和办理时限" in answer.text.splitlines()[1]
    # (the sentence that answers leads its paragraph's other duties)


def test_a_time_limit_is_of_the_act_asked_about(stations_kb):
    """"多少日内组织复查验收" is not answered by the provision's limit for another act ("十日内作出批复"); "多少日内要报告给…"
    is answered by the limit of 报告 (抄送给, 报告给: jieba splits the verb from its 给)."""
    other = ask(stations_kb, "测试站点整改完成后，测试主管部门应当在多少日内组织复查验收？")
    assert other.status == AnswerStatus.NOT_FOUND
    report = ask(stations_kb, "测试站点整改完成后，多少日内要报告给测试主管部门？")
    assert report.status == AnswerStatus.ANSWERED and "五日内报告" in report.text



SURVEYS = """己市测试勘测条例

2021年11月25日 己市测试人民代表大会常务委员会第三十次会议通过

2022年3月1日 施行

第一条 为了规范勘测活动，制定本条例。
第二条 在本市从事勘测活动的单位（以下统称勘测单位）的勘测工作及其监督管理，适用本条例。
第三条 市勘测主管部门对本市勘测工作实施综合监督管理。
港务、林业、气象、水文等其他负有勘测监督职责的部门，在各自职责范围内对本行业的勘测工作实施监督管理。
勘测主管部门和对有关行业勘测工作实施监督管理的部门，统称勘测监管部门。
第四条 勘测单位应当如实记录勘测数据。
第五条 本条例下列用语的含义：
（一）基准点，是指埋设于稳定地基的测量标志。控制点，是指依据基准点加密布设的测量标志。
（二）勘测数据，是指勘测活动形成的记录。
第六条 本条例自2022年3月1日起施行。
"""


@pytest.fixture(scope="module")
def surveys_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("surveys"), {"surveys.txt": SURVEYS})


def test_a_term_named_in_a_bracket_after_what_it_stands_for_is_defined_there(surveys_kb):
    """"所说的“勘测单位”，具体是指哪些单位" asks the term's meaning, not who is in charge: "从事勘测活动的单位（以下
    统称勘测单位）" answers, without a hedge about an unnamed lead body."""
    answer = ask(surveys_kb, "条例里所说的“勘测单位”，具体是指哪些单位？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer) == ["第二条"]
    assert answer.text.startswith("第二条 在本市从事勘测活动的单位（以下统称勘测单位）")


def test_whether_something_is_what_a_summing_up_term_names_is_answered_by_its_list_and_the_summing_up(surveys_kb):
    """"气象部门算不算“勘测监管部门”": the sentence listing 气象 among the departments, then the one that sums them up
    ("…，统称勘测监管部门")."""
    answer = ask(surveys_kb, "水文部门和气象部门算不算“勘测监管部门”？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer) == ["第三条第二款", "第三条第三款"]


def test_two_terms_asked_each_are_answered_by_both_definitions(surveys_kb):
    """"“基准点”和“控制点”分别是指什么": both definitions, though they share an item of 下列用语的含义."""
    answer = ask(surveys_kb, "条例所称的“基准点”和“控制点”分别是指什么？")
    assert answer.status == AnswerStatus.ANSWERED
    assert "基准点，是指埋设于稳定地基的测量标志" in answer.text and "控制点，是指依据基准点加密布设的测量标志" in answer.text


def test_when_a_law_takes_effect_is_cited_to_its_commencement_article(surveys_kb):
    """The passage lines (题注) repeat the date ("2022年3月1日 施行"), but the article that sets it is the provision
    to cite; when the question also asks when it was adopted, the passage lines answer."""
    effective = ask(surveys_kb, "己市测试勘测条例从哪一天起开始施行？")
    assert cited(effective) == ["第六条"] and "自2022年3月1日起施行" in effective.text
    adopted = ask(surveys_kb, "己市测试勘测条例是什么时候通过、什么时候施行的？")
    assert cited(adopted) == ["题注"] and "2021年11月25日" in adopted.text
    # … a passage word that only sets the scene does not ask for the passage lines.
    scene = ask(surveys_kb, "己市测试勘测条例于2021年通过，该条例自哪一日起施行？")
    assert cited(scene) == ["第六条"]


LICENCES = """庚市测试许可条例
第一条 为了规范测试许可，制定本条例。
第二条 测试单位应当取得测试许可证。
第三条 测试单位有下列行为之一，尚不构成犯罪的，除依照本条例规定予以处罚外，对其直接负责的主管人员依法处以拘留：
（一）未取得测试许可证进行测试，被责令停止测试，拒不执行；
（二）篡改测试数据的。
第四条 测试单位可以参与区域测试合作。
本条例施行后，不再新建区域测试场。
第五条 测试单位不得转让测试许可证；测试单位不得出租测试设备，经批准的除外。
第六条 测试单位不得在居民区设置测试点。但是，经居民同意的除外。
第七条 申请测试许可证的，测试单位在提出申请前已通过信息平台公开测试方案。
第八条 测试单位被吊销测试许可证的，一年内不得新增测试线路。
测试人员伪造测试数据的，终生不得从事测试活动。
第九条 市测试主管部门制定测试设备精度标准；不符合标准的，不得用于测试。
第十条 审批部门应当在规定的时限内完成许可审查，并自许可审查完成之日起5个工作日内向申请人反馈审查结果。
第十一条 测试单位变更名称后，其持有的测试许可证不再重复办理。
除法律另有规定外，测试单位迁址后，其持有的测试许可证不再重复审核。
第十二条 到2030年，全市测试设备合格率达到95%。
第十三条 测试单位应当加强报告管理，到2030年测试报告及时率达到95%，差错率低于0.95%。
"""


@pytest.fixture(scope="module")
def licences_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("licences"), {"licences.txt": LICENCES})


def test_an_item_of_conduct_telling_of_an_earlier_order_is_punished_by_its_lead_in(licences_kb):
    """"（一）…被责令停止测试，拒不执行；" is conduct, though it tells of an order: the lead-in that punishes it is
    quoted before it."""
    answer = ask(licences_kb, "未取得测试许可证进行测试，被责令停止测试后拒不执行，主管人员会受到什么处理？")
    assert cited(answer)[:2] == ["第三条", "第三条第（一）项"] and "处以拘留" in answer.text


def test_what_a_law_says_is_no_longer_done_rules_it_out(licences_kb):
    """"本条例施行后，不再新建…" rules out what it names: "还可以新建吗" is answered 不可以 with it, not 可以 with a
    neighbouring permission."""
    answer = ask(licences_kb, "本条例施行后，还可以新建区域测试场吗？")
    assert answer.text.startswith("不可以") and cited(answer) == ["第四条第二款"]


@pytest.mark.parametrize("question, lead, first", [
    ("测试单位能不能转让测试许可证？", "不可以，文件禁止：", "第五条"),  # the next rule's exception is not its own
    ("测试单位能不能出租测试设备？", "原则上不可以，文件禁止，但有例外：", "第五条"),
    ("测试单位可以在居民区设置测试点吗？", "原则上不可以，文件禁止，但有例外：", "第六条"),
])
def test_a_verdict_says_when_its_rule_has_an_exception(licences_kb, question, lead, first):
    """"…，经批准的除外", or a proviso after the rule (但是，…的除外): the bare verdict would overstate the rule."""
    answer = ask(licences_kb, question)
    assert answer.text.startswith(lead) and cited(answer)[0] == first


def test_when_is_answered_by_the_act_something_was_done_before(licences_kb):
    """"在提出申请前已通过…公开…" says when, as "开工前应当…" does."""
    answer = ask(licences_kb, "测试单位应当在什么时候通过信息平台公开测试方案？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer) == ["第七条"] and "提出申请前" in answer.text


def test_how_many_years_until_one_may_again_is_answered_by_a_ban_for_life(licences_kb):
    """"过几年才能重新从事测试活动": "终生不得从事测试活动" is the answer, not another act's "一年内不得新增…"."""
    answer = ask(licences_kb, "测试人员伪造测试数据，过几年才能重新从事测试活动？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "第八条第二款" and "终生" in answer.text


def test_a_rule_by_a_standard_named_before_is_quoted_with_the_sentence_naming_it(licences_kb):
    """"不符合标准的，不得用于测试" does not say which standard: the sentence before it does."""
    answer = ask(licences_kb, "测试设备达不到精度标准，还能用于测试吗？")
    assert answer.text.startswith("不可以") and "制定测试设备精度标准" in answer.text.splitlines()[1]


def test_a_span_counted_from_the_asked_act_is_not_its_time_limit(licences_kb):
    """"…在规定的时限内完成许可审查，并自许可审查完成之日起5个工作日内…反馈…": five days is the feedback's limit, not
    the review's, which the document leaves to other rules."""
    review = ask(licences_kb, "审批部门应当在收到申请之日起多少日内完成许可审查？")
    assert review.status == AnswerStatus.NOT_FOUND
    feedback = ask(licences_kb, "许可审查完成后，审批部门应当在多少个工作日内反馈审查结果？")
    assert feedback.status == AnswerStatus.ANSWERED and "5个工作日" in feedback.text


def test_what_a_law_says_is_no_longer_done_is_not_needed(licences_kb):
    """"需不需要重新办理" is answered 不需要 by "…不再重复办理" (a prohibition answers 可以…吗, not a duty question),
    and 原则上 when the sentence opens with its exception (除法律另有规定外，…)."""
    renamed = ask(licences_kb, "测试单位变更名称后，测试许可证需不需要重复办理？")
    assert renamed.text.startswith("不需要，文件规定不再这样做：") and cited(renamed) == ["第十一条"]
    moved = ask(licences_kb, "测试单位迁址后，测试许可证需不需要重复审核？")
    assert moved.text.startswith("原则上不需要，文件规定不再这样做，但有例外：")


def test_a_value_asked_as_several_is_answered_by_each_sentence_stating_it(licences_kb):
    """"有两个95%的目标，分别指什么": every sentence of the document that states 95% (not 0.95%), in document order;
    the closest one alone answers half the question."""
    answer = ask(licences_kb, "条例里有两个95%的目标，分别指什么？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer) == ["第十二条", "第十三条"]


INSURANCES = """辛市测试保障条例
第一条 为了规范测试保障，制定本条例。
第二条 测试单位应当为所属的专业测试队员办理人身意外伤害保险。
鼓励测试单位为所属的半专业测试队员办理人身意外伤害保险。
第三条 测试设备的生产者可以根据自愿原则，向认证机构申请测试设备认证。
第四条 新建测试场应当按照一级以上标准建设。
"""


@pytest.fixture(scope="module")
def insurances_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("insurances"), {"insurances.txt": INSURANCES})


@pytest.mark.parametrize("question, lead, first", [
    ("测试单位必须给所属的半专业测试队员办理人身意外伤害保险吗？", "不是强制要求，文件鼓励这样做", "第二条第二款"),
    ("测试单位必须给所属的专业测试队员办理人身意外伤害保险吗？", "需要", "第二条"),
    ("测试设备认证是强制的吗？", "不是强制要求，由当事人自愿", "第三条"),
    ("新建测试场是不是必须按照一级以上标准建设？", "需要", "第四条"),
])
def test_whether_an_act_is_compulsory_is_answered_by_a_duty_or_by_what_leaves_it_to_choice(
        insurances_kb, question, lead, first):
    """"是不是必须…", "是强制的吗": a duty says it is; an encouragement (鼓励…) or a free choice (根据自愿原则) that it
    is not, and of two provisions alike the one repeating the question's words (半专业, not 专业) is about it."""
    answer = ask(insurances_kb, question)
    assert answer.text.startswith(lead) and cited(answer)[0] == first


PERMIT_OFFICES = """壬市测试许可办法
第一条 为了规范测试许可，制定本办法。
第二条 测试单位应当向所在地区县测试主管部门（以下称审批部门）申请取得许可。
第三条 测试许可证有效期届满的，应当于届满三十日前向审批部门申请测试许可证延续。
审批部门应当公开受理测试许可证申请的决定。
"""


def test_a_body_called_by_its_short_name_is_answered_by_the_sentence_naming_it_in_full(tmp_path):
    """"向审批部门提出申请" calls the body by the short name the law gives it; "向哪个部门申请" is answered by the
    sentence that names it in full ("…区县测试主管部门（以下称审批部门）")."""
    engine = _inline_kb(tmp_path, {"offices.txt": PERMIT_OFFICES})
    answer = ask(engine, "测试许可证应当向哪个部门申请？")
    assert cited(answer)[0] == "第二条" and "区县测试主管部门" in answer.text


def test_how_wide_deep_or_thick_asks_a_measure_in_the_part_that_says_so():
    """"…，隔离带至少要开多宽？" asks in its last part (多宽, like 多长, 多高): the parts before it set the scene."""
    from kb.answering.intent import asked_part

    for word in ("多宽", "多深", "多厚"):
        question = f"在林区里新建厂房，按本条例，厂房周围的隔离带至少要开{word}？"
        assert asked_part(question) == f"厂房周围的隔离带至少要开{word}？"


def test_a_time_limit_is_quoted_with_the_longer_one_its_special_case_gets(tmp_path):
    """"…应当在十五日内作出处理。情况复杂的，应当在三十日内作出处理。": the rule's fifteen days do not hold in every
    case, so the special case's limit is quoted with it; a verdict is not hedged by it (the duty holds either way)."""
    engine = _inline_kb(tmp_path, {"complaints.txt": "癸市测试投诉办法\n第一条 为了规范测试投诉，制定本办法。\n"
                                   "第二条 测试主管部门对受理的投诉应当在十五日内作出处理。情况复杂的，应当在三十日内作出处理。\n"
                                   "第三条 测试主管部门应当公开投诉电话。\n"})
    answer = ask(engine, "测试主管部门对受理的投诉要在多少日内作出处理？")
    assert "十五日内" in answer.text and "情况复杂的，应当在三十日内作出处理" in answer.text
    assert ask(engine, "测试主管部门是否必须在十五日内作出处理？").text.startswith("需要")


def test_what_a_measure_reaches_is_answered_by_the_list_the_document_gives_of_it(tmp_path):
    """"横向测试补偿适用于哪些区域" asks the reach of one measure, which its article lists ("…针对下列区域开展："),
    not the document's own scope ("在本市开展测试补偿，适用本办法")."""
    engine = _inline_kb(tmp_path, {"reach.txt": "子市测试补偿办法\n第一条 为了规范测试补偿，制定本办法。\n"
                                   "第二条 在本市开展测试补偿及其相关活动，适用本办法。\n"
                                   "第三条 测试补偿资金应当专款专用。\n第四条 测试补偿标准由市测试主管部门制定。\n"
                                   "第五条 横向测试补偿针对下列区域开展：\n（一）江河上下游所在区域；\n（二）水源地以及沿线保护区。\n"
                                   "第六条 横向测试补偿协议应当明确补偿范围。\n"})
    answer = ask(engine, "横向测试补偿适用于哪些区域？")
    assert cited(answer)[0] == "第五条" and "水源地以及沿线保护区" in answer.text


# A sector law: its purpose, scope and many articles of the authorities' duties come before the duties of a party.
SECTOR_LAW = "\n".join(["丑市化工安全条例", "第一条 为了加强化工企业安全管理，制定本条例。",
                         "第二条 本条例适用于本市行政区域内的化工企业。",
                         *(f"第{number}条 市化工主管部门负责第{number}类化工企业的监督检查规定。"
                           for number in "三四五六七八九十"),
                         *(f"第十{number}条 区县化工主管部门负责第十{number}类化工企业的监督检查规定。"
                           for number in "一二三四五六七八九"),
                         "第二十条 化工生产单位应当建立全员安全生产责任制。",
                         "第二十一条 化工生产单位不得在居民区周边新建危险化学品仓库。"]) + "\n"


def test_an_enterprise_is_told_first_what_binds_it_not_the_laws_purpose_or_the_authorities_duties(tmp_path):
    """A law about one industry names it in every article: its purpose, its scope and the authorities' duties are no
    requirement on the enterprise asking; what binds a party (化工企业应当…, 不得…) comes first."""
    engine = _inline_kb(tmp_path, {"sector.txt": SECTOR_LAW})
    answer = ask(engine, "我们是一家化工企业，按规定要做到哪些？")
    assert {"第二十条", "第二十一条"} <= set(cited(answer))


ARTICLES = """寅市测试档案条例
第一条 为了规范测试档案，制定本条例。
第二条 测试单位应当建立测试档案。测试档案保存期限不得少于五年。
测试档案不得篡改、伪造。
第三条 测试主管部门应当对测试档案进行抽查：
（一）每年抽查一次；
（二）抽查结果向社会公开。
第十二条 测试档案的格式由市测试主管部门制定。
"""


@pytest.mark.parametrize("question, labels", [
    ("《寅市测试档案条例》第二条是怎么规定的？", ["第二条", "第二条", "第二条第二款"]),
    ("第三条规定了什么？", ["第三条", "第三条第（一）项", "第三条第（二）项"]),
    ("第二条第二款的内容是什么？", ["第二条第二款"]),
])
def test_an_article_asked_for_by_its_number_is_quoted_whole(tmp_path_factory, question, labels):
    """"…条例第二条是怎么规定的": every paragraph and item of that article (or only the paragraph asked), in order;
    not the sentences closest to the question's other words."""
    engine = _inline_kb(tmp_path_factory.mktemp("articles"), {"articles.txt": ARTICLES})
    assert cited(ask(engine, question)) == labels


OPINION = """卯市测试局关于加强测试工作的实施意见
卯测发〔2023〕5号
一、总体要求
（一）工作目标。到2025年，测试覆盖率达到90%。
二、重点任务
（一）加强测试管理。
1．健全测试制度。测试单位应当建立测试台账。
（1）测试台账保存三年。
（2）测试台账不得涂改。
2．强化测试监督。测试主管部门每年抽查一次。
（二）推进测试公开。测试结果向社会公开。
"""


@pytest.mark.parametrize("question, labels", [
    ("二（一）1是什么内容？", ["二（一）1", "二（一）1", "二（一）1（1）", "二（一）1（2）"]),
    ("卯测发〔2023〕5号 二(一)1(2)规定了什么", ["二（一）1（2）"]),
    ("二（二）是怎么规定的？", ["二（二）", "二（二）"]),
])
def test_a_clause_of_an_opinion_asked_for_by_its_label_is_quoted_whole(tmp_path_factory, question, labels):
    """"二（一）1是什么内容", as the citations write the clause: that clause and the ones under it (not 二（一）2), from
    the only loaded document that has such a clause; a law loaded next to it has none."""
    engine = _inline_kb(tmp_path_factory.mktemp("opinion"), {"opinion.txt": OPINION, "articles.txt": ARTICLES})
    answer = ask(engine, question)
    assert cited(answer) == labels and {c.doc for c in answer.citations} == {"卯测发〔2023〕5号"}


def test_a_time_limit_holds_for_the_act_joined_to_its_own_by_bing_and_a_bound_of_a_case_is_no_value_name(tmp_path):
    """"…应当在十五日内作出处理，并回复投诉人" gives 回复 the fifteen days ("…多少日内要作出处理并回复"); "情况复杂的最长
    可以到多少日" asks the bound of a case, not the value of something called 情况复杂."""
    from kb.answering.intent import asked_value

    engine = _inline_kb(tmp_path, {"replies.txt": "卯市测试投诉办法\n第一条 为了规范测试投诉，制定本办法。\n"
                                   "第二条 测试主管部门对受理的投诉应当在十五日内作出处理，并回复投诉人。"
                                   "情况复杂的，应当在三十日内作出处理并回复。\n第三条 测试主管部门应当公开投诉电话。\n"
                                   + "".join(f"第{n}条 对第{n}类测试违法行为，测试主管部门应当依法作出处理。\n"
                                             for n in "四五六七八九")})
    answer = ask(engine, "投诉后，测试主管部门一般多少日内要作出处理并回复？")
    assert answer.text.startswith("第二条 测试主管部门对受理的投诉应当在十五日内作出处理，并回复投诉人。")
    assert asked_value("情况复杂的最长可以到多少日？") == ()
    assert asked_value("排污许可证的有效期是几年？") == ("排污许可证", "有效期")


def test_a_follow_up_part_finds_its_value_by_its_own_condition(tmp_path):
    """"…至少要有多少个？如果是在中心城区以外经营，又要多少个？": the second part's value stands by its condition
    (在中心城区以外经营的，…十个以上), not by the words of its asking clause (又要多少个), which are none."""
    engine = _inline_kb(tmp_path, {"taxis.txt": "辰市测试出租汽车条例\n第一条 为了规范测试出租汽车，制定本条例。\n"
                                   "第二条 申请测试出租汽车经营的，应当具备下列条件：\n"
                                   "（一）在中心城区经营的，取得一百个以上测试车辆经营权；在中心城区以外经营的，取得十个以上"
                                   "所在区域测试车辆经营权；\n（二）有固定的经营场所。\n"})
    answer = ask(engine, "在中心城区经营测试出租汽车，至少要有多少个测试车辆经营权？如果是在中心城区以外经营，又要多少个？")
    assert answer.status == AnswerStatus.ANSWERED and "关于“如果是在中心城区以外经营，又要多少个？”" in answer.text


INQUIRIES = """巳市测试事故调查条例
第一条 为了规范测试事故调查，制定本条例。
第二条 测试事故调查按照下列规定分级负责：
（一）重大测试事故、较大测试事故，由市人民政府授权市测试主管部门组织事故调查组进行调查；
（二）一般测试事故，由区县测试主管部门组织事故调查组进行调查，组织事故调查组进行调查的费用列入预算，组织事故调查组进行调查的人员由区县测试主管部门指派。
第三条 事故调查组应当在规定时限内提交事故调查报告。
"""


def test_of_the_items_of_one_list_the_one_holding_more_of_the_question_says_who(tmp_path):
    """Items share their lead-in, and retrieval tells them apart by little: "较大测试事故由谁组织调查" is answered by
    the item on 较大测试事故, though retrieval ranked the 一般 one above it (as dense similarity can)."""
    from dataclasses import replace

    from kb.answering.evidence import SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, who

    engine = _inline_kb(tmp_path, {"inquiries.txt": INQUIRIES})
    question = "发生较大测试事故，由谁组织事故调查组进行调查？"
    snap = engine.retriever.snapshot()
    intent = analyse(question)
    hits = engine.retriever.retrieve(intent.search_text, mode=RetrievalMode.BM25, top_k=8, snap=snap).hits
    ctx = AnswerContext(snap, SentenceScorer(snap, engine.retriever.tokenizer), intent, hits)
    ranked = ctx.ranked
    ordinary = next(s for s in ranked if s.text.startswith("（二）"))
    # Retrieval's order reversed: the 一般 item first, the asked one a close second.
    ctx.__dict__["ranked"] = [replace(ordinary, score=ranked[0].score + 0.1),
                              *(s for s in ranked if s is not ordinary)]
    assert who(ctx).text.startswith("（一）重大测试事故、较大测试事故")


def test_which_cases_is_answered_by_the_lead_in_of_the_cases_a_law_lists(tmp_path):
    """"出现哪些情况必须重新申请" is answered by "有下列情形之一的，应当重新申请…：" with its items (情形 is a law's word
    for a case), before a closer sentence about another application."""
    engine = _inline_kb(tmp_path, {"cases.txt": "午市测试许可条例\n第一条 为了规范测试许可，制定本条例。\n"
                                   "第二条 测试许可证有效期届满，测试单位需要继续测试的，应当于届满六十日前重新申请测试许可证。\n"
                                   "第三条 在测试许可证有效期内，测试单位有下列情形之一的，应当重新申请取得测试许可证：\n"
                                   "（一）新建测试场地；\n（二）测试场地位置发生变化。\n"})
    answer = ask(engine, "测试许可证有效期内，测试单位出现哪些情况必须重新申请测试许可证？")
    assert cited(answer)[:3] == ["第三条", "第三条第（一）项", "第三条第（二）项"]


def test_which_kinds_a_law_applies_to_is_answered_by_the_kind_it_defines_then_its_scope(tmp_path):
    """"测试能源条例适用于哪些能源": the scope provision (本条例适用于本市行政区域) names no 能源; the law's definition of
    its kind of 能源 (本条例所称测试能源，是指风能、太阳能…) does, and comes first."""
    engine = _inline_kb(tmp_path, {"energy.txt": "未市测试能源条例\n第一条 为了促进测试能源开发利用，制定本条例。\n"
                                   "第二条 本条例所称测试能源，是指风能、太阳能、水能等非化石能源。\n"
                                   "第三条 本条例适用于本市行政区域。\n第四条 测试能源主管部门负责测试能源开发利用管理。\n"})
    answer = ask(engine, "测试能源条例适用于哪些能源？")
    assert cited(answer)[:2] == ["第二条", "第三条"] and "风能、太阳能、水能" in answer.text


TRANSPLANTS = """乙市古树移植测试条例
第一条 为了规范古树移植，制定本条例。
第二条 因建设需要移植古树的，由建设单位申请，经市林业主管部门批准。移植所需费用，由建设单位承担。
第三条 进口树种来源不明的，由承运人承担退运责任，或者承担有关处置费用。
"""


@pytest.fixture(scope="module")
def transplants_kb(tmp_path_factory):
    return _inline_kb(tmp_path_factory.mktemp("transplants"), {"transplants.txt": TRANSPLANTS})


def test_who_bears_a_cost_is_answered_by_the_provision_naming_that_cost(transplants_kb):
    answer = ask(transplants_kb, "移植古树的费用由谁承担？")
    assert answer.status == AnswerStatus.ANSWERED and "移植所需费用，由建设单位承担" in answer.text


def test_a_provision_charging_another_cost_does_not_say_who_bears_the_asked_one(transplants_kb):
    answer = ask(transplants_kb, "进口树种的运费应该由谁承担？")
    assert answer.status == AnswerStatus.NOT_FOUND and "文件没有规定运费由谁承担" in answer.text


def test_a_leave_to_do_something_else_gives_no_verdict(permits_kb):
    """"可以" is said only of the asked act: a provision allowing residents another act (安装太阳能系统) does not
    answer whether they may dry their quilts on the roof; it answers whether they may install a solar system."""
    from kb.answering.strategies import permission

    assert permission(_context(permits_kb, "住户能不能在屋顶晾晒被褥？", ["第十八条"])) is None
    answer = permission(_context(permits_kb, "住户能不能装太阳能系统？", ["第十八条"]))
    assert answer is not None and answer.text.startswith("可以：\n第十八条")


def test_a_value_is_not_followed_by_another_provisions_value(permits_kb):
    """"…届满前多少日申请延续": the close runner-up of another article states another act's time limit (二十日内申请注销),
    which would read as a second answer; the best sentence's own provision completes a value."""
    from kb.answering.strategies import quote

    answer = quote(_context(permits_kb, "排污证有效期届满前多少日申请延续？", ["第四条", "第十六条#1"]))
    assert cited(answer) == ["第四条"] and "六十日前" in answer.text and "二十日" not in answer.text
    answer = quote(_context(permits_kb, "排污证执行报告多久报送一次？", ["第三十一条", "第三十二条"]))  # a frequency
    assert cited(answer) == ["第三十一条"] and "每年" not in answer.text


def test_an_item_rules_through_the_modal_verb_of_the_sentence_it_stands_under(permits_kb):
    """"排污证应当记载下列信息：…（二）排放口位置和数量。": whether the outlets may be left out is answered by the
    lead-in's 应当, the item quoted first and its siblings left out; an item holding none of the asked act gives no
    verdict."""
    from kb.answering.strategies import permission

    answer = permission(_context(permits_kb, "排污证上可以不写排放口位置吗？", ["第三条第（二）项"]))
    assert answer.text.startswith("需要，文件规定应当这样做：") and cited(answer) == ["第三条第（二）项", "第三条"]
    answer = permission(_context(permits_kb, "排污证上可以不贴照片吗？", ["第三条第（二）项"]))
    assert answer is None or not answer.text.startswith("需要")


def test_a_body_is_not_followed_by_another_provisions_body(permits_kb):
    """"附属绿地由谁负责建设": the close runner-up of another article names the body for another task (养护管理);
    the answer is the body named for the asked one."""
    from kb.answering.strategies import who

    answer = who(_context(permits_kb, "建设项目附属绿地由谁负责建设？", ["第十九条", "第二十条第（一）项"]))
    assert cited(answer) == ["第十九条"] and "建设单位" in answer.text


def test_a_penalty_for_one_act_gives_no_verdict_on_another_act_on_the_same_thing(tmp_path):
    """"可以卖天灯吗" of a 决定 punishing only the lighting of them: the penalty holds the lamp, not the sale, and says
    nothing on selling (it is quoted without 不可以); asked about lighting them, it answers 不可以."""
    engine = _inline_kb(tmp_path, {"decision.txt": "甲市人民代表大会常务委员会关于天灯管理的决定\n"
                                   "为了预防火灾，作出如下决定：\n一、各级人民政府应当加强火灾预防工作。\n"
                                   "二、违反有关规定燃放天灯的，由公安机关处二百元以上五百元以下罚款。\n"})
    selling = ask(engine, "可以卖天灯吗？")
    assert selling.status == AnswerStatus.ANSWERED and "不可以" not in selling.text
    lighting = ask(engine, "能不能燃放天灯？")
    assert lighting.text.startswith("不可以")


def test_an_item_punishing_two_kinds_of_conduct_rules_through_the_provision_of_the_asked_one(tmp_path):
    """"（一）在测试树木上涂写、刻画或者未经批准张挂测试宣传品的" breaches 第一条 (不得涂写、刻画) or 第二条 (张挂须经
    批准), neither stating both: asked about carving, the item answers through 第一条's prohibition."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse
    from kb.answering.strategies import AnswerContext, permission

    engine = _inline_kb(tmp_path, {"rules.txt": "甲市测试条例\n第一条 一切单位和个人，都不得在测试树木上涂写、刻画。\n"
                                   "第二条 单位和个人张挂测试宣传品，须经测试主管部门批准。\n"
                                   "第三条 有下列行为之一者，由测试主管部门责令纠正，可以并处罚款：\n"
                                   "（一）在测试树木上涂写、刻画或者未经批准张挂测试宣传品的；\n（二）随地吐痰的。\n"})
    snap = engine.retriever.snapshot()
    doc_id = next(iter(snap.documents))
    item = snap.clause(doc_id, "第三条第（一）项")
    ctx = AnswerContext(snap, SentenceScorer(snap, engine.retriever.tokenizer), analyse("可以在测试树木上刻字吗？"), [])
    ctx.ranked = [ScoredSentence(doc_id, item, item.sentences[0].text.strip(), 1.0, 0, lexical=0.5)]
    answer = permission(ctx)
    assert answer is not None and answer.text.startswith("不可以") and cited(answer)[0] == "第一条"


def test_a_span_looking_back_is_a_condition_not_a_deadline(tmp_path):
    """"近3年内未发生…事故" says what an applicant must not have had, not when anything is due: it answers for how long
    no accident may have happened, not when the plant must be built."""
    engine = _inline_kb(tmp_path, {"apply.txt": "午市测试局关于开展2099年度测试工厂申报工作的通知\n午测发〔2099〕6号\n"
                                   "各区测试局，有关企业：\n一、申报范围\n"
                                   "（一）申报企业应当建成投产满3年，近3年内未发生较大测试事故。\n二、申报程序\n"
                                   "（一）企业自评。申报企业开展自评价。\n"
                                   "（二）区县推荐。各区测试局对申报材料进行审核，将推荐名单报送市测试局。\n"})
    built = ask(engine, "申报企业什么时候要建成投产？")
    assert built.status == AnswerStatus.NOT_FOUND and "文件没有规定具体时间" in built.text
    span = ask(engine, "申报企业在什么时间内不得发生较大测试事故？")
    assert span.status == AnswerStatus.ANSWERED and cited(span)[0] == "一（一）"


def test_a_year_before_the_document_s_own_bounds_what_it_covers(tmp_path):
    """"2080年底前建成的测试设施", in a plan written in 2099, says which facilities it covers, not when anything is
    due; the plan's subject, in its title, need not be repeated by the phase that answers when."""
    engine = _inline_kb(tmp_path, {"plan.txt": "午市测试设施改造实施方案\n午测发〔2099〕7号\n"
                                   "一、改造范围\n改造对象为2080年底前建成、年久失修的测试设施。\n二、时间安排\n"
                                   "（一）启动阶段（2099年3月—6月）。各区制定年度计划。\n"
                                   "（二）验收阶段（2099年11月—12月）。市测试局组织开展项目验收。\n"
                                   "\n午市测试局\n2099年2月15日\n"})
    answer = ask(engine, "测试设施改造项目什么时候验收？")
    assert answer.status == AnswerStatus.ANSWERED and cited(answer)[0] == "二（二）"
    assert "2080" not in answer.text
    # … also asked in the plan's own words, which its range says more of than the phase: the best two clauses'
    # sentences are contenders, not the best two sentences' (both of the range).
    assert cited(ask(engine, "测试设施改造什么时候验收？"))[0] == "二（二）"
    # … unless that act's own time is asked.
    assert cited(ask(engine, "什么时候之前建成的测试设施可以改造？"))[0] == "一"


def test_a_phase_dates_its_plan_s_subject_which_its_title_names(tmp_path):
    """"（二）验收阶段（2099年11月—12月）。" repeats nothing of "老旧测试设施更新改造" but its plan's title: the
    title's words count toward the words a dating sentence must hold."""
    from kb.answering.evidence import ScoredSentence, SentenceScorer
    from kb.answering.intent import analyse

    engine = _inline_kb(tmp_path, {"plan.txt": "午市老旧测试设施更新改造实施方案\n午测发〔2099〕8号\n"
                                   "一、时间安排\n（一）启动阶段（2099年3月—6月）。各区制定年度计划。\n"
                                   "（二）验收阶段（2099年11月—12月）。由市住建部门组织开展验收。\n"})
    snap = engine.retriever.snapshot()
    doc_id, doc = next(iter(snap.documents.items()))
    clause = doc.clause("一（二）")
    heading = ScoredSentence(doc_id, clause, clause.sentences[0].text.strip(), 1.0, 1)
    scorer = SentenceScorer(snap, engine.retriever.tokenizer)
    assert scorer.missing_detail(analyse("老旧测试设施更新改造什么时候完成验收？"), heading) == ""


def test_a_plan_s_rules_in_principle_and_its_sanctions_on_regions(tmp_path):
    """"原则上不再新增…产能" forbids in principle: the verdict says so. A plan's sanction falls on regions and their
    officials ("约谈区县政府主要负责人"): it answers what happens to a region that fails."""
    engine = _inline_kb(tmp_path, {"air.txt": "午市测试空气改善行动计划\n午测发〔2099〕8号\n一、重点任务\n"
                                   "（一）严格项目准入。新改扩建项目严格执行产业政策，原则上不再新增测试熔炉产能。\n"
                                   "（二）加强测试扬尘管控。测试工地安装视频监控设施。\n二、保障措施\n"
                                   "（一）严格考核问责。市测试局每月通报各区测试空气排名，对测试空气明显恶化的区，约谈区政府主要负责人。\n"})
    assert ask(engine, "可以新增测试熔炉产能吗？").text.startswith("原则上不可以")
    sanction = ask(engine, "测试空气恶化的区会怎样？")
    assert sanction.status == AnswerStatus.ANSWERED and cited(sanction)[0] == "二（一）"
    assert "约谈区政府主要负责人" in sanction.text


def test_a_prohibition_rules_on_its_own_act_not_on_a_zone_named_after_it(tmp_path):
    """"全面禁止露天焚烧秸秆…，在城区内禁止燃放测试烟花的区域，由区政府划定": burning is forbidden; setting off
    fireworks is not, in the text: only the zones where it is are to be drawn. 能不能放测试烟花 gets no verdict."""
    engine = _inline_kb(tmp_path, {"air.txt": "午市测试空气改善行动计划\n午测发〔2099〕9号\n一、重点任务\n"
                                   "（一）禁止露天焚烧。全面禁止露天焚烧秸秆、垃圾、落叶等，在城区内禁止燃放测试烟花的区域，"
                                   "由区政府划定并向社会公布。\n（二）加强测试扬尘管控。测试工地安装视频监控设施。\n"})
    assert ask(engine, "可以露天焚烧秸秆吗？").text.startswith("不可以")
    fireworks = ask(engine, "城区能燃放测试烟花吗？")
    assert fireworks.status == AnswerStatus.ANSWERED and cited(fireworks)[0] == "一（一）"
    assert not fireworks.text.startswith(("不可以", "可以"))


def test_a_part_dated_apart_is_another_task(tmp_path):
    """"2098年底前，全市测试钢厂完成改造；2099年底前，测试水泥厂基本完成改造。": asked when the steel works finish,
    the cement works' date is another task's, not the rest of the answer."""
    engine = _inline_kb(tmp_path, {"plan.txt": "午市测试空气改善行动计划\n午测发〔2099〕9号\n一、重点任务\n"
                                   "（一）推进超低排放改造。2098年底前，全市测试钢厂完成超低排放改造；"
                                   "2099年底前，测试水泥厂基本完成超低排放改造。\n"
                                   "（二）加强测试扬尘管控。测试工地安装视频监控设施。\n"})
    steel = ask(engine, "测试钢厂什么时候完成超低排放改造？")
    assert steel.text.startswith("2098年底前，全市测试钢厂完成超低排放改造；") and "水泥" not in steel.text
    cement = ask(engine, "测试水泥厂什么时候完成超低排放改造？")
    assert cement.text.startswith("2099年底前，测试水泥厂") and "钢厂" not in cement.text
    # Asked what is required, both are.
    both = ask(engine, "超低排放改造有什么要求？").text
    assert "测试钢厂" in both and "测试水泥厂" in both


def test_which_document_says_it_is_named_before_its_provision(tmp_path):
    """"哪个文件规定了测试电梯补助": the document whose provision answers, by its title and 文号, then the provision;
    refused like any question when no provision answers."""
    engine = _inline_kb(tmp_path, {
        "lift.txt": "午市测试小区改造实施方案\n午测发〔2099〕7号\n一、资金筹措\n加装测试电梯的，每部补助20万元。\n"
                    "二、保障措施\n市测试局牵头负责统筹协调。\n",
        "air.txt": "午市测试空气改善行动计划\n午测发〔2099〕9号\n一、重点任务\n测试工地安装视频监控设施。\n"
                   "二、保障措施\n市测试局每月通报空气排名。\n"})
    answer = ask(engine, "哪个文件规定了测试电梯补助？")
    assert answer.text.startswith("规定这一内容的文件是《午市测试小区改造实施方案》（午测发〔2099〕7号）：")
    assert cited(answer) == ["一"] and "每部补助20万元" in answer.text
    assert ask(engine, "关于测试义务教育收费的文件是哪个？").status == AnswerStatus.NOT_FOUND


def test_a_party_made_a_role_s_holder_has_that_role_s_duties(tmp_path):
    """"物业服务企业为管理责任人；" and "管理责任人应当履行下列义务：…": what the 物业服务企业 must do is the role's
    duties, quoted with the provision that gives it the role."""
    engine = _inline_kb(tmp_path, {"sorting.txt": "午市测试垃圾分类管理办法\n"
                                   "第一条 为了加强测试垃圾分类管理，制定本办法。\n"
                                   "第二条 测试垃圾分类投放实行管理责任人制度。管理责任人按照下列规定确定：\n"
                                   "（一）住宅小区实行物业服务的，物业服务企业为管理责任人；\n"
                                   "（二）机关、企业事业单位的办公场所，本单位为管理责任人。\n"
                                   "第三条 管理责任人应当履行下列义务：\n（一）设置测试垃圾分类收集容器；\n"
                                   "（二）开展测试垃圾分类知识宣传。\n"
                                   "第四条 个人未按照规定分类投放测试垃圾的，由城市管理部门责令改正。\n"})
    answer = ask(engine, "物业服务企业有哪些义务？")
    assert answer.status == AnswerStatus.ANSWERED
    assert cited(answer)[:2] == ["第二条第（一）项", "第三条"] and "设置测试垃圾分类收集容器" in answer.text


def test_the_note_of_attachments_answers_only_what_is_attached(tmp_path):
    """"附件：测试工厂评价指标体系" shares the question's words but provides nothing: it is no runner-up to a quote,
    and it answers what the 通知 attaches."""
    engine = _inline_kb(tmp_path, {"apply.txt": "午市测试局关于开展2099年度测试工厂申报工作的通知\n午测发〔2099〕6号\n"
                                   "各区测试局：\n一、支持政策\n对新认定的测试工厂，给予一次性奖励50万元。\n"
                                   "二、申报程序\n各区测试局于2099年5月31日前将推荐名单报送市测试局。\n"
                                   "附件：测试工厂评价指标体系\n午市测试局\n2099年3月10日\n"})
    reward = ask(engine, "测试工厂评价有奖励吗？")
    assert "50万元" in reward.text and "附件" not in reward.text
    assert "测试工厂评价指标体系" in ask(engine, "这个通知有什么附件？").text


def test_a_plan_s_purpose_answers_only_why_it_was_made(tmp_path):
    """"为推进测试设施改造，改善测试条件，制定本方案。" holds the words of every question about the plan, but says only
    why it was made: what is to be done is in its text."""
    engine = _inline_kb(tmp_path, {"plan.txt": "午市测试设施改造实施方案\n午测发〔2099〕7号\n"
                                   "为推进测试设施改造，改善测试条件，制定本方案。\n一、改造范围\n改造对象为年久失修的设施。\n"
                                   "二、资金筹措\n按照“谁受益、谁出资”原则，建立政府与单位合理共担机制。\n"
                                   "三、保障措施\n市测试局牵头负责统筹协调。\n"})
    assert "序言" not in cited(ask(engine, "测试设施改造要做什么？"))
    assert "共担机制" in ask(engine, "测试设施改造的资金怎么来？").text
    assert cited(ask(engine, "制定这个方案的目的是什么？")) == ["序言"]
