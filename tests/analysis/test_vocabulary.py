"""The industry and body vocabulary: users' own words and the sectors of the laws and regulations in eval/corpus-dev."""

from __future__ import annotations

import pytest

from kb.analysis.vocabulary import TermKind, match_bodies, match_industries, named_entities, parse_vocabulary, \
    resolve_industry, vocabulary, vocabulary_names
from kb.errors import KbError


@pytest.mark.parametrize("text, expected", [
    ("我们是做快递包装的", ["快递"]),
    ("我开了一家饭店", ["餐饮"]),
    ("汽车维修店", ["汽修"]),  # the longer term wins: not 汽车
    ("我们是汽车零部件厂", ["汽车"]),
    ("我在银行工作", ["金融机构"]),
    ("家里种地也养猪", ["种植", "养殖"]),
    ("开了个4s店", ["汽车"]),
    ("我们开矿", ["采矿"]),
    ("我们是开出租车的", ["出租汽车"]),
    ("开驾校", ["驾驶员培训"]),
    ("我们做危化品运输", ["化工"]),
    ("自来水厂", ["水务"]),
    ("我们是建筑公司", ["建筑"]),
    ("我们是写代码的", []),
])
def test_free_text_maps_to_canonical_industries(text: str, expected: list[str]) -> None:
    assert match_industries(text) == expected


# Sentences of eval/corpus-dev and the industries they name.
@pytest.mark.parametrize("sentence, expected", [
    ("安全生产监督管理部门按照职责分工对非煤矿山、危险化学品、烟花爆竹等实施安全生产监督管理时，应当履行前款规定的有关职责。",
     ["安全生产", "采矿", "化工"]),
    ("矿山企业在开采主要矿种的同时，应当对具有工业价值的共生和伴生矿实行综合开采、合理利用；", ["采矿"]),
    ("第七十九条 违反本条例规定，机动车维修经营者承修无号牌机动车、擅自更换托修机动车上完好部件的，责令改正。", ["汽修"]),
    ("第四十一条 机动车驾驶员培训机构应当按照规定范围开展培训业务。", ["驾驶员培训"]),
    ("（六）网络预约出租汽车平台公司应当公示驾驶员从业服务注册信息；", ["出租汽车"]),
    ("客运班车不得在规定的站点外上客、揽客。", ["道路运输"]),
    ("建设单位不得明示或者暗示建设工程设计、施工、监理单位违反绿色建筑要求进行设计、施工、监理。", ["建筑"]),
    ("电网企业应当加强电网建设，扩大可再生能源电力配置范围。", ["电力", "可再生能源"]),
    ("第四十八条 高耗水工业企业用水水平超过用水定额，未在规定的期限内进行节水改造的，由县级以上地方人民政府水行政主管部门"
     "或者流域管理机构责令改正。", ["水务"]),
    ("城市园林绿化主管部门应当对古树名木和古树后备资源进行普查、鉴定、定级、登记、编号、建立档案。", ["园林绿化"]),
    ("物业服务企业应当在自身经营范围内对其服务区域的服务对象进行安全提示。", ["物业"]),
    ("第二十三条 餐饮、娱乐、宾馆等服务性企业，应当采用节能、节水和其他有利于环境保护的技术和设备。", ["餐饮", "酒店", "水务"]),
    ("排污单位应当按照排污许可证规定，如实在全国排污许可证管理信息平台上公开污染物排放信息。", ["排污单位"]),
    ("第十四条 重点排放单位应当根据省级人民政府生态环境主管部门对年度排放报告的核查结果，按时足额清缴碳排放配额。", ["碳排放"]),
    ("森林、林木、林地经营单位和个人，应当在其经营范围内承担森林防火责任。", ["林业"]),
    ("第十七条 除法律、法规另有规定外，市场主体有权自主决定加入或者退出行业协会商会等社会组织。", ["营商环境"]),
    # words that contain a term but do not name its sector
    ("社会保险机构应当健全、完善工伤预防费用保障机制，强化工伤预防工作。", []),  # no 保险机构, no 化工
    ("第五十五条 违反本法规定，电网企业拒不收购企业利用余热、余压生产的电力的，由国家电力监管机构责令限期改正；", ["电力"]),
    ("（四）出租、出让、抵押公园绿地、防护绿地、广场用地和道路附属绿地的；", ["园林绿化"]),  # no 出租汽车
    ("由设区的市级以上地方人民政府组织对一定区域内压覆重要矿产资源、地质灾害危险性等事项进行统一评估", []),
    ("推进政务服务事项标准化工作流程和办事指南。", ["营商环境"]),
    ("（四）同一生产经营场所内有多个生产经营单位的，应当设置安全出口。", ["安全生产"]),  # no 出口 trade
])
def test_sectors_of_the_development_corpus(sentence: str, expected: list[str]) -> None:
    assert match_industries(sentence) == expected


def test_a_term_under_two_names_names_both() -> None:
    assert set(match_industries("农产品加工")) == {"种植", "养殖"}
    assert set(match_industries("道路货运")) >= {"道路运输"} and set(match_industries("货运车辆")) == {"物流", "道路运输"}


def test_bodies_are_kept_apart_from_industries() -> None:
    text = "市级有关部门、各区县政府要加强协同配合，引导国有企业开展绿色采购。"
    assert match_bodies(text) == ["市级有关部门", "区县政府"]
    assert match_industries(text) == ["国有企业"]


def test_vocabulary_matching_is_longest_first_without_overlap() -> None:
    terms = parse_vocabulary([["甲", "AB"], ["乙", "ABC"], ["丙", "CD"], ["丁", "部门", TermKind.BODY]])
    assert [t.name for t in named_entities("xABCDx", terms)] == ["乙"]  # CD overlaps ABC, AB lies inside it
    assert [(t.name, t.kind) for t in named_entities("ab 部门", terms)] == [("甲", TermKind.INDUSTRY),
                                                                          ("丁", TermKind.BODY)]


def test_words_that_name_nothing_take_their_words_away() -> None:
    terms = parse_vocabulary([["甲", "BC"], ["非", "ABC XB", TermKind.NONE]])
    assert named_entities("ABC", terms) == []
    assert named_entities("XBC", terms) == []  # of one length, the word that names nothing wins
    assert [t.name for t in named_entities("BC", terms)] == ["甲"]


def test_vocabulary_rejects_an_unknown_kind() -> None:
    with pytest.raises(KbError, match="kind"):
        parse_vocabulary([["甲", "AB", "company"]])


def test_shipped_vocabulary_is_well_formed() -> None:
    names = vocabulary_names()
    assert len(names) == len(set(names))
    asked_for = set("汽车 电子电器 数据中心 餐饮 酒店 快递 港口 电商 汽修 装修 会展 物流 养殖 种植 建筑 金融机构 国有企业 "
                    "公共机构 园区 采矿 道路运输 出租汽车 驾驶员培训 电力 可再生能源 能源行业 化工 水务 园林绿化 排污单位 碳排放 "
                    "林业 安全生产 营商环境".split())
    assert asked_for <= set(vocabulary_names(TermKind.INDUSTRY))
    assert {"领导小组", "区县政府", "市级有关部门", "人民银行"} <= set(vocabulary_names(TermKind.BODY))
    assert not set(vocabulary_names(TermKind.NONE)) & set(names)
    assert all(len(t.term) >= 2 for t in vocabulary())


def test_an_industry_query_may_be_part_of_a_name() -> None:
    assert resolve_industry("采矿") == ["采矿"]
    assert resolve_industry("能源") == ["可再生能源", "能源行业"]  # too general to be a term of its own


def test_unknown_industry_is_a_user_error() -> None:
    with pytest.raises(KbError, match="known industries"):
        resolve_industry("写代码")
