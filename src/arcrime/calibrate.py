"""Recalibrate a fine-tuned BERT on dev files, without training it again (``arcrime calibrate``).

Training fits the calibration and the thresholds once, on the dev files of its config. This stage
refits them on the dev files given: a per-label temperature, or Platt scaling (a temperature and a bias,
``sigmoid(logit / T + b)``, :func:`arcrime.metrics.fit_platt`), then the F1-best threshold per label by
the project's rule (:func:`arcrime.metrics.tune_thresholds`) and the keyword-gate thresholds. The weights are
untouched: the new folder is a copy of the model whose ``config.json`` carries the new calibration and
thresholds, with a regenerated card.

Why: a model is calibrated on the dev files of its training config; a user's own labelled dev data (another
outlet, country or period) may call for other scores and thresholds, and this refits both without training. A
per-label transform that keeps the order of the scores, it changes which dev articles pass a threshold only where
F1 ties are broken differently (towards 0.5). For calibrated probabilities the F1-best threshold lies near half
the F1 reached, so a rare label that the model ranks weakly keeps a low threshold (the released model's
defamation and impersonation thresholds stay near 0.03-0.05 after Platt scaling on real dev, whose expected
calibration error was already about 0.01: `experiments/bert-small-w2v-real-balanced-platt/run.json`).

    arcrime calibrate --model released/arcrime-small-real --dev data/real/hydrated/real_dev.jsonl \\
        --out models/arcrime-small-real-platt --record experiments/bert-small-w2v-real-balanced-platt
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from .baselines import BASELINE_FILE
from .card import model_card
from .corpus import DataError
from .export import ONNX_FILE
from .fileio import OutputExistsError, atomic_dir
from .hybrid import HYBRID_FILE
from .inference import BertPredictor, calibrated_scores
from .keywords import gate_thresholds, keyword_matrix
from .metrics import expected_calibration_error, fit_platt, fit_temperature, label_matrix, macro_f1_at, tune_thresholds
from .model import is_legacy
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


def _refuse(model_dir: Path, out: Path) -> None:
    """Errors found before any work: the output and the model must be apart, and the model a current BERT folder."""
    m, o = model_dir.resolve(), out.resolve()
    if o == m or o in m.parents or m in o.parents:
        raise ValueError(f"{out}: the output folder must be a new folder apart from the model {model_dir} (neither may "
                         "contain the other: --overwrite would delete the model)")
    for name, what in ((HYBRID_FILE, "a stacked hybrid"), (BASELINE_FILE, "a baseline"), (ONNX_FILE, "an ONNX export")):
        if (model_dir / name).is_file():
            raise ModelLoadError(f"{model_dir} is {what}: `arcrime calibrate` refits a fine-tuned BERT folder "
                                 "(`arcrime train`, or released/arcrime-small-real)")
    if is_legacy(model_dir):
        raise ModelLoadError(f"{model_dir}: a pre-0.2 model folder; run `arcrime convert {model_dir} NEW_DIR` first")


def recalibrate(model_dir: str | Path, records: list[dict[str, Any]], out: str | Path, method: str = "platt",
                device: str = "auto", overwrite: bool = False, dev_files: list[str] | None = None) -> dict[str, Any]:
    """Refit the calibration and thresholds of the BERT in ``model_dir`` on dev ``records``; save a copy
    of the model with them to ``out``. Returns the fit: before and after (dev macro-F1 at the tuned
    thresholds, expected calibration error, mean score, thresholds), the temperatures and biases.

    Raises:
        ValueError: an unknown method, no record, ``out`` not apart from ``model_dir``, a dev label the model does
            not have, or fewer than 2 positives or negatives of a label.
        ModelLoadError: ``model_dir`` is no current fine-tuned BERT folder.
        OutputExistsError: ``out`` exists and ``overwrite`` is False.
    """
    if method not in METHODS:
        raise ValueError(f"method {method!r}: choose {' or '.join(METHODS)}")
    model_dir, out = Path(model_dir), Path(out)
    where = ", ".join(dev_files) if dev_files else "the dev records"
    if not records:
        raise ValueError(f"{where}: no dev article to calibrate on")
    _refuse(model_dir, out)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise OutputExistsError(f"{out} exists; pass --overwrite or choose another --out")
    predictor = BertPredictor.from_pretrained(model_dir, device=device)
    labels = list(predictor.labels)
    for r in records:
        unknown = sorted(set(r.get("labels", [])) - set(labels))
        if unknown:
            raise DataError(f"{where}: record {r.get('id')!r} has label(s) {', '.join(unknown)} that the model "
                            f"{model_dir} does not have ({', '.join(labels)}); give dev files with its labels")
    y = label_matrix([r.get("labels", []) for r in records], labels)
    for i, lab in enumerate(labels):
        pos = int(y[:, i].sum())
        if pos < 2 or pos > len(records) - 2:
            raise ValueError(f"{where}: label {lab}: {pos} positive dev article(s) of {len(records)}; calibration needs "
                             "at least 2 positives and 2 negatives per label")
    texts = [r["text"] for r in records]
    logger.info("calibrate: scoring %d dev article(s) with %s", len(texts), model_dir)
    outs = predictor.raw_outputs(texts)
    cfg = predictor.config
    before_scores = _scores(outs, predictor.temperature_tensor(), predictor.bias_tensor())
    before = _summary(y, before_scores, dict(cfg.thresholds), labels)
    before["temperatures"] = dict(cfg.temperatures)
    before["calibration_biases"] = dict(getattr(cfg, "calibration_biases", {}) or {})
    # what either method refits from: the sigmoid of the aggregated logits, unrounded
    raw = np.array([calibrated_scores(o.logits) for o in outs], dtype=np.float64)
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
    # the copy: the same weights and tokenizer, the new config and card, written whole or not at all
    card = model_card(cfg, None, out.name)
    note = (f"\n## Calibration\n\nCalibration ({'Platt scaling: temperature and bias' if method == 'platt' else 'temperature'}"
            f") and thresholds refitted by `arcrime calibrate` on {where} ({len(records)} articles), from `{model_dir.name}`; "
            "the weights are that model's, unchanged. The training data named above is that model's.\n")
    with atomic_dir(out, overwrite=overwrite) as tmp:
        shutil.copytree(model_dir, tmp, dirs_exist_ok=True)
        cfg.save_pretrained(tmp)
        (tmp / "README.md").write_text(card + note, encoding="utf-8")
    logger.info("calibrate: dev macro-F1 %.4f -> %.4f; thresholds %s -> %s", before["macro_f1"], after["macro_f1"],
                before["thresholds"], after["thresholds"])
    return {"model_dir": str(out), "from_model": str(model_dir), "method": method, "n_dev": len(records),
            "dev_positives": {lab: int(y[:, i].sum()) for i, lab in enumerate(labels)},
            "before": before, "after": after}
