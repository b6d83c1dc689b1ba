"""The question set: one JSON object a line, each about one document (its 文号 or title), with gold clauses and the
facts a correct answer must contain."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KbError

# The bundled document's questions, those written from the development corpus of laws and regulations, and questions
# about what none of these documents regulates (a knowledge base must refuse them).
DEFAULT_QUESTION_FILES = (Path("eval/questions.jsonl"), Path("eval/questions_laws.jsonl"),
                          Path("eval/questions_offtopic.jsonl"))
# The corpora the default question files are about: `kb eval --corpus` loads these into an evaluation index.
DEFAULT_CORPORA = (Path("corpus"), Path("eval/corpus-dev"))


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    doc: str  # the document asked about: its 文号, or its title when it has none ("" when it names none)
    gold: tuple[str, ...]  # clause labels of `doc` that answer it, best first; empty when unanswerable
    facts: tuple[str, ...]  # verbatim strings of the gold clauses a correct answer must contain
    answerable: bool
    kind: str
    split: str  # dev (tuned on) | heldout (reported only)
    context: tuple[str, ...] = ()  # earlier questions of a conversation, oldest first
    expects_unnamed: bool = False  # the clause names no responsible body: the answer must say so
    verdict: str = ""  # permission questions: "yes" | "no", as the text says


def _question(raw: dict, number: int) -> Question:
    return Question(
        id=str(raw.get("id", number)), question=raw["question"], doc=str(raw.get("doc", "")),
        gold=tuple(raw.get("gold", ())), facts=tuple(raw.get("facts", ())),
        answerable=bool(raw.get("answerable", True)), kind=raw.get("kind", ""), split=raw.get("split", "dev"),
        context=tuple(raw.get("context", ())), expects_unnamed=bool(raw.get("expects_unnamed", False)),
        verdict=str(raw.get("verdict", "")))


def load_questions(paths: Path | Sequence[Path]) -> list[Question]:
    """Questions of one or several files, in order; ids must be unique across them."""
    questions: list[Question] = []
    for path in [paths] if isinstance(paths, Path) else paths:
        if not path.is_file():
            raise KbError(f"question file not found: {path}")
        for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
            if not line.strip():
                continue
            try:
                questions.append(_question(json.loads(line), number))
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
                raise KbError(f"{path}:{number} is not a question object with at least a \"question\"") from None
    seen: set[str] = set()
    duplicates = [q.id for q in questions if q.id in seen or seen.add(q.id)]  # type: ignore[func-returns-value]
    if duplicates:
        raise KbError(f"question ids must be unique across the files; repeated: {', '.join(duplicates[:5])}")
    return questions


def spread_subset(questions: Sequence[Question], limit: int) -> list[Question]:
    """`limit` questions spread evenly over the whole set (so every kind and document is represented); all when 0."""
    if not limit or limit >= len(questions):
        return list(questions)
    return [questions[int(i * len(questions) / limit)] for i in range(limit)]
