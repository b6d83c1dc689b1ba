"""Sentence embeddings on the CPU: the e5 model materialised from its PyPI wheel, and the embedder."""
