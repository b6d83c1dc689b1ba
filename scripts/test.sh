#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs everything (incl. chromium for the browser test), then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --test
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest -q "$@"
