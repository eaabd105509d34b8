"""The stacked hybrid (issue 14, section 2): the fine-tuned BERT, a TF-IDF model and the keyword rules,
combined per label by a logistic regression fitted on dev.

Features of an article, per label: the BERT's calibrated score (as a logit), the TF-IDF model's score (as a
logit) and whether the label's keyword family occurs (0/1). The combiner is fitted on the dev files only
(real press: ``real_dev``); which features it uses is chosen there too, by repeated stratified k-fold
cross-validation over those files, and its thresholds are those that maximise each label's F1 over the
out-of-fold probabilities. The test splits are never read. ``arcrime hybrid`` fits one; ``arcrime evaluate``,
``predict`` and ``serve`` load its folder like any model. The pure BERT is always reported beside it.

A hybrid folder holds ``hybrid.json`` (features, weights, thresholds, the cross-validation table and where the
BERT model is, relative to the folder) and ``tfidf/`` (the TF-IDF model, a copy). The BERT model is not
copied: the folder names it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .baselines import TfidfBaseline, load_baseline
from .fileio import atomic_dir, write_json
from .keywords import keyword_matrix
from .metrics import tune_thresholds
from .prediction import LEGAL_MODES, ModelLoadError, Prediction, check_record

logger = logging.getLogger(__name__)

HYBRID_FILE = "hybrid.json"
FEATURES = ("bert", "tfidf", "keywords")
EPS = 1e-4  # scores are clipped to [EPS, 1 - EPS] before the logit


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), EPS, 1 - EPS)
    return np.log(p / (1 - p))


def bert_fingerprint(bert_dir: str | Path) -> str:
    """sha256 of the BERT folder's ``config.json`` and weights: the combiner's weights are only valid for them."""
    h = hashlib.sha256()
    for name in ("config.json", "model.safetensors"):
        f = Path(bert_dir) / name
        if f.is_file():
            with f.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The project's threshold rule (:func:`arcrime.metrics.tune_thresholds`, as every model's thresholds are
    tuned on dev): the score that maximises F1 of ``y``; ties go to the threshold closest to 0.5."""
    return tune_thresholds(np.asarray(y, dtype=np.int64)[:, None], np.asarray(p, dtype=np.float64)[:, None], ["_"])["_"]


class StackedHybrid:
    """A :class:`~arcrime.prediction.Predictor`: BERT + TF-IDF + keyword rules, combined per label."""

    kind = "stack"

    def __init__(self, bert: Any, tfidf: TfidfBaseline, features: list[str], coef: np.ndarray,
                 intercept: np.ndarray, thresholds: Mapping[str, float], spec: dict[str, Any] | None = None):
        if tfidf.labels != bert.labels:
            raise ModelLoadError(f"the BERT model's labels {bert.labels} and the TF-IDF model's {tfidf.labels} differ")
        unknown = [f for f in features if f not in FEATURES]
        if unknown or not features:
            raise ValueError(f"features {features}: choose among {', '.join(FEATURES)}")
        self.bert, self.tfidf = bert, tfidf
        self.labels = list(bert.labels)
        self.features = list(features)
        self.coef = np.asarray(coef, dtype=np.float64).reshape(len(self.labels), len(self.features))
        self.intercept = np.asarray(intercept, dtype=np.float64).reshape(len(self.labels))
        self.thresholds = {lab: float(thresholds[lab]) for lab in self.labels}
        self.spec = spec or {}
        self.name = f"stacked hybrid ({' + '.join(self.features)}; {bert.name})"

    # -- features and scores
    def feature_tensor(self, texts: list[str], bert_scores: np.ndarray | None = None) -> np.ndarray:
        """``[n_texts, n_labels, n_features]`` in the order of :attr:`features`."""
        cols = []
        for f in self.features:
            if f == "bert":
                if bert_scores is None:
                    bert_scores = np.array([o.scores for o in self.bert.raw_outputs(texts)])
                cols.append(_logit(bert_scores.reshape(len(texts), len(self.labels))))
            elif f == "tfidf":
                cols.append(_logit(self.tfidf.scores(texts)))
            else:
                cols.append(keyword_matrix(texts, self.labels))
        return np.stack(cols, axis=2)

    def combine(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid((x * self.coef[None]).sum(axis=2) + self.intercept[None])

    def scores(self, texts: list[str]) -> np.ndarray:
        return self.combine(self.feature_tensor(texts))

    # -- the Predictor interface
    def predict_records(self, records: Iterable[Mapping[str, Any]], legal_refs: str | None = None,
                        chunk: int = 256) -> Iterator[Prediction]:
        mode = legal_refs or self.bert.legal_refs
        if mode not in LEGAL_MODES:
            raise ValueError(f"legal_refs={mode!r}; choose one of {', '.join(LEGAL_MODES)}")
        buf: list[tuple[str, str]] = []
        for k, rec in enumerate(records):
            buf.append(check_record(rec, k))
            if len(buf) >= chunk:
                yield from self._chunk(buf, mode)
                buf = []
        if buf:
            yield from self._chunk(buf, mode)

    def _chunk(self, recs: list[tuple[str, str]], mode: str) -> list[Prediction]:
        texts = [t for _, t in recs]
        outs = self.bert.raw_outputs(texts)  # once: its scores are a feature, its spans the legal references
        scores = self.combine(self.feature_tensor(texts, np.array([o.scores for o in outs])))
        return [Prediction.from_scores(rid, self.labels, s, self.thresholds, self.bert._refs(text, o.spans, mode))
                for (rid, text), o, s in zip(recs, outs, scores)]

    def predict_text(self, text: str, rid: str = "text-1") -> Prediction:
        return next(self.predict_records([{"id": rid, "text": text}]))

    # -- persistence
    def save_pretrained(self, folder: str | Path, bert_dir: str | Path, overwrite: bool = False) -> None:
        """Write ``hybrid.json`` and ``tfidf/``; the BERT model is named by its path relative to ``folder``."""
        folder, bert_dir = Path(folder).resolve(), Path(bert_dir).resolve()
        if folder == bert_dir or bert_dir in folder.parents or folder in bert_dir.parents:
            raise ValueError(f"{folder}: the hybrid's folder and its BERT's ({bert_dir}) must not contain each other")
        rel = os.path.relpath(bert_dir, folder)
        with atomic_dir(folder, overwrite=overwrite) as tmp:
            write_json(tmp / HYBRID_FILE, {
                "kind": self.kind, "labels": self.labels, "features": self.features,
                "coef": self.coef.round(8).tolist(), "intercept": self.intercept.round(8).tolist(),
                "thresholds": self.thresholds, "bert": Path(rel).as_posix(),
                "bert_sha256": bert_fingerprint(bert_dir), **self.spec})
            self.tfidf.save_pretrained(tmp / "tfidf")

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "auto", **kw: Any) -> "StackedHybrid":
        from .inference import BertPredictor

        folder = Path(folder)
        try:
            spec = json.loads((folder / HYBRID_FILE).read_text(encoding="utf-8"))
            if spec.get("kind") != cls.kind:
                raise KeyError(f"kind {spec.get('kind')!r}, expected {cls.kind!r}")
            bert_rel, features, labels = spec["bert"], spec["features"], spec["labels"]
            coef = np.array(spec["coef"], dtype=np.float64).reshape(len(labels), len(features))
            intercept = np.array(spec["intercept"], dtype=np.float64).reshape(len(labels))
            thresholds = {lab: float(spec["thresholds"][lab]) for lab in labels}
        except (OSError, json.JSONDecodeError, TypeError, KeyError, ValueError) as e:
            raise ModelLoadError(f"{folder / HYBRID_FILE}: unreadable hybrid ({e}); refit it with `arcrime hybrid`") from e
        bert_dir = (folder / bert_rel).resolve()
        if not (bert_dir / "config.json").is_file():
            raise ModelLoadError(f"{folder}: its BERT model {bert_rel} (relative to the folder) is not there; "
                                 "refit the hybrid with `arcrime hybrid --bert DIR`")
        if spec.get("bert_sha256") and bert_fingerprint(bert_dir) != spec["bert_sha256"]:
            raise ModelLoadError(f"{folder}: its BERT model {bert_rel} has changed since the hybrid was fitted on it "
                                 "(config or weights differ); refit the hybrid with `arcrime hybrid --bert DIR`")
        bert = BertPredictor.from_pretrained(bert_dir, device=device, **kw)
        if list(bert.labels) != list(labels):
            raise ModelLoadError(f"{folder}: fitted for labels {labels}, but its BERT has {bert.labels}")
        tfidf = load_baseline(folder / "tfidf")
        if not isinstance(tfidf, TfidfBaseline):
            raise ModelLoadError(f"{folder / 'tfidf'}: not a TF-IDF model")
        rest = {k: v for k, v in spec.items() if k not in ("kind", "labels", "features", "coef", "intercept",
                                                            "thresholds", "bert", "bert_sha256")}
        return cls(bert, tfidf, features, coef, intercept, thresholds, rest)


def cross_validate(x: np.ndarray, y: np.ndarray, features: list[str], all_features: list[str], labels: list[str],
                   folds: int, repeats: int, seed: int, c: float) -> dict[str, Any]:
    """Repeated stratified k-fold over dev: per label, the combiner on ``features`` fitted on k-1 folds, its
    threshold tuned on out-of-fold probabilities of an inner k-fold over those folds (as the shipped model's are),
    F1 on the held-out fold (mean over folds and repeats); also the pooled out-of-fold probabilities (for the
    final thresholds). The same table chooses the feature subset, so the kept subset's figure is optimistic."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import RepeatedStratifiedKFold

    cols = [all_features.index(f) for f in features]
    per_label, oof = {}, np.zeros((repeats, len(y), len(labels)))
    for j, lab in enumerate(labels):
        xj, yj = x[:, j, cols], y[:, j].astype(bool)
        k = min(folds, int(yj.sum()) // 2)  # each training part keeps 2 positives for its inner folds
        f1s = []
        rs = RepeatedStratifiedKFold(n_splits=k, n_repeats=repeats, random_state=seed)
        for i, (tr, te) in enumerate(rs.split(xj, yj)):
            m = _fit_lr(xj[tr], yj[tr], c, seed)
            # the threshold as the shipped model sets its own: on out-of-fold probabilities, here of an inner
            # k-fold over the training folds only (the held-out fold plays no part)
            thr = best_threshold(yj[tr], _oof_probabilities(xj[tr], yj[tr], min(k, int(yj[tr].sum())), c, seed))
            p = m.predict_proba(xj[te])[:, 1]
            oof[i // k, te, j] = p
            f1s.append(f1_score(yj[te], p >= thr, zero_division=0.0))
        per_label[lab] = round(float(np.mean(f1s)), 4)
    return {"features": features, "cv_macro_f1": round(float(np.mean(list(per_label.values()))), 4),
            "cv_f1": per_label, "oof": oof}


def _oof_probabilities(x: np.ndarray, y: np.ndarray, k: int, c: float, seed: int) -> np.ndarray:
    """Out-of-fold probabilities of one stratified k-fold (k >= 2) over ``x``."""
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros(len(y))
    for tr, te in StratifiedKFold(n_splits=max(2, k), shuffle=True, random_state=seed).split(x, y):
        out[te] = _fit_lr(x[tr], y[tr], c, seed).predict_proba(x[te])[:, 1]
    return out


def _fit_lr(x: np.ndarray, y: np.ndarray, c: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=1000, random_state=seed).fit(x, y)


def fit_hybrid(bert_dir: str | Path, tfidf_dir: str | Path, records: list[dict[str, Any]], out: str | Path,
               features: list[str] | None = None, folds: int = 4, repeats: int = 10, seed: int = 13, c: float = 1.0,
               device: str = "auto", overwrite: bool = False, dev_files: list[str] | None = None) -> dict[str, Any]:
    """Fit a stacked hybrid on dev ``records`` and save it to ``out``; returns the fit report.

    ``features`` None: every subset that contains ``bert`` is cross-validated, and the best cross-validated
    macro-F1 is kept (chosen on dev); the other subsets are reported too, the BERT alone among them."""
    from .inference import BertPredictor

    if features is not None and (not features or "bert" not in features or set(features) - set(FEATURES)):
        raise ValueError(f"--features {' '.join(features)}: the hybrid's inputs must include bert (choose among "
                         f"{', '.join(FEATURES)})")
    if not records:
        raise ValueError("no dev article to fit the hybrid on")
    if folds < 2 or repeats < 1:
        raise ValueError(f"folds={folds}, repeats={repeats}: need at least 2 folds and 1 repeat")
    bert = BertPredictor.from_pretrained(bert_dir, device=device)
    tfidf = load_baseline(tfidf_dir)
    if not isinstance(tfidf, TfidfBaseline):
        raise ModelLoadError(f"{tfidf_dir}: not a TF-IDF model (train one with configs/baseline-tfidf-svm.yaml)")
    labels = list(bert.labels)
    texts = [r["text"] for r in records]
    y = np.array([[lab in r.get("labels", []) for lab in labels] for r in records], dtype=bool)
    for j, lab in enumerate(labels):  # k-fold needs two of each class per label (the inner folds as well)
        pos, neg = int(y[:, j].sum()), int((~y[:, j]).sum())
        if pos < 4 or neg < 4:
            raise ValueError(f"label {lab}: {pos} positive and {neg} negative dev article(s); the combiner needs at "
                             "least 4 of each to be fitted and cross-validated")
    probe = StackedHybrid(bert, tfidf, list(FEATURES), np.zeros((len(labels), len(FEATURES))),
                          np.zeros(len(labels)), {lab: 0.5 for lab in labels})
    logger.info("hybrid: scoring %d dev article(s) with the BERT, the TF-IDF model and the keyword rules", len(texts))
    x = probe.feature_tensor(texts)
    candidates = ([list(features)] if features else
                  [list(s) for n in range(1, len(FEATURES) + 1) for s in itertools.combinations(FEATURES, n)])
    table = [cross_validate(x, y, s, list(FEATURES), labels, folds, repeats, seed, c) for s in candidates]
    for row in table:
        logger.info("hybrid: %-28s cross-validated macro-F1 %s  %s", "+".join(row["features"]), row["cv_macro_f1"],
                    row["cv_f1"])
    eligible = [row for row in table if "bert" in row["features"] and row["cv_macro_f1"] is not None]
    best = max(eligible, key=lambda r: r["cv_macro_f1"])
    feats = best["features"]
    cols = [list(FEATURES).index(f) for f in feats]
    coef, intercept, thresholds = np.zeros((len(labels), len(feats))), np.zeros(len(labels)), {}
    for j, lab in enumerate(labels):
        xj, yj = x[:, j, cols], y[:, j]
        m = _fit_lr(xj, yj, c, seed)
        coef[j], intercept[j] = m.coef_.ravel(), float(m.intercept_[0])
        oof = best["oof"][:, :, j]
        thresholds[lab] = best_threshold(np.tile(yj, oof.shape[0]), oof.ravel())
    spec = {"fitted_on": {"files": dev_files or [], "articles": len(records),
                          "positives": {lab: int(y[:, j].sum()) for j, lab in enumerate(labels)}},
            "selection": {"folds": folds, "repeats": repeats, "seed": seed, "C": c,
                          "table": [{k: v for k, v in row.items() if k != "oof"} for row in table]}}
    hybrid = StackedHybrid(bert, tfidf, feats, coef, intercept, thresholds, spec)
    hybrid.save_pretrained(out, bert_dir, overwrite=overwrite)
    return {"model_dir": str(out), "features": feats, "thresholds": thresholds, **spec}
