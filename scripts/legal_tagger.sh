#!/usr/bin/env bash
# Train the legal span tagger shipped in released/legal-tagger (src/arcrime/legal/tagger.py, a CRF over words;
# about 2 minutes on one core) on the real-press legal split and the real-press train split (adding the written
# train split did worse on fresh draws: experiments/legal-tagger/fresh-draws-written.json). It is scored on the dev files (real press and
# written) into experiments/legal-tagger/train; the test splits are scored by `arcrime evaluate
# --legal-tagger released/legal-tagger` (scripts/hybrid.sh). Needs data/real/hydrated (arcrime data hydrate).
set -euo pipefail
cd "$(dirname "$0")/.."
ARC=${ARCRIME:-.venv/bin/arcrime}
[ -f data/real/hydrated/real_legal.jsonl ] || { echo "legal_tagger.sh: no data/real/hydrated/real_legal.jsonl; run arcrime data hydrate first" >&2; exit 2; }
rm -rf experiments/legal-tagger/train
"$ARC" legal train-tagger \
  --data data/real/hydrated/real_legal.jsonl data/real/hydrated/real_train.jsonl \
  --dev data/real/hydrated/real_dev.jsonl data/dev.jsonl \
  --out released/legal-tagger --record experiments/legal-tagger/train --overwrite
