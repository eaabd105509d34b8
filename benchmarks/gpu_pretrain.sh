#!/usr/bin/env bash
# Issue 14 §4, one prepared script for one CUDA GPU (under 8 minutes on an H100/H200):
#   1. pretrain the larger encoder of configs/pretrain-gpu.yaml on the public news corpora (bf16),
#   2. run benchmarks/gpu_check.sh (GPU tests, base-shape bf16 training, GPU inference).
# Usage (from the repository root):
#   ARCRIME_PRETRAIN_CORPUS=DIR bash benchmarks/gpu_pretrain.sh [OUT]
# DIR holds the corpora's articles.txt.xz files (any depth). OUT (default: a temporary folder)
# receives the encoder as a tar split into 15 MB parts plus the logs; rebuild it with
#   cat OUT/encoder.tar.part-* | tar -x
# Needs a CUDA build of torch with transformers; the other dependencies may come as wheels in
# .whl/ (installed into a temporary folder when present).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-$(mktemp -d)}
PY=${PYTHON:-python3}
CORPUS=${ARCRIME_PRETRAIN_CORPUS:?set ARCRIME_PRETRAIN_CORPUS to the folder of the corpora}
if ls .whl/*.whl >/dev/null 2>&1; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/arcrime-site .whl/*.whl
  export PYTHONPATH=/tmp/arcrime-site:${PYTHONPATH:-}
fi
export PYTHONPATH=$PWD/src:${PYTHONPATH:-} PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
"$PY" -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))" | tee "$OUT/device.txt"
start=$(date +%s)
"$PY" -m arcrime.cli pretrain --config configs/pretrain-gpu.yaml --corpus "$CORPUS" --overwrite 2>&1 \
  | grep -v "it/s\]$" | tee "$OUT/pretrain.log"
echo "pretrain: $(( $(date +%s) - start )) s" | tee -a "$OUT/pretrain.log"
if [ -f encoders/arcrime-bert-gpu/model.safetensors ]; then
  tar -cf - encoders/arcrime-bert-gpu | split -b 15M - "$OUT/encoder.tar.part-"
fi
PYTHON="$PY" bash benchmarks/gpu_check.sh --steps 100 --n 500 > "$OUT/gpu_check.log" 2>&1
echo "gpu_check exit $?" | tee -a "$OUT/gpu_check.log"
cp benchmarks/results/gpu_check.json benchmarks/results/inference_quickstart-gpu.json "$OUT/" 2>/dev/null || true
echo "total: $(( $(date +%s) - start )) s"
