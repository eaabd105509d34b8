#!/usr/bin/env bash
# Issue 16: the Trainer stack and the hand-written loop it replaced, dropout off, same start, same batches:
# do they end at the same weights? Writes experiments/trainer-switch-seeds/equivalence.json
# (DROPOUT=on: dropout kept, the old loop seeded as Trainer seeds; equivalence-dropout.json).
# Uses the 1e468605 worktree that scripts/trainer_switch_check.sh creates (run that first). ~3 min on 2 cores.
#   bash scripts/trainer_equivalence.sh [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
STEPS=${1:-100}
OLD_TREE=models/trainer-switch/old-tree
[ -d "$OLD_TREE/src/arcrime" ] || { echo "run scripts/trainer_switch_check.sh first (it creates $OLD_TREE)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[ -f models/trainer-switch/quickstart-1e468605.yaml ] || git show 1e468605:configs/quickstart.yaml > models/trainer-switch/quickstart-1e468605.yaml
.venv/bin/python scripts/trainer_equivalence.py new "$STEPS" "$WORK" >/dev/null
(cd "$OLD_TREE" && PYTHONPATH="$PWD/src" ../../../.venv/bin/python ../../../scripts/trainer_equivalence.py old "$STEPS" "$WORK" "$(cd ../../.. && pwd)") >/dev/null
SUFFIX=$([ "${DROPOUT:-off}" = on ] && echo "-dropout" || true)
.venv/bin/python scripts/trainer_equivalence.py compare "$STEPS" "$WORK" "experiments/trainer-switch-seeds/equivalence$SUFFIX.json"
