"""The question set and its metrics."""
