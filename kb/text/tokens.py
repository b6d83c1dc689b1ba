"""jieba tokens for BM25, with a user dictionary of policy terms and a colloquial -> formal synonym table."""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Container, Iterable

_RESOURCES = resources.files("kb") / "resources"

# Function words that carry no retrieval signal in policy text; single characters are dropped separately.
STOPWORDS = frozenset(
    "的 了 和 与 及 以及 等 在 是 对 为 把 被 将 从 向 由 于 其 之 或 并 且 也 都 要 可 能 会 有 无 这 那 哪些 什么 怎么 "
    "怎样 如何 怎么办 怎么样 咋办 咋样 为什么 多少 是否 吗 呢 吧 啊 呀 么 我们 你们 他们 我 你 他 她 它 有没有 能不能 可不可以 "
    "还 又 就 但 而 "
    "文件 规定 要求 提出 关于 方面 相关 有关 进行 开展 加强 推进 推动 加快 一个 一些 这个 那个 里 中 "
    "这么 那么 这样 那样 这种 那种 这些 那些".split()
)
_TOKEN_CHARS = re.compile(r"[\w\u4e00-\u9fff%]+")
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
# Characters that are words of their own (particles, pronouns, prepositions, modal verbs, negations, numerals, units
# of time, levels of place, parts of a law): a word jieba does not know is not made of them ("由谁", "一人", "日起", "报市",
# "有多", "条第" are no words).
_FUNCTION_CHARS = frozenset("的地得了着过和与及或并且而但也都还又就才再在是为对把被将从向由于以其之此该本各每这那哪谁啥吗呢吧啊"
                            "呀么我你他她它很太最更较已给让使如若则即因按经至到个里上下中内外前后说等所处要会想该应不没未无非"
                            "一二三四五六七八九十百千万零两几多少有第次号条款项章节年月日市省县区")


def _read_resource_lines(name: str) -> list[str]:
    text = (_RESOURCES / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def policy_terms() -> list[str]:
    return [ln.split()[0] for ln in _read_resource_lines("policy_terms.txt")]


_PATTERN_PREFIX = "re:"  # a row whose colloquial side is a pattern: "收评估费", "收检查费" are one way of speaking


@lru_cache(maxsize=1)
def _synonym_rows() -> list[tuple[str, tuple[str, ...]]]:
    rows = []
    for line in _read_resource_lines("synonyms.tsv"):
        colloquial, _, formal = line.partition("\t")
        rows.append((colloquial.strip(), tuple(formal.split())))
    return rows


@lru_cache(maxsize=1)
def synonym_table() -> dict[str, tuple[str, ...]]:
    """Colloquial word -> formal terms."""
    return {word: formal for word, formal in _synonym_rows() if not word.startswith(_PATTERN_PREFIX)}


_AMOUNT_ASKED = re.compile(r"(?:多少|几)(?:块)?钱")


@lru_cache(maxsize=1)
def synonym_patterns() -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    """Colloquial patterns -> formal terms."""
    return [(re.compile(word.removeprefix(_PATTERN_PREFIX)), formal)
            for word, formal in _synonym_rows() if word.startswith(_PATTERN_PREFIX)]


class PolicyTokenizer:
    """A private jieba instance (no global state) that knows the policy vocabulary."""

    def __init__(self, extra_terms: Iterable[str] = (), cache_dir: Path | None = None) -> None:
        import jieba  # lazy: building the prefix dictionary costs ~1 s

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        if cache_dir is not None:  # jieba caches its prefix dictionary there, else in the system's temp folder
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._jieba.tmp_dir = str(cache_dir)
        self._lock = threading.Lock()  # jieba's lazy initialise is not thread-safe
        self._tagger = None  # a part-of-speech tagger over the same dictionary, made when first asked
        for term in [*policy_terms(), *extra_terms]:
            # A high frequency makes jieba keep the term whole rather than splitting it.
            self._jieba.add_word(term.lower(), freq=max(2000, 200 * len(term)))

    def tokens(self, text: str) -> list[str]:
        """Search-mode tokens (whole terms plus their known sub-words), lower-cased, stopwords dropped."""
        text = text.lower()
        with self._lock:
            words = self._jieba.lcut_for_search(text, HMM=False)
        return _with_unknown_word_pairs(words)

    def query_tokens(self, text: str, vocabulary: Container[str]) -> list[str]:
        """The tokens of a question, with the words jieba does not know that the documents use (see
        _with_unknown_word_pairs) found where jieba left a character of one on its own: it may join the other to
        the next word, as "违反限行会罚" is 违反 + 限 + 行会 + 罚. (jieba's own words stay: a document that reads the
        same text reads them too, "不受限行" as 不受限 + 行.)"""
        lowered = text.lower()
        with self._lock:
            words = self._jieba.lcut(lowered, HMM=False)
        starts = [0]
        for word in words:
            starts.append(starts[-1] + len(word))
        alone = {start for word, start in zip(words, starts) if len(word) == 1}
        tokens = self.tokens(text)
        found = (lowered[at:at + 2] for at in range(len(lowered) - 1) if at in alone or at + 1 in alone)
        return tokens + list(dict.fromkeys(pair for pair in found if pair in vocabulary and pair not in tokens
                                           and self.is_unknown_pair(pair)))

    def is_unknown_pair(self, token: str) -> bool:
        """Whether the token is a pair of characters of a word jieba could not join (see _with_unknown_word_pairs), not
        a word of its dictionary (its own or the policy terms)."""
        return len(token) == 2 and all(_CJK_CHAR.match(c) for c in token) and not self._jieba.FREQ.get(token)

    def verbs(self, text: str) -> list[str]:
        """The words of `text` jieba tags as verbs ("卖" and "做" of "可以卖孔明灯吗"), single characters included."""
        import jieba.posseg  # lazy, as jieba is

        with self._lock:
            if self._tagger is None:
                self._tagger = jieba.posseg.POSTokenizer(self._jieba)
            pairs = self._tagger.lcut(text.lower(), HMM=False)
        return [pair.word for pair in pairs if pair.flag.startswith("v")]

    def expand_query(self, question: str) -> str:
        """Append the formal terms for colloquial words found in the question (the question itself is kept)."""
        additions: list[str] = []
        # (钱 asked as an amount, "罚多少钱", names the kind of answer, not what the question is about: no 财政资金.)
        matter = _AMOUNT_ASKED.sub(" ", question)
        matched = [formal for colloquial, formal in synonym_table().items() if colloquial in matter]
        matched += [formal for pattern, formal in synonym_patterns() if pattern.search(matter)]
        for formal in matched:
            additions.extend(t for t in formal if t not in question and t not in additions)
        return question if not additions else question + " " + " ".join(additions)


def _with_unknown_word_pairs(words: list[str]) -> list[str]:
    """The content words, in order, and in their place the words jieba could not join: adjacent single characters
    ("限行" of "尾号限行" is 限 + 行, "用能" of "重点用能单位" is 用 + 能) kept as their pairs of characters, so that a
    question and a provision that use such a word still share it. jieba is run without its guessing model
    (HMM=False), so the same word splits the same way in both."""
    tokens: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and _CJK_CHAR.match(word) and word not in _FUNCTION_CHARS:
            run.append(word)
            continue
        tokens.extend(a + b for a, b in zip(run, run[1:]))
        run = []
        if _is_content_token(word):
            tokens.append(word)
    return tokens


def _is_content_token(word: str) -> bool:
    word = word.strip()
    if not word or word in STOPWORDS or not _TOKEN_CHARS.fullmatch(word):
        return False
    # Single CJK characters are too ambiguous for BM25 (们, 市, 年); single digits/letters likewise.
    return len(word) > 1


_shared: list[PolicyTokenizer] = []
_shared_lock = threading.Lock()


def default_tokenizer(cache_dir: Path | None = None) -> PolicyTokenizer:
    """The process-wide tokenizer. Its jieba cache goes to `cache_dir` (Config.tokenizer_cache); the first caller's
    folder is used, as the cache is the same for every caller."""
    with _shared_lock:
        if not _shared:
            _shared.append(PolicyTokenizer(cache_dir=cache_dir))
        return _shared[0]
