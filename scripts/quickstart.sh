#!/usr/bin/env bash
# The main job, end to end, offline: install, join the real-press annotations with the public corpora
# when they are on this machine, fine-tune the quickstart model (configs/quickstart.yaml), evaluate it on
# the held-out test splits (written, and real press when present), and predict on an example article.
#
# The real-press layer (data/real/) is annotations by reference: the article texts come from your copy of
# the corpora. Set ARCRIME_REAL_CORPUS to the folder holding SaudiNewsNet/, antcorpus.multisource.data/
# and antcorpus.data/ (data/real/README.md says how to get them); default: ../shared/unlabeled.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
start=$(date +%s)
fresh=$([ -x .venv/bin/python ] && echo false || echo true)  # a first run also downloads and installs the packages
bash scripts/setup.sh
t_setup=$(date +%s)
CORPUS=${ARCRIME_REAL_CORPUS:-../shared/unlabeled}
if [ -d "$CORPUS/SaudiNewsNet" ] || [ -d "$CORPUS/antcorpus.multisource.data" ] || [ -d "$CORPUS/antcorpus.data" ]; then
  echo "== real-press layer: hydrating data/real from $CORPUS =="
  rc=0
  .venv/bin/arcrime data hydrate --corpus "$CORPUS" --out data/real/hydrated || rc=$?
  if [ "$rc" -eq 1 ]; then
    echo "some real-press records could not be hydrated (listed above); continuing with the others"
  elif [ "$rc" -ne 0 ]; then
    echo "arcrime data hydrate failed (exit $rc); fix the problem above or unset ARCRIME_REAL_CORPUS" >&2
    exit "$rc"
  fi
elif [ -f data/real/hydrated/real_test.jsonl ]; then
  echo "== real-press layer: corpora not found at $CORPUS; using the layer hydrated earlier in data/real/hydrated =="
else
  echo "== real-press layer: corpora not found at $CORPUS (set ARCRIME_REAL_CORPUS); training and scoring on the" \
       "written corpus only =="
fi
t_data=$(date +%s)
# --overwrite: this regenerates the committed quickstart run record (git diff shows any change)
.venv/bin/arcrime train --config configs/quickstart.yaml --overwrite
# training already scored every split (dev, test, real_dev, real_test) into experiments/quickstart/; to score
# any other file: .venv/bin/arcrime evaluate --model models/quickstart --data FILE --out DIR
echo "== predict on an example article =="
t_train=$(date +%s)
.venv/bin/arcrime predict --model models/quickstart "$(cat examples/article_fes.txt)"
end=$(date +%s)
# the main job's own time, phase by phase (the 10-minute budget), beside the run record
printf '{"what": "scripts/quickstart.sh end to end, seconds per phase", "setup": %d, "real_press_layer": %d, "train_and_score": %d, "predict_example": %d, "total": %d, "fresh_venv": %s}\n' \
  $((t_setup - start)) $((t_data - t_setup)) $((t_train - t_data)) $((end - t_train)) $((end - start)) "$fresh" \
  > experiments/quickstart/main_job.json
echo "quickstart finished in $((end - start)) s; run record: experiments/quickstart/"
