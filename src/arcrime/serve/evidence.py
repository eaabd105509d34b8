"""Evidence for a prediction by sentence occlusion.

Each sentence of the article is removed in turn and the shortened article is scored again by the
same engine; a sentence's contribution to a label is the drop of that label's score. Only a
sentence whose removal lowers the score by at least ``MIN_DROP`` counts as evidence: a sentence
whose removal leaves the score unchanged (or raises it) is not evidence, however many keywords it
holds. Occlusion measures what the model actually uses, at the price of one extra forward pass per
sentence; articles with more than ``MAX_UNITS`` sentences are cut into ``MAX_UNITS`` runs of
adjacent sentences so the cost stays bounded.

Shortcuts taken on purpose: sentences are cut at ``. ! ? ؟ ؛ …`` followed by a space and at line
breaks (a dot between digits, as in «07.03», never ends a sentence); a one-sentence article is cut
at its commas instead, and an article that still has a single unit gets no evidence (removing it
leaves nothing to score).
"""

from __future__ import annotations

from typing import Any

MIN_DROP = 0.01  # a removal must lower the score by at least this much to count as evidence
MAX_UNITS = 48  # at most this many occlusions (extra forward passes) per article
METHOD = ("occlusion: each sentence is removed in turn and the article re-scored by the same model; "
          f"contribution = the drop of the label's score; a sentence whose removal lowers it by less than "
          f"{MIN_DROP} is not evidence")

_ENDERS = frozenset(".!?؟؛…")
_CLOSERS = frozenset("\"'»”’)]")
_CLAUSE = frozenset("،,;")


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def split_sentences(text: str, enders: frozenset[str] = _ENDERS) -> list[tuple[int, int]]:
    """``[start, end)`` spans of the sentences of ``text`` (whitespace trimmed, none empty).

    Example:
        >>> split_sentences("أولا. ثانيا؟ المادة 07.03 هنا")
        [(0, 5), (6, 12), (13, 29)]
    """
    spans: list[tuple[int, int]] = []
    start, i, n = 0, 0, len(text)

    def add(a: int, b: int) -> None:
        t = _trim(text, a, b)
        if t:
            spans.append(t)

    while i < n:
        c = text[i]
        if c == "\n":
            add(start, i)
            start = i = i + 1
            continue
        if c in enders:
            if c == "." and 0 < i < n - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
                i += 1  # «07.03», «1.5»
                continue
            j = i + 1
            while j < n and (text[j] in enders or text[j] in _CLOSERS):
                j += 1
            if j >= n or text[j].isspace():
                add(start, j)
                start = i = j
                continue
            i = j
            continue
        i += 1
    add(start, n)
    return spans


def occlusion_units(text: str, max_units: int = MAX_UNITS) -> list[tuple[int, int]]:
    """The spans removed one at a time: sentences, or clauses for a one-sentence article, merged
    into at most ``max_units`` runs of adjacent sentences."""
    units = split_sentences(text)
    if len(units) < 2:
        units = split_sentences(text, _ENDERS | _CLAUSE)
    if len(units) > max_units:
        n = len(units)
        groups = [units[k * n // max_units: (k + 1) * n // max_units] for k in range(max_units)]
        units = [(g[0][0], g[-1][1]) for g in groups if g]
    return units


def occlusion_records(rid: str, text: str, units: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """One record per unit: the article with that unit removed."""
    return [{"id": f"{rid}#without-{k}", "text": text[:a] + text[b:]} for k, (a, b) in enumerate(units)]


def explain(text: str, result: dict[str, Any], units: list[tuple[int, int]], occluded: list[dict[str, Any]],
            thresholds: dict[str, float], min_drop: float = MIN_DROP) -> dict[str, Any]:
    """Turn the scores of the occluded articles into the ``evidence`` object of a prediction.

    Args:
        text: the original article.
        result: the prediction for the whole article (``labels``, ``scores``).
        units: the spans removed, as returned by :func:`occlusion_units`.
        occluded: the predictions for :func:`occlusion_records`, in the same order.
        thresholds: the model's tuned per-label thresholds.

    Returns:
        ``{"method", "min_drop", "sentences": [{"start","end","drop": {label: d}}],
        "labels": {label: [{"start","end","text","contribution","score_without","flips"}]}}`` —
        ``labels`` holds the predicted labels only, each with its evidence sentences ranked by
        contribution (possibly none: then no single sentence moves the score).
    """
    scores = result["scores"]
    sentences = []
    for (a, b), occ in zip(units, occluded):
        sentences.append({"start": a, "end": b,
                          "drop": {lab: round(scores[lab] - occ["scores"][lab], 6) for lab in scores}})
    by_label: dict[str, list[dict[str, Any]]] = {}
    for lab in result["labels"]:
        ev = []
        for s, occ in zip(sentences, occluded):
            d = s["drop"][lab]
            if d >= min_drop:
                ev.append({"start": s["start"], "end": s["end"], "text": text[s["start"]:s["end"]],
                           "contribution": d, "score_without": occ["scores"][lab],
                           "flips": occ["scores"][lab] < thresholds.get(lab, 0.5)})
        by_label[lab] = sorted(ev, key=lambda e: -e["contribution"])
    return {"method": METHOD, "min_drop": min_drop, "sentences": sentences, "labels": by_label}


def plan(records: list[dict[str, Any]], max_units: int = MAX_UNITS
         ) -> tuple[list[dict[str, Any]], list[list[tuple[int, int]]]]:
    """The records to score for explaining ``records``: each article followed by its occluded copies
    (none for a one-unit article), and the units of each article. Scoring them in one call lets
    the articles and all their copies share the engine's batches."""
    flat: list[dict[str, Any]] = []
    units_of = []
    for rec in records:
        units = occlusion_units(rec["text"], max_units)
        if len(units) < 2:
            units = []
        flat.append(rec)
        flat.extend(occlusion_records(str(rec["id"]), rec["text"], units))
        units_of.append(units)
    return flat, units_of


def assemble(records: list[dict[str, Any]], units_of: list[list[tuple[int, int]]], scored: list[dict[str, Any]],
             thresholds: dict[str, float]) -> list[dict[str, Any]]:
    """Attach ``evidence`` to each article's prediction; ``scored`` are the predictions for
    :func:`plan`'s records, in order."""
    out = []
    k = 0
    for rec, units in zip(records, units_of):
        res = scored[k]
        occluded = scored[k + 1: k + 1 + len(units)]
        k += 1 + len(units)
        if units:
            res["evidence"] = explain(rec["text"], res, units, occluded, thresholds)
        else:
            res["evidence"] = {"method": METHOD, "min_drop": MIN_DROP, "sentences": [], "labels": {},
                               "note": "one sentence only: removing it leaves nothing to score, so no evidence"}
        out.append(res)
    return out
