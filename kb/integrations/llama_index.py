"""Using policy-kb from llama-index: one import for everything the README's guide uses.

    PolicyKbQueryEngine, policy_kb_tool   answers (refusals and verified citations kept), for engines and agents
    PolicyKbRetriever                     clauses as nodes, with metadata filters and 0–1 scores
    corpus_nodes                          the corpus as TextNodes with the clause tree as relationships
    PolicyKbEmbedding                     the project's embedder, to search its Chroma collection from llama-index
"""

from kb.integrations.llama_index_embedding import PolicyKbEmbedding
from kb.integrations.llama_index_nodes import corpus_nodes
from kb.integrations.llama_index_query_engine import PolicyKbQueryEngine, policy_kb_tool
from kb.integrations.llama_index_retriever import PolicyKbRetriever

__all__ = ["PolicyKbEmbedding", "PolicyKbQueryEngine", "PolicyKbRetriever", "corpus_nodes", "policy_kb_tool"]
