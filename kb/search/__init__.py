"""Retrieval: BM25 and dense rankings fused into clause hits; the crosswalk between documents."""
