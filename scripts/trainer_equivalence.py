"""Issue 16: is fine-tuning on transformers.Trainer the same optimisation as the hand-written loop it replaced?

With dropout switched off, both stacks start from the same weights (the Trainer side's initial state is
saved and loaded by the old side), see the same batches and take the same number of steps; their final
weights must then agree to float rounding. Dropout is the one random element left, so a difference in
results between the stacks that survives this check comes from the dropout random stream each seed maps to.

    bash scripts/trainer_equivalence.sh [STEPS]              # default 100 steps (one epoch is 85)
    DROPOUT=on bash scripts/trainer_equivalence.sh [STEPS]   # dropout on, the old loop seeded as Trainer seeds

Modes (the shell script runs them; ``old`` runs under the 1e468605 worktree of scripts/trainer_switch_check.sh):
    python scripts/trainer_equivalence.py new STEPS WORK
    python scripts/trainer_equivalence.py old STEPS WORK ROOT
    python scripts/trainer_equivalence.py compare STEPS WORK OUT_JSON
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch

CONFIG = "models/trainer-switch/quickstart-1e468605.yaml"  # the pre-switch quickstart recipe
ENCODER = "encoders/arcrime-bert-small-w2v"


def _no_dropout(model: torch.nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0


def new_side(steps: int, work: Path, dropout: bool) -> None:
    from arcrime.config import load_config
    from arcrime.training import FineTuneRecipe

    cfg = load_config(CONFIG, {"model.name_or_path": ENCODER, "train.seed": 13, "train.max_steps": steps,
                               "run.name": "equivalence-new", "run.experiments_dir": str(work / "exp"),
                               "run.models_dir": str(work / "models"), "data.real": None})
    cfg.train.trainer_args.update({"eval_strategy": "no", "save_strategy": "no", "load_best_model_at_end": False,
                                   "logging_steps": 1})
    recipe = FineTuneRecipe(cfg, overwrite=True)
    recipe.setup()
    if not dropout:
        _no_dropout(recipe.model)
    torch.save({k: v.clone() for k, v in recipe.model.state_dict().items()}, work / "init.pt")
    trainer = recipe.trainer()
    trainer.train()
    torch.save({k: v.clone() for k, v in trainer.model.state_dict().items()}, work / "new.pt")
    (work / "new_losses.json").write_text(json.dumps(
        [h["loss"] for h in trainer.state.log_history if "loss" in h]), encoding="utf-8")


def old_side(steps: int, work: Path, root: str, dropout: bool) -> None:
    from arcrime.config import load_config  # the 1e468605 package (PYTHONPATH set by the shell script)
    from arcrime.train import Trainer

    r = root.rstrip("/") + "/"
    cfg = load_config(r + CONFIG, {
        "model.name_or_path": r + ENCODER, "train.seed": 13, "train.max_steps": steps, "run.name": "equivalence-old",
        "run.experiments_dir": str(work / "exp"), "run.models_dir": str(work / "models"),
        "data.train": r + "data/train.jsonl", "data.dev": r + "data/dev.jsonl", "data.test": r + "data/test.jsonl",
        "data.real": None})
    tr = Trainer(cfg, overwrite=True)
    tr.setup()
    if not dropout:
        _no_dropout(tr.model)
    missing, unexpected = tr.model.load_state_dict(torch.load(work / "init.pt"), strict=False)
    if missing or unexpected:
        raise SystemExit(f"the two models differ in their parameters: missing {missing}, unexpected {unexpected}")
    # the dropout stream as Trainer starts it: transformers.set_seed(seed) at the top of train()
    torch.manual_seed(13)
    tr.fit()
    torch.save({k: v.clone() for k, v in tr.model.state_dict().items()}, work / "old.pt")


def compare(steps: int, work: Path, out: Path, dropout: bool) -> None:
    init, new, old = (torch.load(work / f) for f in ("init.pt", "new.pt", "old.pt"))
    rows = {k: {"max_abs_diff_between_stacks": float((new[k].float() - old[k].float()).abs().max()),
                "max_abs_change_in_training": float((new[k].float() - init[k].float()).abs().max())} for k in new}
    worst = max(rows, key=lambda k: rows[k]["max_abs_diff_between_stacks"])
    moved = max(v["max_abs_change_in_training"] for v in rows.values())
    summary = {"what": "hand-written loop (1e468605) vs transformers.Trainer, same initial weights, same batches, "
                       + ("dropout on, the same torch seed at the first step" if dropout else "dropout off")
                       + " (configs/quickstart.yaml of 1e468605, w2v encoder, seed 13)",
               "steps": steps, "dropout": dropout, "parameters": len(rows), "largest_difference": rows[worst] | {"parameter": worst},
               "largest_change_in_training": moved}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    mode, steps, work = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    dropout = os.environ.get("DROPOUT", "off") == "on"
    work.mkdir(parents=True, exist_ok=True)
    if mode == "new":
        new_side(steps, work, dropout)
    elif mode == "old":
        old_side(steps, work, sys.argv[4], dropout)
    else:
        compare(steps, work, Path(sys.argv[4]), dropout)
