"""Normalize → tokenize → window: turn an article into model inputs, and back.

Long articles are never truncated: the token sequence is cut into windows of
``max_length - 2`` tokens that overlap by ``stride`` tokens; every window gets its own
``[CLS] ... [SEP]``. Token offsets are kept in *original* character coordinates (through the
normalizer's offset map), so tagged spans come back as offsets into the user's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import SPAN_KINDS
from .normalize import Normalizer

TAGS: list[str] = ["O"] + [f"{p}-{k}" for k in SPAN_KINDS for p in ("B", "I")]
TAG2ID = {t: i for i, t in enumerate(TAGS)}
IGNORE = -100


@dataclass
class EncodedDoc:
    """One article ready for the model.

    Attributes:
        token_ids: the article's tokens, no special tokens.
        offsets: ``(start, end)`` of each token in the original text.
        windows: ``[a, b)`` token ranges, each fits in one model input.
        tag_ids: gold BIO tag per token (training/eval only).
    """

    text: str
    token_ids: list[int]
    offsets: np.ndarray
    windows: list[tuple[int, int]]
    tag_ids: list[int] | None = None

    @property
    def n_tokens(self) -> int:
        return len(self.token_ids)


def make_windows(n: int, body: int, stride: int) -> list[tuple[int, int]]:
    """Cover ``n`` tokens with windows of ``body`` tokens overlapping by ``stride``."""
    if n <= body:
        return [(0, n)]
    step = body - stride
    out = []
    a = 0
    while True:
        b = min(a + body, n)
        out.append((a, b))
        if b == n:
            return out
        a += step


class DocEncoder:
    """Encodes raw article text for a given tokenizer and normalization pipeline."""

    def __init__(self, tokenizer: Any, normalizer: Normalizer, max_length: int, stride: int):
        if tokenizer.cls_token_id is None or tokenizer.sep_token_id is None:
            raise ValueError("the tokenizer has no [CLS]/[SEP] tokens; arcrime needs a BERT-style tokenizer")
        self.tokenizer = tokenizer
        # we window long inputs ourselves; silence the tokenizer's "longer than max length" warning
        tokenizer.model_max_length = 10**9
        self.normalizer = normalizer
        self.max_length = max_length
        self.stride = stride
        self.body = max_length - 2

    def encode(self, text: str, refs: list[dict[str, Any]] | None = None) -> EncodedDoc:
        norm = self.normalizer(text)
        enc = self.tokenizer(norm.text, add_special_tokens=False, return_offsets_mapping=True)
        ids = list(enc["input_ids"])
        offs = np.zeros((len(ids), 2), dtype=np.int64)
        for i, (a, b) in enumerate(enc["offset_mapping"]):
            offs[i] = norm.to_original(a, b) if b > a else norm.to_original(a, a)
        tags = None
        if refs is not None:
            tags = [TAG2ID["O"]] * len(ids)
            for ref in refs:
                first = True
                for i in range(len(ids)):
                    s, e = offs[i]
                    if e > s and s < ref["end"] and e > ref["start"]:
                        tags[i] = TAG2ID[("B-" if first else "I-") + ref["kind"]]
                        first = False
        return EncodedDoc(text, ids, offs, make_windows(len(ids), self.body, self.stride), tags)

    def window_inputs(self, doc: EncodedDoc, w: int) -> tuple[list[int], list[int] | None]:
        a, b = doc.windows[w]
        ids = [self.tokenizer.cls_token_id] + doc.token_ids[a:b] + [self.tokenizer.sep_token_id]
        tags = None
        if doc.tag_ids is not None:
            tags = [IGNORE] + doc.tag_ids[a:b] + [IGNORE]
        return ids, tags


def merge_window_tags(doc: EncodedDoc, window_tags: list[np.ndarray]) -> np.ndarray:
    """Per-token tag ids from overlapping windows: each token takes the window where it is
    furthest from an edge (most context on both sides)."""
    n = doc.n_tokens
    best = np.full(n, -1, dtype=np.int64)
    best_score = np.full(n, -1, dtype=np.int64)
    for (a, b), tags in zip(doc.windows, window_tags):
        idx = np.arange(a, b)
        score = np.minimum(idx - a, b - 1 - idx)
        better = score > best_score[a:b]
        best[a:b][better] = tags[: b - a][better]
        best_score[a:b][better] = score[better]
    return best


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or "\u0610" <= ch <= "\u061a" or "\u064b" <= ch <= "\u065f" or ch in "\u0640\u0670"


def repair_gaps(doc: EncodedDoc, tag_ids: np.ndarray, max_gap: int = 2, max_chars: int = 6) -> np.ndarray:
    """Fill short ``O`` gaps inside a reference: a run of at most ``max_gap`` tokens covering at most
    ``max_chars`` characters (e.g. «-», «من», «رقم») between two tags of the same kind becomes ``I-``.
    Small taggers often drop such connector tokens and split one citation in two."""
    tags = np.array(tag_ids, copy=True)
    n = len(tags)
    i = 0
    while i < n:
        if tags[i] > 0:
            kind = TAGS[int(tags[i])].split("-", 1)[1]
            j = i + 1
            while j < n and tags[j] == TAG2ID["O"] and j - i - 1 < max_gap:
                j += 1
            if i + 1 < j < n and tags[j] > 0 and TAGS[int(tags[j])].split("-", 1)[1] == kind:
                chars = int(doc.offsets[j - 1][1] - doc.offsets[i + 1][0])
                if chars <= max_chars:
                    tags[i + 1 : j] = TAG2ID[f"I-{kind}"]
                    if TAGS[int(tags[j])].startswith("B-"):
                        tags[j] = TAG2ID[f"I-{kind}"]
        i += 1
    return tags


def tags_to_spans(doc: EncodedDoc, tag_ids: np.ndarray) -> list[dict[str, Any]]:
    """Decode BIO tags into character spans of the original text, widened to whole words."""
    tag_ids = repair_gaps(doc, tag_ids)
    spans: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    for i, t in enumerate(tag_ids):
        tag = TAGS[int(t)] if t >= 0 else "O"
        s, e = int(doc.offsets[i][0]), int(doc.offsets[i][1])
        if tag == "O":
            cur = None
            continue
        prefix, kind = tag.split("-", 1)
        if prefix == "I" and cur is not None and cur["kind"] == kind:
            cur["end"] = max(cur["end"], e)
        else:
            cur = {"start": s, "end": e, "kind": kind}
            spans.append(cur)
    text = doc.text
    out = []
    for sp in spans:
        a, b = sp["start"], sp["end"]
        while a > 0 and _is_word_char(text[a - 1]) and _is_word_char(text[a]):
            a -= 1
        while b < len(text) and b > 0 and _is_word_char(text[b]) and _is_word_char(text[b - 1]):
            b += 1
        if b > a:
            if out and a < out[-1]["end"]:  # widened into the previous span: merge
                out[-1]["end"] = max(out[-1]["end"], b)
                continue
            out.append({"start": a, "end": b, "kind": sp["kind"]})
    return out
