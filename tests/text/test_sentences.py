"""One rule for where a sentence ends, and the penalty cue."""

from kb.text.provisions import PENALTY_CUE
from kb.text.sentences import first_sentence, sentence_texts


def test_clause_sentences_end_at_semicolons_and_keep_closing_quotes():
    text = "由城市管理部门责令改正；逾期不改正的，处五十元罚款。开展“光盘行动。”\n下一段"
    assert sentence_texts(text) == ["由城市管理部门责令改正；", "逾期不改正的，处五十元罚款。", "开展“光盘行动。”", "下一段"]


def test_a_speaker_label_opens_no_sentence():
    """A 政策问答's "答：" names who speaks: a quote starts after it (the answer "（1）补贴申请表；" read "答：（1）…")."""
    assert sentence_texts("答：（1）补贴申请表；（2）营业执照复印件。\n问： 可以吗？\n答：") == [
        "（1）补贴申请表；", "（2）营业执照复印件。", "可以吗？"]
    assert sentence_texts("回答：可以。") == ["回答：可以。"]  # only a label of its own


def test_an_answers_first_sentence_runs_over_its_lead_and_semicolons():
    assert first_sentence("不可以：禁止野外用火；违者罚款。其他。") == "不可以：禁止野外用火；违者罚款。"
    assert first_sentence("没有句号") == "没有句号"


def test_penalty_cue():
    assert PENALTY_CUE.search("处二百元以上一千元以下罚款")
    assert PENALTY_CUE.search("依法追究刑事责任")
    assert not PENALTY_CUE.search("应当每年组织一次演练")
    # A grant's sanctions on whom cheats for it.
    assert PENALTY_CUE.search("由市发展改革委追回已拨付的补贴资金，取消该企业三年内申请补贴的资格")
    assert PENALTY_CUE.search("并纳入严重失信主体名单")
    assert not PENALTY_CUE.search("符合条件的企业可以申请补贴资金")
