"""Checks and sources shared by the document tests: the partition invariant, the development corpus of real laws and
regulations, and the same documents without their Markdown."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT_DIR

from kb.schema import ParsedDocument

DEV_CORPUS = ROOT_DIR / "eval" / "corpus-dev"
DEV_DOCUMENTS = sorted(p for p in DEV_CORPUS.glob("*.md") if p.name != "README.md")
# An article heading as the source writes it: 第X条 (or 第X条之一) at the start of a paragraph.
SOURCE_ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇]+条(?:之[一二三四五六七八九十]+)?")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HEADING_MARK = re.compile(r"^#{1,6}\s+", re.M)


def assert_clauses_partition_text(doc: ParsedDocument) -> None:
    """Clauses cover every non-space character exactly once, in order, except the header lines that open the text
    (DocMeta.info_lines) when they are not part of a 序言; sentences do the same inside each clause."""
    text = doc.text
    position = doc.clauses[0].start if doc.clauses else len(text)
    uncovered = text[:position].strip()
    assert not uncovered or uncovered.split("\n") == list(doc.meta.info_lines)
    for clause in doc.clauses:
        assert clause.text == text[clause.start:clause.end]
        assert clause.text and clause.text == clause.text.strip()
        assert clause.start >= position and not text[position:clause.start].strip()
        sentence_position = clause.start
        for sentence in clause.sentences:
            assert sentence.text == text[sentence.start:sentence.end] and sentence.text.strip()
            assert sentence.start >= sentence_position and not text[sentence_position:sentence.start].strip()
            sentence_position = sentence.end
        assert sentence_position == clause.end
        position = clause.end
    assert not text[position:].strip()
    labels = [clause.label for clause in doc.clauses]
    assert len(labels) == len(set(labels))


def plain_text(markdown: str, blank_lines: bool = True) -> str:
    """The document as a web page's text would give it: no `#` heading marks, no HTML comment, and optionally no
    blank lines between paragraphs."""
    text = _HEADING_MARK.sub("", _HTML_COMMENT.sub("", markdown))
    return text if blank_lines else "\n".join(line for line in text.split("\n") if line.strip())


def source_articles(path: Path) -> list[str]:
    """Every 第X条 that starts a paragraph of the source file, in order."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return [found.group() for line in lines if (found := SOURCE_ARTICLE.match(line.strip()))]


def outline(doc: ParsedDocument) -> list[tuple[str, ...]]:
    """What a reader sees of the clause tree: label, level, heading, parents and text of every clause."""
    return [(c.label, str(c.level), c.heading, " / ".join(c.parents), c.text) for c in doc.clauses]


def _display_width(char: str) -> int:
    return 1 if ord(char) < 0x2000 else 2


def printed_text(text: str, line_width: int = 56, page_lines: int = 9) -> str:
    """The text as PDF extraction gives it: every paragraph indented by two ideographic spaces and wrapped at a full
    line (CJK characters twice as wide as digits), a blank line after each line, and a space at each page start."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, width = "", 0
        for char in "\u3000\u3000" + paragraph:
            if width + _display_width(char) > line_width:
                lines.append(line)
                line, width = "", 0
            line, width = line + char, width + _display_width(char)
        lines.append(line)
    printed: list[str] = []
    for index, line in enumerate(lines):
        if index and index % page_lines == 0 and not line.startswith("\u3000"):
            printed[-1] = printed[-1][:-1]  # no blank line before a page start
            printed.append(f" {line}\n")
        else:
            printed.append(f"{line}\n\n")
    return "".join(printed)
