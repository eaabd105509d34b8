#!/usr/bin/env bash
# Re-create every run behind experiments/RESULTS.md from a clean checkout (about an hour and a half on 2 CPU cores),
# then rebuild the table. Each run records its config, commit, package versions, seed and metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
bash scripts/setup.sh dev  # the ONNX export below needs the extras
A=.venv/bin/arcrime
# the real-press layer (data/real/README.md): set ARCRIME_REAL_CORPUS to your copy of the corpora
CORPUS=${ARCRIME_REAL_CORPUS:-../shared/unlabeled}
if [ -d "$CORPUS" ]; then $A data hydrate --corpus "$CORPUS"; else echo "no corpora at $CORPUS: real-press rows are skipped"; fi
for c in baseline-keywords baseline-tfidf baseline-tfidf-svm quickstart bert-small-real bert-small-w2v-real quickstart-random-init scratch-small; do
  $A train --config configs/$c.yaml --overwrite
done
if [ -f data/real/hydrated/real_test.jsonl ]; then  # the keyword-gated hybrid of the real-press model
  for s in real_dev real_test; do
    $A evaluate --model models/bert-small-w2v-real --data data/real/hydrated/$s.jsonl --split $s --keyword-gate \
      --out experiments/bert-small-w2v-real-keyword-gate --overwrite
  done
  $A evaluate --model models/bert-small-w2v-real --data data/test.jsonl --split test --keyword-gate \
    --out experiments/bert-small-w2v-real-keyword-gate --overwrite
fi
if [ -f data/real/hydrated/real_test.jsonl ]; then
  # the quickstart recipe over seeds 14-16 (experiments/quickstart-seeds/) and the finder on the development files
  rm -rf experiments/quickstart-seeds && bash scripts/quickstart_seeds.sh
  # the stacked hybrid (BERT + TF-IDF + keyword rules, fitted on real dev): released/arcrime-hybrid-real
  bash scripts/hybrid.sh
  .venv/bin/python scripts/legal_eval.py data/real/hydrated/real_legal.jsonl data/real/hydrated/real_train.jsonl \
    data/real/hydrated/real_dev.jsonl data/dev.jsonl --source-hints --record experiments/legal-finder/current.json
fi
$A cv --config configs/baseline-tfidf-svm.yaml --folds 5 --seeds 13 14 15 --overwrite
$A cv --config configs/quickstart.yaml --folds 3 --overwrite
$A cv --config configs/quickstart-random-init.yaml --folds 3 --overwrite
$A export --model models/quickstart --out models/quickstart-onnx --onnx --int8 --overwrite
$A evaluate --model models/quickstart-onnx --data data/test.jsonl --split test --out experiments/quickstart-onnx-int8 --overwrite
$A evaluate --model models/quickstart-onnx --data data/test.jsonl --split test --out experiments/quickstart-onnx-fp32 --fp32 --overwrite
if [ -f data/real/hydrated/real_test.jsonl ]; then
  $A evaluate --model models/quickstart-onnx --data data/real/hydrated/real_test.jsonl --split real_test --out experiments/quickstart-onnx-int8 --overwrite
  $A evaluate --model models/quickstart-onnx --data data/real/hydrated/real_test.jsonl --split real_test --out experiments/quickstart-onnx-fp32 --fp32 --overwrite
fi
$A report
