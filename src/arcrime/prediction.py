"""The one result type and the one predictor interface.

Every kind of model arcrime can load — the fine-tuned BERT (PyTorch or ONNX Runtime), the TF-IDF
baseline and the keyword rules — implements :class:`Predictor` and returns frozen
:class:`Prediction` objects. Dictionaries exist only at the JSON boundary (``to_dict``): the CLI's
JSONL/CSV writers, the web API, run records. :class:`ModelLoadError` is what every loader raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from .corpus import DataError, looks_binary

LEGAL_MODES = ("rules", "model", "model+rules")
# keys of a legal reference that only a verbose output shows
VERBOSE_REF_KEYS = ("raw_number", "year", "short_form")


def _freeze_ref(ref: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType({k: (tuple(v) if isinstance(v, list) else v) for k, v in ref.items()})


class ModelLoadError(RuntimeError):
    """A model or tokenizer could not be loaded; the message says how to fix it."""


@dataclass(frozen=True)
class Prediction:
    """What a model says about one article.

    Attributes:
        id: the record id.
        labels: the labels whose score reached the model's threshold, in label order.
        scores: probability per label (every label of the model).
        legal_refs: legal references, each with ``start``/``end`` offsets into the caller's
            original text, ``kind``, ``instrument`` (gazetteer id or None) and ``articles``.
    """

    id: str
    labels: tuple[str, ...]
    scores: Mapping[str, float]
    legal_refs: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "scores", MappingProxyType(dict(self.scores)))
        object.__setattr__(self, "legal_refs", tuple(_freeze_ref(r) for r in self.legal_refs))

    @classmethod
    def from_scores(cls, rid: str, label_names: list[str], scores: Iterable[float], thresholds: Mapping[str, float],
                    legal_refs: Iterable[Mapping[str, Any]] = ()) -> "Prediction":
        sc = {lab: round(float(s), 6) for lab, s in zip(label_names, scores)}
        labels = tuple(lab for lab in label_names if sc[lab] >= thresholds.get(lab, 0.5))
        return cls(rid, labels, sc, tuple(legal_refs))

    def __reduce__(self):  # picklable (multiprocessing, caches) despite the read-only mappings
        return (Prediction, (self.id, tuple(self.labels), dict(self.scores),
                             tuple(dict(r) for r in self.legal_refs)))

    def __deepcopy__(self, memo: dict) -> "Prediction":
        return self  # immutable

    def to_dict(self, verbose: bool = True) -> dict[str, Any]:
        """The JSON form (``arcrime predict`` prints one per line). ``verbose=False`` drops the raw
        number, year and short form of each reference."""
        refs = []
        for r in self.legal_refs:
            d = {k: (list(v) if isinstance(v, tuple) else v) for k, v in r.items()
                 if verbose or k not in VERBOSE_REF_KEYS}
            refs.append(d)
        return {"id": self.id, "labels": list(self.labels), "scores": dict(self.scores), "legal_refs": refs}


@runtime_checkable
class Predictor(Protocol):
    """What every loaded model offers (``arcrime.load`` returns one).

    ``labels``/``thresholds`` describe the model; ``predict_records`` streams predictions in input
    order. ``legal_refs`` chooses where legal references come from for that call (``rules``,
    ``model`` — the model's own token tagger — or ``model+rules``); ``None`` uses the predictor's
    default. A predictor without a tagger (the baselines) always returns the rules' references.
    ``arcrime.tagging.TaggedPredictor`` wraps any predictor to take them from the learned legal span tagger
    and the rules (``tagger+rules``).
    """

    name: str
    labels: list[str]
    thresholds: dict[str, float]

    def predict_records(self, records: Iterable[Mapping[str, Any]], legal_refs: str | None = None
                        ) -> Iterator[Prediction]: ...

    def predict_text(self, text: str, rid: str = "text-1") -> Prediction: ...


def check_record(rec: Any, k: int) -> tuple[str, str]:
    """``(id, text)`` of an input record, or a :class:`~arcrime.corpus.DataError` naming it."""
    text = rec.get("text") if isinstance(rec, Mapping) else None
    rid = rec.get("id", f"#{k}") if isinstance(rec, Mapping) else f"#{k}"
    if not isinstance(text, str) or not text.strip() or looks_binary(text):
        what = ("missing or not a string" if not isinstance(text, str) else
                "empty or whitespace-only" if not text.strip() else "binary data, not an article")
        raise DataError(f"record {rid!r} (position {k}): field text: {what}; pass the article body as a "
                        "non-empty string")
    return str(rid), text
