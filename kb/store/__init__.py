"""The index on disk and its read model: file layout, SQLite state, Chroma vectors, BM25, snapshots."""
