#!/usr/bin/env bash
# Issue 16: does the switch of fine-tuning to transformers.Trainer change results beyond seed noise?
# Trains the pre-switch quickstart recipe (configs/quickstart.yaml of commit 1e468605 with the shipped
# encoders/arcrime-bert-small-w2v: written corpus only, 4 epochs, thresholds on written dev) with the same
# seeds on the hand-written loop of 1e468605 (a git worktree under models/, git-ignored) and on this
# checkout's Trainer stack, then writes experiments/trainer-switch-seeds/summary.json from the run records.
# trainer-recut-s*: the Trainer stack before its train sampler became a batch sampler (commit fd65aeba,
#  records kept for the comparison; they are not rerun).
# Needs the real-press layer hydrated (data/real/hydrated) for the real-press rows. ~5 min per run on 2 cores.
#   bash scripts/trainer_switch_check.sh            # seeds 13 14 15
#   SEEDS="13 14" bash scripts/trainer_switch_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OLD=1e468605e1049a8fb55785d52facebe9a0953521
WORK=models/trainer-switch
OUT=experiments/trainer-switch-seeds
mkdir -p "$WORK" "$OUT"
[ -d "$WORK/old-tree" ] || git worktree add --detach "$WORK/old-tree" "$OLD" >/dev/null
# arcrime was a namespace package at $OLD (no __init__.py), and a namespace portion never wins over the
# installed (editable) regular package: an empty __init__.py makes the old tree's code the one imported
touch "$WORK/old-tree/src/arcrime/__init__.py"
git show "$OLD:configs/quickstart.yaml" > "$WORK/quickstart-1e468605.yaml"
ROOT=../../..  # the repository root, seen from $WORK/old-tree
for seed in ${SEEDS:-13 14 15}; do
  if [ ! -f "$OUT/hand-loop-s$seed/run.json" ]; then
    (cd "$WORK/old-tree" && PYTHONPATH="$PWD/src" "$ROOT/.venv/bin/python" -m arcrime.cli train \
        --config ../quickstart-1e468605.yaml --set "model.name_or_path=$ROOT/encoders/arcrime-bert-small-w2v" \
        --set "train.seed=$seed" --overwrite --set "data.real=$ROOT/data/real/hydrated" \
        --set "data.train=$ROOT/data/train.jsonl" --set "data.dev=$ROOT/data/dev.jsonl" \
        --set "data.test=$ROOT/data/test.jsonl" --set "run.name=hand-loop-s$seed" \
        --set "run.experiments_dir=$ROOT/$OUT" --set "run.models_dir=../models")
  fi
  if [ ! -f "$OUT/trainer-s$seed/run.json" ]; then
    .venv/bin/arcrime train --config "$WORK/quickstart-1e468605.yaml" \
        --set model.name_or_path=encoders/arcrime-bert-small-w2v --set "train.seed=$seed" --overwrite \
        --set "run.name=trainer-s$seed" --set "run.experiments_dir=$OUT" --set "run.models_dir=$WORK/models"
  fi
done
.venv/bin/python - "$OUT" <<'PY'
import json, statistics, sys
from pathlib import Path
out = Path(sys.argv[1])
rows = {}
root = str(Path.cwd().resolve()) + "/"
for run in sorted(out.glob("*/run.json")):
    r = json.loads(run.read_text(encoding="utf-8"))
    if root in r.get("command", ""):  # the old code records its module's absolute path: keep records machine-free
        r["command"] = r["command"].replace(root, "")
        run.write_text(json.dumps(r, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    stack, seed = run.parent.name.rsplit("-s", 1)
    rows.setdefault(stack, {})[int(seed)] = {
        s: round(r[s]["macro_f1"], 4) for s in ("dev", "test", "real_dev", "real_test") if s in r
    } | {"commit": r["git"]["commit"][:8] + ("+dirty" if r["git"].get("dirty") else "")}
summary = {"what": "pre-switch quickstart recipe (configs/quickstart.yaml of 1e468605, w2v encoder, 4 epochs), "
                   "macro-F1 per seed on the hand-written loop (1e468605), on transformers.Trainer with the "
                   "article stream re-cut by the DataLoader (trainer-recut) and with the sampler's own batches "
                   "(trainer)",
           "runs": rows, "mean": {}}
for stack, seeds in rows.items():
    summary["mean"][stack] = {s: round(statistics.mean(v[s] for v in seeds.values()), 4)
                              for s in ("dev", "test", "real_dev", "real_test") if all(s in v for v in seeds.values())}
    summary["mean"][stack]["seeds"] = sorted(seeds)
(out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
print(json.dumps(summary["mean"], indent=1))
PY
