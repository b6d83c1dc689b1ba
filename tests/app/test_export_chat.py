"""Markdown export of a conversation: questions, answers, and the clauses they cite, in order."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import datetime

from markdown_it import MarkdownIt

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


HOSTILE = "<script>alert(1)</script>、<img src=x onerror=alert(1)>、[点我](javascript:alert(1))、:red[红字]、$$x^2$$、**粗体**"
HOSTILE_TURN = Answer(
    question=f"# 问{HOSTILE}",
    status="answered",
    text=f"甲{HOSTILE}\n- 乙〔示府发〔2099〕9号 一（一）〕",
    citations=(Citation(doc="示府发〔2099〕9号", doc_title=f"标题{HOSTILE}", clause="一（一）", heading="[标题](http://x.example)",
                        quote=f"原文{HOSTILE}\n> 第二行", score=0.9),),
    retrieved=(),
)


def test_everything_quoted_is_escaped_and_reads_as_the_text_it_is() -> None:
    markdown = conversation_markdown([HOSTILE_TURN, dataclasses.replace(CANTEEN, text=f"未找到{HOSTILE}")], AT)
    for raw in ("<script>", "javascript:", "](", ":red[", "$$", "**粗体**", "\n> 第二行", "## 问 # 问"):
        assert raw not in markdown
    # The header's "07:08" and the quote blocks' "  >" are the export's own.
    body = re.sub(r"^  >", "", markdown.split("请以文件原文为准。")[1], flags=re.MULTILINE)
    assert not re.search(r"(?<!\\)[<>\[\]()$:`]", body)  # every markup character quoted is escaped
    rendered = MarkdownIt("commonmark").render(markdown)
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered and "<h1>问" not in rendered
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert f"问题 1：# 问{HOSTILE}" in text  # the question, whole, on its heading line
    assert f"回答： 甲{HOSTILE}\n- 乙〔示府发〔2099〕9号 一（一）〕" in text  # its lines kept, no list made
    assert f"示府发〔2099〕9号 一（一） [标题](http://x.example)（《标题{HOSTILE}》）" in text
    assert f"原文{HOSTILE}\n> 第二行" in text
    assert f"未找到答案： 未找到{HOSTILE}" in text
