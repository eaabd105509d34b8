#!/usr/bin/env bash
# Create .venv (if missing) and install arcrime. Idempotent.
#   bash scripts/setup.sh        what the main job needs (scripts/quickstart.sh)
#   bash scripts/setup.sh dev    that plus the test extras (scripts/test.sh): ONNX, the web app, selenium, gensim
# torch is pinned to the CPU wheel 2.13.0 that this kind of machine carries on disk; on a CUDA
# machine install the matching CUDA build of torch first, then run this script.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  .venv/bin/python -m pip install -q "torch==2.13.0"
fi
if [ "${1:-}" = dev ]; then
  .venv/bin/python -m pip install -q -e ".[dev]"
else
  .venv/bin/python -m pip install -q -e .
fi
