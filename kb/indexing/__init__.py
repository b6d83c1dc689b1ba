"""Ingest: chunk documents, embed what is new, swap the index generation; check and repair."""
