"""Scaled corpora made from the seed document's clause structure, so parsing, jieba and the encoder do real work.

Each generated document keeps the seed's outline (一、 parts, （一） sections, 1． items) but shuffles the items
across the sections of 二, renumbers them, drops and duplicates sentences, swaps the numbers in them, and gets its
own issuer, title and 文号. It is written the way the seed was extracted from its PDF: hard-wrapped lines, a blank
line between lines, a leading space at each new page and spaces around numbers ("到 2025 年").
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from kb.corpus.folder import load_corpus_document, read_manifest
from kb.schema import Clause, ParsedDocument

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "corpus"
CITIES = ("重庆市", "成都市", "西安市", "武汉市", "长沙市", "贵阳市", "昆明市", "南宁市", "合肥市", "南昌市",
          "郑州市", "太原市", "济南市", "福州市", "杭州市", "南京市", "沈阳市", "兰州市", "银川市", "西宁市")
PREFIXES = ("府发", "府办发", "府函", "办发", "府规")
TOPICS = ("加快建立健全绿色低碳循环经济体系", "推进生态文明建设", "深入打好污染防治攻坚战", "推动工业绿色发展",
          "促进绿色消费", "加快农业农村绿色发展", "推进资源循环利用", "完善绿色金融体系")
WRAP_WIDTH = 60  # display columns of a full line (an ideograph is 2), as in the seed's PDF extraction
LINES_PER_PAGE = 24
DROP_SENTENCE = 0.12
DUPLICATE_SENTENCE = 0.08
_NUMBER = re.compile(r"\d+")
_ARABIC_RUN = re.compile(r"([0-9A-Za-z.%]+)")


@dataclass(frozen=True)
class Section:
    """A （一） section: its heading clause and the items under it."""

    clause: Clause
    items: tuple[Clause, ...]


@dataclass(frozen=True)
class Part:
    """An 一、 part with its sections."""

    clause: Clause
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Seed:
    preamble_body: str  # the 序言 after the 文号 line: salutation and opening paragraph
    parts: tuple[Part, ...]


def _seed_document() -> ParsedDocument:
    path = next(p for p in sorted(SEED_DIR.iterdir()) if p.suffix == ".txt")
    return load_corpus_document(path, read_manifest(SEED_DIR).get(path.name, {}), 10**8).parsed


def load_seed() -> Seed:
    doc = _seed_document()
    preamble = doc.clauses[0].text
    body = preamble[preamble.index("号\n") + 2:]
    parts = []
    for part in (c for c in doc.clauses if c.level == 1):
        sections = tuple(
            Section(s, tuple(c for c in doc.clauses if c.level == 3 and c.path[:2] == s.path))
            for s in doc.clauses if s.level == 2 and s.path[0] == part.path[0])
        parts.append(Part(part, sections))
    return Seed(body, tuple(parts))


def _body_sentences(clause: Clause) -> list[str]:
    """The clause's sentences with its own number cut off the first one."""
    sentences = [s.text.strip() for s in clause.sentences if s.text.strip()]
    number = clause.path[-1]
    sentences[0] = sentences[0][len(number):].lstrip("、．. ")
    return sentences


def _swap_number(match: re.Match[str], rng: random.Random) -> str:
    digits = match.group()
    if len(digits) == 4 and digits.startswith("20"):  # a year stays a plausible year
        return str(rng.randint(2021, 2035))
    low = 10 ** (len(digits) - 1) if len(digits) > 1 else 1
    return str(rng.randint(low, 10 ** len(digits) - 1))


def _perturb(sentences: list[str], rng: random.Random) -> str:
    """Keep the heading sentence; drop, duplicate and renumber the rest."""
    kept = [sentences[0]]
    for sentence in sentences[1:]:
        roll = rng.random()
        if roll < DROP_SENTENCE:
            continue
        kept.extend([sentence] * (2 if roll > 1 - DUPLICATE_SENTENCE else 1))
    return "".join(_NUMBER.sub(lambda m: _swap_number(m, rng), s) for s in kept)


def document_paragraphs(seed: Seed, index: int) -> tuple[list[str], dict[str, str]]:
    """The paragraphs of generated document `index` and its manifest entry (deterministic in `index`)."""
    rng = random.Random(index)
    city = CITIES[index % len(CITIES)]
    year = 2018 + index % 8
    number = f"{city[:1]}{rng.choice(PREFIXES)}〔{year}〕{index + 1}号"
    title = f"{city}人民政府关于{rng.choice(TOPICS)}的实施意见"
    paragraphs = [f"{city}人民政府", title, number, *seed.preamble_body.split("\n")]
    items = [item for part in seed.parts for section in part.sections for item in section.items]
    rng.shuffle(items)
    item_number = 0
    for part in seed.parts:
        paragraphs.append(f"{part.clause.path[0]}、{part.clause.heading}")
        for section in part.sections:
            paragraphs.append(section.clause.path[1] + _perturb(_body_sentences(section.clause), rng))
            # Items move between sections; every section that had items gets as many as before.
            for _ in section.items:
                item_number += 1
                paragraphs.append(f"{item_number}．" + _perturb(_body_sentences(items.pop()), rng))
    paragraphs += [f"{city}人民政府", f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日", "（此件公开发布）"]
    entry = {"doc_id": f"gen-{index:05d}", "title": title, "doc_number": number}
    return paragraphs, entry


def _width(text: str) -> int:
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


def _wrap(paragraph: str) -> list[str]:
    spaced = _ARABIC_RUN.sub(r" \1 ", paragraph).strip()
    lines, current = [], ""
    for ch in spaced:
        if _width(current + ch) > WRAP_WIDTH:
            lines.append(current)
            current = ""
        current += ch
    return lines + [current]


def render_pdf_like(paragraphs: list[str]) -> str:
    lines = [line for paragraph in paragraphs for line in _wrap(paragraph)]
    rendered = [(" " if i and i % LINES_PER_PAGE == 0 else "") + line for i, line in enumerate(lines)]
    return "\n\n".join(rendered) + "\n"


def write_corpus(target: Path, documents: int, seed: Seed | None = None) -> int:
    """Write `documents` generated documents and their manifest under `target`; returns the characters written."""
    seed = seed or load_seed()
    target.mkdir(parents=True, exist_ok=True)
    manifest, written = {}, 0
    for index in range(documents):
        paragraphs, entry = document_paragraphs(seed, index)
        name = f"{entry['doc_id']}.txt"
        text = render_pdf_like(paragraphs)
        (target / name).write_text(text, encoding="utf-8")
        manifest[name] = entry
        written += len(text)
    (target / "manifest.json").write_text(json.dumps({"documents": manifest}, ensure_ascii=False), encoding="utf-8")
    return written
