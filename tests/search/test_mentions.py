"""Documents named in a question: by 文号, by title in 《》, and by the shortened titles people use."""

from kb.schema import DocMeta, LegalForce, ParsedDocument
from kb.search.mentions import documents_named, documents_of_places, policy_documents_meant


class _Snapshot:
    def __init__(self, *metas: DocMeta) -> None:
        self.documents = {m.doc_id: ParsedDocument(m, "", ()) for m in metas}


SNAPSHOT = _Snapshot(
    DocMeta("energy", title="中华人民共和国节约能源法"),
    DocMeta("cq-fire", title="重庆市森林防火条例"),
    DocMeta("fire", title="森林防火条例"),
    DocMeta("sh-green", title="上海市绿色建筑条例"),
    DocMeta("cq-green", title="重庆市城市园林绿化条例"),
    DocMeta("opinion", title="关于加快建立健全绿色低碳循环发展经济体系的实施意见", doc_number="渝府发〔2021〕31号",
            force=LegalForce.NORMATIVE_DOCUMENT),
)


def named(question: str) -> list[str]:
    return documents_named(question, SNAPSHOT)


def test_full_and_shortened_titles():
    assert named("中华人民共和国节约能源法规定了哪些节能管理制度？") == ["energy"]
    assert named("节约能源法对重点用能单位有什么要求？") == ["energy"]
    assert named("上海绿色建筑条例里绿色建筑是指什么？") == ["sh-green"]
    assert named("园林绿化条例规定谁编制绿地系统规划？") == ["cq-green"]


def test_quoted_titles_and_doc_numbers():
    assert named("《重庆市城市园林绿化条例》规定谁编制绿地系统规划？") == ["cq-green"]
    assert named("渝府发〔2021〕31号提出了哪些目标？") == ["opinion"]


def test_the_most_complete_name_wins_and_a_tie_names_nothing():
    assert named("重庆市森林防火条例规定的防火期是哪几个月？") == ["cq-fire"]
    assert named("《森林防火条例》规定的防火期是什么？") == ["fire"]


def test_questions_naming_no_document_or_several():
    assert named("森林覆盖率要达到多少？") == []
    assert named("条例规定罚多少？") == []
    assert sorted(named("节约能源法和上海市绿色建筑条例有什么不同？")) == ["energy", "sh-green"]


def test_the_word_wenjian_means_the_policy_documents_beside_laws():
    assert policy_documents_meant("文件里对餐饮浪费有什么说法？", SNAPSHOT) == ["opinion"]
    assert policy_documents_meant("这个文件的成文日期是哪天？", SNAPSHOT) == ["opinion"]
    # A compound noun of law text is not the question's word for a document.
    assert policy_documents_meant("排污许可证的申请文件包括哪些？", SNAPSHOT) == []
    assert policy_documents_meant("行政规范性文件要公开征求意见吗？", SNAPSHOT) == []
    # With only policy documents (or none) loaded, "文件" may mean any of them: nothing to prefer.
    assert policy_documents_meant("文件里有什么规定？", _Snapshot(DocMeta("opinion", title="意见",
                                                                       force=LegalForce.NORMATIVE_DOCUMENT))) == []
    assert policy_documents_meant("文件里有什么规定？", _Snapshot(DocMeta("energy", title="节约能源法"))) == []


def test_support_policies_are_what_policy_documents_set_out():
    assert policy_documents_meant("我们是节能服务公司，有哪些支持政策？", SNAPSHOT) == ["opinion"]
    assert policy_documents_meant("农村光伏有没有扶持政策？", SNAPSHOT) == ["opinion"]
    assert policy_documents_meant("国家对节能实行什么政策？", SNAPSHOT) == []  # a law states policies too


def test_a_question_about_what_is_to_come_means_the_policy_documents_beside_laws():
    assert policy_documents_meant("种地的化肥农药以后要少用吗？", SNAPSHOT) == ["opinion"]
    assert policy_documents_meant("到2025年森林覆盖率要达到多少？", SNAPSHOT) == ["opinion"]
    assert policy_documents_meant("“十四五”期间要新建多少充电桩？", SNAPSHOT) == ["opinion"]
    # After an act is not the future.
    assert policy_documents_meant("签了协议以后有什么好处？", SNAPSHOT) == []
    assert policy_documents_meant("调查报告交上去以后，市政府要在多少天内作出批复？", SNAPSHOT) == []
    assert policy_documents_meant("规划批下来以后会对外公开吗？", SNAPSHOT) == []  # after the act is done
    assert policy_documents_meant("方案编好以后要报谁批准？", SNAPSHOT) == []
    assert policy_documents_meant("晚上几点以后就不能施工了？", SNAPSHOT) == []  # after a time of day
    assert policy_documents_meant("我们村以后会变漂亮吗？", SNAPSHOT) == ["opinion"]


def test_a_named_place_means_the_documents_it_issued_or_titles():
    snapshot = _Snapshot(DocMeta("energy", title="中华人民共和国节约能源法", issuer="全国人民代表大会常务委员会"),
                         DocMeta("cq-fire", title="重庆市森林防火条例"),
                         DocMeta("opinion", title="关于加快建立健全绿色低碳循环发展经济体系的实施意见",
                                 issuer="重庆市人民政府"),
                         DocMeta("sh-green", title="上海市绿色建筑条例"))
    assert documents_of_places(("重庆",), snapshot) == ["cq-fire", "opinion"]
    assert documents_of_places(("上海",), snapshot) == ["sh-green"]
    assert documents_of_places(("四川",), snapshot) == []
    assert documents_of_places((), snapshot) == []
    assert documents_of_places(("重庆",), _Snapshot(DocMeta("cq-fire", title="重庆市森林防火条例"))) == []  # all of them
