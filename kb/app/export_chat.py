"""A conversation as a Markdown document: every question, its answer, and the exact clauses it rests on.

Meant to be pasted into a memo or filed: each citation names the document (文号 and title) and the clause label,
and quotes the cited sentence, so a reader can check the answer against the document without the app. Everything
quoted (questions, answers, document text and metadata) is escaped, so any Markdown viewer shows it as the text it is:
no script, image, link or formatting from a document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from kb.app.render import escape_markdown, markdown_lines
from kb.schema import Answer, AnswerStatus, Citation, Hit


def _one_line(text: str) -> str:
    return escape_markdown(" ".join(text.split()))


def _quote_block(text: str) -> str:
    return "\n".join(f"  > {escape_markdown(line.strip())}" if line.strip() else "  >"
                     for line in text.strip().splitlines())


def _citation_lines(citation: Citation) -> str:
    title = f"（《{citation.doc_title}》）" if citation.doc_title else ""
    heading = f" {citation.heading}" if citation.heading else ""
    return f"- {_one_line(f'{citation.doc} {citation.clause}{heading}{title}')}\n{_quote_block(citation.quote)}"


def _related_line(hit: Hit) -> str:
    heading = f" {hit.heading}" if hit.heading else ""
    return f"- {_one_line(f'{hit.citation_name} {hit.clause_label}{heading}')}"


def answer_markdown(number: int, answer: Answer) -> str:
    parts = [f"## 问题 {number}：{_one_line(answer.question)}"]
    if answer.status == AnswerStatus.ANSWERED:
        parts.append(f"**回答：** {markdown_lines(answer.text)}")
        if answer.citations:
            parts.append("**依据：**\n\n" + "\n".join(_citation_lines(c) for c in answer.citations))
    else:
        parts.append(f"**未找到答案：** {markdown_lines(answer.text)}")
        if answer.retrieved:
            parts.append("**可能相关的条款：**\n\n" + "\n".join(_related_line(h) for h in answer.retrieved))
    return "\n\n".join(parts)


def conversation_markdown(answers: Sequence[Answer], exported_at: datetime) -> str:
    header = (f"# 政策问答记录\n\n导出时间：{exported_at:%Y-%m-%d %H:%M}　共 {len(answers)} 个问题\n\n"
              "回答均摘自所引条款原文，请以文件原文为准。")
    body = [answer_markdown(number, answer) for number, answer in enumerate(answers, 1)]
    return "\n\n".join([header, *body]) + "\n"


def export_file_name(exported_at: datetime) -> str:
    return f"policy-kb-chat-{exported_at:%Y%m%d-%H%M}.md"
