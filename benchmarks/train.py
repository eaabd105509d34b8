"""Benchmark: training throughput with and without length-grouped batches.

    python benchmarks/train.py --config configs/quickstart.yaml --steps 40 --name quickstart
    python benchmarks/train.py --base-shape --steps 6 --name bert-base-shape

Runs the real training (``arcrime.training.FineTuneRecipe.fit``, i.e. ``transformers.Trainer``) for a fixed number of optimizer steps on
the training split, once with ``group_by_length`` and once without, and reports real (non-padding)
tokens per second and the padding share. ``--base-shape`` swaps in a randomly initialised encoder of
BERT-base shape (12 layers, hidden 768, 64k vocabulary). Prints JSON and writes
``benchmarks/results/train_<name>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _meta import meta, set_base_shape, widen_embeddings  # noqa: E402


def run(cfg_path: str, base_shape: bool, steps: int, grouped: bool) -> dict:

    from arcrime.config import load_config
    from arcrime.training import FineTuneRecipe, collate, make_batches

    tmp = tempfile.mkdtemp(prefix="arcrime-trainbench-")
    cfg = load_config(cfg_path, {"train.max_steps": steps, "train.group_by_length": grouped,
                                 "run.experiments_dir": tmp, "run.models_dir": tmp, "run.name": "bench"})
    if base_shape:
        set_base_shape(cfg)
    t = FineTuneRecipe(cfg, overwrite=True)
    t.setup()
    if base_shape:
        widen_embeddings(t)
    lengths = [d.n_tokens for d in t.train_docs]
    batches = make_batches(lengths, cfg.train.batch_size, cfg.train.seed, 0, grouped)[:steps]
    real = padded = 0
    for b in batches:
        bt = collate(t.doc_encoder, [t.train_docs[i] for i in b], [t.train_y[i] for i in b])
        real += bt.n_tokens
        padded += bt.input_ids.numel()
    t0 = time.perf_counter()
    info = t.fit()
    secs = time.perf_counter() - t0
    return {"group_by_length": grouped, "steps": info["steps"], "seconds": round(secs, 2),
            "real_tokens": real, "padded_tokens": padded, "padding_share": round(1 - real / padded, 3),
            "real_tokens_per_s": round(real / secs, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=str(ROOT / "configs/quickstart.yaml"))
    ap.add_argument("--base-shape", action="store_true")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--name", default="quickstart")
    a = ap.parse_args()
    rows = [run(a.config, a.base_shape, a.steps, g) for g in (False, True)]
    out = {"recorded": meta(), "benchmark": "train", "name": a.name, "config": a.config, "base_shape": a.base_shape, "runs": rows,
           "grouped_vs_ungrouped_tokens_per_s": round(rows[1]["real_tokens_per_s"] / rows[0]["real_tokens_per_s"], 2)}
    path = ROOT / "benchmarks/results" / f"train_{a.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
