from kb.text.tokens import PolicyTokenizer, default_tokenizer, policy_terms, synonym_patterns, synonym_table


def test_policy_terms_stay_whole_and_yield_sub_terms():
    tokens = default_tokenizer().tokens("全市“两品一标”认证产品达到3000个，推进碳达峰碳中和，推广EOD模式")
    for term in ("两品一标", "碳达峰碳中和", "碳达峰", "碳中和", "eod模式"):
        assert term in tokens


def test_stopwords_punctuation_and_single_characters_are_dropped():
    tokens = default_tokenizer().tokens("文件里有哪些关于的要求？，。")
    assert tokens == []
    # Pointing words of a question ("这么参与", "这种做法") are in no document: they would only dilute its words.
    assert default_tokenizer().tokens("个人这么参与城市绿化，这种做法合规吗？") == ["个人", "参与", "城市", "绿化", "城市绿化", "做法", "合规"]
    # … nor are the words asking how (怎么办, 咋办): "超过办理时间又该怎么办" is about 超过办理时间.
    assert default_tokenizer().tokens("超过办理时间又该怎么办？") == ["超过", "办理", "时间"]


def test_colloquial_words_expand_to_document_terms():
    tok = default_tokenizer()
    expanded = tok.expand_query("秸秆能不能烧？")
    assert expanded.startswith("秸秆能不能烧？")
    assert "农作物秸秆" in expanded
    assert "共享经济" in tok.expand_query("共享单车有什么政策")
    assert tok.expand_query("森林覆盖率目标") == "森林覆盖率目标"
    # Everyday words of a passenger or a shop, in the words regulations use.
    assert "票据" in tok.expand_query("司机不给开票，我能不能不给钱？")
    assert "再生水" in tok.expand_query("洗车店能不能用中水？")
    assert "弄虚作假" in tok.expand_query("重点排放单位虚报碳排放数据会被怎么处罚？")  # the law says 虚假, 伪造
    assert "未取得" in tok.expand_query("不办排污许可证就排污会怎样？")  # the law says 未取得排污许可证
    assert "未取得" not in tok.expand_query("窗口不办业务时间怎么安排？")
    assert "扬尘" in tok.expand_query("工地灰尘满天飞有人管吗？")
    assert {"饲养", "畜禽"} <= set(tok.expand_query("剩饭剩菜能不能拿去喂猪？").split()[1:])
    assert {"燃放", "烟花爆竹", "除夕"} <= set(tok.expand_query("过年能不能放鞭炮？").split()[1:])
    assert "污水管道" in tok.expand_query("饭店把泔水倒进下水道怎么罚？")
    assert "内涝" in tok.expand_query("一下大雨城里就被淹怎么办？")
    assert "职权范围" in tok.expand_query("窗口的人说这事不归他们审批")  # 不属于本部门职权范围
    assert {"焚烧", "填埋"} <= set(tok.expand_query("生活垃圾是烧掉还是埋掉？").split()[1:])
    assert {"损坏", "环境卫生"} <= set(tok.expand_query("把环卫设施弄坏了要担什么责任？").split()[1:])
    assert "非营运" in tok.expand_query("私家车喷成出租车的颜色会怎样？")
    assert {"允许", "巡游揽客"} <= set(tok.expand_query("平台放任司机扫街揽客会怎样？").split()[1:])
    assert {"生产者", "销售者", "能源效率", "标识"} <= set(tok.expand_query("能效标签厂家没贴，商店还能卖吗？").split()[1:])
    assert {"建设单位", "交付"} <= set(tok.expand_query("开发商交房时要给什么资料？").split()[1:])
    assert {"水资源短缺", "耗水", "节水灌溉"} <= set(tok.expand_query("缺水的地方还能种费水的草、大水漫灌吗？").split()[1:])
    # A reader of any regulation: a street, a building site, a lorry, a landlord.
    assert {"摊点", "占用", "道路"} <= set(tok.expand_query("在路口摆摊占道会被罚钱吗？").split()[1:])
    assert {"非法营运", "出租人"} <= set(tok.expand_query("房东开黑车拉人怎么处理？").split()[1:])
    assert {"施工现场", "恶臭"} <= set(tok.expand_query("工地上一股臭味有人管吗？").split()[1:])
    assert "从业人员" in tok.expand_query("我在车间上班，机器不对劲怎么办？")
    # Street work left behind and taken away; a business that moves; drip irrigation; paint as a dangerous good.
    assert {"枝叶", "渣土", "清除"} <= set(tok.expand_query("剪下来的枝条和泥土该谁清走？").split()[1:])
    assert {"迁移", "重复办理"} <= set(tok.expand_query("公司搬家了，许可证要重新办吗？").split()[1:])
    assert "节水灌溉" in tok.expand_query("自己装了滴灌有补贴吗？")
    assert "危险物品" in tok.expand_query("仓库里堆着油漆要挂什么牌子？")
    # Handing a job over (交给…去做) and asking someone to pay for a loss (找对方赔).
    assert "委托" in tok.expand_query("设备的维护能不能交给物业去做？")
    assert "委托" not in tok.expand_query("材料交给窗口了")
    assert "赔偿" in tok.expand_query("亏了钱能找对方赔吗？")
    assert "拆除" in tok.expand_query("政府能随便把楼拆了吗？")
    # Made-up stories, mines, boats, donations, government buying, out-of-town firms kept out.
    assert "捏造" in tok.expand_query("自媒体瞎编我们店的坏话，管不管？")
    assert "矿产资源" in tok.expand_query("山里有人开矿挖石头，有没有讲究？")
    assert "渔业船舶" in tok.expand_query("老渔船烧油，鼓不鼓励换新的？")
    assert "捐助" in tok.expand_query("想给护林队捐点灭火工具")
    assert "采购" in tok.expand_query("政府机关买办公用的东西有没有规定？")
    assert "不合理条件" in tok.expand_query("招标时设门槛只让本地企业参加，允许吗？")
    assert "玩忽职守" in tok.expand_query("环保部门的人收了好处、该查的不查，会不会被追究？")
    # A citizen asking a service guide: how long until it is done, where to go.
    assert "办结时限" in tok.expand_query("占道审批多长时间能办好？")
    assert "办理地点" in tok.expand_query("在哪里办理占道审批？")
    assert "办理地点" not in tok.expand_query("在哪些领域开展合作？")
    assert "用于" in tok.expand_query("专项资金不能用来干什么？")  # the documents' 不得用于
    # 钱 asked as an amount names the kind of answer, not public money; 钱 as the matter still does.
    assert "资金" not in tok.expand_query("违反限行会罚多少钱？")
    assert "资金" not in tok.expand_query("违章停车罚几块钱？")
    assert "财政资金" in tok.expand_query("补贴的钱从哪里出？")


def test_a_pattern_row_expands_every_way_of_saying_it():
    tok = default_tokenizer()
    for question in ("主管部门可以向企业收检查费吗？", "评估机构找我们收评估费，该我们出吗？"):
        assert tok.expand_query(question).endswith("收取费用 收费")
    assert tok.expand_query("收费标准是多少") == "收费标准是多少"  # the document's own word needs nothing
    for question in ("用水越多单价越高是规定的吗？", "电是不是越用越贵？", "垃圾扔得越多收费越高吗？"):
        assert tok.expand_query(question).endswith("阶梯 累进加价"), question
    assert "阶梯" not in tok.expand_query("越来越多的企业参与")
    for question in ("发现安全隐患我应该跟谁说？", "这事该找谁反映？", "出了事故要向谁汇报？"):
        assert tok.expand_query(question).endswith("报告 举报"), question
    assert "报告" not in tok.expand_query("谁负责审批？")
    for question in ("安全员要负责哪些事？", "河长平时管些什么？"):
        assert tok.expand_query(question).split()[-1] == "职责", question
    assert "职责" not in tok.expand_query("由哪个部门负责？")
    assert "安全生产管理人员" in tok.expand_query("安全员要负责哪些事？")


def test_resources_are_well_formed():
    terms = policy_terms()
    assert len(terms) == len(set(terms)) > 100
    table = synonym_table()
    assert all(formal for formal in table.values())
    assert synonym_patterns() and all(formal for _, formal in synonym_patterns())
    assert not any(word.startswith("re:") for word in table)


def test_extra_terms_are_honoured():
    tok = PolicyTokenizer(extra_terms=["绿色小镇示范"])
    assert "绿色小镇示范" in tok.tokens("建设绿色小镇示范区")


def test_everyday_ways_of_saying_a_permit_was_not_obtained_or_was_passed_on():
    """没拿到/没办 a permit is the law's 未取得; 转给 someone is its 转让 (…转让排污许可证的，…处…罚款)."""
    tok = default_tokenizer()
    for question in ("没拿到许可证就开工了会怎样？", "证还没办下来就营业，罚不罚？", "没有取得许可就排污"):
        assert "未取得" in tok.expand_query(question).split()[1:], question
    assert "取得" in tok.expand_query("拿到许可证以后多久要公开？").split()[1:]
    for question in ("把许可证转给别的企业用会怎样？", "执照能转卖给别人吗？"):
        assert "转让" in tok.expand_query(question).split()[1:], question
    assert "转让" not in tok.expand_query("把材料交给窗口")


def test_everyday_names_of_green_space_stalls_meters_scrap_and_credit_records():
    """A lawn is 绿地 to a regulation, a stall a 摊点, a water meter a 用水计量设施, offcuts 废物, a credit file 信用记录."""
    tok = default_tokenizer()
    assert "绿地" in tok.expand_query("公园草坪上能摆摊吗？").split()[1:]
    assert "摊点" in tok.expand_query("门口摆个小摊会被罚吗？").split()[1:]
    assert "用水计量设施" in tok.expand_query("把水表拆下来会怎样？").split()[1:]
    assert "废物" in tok.expand_query("每天剩下的边角料和废渣怎么处理？").split()[1:]
    assert "信用记录" in tok.expand_query("罚款会记进信用档案吗？").split()[1:]


def test_a_taxi_driver_turning_a_passenger_away_is_a_refusal_to_carry():
    """说不去 / 不拉客 / 挑客 with the 空车灯 on is the regulation's 开启空车标志时拒载."""
    tok = default_tokenizer()
    for question in ("亮着空车灯，司机问了我去哪儿就说不去，会怎么罚？", "出租车不拉客怎么办？", "司机挑客能投诉吗？"):
        assert "拒载" in tok.expand_query(question).split()[1:], question
    assert "空车标志" in tok.expand_query("亮着空车灯不停车")
    assert "拒载" not in tok.expand_query("下午我不去了")


def test_everyday_ways_of_saying_a_shared_ride_a_tiered_price_a_levy_and_a_whistle_blowers_secret():
    """又让一个陌生人上车一起坐 is 搭乘其他乘客; 超出去的那部分贵 is 累进加价; 出钱出人 is 摊派; 名字透露出去 asks for
    the 为举报人保密 a law promises."""
    tok = default_tokenizer()
    assert "搭乘其他乘客" in tok.expand_query("司机半路又让一个陌生人上车一起坐，可以吗？").split()[1:]
    assert "累进加价" in tok.expand_query("超出去的那部分水价为什么贵？").split()[1:]
    assert "摊派" in tok.expand_query("社区让每家商户都出钱出人搞活动").split()[1:]
    assert "为举报人保密" in tok.expand_query("去举报会不会把我的名字透露出去？").split()[1:]
    assert "搭乘其他乘客" not in tok.expand_query("让乘客上车")


def test_a_stove_and_firewood_in_the_words_of_an_energy_law():
    """土灶烧柴火 is the 通过低效率炉灶直接燃烧…薪柴 an energy law leaves out of its scope."""
    assert {"炉灶", "薪柴"} <= set(default_tokenizer().expand_query("农村用土灶烧柴火归不归这部法律管？").split()[1:])



def test_verbs_are_the_words_tagged_as_verbs_single_characters_included():
    tokenizer = default_tokenizer()
    assert tokenizer.verbs("可以卖孔明灯吗") == ["卖"]
    assert "做" in tokenizer.verbs("在家里做孔明灯")
    assert "孔明灯" not in tokenizer.verbs("禁止燃放孔明灯") and "燃放" in tokenizer.verbs("禁止燃放孔明灯")


def test_the_short_names_of_residents_and_owners_bodies_are_their_full_names():
    """居委会, 村委会, 业委会 are how people say 居民委员会, 村民委员会, 业主委员会, which the texts write."""
    tok = default_tokenizer()
    for short, full in (("居委会", "居民委员会"), ("村委会", "村民委员会"), ("业委会", "业主委员会")):
        assert full in tok.expand_query(f"{short}要做什么？").split()[1:], short


def test_a_word_jieba_does_not_know_is_kept_as_its_character_pairs():
    """限行 and 用能 are no words of jieba's dictionary: split into single characters, they were dropped, and a question
    asking about them shared no word with the provision."""
    tok = default_tokenizer()
    assert "限行" in tok.tokens("在限行时间内驾驶限行机动车") and "限行" in tok.tokens("尾号限行")
    assert "用能" in tok.tokens("重点用能单位")
    assert tok.tokens("尾号限行措施") == ["尾号", "限行", "措施"]  # in its place: the last word of a noun is its head
    assert tok.is_unknown_pair("限行") and not tok.is_unknown_pair("机动") and not tok.is_unknown_pair("pm")
    # Particles, pronouns, numerals and the like are words of their own, never part of an unknown one.
    assert tok.tokens("由谁负责？") == ["负责"]
    assert tok.tokens("报市人民政府批准") == tok.tokens("报人民政府批准")


def test_a_documents_unknown_word_is_found_where_jieba_joined_it_to_the_next_word():
    """jieba reads "违反限行会罚" as 违反 + 限 + 行会 + 罚: 限行, a word the documents use, is found where jieba left its
    first character alone."""
    tok = default_tokenizer()
    assert "限行" in tok.query_tokens("违反限行会罚多少钱？", {"限行", "违反"})
    assert "限行" not in tok.query_tokens("违反限行会罚多少钱？", {"违反"})  # only words the documents use
    # A pair across two words jieba knows is none: 金管 of 资金管理.
    assert tok.query_tokens("资金管理", {"金管"}) == tok.tokens("资金管理")
