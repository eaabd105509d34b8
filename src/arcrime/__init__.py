"""arcrime: crime types (extortion, defamation, impersonation) and legal references in Arabic news.

The verbs a user needs::

    import arcrime

    model = arcrime.load("models/quickstart")             # any saved model: BERT, ONNX export, baseline
    pred = arcrime.predict(model, "نص المقال ...")        # a frozen Prediction (labels, scores, legal_refs)
    preds = arcrime.predict(model, ["...", "..."])         # a list, in input order
    refs = arcrime.legal.find(text)                        # rule-based legal references (then resolve/annotate)
    arcrime.train("configs/quickstart.yaml")               # fine-tune per a YAML config
    arcrime.evaluate("models/quickstart", "data/test.jsonl", "experiments/eval-test")

Importing ``arcrime`` registers ``ArcrimeConfig``/``ArcrimeForCrimeNews`` with ``AutoConfig``/``AutoModel``
and the ``arabic-crime-news`` pipeline task with transformers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import legal
from .model import ArcrimeConfig, ArcrimeForCrimeNews
from .pipeline import CrimeNewsPipeline
from .prediction import Prediction, Predictor

__all__ = ["load", "predict", "train", "evaluate", "legal", "Prediction", "Predictor", "ArcrimeConfig",
           "ArcrimeForCrimeNews", "CrimeNewsPipeline"]
__version__ = "0.2.0"


def load(path: str | Path, **kw: Any) -> Predictor:
    """Any saved model as a :class:`Predictor` (see :func:`arcrime.inference.load`)."""
    # imported here, not at the top: the inference engine and the baselines (scikit-learn) add about 1.4 s
    # to `import arcrime`, which every command pays, `arcrime legal find` included
    from .inference import load as _load

    return _load(path, **kw)


def predict(model: Predictor | str | Path, articles: str | Iterable[str | Mapping[str, Any]],
            legal_refs: str | None = None) -> Prediction | list[Prediction]:
    """Predict one article (a string → one :class:`Prediction`) or many (strings or ``{"id", "text"}``
    records → a list, in input order). ``model`` is a loaded predictor or a model folder."""
    p = load(model) if isinstance(model, (str, Path)) else model
    if isinstance(articles, str):
        return next(p.predict_records([{"id": "text-1", "text": articles}], legal_refs=legal_refs))
    recs = ({"id": f"text-{k + 1}", "text": a} if isinstance(a, str) else a for k, a in enumerate(articles))
    return list(p.predict_records(recs, legal_refs=legal_refs))


def train(config: str | Path | Any, overwrite: bool = False, resume: bool = False, **overrides: Any) -> dict[str, Any]:
    """Train per a YAML config (or a :class:`~arcrime.config.Config`); ``overrides`` are dotted keys
    (``train(path, **{"train.epochs": 1})``). Returns the run summary."""
    from .config import Config, load_config
    from .training import train as _train

    cfg = config if isinstance(config, Config) else load_config(config, overrides)
    return _train(cfg, overwrite=overwrite, resume=resume)


def evaluate(model: str | Path, data: str | Path, out: str | Path, split: str | None = None,
             overwrite: bool = False, **kw: Any) -> dict[str, Any]:
    """Score a saved model on a corpus-format file; metrics, predictions and error analysis go to ``out``."""
    from .evaluation import evaluate_model

    return evaluate_model(model, data, out, split=split or Path(data).stem, overwrite=overwrite, **kw)
