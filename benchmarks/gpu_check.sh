#!/usr/bin/env bash
# GPU check (issue #6): on a machine with CUDA, run the GPU-marked tests, train the BERT-base-shaped
# model for a few hundred steps with bf16 (the loss must fall) and run the inference benchmark on
# the GPU; prints one JSON summary and writes benchmarks/results/gpu_check.json.
# Budget: under 8 minutes on one H200 (the whole script is capped at 8 minutes by `timeout`).
#
#   bash benchmarks/gpu_check.sh            # uses .venv if present, else python3
#   PYTHON=/path/to/python bash benchmarks/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
if ! "$PY" -c "import arcrime" 2>/dev/null; then
  # a CUDA build of torch is expected to be installed already; add only the project and its other deps
  "$PY" -m pip install -q -e . >/dev/null
fi
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device visible to torch')"
if [ ! -d models/quickstart ]; then
  # the inference benchmark needs the quickstart model: train it on the GPU (about a minute)
  "$PY" -m arcrime.cli train --config configs/quickstart.yaml --set train.device=cuda --overwrite >/dev/null 2>&1 || true
fi
exec timeout 480 "$PY" benchmarks/gpu_check.py "$@"
