"""Markdown export of a conversation: questions, answers, and the clauses they cite, in order."""

from __future__ import annotations

from datetime import datetime

from kb.app.export_chat import conversation_markdown, export_file_name
from kb.schema import Answer, Citation, Hit

AT = datetime(2024, 5, 6, 7, 8)
FOREST = Answer(
    question="到2025年森林覆盖率要达到多少？",
    status="answered",
    text="森林覆盖率达到57%。〔渝府发〔2021〕31号 一（二）〕",
    citations=(Citation(doc="渝府发〔2021〕31号", doc_title="重庆市实施意见", clause="一（二）", heading="主要目标",
                        quote="森林覆盖率达到57%。\n第二行", score=0.9),),
    retrieved=(),
)
CANTEEN = Answer(
    question="食堂吃什么？",
    status="not_found",
    text="现有文件中没有找到能直接回答这个问题的条款。",
    citations=(),
    retrieved=(Hit(doc_id="cq", doc_number="", doc_title="t", clause_label="二（一）4", heading="壮大绿色环保产业",
                   text="4．壮大绿色环保产业。", score=0.1),),
)


def test_answered_turn_lists_its_citation_with_the_quote() -> None:
    markdown = conversation_markdown([FOREST], AT)
    assert markdown.startswith("# 政策问答记录\n\n导出时间：2024-05-06 07:08　共 1 个问题")
    assert "## 问题 1：到2025年森林覆盖率要达到多少？" in markdown
    assert "**回答：** 森林覆盖率达到57%。〔渝府发〔2021〕31号 一（二）〕" in markdown
    assert ("**依据：**\n\n- 渝府发〔2021〕31号 一（二） 主要目标（《重庆市实施意见》）\n"
            "  > 森林覆盖率达到57%。\n  > 第二行") in markdown


def test_not_found_turn_is_marked_and_lists_related_clauses_by_short_id_when_no_doc_number() -> None:
    markdown = conversation_markdown([FOREST, CANTEEN], AT)
    assert "共 2 个问题" in markdown
    second = markdown.split("## 问题 2：食堂吃什么？")[1]
    assert "**未找到答案：** 现有文件中没有找到" in second
    assert "**可能相关的条款：**\n\n- cq 二（一）4 壮大绿色环保产业" in second
    assert "**依据：**" not in second
    assert markdown.index("## 问题 1") < markdown.index("## 问题 2")


def test_empty_conversation_and_file_name() -> None:
    assert "共 0 个问题" in conversation_markdown([], AT)
    assert export_file_name(AT) == "policy-kb-chat-20240506-0708.md"
