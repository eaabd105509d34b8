"""Inference engine: batched, length-sorted, streaming; one forward pass serves both heads.

Articles are read in chunks (``chunk_size``), encoded, and all their windows are sorted by
length and packed into batches of at most ``batch_size`` windows with dynamic padding. Window
logits are aggregated per article; token tags of overlapping windows are merged; tagged
spans are widened to whole words and linked to the gazetteer by the legal-reference resolver.
Results come out in input order, so memory stays flat on arbitrarily long input streams.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .config import DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_CUDA
from .encoding import DocEncoder, EncodedDoc, merge_window_tags, tags_to_spans
from .model import ArcrimeModel, ModelMeta, aggregate_windows, load_model
from .normalize import Normalizer


def resolve_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {device!r} requested but CUDA is not available; use --device cpu")
    return torch.device(device)


def autocast_dtype(device: torch.device, precision: str) -> torch.dtype | None:
    """The autocast dtype for a device/precision pair (None = plain fp32)."""
    if device.type != "cuda" or precision == "fp32":
        return None
    if precision == "fp16":
        return torch.float16
    if precision in ("bf16", "auto"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else (torch.float16 if precision == "auto" else torch.bfloat16)
    return None


LEGAL_MODES = ("rules", "model", "model+rules")


@dataclass
class DocOutput:
    """Raw model output for one article (before thresholds and linking)."""

    scores: np.ndarray  # sigmoid probability per label
    spans: list[dict[str, Any]]  # {"start","end","kind"} in original offsets


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


def run_model(model: ArcrimeModel, encoder: DocEncoder, docs: list[EncodedDoc], batch_size: int,
              device: torch.device, aggregation: str, amp: torch.dtype | None = None,
              temperatures: torch.Tensor | None = None, max_tokens: int | None = DEFAULT_MAX_TOKENS) -> list[DocOutput]:
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
                cls_logits, tag_logits = model(ids, mask)
            cls_logits = cls_logits.float().cpu()
            tags = tag_logits.argmax(-1).cpu().numpy()
            for j, (d, w) in enumerate(chunk):
                win_logits[(d, w)] = cls_logits[j]
                n = len(seqs[j]) - 2
                win_tags[(d, w)] = tags[j, 1 : 1 + n]
    outs = []
    for d, doc in enumerate(docs):
        logits = torch.stack([win_logits[(d, w)] for w in range(len(doc.windows))])
        agg = aggregate_windows(logits, torch.zeros(len(doc.windows), dtype=torch.long), 1, aggregation)[0]
        if temperatures is not None:
            agg = agg / temperatures
        scores = torch.sigmoid(agg).numpy()
        tags = merge_window_tags(doc, [win_tags[(d, w)] for w in range(len(doc.windows))])
        outs.append(DocOutput(scores, tags_to_spans(doc, tags)))
    return outs


class Predictor:
    """Load a trained model once; predict on texts or record streams.

    Example:
        >>> p = Predictor.from_pretrained("models/quickstart")
        >>> p.predict_text("أوقفت الشرطة ...")["labels"]
    """

    def __init__(self, model: ArcrimeModel, tokenizer: Any, meta: ModelMeta, device: torch.device,
                 batch_size: int = 32, chunk_size: int = 256, precision: str = "auto", legal_refs: str = "rules",
                 max_tokens: int | None = None):
        self.model, self.tokenizer, self.meta, self.device = model, tokenizer, meta, device
        self.encoder = DocEncoder(tokenizer, Normalizer(meta.normalize_steps), meta.max_length, meta.stride)
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
    def from_pretrained(cls, path: str | Path, device: str = "auto", **kw: Any) -> "Predictor":
        """Load a BERT model folder (or a baseline folder, which returns a baseline predictor)."""
        from .baselines import BASELINE_FILE, load_baseline
        from .export import ONNX_FILE, load_onnx

        if (Path(path) / BASELINE_FILE).is_file():
            return load_baseline(path)  # type: ignore[return-value]
        if (Path(path) / ONNX_FILE).is_file():
            prefer_int8 = kw.pop("prefer_int8", True)
            onnx_model, tok, meta = load_onnx(path, prefer_int8)
            return cls(onnx_model, tok, meta, torch.device("cpu"), **kw)  # type: ignore[arg-type]
        kw.pop("prefer_int8", None)
        dev = resolve_device(device)
        model, tok, meta = load_model(path, dev)
        return cls(model, tok, meta, dev, **kw)

    def _finish(self, rid: str, text: str, out: DocOutput) -> dict[str, Any]:
        from .legal import extract, link_spans, merge_with_rules

        labels = [lab for lab, s in zip(self.meta.labels, out.scores) if s >= self.meta.thresholds.get(lab, 0.5)]
        if self.legal_refs == "rules":
            refs = [r.to_dict() for r in extract(text)]
        else:
            refs = link_spans(text, out.spans)
            if self.legal_refs == "model+rules":
                refs = merge_with_rules(text, refs)
        return {
            "id": rid,
            "labels": labels,
            "scores": {lab: round(float(s), 6) for lab, s in zip(self.meta.labels, out.scores)},
            "legal_refs": refs,
        }

    def predict_records(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Yield one result per input record, in input order, chunk by chunk.

        Raises:
            DataError: for a record whose ``text`` is missing, not a string, empty or binary
                (the message names the record and the field); the CLI reports such records and
                goes on, library callers decide.
        """
        from .data import DataError, looks_binary

        buf: list[dict[str, Any]] = []
        for k, rec in enumerate(records):
            text = rec.get("text") if isinstance(rec, dict) else None
            rid = rec.get("id", f"#{k}") if isinstance(rec, dict) else f"#{k}"
            if not isinstance(text, str) or not text.strip() or looks_binary(text):
                what = ("missing or not a string" if not isinstance(text, str) else
                        "empty or whitespace-only" if not text.strip() else "binary data, not an article")
                raise DataError(f"record {rid!r} (position {k}): field text: {what}; pass the article body as a "
                                "non-empty string")
            buf.append(rec)
            if len(buf) >= self.chunk_size:
                yield from self._predict_chunk(buf)
                buf = []
        if buf:
            yield from self._predict_chunk(buf)

    def _predict_chunk(self, recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        docs = [self.encoder.encode(r["text"]) for r in recs]
        temps = None
        if self.meta.temperatures:
            temps = torch.tensor([self.meta.temperatures.get(lab, 1.0) for lab in self.meta.labels])
        outs = run_model(self.model, self.encoder, docs, self.batch_size, self.device,
                         self.meta.window_aggregation, self.amp, temps, self.max_tokens)
        return [self._finish(r["id"], r["text"], o) for r, o in zip(recs, outs)]

    def predict_text(self, text: str, rid: str = "text-1") -> dict[str, Any]:
        return next(self.predict_records([{"id": rid, "text": text}]))
