"""Baselines scored exactly like the BERT model (same splits, prediction format and metrics).

* ``keywords``: a label is predicted when its keyword family (data/GUIDELINES.md) occurs in
  the article; scores are 0/1.
* ``tfidf``: character n-grams (within word boundaries) plus word n-grams on normalized text,
  TF-IDF, one-vs-rest logistic regression or linear SVM (scikit-learn), per-label thresholds
  tuned on dev (maximizing F1). SVM margins are mapped to (0, 1) with a sigmoid.

Both tag legal references with the rule-based finder (``arcrime.legal``). Saved models use a
safe format only: JSON (parameters, vocabularies) + safetensors (idf, weights); no pickle.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save_file

from .config import Config
from .data import KEYWORDS, load_records
from .fileio import atomic_dir, write_json
from .metrics import label_matrix, tune_thresholds
from .model import ModelMeta
from .normalize import Normalizer

BASELINE_FILE = "baseline.json"


class _Base:
    meta: ModelMeta

    def _finish(self, rec: dict[str, Any], scores: np.ndarray) -> dict[str, Any]:
        from . import legal

        labels = [lab for lab, s in zip(self.meta.labels, scores) if s >= self.meta.thresholds.get(lab, 0.5)]
        return {"id": rec["id"], "labels": labels,
                "scores": {lab: round(float(s), 6) for lab, s in zip(self.meta.labels, scores)},
                "legal_refs": [r.to_dict() for r in legal.extract(rec["text"])]}

    def predict_text(self, text: str, rid: str = "text-1") -> dict[str, Any]:
        return next(self.predict_records([{"id": rid, "text": text}]))


class KeywordBaseline(_Base):
    def __init__(self, labels: list[str], steps: list[str]):
        self.normalizer = Normalizer(steps)
        self.meta = ModelMeta(labels=labels, thresholds={lab: 0.5 for lab in labels}, normalize_steps=steps,
                              max_length=0, stride=0, window_aggregation="none", encoder_source="keyword rules")

    def scores(self, texts: list[str]) -> np.ndarray:
        # keyword families are written for un-normalized spelling variants; match on the raw text
        return np.array([[1.0 if KEYWORDS[lab].search(t) else 0.0 for lab in self.meta.labels] for t in texts])

    def predict_records(self, records):
        for rec in records:
            yield self._finish(rec, self.scores([rec["text"]])[0])


class TfidfBaseline(_Base):
    def __init__(self, labels: list[str], steps: list[str], params: dict[str, Any]):
        self.normalizer = Normalizer(steps)
        self.params = params
        self.meta = ModelMeta(labels=labels, thresholds={lab: 0.5 for lab in labels}, normalize_steps=steps,
                              max_length=0, stride=0, window_aggregation="none",
                              encoder_source=f"TF-IDF char+word n-grams + {params['classifier']}")
        self.vectorizers: list[Any] = []
        self.coef: np.ndarray | None = None
        self.intercept: np.ndarray | None = None

    def _make_vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        p = self.params
        return [
            TfidfVectorizer(analyzer="char_wb", ngram_range=(p["char_ngram_min"], p["char_ngram_max"]),
                            min_df=p["min_df"], sublinear_tf=True, max_features=p["max_features"]),
            TfidfVectorizer(analyzer="word", ngram_range=(1, p["word_ngram_max"]), min_df=p["min_df"],
                            sublinear_tf=True, token_pattern=r"(?u)\b\w+\b", max_features=p["max_features"]),
        ]

    def _features(self, texts: list[str]):
        from scipy.sparse import hstack

        norm = [self.normalizer(t).text for t in texts]
        return hstack([v.transform(norm) for v in self.vectorizers]).tocsr()

    def fit(self, texts: list[str], y: np.ndarray, seed: int) -> None:
        from scipy.sparse import hstack
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        norm = [self.normalizer(t).text for t in texts]
        self.vectorizers = self._make_vectorizers()
        x = hstack([v.fit_transform(norm) for v in self.vectorizers]).tocsr()
        coefs, inters = [], []
        for i in range(y.shape[1]):
            if self.params["classifier"] == "svm":
                clf = LinearSVC(C=self.params["C"], class_weight="balanced", random_state=seed)
            else:
                clf = LogisticRegression(C=self.params["C"], class_weight="balanced", max_iter=2000,
                                         random_state=seed)
            clf.fit(x, y[:, i])
            coefs.append(clf.coef_.ravel())
            inters.append(float(np.ravel(clf.intercept_)[0]))
        self.coef = np.stack(coefs).astype(np.float32)
        self.intercept = np.array(inters, dtype=np.float32)

    def scores(self, texts: list[str]) -> np.ndarray:
        z = self._features(texts) @ self.coef.T + self.intercept
        return 1.0 / (1.0 + np.exp(-np.asarray(z)))

    def predict_records(self, records, chunk: int = 256):
        buf = []
        for rec in records:
            buf.append(rec)
            if len(buf) >= chunk:
                yield from (self._finish(r, s) for r, s in zip(buf, self.scores([r["text"] for r in buf])))
                buf = []
        if buf:
            yield from (self._finish(r, s) for r, s in zip(buf, self.scores([r["text"] for r in buf])))

    # safe persistence: JSON + safetensors
    def save(self, folder: Path) -> None:
        vecs = []
        arrays = {"coef": self.coef, "intercept": self.intercept}
        for k, v in enumerate(self.vectorizers):
            vocab = sorted(v.vocabulary_.items(), key=lambda kv: kv[1])
            vecs.append({"params": {key: val for key, val in v.get_params().items()
                                    if isinstance(val, (int, float, str, bool, type(None), tuple))},
                         "vocabulary": [t for t, _ in vocab]})
            arrays[f"idf_{k}"] = v.idf_.astype(np.float64)
        save_file(arrays, str(folder / "weights.safetensors"))
        (folder / "vectorizers.json").write_text(json.dumps(vecs, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, meta: ModelMeta, params: dict[str, Any]) -> "TfidfBaseline":
        from sklearn.feature_extraction.text import TfidfVectorizer

        self = cls(meta.labels, meta.normalize_steps, params)
        self.meta = meta
        arrays = load_file(str(folder / "weights.safetensors"))
        self.coef, self.intercept = arrays["coef"], arrays["intercept"]
        for k, spec in enumerate(json.loads((folder / "vectorizers.json").read_text(encoding="utf-8"))):
            p = dict(spec["params"])
            p["ngram_range"] = tuple(p["ngram_range"])
            p.pop("dtype", None)
            v = TfidfVectorizer(**p)
            v.vocabulary_ = {t: i for i, t in enumerate(spec["vocabulary"])}
            v.idf_ = arrays[f"idf_{k}"]
            self.vectorizers.append(v)
        return self


def load_baseline(path: str | Path) -> _Base:
    from .model import ModelLoadError

    path = Path(path)
    try:
        spec = json.loads((path / BASELINE_FILE).read_text(encoding="utf-8"))
        meta = ModelMeta(**spec["meta"])
    except (OSError, json.JSONDecodeError, TypeError, KeyError) as e:
        raise ModelLoadError(f"{path}: unreadable baseline ({e}); retrain it with `arcrime train`") from e
    if spec["kind"] == "keywords":
        b = KeywordBaseline(meta.labels, meta.normalize_steps)
        b.meta = meta
        return b
    for need in ("weights.safetensors", "vectorizers.json"):
        if not (path / need).is_file():
            raise ModelLoadError(f"{path}: missing {need}; the baseline folder is incomplete")
    return TfidfBaseline.load(path, meta, spec["params"])


def train_baseline(cfg: Config, overwrite: bool = False, log=None) -> dict[str, Any]:
    """Fit a baseline per ``cfg.baseline``, tune thresholds on dev, save, evaluate dev and test."""
    log = log if log is not None else sys.stderr
    from .evaluate import evaluate_model
    from .runs import RunRecord

    bc = cfg.baseline
    labels = cfg.data.labels
    model_dir = Path(cfg.run.models_dir) / cfg.run.name
    run_dir = Path(cfg.run.experiments_dir) / cfg.run.name
    if not overwrite and run_dir.exists() and any(run_dir.iterdir()):
        from .fileio import OutputExistsError

        raise OutputExistsError(f"{run_dir} already exists; pass --overwrite or set run.name")
    record = RunRecord(run_dir, "train", cfg.to_dict(), cfg.train.seed)
    print(cfg.data.real_status(), file=log)
    train_recs = load_records(cfg.data.train_files(), labels, log=log)
    dev_recs = load_records(cfg.data.dev_files(), labels, log=log)
    t0 = time.time()
    params = {"classifier": bc.classifier, "C": bc.C, "char_ngram_min": bc.char_ngram_min,
              "char_ngram_max": bc.char_ngram_max, "word_ngram_max": bc.word_ngram_max, "min_df": bc.min_df,
              "max_features": bc.max_features}
    if bc.kind == "keywords":
        model: _Base = KeywordBaseline(labels, cfg.normalize.steps)
    else:
        model = TfidfBaseline(labels, cfg.normalize.steps, params)
        model.fit([r["text"] for r in train_recs], label_matrix([r["labels"] for r in train_recs], labels),
                  cfg.train.seed)
        if cfg.train.tune_thresholds:
            y = label_matrix([r["labels"] for r in dev_recs], labels)
            model.meta.thresholds = tune_thresholds(y, model.scores([r["text"] for r in dev_recs]), labels)
    train_s = time.time() - t0
    with atomic_dir(model_dir, overwrite=True) as tmp:
        write_json(tmp / BASELINE_FILE, {"kind": bc.kind, "params": params, "meta": model.meta.__dict__})
        if isinstance(model, TfidfBaseline):
            model.save(tmp)
    results: dict[str, Any] = {"fit": {"train_seconds": round(train_s, 2)}, "thresholds": model.meta.thresholds,
                               "model_dir": str(model_dir)}
    for split, path in cfg.data.eval_files().items():
        if Path(path).is_file():
            results[split] = evaluate_model(model_dir, path, run_dir, split=split, log=log, record=False,
                                            overwrite=True)["summary"]
    real_used = cfg.data.real_files() is not None and cfg.data.real_train
    record.finish(encoder_source=model.meta.encoder_source, baseline=bc.kind, real_layer=real_used,
                  train_files=cfg.data.train_files(), dev_files=cfg.data.dev_files(), n_train=len(train_recs),
                  n_dev=len(dev_recs), **results)
    return results
