"""Question analysis: what a question asks for, read from how Chinese questions about law and policy are asked."""

import pytest

from kb.answering.intent import analyse, asked_act, asked_conduct, definition_term, resolve_follow_up


@pytest.mark.parametrize("question, asked", [
    ("到2025年全市森林覆盖率要达到多少？", {"wants_number", "years"}),
    ("在城市道路上乱倒垃圾罚多少？", {"wants_number", "wants_money", "wants_penalty"}),
    ("违反规定擅自砍伐城市树木会受到什么处罚？", {"wants_penalty"}),
    ("不按规定记环境管理台账，怎么罚？", {"wants_penalty"}),
    ("辱骂环卫工人的，依照什么规定处理？", {"wants_penalty"}),
    ("乱倒建筑垃圾的，法律责任一章没有专门的罚则，那应当依据什么来处理？", {"wants_penalty", "wants_scope"}),
    ("节水器具至少要达到几级水效等级？", {"wants_number"}),  # a grade is a number
    ("驾驶员每天连续驾驶最多几个小时？", {"wants_number", "wants_duration"}),
    ("企业还在使用淘汰的设备，会受到什么处理？", {"wants_penalty"}),
    ("养殖场的粪便怎么处理才算达标？", set()),  # handling waste, not a breach
    ("森林防火期内能不能在林区野外吸烟？", {"wants_permission"}),
    ("是否允许在公共绿地内设置广告牌？", {"wants_permission"}),
    ("禁止在城市道路上晾晒衣物吗？", {"wants_permission"}),
    ("排污许可证的有效期是几年？", {"wants_number", "wants_time", "wants_duration", "asked_value"}),
    ("行政机关应当在多少个工作日内作出决定？", {"wants_number", "wants_duration"}),
    ("副总河长每年巡河几次？", {"wants_number", "wants_frequency"}),
    ("县政府多长时间要向本级人大或者人大常委会报告一次节能工作？", {"wants_number", "wants_frequency"}),  # however far 一次 stands
    ("执行报告是每个月交还是每个季度交？", {"wants_frequency"}),
    ("原始记录最少要保存几年？", {"wants_number", "wants_duration"}),
    ("国三柴油货车还能开多久？", {"wants_time"}),  # until when: a phase-out's deadline answers
    ("关于老旧小区改造的文件是哪个？", {"which_document"}),
    ("哪个文件规定了加装电梯补助？", {"which_document"}),
    ("这份实施意见是为贯彻落实哪个国家文件制定的？", set()),  # the document it implements: metadata
    ("这份文件是哪个机关印发的？", {"wants_responsible"}),  # its issuer: metadata
    ("车龄超过多少年不能再营运？", {"wants_number", "wants_duration"}),
    ("碳排放权交易管理暂行条例适用于哪些活动？", {"wants_list", "list_noun", "wants_scope"}),
    ("国家和重庆的要求有什么不同？", {"places", "compare"}),
    ("哪些法规规定了对举报人保密？", {"wants_list", "compare"}),  # which documents: each in its own words
    ("两地的补偿标准有什么差异？", {"compare"}),
    ("重点生态功能区搞差异化补偿，主要根据什么？", set()),  # 差异化 names a kind of policy, compares nothing
    ("土地出让环节的哪些文件也要明确绿色建筑要求？", {"wants_list"}),  # documents a provision names
    ("公交车的经营适用《重庆市道路运输管理条例》吗？", {"wants_scope", "places", "quoted_titles"}),
    # What a document governs, and what a body does.
    ("重庆的安全生产条例管不管消防安全？", {"wants_scope", "places"}),
    ("扑火时受了伤，政府管不管医疗和抚恤？", set()),
    ("《重庆市城市园林绿化条例》规定城市绿化规划由谁编制？", {"wants_responsible", "places", "quoted_titles"}),
    ("哪些部门负责节能监督管理？", {"wants_list", "wants_responsible"}),
    ("开展能耗调查的责任单位有哪些？", {"wants_list", "wants_responsible"}),  # a 方案's "责任单位：…"
    ("做出来的报告出了问题算谁的？", {"wants_responsible"}),  # who answers for it, in everyday words
    ("工作人员违法查封企业经营者的个人财产，按条例会怎样？", {"wants_penalty"}),  # what follows a breach
    # Which rules punish a breach other laws also punish.
    ("违反本条例的行为，法律已有处罚规定的，按哪个规定处罚？", {"wants_penalty", "wants_scope"}),
    # What someone must do is no question of who is responsible.
    ("企业的安全员要负责哪些事？", {"wants_list"}),
    # In a question ending in 吗, the 哪些 before its last clause says what is looked at: it asks yes or no.
    ("想看看他们换了哪些零件，修理厂能不让我看维修记录吗？", {"wants_permission"}),
    ("我们厂要办哪些手续，能不能先开工？", {"wants_list", "list_noun"}),
    ("开采回采率这些指标审查没通过，还能拿到采矿许可证吗？", {"wants_permission"}),  # nor the 指标 before it
    # Whether something can be found or had is no question of what is allowed.
    ("交易机构的收费标准我们能查得到吗？", set()),
    ("想把街边的树包下来负责照管，允许个人这么参与城市绿化吗？", {"wants_permission"}),
    ("我们是做快递的，要注意什么？", {"enterprise"}),
    ("安全生产费用要按营业收入的百分之几提取？", {"wants_number", "wants_share"}),
    ("绿色建筑占新建建筑的比例是多少？", {"wants_number", "wants_share", "asked_value"}),
    ("生产绿地至少要占城市建成区面积的多少？", {"wants_number", "wants_share"}),
    ("占用城市绿地面积达到多少要报市政府审批？", {"wants_number"}),  # 占用 occupies, it makes up no share
    ("行政执法机关应当落实哪几项制度？", {"wants_list"}),  # which ones, not how many
])
def test_what_is_asked(question, asked):
    intent = analyse(question)
    flags = {name for name, value in vars(intent).items()
             if value and name not in ("text", "resolved", "focus", "metadata_field", "definition_term")}
    assert flags == asked


@pytest.mark.parametrize("question, term", [
    ("本条例所称绿色建筑是指什么？", "绿色建筑"),
    ("什么是排污许可？", "排污许可"),
    ("清洁生产是什么意思", "清洁生产"),
    ("循环经济促进法里的“再利用”指的是什么？", "再利用"),
    ("森林防火期是什么时候？", ""),
    ("罚款多少？", ""),
    ("文件里有两个70%的目标，分别指什么？", ""),
    ("循环经济促进法所称的“再利用”具体包括哪几种情形？", "再利用"),
    ("条例所称的半专业扑救队伍，是指什么样的队伍？", "半专业扑救队伍"),  # a comma before 是指
])
def test_definition_term(question, term):
    assert definition_term(question) == term


@pytest.mark.parametrize("question, terms", [
    ("《循环经济促进法》里讲的“资源化”和“再利用”有什么区别？", ("资源化", "再利用")),
    ("减量化与再利用的区别是什么？", ("减量化", "再利用")),
    ("国家和重庆的要求有什么不同？", ()),  # documents compared, not terms
    ("资源化是什么意思？", ()),
])
def test_terms_asked_to_be_told_apart(question, terms):
    assert analyse(question).compared_terms == terms


@pytest.mark.parametrize("question, field", [
    ("这个文件的文号是什么？", "doc_number"),
    ("该意见由哪个机关印发？", "issuer"),
    ("重庆市森林防火条例是什么时候通过的？", "passage"),
    ("优化营商环境条例从什么时候开始施行？", "passage"),
    ("节约能源法修正过几次？", "passage"),
    ("优化营商环境条例是以第几号国务院令公布的？", "passage"),
    ("上海市绿色建筑条例是哪天、由哪个机关通过的？", "passage"),
    ("餐厨垃圾管理办法是哪个令公布的？", "passage"),
    ("这个办法的令号是多少？", "passage"),
    ("违法排污由哪个部门责令改正？", ""),  # 责令 is no decree
    ("文件的成文日期是哪天？", "date"),
    ("森林覆盖率什么时候达到57%？", ""),
    ("节约能源法由哪个部门制定？", "issuer"),
    ("《清洁生产促进法》于2002年通过，该法自哪一日起施行？", "passage"),
    ("这个办法由哪个部门制定？", "issuer"),
    ("《清洁生产促进法》是哪年通过并公布施行的？", "passage"),
    # 通过, 公布 with an object are a provision's acts, not the law's passage
    ("排污单位应当在什么时候通过信息平台公开排放信息？", ""),
    ("主管部门何时公布淘汰名录？", ""),
    ("分类补偿的具体办法由哪个部门制定？", ""),  # a 办法 the law leaves to a body: who, not the issuer
    # The ways a 通知 or 方案 is asked about.
    ("这个通知是谁发的？", "issuer"),
    ("这份方案由哪个部门印发？", "issuer"),
    ("供水方案是哪个单位发的？", "issuer"),
    ("应急预案的实施方案由哪个部门制定？", ""),  # a plan a provision has drawn up: who, not the issuer
    ("该通知是什么时候下发的？", "date"),
    ("停水通知由谁发布？", ""),  # a notice a provision requires, not the document
    ("通告是哪个部门发布的？", "issuer"),
    ("这个通告是谁发布的？", "issuer"),
    ("这个政策是哪个部门发布的？", "issuer"),
    ("停水通告由谁发布？", ""),
    ("这个通知发给谁？", "recipients"),
    ("江府办发〔2024〕17号是谁发的？", "issuer"),
    ("《江州市既有建筑节能改造三年行动方案》是谁印发的？", "issuer"),
    ("江府办发〔2024〕17号是什么时候下发的？", "date"),
    ("江府办发〔2024〕17号发给哪些单位？", "recipients"),
    ("补贴发给谁？", ""),  # a provision's payment, not the document's recipients
    ("停水通知发给谁？", ""),  # a notice a provision requires
    ("按规定，补助资金什么时候下发？", ""),  # funds are issued too
])
def test_metadata_fields(question, field):
    assert analyse(question).metadata_field == field


def test_follow_up_questions_carry_the_previous_question():
    assert resolve_follow_up("那2035年呢？", ["到2025年全市森林覆盖率要达到多少？"]) == (
        "到2035年全市森林覆盖率要达到多少？", "2035年")
    resolved, focus = resolve_follow_up("农膜呢？", ["哪些农业废弃物要回收利用？"])
    assert focus == "农膜" and "农业废弃物" in resolved
    assert resolve_follow_up("森林覆盖率要达到多少？", []) == ("森林覆盖率要达到多少？", "森林覆盖率要达到多少？")
    # "…又要怎么办" asks what follows for the matter just asked about, which it does not name again.
    resolved, _ = resolve_follow_up("施工完成后又要怎么办？", ["施工时可以占用屋顶绿化吗？"])
    assert "屋顶绿化" in resolved and "施工完成后" in resolved
    for own_matter in ("屋顶绿化被占用后要怎么恢复？", "超过办理时限又该怎么办？"):
        assert resolve_follow_up(own_matter, ["施工时可以占用屋顶绿化吗？"])[0] == own_matter


def test_details_an_answer_must_hold():
    intent = analyse("四川省2030年的森林覆盖率目标是多少？")
    assert intent.years == ("2030",) and intent.places == ("四川",)
    assert analyse("渝府发〔2021〕31号提出了哪些任务？").doc_numbers == ("渝府发〔2021〕31号",)
    assert analyse("要建设哪些绿色设施？").list_noun == "绿色设施"
    # … and the kind listed before what it may do ("下列区域" answers), not a party a provision describes
    assert analyse("哪些区域可以开展横向补偿？").list_noun == "区域"
    assert analyse("哪些生产企业必须负责回收？").list_noun == ""
    assert analyse("企业在哪些情形下必须实施审核？").list_noun == "情形"
    assert analyse("饭店要达到哪些具体标准才能被评上？").list_noun == "标准"
    # Where to go to get it done: an answer must name a place of business; an area asked for is no office.
    assert analyse("在哪里办理占道审批？").wants_office and analyse("材料去哪儿提交？").wants_office
    assert not analyse("限行区域在哪里？").wants_office and not analyse("鼓励在哪些领域开展合作？").wants_office
    assert analyse("办理时间是几点到几点？").wants_hours and not analyse("办理时间有什么规定？").wants_hours


@pytest.mark.parametrize("question, wants_time", [
    ("排污许可证的有效期是几年？", True),
    ("配额清缴有没有截止期限？", True),
    ("检测应当在什么时候完成？由谁负责？", True),
    # a period named in the scene is not asked for
    ("排污许可证还在有效期内，我们新增排放口，可以只办变更手续吗？", False),
    ("除了补偿范围和协议期限，协议里还要明确哪些内容？", False),
])
def test_a_time_is_asked_only_in_a_part_that_asks(question, wants_time):
    assert analyse(question).wants_time == wants_time


def test_whose_value_is_asked():
    assert analyse("节能产品认证证书的有效期是几年？").asked_value == ("节能产品认证证书", "有效期")
    assert analyse("客运班线的经营期限一般是几年？").asked_value == ("客运班线", "经营期限")
    # A place or an actor is not what has the value.
    assert analyse("重庆的森林防火期是什么时候？").asked_value == ()
    assert analyse("企业的应急预案演练多久要组织一次？").asked_value == ()
    # … nor is a document named by its 文号.
    assert analyse("渝经信发〔2025〕9号的奖励标准是多少？").asked_value == ()
    # A value is named by a noun: "…经营者在多长时间内" has none ("经营者在" is no value's name).
    assert analyse("该车辆所属的道路运输经营者在多长时间内不得新增客运线路？").asked_value == ()
    # Nothing is owned across a verb of the question, and "百分之几" asks a share, not a value's name.
    assert analyse("高危行业企业的安全生产费用要按营业收入的百分之几提取？").asked_value == ()


def test_which_of_several_is_not_a_number_and_a_validity_is_a_span():
    assert not analyse("森林防火期是每年哪几个时间段？").wants_number
    assert analyse("有几个示范区？").wants_number
    assert analyse("经营期限一般是几年？").wants_duration
    assert not analyse("哪几年的目标最高？").wants_duration and not analyse("第几年开始考核？").wants_duration
    assert analyse("围挡至少要做多高？").wants_number and analyse("隔离带要多宽？").wants_number
    # 指标 as the subject of the question asks no value; 频次 in a clause that sets the scene asks no frequency.
    assert not analyse("其用地指标应当在何时实现等量置换平衡？").wants_number
    assert not analyse("主管部门合理确定检查的频次和方式，应当依据哪些因素？").wants_frequency
    assert analyse("企业的应急预案演练，多久要组织一次？").wants_frequency
    # 好多/许多 say "many": 好多大楼 asks no size.
    assert not analyse("城里好多大楼晚上整夜亮灯，有没有规定管？").wants_number
    assert not analyse("许多高楼的外墙能不能做广告？").wants_number
    # 指标 asks for a value when it is the thing asked, not as a modifier or as everyday 硬指标 (a firm rule).
    assert analyse("发展生态循环农业有哪些到2025年的指标？").wants_number
    assert not analyse("没达到控制指标的企业名单由哪些部门公布？").wants_number
    assert not analyse("这栋楼在绿色建筑方面有什么硬指标吗？").wants_number
    month = analyse("森林防火宣传月是几月？")
    assert month.wants_time and not month.wants_number and not month.wants_duration


@pytest.mark.parametrize("question, noun", [
    ("条例鼓励哪些做法？", ""),  # a way of doing things: any measure the text lists answers
    ("个人可以通过哪些途径？", ""),
    ("排污许可证应当载明哪些信息？", "信息"),
    ("挑选龙头企业看哪些条件？", ""),  # any enumeration of qualities answers ("代表性强、行业影响力大…的龙头企业")
    ("技术研发主要依托哪些单位？", ""),  # … or of bodies ("龙头企业、高校、科研机构")
    ("绿色金融方面有哪些支持措施？", ""),  # a compound of such words
    ("上海对绿色建筑有哪些激励措施？", "激励措施"),  # … not a kind of measure
    ("补偿工作应当坚持哪些原则？", ""),  # a law states its principles as what it 坚持, seldom naming them 原则
    ("具体办法由哪些部门制定？", "部门"),  # a kind of body, then the task: not "部门制定"
])
def test_a_generic_noun_of_measures_asks_for_no_particular_kind(question, noun):
    assert analyse(question).list_noun == noun


def test_a_quoted_term_asked_what_it_includes_is_a_definition():
    assert analyse("条例中的“中心城区”包括哪些区？").definition_term == "中心城区"
    assert analyse("“两品一标”认证产品要达到多少个？").definition_term == ""


def test_a_term_named_after_another_documents_name_is_what_follows_suo_cheng():
    intent = analyse("循环经济促进法所称减量化是指什么？")
    assert intent.definition_term == "减量化" and not intent.wants_number  # 减量化 is no 量化 (quantified) target


@pytest.mark.parametrize("question, searched", [
    ("吃饭剩一大桌子菜，文件里有啥说法？", "吃饭剩一大桌子菜 ？"),
    ("月饼礼盒包得那么夸张，有没有规定？", "月饼礼盒包得那么夸张 ？"),
    ("一下大雨城里就淹，文件管这个吗？", "一下大雨城里就淹 ？"),
    ("有的商家把普通电器吹成节能产品，这样合规吗？", "有的商家把普通电器吹成节能产品， ？"),
])
def test_words_asking_whether_the_documents_regulate_a_matter_are_not_searched_for(question, searched):
    assert analyse(question).search_text.startswith(searched)


def test_a_question_that_only_asks_whether_something_is_regulated_is_searched_as_asked():
    assert analyse("这样合规吗？").search_text == "这样合规吗？"
    assert analyse("排污许可证的有效期是几年？").search_text == "排污许可证的有效期是几年？"


@pytest.mark.parametrize("question", [
    "我们住的楼才建了十几年，质量也没啥问题，政府能决定把它拆了吗？",  # an approximate numeral
    "我在绿化带里种了几棵葱，这样算违规吗？",  # 几 in a yes-no question: "a few"
    "国家是不是要改成用多少热交多少钱？",
    "秋天我们几个朋友想进山露营，车上得准备点啥？",  # 我们几个: some of us
])
def test_numerals_that_ask_nothing_make_no_number_question(question):
    intent = analyse(question)
    assert not (intent.wants_number or intent.wants_money or intent.wants_duration or intent.asked_value)


@pytest.mark.parametrize("question", ["会被罚款吗？罚多少？", "排污许可证的有效期是几年？", "检查人员至少要有几个人？"])
def test_a_number_asked_beside_a_yes_no_question_is_still_asked(question):
    assert analyse(question).wants_number


def test_a_long_value_phrase_names_more_of_its_owner():
    assert analyse("出租车的车辆经营权使用期限是几年？").asked_value == ("出租车的车辆经营权", "使用期限")
    assert analyse("城市道路的设计使用年限是多少年？").asked_value == ("城市道路", "设计使用年限")
    assert analyse("本市的新建民用建筑绿地率要达到多少？").asked_value == ()  # 要达到 asks a threshold


def test_the_act_a_permission_question_asks_about_follows_its_modal():
    assert asked_act("养护单位可以打剧毒农药吗？") == "打剧毒农药"
    assert asked_act("森林防火期里，可以到山上烧纸、放鞭炮吗？") == "到山上烧纸、放鞭炮"
    assert asked_act("村民能不能从中分到好处？") == "从中分到好处"
    assert asked_act("这是什么？") == "这是什么？"
    assert asked_act("节约能源法里，主管部门来检查，可以向企业收检查费吗？") == "向企业收检查费"  # the last modal asks
    assert asked_act("可以用可再生能源发电吗？") == "用可再生能源发电"  # 能 of 能源 is no modal
    assert asked_act("我们村能不能在屋顶装太阳能板发电？") == "在屋顶装太阳能板发电"  # nor of 太阳能
    assert asked_act("秸秆能不能烧？政府对秸秆怎么处理有啥说法？") == "烧"  # the act of the question that asks it
    assert asked_act("附属绿地平时由谁负责养护管理？") == "养护管理"
    assert asked_act("由哪个部门负责全国的节水工作？") == "全国的节水工作"
    assert asked_act("项目验收由谁负责？") == "项目验收"  # the task said before the body asked: 负责 only asks


def test_an_enterprise_asking_one_thing_is_not_asking_what_applies_to_it():
    assert analyse("我们是做快递的，要注意哪些规定？").enterprise
    assert not analyse("我们公司的办公楼刚装修完，能不能不检测直接搬进去？").enterprise
    assert not analyse("我们公司没有按时报送报告，会被罚多少？").enterprise
    # … nor one asking a value: a share or a number is one thing
    assert not analyse("我们是房地产开发企业，新建住宅安装太阳能的住户比例最低要达到多少？").enterprise
    assert not analyse("我们是快递企业，新能源车辆要占到百分之几？").enterprise


def test_being_found_out_asks_for_the_penalty_and_a_past_fine_asks_no_amount():
    found = analyse("我开家电店，卖不达标的空调，被市场监管部门查到会怎么处理？")
    assert found.wants_penalty and not found.enterprise
    assert not analyse("已经被罚过两次了，驾照会受什么影响？").wants_money
    assert analyse("会被罚多少？").wants_money and analyse("被罚款多少？").wants_money


def test_what_a_penalty_question_says_was_breached_is_its_conduct():
    # "违反…会…" asks for a penalty, and what is breached stays the conduct to look for.
    assert analyse("违反限行会罚多少钱？").wants_penalty
    assert "限行" in asked_conduct("违反限行会罚多少钱？")
    assert "禁烟规定" in asked_conduct("违反禁烟规定将如何处理？")
    assert "罚" not in asked_conduct("违反限行会罚多少钱？") and "钱" not in asked_conduct("违反限行会罚多少钱？")


def test_a_question_asking_again_under_a_new_condition_is_a_follow_up():
    """"如果是在主城以外经营，又要多少个？" asks the question before again, for another case: its words and that question's
    are what is asked; its own words (the case) are where the value stands."""
    earlier = "在主城区开出租车公司至少要有多少个车辆经营权？"
    for question in ("如果是在主城以外的区县经营，又要多少个？", "如果是拆除重建的项目，要求又是多少？"):
        resolved, focus = resolve_follow_up(question, [earlier])
        assert earlier in resolved and focus == question.rstrip("？")
    assert resolve_follow_up("拆除重建的项目绿地率是多少？", [earlier])[0] == "拆除重建的项目绿地率是多少？"


def test_the_year_of_a_document_number_is_no_year_asked_about():
    assert analyse("渝府办发〔2026〕20号里加装电梯补助多少钱？").years == ()
    assert analyse("渝府发〔2021〕31号提出到2025年森林覆盖率达到多少？").years == ("2025",)
