#!/usr/bin/env bash
# Installs everything policy-kb needs into ./.venv (idempotent; re-runs only when pyproject.toml changed).
#   scripts/install.sh          the package and its Python dependencies
#   scripts/install.sh --test   also the test tools, Debian chromium and a Chinese font for the browser test
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TEST=0
[[ "${1:-}" == "--test" ]] && WITH_TEST=1

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [[ ! -x .venv/bin/python ]]; then
  echo "[install] creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
STAMP=".venv/.policy-kb-installed-$( (cat pyproject.toml; echo "$WITH_TEST") | sha256sum | cut -c1-16)"
if [[ ! -f "$STAMP" ]]; then
  echo "[install] Python packages (torch 2.13.0 CPU first, so nothing pulls a CUDA build)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q torch==2.13.0
  if [[ $WITH_TEST == 1 ]]; then
    .venv/bin/python -m pip install -q -e '.[test]'
  else
    .venv/bin/python -m pip install -q -e .
  fi
  touch "$STAMP"
fi

if [[ $WITH_TEST == 1 ]]; then
  SUDO=""
  [[ $(id -u) != 0 ]] && command -v sudo >/dev/null && SUDO="sudo"
  if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi wqy; then
    echo "[install] Debian chromium and fonts-wqy-microhei (browser test)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  fi
fi
