"""Fuzzing the loaders: valid .txt .md .docx .pdf .html bytes, truncated, with bytes flipped, garbage inserted or
parts of a .docx swapped, end in text or a one-line KbError, never in another exception. Seeded: a failure
reproduces with its test id."""

from __future__ import annotations

import io
import random
import zipfile
from functools import lru_cache

import docx
import pytest

from conftest import SEED_PATH, TESTS
from kb.documents.load import LoadedText, load_bytes
from kb.errors import KbError

CASES_PER_FORMAT = 60
GARBAGE = (b"\x00", b"\xff\xfe", b"PK\x03\x04", b"%PDF-", b"<script>", b"\x1b[31m", b"\xe4\xb8", b"endobj", b"<w:p>",
           b"\r", b"\x85", "\u2028".encode(), b"stream\n", b"]]>", b"&#x0;")


def _docx() -> bytes:
    document = docx.Document()
    for line in SEED_PATH.read_text(encoding="utf-8").splitlines()[:40]:
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(1, 1).text = "序号", "责任单位"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf() -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for page in range(2):
        pdf.setFont("STSong-Light", 12)
        for row, line in enumerate(SEED_PATH.read_text(encoding="utf-8").splitlines()[page * 20:page * 20 + 20]):
            pdf.drawString(72, 770 - 20 * row, line[:40])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@lru_cache(maxsize=None)
def valid_inputs() -> dict[str, bytes]:
    text = SEED_PATH.read_text(encoding="utf-8")
    return {
        "policy.txt": text.encode("utf-8"),
        "policy.md": ("# " + text.replace("\n一、", "\n## 一、").replace("\n（", "\n- **（")).encode("gb18030"),
        "policy.html": (TESTS / "fixtures" / "load" / "gov_cn_policy_page.html").read_bytes(),
        "policy.docx": _docx(),
        "policy.pdf": _pdf(),
    }


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(("truncate", "flip", "insert", "delete", "repeat", "zip"))
        if kind == "truncate" and buffer:
            del buffer[rng.randrange(len(buffer)):]
        elif kind == "flip" and buffer:
            for _ in range(rng.randint(1, 16)):
                buffer[rng.randrange(len(buffer))] ^= 1 << rng.randrange(8)
        elif kind == "insert":
            at = rng.randrange(len(buffer) + 1)
            buffer[at:at] = rng.choice(GARBAGE) * rng.randint(1, 64)
        elif kind == "delete" and buffer:
            at = rng.randrange(len(buffer))
            del buffer[at:at + rng.randint(1, 256)]
        elif kind == "repeat" and buffer:
            at = rng.randrange(len(buffer))
            buffer[at:at] = buffer[at:at + rng.randint(1, 64)] * rng.randint(2, 200)
        elif kind == "zip" and bytes(buffer[:4]) == b"PK\x03\x04":
            buffer = bytearray(_mutate_zip_member(bytes(buffer), rng))
    return bytes(buffer)


def _mutate_zip_member(data: bytes, rng: random.Random) -> bytes:
    """A zip whose parts are intact as a zip, but one part's XML is damaged, removed or swapped for another's."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        members = {info.filename: source.read(info.filename) for info in source.infolist()}
    except Exception:
        return data
    name = rng.choice(sorted(members))
    action = rng.choice(("damage", "remove", "swap"))
    if action == "damage":
        content = bytearray(members[name])
        if content:
            del content[rng.randrange(len(content)):]
        members[name] = bytes(content) + rng.choice(GARBAGE)
    elif action == "remove":
        del members[name]
    else:
        members[name] = members[rng.choice(sorted(members))]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["policy.txt", "policy.md", "policy.html", "policy.docx", "policy.pdf"])
def test_valid_inputs_load(name: str) -> None:
    assert "人民政府" in load_bytes(valid_inputs()[name], name, name).text


@pytest.mark.parametrize("name", ["policy.txt", "policy.md", "policy.html", "policy.docx", "policy.pdf"])
def test_mutated_inputs_end_in_text_or_a_one_line_error(name: str) -> None:
    rng = random.Random(f"kb-fuzz-{name}")
    outcomes = {"text": 0, "refused": 0}
    for case in range(CASES_PER_FORMAT):
        mutated = _mutate(valid_inputs()[name], rng)
        try:
            loaded = load_bytes(mutated, name, name)
        except KbError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(f"cannot load {name}: "), (case, str(exc))
            outcomes["refused"] += 1
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            pytest.fail(f"case {case} of {name}: {type(exc).__name__}: {exc}")
        else:
            assert isinstance(loaded, LoadedText) and loaded.text.strip(), case
            outcomes["text"] += 1
    assert sum(outcomes.values()) == CASES_PER_FORMAT
