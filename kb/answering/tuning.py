"""Every tuning constant of the extractive answer, in one place, with the questions it was set on.

"dev" is the dev split of eval/questions.jsonl (the bundled 意见) and, for the constants marked "dev (all)", the dev
split of eval/questions.jsonl + eval/questions_laws.jsonl with the whole development corpus loaded. None was set on a
held-out question.
"""

# The evidence gate (dev): a best sentence supports an answer when at least this share of the question's
# idf-weighted words occur in it or its clause heading …
MIN_SUPPORT = 0.2
# … or when its clause's dense similarity reaches this (colloquial questions share few words with the text; dev (all):
# 0.85 answered questions about what no document regulates, 义务教育阶段学校能不能收取补课费 among them).
MIN_DENSE_SUPPORT = 0.87
# Sentence choice (dev): how much a sentence's dense similarity adds to its lexical score, and the e5 cosine
# below which similarity carries no signal.
DENSE_WEIGHT = 1.0
DENSE_FLOOR = 0.8
# "X的有效期是几年" is answered only by a clause about X: at least this share of X's idf-weighted words (dev (all)).
MIN_OWNER_COVERAGE = 0.3
# A number answers only when it stands by the words the question asks about (dev).
MIN_FRAGMENT_COVERAGE = 0.25
# Clauses retrieved for an answer, whatever the caller's top-k (dev).
ANSWER_CANDIDATES = 8
# Sentences are drawn from the best clauses of the retrieval (dev (all): laws split articles into 款 and 项, so 6
# clauses held too little of them).
CANDIDATE_CLAUSES = 8
# The best-scoring sentence may miss the asked detail while a close runner-up holds it: runners-up within this share
# of the best score are tried (dev).
CONTENDER_SHARE = 0.6
MAX_CONTENDERS = 8
# … and after them the other sentences of this many best contenders' clauses (dev (all)).
SIBLING_CLAUSES = 2
# A runner-up sentence is shown beside the best when it scores at least this share of the best (dev).
SUPPORTING_SHARE = 0.8
MAX_SUPPORTING = 2
# Who questions (dev): a sentence naming a body answers instead of the best one when it scores at least this
# share of it (another sentence of the same clause may name a body for another task).
NAMED_BODY_SHARE = 0.9
# Lists (dev): sentences within this share of the best, at most this many.
LIST_SHARE = 0.6
MAX_LIST_ITEMS = 10
# Penalties: at most this many sentences of the penalising paragraph (dev (all)).
MAX_PENALTY_SENTENCES = 4
# When the closest provision is the duty asked about, a penalty whose conduct holds less than this share of the duty's
# support punishes other conduct (set on a question of this session's own, 道路运输经营者没有投保承运人责任险会被怎么罚;
# dev (all): no answer changed).
MIN_PENALTY_SHARE_OF_DUTY = 0.5
# A penalty that names no article punishes the duty or prohibition whose paragraph holds this share of its conduct's
# idf-weighted words (dev (all)).
MIN_CONDUCT_COVERAGE = 0.8
# A definition is quoted with the rest of its paragraph, up to this many sentences; a law's definitions are looked
# for in this many of the retrieved documents when retrieval ranked none of them (dev (all)).
MAX_DEFINITION_SENTENCES = 3
DEFINITION_DOCUMENTS = 2
# A quoted sentence ending in "；" goes on to its full stop over at most this many more sentences (dev (all)).
MAX_CONTINUED_SENTENCES = 3
# A permission's provision is quoted with the rest of its paragraph, up to this many sentences (dev (all)).
MAX_PERMISSION_SENTENCES = 3
# … and the close provision holding at least this share of the asked act's idf-weighted words comes first (dev (all)).
MIN_ACT_COVERAGE = 0.5
# A close provision with the asked kind of modal verb answers instead of the best sentence when it holds at least this
# share of the asked act's words that the best one holds (set on a blind dev question, V017; dev (all): no answer changed).
MIN_MODAL_SHARE_OF_BEST = 0.5
# A section asked for by its heading ("工作目标是什么") is quoted whole, up to this many sentences (set on a 方案 of
# this session's own; dev (all): no answer changed).
MAX_SECTION_SENTENCES = 4
# An article asked for by its number is quoted whole, up to this many sentences (its paragraphs and items).
MAX_ARTICLE_SENTENCES = 24
# A law states its scope among its first articles: this many of the best document's first sentences (dev (all)).
SCOPE_LEADING_SENTENCES = 15
# … and, for retrieval, this many of a named document's first clauses are searched for its scope article (dev (all)).
SCOPE_LEADING_CLAUSES = 8
# At most this many clauses asked for by structure are ranked first: a term defined in several documents, an article
# in each named one (dev (all)).
MAX_STRUCTURAL_CLAUSES = 3
# Enterprise answers: the sentences closest to the question, before the requirement finder's list (dev).
MAX_CLOSEST = 3
MAX_ENTERPRISE_ITEMS = 16
# … read from at most this many of the retrieved documents' requirements for the industry (a bound on the work).
MAX_ENTERPRISE_SOURCES = 400
# Retrieval's say (dev (all)): a sentence gets this share of its clause's retrieval score over the best hit's;
# a higher-ranked clause and the retriever's own best sentence win ties.
RETRIEVAL_WEIGHT = 0.6
# An item's words count fully; the words only its lead-in sentence adds count this much (dev (all)).
LEAD_IN_WEIGHT = 0.5
RANK_BONUS = 0.04
BEST_SENTENCE_BONUS = 0.05
# A question that asks several things: one part's own answer is added when its lead quote holds this share of the
# part's idf-weighted words that the answer to the whole question lacks (dev (all)).
MIN_PART_NEW_WORDS = 0.25
# A question that means some documents without naming them ("文件里…", a follow-up) is answered from them unless the
# answer from all documents scores more than this many times theirs (dev (all)).
MEANT_DOCUMENTS_MARGIN = 1.2
# "为什么要限行" is asked of the document's own matter when the title and its opening purpose sentence hold this share
# of the question's idf-weighted words (set on a 通告 of this session's own; see stated_purpose).
MIN_PURPOSE_COVERAGE = 0.5
