"""Inference: ``load`` any saved model as a :class:`~arcrime.prediction.Predictor`, and the BERT engine.

The engine is batched, length-sorted, streaming; one forward pass serves both heads.

Articles are read in chunks (``chunk_size``), encoded, and all their windows are sorted by
length and packed into batches of at most ``batch_size`` windows with dynamic padding. Window
logits are aggregated per article; token tags of overlapping windows are merged; tagged
spans are widened to whole words and linked to the gazetteer by the legal-reference resolver.
Results come out in input order, so memory stays flat on arbitrarily long input streams.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import logging

import numpy as np
import torch

from . import legal
from .baselines import BASELINE_FILE, load_baseline
from .config import DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_CUDA
from .encoding import DocEncoder, EncodedDoc, merge_window_tags, tags_to_spans
from .export import ONNX_FILE, load_onnx
from .hybrid import HYBRID_FILE, StackedHybrid
from .keywords import keyword_matrix
from .model import ArcrimeConfig, ModelLoadError, aggregate_windows, load_model
from .normalize import Normalizer
from .prediction import LEGAL_MODES, Prediction, Predictor, check_record

logger = logging.getLogger(__name__)


class DeviceError(ValueError):
    """A device that this machine does not have was requested."""


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` → CUDA when available, else CPU; a CUDA device on a machine without CUDA is a
    :class:`DeviceError` that says what to pass instead."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError(f"device {device!r} requested but CUDA is not available on this machine; "
                          "use --device cpu (or auto)")
    try:
        dev = torch.device(device)
    except RuntimeError as e:
        raise DeviceError(f"device {device!r}: {e}; use auto, cpu, cuda or cuda:N") from e
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise DeviceError(f"device {device!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return dev


def autocast_dtype(device: torch.device, precision: str) -> torch.dtype | None:
    """The autocast dtype for a device/precision pair (None = plain fp32)."""
    if device.type != "cuda" or precision == "fp32":
        return None
    if precision == "fp16":
        return torch.float16
    if precision in ("bf16", "auto"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else (torch.float16 if precision == "auto" else torch.bfloat16)
    return None


@dataclass
class DocOutput:
    """Raw model output for one article (before thresholds and linking)."""

    scores: np.ndarray  # sigmoid probability per label
    spans: list[dict[str, Any]]  # {"start","end","kind"} in original offsets
    logits: torch.Tensor | None = None  # the aggregated window logits, before any temperature


def plan_batches(lengths: list[int], batch_size: int, max_tokens: int | None = DEFAULT_MAX_TOKENS) -> list[list[int]]:
    """Group window indices into batches: sorted by length, at most ``batch_size`` windows and at
    most ``max_tokens`` padded tokens (windows × longest window) per batch.

    A token budget keeps many short windows together (where batching pays) while long windows go
    in small batches: on CPU, batches of 512-token windows are slower than one window at a time
    (bigger activations and attention matrices fall out of cache). A window longer than the budget
    still gets a batch of its own; nothing is dropped.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        # sorted ascending, so the newest window is the longest of the batch
        if cur and (len(cur) >= batch_size or (max_tokens is not None and (len(cur) + 1) * lengths[i] > max_tokens)):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


def calibrated_scores(agg: torch.Tensor, temperatures: torch.Tensor | None = None,
                      biases: torch.Tensor | None = None) -> np.ndarray:
    """Per-label probabilities of one article's aggregated logits, each divided by its temperature and
    shifted by its calibration bias first (Platt scaling when both are fitted); the one place this is
    computed, so scores recomputed from stored logits are bit-identical."""
    z = agg if temperatures is None else agg / temperatures
    return torch.sigmoid(z if biases is None else z + biases).numpy()


def run_model(model: Any, encoder: DocEncoder, docs: list[EncodedDoc], batch_size: int,
              device: torch.device, aggregation: str, amp: torch.dtype | None = None,
              temperatures: torch.Tensor | None = None, max_tokens: int | None = DEFAULT_MAX_TOKENS,
              biases: torch.Tensor | None = None) -> list[DocOutput]:
    """Score already-encoded articles; windows of all articles are length-sorted and batched
    (see :func:`plan_batches`)."""
    pad = encoder.tokenizer.pad_token_id or 0
    items = [(d, w) for d in range(len(docs)) for w in range(len(docs[d].windows))]
    lengths = [docs[d].windows[w][1] - docs[d].windows[w][0] + 2 for d, w in items]
    win_logits = {}
    win_tags = {}
    model.eval()
    with torch.inference_mode():
        for batch in plan_batches(lengths, batch_size, max_tokens):
            chunk = [items[i] for i in batch]
            seqs = [encoder.window_inputs(docs[d], w)[0] for d, w in chunk]
            L = max(len(s) for s in seqs)
            ids = torch.full((len(seqs), L), pad, dtype=torch.long)
            mask = torch.zeros((len(seqs), L), dtype=torch.long)
            for j, s in enumerate(seqs):
                ids[j, : len(s)] = torch.tensor(s)
                mask[j, : len(s)] = 1
            ids, mask = ids.to(device), mask.to(device)
            with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                out = model(input_ids=ids, attention_mask=mask)
            cls_logits, tag_logits = out.logits.float().cpu(), out.tag_logits
            tags = tag_logits.argmax(-1).cpu().numpy()
            for j, (d, w) in enumerate(chunk):
                win_logits[(d, w)] = cls_logits[j]
                n = len(seqs[j]) - 2
                win_tags[(d, w)] = tags[j, 1 : 1 + n]
    outs = []
    for d, doc in enumerate(docs):
        logits = torch.stack([win_logits[(d, w)] for w in range(len(doc.windows))])
        agg = aggregate_windows(logits, torch.zeros(len(doc.windows), dtype=torch.long), 1, aggregation)[0]
        scores = calibrated_scores(agg, temperatures, biases)
        tags = merge_window_tags(doc, [win_tags[(d, w)] for w in range(len(doc.windows))])
        outs.append(DocOutput(scores, tags_to_spans(doc, tags), agg))
    return outs


class BertPredictor:
    """The fine-tuned BERT (PyTorch, or an ONNX Runtime session with the same interface) as a
    :class:`~arcrime.prediction.Predictor`.

    Example:
        >>> p = arcrime.load("models/quickstart")
        >>> p.predict_text("أوقفت الشرطة ...").labels
    """

    def __init__(self, model: Any, tokenizer: Any, device: torch.device, batch_size: int = 32,
                 chunk_size: int = 256, precision: str = "auto", legal_refs: str = "rules",
                 max_tokens: int | None = None, name: str = "", keyword_gate: bool = False):
        self.model, self.tokenizer, self.device = model, tokenizer, device
        self.config: ArcrimeConfig = model.config
        self.name = name or self.config.encoder_source
        self.labels = self.config.labels
        self.keyword_gate = keyword_gate
        if keyword_gate:
            if not self.config.gate_thresholds:
                raise ModelLoadError(f"{self.name}: this model has no keyword-gate thresholds (trained before they "
                                     "existed); tune them on dev with scripts/tune_keyword_gate.py, or predict "
                                     "without --keyword-gate")
            self.name += " + keyword gate"
        src = self.config.gate_thresholds if keyword_gate else self.config.thresholds
        self.thresholds = {lab: float(src.get(lab, 0.5)) for lab in self.labels}
        self.encoder = DocEncoder(tokenizer, Normalizer(self.config.normalize_steps), self.config.window_length,
                                  self.config.stride)
        if max_tokens is None:  # the device's default
            max_tokens = DEFAULT_MAX_TOKENS_CUDA if device.type == "cuda" else DEFAULT_MAX_TOKENS
        if batch_size < 1 or chunk_size < 1 or max_tokens < 1:
            raise ValueError(f"batch_size={batch_size}, chunk_size={chunk_size}, max_tokens={max_tokens}: "
                             "each must be >= 1")
        self.batch_size, self.chunk_size, self.max_tokens = batch_size, chunk_size, max_tokens
        self.amp = autocast_dtype(device, precision)
        if legal_refs not in LEGAL_MODES:
            raise ValueError(f"legal_refs={legal_refs!r}; choose one of {', '.join(LEGAL_MODES)}")
        self.legal_refs = legal_refs

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str = "auto", **kw: Any) -> "BertPredictor":
        dev = resolve_device(device)
        model, tok = load_model(path, dev)
        return cls(model, tok, dev, name=kw.pop("name", Path(str(path)).name), **kw)

    def _refs(self, text: str, spans: list[dict[str, Any]], mode: str) -> list[dict[str, Any]]:
        if mode == "rules":
            return [r.to_dict() for r in legal.extract(text)]
        refs = legal.link_spans(text, spans)
        return legal.merge_with_rules(text, refs) if mode == "model+rules" else refs

    def predict_records(self, records: Iterable[Mapping[str, Any]], legal_refs: str | None = None
                        ) -> Iterator[Prediction]:
        """Yield one :class:`Prediction` per input record, in input order, chunk by chunk.

        Raises:
            DataError: for a record whose ``text`` is missing, not a string, empty or binary
                (the message names the record and the field); the CLI reports such records and
                goes on, library callers decide.
        """
        mode = legal_refs or self.legal_refs
        if mode not in LEGAL_MODES:
            raise ValueError(f"legal_refs={mode!r}; choose one of {', '.join(LEGAL_MODES)}")
        buf: list[tuple[str, str]] = []
        for k, rec in enumerate(records):
            buf.append(check_record(rec, k))
            if len(buf) >= self.chunk_size:
                yield from self._predict_chunk(buf, mode)
                buf = []
        if buf:
            yield from self._predict_chunk(buf, mode)

    def temperature_tensor(self) -> torch.Tensor | None:
        """The model's per-label temperatures, in label order (None when it has none)."""
        if not self.config.temperatures:
            return None
        return torch.tensor([self.config.temperatures.get(lab, 1.0) for lab in self.labels])

    def bias_tensor(self) -> torch.Tensor | None:
        """The model's per-label calibration biases, in label order (None when it has none)."""
        biases = getattr(self.config, "calibration_biases", None)
        if not biases:
            return None
        return torch.tensor([biases.get(lab, 0.0) for lab in self.labels])

    def raw_outputs(self, texts: Iterable[str]) -> list[DocOutput]:
        """Scores, tagged spans and aggregated logits per article, in the same chunks and batches as
        :meth:`predict_records` (so the numbers are the same bit for bit); no thresholds, no linking."""
        texts = list(texts)
        outs: list[DocOutput] = []
        for i in range(0, len(texts), self.chunk_size):
            outs += self._run_chunk(texts[i : i + self.chunk_size])
        return outs

    def _run_chunk(self, texts: list[str]) -> list[DocOutput]:
        docs = [self.encoder.encode(text) for text in texts]
        return run_model(self.model, self.encoder, docs, self.batch_size, self.device,
                         self.config.window_aggregation, self.amp, self.temperature_tensor(), self.max_tokens,
                         self.bias_tensor())

    def _predict_chunk(self, recs: list[tuple[str, str]], mode: str) -> list[Prediction]:
        outs = self._run_chunk([text for _, text in recs])
        scores = np.array([o.scores for o in outs]).reshape(len(outs), len(self.labels))
        if self.keyword_gate:  # the hybrid: the model decides among the articles where the keyword family occurs
            scores = scores * keyword_matrix([t for _, t in recs], self.labels)
        return [Prediction.from_scores(rid, self.labels, s, self.thresholds, self._refs(text, o.spans, mode))
                for (rid, text), o, s in zip(recs, outs, scores)]

    def predict_text(self, text: str, rid: str = "text-1") -> Prediction:
        return next(self.predict_records([{"id": rid, "text": text}]))


# the model released in the repository (scripts/release_model.py): what predict and serve use without --model
RELEASED_MODEL = Path(__file__).resolve().parents[2] / "released" / "arcrime-small-real"


def default_model() -> Path:
    """The released model folder of this checkout, or a :class:`ModelLoadError` saying to pass one."""
    if (RELEASED_MODEL / "config.json").is_file():
        return RELEASED_MODEL
    raise ModelLoadError("no --model given and the released model (released/arcrime-small-real in a source "
                         "checkout) is not here; pass --model DIR (e.g. models/quickstart after scripts/quickstart.sh)")


def load(path: str | Path, device: str = "auto", prefer_int8: bool = True, **kw: Any) -> Predictor:
    """Load any saved arcrime model as a :class:`~arcrime.prediction.Predictor`.

    ``path`` is a model folder written by ``arcrime train`` (the fine-tuned BERT, or a baseline),
    an ONNX export folder (``arcrime export``; the int8 graph unless ``prefer_int8=False``), or a
    hub id. Keyword arguments (``batch_size``, ``max_tokens``, ``precision``, ``legal_refs``) tune
    the BERT engine; the baselines have no such knobs and reject them.

    Raises:
        ModelLoadError: the folder is missing, incomplete or damaged (the message says how to fix it).
        DeviceError: ``device`` is not available here.
    """
    p = Path(str(path))
    if (p / BASELINE_FILE).is_file():
        if kw.get("keyword_gate"):
            raise ValueError(f"{path} is a baseline model: --keyword-gate applies to a BERT model")
        # a baseline has no engine to tune (device, batch size, token budget): those settings do not apply
        if kw:
            logger.debug("%s is a baseline model: %s do not apply", path, ", ".join(kw))
        return load_baseline(p)
    if (p / HYBRID_FILE).is_file():
        if kw.get("keyword_gate"):
            raise ValueError(f"{path} is a stacked hybrid: --keyword-gate applies to a BERT model")
        return StackedHybrid.from_pretrained(p, device=device, **kw)
    if (p / ONNX_FILE).is_file():
        onnx_model, tok = load_onnx(p, prefer_int8)
        return BertPredictor(onnx_model, tok, torch.device("cpu"), name=kw.pop("name", p.name), **kw)
    if p.is_dir() and not any(p.iterdir()):
        raise ModelLoadError(f"{p}: the model folder is empty; train a model into it with `arcrime train`")
    return BertPredictor.from_pretrained(path, device=device, **kw)
