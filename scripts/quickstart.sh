#!/usr/bin/env bash
# The main job, end to end, offline: install, fine-tune the quickstart model (configs/quickstart.yaml),
# evaluate it on the held-out test split, and predict on an example article.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
start=$(date +%s)
bash scripts/setup.sh
# --overwrite: this regenerates the committed quickstart run record (git diff shows any change)
.venv/bin/arcrime train --config configs/quickstart.yaml --overwrite
.venv/bin/arcrime evaluate --model models/quickstart --data data/test.jsonl --out experiments/quickstart \
  --split test --overwrite
echo "== predict on an example article =="
.venv/bin/arcrime predict --model models/quickstart "$(cat examples/article_fes.txt)"
echo "quickstart finished in $(( $(date +%s) - start )) s; run record: experiments/quickstart/"
