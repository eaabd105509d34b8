"""Weak supervision: silver labels for real press from the guideline keyword families.

The real-press layer has few articles with a label (about 60 in ``real_train``). The public corpora
hold tens of thousands more articles that nobody annotated. :func:`build_silver` labels some of them
with *labelling functions*, the keyword families of ``data/GUIDELINES.md`` (:data:`arcrime.keywords.KEYWORDS`,
the rules of the keyword baseline): an article gets a label when its family occurs. Articles with no
family are silver negatives (a seeded sample). Legal references are the rule-based finder's.

What is kept out, so nothing held out leaks into training:

- every article of the annotation layer (``data/real/*.jsonl``, all splits);
- every article whose word TF-IDF cosine with an annotated **dev or test** article is at or above
  ``max_similarity`` (0.5: the criterion that clusters one story across outlets in the real layer),
  so a reprint of a held-out story is never a silver article.

The output is a corpus file like the hydrated ones (it holds article text, so it goes to the
git-ignored hydrated folder). Training reads it as one more training file (``data.train``); the
ablation in ``configs/`` uses it as a first fine-tuning stage (its model becomes the next run's
``model.name_or_path``).
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any


from . import legal
from .fileio import write_jsonl
from .keywords import KEYWORDS
from .real import articles_outside_layer, held_out_near

logger = logging.getLogger(__name__)


def silver_labels(text: str) -> list[str]:
    """The labels whose keyword family occurs in ``text`` (the labelling functions)."""
    return [lab for lab, rx in KEYWORDS.items() if rx.search(text)]


def build_silver(real_dir: str | Path, corpus_dir: str | Path, out: str | Path, negatives: int = 500,
                 seed: int = 13, max_similarity: float = 0.5) -> dict[str, Any]:
    """Write silver-labelled articles of the corpora under ``corpus_dir`` to ``out`` (corpus JSONL).

    Every article outside the annotation layer with a keyword family is kept (labels = the families),
    plus ``negatives`` articles with none, drawn with ``seed``; then articles too similar to an annotated
    dev/test article are removed. Returns the counts (also per label) written.

    Raises:
        FileNotFoundError: no corpus folder under ``corpus_dir`` or no annotation file in ``real_dir``.
        ValueError: ``negatives`` < 0 or ``max_similarity`` outside (0, 1].
    """
    if negatives < 0 or not 0.0 < max_similarity <= 1.0:
        raise ValueError(f"negatives must be >= 0 (got {negatives}) and max_similarity in (0, 1] (got {max_similarity})")

    held_out: list[str] = []
    articles = articles_outside_layer(real_dir, corpus_dir, held_out)
    rng = random.Random(seed)
    positives: list[tuple[Any, list[str]]] = []
    reservoir: list[Any] = []
    n_seen = n_neg_pool = 0
    for art in articles:
        n_seen += 1
        labs = silver_labels(art.text)
        if labs:
            positives.append((art, labs))
            continue
        n_neg_pool += 1  # reservoir sampling: a uniform seeded sample of the articles with no family
        if len(reservoir) < negatives:
            reservoir.append(art)
        else:
            j = rng.randrange(n_neg_pool)
            if j < negatives:
                reservoir[j] = art
    cands = positives + [(a, []) for a in reservoir]
    too_close = held_out_near([a.text for a, _ in cands], held_out, max_similarity)
    recs = []
    for (art, labs), close in zip(cands, too_close):
        if close:
            continue
        refs = [r.to_dict() for r in legal.resolve(legal.find(art.text), art.text)]
        recs.append({"id": f"silver-{art.corpus}-{art.row:06d}", "text": art.text, "labels": labs, "legal_refs": refs,
                     "meta": {"silver": True, "labelling_functions": "keyword families (arcrime.keywords)",
                              "source": art.source()}})
    recs.sort(key=lambda r: r["id"])
    write_jsonl(Path(out), recs)
    per_label = {lab: sum(lab in r["labels"] for r in recs) for lab in KEYWORDS}
    return {"out": str(out), "articles_outside_layer": n_seen, "written": len(recs),
            "with_label": sum(bool(r["labels"]) for r in recs), "per_label": per_label,
            "negatives_drawn": len(reservoir), "removed_near_held_out": sum(too_close),
            "max_similarity": max_similarity, "seed": seed}
