from __future__ import annotations

from conftest import ROOT_DIR, TESTS
from pathlib import Path

import pytest

from kb.documents.metadata import administrative_level, detect_metadata, find_references, signature_start
from kb.documents.normalize import normalise_text

ROOT = ROOT_DIR
SEED = ROOT / "corpus" / "chongqing-yufufa-2021-31-green-low-carbon-circular-economy.txt"
FIXTURES = TESTS / "fixtures"


def _detect(raw: str) -> dict[str, object]:
    return detect_metadata(normalise_text(raw))


def test_seed_metadata() -> None:
    found = _detect(SEED.read_text(encoding="utf-8"))
    assert found == {
        # The PDF text lost "发展" from the title; detection reports what the text says, the manifest corrects it.
        "title": "重庆市人民政府关于加快建立健全绿色低碳循环经济体系的实施意见",
        "doc_number": "渝府发〔2021〕31号",
        "issuer": "重庆市人民政府",
        "date": "2021-10-11",
        "level": "municipal",
        "implements": ("国发〔2021〕4号",),
    }


def test_synthetic_national_metadata() -> None:
    found = _detect((FIXTURES / "synthetic_national.txt").read_text(encoding="utf-8"))
    assert found == {
        "title": "国务院关于提升社区图书馆服务水平的指导意见",  # the synthetic-notice line before it is skipped
        "doc_number": "国发〔2099〕1号",
        "issuer": "国务院",
        "date": "2099-01-01",  # written 二〇九九年一月一日
        "level": "national",
        "implements": ("国办发〔2098〕7号",),
    }


def test_synthetic_regulation_metadata_has_no_doc_number() -> None:
    found = _detect((FIXTURES / "synthetic_regulation.txt").read_text(encoding="utf-8"))
    assert found == {"title": "示例市社区花园管理办法", "issuer": "示例市人民政府", "date": "2099-03-01",
                     "level": "municipal"}


def test_letterhead_and_doc_number_before_the_title() -> None:
    text = "示例市人民政府文件\n示府发[2099] 3 号\n示例市人民政府\n关于开展测试工作的通知\n各区县人民政府：\n现将有关事项通知如下。\n一、测试"
    found = _detect(text)
    assert found["title"] == "示例市人民政府关于开展测试工作的通知"
    assert found["doc_number"] == "示府发〔2099〕3号"
    assert found["issuer"] == "示例市人民政府"  # no 落款: the title's prefix before 关于


def test_implements_needs_an_implementing_verb_and_the_preamble() -> None:
    text = ("关于测试的意见\n根据《甲规划》（国发〔2099〕1号），为贯彻《乙办法》（国办发〔2099〕2号）和《丙方案》（示发〔2099〕3号）精神，"
            "制定本意见。\n一、总体要求\n（一）落实《丁通知》（国发〔2099〕4号）。\n（二）其他。")
    assert _detect(text)["implements"] == ("国办发〔2099〕2号", "示发〔2099〕3号")


def test_find_references_normalises_brackets_and_spaces() -> None:
    text = "依据《甲办法》（国发[2099] 4 号）、《乙规定》(国办发〔2098〕12号)和《丙意见》。再提《甲办法》（国发〔2099〕4号）。"
    assert find_references(text) == [("甲办法", "国发〔2099〕4号"), ("乙规定", "国办发〔2098〕12号")]


@pytest.mark.parametrize(("issuer", "level"), [
    ("国务院", "national"), ("国务院办公厅", "national"), ("生态环境部", "national"), ("国家发展改革委", "national"),
    ("国家市场监督管理总局", "national"), ("四川省人民政府", "provincial"), ("广西壮族自治区人民政府", "provincial"),
    ("重庆市人民政府", "municipal"), ("北京市人民政府", "municipal"), ("上海市人民政府", "municipal"),
    ("天津市人民政府", "municipal"), ("成都市人民政府", "municipal"), ("重庆市渝北区人民政府", "county"),
    ("示例县人民政府", "county"), ("示例协会", "other"),
])
def test_administrative_level(issuer: str, level: str) -> None:
    assert administrative_level(issuer) == level


@pytest.mark.parametrize(("paragraphs", "start"), [
    (["正文。", "示例市人民政府", "2099年1月1日", "（此件公开发布）"], 1),
    (["正文。", "甲部", "乙局", "2099年1月1日"], 1),  # joint signers
    (["正文。", "2099年1月1日"], 1),
    (["正文。", "（此件公开发布）"], 1),
    (["正文。", "（此件公开发布）", "附件"], 3),  # the note must close the document to count without a date
    (["正文。", "更多正文。"], 2),
    (["2099年1月1日"], 1),  # the first paragraph is never a signature
])
def test_signature_start(paragraphs: list[str], start: int) -> None:
    assert signature_start(paragraphs) == start


def test_joint_signers_are_both_issuers() -> None:
    found = _detect("关于测试的通知\n正文。\n甲省乙厅\n丙省丁局\n2099年2月3日")
    assert found["issuer"] == "甲省乙厅、丙省丁局"
    assert found["level"] == "provincial"


def test_nothing_found_in_plain_text() -> None:
    assert _detect("只是一段普通的文字，没有任何公文要素。") == {}
    assert _detect("") == {}


def test_title_is_at_most_four_lines() -> None:
    found = _detect("\n".join(["甲行", "乙行", "丙行", "丁行", "戊行", "正文。"]))
    assert found["title"] == "甲行乙行丙行丁行"
