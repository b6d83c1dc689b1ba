"""Government bodies and officials read by the grammar of Chinese administration, and duty holders."""

import pytest

from kb.text.bodies import find_bodies, find_duty_holders, find_parties, is_responsibility_note, names_body


@pytest.mark.parametrize("text, bodies", [
    ("市城市园林绿化主管部门负责全市城市园林绿化管理工作。", ["市城市园林绿化主管部门"]),
    ("县级以上人民政府林业主管部门负责本行政区域内森林防火的监督和管理工作", ["县级以上人民政府林业主管部门"]),
    ("由市发展改革委牵头，市财政局、市生态环境局配合", ["市发展改革委", "市财政局", "市生态环境局"]),
    ("市河长办公室负责组织协调", ["市河长办公室"]),
    ("副总河长每年巡河不少于两次", ["副总河长"]),
    ("国务院生态环境主管部门负责碳排放权交易", ["国务院生态环境主管部门"]),
    ("市城市园林绿化主管部门应当会同市规划自然资源部门编制", ["市城市园林绿化主管部门", "市规划自然资源部门"]),
    ("乡镇人民政府、街道办事处依据职责做好", ["乡镇人民政府", "街道办事处"]),
    ("各区县（自治县）政府要加强领导", ["区县（自治县）政府"]),
    # A name runs on past a noun inside it; a responsibility note's parenthesis is no part of its first name.
    ("责任单位：市住房城乡建设委、市机关事务局，各区县人民政府。", ["市住房城乡建设委", "市机关事务局", "区县人民政府"]),
    ("市人民政府办公厅负责督查", ["市人民政府办公厅"]),
    ("（市测试局牵头，市财政局配合）", ["市测试局", "市财政局"]),
    # The highest organs and the courts have no body noun.
    ("具体办法由国务院规定。", ["国务院"]),
    ("报国务院批准后公布", ["国务院"]),
    ("国务院和省级人民政府设立专项资金", ["国务院", "省级人民政府"]),
    ("可以自接到处罚通知之日起15日内直接向人民法院起诉", ["人民法院"]),
])
def test_bodies_by_their_grammar(text, bodies):
    assert find_bodies(text) == bodies and names_body(text)


@pytest.mark.parametrize("text", ["加快形成绿色发展格局", "制定实施办法", "委托第三方开展评估", "负责该项工作的", "推进绿色低碳发展",
                                  "推行当场办结、限时办结等制度", "文件没有规定办结注销手续的期限"])
def test_words_that_only_end_like_a_body(text):
    assert find_bodies(text) == [] and not names_body(text)


def test_duty_holders():
    assert find_duty_holders("生产经营单位应当建立安全生产责任制，经营者不得") == ["生产经营单位", "经营者"]


@pytest.mark.parametrize("text, parties", [
    ("设计单位、施工单位、监理单位违反建筑节能标准的，由建设主管部门责令改正", ["设计单位", "施工单位", "监理单位"]),
    ("生产经营单位的主要负责人未履行安全生产管理职责的", ["生产经营单位"]),
    ("《碳排放权交易管理暂行条例》对重点排放单位在年度排放报告里篡改数据", ["重点排放单位"]),
    ("技术服务机构出具的年度排放报告存在重大缺陷", ["技术服务机构"]),
    ("网约车平台放任司机在街上揽客", ["网约车平台"]),
    ("我们企业要做哪些事？本单位负责人应当", []),
    ("可以要求有关单位和个人就相关事项作出说明；任何单位不得拒绝", []),
    ("由市城市园林绿化主管部门审查，报市人民政府审批", []),
])
def test_parties_by_their_kind_noun_not_bodies_or_whoever_asks(text, parties):
    assert find_parties(text) == parties


@pytest.mark.parametrize("text, note", [
    ("责任单位：市住房城乡建设委、市机关事务局，各区县人民政府。", True),
    ("（责任单位：各区县人民政府）", True),
    ("（牵头单位：市水利局；", True),  # a note split at its "；"
    ("配合单位：市发展改革委、市财政局）", True),
    ("（省水利厅牵头，省发展改革委、省财政厅配合）", True),
    ("（国家发展改革委等按职责分工负责）", True),
    ("城市园林绿化工作由市园林部门负责，区县园林部门配合。", False),  # a sentence of the text
    ("市发展改革委负责全市节能监督管理工作。", False),
])
def test_a_plan_s_note_of_who_does_a_task(text, note):
    assert is_responsibility_note(text) is note
