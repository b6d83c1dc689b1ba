"""Obligation types read from cue words: the bundled 意见's wording and sentences of real laws and regulations."""

from __future__ import annotations

import pytest

from kb.analysis.obligations import OBLIGATION_NAMES_ZH, OBLIGATION_PRECEDENCE, Obligation, classify_obligation, \
    non_cues, obligation_cues
from kb.schema import ObligationType

TARGET, PENALTY, PROHIBITION, BINDING, PERMISSION, ENCOURAGED, ARRANGEMENT = (
    ObligationType.TARGET, ObligationType.PENALTY, ObligationType.PROHIBITION, ObligationType.BINDING,
    ObligationType.PERMISSION, ObligationType.ENCOURAGED, ObligationType.ARRANGEMENT)


@pytest.mark.parametrize("sentence, kind, cue", [
    ("强化产业准入和落后产能退出，坚决遏制“两高”项目盲目发展。", BINDING, "坚决遏制"),
    ("全面推行清洁生产，依法在“双超双有高耗能”行业实施强制性清洁生产审核。", BINDING, "依法"),
    ("鼓励电商企业设立绿色产品销售专区。", ENCOURAGED, "鼓励"),
    ("推进城镇污水管网全覆盖。", ARRANGEMENT, "推进"),
    ("积极参与全国用能权、用水权市场交易。", ARRANGEMENT, ""),  # no cue word at all
    # negations
    ("倡导酒店、餐饮等服务单位不主动提供一次性用品。", ENCOURAGED, "倡导"),  # advocated self-restraint
    ("原则上不再新增大型燃煤火电项目。", BINDING, "不再"),
    ("对落后产能项目不予支持。", BINDING, "不予支持"),
    ("不鼓励新建小型燃煤锅炉。", BINDING, "不鼓励"),
    # two kinds of cue: precedence, then the earliest cue
    ("严格执行政府绿色产品优先采购和强制采购，引导国有企业开展绿色采购。", BINDING, "严格"),
    ("引导企业发展绿色产品贸易，从严控制高污染、高耗能产品出口。", BINDING, "从严"),  # 从严 and 严控 overlap
    ("加强工业生产过程中的危险废物管理，鼓励资源化综合利用危险废物。", ENCOURAGED, "鼓励"),
    ("推广合同能源管理，鼓励公共机构推行能源托管服务。", ENCOURAGED, "推广"),
    ("依法推进，到2025年，全市城镇绿色建筑占新建建筑比例达到70%。", TARGET, "达到 70%"),
    # 应 is no cue inside 应对 / 应用; 处罚 none inside 行政处罚
    ("积极应对气候变化，推广应用节能降耗新材料。", ENCOURAGED, "推广"),
    ("严厉打击虚标绿色产品行为，并将有关行政处罚等信息纳入国家企业信用信息公示系统。", BINDING, "严厉打击"),
])
def test_policy_wording(sentence: str, kind: ObligationType, cue: str) -> None:
    assert classify_obligation(sentence) == Obligation(kind, cue)


# Sentences of eval/corpus-dev: 重庆市安全生产条例, 重庆市森林防火条例, 城市市容和环境卫生管理条例, 重庆市城市园林绿化条例,
# 优化营商环境条例, 循环经济促进法, 上海市绿色建筑条例, 重庆市道路运输管理条例, 排污许可管理条例.
@pytest.mark.parametrize("sentence, kind, cue", [
    # duties
    ("生产经营单位应当按照法律、法规和国家标准、行业标准或者地方标准加强安全生产管理，承担安全生产主体责任。",
     BINDING, "应当"),
    ("在林区内野外操作机械设备，必须遵守防火安全规定，做好防火安全工作。", BINDING, "必须"),
    ("单位和个人在城市建筑物、设施上张挂、张贴宣传品等，须经城市人民政府市容环境卫生行政主管部门或者其他有关部门批准。",
     BINDING, "须"),
    # prohibitions, even where the sentence also binds or permits
    ("任何单位和个人不得毁损、砍伐和擅自移植古树名木和古树后备资源。", PROHIBITION, "不得"),
    ("第四十一条 禁止在公园绿地内设置户外商业广告。", PROHIBITION, "禁止"),
    ("对通过事中事后监管或者市场机制能够解决以及行政许可法和国务院规定不得设立行政许可的事项，一律不得设立行政许可，"
     "严禁以备案、登记、注册、目录、规划、年检、年报、监制、认定、认证、审定以及其他任何形式变相设定或者实施行政许可。",
     PROHIBITION, "不得"),
    ("报送的数据应当确保真实，不得有篡改、伪造或者其他弄虚作假行为。", PROHIBITION, "不得"),
    # permissions: 所有权人 holds no 有权, 可以依法 is no 依法 duty
    ("绿色公共建筑所有权人、使用权人可以委托物业服务人具体承担运行维护工作。", PERMISSION, "可以"),
    ("公民有权举报浪费资源、破坏环境的行为，有权了解政府发展循环经济的信息并提出意见和建议。", PERMISSION, "有权"),
    ("市场主体依法享有经营自主权。", PERMISSION, "依法享有"),
    ("当事人无正当理由不履行处理决定的，也不申请行政复议或者提起行政诉讼的，可以依法拍卖扣押机动车辆或者设施设备。",
     PERMISSION, "可以依法"),
    ("各地区可以在国家规定的政务服务事项办理时限内进一步压减时间，并应当向社会公开。", BINDING, "应当"),
    ("不允许网络预约出租汽车巡游揽客。", PROHIBITION, "不允许"),  # a negated permission forbids
    # encouragement
    ("鼓励道路运输经营者使用新能源汽车，促进节能减排。", ENCOURAGED, "鼓励"),
    # penalties, whatever else they say (可以处…罚款, 不得再次申请)
    ("违反本条例第四十二条规定，发生病虫害时，有关单位不按规定治理的，责令整改，并处二千元以上一万元以下罚款。",
     PENALTY, "责令"),
    ("违反本条例第二十一条，生产经营单位对设施设备的管理未达到安全管理要求的，责令限期改正，可以处五万元以下的罚款。",
     PENALTY, "责令"),
    ("第四十条 排污单位以欺骗、贿赂等不正当手段申请取得排污许可证的，由审批部门依法撤销其排污许可证，"
     "处20万元以上50万元以下的罚款，3年内不得再次申请排污许可证。", PENALTY, "罚款"),
    ("构成犯罪的，依法追究刑事责任。", PENALTY, "刑事责任"),
    # who enforces is no penalty itself
    ("本条例规定的生产安全事故的行政处罚，由安全生产监督管理部门决定；", ARRANGEMENT, ""),
    # a limit is a target even when it is a duty
    ("检查人员不得少于2人。", TARGET, "不得少于 2人"),
])
def test_law_wording(sentence: str, kind: ObligationType, cue: str) -> None:
    assert classify_obligation(sentence) == Obligation(kind, cue)


def test_a_word_that_is_no_cue_beats_a_cue_of_its_length() -> None:
    assert classify_obligation("选择适应当地气候的树种。") == Obligation(ARRANGEMENT, "")


def test_cue_table_covers_every_type_but_target_and_the_precedence_lists_them_all() -> None:
    assert set(obligation_cues()) == set(ObligationType) - {TARGET}
    assert set(OBLIGATION_PRECEDENCE) == set(ObligationType) == set(OBLIGATION_NAMES_ZH)
    assert OBLIGATION_PRECEDENCE[0] == TARGET and OBLIGATION_PRECEDENCE[-1] == ARRANGEMENT
    cues = [cue for words in obligation_cues().values() for cue in words]
    assert len(cues) == len(set(cues)) and not set(cues) & set(non_cues())
    assert {"应当", "必须", "须", "应"} <= set(obligation_cues()[BINDING])
    assert {"不得", "禁止", "严禁", "不准"} <= set(obligation_cues()[PROHIBITION])
    assert {"可以", "有权", "允许"} <= set(obligation_cues()[PERMISSION])
    assert len(set(OBLIGATION_NAMES_ZH.values())) == len(OBLIGATION_NAMES_ZH)
