"""Answers: what a question asks, the strategies that answer it extractively, the optional LLM."""
