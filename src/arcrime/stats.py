"""Corpus statistics: the counts of the datasheet and of ``arcrime data stats``, the near-duplicate
check, and their text tables.

:func:`layer_stats` is what ``arcrime data stats`` computes: the written corpus and the real-press
layer counted apart, each with its near-duplicate pairs; :func:`format_stats` and
:func:`format_layers` print them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from .config import DEFAULT_LABELS
from .keywords import KEYWORDS

NEAR_DUPLICATE_METHOD = "character 5-gram Jaccard"

SPAN_FORMS = {
    "arabic_indic_digits": re.compile(r"[\u0660-\u0669]"),
    "dotted_number": re.compile(r"\d+\.\d+|[\u0660-\u0669]+\.[\u0660-\u0669]+"),
    "dashed_number": re.compile(r"\d+-\d+"),
    "slash_number": re.compile(r"\d+/\d+"),
    "li_sana_year": re.compile(r"لسن[ةه]|لعام"),
    "hijri_year": re.compile(r"\d\s?هـ|١٤\d\d|14\d\d\s?ه"),
    "dual": re.compile(r"(?:فصل|ماد[ةت]?)(?:ين|ان)|المادتين|المادتان"),
    "plural_or_range": re.compile(r"فصول|مواد|من\s+\S+\s+(?:إلى|الى|حتى)"),
    "short_form": re.compile(r"منه\b|منها\b|نفس|ذات|المذكور|نفسه|السالف"),
    "dahir_or_decree": re.compile(r"ظهير|مرسوم|قرار بقانون"),
    "tashkeel_or_tatweel": re.compile(r"[\u064b-\u065f\u0640]"),
}



def keyword_hits(text: str) -> dict[str, bool]:
    """Which label keyword families (GUIDELINES.md) occur in ``text``."""
    return {lab: bool(rx.search(text)) for lab, rx in KEYWORDS.items()}


def corpus_stats(records: Iterable[dict[str, Any]], labels: list[str] | None = None) -> dict[str, Any]:
    """Counts that the datasheet and ``arcrime data stats`` report."""
    labels = labels or DEFAULT_LABELS
    records = list(records)
    combos, label_counts, countries, styles, kinds, insts, inst_countries = (Counter() for _ in range(7))
    forms: Counter[str] = Counter()
    splits = Counter()
    words, n, pos, kw_free = [], 0, 0, 0
    neg_hard = negs = neg_kw = hijri = 0
    hijri_rx = re.compile(r"1[34]\d\d\s?هـ|[١][٣٤][٠-٩][٠-٩]\s?هـ|(?:محرم|صفر|ربيع|جمادى|رجب|شعبان|رمضان|شوال|ذي القعدة|ذي الحجة)\s+(?:الأول|الآخر|الثاني|الأولى|الآخرة|الثانية)?\s*1[34]\d\d")
    n_spans = 0
    per_split: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        n += 1
        labs = sorted(r["labels"])
        combos["+".join(labs) or "none"] += 1
        hits = keyword_hits(r["text"])
        hijri += bool(hijri_rx.search(r["text"]))
        for lab in labs:
            label_counts[lab] += 1
            per_split[r.get("meta", {}).get("split", "?")][lab] += 1
            pos += 1
            kw_free += not hits.get(lab, False)
        meta = r.get("meta", {})
        if not labs:
            negs += 1
            neg_kw += any(hits.values())
            neg_hard += meta.get("neg_type", "unrelated") not in ("unrelated", None, "")
        countries[meta.get("country", "?")] += 1
        styles[meta.get("style", "?")] += 1
        splits[meta.get("split", "?")] += 1
        words.append(len(r["text"].split()))
        for ref in r["legal_refs"]:
            n_spans += 1
            kinds[ref["kind"]] += 1
            surface = r["text"][ref["start"]:ref["end"]]
            for form, rx in SPAN_FORMS.items():
                forms[form] += bool(rx.search(surface))
            insts[ref["instrument"] or "<unknown>"] += 1
            if ref["instrument"]:
                inst_countries[ref["instrument"].split("/")[0]] += 1
    words.sort()
    return {
        "articles": n,
        "splits": dict(splits),
        "label_combinations": dict(sorted(combos.items())),
        "labels": {lab: label_counts[lab] for lab in labels},
        "labels_per_split": {sp: {lab: c[lab] for lab in labels} for sp, c in sorted(per_split.items())},
        "neg_types": dict(Counter(r.get("meta", {}).get("neg_type") or "?" for r in records if not r["labels"])),
        "no_label": combos["none"],
        "hard_negatives": neg_hard,
        "negatives_with_keywords": neg_kw,
        "keyword_free_label_instances": kw_free,
        "label_instances": pos,
        "keyword_free_share": round(kw_free / pos, 3) if pos else 0.0,
        "words": {"min": words[0] if words else 0, "median": words[len(words) // 2] if words else 0,
                  "max": words[-1] if words else 0, "over_400": sum(w > 400 for w in words)},
        "countries": dict(countries.most_common()),
        "styles": dict(styles.most_common()),
        "legal_spans": n_spans,
        "span_kinds": dict(kinds),
        "span_forms": {k: forms[k] for k in SPAN_FORMS},
        "articles_with_hijri_date": hijri,
        "distinct_instruments": len([k for k in insts if k != "<unknown>"]),
        "spans_unknown_instrument": insts["<unknown>"],
        "instrument_countries": dict(inst_countries.most_common()),
        "instruments": dict(insts.most_common()),
    }


def near_duplicates(records: list[dict[str, Any]], threshold: float = 0.5, n: int = 5) -> list[dict[str, Any]]:
    """Pairs of articles whose character ``n``-gram sets have Jaccard similarity >= ``threshold``.

    Uses scikit-learn's hashing of character n-grams (2**20 buckets) and one sparse product, so all
    pairs are compared exactly (up to hash collisions, which can only raise a similarity).
    """
    from sklearn.feature_extraction.text import HashingVectorizer

    if len(records) < 2:
        return []
    vec = HashingVectorizer(analyzer="char", ngram_range=(n, n), n_features=2**20, alternate_sign=False,
                            norm=None, binary=True, lowercase=False)
    x = vec.transform([r["text"] for r in records]).tocsr()
    x.data[:] = 1
    sizes = np.asarray(x.sum(axis=1)).ravel()
    inter = (x @ x.T).tocoo()
    out = []
    for i, j, v in zip(inter.row, inter.col, inter.data):
        if i < j:
            jac = v / (sizes[i] + sizes[j] - v)
            if jac >= threshold:
                out.append({"a": records[i]["id"], "b": records[j]["id"], "jaccard": round(float(jac), 3),
                            "split_a": records[i].get("meta", {}).get("split"),
                            "split_b": records[j].get("meta", {}).get("split")})
    return sorted(out, key=lambda d: -d["jaccard"])


def layer_stats(records: Iterable[dict[str, Any]], dup_threshold: float = 0.5) -> dict[str, dict[str, Any]]:
    """What ``arcrime data stats`` reports: :func:`corpus_stats` of the written corpus and of the
    real-press layer (``meta.real``) apart, each with its near-duplicate pairs (within a split and
    across splits; pairs across splits leak test articles into training).

    Returns:
        ``{"written": stats, "real": stats}`` without the layers that have no record.
    """
    records = list(records)
    layers = {"written": [r for r in records if not r.get("meta", {}).get("real")],
              "real": [r for r in records if r.get("meta", {}).get("real")]}
    out: dict[str, dict[str, Any]] = {}
    for name, rr in layers.items():
        if not rr:
            continue
        stats = corpus_stats(rr)
        dups = near_duplicates(rr, dup_threshold)
        stats["near_duplicates"] = {"threshold": dup_threshold, "method": NEAR_DUPLICATE_METHOD,
                                    "pairs_within_split": [d for d in dups if d["split_a"] == d["split_b"]],
                                    "pairs_across_splits": [d for d in dups if d["split_a"] != d["split_b"]]}
        out[name] = stats
    return out


def format_layers(layers: dict[str, dict[str, Any]]) -> str:
    """The written corpus and the real-press layer side by side."""
    names = list(layers)
    rows: list[tuple[str, list[Any]]] = [("articles", [s["articles"] for s in layers.values()])]
    for split in ("train", "dev", "test"):
        rows.append((f"  {split}", [s["splits"].get(split, 0) for s in layers.values()]))
    labels = sorted({k for s in layers.values() for k in s["labels"]})
    rows += [(f"{lab}", [s["labels"].get(lab, 0) for s in layers.values()]) for lab in labels]
    for split in ("train", "dev", "test"):
        for lab in labels:
            rows.append((f"  {lab} in {split}", [s.get("labels_per_split", {}).get(split, {}).get(lab, 0)
                                                  for s in layers.values()]))
    rows += [("no label", [s["no_label"] for s in layers.values()]),
             ("hard negatives", [s["hard_negatives"] for s in layers.values()]),
             ("keyword-free share of label instances", [f"{s['keyword_free_share']:.1%}" for s in layers.values()]),
             ("median words", [s["words"]["median"] for s in layers.values()]),
             ("legal spans", [s["legal_spans"] for s in layers.values()]),
             ("spans with unknown instrument", [s.get("spans_unknown_instrument", "–") for s in layers.values()]),
             ("distinct instruments", [s["distinct_instruments"] for s in layers.values()])]
    w = max(len(r[0]) for r in rows) + 2
    lines = [f"{'':<{w}}" + "".join(f"{n:>12}" for n in names)]
    lines += [f"{k:<{w}}" + "".join(f"{str(v):>12}" for v in vals) for k, vals in rows]
    return "\n".join(lines)


def format_stats(s: dict[str, Any]) -> str:
    """One corpus (or layer) as the text table of ``arcrime data stats``."""
    lines = [f"articles: {s['articles']}   splits: {s['splits']}", "", "label combination      articles"]
    for k, v in s["label_combinations"].items():
        lines.append(f"  {k:<32}{v:>6}")
    lines += ["", "per label: " + ", ".join(f"{k} {v}" for k, v in s["labels"].items()),
              f"no label: {s['no_label']} (hard negatives: {s['hard_negatives']}; "
              f"containing a label keyword: {s['negatives_with_keywords']})",
              f"keyword-free label instances: {s['keyword_free_label_instances']}/{s['label_instances']} "
              f"({s['keyword_free_share']:.1%})",
              f"words per article: min {s['words']['min']}, median {s['words']['median']}, max {s['words']['max']}, "
              f"over 400: {s['words']['over_400']}",
              "countries: " + ", ".join(f"{k} {v}" for k, v in s["countries"].items()),
              "styles: " + ", ".join(f"{k} {v}" for k, v in s["styles"].items()),
              f"legal spans: {s['legal_spans']} {s['span_kinds']}; distinct instruments: {s['distinct_instruments']} "
              f"from {len(s['instrument_countries'])} countries",
              "instrument countries: " + ", ".join(f"{k} {v}" for k, v in s["instrument_countries"].items()),
              "span forms: " + ", ".join(f"{k} {v}" for k, v in s["span_forms"].items()),
              f"articles with a Hijri date: {s['articles_with_hijri_date']}"]
    nd = s.get("near_duplicates")
    if nd:
        lines.append(f"near-duplicates ({nd['method']} >= {nd['threshold']}): "
                     f"{len(nd['pairs_across_splits'])} pair(s) across splits, "
                     f"{len(nd['pairs_within_split'])} within a split")
        for d in nd["pairs_across_splits"][:20]:
            lines.append(f"  ACROSS {d['a']} ({d['split_a']}) ~ {d['b']} ({d['split_b']}): {d['jaccard']}")
    return "\n".join(lines)
