"""Stratified k-fold cross-validation on train+dev, over one or several seeds.

Folds are stratified by label combination and grouped by story (scikit-learn's
``StratifiedGroupKFold``), so follow-ups of one case never straddle train and test. For fold
``i``, fold ``i`` is the test part; of the other folds, a stratified, story-grouped fifth
(``DEV_SPLITS``) is the dev part (thresholds, as in normal training) and the rest is trained
on, so every fold trains on (k-1)/k × 4/5 of the articles (3 folds: 53%; 5 folds: 64%; the
corpus's own split trains on 65%). The test split of the corpus is never touched.

Writes ``experiments/<run>-cv/cv.json`` (per fold and seed, then mean ± std) with the usual run
record; fold models go to a temporary folder and are deleted.
"""

from __future__ import annotations

import copy
import json
import logging
import tempfile
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .config import Config
from .corpus import load_records
from .fileio import OutputExistsError, write_json, write_jsonl
from .training import train


logger = logging.getLogger(__name__)

DEV_SPLITS = 5  # the dev part is one of this many stratified group splits of the non-test folds


def make_folds(records: list[dict[str, Any]], k: int, seed: int) -> list[np.ndarray]:
    from sklearn.model_selection import StratifiedGroupKFold

    y = ["+".join(sorted(r["labels"])) or "none" for r in records]
    groups = [r["meta"].get("story") or r["id"] for r in records]
    skf = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    return [test for _, test in skf.split(np.zeros(len(y)), y, groups)]


def split_fold(records: list[dict[str, Any]], parts: list[np.ndarray], i: int, seed: int) -> dict[str, list[int]]:
    """Indices of train / dev / test for fold ``i``: test = fold i; dev = a stratified, story-grouped
    1/``DEV_SPLITS`` of the rest; train = the remainder."""
    test = sorted(int(j) for j in parts[i])
    rest = sorted(set(range(len(records))) - set(test))
    dev_in_rest = make_folds([records[j] for j in rest], DEV_SPLITS, seed + 1000 * (i + 1))[0]
    dev = sorted(rest[j] for j in dev_in_rest)
    train = sorted(set(rest) - set(dev))
    return {"train": train, "dev": dev, "test": test}


def cross_validate(cfg: Config, folds: int = 5, seeds: list[int] | None = None, overwrite: bool = False,
                   log: TextIO | None = None) -> dict[str, Any]:
    """Run the cross-validation; progress goes to the ``arcrime.cv`` logger (or to ``log``, a stream,
    when given; the training runs of the folds log to their own loggers)."""

    def say(msg: str) -> None:
        if log is None:
            logger.info(msg)
        else:
            print(msg, file=log)

    from .runs import RunRecord

    seeds = seeds or [cfg.train.seed]
    out_dir = Path(cfg.run.experiments_dir) / f"{cfg.run.name}-cv"
    if (out_dir / "cv.json").exists() and not overwrite:
        raise OutputExistsError(f"{out_dir} exists; pass --overwrite or choose another run.name")
    record = RunRecord(out_dir, "cv", cfg.to_dict(), seeds[0])
    # the pool: the written train and dev files, plus the real-press train and dev splits when the layer is used
    real = cfg.data.real_files() if cfg.data.real_train else None
    own = [cfg.data.train] if isinstance(cfg.data.train, str) else list(cfg.data.train)
    own += [cfg.data.dev] if isinstance(cfg.data.dev, str) else list(cfg.data.dev)
    pool = own + ([str(real["train"]), str(real["dev"])] if real else [])
    recs = load_records(pool, cfg.data.labels, log=log)
    rows = []
    with tempfile.TemporaryDirectory(prefix="arcrime-cv-") as tmp:
        tmp = Path(tmp)
        for seed in seeds:
            parts = make_folds(recs, folds, seed)
            for i in range(folds):
                split = {name: [recs[j] for j in idx] for name, idx in split_fold(recs, parts, i, seed).items()}
                fcfg = copy.deepcopy(cfg)
                for name, rr in split.items():
                    p = tmp / f"s{seed}-f{i}-{name}.jsonl"
                    write_jsonl(p, rr)
                    setattr(fcfg.data, name, str(p))
                fcfg.data.real = None  # the real layer is already inside the folds
                fcfg.train.seed = seed
                fcfg.run.name = f"s{seed}-f{i}"
                fcfg.run.experiments_dir = str(tmp / "exp")
                fcfg.run.models_dir = str(tmp / "models")
                res = train(fcfg, overwrite=True)  # the BERT model or the configured baseline
                m = json.loads((tmp / "exp" / fcfg.run.name / "metrics_test.json").read_text(encoding="utf-8"))
                rows.append({"seed": seed, "fold": i, "n_train": len(split["train"]), "n_dev": len(split["dev"]),
                             "n_test": len(split["test"]),
                             "macro_f1": m["labels"]["macro_f1"], "micro_f1": m["labels"]["micro_f1"],
                             "per_label_f1": {k2: v["f1"] for k2, v in m["labels"]["per_label"].items()},
                             "legal_exact_f1": m["legal_refs"]["model"]["exact"]["f1"],
                             "train_seconds": res.get("fit", {}).get("train_seconds")})
                say(f"cv seed {seed} fold {i}: macro-F1 {rows[-1]['macro_f1']:.3f}")

    def agg(vals: list[float]) -> dict[str, float]:
        return {"mean": float(np.mean(vals)), "std": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0}

    summary = {"folds": folds, "seeds": seeds, "n_articles": len(recs),
               "macro_f1": agg([r["macro_f1"] for r in rows]), "micro_f1": agg([r["micro_f1"] for r in rows]),
               "per_label_f1": {lab: agg([r["per_label_f1"][lab] for r in rows]) for lab in cfg.data.labels},
               "legal_exact_f1": agg([r["legal_exact_f1"] for r in rows]),
               "per_seed_macro_f1": {s: agg([r["macro_f1"] for r in rows if r["seed"] == s]) for s in seeds}}
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "cv.json", {"summary": summary, "runs": rows})
    record.finish(cv=summary, encoder_source=cfg.model.name_or_path or cfg.baseline.kind or "random-init small BERT",
                  real_layer=real is not None, pool_files=pool)
    say(f"{cfg.run.name}: {folds}-fold CV x {len(seeds)} seed(s): macro-F1 "
        f"{summary['macro_f1']['mean']:.3f} ± {summary['macro_f1']['std']:.3f}")
    return summary
