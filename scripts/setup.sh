#!/usr/bin/env bash
# A convenience, not a requirement: `pip install .` alone gives a working parkqa (README).
# This creates .venv with an editable install at the versions CI checked (requirements.lock).
# Safe to re-run (pip skips what is installed).
#   bash scripts/setup.sh          the app
#   bash scripts/setup.sh --test   the app, the test tools, the Milvus extra (its tests run Milvus
#                                  Lite), and (apt) Chromium + a CJK font
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="${PYTHON:-python3}"
EXTRAS=""
if [ "${1:-}" = "--test" ]; then
  EXTRAS="[test,milvus]"
  # the browser tests drive the system Chromium; without a CJK font Chinese renders as boxes;
  # LightGBM (the summary selector) needs the OpenMP runtime most systems already have
  need=""
  for pkg in chromium fonts-wqy-microhei libgomp1; do dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"; done
  if [ -n "$need" ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y -q $need || { $SUDO apt-get update -q && $SUDO apt-get install -y -q $need; }
  fi
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# CPU torch first, so that no resolver step can reach for the multi-GB CUDA build
"$VENV/bin/pip" install -q --disable-pip-version-check torch==2.13.0
# exact versions CI was checked with (regenerate after a deliberate upgrade; see README)
LOCK=""; [ -f requirements.lock ] && LOCK="-c requirements.lock"
"$VENV/bin/pip" install -q --disable-pip-version-check $LOCK -e ".$EXTRAS"
echo "parkqa installed in $VENV"
