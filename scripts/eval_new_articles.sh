#!/usr/bin/env bash
# Issue 12's "new articles" check: add the two articles about other parks in eval/new_articles/
# to a copy of seeds/, rebuild (no code change, the packaged answer model as it is), and evaluate
# the questions about them and the test split on the larger corpus.
#   bash scripts/eval_new_articles.sh        (writes eval/report/new_articles/ and test_7_articles/)
set -euo pipefail
cd "$(dirname "$0")/.."
PARKQA="${PARKQA:-.venv/bin/parkqa}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seeds"
cp seeds/*.txt eval/new_articles/*.txt "$work/seeds/"
"$PARKQA" index --seeds "$work/seeds" --index "$work/index"
"$PARKQA" eval --seeds "$work/seeds" --index "$work/index" --qa eval/new_articles/qa.jsonl --split test \
  --dialogues eval/new_articles/dialogues.jsonl --out eval/report/new_articles \
  --compare eval/report/new_articles_start.json --compare-label "start of round"
"$PARKQA" eval --seeds "$work/seeds" --index "$work/index" --split test \
  --dialogues eval/dialogues.jsonl --out eval/report/test_7_articles
