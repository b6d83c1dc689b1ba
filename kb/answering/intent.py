"""What a question asks for: a number, a list, who is responsible, a date, a penalty, whether something is allowed,
what a term means, what a document applies to, document metadata; and which details (a year, a place, an amount, a
time limit, a frequency, another document) an answer must contain to count as an answer at all.

Every cue is a pattern of how Chinese questions about law and policy are asked, never the wording of one document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from kb.documents.metadata import doc_numbers_in
from kb.documents.normalize import DOC_NUMBER

# Asking for an amount ("价格是多少"), not about prices in general ("价格是怎么算的，会搞阶梯价吗").
_MONEY = re.compile(r"多少钱|几[分毛块角]钱|补贴标准|罚款多少|罚款标准|罚多少|被罚了?款?(?:多少|几)|价格是多少|价是多少|多少元|奖励资金|资金规模|规模有多大|"
                    r"购置税|成交价")
# A share is asked for: a percentage or a ratio answers, a fine's multiple or an amount does not.
# 占 is "make up" ("占城市建成区面积的多少"), not 占用 / 占地 / 占道 (occupy: "占用绿地面积达到多少" asks an area).
_SHARE = re.compile(r"百分之(?:几|多少)|百分比|(?:多少|多大|什么)(?:的)?比例|(?:比例|比重)[^，。？]{0,6}多少|几成|占(?![用地道压有])[^，。？]{0,12}(?:多少|几)")
# 几月 asks a month (_TIME); 多高 / 多宽 / 多长 ask a measure.
# 指标 asks for a value, except as a modifier ("没达到控制指标的企业名单") or as everyday 硬指标 (a firm requirement).
# 好多/很多/许多 are "many", not "how": 好多大楼 asks no size.
# 指标 asks a value when it is what is asked ("哪些到2025年的指标", "指标是多少"), not as a subject ("用地指标应当在何时…")
# or everyday 硬指标 (a firm rule).
_QUANTITY = re.compile(r"多少|比例|比重|百分之|(?<!哪)几个|数量|(?<![好很许太众诸])多大|数值|"
                       r"(?:哪些|什么|哪几项|哪项)[^，。？]{0,8}(?<!硬)指标|(?<!硬)指标(?:分别)?(?:是|为|有)?(?:多少|哪些|什么)|目标值|"
                       r"(?<![减增])量化|(?<!哪)几[年次倍分吨万亿元天日名人家项处条座台辆成米亩级]|(?<![好很许太众诸])多[高宽深厚远粗长](?![期效])")
# "还能开多久" asks until when (the deadline of a phase-out), not for a span a provision sets.
_UNTIL_WHEN = re.compile(r"还[能可要得][^，。？?]{0,8}多久")
_TIME = re.compile(r"什么时候|哪一年|何时|哪一?[天日]|哪年|年份|有效期|从哪一?年|截止|期限(?![内和与或])|几月|哪几个月|哪个月|"
                   + _UNTIL_WHEN.pattern)
# A calendar day is asked for: an answer must hold one (a time limit or a year is not a day).
_DAY = re.compile(r"几月几[号日]|哪一?天|哪一日|日期")
_LIST = re.compile(r"哪些|哪几|有什么(要求|措施|举措|规定|部署|政策|支持|导向)|包括什么|都有|需要注意")
# "X负责哪些事" asks for X's duties, not who is responsible.
_RESPONSIBLE = re.compile(r"(哪个|哪些|哪家)(部门|单位|机关|机构)|由谁|谁(来)?(负责|牵头)|牵头|负责(?!人|哪些|什么|啥|些)|"
                          r"(?:责任|配合|主办|协办)(?:单位|部门)|"  # a 方案's "责任单位：市发展改革委、…"
                          r"算谁的|怪谁|谁(?:来)?(?:担责|承担责任)")  # 出了问题算谁的: who answers for it
_ENTERPRISE = re.compile(r"我们(是|做|开|搞|从事|公司|企业|单位)|我(是|开|做)|本(公司|企业)|作为(一家|企业)")
_LIST_NOUN = re.compile(r"(?:纳入|包括|涉及|选择)?哪些((?:(?!的)[\u4e00-\u9fff]){2,4}?)的?(?:[？?，。]|$)|"
                        # "哪些区域可以开展…": the listed kind before what it may or must do (not a party, which a
                        # provision describes rather than lists: "生产列入…名录的产品的企业，必须…")
                        r"哪些((?:(?!的)[\u4e00-\u9fff]){2,4}?)(?<!企业)(?<!单位)(?<!个人)(?<!人员)(?<!机构)(?<!者)"
                        r"(?:下|中|时)?(?=可以|应当|必须|需要|能够|才能)")
_GENERIC_NOUNS = {"要求", "措施", "举措", "规定", "方面", "内容", "政策", "部署", "目标", "任务", "指标", "工作", "机制",
                  "支持", "导向", "说法", "评价", "行动", "制度", "地方", "做法", "方式", "方法", "途径", "形式", "手段",
                  "渠道", "条件", "单位", "主体", "对象", "原则"}


def _body_kind_alone(noun: str) -> str:
    """"部门" of "哪些部门制定": a kind of body asked for ends the listed noun; the verb after it is the task."""
    found = _BODY_KIND.match(noun)
    return found.group(0) if found else noun


_BODY_KIND = re.compile(r"^(?:主管部门|部门|单位|机关|机构|政府)")


def _generic_noun(noun: str) -> bool:
    """"措施", and a compound of such words ("支持措施", "政策要求"): what any sentence of a policy states."""
    return noun in _GENERIC_NOUNS or (noun[:2] in _GENERIC_NOUNS and noun[2:] in _GENERIC_NOUNS)


_NAMED_PLACES = re.compile(r"(具体)?(在)?(哪几个|哪些|哪个)(区县|区|县|城市|地方)")
# "几点到几点", "几点开门": a time of day.
_HOURS_ASKED = re.compile(r"几点")
# "在哪里办", "去哪儿申请", "到哪交材料": where to go to get it done (not "限行区域在哪里", which asks for an area).
_WHERE_TO_GO = re.compile(r"(?:在|去|到)(?:哪里|哪儿|哪(?![些个类种项一]))[^，。？?些]{0,2}"
                          r"(?:办|申请|提交|递交|领取|缴纳|缴费|报名|登记|咨询)")
# A passage or issuing verb ends its phrase; with an object it is a provision's act (什么时候通过平台公开信息,
# 何时公布名录), not the document's own passage.
_VERB_ENDS = r"(?=[的了吗呢？?，,。、并和及与]|通过|公布|施行|实施|生效|修|印发|发布|$)"
# "这个通知", "该办法", "这份方案": the document itself (a 办法 or 规定 named without them may be one it leaves to a body).
_THIS_DOCUMENT = r"(?:(?:这|那)(?:个|份|部|项|篇)?|该|本|此|》)(?:规定|办法|通知|通告|公告|方案|计划|意见|细则|决定|文件|条例|政策)"
# … or named by its title or its 文号: "《…方案》是谁发的", "渝府办发〔2024〕17号是什么时候下发的".
_DOCUMENT_ITSELF = rf"(?:{_THIS_DOCUMENT}|》|〕\d{{1,4}}号)"
# The decree a law or rule was promulgated by ("以国务院第几号令公布", "是哪个令公布的", "政府令第几号"); not 哪个部门责令.
DECREE_ASKED = re.compile(r"以?(?:国务院|主席)?(?:第?几号.{0,8}|哪(?:一|个|号)号?(?:[\u4e00-\u9fff]{0,4}政府)?)令"
                          r"(?:公布|发布)?的?|令第?几号|令号")
_METADATA = {
    "doc_number": re.compile(r"文号|发文字号"),
    # The passage lines of a law (题注): when and by whom it was adopted, promulgated, amended, when it took effect.
    "passage": re.compile(r"(什么时候|哪天|何时|哪一?年|哪一?[天日]|哪个机关|最早|最初|起初).{0,12}"
                          r"(通过|公布|施行|实施|生效|修正|修订|修改)" + _VERB_ENDS + "|"
                          r"(通过|公布|施行|生效|修正|修订)(时间|日期)|哪一?次.{0,10}会议.{0,4}通过|" + DECREE_ASKED.pattern + "|"
                          r"修[正订改](过)?(了)?(几|多少)次|(几|多少)次修[正订改]|(最近|最后)一次修[正订改]|是修正还是修订"),
    # A 办法 or 规定 the document leaves to a body ("具体办法由哪个部门制定") is asked about as a duty, not as the
    # document's issuer: only "这个办法", "该规定" are the document itself; a 通知 or 通告 named alone ("通告是哪个部门
    # 发布的") is the document, one named by its matter ("停水通知由谁发布") a notice a provision requires.
    # A 方案 or 规划 issued ("供水方案是哪个单位发的") is the document; one a law has drawn up (实施方案由…制定) is a duty.
    "issuer": re.compile(r"(文件|意见|(?<![\u4e00-\u9fff])通[知告]|条例|法律|(?<![办方做说想看用算])法|" + _DOCUMENT_ITSELF + r")是?(由)?"
                         r"(哪个(机关|单位|部门)|谁)"
                         r"(印发|发布|制定|通过|下发|发的|出的)|"
                         r"(方案|规划)是?(由)?(哪个(机关|单位|部门)|谁)(印发|发布|下发|发的|出的)|"
                         r"(印发|发布|制定)(机关|单位)|发文机关"),
    # (下发 and 发 are said of funds as well: only of "这个通知", "该方案", or asked right after the document, are
    # they its issue: "这个通知是谁发的？什么时候发的？".)
    "date": re.compile(r"成文日期|(什么时候|哪天|何时)(印发|发布|出台|公布)" + _VERB_ENDS + "|"
                       r"(?:^|" + _DOCUMENT_ITSELF + r"是?)(什么时候|哪天|何时)(下发|发的|发出)|"
                       r"印发(时间|日期)|发布(时间|日期)|公布(时间|日期)"),
    "implements": re.compile(r"(贯彻|落实|实施)哪个(国家)?文件|依据哪个文件|上位文件"),
    "recipients": re.compile(r"主送|(?:文件|" + _DOCUMENT_ITSELF + r")是?(?:印发|下发|发|送)(?:给|至|到)(?:谁|哪些|哪个)"),
    "title": re.compile(r"标题|文件名|全称|叫什么"),
}
# Which document says something ("关于老旧小区改造的文件是哪个", "哪个文件规定了加装电梯补助"): the one whose provision
# answers, named.
# (Not "这份文件是哪个机关印发的", which asks its issuer.)
_WHICH_DOCUMENT = re.compile(r"(?:(?:文件|通知|方案|意见)是哪(?:一?个|一?份|一?篇)|(?:是|为)哪(?:一?个|一?份|一?篇)"
                             r"(?:文件|通知|方案|意见))[？?。]?$|"
                             r"哪(?:一?个|一?份)(?:文件|通知|方案|意见)(?:规定|提出|明确|要求|部署)")
_PENALTY = re.compile(r"罚款|罚多少|罚金|处罚|处以|法律责任|被罚|[怎如何]么?罚|罚不罚|[会要]罚|罚吗|会被怎么|会怎么?样|的[，,]?(?:会|将|要)?被?(?:依照|按照|依据|按)?(?:什么规定|怎么|如何|怎样)处理|被(?:怎么|如何|怎样)?处理|承担什么责任|什么后果|受到?(?:什么|怎样|何种|哪些)处理|"
                      r"(?:查到|查处|抓到|发现)了?(?:会|将|要)?(?:怎么|如何|怎样)处理|"
                      r"吊销|没收|违反(?=.{0,20}(?:会|将|要|怎么|如何))")
_AMOUNT_ASKED = re.compile(r"(?:多少|几)(?:钱|块钱?|元)?")
# Words every provision of a kind uses: a question of that kind searches for them too, so that the provision that
# repeats the asked words outranks the others (the 法律责任 article over the duty it punishes).
PENALTY_WORDS = "处罚 罚款 责令改正"
DEFINITION_WORDS = "所称 是指 含义"
SCOPE_WORDS = "适用"
_ASKED_TASK = re.compile(r"(?:由谁|谁来?|(?:哪个|哪些|哪一级|哪级)(?:部门|单位|机关|机构|政府))(?:来|去)?(?:负责|牵头|组织)?"
                         r"([^？?。]*?)[？?。]?$")
# The last modal verb asks ("节约能源法里，…可以向企业收检查费吗"); 能 of 能源, 能效, 节能 is none.
_ASKED_ACT = re.compile(r"^.*(?:能不能|能否|可不可以|可以|是否允许|允许|让不让|准不准|必须|一定要|非得|(?<![节功可性智动效势热电阳风核光学体机潜储产技职])能(?![源力效耗量级]))"
                        r"([^？?。]*?)(?:吗|么)?(?:[？?。]|$)")
# Whether an act is compulsory ("是不是必须按…标准建设", "这个是强制要做的吗", "是硬性要求吗"): a duty says it is, a
# provision leaving it to choice (鼓励…, 根据自愿原则) that it is not. (Not 强制性 as a name: "强制性清洁生产审核".)
COMPULSION = re.compile(r"是不是(?:都|也)?必须|是否必须|必须.{0,30}吗|强制(?:的|性的)?(?:要求|规定)?(?:吗|呢)|强制要|"
                        r"硬性(?:要求|规定|指标)?(?:吗|呢)|一定要.{0,20}吗|非得")
_PERMISSION = re.compile(r"能不能|能否|可不可以|可以.{0,30}吗|是否(允许|可以|需要|必须|应当|要|禁止|能)|允许.{0,30}吗|"
                         r"禁止.{0,30}吗|需不需要|必须.{0,30}吗|要不要|能.{0,30}吗|让不让|准不准|" + COMPULSION.pattern)
# "……是指什么", "什么是……", "……是什么意思", "……的定义": the asked term.
_DEFINITION = (re.compile(r"(?:所称的?|所说的?|里的?|中的?)?[“「\"]?([\u4e00-\u9fffA-Za-z]{2,16}?)[”」\"]?"
                          r"(?:具体)?(?:是指什么|指的是什么|是什么意思|指什么|是什么含义|的定义是什么|的含义是什么|怎么定义|如何定义)"),
               re.compile(r"什么(?:是|叫|叫做)[“「\"]?([\u4e00-\u9fffA-Za-z]{2,16}?)[”」\"]?[？?。，]?$"),
               # "所说的可再生能源包括哪些", "里说的“古树后备资源”是什么样的树": a term the document defines
               re.compile(r"(?:所称|所说|说的|讲的)的?[“「\"]?([\u4e00-\u9fffA-Za-z]{2,16}?)[”」\"]?[，,]?(?:都|具体)?"
                          r"(?:(?:包括|包含)(?:哪些|什么|哪几[种类个项])|有哪些|是什么样|算不算|是什么|是?指哪些|是指什么)"),
               re.compile(r"对[“「\"]([\u4e00-\u9fffA-Za-z]{2,16}?)[”」\"](?:是)?(?:怎么|如何)(?:界定|定义)"),
               # "条例中的“中心城区”包括哪些区": a term in quotation marks is a term the document uses as defined
               re.compile(r"[“「\"]([\u4e00-\u9fffA-Za-z]{2,16}?)[”」\"][，,]?(?:都|具体)?(?:包括哪些|包括什么|包含哪些|是?指哪些)"),
               # "海事部门算不算“负有…职责的部门”": whether something is what a quoted term names is read in its definition
               re.compile(r"(?:算不算|属不属于|是不是|算是|属于)[“「\"]([\u4e00-\u9fffA-Za-z]{2,20}?)[”」\"]"))
# "…条例管不管消防安全" asks what a document governs; "政府管不管医疗和抚恤" asks what a body does; "…已经规定了处罚，
# 按哪个规定处罚" asks which rules apply, as does "…没有专门的罚则，应当依据什么来处理".
_SCOPE = re.compile(r"适用(于|范围|哪些|什么)|哪些.{0,12}适用|适不适用|是否适用|(?:条例|法律?|规定|办法|文件)(?:管不管|归不归)|"
                    r"适用[《“][^》”]{2,40}[》”]吗|(?:按|依|按照|依照|适用)(?:哪个|哪部|哪一部|哪一个)(?:规定|法律|法规|条例)|"
                    r"(?:没有|未作?|无)[^，。？?]{0,8}(?:罚则|规定|条款)[^？?]{0,12}(?:依据|依照|按照|根据)什么")
# A span of time asked for: a time limit (多少日内, 几个工作日), a validity (有效期几年), a duration (多长时间, 保存几年,
# 超过几年) — not a count of days ("蓝天能多几天"), not a deadline ("数量和期限是什么"), not a year (哪几年, 第几年).
# "…，文件里有啥说法？", "…，管不管？", "这样合规吗": words asking whether the documents regulate a matter. They name
# no matter, and searched for they find provisions about 规定 and 管理 (dev (all): the gold clause ranked first for 3
# more colloquial questions, none fewer of any kind).
_ASKS_IF_REGULATED = re.compile(
    r"[，,]?(?:这个|这种|这些|这样)?是?(?:文件|政策|国家|政府|法律|条例|法规)?[里中上]?(?:有没有|有无|有什么|有啥)(?:相关|具体)?"
    r"(?:规定|说法)管?|"
    r"[，,]?(?:这个|这种|这些)?(?:文件|法律|条例|政府|国家)?(?:管不管|管这个吗|管得着吗)(?:这个|这种)?|(?:这样)?(?:合规|合法|算违规)吗")
# Numerals that ask nothing: approximate ones, and 几 / 多少 in a yes-no question (…吗, 是不是…, 会不会…).
_APPROXIMATE_NUMERAL = re.compile(r"(?<=[一二三四五六七八九十两们好这那])几|几(?=[十百千万])")
_QUESTIONS = re.compile(r"(?<=[？?！!])")
_YES_NO = re.compile(r"[吗么][？?！!]?$|是不是|能不能|会不会|要不要|可不可以|用不用|该不该|算不算|让不让|行不行")
_INDEFINITE = re.compile(r"几|多少")
# "收费标准我们能查得到吗" asks whether something can be had or found, not whether it is allowed.
_POSSIBLE = re.compile(r"[\u4e00-\u9fff]得(?:到|着)吗")
_ENDS_IN_MA = re.compile(r"吗[？?！!]?$")
_DURATION = re.compile(r"最[长短多少].{0,6}(几|多少)个?(?:小时|分钟|[日天周月年])|(多少|几)年以上|(多少|几)个?工作日|(多少|几)个?(?:小时|分钟|[日天周月年])(内|以内|之内)|(期限|时限|有效期).{0,4}(多少|几|多长|多久)|"
                       r"有效期.{0,6}(几|多少)|(多长时间|多久)(?![^，。？?]*一次)|什么(?:期限|时限)(?:内|以内|之内)|"
                       r"(?<![哪第])(多少|几)年(?![度份级前后来]|以前|以后)")
# How often, also as a choice between periods ("每个月交还是每个季度交").
# The parts of a question, and the words that ask (the part holding them is the one that asks).
_QUESTION_PARTS = re.compile(r"[，,；;：:]")
_ASKING = re.compile(r"多少|几|(?<![好很许太众诸])多[大长久高远宽深厚重]|什么|哪|谁|何")
_FREQUENCY = re.compile(r"几次|多少次|频次|频率|每(年|月|季度|周|天|日).{0,6}(几|多少)(次|回|遍)|(多久|多长时间)[^，。？?]*一次|"
                        r"还是每个?(年|半年|季度|月|周|天|日)")
# "节能产品认证证书的有效期是几年": the thing whose value is asked and the value's name; an answer must be about the
# former (another thing's 有效期 does not answer).
# The owner runs over no verb of the question ("高危行业企业的安全生产费用要按营业收入的百分之几" owns nothing
# by "…费用要按营业收入"); "百分之几" asks a share, not a named value; "情况复杂的最长可以到多少日" a bound of a case.
_ASKED_VALUE = re.compile(r"((?:(?!要|将|会|应|需|按|是)[\u4e00-\u9fffA-Za-z0-9]){2,16})的(?!百分|最|可以|能)((?:(?!要|将|会|应|需|达到|是|的|在|于)[\u4e00-\u9fff]){2,12}?)(?:一般|通常|最长|最短|最多|最少|至少)?"
                          r"(?:是|为|有|要)?(?:多少|几|多长|多久|什么时候|哪一年|何时)")
# A long value phrase names more of its owner before the value ("出租车的车辆经营权使用期限": the 车辆经营权's 使用期限).
_VALUE_NAME = re.compile(r"(?:使用|有效|经营|保存|保管|服务|设计|审批|办理|整改)?(?:期限|年限|时限|期)$|[\u4e00-\u9fff]{2}$")
MAX_VALUE_CHARS = 6
# Who acts, not what has the value: "企业的应急预案演练多久一次" asks about the drill.
_ACTORS = frozenset("企业 单位 公司 个人 我们 我 你们 政府 部门 机关 市民 群众 员工 工人 居民 司机 业主".split())
_COMPARE = re.compile(r"有什么不同|有何不同|不同之处|区别|差异(?!化)|异同|相比|比较|对比|"
                      # … or asks which documents say something: each says it in its own words.
                      r"哪(?:些|几部|部)(?:法律|法规|条例|文件)(?:里|中|都|也)?(?:规定|提到|涉及|要求)了?")
_QUOTED_TITLE = re.compile(r"《([^《》]{2,60})》")
_YEAR = re.compile(r"(20\d\d)年?")
# "施工完成后又要怎么办": what comes after is asked of the matter just asked about, which it does not name again
# ("超过办理时间又该怎么办" names its own matter).
_WHAT_NEXT = re.compile(r"^[^，,。？?]{0,10}(?:以后|之后|后)[，,]?(?:又|还)(?:要|该|应当|需要|得)?(?:怎么办|怎么处理|如何处理|怎么做|做什么)")
# "如果是在主城以外经营，又要多少个？", "…的项目，要求又是多少？": the question before asked it, this one changes a condition.
_ASKS_AGAIN = re.compile(r"(?:又|也)(?:要|是|该|需要|得|应当)?(?:多少|几|什么|哪)")
_CONTEXT_REFERENCE = re.compile(r"^(那|那么|还有|另外)?(这个|这|它|其)?")

# Provinces and large cities: a question about a place the document does not cover must not be answered from it.
PLACES = tuple(
    "北京 天津 上海 重庆 河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南 "
    "四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 香港 澳门 台湾 成都 广州 深圳 杭州 南京 武汉 西安 长沙 郑州 苏州 "
    "青岛 厦门 宁波 合肥 昆明 贵阳 南宁 沈阳 大连 哈尔滨 长春 济南 石家庄 太原 兰州 福州 南昌 拉萨 乌鲁木齐".split()
)


# The words of a question's frame, not its matter: what kind of thing an administrative question asks for (conditions,
# papers, approval, a fine, a body, a time limit…) and who generically does it. "医疗机构设置需要满足哪些条件" is about
# 医疗机构; a provision sharing only its 条件 is about something else.
FRAME_WORDS = frozenset("""
条件 材料 证件 证明 手续 程序 流程 批准 审批 审核 审查 登记 备案 申请 许可 办理 决定 作出 标准 要求 规定 办法 措施
罚款 处罚 罚 处理 责任 后果 期限 时间 时候 时限 日期 截止 截至 费用 收费 价格 金额 数量 比例
部门 机构 单位 企业 个人 公民 政府 国家 有关 相关 人员 机关 主管部门
需要 应当 必须 可以 能够 允许 是否 管理 工作 活动 行为 情况 问题 事项 方面 内容 文件 条例 法律 法规 政策
""".split())


@dataclass(frozen=True)
class QuestionIntent:
    text: str  # the question as asked
    resolved: str  # the question with a follow-up resolved against the previous one, used for retrieval
    focus: str  # the part whose words an answer must contain: the follow-up itself, or the question
    wants_number: bool
    wants_money: bool
    wants_time: bool
    wants_list: bool
    wants_responsible: bool
    wants_named_places: bool
    enterprise: bool  # asked from an enterprise's point of view ("我们是做快递的，要注意什么？")
    list_noun: str  # the specific thing a list question asks for ("哪些行业" -> "行业"), "" when generic
    metadata_field: str  # "" or one of _METADATA's keys
    years: tuple[str, ...]
    places: tuple[str, ...]
    doc_numbers: tuple[str, ...]
    wants_day: bool = False  # 几月几号: an answer must hold a calendar day
    wants_penalty: bool = False  # 罚款多少, 会受到什么处罚, 法律责任
    wants_permission: bool = False  # 能不能, 是否允许, 可以…吗, 禁止…吗: answered 可以 / 不可以 with the provision
    definition_term: str = ""  # "绿色建筑" of "绿色建筑是指什么"
    compared_terms: tuple[str, ...] = ()  # ("资源化", "再利用") of "“资源化”和“再利用”有什么区别"
    wants_scope: bool = False  # 适用于哪些, 适用范围
    wants_duration: bool = False  # 多少日内, 有效期几年: an answer must hold a span of time
    wants_frequency: bool = False  # 每年几次: an answer must hold a frequency
    compare: bool = False  # 有什么不同, 相比: sentences may come from several documents
    wants_share: bool = False  # 百分之几, 多少比例: an answer must hold a percentage or a ratio
    wants_office: bool = False  # 在哪里办, 去哪儿申请: an answer must say where to go
    wants_hours: bool = False  # 几点到几点: an answer must hold a time of day
    quoted_titles: tuple[str, ...] = ()  # 《…》 named in the question
    asked_value: tuple[str, str] = ()  # ("节能产品认证证书", "有效期"): whose value is asked, and which value
    which_document: bool = False  # 哪个文件规定了…: the answering document is named

    @property
    def search_text(self) -> str:
        """What retrieval searches for: the resolved question, and the words every provision of its kind uses."""
        cues = [words for wanted, words in ((self.wants_penalty, PENALTY_WORDS),
                                            (bool(self.definition_term), DEFINITION_WORDS),
                                            (self.wants_scope, SCOPE_WORDS)) if wanted]
        matter = _ASKS_IF_REGULATED.sub(" ", self.resolved).strip()
        return " ".join([matter if re.search(r"[\u4e00-\u9fff]{2}", matter) else self.resolved, *cues])


def asks_numbers(text: str) -> str:
    """The text with its numerals that ask nothing made plain: approximate ones (十几年, 几十棵) and 几 / 多少 in a
    yes-no question, where they mean "a few" ("种了几棵葱，算违规吗", "是不是要改成用多少交多少钱")."""
    text = _APPROXIMATE_NUMERAL.sub("数", text)
    # Each question with the clauses that lead to it: "种了几棵葱和青菜，这样算违规吗？" is one yes-no question.
    return "".join(_INDEFINITE.sub("些", question) if _YES_NO.search(question.split("，")[-1].split(",")[-1])
                   else question for question in _QUESTIONS.split(text))


def asked_part(question: str) -> str:
    """The part of a question that asks ("检查人员至少要有几个人" of "生态环境部门到企业现场检查碳排放情况，检查人员至少要
    有几个人？"): the parts before it set the scene, and the asked value stands by the words of this one."""
    parts = [p for p in _QUESTION_PARTS.split(question) if p.strip()]
    asking = [p for p in parts if _ASKING.search(p)]
    return asking[-1] if len(parts) > 1 and asking else question


def asking_parts(question: str) -> str:
    """The parts of a question that ask (a question word or a yes-no form), or the whole question when none does:
    the others set the scene ("排污许可证还在有效期内，…可以只办变更手续吗", "除了补偿范围和协议期限，…还要明确哪些内容")."""
    parts = [p for p in _QUESTION_PARTS.split(question) if p.strip()]
    asking = [p for p in parts if _ASKING.search(p) or _YES_NO.search(p)]
    return "，".join(asking) if asking else question


def asked_clauses(text: str) -> str:
    """The text without the clauses that ask nothing: a question ending in 吗 asks yes or no in its last clause, and
    the clauses before it say what is looked at or done ("想看看他们换了哪些件，修理厂能不让我看维修记录吗？",
    "把树包下来负责照管，允许个人这么参与吗？": no list, no one responsible is asked for)."""
    return "".join(re.split(r"(?<=[，,])", question)[-1] if _ENDS_IN_MA.search(question) else question
                   for question in _QUESTIONS.split(text))


def analyse(question: str, previous: Sequence[str] = ()) -> QuestionIntent:
    resolved, focus = resolve_follow_up(question, previous)
    asked = asks_numbers(question)
    listed = asked_clauses(question)
    resolved_asked, focus_asked = asks_numbers(resolved), asks_numbers(focus)
    metadata_field = next((name for name, rx in _METADATA.items() if rx.search(question)), "")
    if metadata_field == "date" and not re.search(r"文件|意见|通知|方案|办法|条例|法|印发|发布|公布|成文|〕\d{1,4}号",
                                                  question + "".join(previous)):
        metadata_field = ""
    intent = QuestionIntent(
        text=question,
        resolved=resolved,
        focus=focus,
        # (A yes-no question's earlier clauses only say what is looked at: "…这些指标审查没通过，还能拿到许可证吗".)
        wants_number=bool(_QUANTITY.search(asked_clauses(resolved_asked))) and not metadata_field,
        wants_money=bool(_MONEY.search(asked)),
        # A passage question the document's header lines cannot answer may still be answered by an article
        # ("本条例自…起施行"): a date is then the detail it must hold.
        wants_time=bool(_TIME.search(asking_parts(question))) and metadata_field in ("", "passage"),
        wants_day=bool(_DAY.search(question)),
        wants_list=bool(_LIST.search(listed)),
        wants_responsible=bool(_RESPONSIBLE.search(listed)),
        wants_named_places=bool(_NAMED_PLACES.search(question)),
        wants_office=bool(_WHERE_TO_GO.search(question)),
        wants_hours=bool(_HOURS_ASKED.search(asking_parts(question))),
        enterprise=bool(_ENTERPRISE.search(question)),
        list_noun=next((n for n in map(_body_kind_alone, ((a or b).removeprefix("具体")
                                                          for a, b in _LIST_NOUN.findall(listed)))
                        if len(n) >= 2 and not _generic_noun(n)), ""),
        metadata_field=metadata_field,
        years=tuple(dict.fromkeys(years_in(focus))),
        places=tuple(p for p in PLACES if p in question),
        doc_numbers=tuple(doc_numbers_in(question)),
        wants_penalty=bool(_PENALTY.search(question)),
        wants_permission=bool(_PERMISSION.search(question)) and not _LIST.search(listed)
        and not _POSSIBLE.search(question),
        definition_term=definition_term(question),
        compared_terms=compared_terms(question),
        wants_scope=bool(_SCOPE.search(question)),
        wants_duration=bool(_DURATION.search(focus_asked)) and not metadata_field and not _UNTIL_WHEN.search(focus_asked),
        wants_frequency=bool(_FREQUENCY.search(asked_part(focus_asked))),  # not 频次 setting the scene
        wants_share=bool(_SHARE.search(focus_asked)),
        compare=bool(_COMPARE.search(question)),
        quoted_titles=tuple(_QUOTED_TITLE.findall(question)),
        asked_value=asked_value(focus_asked),
        which_document=bool(_WHICH_DOCUMENT.search(question)),
    )
    # "我们公司…，能不能不测甲醛直接搬进去？" asks one thing, not what applies to the company.
    asks_one_thing = intent.wants_permission or intent.wants_penalty or intent.wants_responsible or bool(
        intent.asked_value) or intent.wants_duration or intent.wants_share or intent.wants_number \
        or intent.wants_office
    return replace(intent, enterprise=intent.enterprise and not asks_one_thing)


def asked_act(question: str) -> str:
    """The act a question asks about: what follows the modal of a permission question ("打剧毒农药" of "养护单位可以
    打剧毒农药吗") or the asked body of a who question ("养护管理" of "附属绿地由谁负责养护管理"); else the whole
    question. A who question naming its task before the body asked ("项目验收由谁负责") asks about that task: 负责
    is how it asks."""
    for pattern in (_ASKED_TASK, _ASKED_ACT):
        found = pattern.search(question)
        if found and found.group(1).strip():
            return found.group(1)
        if found and pattern is _ASKED_TASK and question[:found.start()].strip():
            return question[:found.start()]
    return question


def asked_conduct(question: str) -> str:
    """A penalty question without its words asking for the penalty ("餐馆使用地沟油" of "餐馆使用地沟油会被怎么处罚"): a
    provision about 行政处罚 shares those words, not the conduct. What is breached is the conduct ("限行" of
    "违反限行会罚多少钱"); the amount asked is not (钱 is read as 财政资金)."""
    return _AMOUNT_ASKED.sub(" ", _PENALTY.sub(" ", question))


def asked_value(question: str) -> tuple[str, str]:
    """("节能产品认证证书", "有效期") of "节能产品认证证书的有效期是几年？"; () when the question names no owner. A
    document named by its 文号 ("渝经信发〔2025〕9号的奖励标准") owns nothing in it."""
    found = _ASKED_VALUE.search(DOC_NUMBER.sub(" ", question))
    if not found:
        return ()
    owner, value = found.group(1), found.group(2)
    if len(value) > MAX_VALUE_CHARS:
        name = _VALUE_NAME.search(value).group(0)
        owner, value = f"{owner}的{value[:-len(name)]}", name
    owner = re.sub(r"^(?:" + "|".join(PLACES) + r")(?:市|省)?", "", owner)
    return (owner, value) if len(owner) >= 2 and owner not in _ACTORS else ()


# "“资源化”和“再利用”有什么区别", "减量化与再利用的区别是什么": two terms set side by side.
_TERM = r"[“「\"]?((?:(?!的)[\u4e00-\u9fffA-Za-z]){2,12}?)[”」\"]?"  # a term, not a phrase (重庆的要求)
_TERMS_COMPARED = re.compile(_TERM + r"(?:和|与|跟|同)" + _TERM +
                             r"(?:之间)?(?:有(?:什么|何|啥|哪些)|的)(?:区别|不同|差别|差异)")
# "“古树”和“名木”分别是指什么": each is told by its own definition.
_TERMS_EACH_DEFINED = re.compile(_TERM + r"(?:和|与|跟|同)" + _TERM +
                                 r"(?:分别|各自|各)(?:是指|指的?是|指|是什么意思|的含义)")


def compared_terms(question: str) -> tuple[str, ...]:
    """The two terms a question asks to tell apart ("讲的“资源化”和“再利用”有什么区别" -> ("资源化", "再利用")) or to
    define each ("“古树”和“名木”分别是指什么"), or ()."""
    found = _TERMS_COMPARED.search(question) or _TERMS_EACH_DEFINED.search(question)
    if not found:
        return ()
    first = re.split(r"所称的?|所说的?|讲的|说的|里的?|中的?", found.group(1))[-1]
    return (first, found.group(2)) if len(first) >= 2 else ()

_NOT_TERMS = frozenset("分别 具体 主要 都 各自 这些 那些 它们 其中 这里 这个 那个".split())


def definition_term(question: str) -> str:
    """The term a definition question asks about ("本条例所称绿色建筑是指什么？" -> "绿色建筑"), or ""."""
    for pattern in _DEFINITION:
        found = pattern.search(question)
        if found:
            term = re.sub(r"^(?:本(?:法|条例|规定|办法)|条例|法律|文件)(?:所称|所说|里|中)?的?", "", found.group(1))
            # "循环经济促进法所称减量化": the term is what follows 所称 / 所说, whichever document it names.
            term = re.split(r"所称的?|所说的?", term)[-1]
            # "两个70%的目标分别指什么" asks what two things are, not what a word means.
            return term if len(term) >= 2 and term not in _NOT_TERMS else ""
    return ""


def years_in(text: str) -> list[str]:
    """The years a question speaks of; a 文号's year ("渝府办发〔2026〕20号") names a document, not a time."""
    return _YEAR.findall(DOC_NUMBER.sub(" ", text))


def resolve_follow_up(question: str, previous: Sequence[str]) -> tuple[str, str]:
    """("那2035年呢？", ["到2025年全市森林覆盖率要达到多少？"]) -> ("到2035年全市森林覆盖率要达到多少？", "2035年")."""
    if not previous or not is_follow_up(question):
        return question, question
    last = previous[-1]
    focus = _CONTEXT_REFERENCE.sub("", question).rstrip("呢？?吗。 ").split("呢")[0]
    years = years_in(focus)
    if years:
        # A new year replaces the old one; the rest of the previous question still says what is asked.
        return _YEAR.sub(f"{years[0]}年", last, count=1) if _YEAR.search(last) else f"{last} {focus}", focus
    return f"{focus} {last}", focus


def is_follow_up(question: str) -> bool:
    stripped = question.strip()
    return "呢" in stripped[:10] or stripped.startswith(("那", "这个", "它", "其")) or len(stripped) <= 6 \
        or bool(_WHAT_NEXT.match(stripped)) or bool(_ASKS_AGAIN.search(stripped))

