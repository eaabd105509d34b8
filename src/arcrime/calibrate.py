"""Recalibrate a fine-tuned BERT on dev files, without training it again (``arcrime calibrate``).

Training fits the calibration and the thresholds once, on the dev files of its config. This stage
refits them on the dev files given: a per-label temperature, or Platt scaling (a temperature and a bias,
``sigmoid(logit / T + b)``, :func:`arcrime.metrics.fit_platt`), then the F1-best threshold per label by
the project's rule (:func:`arcrime.metrics.tune_thresholds`) and the keyword-gate thresholds. The weights are
untouched: the new folder is a copy of the model whose ``config.json`` carries the new calibration and
thresholds, with a regenerated card.

Why: with few positives (the real-press dev split holds 8 to 23 per label) a model's scores can be shifted
as a whole, and a temperature (which keeps 0.5 where it is) leaves the tuned thresholds at 0.03 to 0.11.
The bias moves the scores back to calibrated probabilities, so a threshold lies inside [0, 1] and a score
reads as a probability. A per-label transform that keeps the order of the scores, it changes which dev
articles pass a threshold only where F1 ties are broken differently (towards 0.5).

    arcrime calibrate --model released/arcrime-small-real --dev data/real/hydrated/real_dev.jsonl \\
        --out models/arcrime-small-real-platt --record experiments/bert-small-w2v-real-balanced-platt
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from .card import model_card
from .fileio import OutputExistsError
from .inference import BertPredictor, calibrated_scores
from .keywords import gate_thresholds, keyword_matrix
from .metrics import expected_calibration_error, fit_platt, fit_temperature, label_matrix, macro_f1_at, tune_thresholds
from .prediction import ModelLoadError
from .training import dev_scores

logger = logging.getLogger(__name__)

METHODS = ("platt", "temperature")


def _scores(outs: list, temps: Any = None, biases: Any = None) -> np.ndarray:
    """Articles × labels scores as predictions report them (rounded to 6 decimals), so that a threshold tuned
    on them labels the same dev articles when the saved copy predicts them (a threshold is one of the scores)."""
    return dev_scores([calibrated_scores(o.logits, temps, biases) for o in outs])


def _summary(y: np.ndarray, s: np.ndarray, thresholds: dict[str, float], labels: list[str]) -> dict[str, Any]:
    return {"macro_f1": round(macro_f1_at(y, s, thresholds, labels), 4),
            "ece": {lab: round(expected_calibration_error(y[:, i], s[:, i]), 4) for i, lab in enumerate(labels)},
            "mean_score": {lab: round(float(s[:, i].mean()), 4) for i, lab in enumerate(labels)},
            "thresholds": {lab: round(float(thresholds[lab]), 6) for lab in labels}}


def recalibrate(model_dir: str | Path, records: list[dict[str, Any]], out: str | Path, method: str = "platt",
                device: str = "auto", overwrite: bool = False) -> dict[str, Any]:
    """Refit the calibration and thresholds of the BERT in ``model_dir`` on dev ``records``; save a copy
    of the model with them to ``out``. Returns the fit: before and after (dev macro-F1 at the tuned
    thresholds, expected calibration error, mean score, thresholds), the temperatures and biases."""
    if method not in METHODS:
        raise ValueError(f"method {method!r}: choose {' or '.join(METHODS)}")
    model_dir, out = Path(model_dir), Path(out)
    if not records:
        raise ValueError("no dev article to calibrate on")
    if out.resolve() == model_dir.resolve():
        raise ValueError(f"{out}: the output must be a new folder, not the model being recalibrated")
    if out.exists() and not overwrite:
        raise OutputExistsError(f"{out} exists; pass --overwrite or choose another --out")
    predictor = BertPredictor.from_pretrained(model_dir, device=device)
    if not isinstance(predictor, BertPredictor) or not hasattr(predictor.config, "temperatures"):
        raise ModelLoadError(f"{model_dir}: not a fine-tuned BERT folder (calibration applies to `arcrime train` models)")
    labels = list(predictor.labels)
    y = label_matrix([r.get("labels", []) for r in records], labels)
    for i, lab in enumerate(labels):
        pos = int(y[:, i].sum())
        if pos < 2 or pos > len(records) - 2:
            raise ValueError(f"label {lab}: {pos} positive dev article(s) of {len(records)}; calibration needs at "
                             "least 2 positives and 2 negatives per label")
    texts = [r["text"] for r in records]
    logger.info("calibrate: scoring %d dev article(s) with %s", len(texts), model_dir)
    outs = predictor.raw_outputs(texts)
    cfg = predictor.config
    before_scores = _scores(outs, predictor.temperature_tensor(), predictor.bias_tensor())
    before = _summary(y, before_scores, dict(cfg.thresholds), labels)
    before["temperatures"] = dict(cfg.temperatures)
    before["calibration_biases"] = dict(getattr(cfg, "calibration_biases", {}) or {})
    raw = _scores(outs)  # the uncalibrated sigmoid of the logits: what either method refits from
    if method == "platt":
        fits = {lab: fit_platt(y[:, i], raw[:, i]) for i, lab in enumerate(labels)}
    else:
        fits = {lab: (fit_temperature(y[:, i], raw[:, i]), 0.0) for i, lab in enumerate(labels)}
    cfg.temperatures = {lab: float(t) for lab, (t, _) in fits.items()}
    cfg.calibration_biases = {lab: float(b) for lab, (_, b) in fits.items()} if method == "platt" else {}
    scores = _scores(outs, predictor.temperature_tensor(), predictor.bias_tensor())
    cfg.thresholds = tune_thresholds(y, scores, labels)
    cfg.gate_thresholds = gate_thresholds(y, scores * keyword_matrix(texts, labels), labels)
    after = _summary(y, scores, dict(cfg.thresholds), labels)
    after["temperatures"] = dict(cfg.temperatures)
    after["calibration_biases"] = dict(cfg.calibration_biases)
    # the copy: the same weights and tokenizer, the new config and card
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(model_dir, tmp)
    cfg.save_pretrained(tmp)
    (tmp / "README.md").write_text(model_card(cfg, None, out.name), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    logger.info("calibrate: dev macro-F1 %.4f -> %.4f; thresholds %s -> %s", before["macro_f1"], after["macro_f1"],
                before["thresholds"], after["thresholds"])
    return {"model_dir": str(out), "from_model": str(model_dir), "method": method, "n_dev": len(records),
            "dev_positives": {lab: int(y[:, i].sum()) for i, lab in enumerate(labels)},
            "before": before, "after": after}
