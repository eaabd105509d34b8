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
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save_file

from . import legal
from .fileio import atomic_dir, write_json
from .keywords import KEYWORDS
from .normalize import Normalizer
from .prediction import LEGAL_MODES, ModelLoadError, Prediction, check_record

BASELINE_FILE = "baseline.json"


class _Base:
    """What both baselines share: the :class:`~arcrime.prediction.Predictor` interface (legal
    references always come from the rule-based finder: a baseline has no tagger)."""

    kind = ""
    name: str
    labels: list[str]
    thresholds: dict[str, float]
    normalize_steps: list[str]

    def scores(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def predict_records(self, records: Iterable[Mapping[str, Any]], legal_refs: str | None = None,
                        chunk: int = 256) -> Iterator[Prediction]:
        if legal_refs is not None and legal_refs not in LEGAL_MODES:
            raise ValueError(f"legal_refs={legal_refs!r}; choose one of {', '.join(LEGAL_MODES)}")
        buf: list[tuple[str, str]] = []
        for k, rec in enumerate(records):
            buf.append(check_record(rec, k))
            if len(buf) >= chunk:
                yield from self._chunk(buf)
                buf = []
        if buf:
            yield from self._chunk(buf)

    def _chunk(self, recs: list[tuple[str, str]]) -> Iterator[Prediction]:
        for (rid, text), s in zip(recs, self.scores([t for _, t in recs])):
            yield Prediction.from_scores(rid, self.labels, s, self.thresholds,
                                         [r.to_dict() for r in legal.extract(text)])

    def predict_text(self, text: str, rid: str = "text-1") -> Prediction:
        return next(self.predict_records([{"id": rid, "text": text}]))

    def _spec(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "labels": self.labels, "thresholds": self.thresholds,
                "normalize_steps": self.normalize_steps}

    def save_pretrained(self, folder: str | Path, overwrite: bool = False) -> None:
        """Write the model folder atomically: ``baseline.json`` (+ safetensors weights for TF-IDF)."""
        with atomic_dir(folder, overwrite=overwrite) as tmp:
            write_json(tmp / BASELINE_FILE, self._spec())
            self._save_weights(tmp)

    def _save_weights(self, folder: Path) -> None:
        pass

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> "_Base":
        return load_baseline(folder)


class KeywordBaseline(_Base):
    """A label is predicted when its keyword family (data/GUIDELINES.md) occurs; scores are 0/1."""

    kind = "keywords"

    def __init__(self, labels: list[str], steps: list[str]):
        unknown = [lab for lab in labels if lab not in KEYWORDS]
        if unknown:
            raise ValueError(f"keyword rules exist for {', '.join(KEYWORDS)} only, not {', '.join(unknown)}")
        self.name = "keyword rules"
        self.labels, self.normalize_steps = list(labels), list(steps)
        self.thresholds = {lab: 0.5 for lab in labels}

    def scores(self, texts: list[str]) -> np.ndarray:
        # keyword families are written for un-normalized spelling variants; match on the raw text
        return np.array([[1.0 if KEYWORDS[lab].search(t) else 0.0 for lab in self.labels] for t in texts])


class TfidfBaseline(_Base):
    """Character + word n-gram TF-IDF, one-vs-rest logistic regression or linear SVM."""

    kind = "tfidf"

    def __init__(self, labels: list[str], steps: list[str], params: dict[str, Any]):
        self.normalizer = Normalizer(steps)
        self.params = params
        self.name = f"TF-IDF char+word n-grams + {params['classifier']}"
        self.labels, self.normalize_steps = list(labels), list(steps)
        self.thresholds = {lab: 0.5 for lab in labels}
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

    def _spec(self) -> dict[str, Any]:
        return super()._spec() | {"params": self.params}

    # safe persistence: JSON + safetensors
    def _save_weights(self, folder: Path) -> None:
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
    def _load(cls, folder: Path, spec: dict[str, Any]) -> "TfidfBaseline":
        from sklearn.feature_extraction.text import TfidfVectorizer

        self = cls(spec["labels"], spec["normalize_steps"], spec["params"])
        self.thresholds = dict(spec["thresholds"])
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
    """Read a baseline folder (``baseline.json``, and safetensors weights for TF-IDF)."""
    path = Path(path)
    try:
        spec = json.loads((path / BASELINE_FILE).read_text(encoding="utf-8"))
        if "meta" in spec:  # the pre-0.2 layout kept labels/thresholds under "meta"
            spec |= {k: spec["meta"][k] for k in ("labels", "thresholds", "normalize_steps")}
        kind, labels, steps = spec["kind"], spec["labels"], spec["normalize_steps"]
    except (OSError, json.JSONDecodeError, TypeError, KeyError) as e:
        raise ModelLoadError(f"{path}: unreadable baseline ({e}); retrain it with `arcrime train`") from e
    if kind == "keywords":
        b: _Base = KeywordBaseline(labels, steps)
        b.thresholds = dict(spec["thresholds"])
        return b
    for need in ("weights.safetensors", "vectorizers.json"):
        if not (path / need).is_file():
            raise ModelLoadError(f"{path}: missing {need}; the baseline folder is incomplete")
    return TfidfBaseline._load(path, spec)


def fit_baseline(kind: str, labels: list[str], steps: list[str], params: dict[str, Any],
                 texts: list[str], y: np.ndarray, seed: int) -> _Base:
    """A keyword or TF-IDF baseline; the TF-IDF one is fitted on ``texts``/``y``."""
    if kind == "keywords":
        return KeywordBaseline(labels, steps)
    model = TfidfBaseline(labels, steps, params)
    model.fit(texts, y, seed)
    return model
