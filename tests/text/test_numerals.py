import pytest

from kb.text.numerals import (
    Quantity,
    QuantityKind,
    chinese_number,
    find_quantities,
    format_value,
    has_quantity,
)

K = QuantityKind


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一百零五", 105),
        ("二十", 20),
        ("十", 10),
        ("十五", 15),
        ("两", 2),
        ("零", 0),
        ("一万五千", 15000),
        ("一万零五百", 10500),
        ("一千零一十", 1010),
        ("一万五", 15000),
        ("三点五", 3.5),
        ("三点一四", 3.14),
        ("二〇二五", 2025),
        ("二零二五", 2025),
        ("1.5万", 15000),
        ("2.3万", 23000),
        ("1,200", 1200),
        ("２０", 20),
        ("三千五百万", 35_000_000),
        ("一百二十万", 1_200_000),
        ("一亿五千万", 150_000_000),
        ("十亿", 1_000_000_000),
        ("半", 0.5),
    ],
)
def test_chinese_number_reads_a_numeral(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize("text", ["", "一律", "十四五", "三四", "十十", "百分之", "元", "1.5元", "一" * 21])
def test_chinese_number_is_none_for_what_is_not_one_numeral(text):
    assert chinese_number(text) is None


# text, kind, value, low, high, unit, bound: each text is one whole quantity.
SINGLE = [
    ("五十元", K.MONEY, 50, 50, 50, "元", None),
    ("一百万元", K.MONEY, 1_000_000, 1_000_000, 1_000_000, "元", None),
    ("二千元", K.MONEY, 2000, 2000, 2000, "元", None),
    ("1.5万元", K.MONEY, 15000, 15000, 15000, "元", None),
    ("2万元", K.MONEY, 20000, 20000, 20000, "元", None),
    ("一万元以上五万元以下", K.MONEY, None, 10000, 50000, "元", "以上…以下"),
    ("五千元以上三万元以下", K.MONEY, None, 5000, 30000, "元", "以上…以下"),
    ("一千元以上一万元以下", K.MONEY, None, 1000, 10000, "元", "以上…以下"),
    ("5000元至1万元", K.MONEY, None, 5000, 10000, "元", "至"),
    ("一至三万元", K.MONEY, None, 10000, 30000, "元", "至"),
    ("百分之六十", K.PERCENT, 60, 60, 60, "%", None),
    ("百分之三点五", K.PERCENT, 3.5, 3.5, 3.5, "%", None),
    ("35%", K.PERCENT, 35, 35, 35, "%", None),
    ("３５％", K.PERCENT, 35, 35, 35, "%", None),
    ("10%-20%", K.PERCENT, None, 10, 20, "%", "至"),
    ("三成", K.PERCENT, 30, 30, 30, "%", None),
    ("五个百分点", K.PERCENT, 5, 5, 5, "百分点", None),
    ("万分之五", K.RATIO, 5, 5, 5, "‱", None),
    ("百分之一", K.PERCENT, 1, 1, 1, "%", None),  # 之一 is otherwise a word (其中之一)
    ("五分之一", K.PERCENT, 20, 20, 20, "%", None),
    ("十分之三", K.PERCENT, 30, 30, 30, "%", None),
    ("三分之二以上", K.PERCENT, 66.67, 66.67, None, "%", "以上"),
    ("千分之三", K.RATIO, 3, 3, 3, "‰", None),
    ("三十日", K.DURATION, 30, 30, 30, "日", None),
    ("十五个工作日", K.DURATION, 15, 15, 15, "工作日", None),
    ("三个月", K.DURATION, 3, 3, 3, "月", None),
    ("半年", K.DURATION, 0.5, 0.5, 0.5, "年", None),
    ("一年半", K.DURATION, 1.5, 1.5, 1.5, "年", None),
    ("两个半月", K.DURATION, 2.5, 2.5, 2.5, "月", None),
    ("一至三年", K.DURATION, None, 1, 3, "年", "至"),
    ("十日内", K.DURATION, 10, None, 10, "日", "内"),
    ("六十日以内", K.DURATION, 60, None, 60, "日", "以内"),
    ("不少于三十日", K.DURATION, 30, 30, None, "日", "不少于"),
    ("不超过五年", K.DURATION, 5, None, 5, "年", "不超过"),
    ("不得超过三十日", K.DURATION, 30, None, 30, "日", "不得超过"),
    ("超过一百八十日", K.DURATION, 180, 180, None, "日", "超过"),
    ("三年以上五年以下", K.DURATION, None, 3, 5, "年", "以上…以下"),
    ("六个月及以上", K.DURATION, 6, 6, None, "月", "及以上"),
    ("五十年以上不满一百年", K.DURATION, None, 50, 100, "年", "以上…不满"),
    ("两次", K.FREQUENCY, 2, 2, 2, "次", None),
    ("五倍以上十倍以下", K.MULTIPLE, None, 5, 10, "倍", "以上…以下"),
    ("一倍以下", K.MULTIPLE, 1, None, 1, "倍", "以下"),
    ("一点五倍以上", K.MULTIPLE, 1.5, 1.5, None, "倍", "以上"),
    ("三倍至十倍", K.MULTIPLE, None, 3, 10, "倍", "至"),
    ("3000个", K.COUNT, 3000, 3000, 3000, "个", None),
    ("三十余家", K.COUNT, 30, 30, None, "家", "余"),
    ("五十人左右", K.COUNT, 50, 50, 50, "人", "左右"),
    ("一百二十万千瓦", K.MEASURE, 1_200_000, 1_200_000, 1_200_000, "千瓦", None),
    ("150 万千瓦以上", K.MEASURE, 1_500_000, 1_500_000, None, "千瓦", "以上"),
    ("不满一万吨标准煤", K.MEASURE, 10000, None, 10000, "吨标准煤", "不满"),
    ("25微克/立方米", K.MEASURE, 25, 25, 25, "微克/立方米", None),  # a concentration, not 25 and 立方米
    ("二〇二五年", K.YEAR, 2025, 2025, 2025, "年", None),
    ("2025 年", K.YEAR, 2025, 2025, 2025, "年", None),
    ("2021—2025年", K.YEAR, None, 2021, 2025, "年", "至"),
    ("35", K.PLAIN, 35, 35, 35, None, None),
]


@pytest.mark.parametrize(("text", "kind", "value", "low", "high", "unit", "bound"), SINGLE)
def test_one_quantity_is_read_whole(text, kind, value, low, high, unit, bound):
    assert find_quantities(text) == [
        Quantity(text=text, start=0, end=len(text), kind=kind, value=value, unit=unit, low=low, high=high,
                 bound=bound)
    ]


def test_a_frequency_keeps_its_period():
    [q] = find_quantities("每年至少两次")
    assert (q.kind, q.low, q.high, q.bound, q.period, q.text) == (K.FREQUENCY, 2, None, "至少", "每年", "每年至少两次")


@pytest.mark.parametrize(
    "text",
    [
        "第十一条", "第二款", "第（三）项", "第一章", "（一）", "一、", "第66次", "（1）", "1、", "1．推进",
        "一律", "统一", "一般", "一定", "唯一", "一体化", "十分", "万一", "一些", "之一", "其中之一", "一致", "一起",
        "三同时", "“十四五”", "十四五规划", "老百姓", "千家万户", "上半年", "上一年度", "同一项目",
        "一次性告知", "第十六次会议", "渝府发〔2021〕31号", "GB3095", "每年三月为全市森林防火宣传月",
        "每年1月1日至5月10日、7月10日至10月10日为全市森林防火期",
    ],
)
def test_ordinals_labels_words_and_dates_are_not_quantities(text):
    assert find_quantities(text) == []


def test_a_date_gives_its_year_only():
    for text in ("2021年10月11日", "2021 年 10 月 11 日", "二〇二一年十月十一日"):
        [q] = find_quantities(text)
        assert (q.kind, q.value, q.end) == (K.YEAR, 2021, text.index("年") + 1)


def test_two_fines_in_one_sentence_come_in_order():
    text = "处五千元以上三万元以下的罚款；情节严重的，处三万元以上十万元以下的罚款"
    assert [(q.kind, q.low, q.high, q.text) for q in find_quantities(text)] == [
        (K.MONEY, 5000, 30000, "五千元以上三万元以下"),
        (K.MONEY, 30000, 100000, "三万元以上十万元以下"),
    ]


# Sentences from eval/corpus-dev, with what each should give as (kind, low, high, unit).
CORPUS_SENTENCES = [
    ("第四十二条 违反本条例第十八条第四款规定，建设单位明示或者暗示建设工程设计、施工、监理单位违反绿色建筑要求"
     "进行设计、施工、监理的，由住房城乡建设管理部门或者其他有关部门按照职责分工责令改正，处二十万元以上五十万元以下的罚款",
     [(K.MONEY, 200000, 500000, "元")]),
    ("处工程合同价款百分之二以上百分之四以下的罚款", [(K.PERCENT, 2, 4, "%")]),
    ("处20万元以上50万元以下的罚款，3年内不得再次申请排污许可证",
     [(K.MONEY, 200000, 500000, "元"), (K.DURATION, None, 3, "年")]),
    ("处每次5千元以上2万元以下的罚款", [(K.MONEY, 5000, 20000, "元")]),
    ("审批部门应当自受理申请之日起20日内作出审批决定", [(K.DURATION, None, 20, "日")]),
    ("并自核查完成之日起7个工作日内向重点排放单位反馈核查结果", [(K.DURATION, None, 7, "工作日")]),
    ("拒不改正的，处以可再生能源发电企业经济损失额一倍以下的罚款", [(K.MULTIPLE, None, 1, "倍")]),
    ("处未清缴的碳排放配额清缴时限前1个月市场交易平均成交价格5倍以上10倍以下的罚款",
     [(K.DURATION, 1, 1, "月"), (K.MULTIPLE, 5, 10, "倍")]),
    ("（一）居住项目不低于百分之三十，拆除重建的城市更新居住项目不低于百分之二十五",
     [(K.PERCENT, 30, None, "%"), (K.PERCENT, 25, None, "%")]),
    ("2024年9月27日 上海市第十六届人民代表大会常务委员会第十六次会议通过", [(K.YEAR, 2024, 2024, "年")]),
    ("全市“两品一标”认证产品达到 3000 个", [(K.COUNT, 3000, 3000, "个")]),
]


@pytest.mark.parametrize(("text", "expected"), CORPUS_SENTENCES)
def test_corpus_sentences(text, expected):
    found = find_quantities(text)
    assert [(q.kind, q.low, q.high, q.unit) for q in found] == expected
    assert all(text[q.start:q.end] == q.text for q in found)


def test_frequencies_take_period_and_bound_from_their_clause():
    text = "生产经营单位应当每年至少组织一次综合应急预案演练或者专项应急预案演练，每半年至少组织一次现场处置方案演练"
    assert [(q.text, q.low, q.high, q.period) for q in find_quantities(text)] == [
        ("一次", 1, None, "每年"),
        ("一次", 1, None, "每半年"),
    ]


def test_offsets_slice_back_to_the_input():
    text = "（二）处违法所得一倍以上三倍以下的罚款，并在十五个工作日内、不少于三十日公示；２０２５年前完成百分之六十。"
    found = find_quantities(text)
    assert [q.kind for q in found] == [K.MULTIPLE, K.DURATION, K.DURATION, K.YEAR, K.PERCENT]
    assert all(text[q.start:q.end] == q.text for q in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


@pytest.mark.parametrize(
    ("text", "formatted"),
    [
        ("一万元以上五万元以下", "10000–50000元"),
        ("百分之六十", "60%"),
        ("百分之三点五", "3.5%"),
        ("三十日", "30日"),
        ("不少于三十日", "≥30日"),
        ("十日内", "≤10日"),
        ("超过一百八十日", ">180日"),
        ("三个月", "3个月"),
        ("十五个工作日", "15个工作日"),
        ("每年两次", "2次/年"),
        ("每年至少两次", "≥2次/年"),
        ("五十人左右", "约50人"),
        ("二〇二五年", "2025年"),
        ("万分之五", "5‱"),
        ("35", "35"),
    ],
)
def test_format_value(text, formatted):
    [q] = find_quantities(text)
    assert format_value(q) == formatted


@pytest.mark.parametrize("text", [row[0] for row in SINGLE] + [row[0] for row in CORPUS_SENTENCES])
def test_has_quantity_is_true_wherever_a_quantity_is_found(text):
    assert has_quantity(text)


@pytest.mark.parametrize("text", ["一律统一", "第十一条", "三同时", "“十四五”", "", "一" * 1000])
def test_has_quantity_is_false_for_text_without_one(text):
    assert not has_quantity(text)


def test_long_inputs_stay_linear():
    """Bounded patterns only: these would take minutes with nested or unbounded repetition."""
    assert find_quantities("一" * 200_000) == []
    assert not has_quantity("一" * 200_000)
    prose = ("国家鼓励和支持可再生能源并网发电建立健全绿色低碳循环发展经济体系" * 7000)[:200_000]
    assert find_quantities(prose) == []
    fines = "处五千元以上三万元以下的罚款" * 14_000
    found = find_quantities(fines)
    assert len(found) == 14_000
    assert {(q.low, q.high) for q in found} == {(5000, 30000)}
    assert find_quantities("1" * 200_000) == []
