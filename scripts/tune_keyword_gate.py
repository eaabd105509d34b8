"""Tune the keyword-gate thresholds of a model trained before training did it (on its own dev files).

    .venv/bin/python scripts/tune_keyword_gate.py --model models/bert-small-w2v-real

The keyword-gated hybrid (``arcrime predict/evaluate --keyword-gate``) keeps a label only where its
keyword family occurs and lets the model decide among those articles. Its per-label thresholds are
tuned on the same dev files the run chose its thresholds on (the run's ``data.dev_files()``, read from
the model's ``config.json``), exactly as ``arcrime train`` now does in its last step, and written
into the model's ``config.json``. Never give it a test split.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dev", nargs="*", help="dev files (default: the dev files of the run that trained the model)")
    a = ap.parse_args()

    from arcrime.config import Config
    from arcrime.corpus import load_records
    from arcrime.inference import load
    from arcrime.keywords import gate_thresholds, keyword_matrix
    from arcrime.metrics import label_matrix

    p = load(a.model, device="cpu")
    cfg = p.config
    dev = a.dev or Config.from_dict(cfg.train_config).data.dev_files()
    if any("test" in f for f in dev):
        raise SystemExit(f"refusing to tune on a test split: {dev}")
    recs = load_records(dev, cfg.labels)
    scores = np.array([[pr.scores[lab] for lab in cfg.labels] for pr in p.predict_records(recs)])
    y = label_matrix([r["labels"] for r in recs], cfg.labels)
    cfg.gate_thresholds = gate_thresholds(y, scores * keyword_matrix([r["text"] for r in recs], cfg.labels),
                                          cfg.labels)
    cfg.save_pretrained(a.model)
    print(json.dumps({"model": a.model, "dev": dev, "n_dev": len(recs), "gate_thresholds": cfg.gate_thresholds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
