#!/usr/bin/env bash
# The test command: install (if needed) and run the default test suite offline.
# Slow tests: .venv/bin/python -m pytest -m slow ; GPU tests: -m gpu (on a CUDA machine).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/python -m pytest -q "$@"
