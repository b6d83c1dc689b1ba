"""jieba tokens for BM25, with a user dictionary of policy terms and a colloquial -> formal synonym table."""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable

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
        return [w for w in words if _is_content_token(w)]

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
        matched = [formal for colloquial, formal in synonym_table().items() if colloquial in question]
        matched += [formal for pattern, formal in synonym_patterns() if pattern.search(question)]
        for formal in matched:
            additions.extend(t for t in formal if t not in question and t not in additions)
        return question if not additions else question + " " + " ".join(additions)


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
