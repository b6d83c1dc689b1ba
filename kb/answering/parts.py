"""Questions that ask several things at once: "…区域评估由哪一级政府组织？评估费用由谁出？".

The whole question is answered first, as one. Each of its questions is then answered alone from the documents that
answer cites; a part's answer is added under its own question only when it quotes a provision the first answer does
not, and that provision holds words of the part that the first answer lacks, or, of an article the answer cites, rules
on a part asking whether (its verdict) or states another value for a part asking how much. Otherwise the first answer
already answers that part (an 应当按照每公顷不低于十米的标准 sentence answers "林带按什么标准建？" too).

When the whole question finds no answer (the detail one part asks for is looked for in the provision of another),
each part is answered alone, and the answers stand together only when every part has one: a part the documents do
not answer keeps the refusal, so no half answer passes for a whole one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from kb.analysis.penalties import provision_label
from kb.answering import tuning
from kb.answering.compose import UNNAMED_HEDGE
from kb.answering.intent import QuestionIntent, analyse
from kb.schema import Answer, AnswerStatus
from kb.text.bodies import find_bodies
from kb.text.numerals import find_quantities

_QUESTION_END = re.compile(r"(?<=[？?])")
# "单位因前述违法行为受到处罚的，…" rules on the conduct of the sentence before it, which the quote leaves out.
_REFERS_BACK = re.compile(r"前述|前款|上述")
MIN_PART_CHARS = 3  # "罚多少？" is a question; "是吗？" or "吗？" after one is not
MAX_PARTS = 4


def question_parts(question: str) -> list[str]:
    """The questions of a question that asks several (each ending in ？); [] for a single question."""
    parts = [part.strip(" ，,；;。") for part in _QUESTION_END.split(question)]
    parts = [part for part in parts if len(part.rstrip("？?")) >= MIN_PART_CHARS]
    return parts[:MAX_PARTS] if len(parts) > 1 else []


def new_word_share(weights: dict[str, float], quote: str, answered: str = "") -> float:
    """The idf-weighted share of a part's words that `quote` holds and the answer so far (`answered`) does not."""
    total = sum(weights.values())
    if not total:
        return 0.0
    quote, answered = quote.lower(), answered.lower()
    return sum(w for word, w in weights.items() if word in quote and word not in answered) / total


def adds_to(answer: Answer, part_answer: Answer, weights: dict[str, float], who_asked: bool = False,
            metadata_asked: bool = False) -> bool:
    """Whether a part's own answer says something the answer so far does not: its lead quote is new and holds
    enough of the part's words that the answer lacks, or, when the part asks who, it names a body and holds most of
    the part's words (the answer may name that body for another task), or, when it asks about the document itself
    (its date after its issuer), it quotes something new."""
    if part_answer.status != AnswerStatus.ANSWERED or not part_answer.citations:
        return False
    lead = part_answer.citations[0].quote
    # What the answer says is what it quotes: its citation marks name documents, whose words say nothing.
    quoted = "\n".join(c.quote for c in answer.citations)
    if lead in answer.text:
        return False
    if metadata_asked:  # a statement of the document's issuer, date or number shares no words with its question
        return True
    # "…由哪个部门组织制定？" is answered by the sentence naming the body for it, whose body is no word of the
    # question: the answer so far may name the same body for another task ("…并报国务院建设主管部门备案").
    if who_asked and find_bodies(lead) and new_word_share(weights, lead) >= tuning.MIN_ACT_COVERAGE:
        return True
    return new_word_share(weights, lead, quoted) >= tuning.MIN_PART_NEW_WORDS


def _values(text: str) -> set[tuple[object, ...]]:
    return {(q.kind, q.low, q.high, q.unit) for q in find_quantities(text)}


def rules_or_states_anew(answer: Answer, part_answer: Answer, part: QuestionIntent, weights: dict[str, float]) -> bool:
    """A part asking whether (能不能…) or how much is answered by its own verdict or value, whose provision may hold
    no word the answer so far lacks: "中心城区禁止人力车从事客运经营" answers "中心城区能不能…" beside "中心城区以外的区县
    …可以决定是否准许人力车…", and "建设单位…处二十万元以上…罚款" the part the answer's "设计单位…处十万元以上…" does not.
    Only from an article the answer cites, and holding as many of the part's words as any sentence the answer
    quotes: the parts of one question about one provision are ruled on there, a verdict from another article would
    be about another act, a sentence about less of the part than the answer's own (another item's rate, the
    authority's time limit after the applicant's) says nothing the answer does not, and one referring back (前述违法
    行为) is about what the sentence before it says."""
    if part_answer.status != AnswerStatus.ANSWERED or not part_answer.citations:
        return False
    lead = part_answer.citations[0]
    cited = {(c.doc, provision_label(c.clause)) for c in answer.citations}
    if lead.quote in answer.text or (lead.doc, provision_label(lead.clause)) not in cited \
            or _REFERS_BACK.search(lead.quote):
        return False
    about = new_word_share(weights, lead.quote)
    if not about or about < max(new_word_share(weights, c.quote) for c in answer.citations):
        return False
    if part.wants_permission:  # its verdict ("不可以，文件禁止：") stands on a line of its own before the quote
        first_line = part_answer.text.split("\n", 1)[0]
        return first_line.endswith("：") and lead.quote not in first_line
    if part.wants_number or part.wants_money or part.wants_duration or part.wants_frequency or part.wants_share \
            or part.wants_penalty:
        return bool(_values(lead.quote) - _values(answer.text))
    return False


def with_parts(question: str, answer: Answer, answer_part: Callable[[str, Sequence[str]], Answer],
               weights_of: Callable[[str], dict[str, float]]) -> Answer:
    """`answer` (to the whole question) with the answers of those of its questions it does not answer yet.
    `answer_part(part, earlier_parts)` answers one part from the documents `answer` cites."""
    parts = question_parts(question)
    if not parts:
        return answer
    if answer.status != AnswerStatus.ANSWERED:
        return _every_part_answered(answer, parts, answer_part)
    whole_field = analyse(question).metadata_field
    for index, part in enumerate(parts):
        part_answer = answer_part(part, parts[:index])
        asks_who = analyse(part).wants_responsible
        # "…是谁发的？什么时候发的？": another fact of the document than the whole question's answer states.
        part_intent = analyse(part, parts[:index])
        asked_field = part_intent.metadata_field
        asks_metadata = bool(asked_field) and asked_field != whole_field
        part_words = weights_of(part)
        rules_anew = rules_or_states_anew(answer, part_answer, part_intent, part_words)
        if not rules_anew and not adds_to(answer, part_answer, part_words, asks_who, asks_metadata):
            continue
        lead = part_answer.citations[0]
        # The part's answer from the provision it leads with (an article's 款 are one provision): its other
        # clauses answer it less directly.
        added = [c for c in part_answer.citations
                 if c.doc == lead.doc and provision_label(c.clause) == provision_label(lead.clause) and c.quote not in answer.text]
        lines = [line for line in part_answer.text.split("\n") if any(c.quote in line for c in added)]
        if rules_anew and part_intent.wants_permission and lines:  # the verdict, its first line, is its answer
            lines = [part_answer.text.split("\n", 1)[0], *lines]
        if not lines:  # what it quotes, the answer says already (a quote ending "〔…〕。" reads apart from its mark)
            continue
        text = answer.text
        if asks_who:
            # The whole question's 文件未明确 was said of the provision that answers another part.
            text = "\n".join(line for line in text.split("\n") if not line.startswith(UNNAMED_HEDGE)) or text
        answer = replace(answer, text=text + f"\n关于“{part}”：\n" + "\n".join(lines),
                         citations=answer.citations + tuple(added))
    return answer


def _every_part_answered(refusal: Answer, parts: Sequence[str],
                         answer_part: Callable[[str, Sequence[str]], Answer]) -> Answer:
    """Each part's answer under its question when every part has one; else the refusal of the whole question."""
    answers = []
    for index, part in enumerate(parts):
        part_answer = answer_part(part, parts[:index])
        if part_answer.status != AnswerStatus.ANSWERED:
            return refusal
        answers.append(part_answer)
    citations = {(c.doc, c.clause, c.quote): c for a in answers for c in a.citations}
    return replace(answers[0], question=refusal.question, citations=tuple(citations.values()),
                   text="\n".join(f"关于“{part}”：\n{a.text}" for part, a in zip(parts, answers)),
                   retrieved=refusal.retrieved, notices=refusal.notices)
