"""The label keyword families of data/GUIDELINES.md.

Used by the keyword baseline (:mod:`arcrime.baselines`) and by the corpus statistics
(:mod:`arcrime.stats`: how many label instances contain none of their keywords).
"""

from __future__ import annotations

import re

import numpy as np

KEYWORDS = {
    "extortion": re.compile(r"بتز"),
    # «شهر ب» without the shadda is mostly the noun "month" («شهر بعد»), so the verb needs its shadda or
    # the imperfect «يشهر/تشهر ب»
    "defamation": re.compile(r"تشهير|شهّر|(?<!\w)[يت]شه[ّ]?ر(?:ون|ان)? ب|قذف|(?<!\w)[وب]?(?:ال)?سب[ّ]?(?!\w)|شتم"),
    "impersonation": re.compile(r"انتحال|انتحل|ينتحل|تنتحل|منتحل|حساب(?:ات)? (?:وهمي|مزيف|مزور)|صفح(?:ة|ات) (?:وهمي|مزيف)"),
}


def gate_thresholds(y: np.ndarray, gated: np.ndarray, labels: list[str]) -> dict[str, float]:
    """Per-label thresholds for keyword-gated scores, tuned for F1; never 0 (a gated score is exactly 0
    where the keyword family is absent, and a 0 threshold would turn the label on for every article)."""
    from .metrics import tune_thresholds

    thr = tune_thresholds(y, gated, labels)
    return {lab: max(t, 1e-6) for lab, t in thr.items()}


def keyword_matrix(texts: list[str], labels: list[str]) -> np.ndarray:
    """``[n_texts, n_labels]`` 1.0 where the label's keyword family occurs in the (raw) text, else 0.0
    (labels without a family are never gated off: 1.0)."""
    return np.array([[1.0 if lab not in KEYWORDS or KEYWORDS[lab].search(t) else 0.0 for lab in labels]
                     for t in texts], dtype=np.float64).reshape(len(texts), len(labels))
