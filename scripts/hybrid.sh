#!/usr/bin/env bash
# The stacked hybrid of issue 14 (src/arcrime/hybrid.py), from the committed models and the hydrated real-press
# layer: retrain the TF-IDF model (configs/baseline-tfidf-svm.yaml, ~40 s), fit the combiner on real dev over the
# released BERT (~30 s) into released/arcrime-hybrid-real, score it on the dev and test splits into
# experiments/hybrid-stack (legal references also by the span tagger released/legal-tagger: scripts/legal_tagger.sh),
# and write its card. Needs data/real/hydrated (arcrime data hydrate).
set -euo pipefail
cd "$(dirname "$0")/.."
ARC=${ARCRIME:-.venv/bin/arcrime}
PY=${PYTHON:-.venv/bin/python}
[ -f data/real/hydrated/real_dev.jsonl ] || { echo "hybrid.sh: no data/real/hydrated/real_dev.jsonl; run arcrime data hydrate first" >&2; exit 2; }
"$ARC" train --config configs/baseline-tfidf-svm.yaml --overwrite
rm -rf experiments/hybrid-stack
"$ARC" hybrid --bert released/arcrime-small-real --tfidf models/baseline-tfidf-svm \
  --dev data/real/hydrated/real_dev.jsonl --out released/arcrime-hybrid-real --record experiments/hybrid-stack --overwrite
for split in real_test dev test; do
  case $split in real_*) f=data/real/hydrated/$split.jsonl ;; *) f=data/$split.jsonl ;; esac
  "$ARC" evaluate --model released/arcrime-hybrid-real --data "$f" --split "$split" --out experiments/hybrid-stack --overwrite \
    --legal-tagger released/legal-tagger
done
"$PY" scripts/hybrid_card.py released/arcrime-hybrid-real experiments/hybrid-stack
