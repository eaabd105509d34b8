"""Recipe: train the legal span tagger (:mod:`arcrime.legal.tagger`) on corpus files and score it.

``arcrime legal train-tagger --data A.jsonl B.jsonl --dev D.jsonl --out DIR`` reads every training file
(invalid records are reported and left out, never silently), trains the CRF, saves it into ``DIR`` and
scores rules, tagger and tagger+rules on each dev file. :class:`TaggedPredictor` gives any model the
tagger+rules references (``arcrime predict --legal-tagger DIR``). With ``--record RUN`` it writes
``RUN/run.json`` (config, commit, package versions, the sha256 of every input file, training facts)
and ``RUN/metrics_<dev>.json``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Sequence

from . import legal
from .corpus import DataError, read_corpus
from .fileio import OutputExistsError, write_json
from .legal.tagger import CONFIG_FILE, LegalTagger, TaggerConfig
from .metrics import span_metrics
from .prediction import Prediction, Predictor
from .runs import RunRecord

logger = logging.getLogger(__name__)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read(path: str | Path) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such file; give corpus-format JSONL files (e.g. data/train.jsonl; real press: "
                        f"run `arcrime data hydrate` first)")
    records, errors = read_corpus(p, require_labels=False)
    for e in errors:
        logger.warning("%s: left out: %s", p, e)
    if not records:
        raise DataError(f"{p}: no valid record")
    return records


def legal_modes(records: Sequence[dict[str, Any]], tagger: LegalTagger | None) -> dict[str, list[list[dict[str, Any]]]]:
    """Each record's references by mode: ``rules`` (with the record's source hints), and with a tagger
    ``tagger`` (its spans, resolved) and ``tagger+rules`` (:func:`arcrime.legal.tagger_first`)."""
    out: dict[str, list[list[dict[str, Any]]]] = {"rules": []}
    if tagger is not None:
        out["tagger"], out["tagger+rules"] = [], []
    for r in records:
        hints = legal.source_hints(r)
        rules = [x.to_dict() for x in legal.extract(r["text"], **hints)]
        out["rules"].append(rules)
        if tagger is not None:
            tagged, both = legal.with_tagger(tagger, r["text"], rules, **hints)
            out["tagger"].append(tagged)
            out["tagger+rules"].append(both)
    return out


def score_legal(records: Sequence[dict[str, Any]], tagger: LegalTagger | None) -> dict[str, Any]:
    """``span_metrics`` of every mode of :func:`legal_modes` against the records' gold references."""
    gold = [r.get("legal_refs") or [] for r in records]
    return {mode: span_metrics(gold, refs) for mode, refs in legal_modes(records, tagger).items()}


def train_tagger(data: Sequence[str | Path], out_dir: str | Path, config: TaggerConfig = TaggerConfig(),
                 dev: Sequence[str | Path] = (), record: str | Path | None = None, overwrite: bool = False
                 ) -> dict[str, Any]:
    """Train on ``data``, save to ``out_dir``, score each ``dev`` file; returns the scores and facts."""
    out = Path(out_dir)
    if (out / CONFIG_FILE).exists() and not overwrite:
        raise OutputExistsError(f"{out / CONFIG_FILE} exists; pass --overwrite or choose another --out")
    if not data:
        raise DataError("no training file: give --data with one or more corpus-format JSONL files")
    rec = RunRecord(record, "train-legal-tagger", asdict(config), None) if record else None
    records: list[dict[str, Any]] = []
    inputs = {}
    for p in data:
        part = _read(p)
        records += part
        inputs[Path(p).name] = {"records": len(part), "spans": sum(len(r.get("legal_refs") or []) for r in part),
                                "sha256": _sha256(Path(p))}
    t0 = time.time()
    tagger = LegalTagger.train(records, config, sources=list(inputs))
    tagger.save(out)
    secs = time.time() - t0
    logger.info("legal tagger: %d records, %d gold spans, %.0f s -> %s", len(records), tagger.info["gold_spans"],
                secs, out)
    scores = {}
    for p in dev:
        part = _read(p)
        name = Path(p).stem
        scores[name] = score_legal(part, tagger)
        for mode, m in scores[name].items():
            logger.info("%s [%-12s] exact F1 %.3f  overlap F1 %.3f  (instrument, article) F1 %.3f", name, mode,
                        m["exact"]["f1"], m["overlap"]["f1"], m["doc_pairs"]["f1"])
        if rec:
            write_json(Path(record) / f"metrics_{name}.json", {"data": str(p), "legal_refs": scores[name]})
    result = {"tagger": str(out), "train_seconds": round(secs, 1), "inputs": inputs, "info": tagger.info,
              "dev": {k: {mode: {"exact_f1": m["exact"]["f1"], "overlap_f1": m["overlap"]["f1"],
                                 "pairs_f1": m["doc_pairs"]["f1"]} for mode, m in v.items()}
                      for k, v in scores.items()}}
    if rec:
        rec.finish(**result)
    return result


class TaggedPredictor:
    """Any :class:`~arcrime.prediction.Predictor` whose legal references come from the span tagger and the
    rules (``legal.tagger_first``): labels and scores are the wrapped model's, unchanged.
    ``arcrime predict --legal-tagger DIR`` uses it."""

    def __init__(self, inner: Predictor, tagger: LegalTagger):
        self.inner = inner
        self.tagger = tagger
        self.name = f"{inner.name} + legal tagger"
        self.legal_refs = "tagger+rules"
        self.labels = inner.labels
        self.thresholds = inner.thresholds

    def legal_refs_of(self, text: str, rules: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The tagger+rules references of ``text``, given the rules' (``rules``)."""
        return legal.with_tagger(self.tagger, text, [dict(r) for r in rules])[1]

    def predict_records(self, records: Iterable[Mapping[str, Any]], legal_refs: str | None = None
                        ) -> Iterator[Prediction]:
        """Predictions in input order; ``legal_refs`` other than ``None``/``tagger+rules`` is passed to the
        wrapped model unchanged."""
        if legal_refs not in (None, "tagger+rules"):
            yield from self.inner.predict_records(records, legal_refs=legal_refs)
            return
        texts: deque[tuple[str, str]] = deque()

        def feed() -> Iterator[Mapping[str, Any]]:
            for k, r in enumerate(records):
                if isinstance(r, Mapping):  # the wrapped model checks each record (check_record) and raises on a bad one
                    texts.append((str(r.get("id", f"#{k}")), r.get("text")))
                yield r

        for k, p in enumerate(self.inner.predict_records(feed(), legal_refs="rules")):
            rid, text = texts.popleft() if texts else (None, None)
            if rid != p.id or not isinstance(text, str):  # predictors stream in input order and raise on a bad record
                raise RuntimeError(f"{self.inner.name}: prediction {k} has id {p.id!r}, the record at that position "
                                   f"{rid!r}: the wrapped model does not keep input order")
            yield replace(p, legal_refs=tuple(self.legal_refs_of(text, p.legal_refs)))

    def predict_text(self, text: str, rid: str = "text-1") -> Prediction:
        p = self.inner.predict_text(text, rid)
        return replace(p, legal_refs=tuple(self.legal_refs_of(text, p.legal_refs)))
