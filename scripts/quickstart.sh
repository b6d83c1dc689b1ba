#!/usr/bin/env bash
# The main job on a fresh machine: install, materialise the embedding model, ingest the bundled corpus,
# answer a demo question, then serve the chat page on http://127.0.0.1:8501 (Ctrl-C stops it).
# KB_NO_SERVE=1 stops after the demo answer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/kb ingest
.venv/bin/kb ask "到2025年全市森林覆盖率要达到多少？"
if [[ "${KB_NO_SERVE:-0}" != 1 ]]; then
  exec .venv/bin/streamlit run app.py --server.address 127.0.0.1 --server.port "${KB_PORT:-8501}" \
    --server.headless true --browser.gatherUsageStats false
fi
