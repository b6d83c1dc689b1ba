"""policy-kb inside other frameworks (llama-index)."""
