"""The corpus as llama-index `TextNode`s: one per indexed clause and one per indexed sentence, ids = chunk ids.

Relationships follow the clause tree, so llama-index's own context tools can use it: a sentence's PARENT is its
clause, a clause's PARENT the nearest enclosing clause by numbering path (二（一）4 -> 二（一） -> 二), and CHILD
the reverse (child clauses, then the clause's sentences); PREVIOUS / NEXT chain the clauses, and separately the
sentences, of a document in document order; SOURCE is the document (its short id), so `ref_doc_id` works.
Node texts are the clauses' and sentences' own texts; the heading path is in the metadata.
"""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.schema import NodeRelationship, ObjectType, RelatedNodeInfo, TextNode

from kb.engine import PolicyKb
from kb.errors import KbError
from kb.schema import ChunkKind, Clause, DocMeta, ParsedDocument
from kb.search.retrieve import resolve_doc
from kb.store.chunk_table import ChunkTable
from kb.store.snapshot import Snapshot, load_snapshot

HEADING_SEPARATOR = " / "
# Embedding sees the title and the heading path; a language model also sees the citation (文号 and clause label).
EXCLUDED_EMBED_KEYS = ["doc_id", "doc", "doc_number", "level", "clause", "heading", "kind", "sentence"]
EXCLUDED_LLM_KEYS = ["doc_id", "doc_number", "level", "heading", "kind", "sentence"]


class ClauseTree:
    """Parents and heading paths of one document's clauses, found by numbering path (Clause.path)."""

    def __init__(self, doc: ParsedDocument) -> None:
        self._by_path = {c.path: c for c in doc.clauses if c.path}

    def parent(self, clause: Clause) -> Clause | None:
        """The nearest enclosing clause: a gap in the numbering (no （一） above a 1．) skips to the next one up."""
        for depth in range(len(clause.path) - 1, 0, -1):
            found = self._by_path.get(clause.path[:depth])
            if found is not None:
                return found
        return None

    def ancestors(self, clause: Clause) -> list[Clause]:
        """Enclosing clauses, outermost first."""
        chain = []
        parent = self.parent(clause)
        while parent is not None:
            chain.append(parent)
            parent = self.parent(parent)
        return chain[::-1]

    def heading_path(self, clause: Clause) -> str:
        """The divisions it stands in (章 / 节), its ancestors' headings and its own, e.g. "重点任务 / 健全…体系"."""
        parts = [*clause.parents, *(a.heading for a in self.ancestors(clause)), clause.heading]
        return HEADING_SEPARATOR.join(p for p in parts if p)


def node_metadata(meta: DocMeta, clause: Clause, tree: ClauseTree, kind: ChunkKind = ChunkKind.CLAUSE,
                  sentence: int = -1) -> dict[str, str | int]:
    """Flat metadata (any vector store takes it): the document, the clause and where the node sits."""
    return {"doc_id": meta.doc_id, "doc": meta.citation_name, "doc_number": meta.doc_number, "title": meta.title,
            "level": meta.level, "clause": clause.label, "heading": clause.heading,
            "heading_path": tree.heading_path(clause), "kind": str(kind), "sentence": sentence}


def clause_text_node(meta: DocMeta, clause: Clause, tree: ClauseTree, node_id: str,
                     sentence: int = -1) -> TextNode:
    """The node of a clause, or of its sentence number `sentence`, with metadata and its document as SOURCE."""
    if sentence < 0:
        text, start, end, kind = clause.text, clause.start, clause.end, ChunkKind.CLAUSE
    else:
        part = clause.sentences[sentence]
        text, start, end, kind = part.text, part.start, part.end, ChunkKind.SENTENCE
    node = TextNode(id_=node_id, text=text, start_char_idx=start, end_char_idx=end,
                    metadata=node_metadata(meta, clause, tree, kind, sentence),
                    excluded_embed_metadata_keys=list(EXCLUDED_EMBED_KEYS),
                    excluded_llm_metadata_keys=list(EXCLUDED_LLM_KEYS))
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=meta.doc_id,
                                                                  node_type=ObjectType.DOCUMENT)
    return node


def chunk_node_id(chunks: ChunkTable, doc_id: str, label: str, sentence: int = -1) -> str:
    """The chunk id of a clause (or of its sentence); "doc:label" for a clause without a chunk (an empty one)."""
    return chunks.chunk_for(doc_id, label, sentence) or f"{doc_id}:{label}"


def _link(node: TextNode, relation: NodeRelationship, other: TextNode) -> None:
    info = RelatedNodeInfo(node_id=other.node_id, node_type=ObjectType.TEXT,
                           metadata={"clause": other.metadata["clause"], "kind": other.metadata["kind"]})
    if relation == NodeRelationship.CHILD:
        node.relationships.setdefault(relation, []).append(info)  # type: ignore[union-attr]
    else:
        node.relationships[relation] = info


def _chain(nodes: Sequence[TextNode]) -> None:
    for before, after in zip(nodes, nodes[1:]):
        _link(before, NodeRelationship.NEXT, after)
        _link(after, NodeRelationship.PREVIOUS, before)


def document_nodes(doc: ParsedDocument, chunks: ChunkTable) -> list[TextNode]:
    """The nodes of one indexed document in document order: each clause followed by its sentences."""
    tree = ClauseTree(doc)
    clause_nodes: dict[str, TextNode] = {}
    sentence_nodes: dict[str, list[TextNode]] = {}
    for clause in doc.clauses:
        span = chunks.clause_rows.get((doc.meta.doc_id, clause.label))
        if span is None:  # an empty clause is not indexed
            continue
        start, count = span
        for row in range(start, start + count):
            sentence = chunks.sentence_of(row)
            node = clause_text_node(doc.meta, clause, tree, chunks.chunk_id(row), sentence)
            if sentence < 0:
                clause_nodes[clause.label] = node
            else:
                sentence_nodes.setdefault(clause.label, []).append(node)
    for clause in doc.clauses:
        node = clause_nodes.get(clause.label)
        if node is None:
            continue
        parent = next((clause_nodes[a.label] for a in reversed(tree.ancestors(clause)) if a.label in clause_nodes),
                      None)
        if parent is not None:
            _link(node, NodeRelationship.PARENT, parent)
            _link(parent, NodeRelationship.CHILD, node)
    for label, sentences in sentence_nodes.items():
        for sentence in sentences:
            _link(sentence, NodeRelationship.PARENT, clause_nodes[label])
            _link(clause_nodes[label], NodeRelationship.CHILD, sentence)
    ordered = [clause_nodes[c.label] for c in doc.clauses if c.label in clause_nodes]
    all_sentences = [s for c in doc.clauses for s in sentence_nodes.get(c.label, [])]
    _chain(ordered)
    _chain(all_sentences)
    return [n for c in doc.clauses if c.label in clause_nodes
            for n in (clause_nodes[c.label], *sentence_nodes.get(c.label, []))]


def indexed_snapshot(kb: PolicyKb) -> Snapshot:
    """The current index generation, read without loading the embedding model."""
    snap = load_snapshot(kb.config)
    if not snap.documents:
        raise KbError("the index is empty: run `kb ingest` first")
    return snap


def corpus_nodes(kb: PolicyKb, docs: Sequence[str] = ()) -> list[TextNode]:
    """Every indexed clause and sentence as a `TextNode` (of the documents named in `docs`: short id, 文号 or a
    unique part of the title; default all), documents in corpus order."""
    snap = indexed_snapshot(kb)
    chosen = [resolve_doc(snap, name) for name in docs] if docs else list(snap.documents)
    return [node for doc_id in chosen for node in document_nodes(snap.documents[doc_id], snap.chunks)]
