"""`kb serve`: the HTTP API over the same PolicyKb facade as the CLI and the app (FastAPI on uvicorn)."""
