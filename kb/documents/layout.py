"""Where the closing parts of a document lie: the 落款 (signer, date, （此件公开发布）) and the attachments after it.

Attachments (附件 / 附表) follow the body: a line "附件2" (its title may follow on the next line), or "附件2：title"
right after the 落款. "附件：1．……" listed before the 落款 is the body's note of its attachments, not an attachment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kb.documents.normalize import ends_sentence, is_date_line, is_org_line, is_publication_note, match_ordinal, squeeze

MAX_HEADING_CHARS = 40
_SIGNATURE_SEARCH_DEPTH = 6  # the signature date sits among the last few paragraphs
_MAX_SIGNERS = 3
_ATTACHMENT = re.compile(r"(附件|附表)\s*([0-9０-９一二三四五六七八九十]{0,3})\s*[：:]?\s*")
_ATTACHMENT_NOTE = re.compile(r"(?:附件|附表)\s*[：:]")
_MAX_NOTED_ATTACHMENTS = 10


@dataclass(frozen=True)
class Attachment:
    first: int  # paragraph index of its heading line
    content: int  # its first paragraph after the heading (and title) lines
    label: str  # "附件1", as written without spaces
    title: str  # "示例管理办法"; "" when none is given


def signature_start(paragraphs: Sequence[str]) -> int:
    """Index of the first paragraph of the 落款 (signer, date, （此件公开发布）); len(paragraphs) when there is none."""
    first_candidate = max(1, len(paragraphs) - _SIGNATURE_SEARCH_DEPTH)
    # A date followed by numbered provisions dates a cover letter ("关于印发…方案的通知"), not the text it issues.
    numbered_after = [i for i in range(first_candidate, len(paragraphs)) if match_ordinal(paragraphs[i]) is not None]
    dates = [i for i in range(first_candidate, len(paragraphs))
             if is_date_line(paragraphs[i]) and not any(n > i for n in numbered_after)]
    notes = [i for i in range(first_candidate, len(paragraphs)) if is_publication_note(paragraphs[i])]
    if dates:
        start = dates[-1]
    elif notes and notes[-1] == len(paragraphs) - 1:
        start = notes[-1]
    else:
        return len(paragraphs)
    signers = 0
    while start - 1 >= 1 and signers < _MAX_SIGNERS and is_org_line(paragraphs[start - 1]):
        start -= 1
        signers += 1
    return start


def attachment_note_start(paragraphs: Sequence[str], signature: int) -> int:
    """Where the body's note of its attachments begins, right before the 落款 ("附件：1．…评价指标体系" "2．…申报书"):
    it names what is attached and provides nothing, so it belongs to the closing parts, not the last provision.
    `signature` when there is none."""
    for index in range(signature - 1, max(0, signature - 1 - _MAX_NOTED_ATTACHMENTS), -1):
        line = paragraphs[index]
        if _ATTACHMENT_NOTE.match(line):
            return index
        if match_ordinal(line) is None or ends_sentence(line) or len(line) > MAX_HEADING_CHARS:
            break  # a provision, not a listed attachment's title
    return signature


def _title_line(paragraphs: Sequence[str], index: int) -> str:
    line = paragraphs[index] if index < len(paragraphs) else ""
    fits = line and len(line) <= MAX_HEADING_CHARS and not ends_sentence(line) and match_ordinal(line) is None
    return line if fits else ""


def find_attachments(paragraphs: Sequence[str], body_start: int) -> list[Attachment]:
    """The attachments after the body, in order."""
    found: list[Attachment] = []
    for index in range(body_start + 1, len(paragraphs)):
        heading = _ATTACHMENT.match(paragraphs[index])
        if heading is None:
            continue
        rest = paragraphs[index][heading.end():]
        after_signature = is_date_line(paragraphs[index - 1]) or is_publication_note(paragraphs[index - 1])
        if rest:
            title = rest if after_signature and len(rest) <= MAX_HEADING_CHARS and not ends_sentence(rest) else ""
            content = index + 1
        else:
            title = _title_line(paragraphs, index + 1)
            content = index + 2 if title else index + 1
        if not title and not (after_signature and not rest):
            continue
        label = squeeze(heading.group(1) + heading.group(2))
        if any(a.label == label for a in found):
            label = f"{label}-{len(found) + 1}"
        found.append(Attachment(index, content, label, title))
    return found


def body_end(paragraphs: Sequence[str], body_start: int) -> int:
    """Where the body and its 落款 end: at the first attachment, else at the end of the text."""
    attachments = find_attachments(paragraphs, body_start)
    return attachments[0].first if attachments else len(paragraphs)
