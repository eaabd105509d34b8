#!/usr/bin/env bash
# experiments/pretrain-curves/: every general-corpus pretraining run of issue 14 on one plot (same tokenizer,
# held-out articles and masks), continuations drawn from where the run they continue ended.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
"$PY" scripts/plot_pretrain_curves.py \
  "shipped (random init, 64 blocks/step, 2 threads)=encoders/arcrime-bert-small/pretrain_log.json" \
  "run2 (random init, 32 blocks/step, 2 threads)=experiments/pretrain-run2/pretrain_log.json" \
  "word2vec init (32 blocks/step, 1 thread)=encoders/arcrime-bert-small-w2v/pretrain_log.json" \
  "word2vec init, continued (arcrime-bert-small-cont, 2 threads)=encoders/arcrime-bert-small-cont/pretrain_log.json" \
  "continued again, fresh head, peak LR 2e-4 (cont2, not shipped)=experiments/pretrain-cont2/pretrain_log.json" \
  "continued again, fresh head, peak LR 6e-5 (cont3, not shipped)=experiments/pretrain-cont3/pretrain_log.json" \
  "head only, encoder frozen (cont-head)=experiments/pretrain-cont-head/pretrain_log.json" \
  "whole model with that head (arcrime-bert-small-cont4)=encoders/arcrime-bert-small-cont4/pretrain_log.json" \
  --out experiments/pretrain-curves
