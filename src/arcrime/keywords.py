"""The label keyword families of data/GUIDELINES.md.

Used by the keyword baseline (:mod:`arcrime.baselines`) and by the corpus statistics
(:mod:`arcrime.stats`: how many label instances contain none of their keywords).
"""

from __future__ import annotations

import re

KEYWORDS = {
    "extortion": re.compile(r"بتز"),
    # «شهر ب» without the shadda is mostly the noun "month" («شهر بعد»), so the verb needs its shadda or
    # the imperfect «يشهر/تشهر ب»
    "defamation": re.compile(r"تشهير|شهّر|(?<!\w)[يت]شه[ّ]?ر(?:ون|ان)? ب|قذف|(?<!\w)[وب]?(?:ال)?سب[ّ]?(?!\w)|شتم"),
    "impersonation": re.compile(r"انتحال|انتحل|ينتحل|تنتحل|منتحل|حساب(?:ات)? (?:وهمي|مزيف|مزور)|صفح(?:ة|ات) (?:وهمي|مزيف)"),
}
