"""The corpus of domain-adaptive pretraining: crime, court and cyber-crime news.

:func:`build_domain_corpus` selects, from the public corpora, the articles about crime, courts,
policing and cyber-crime, adds the written corpus's *train* split, and writes them as a plain
pretraining corpus (one article per line, the format ``arcrime pretrain --corpus`` reads). An encoder
pretrained on general news then continues masked-LM on it (``init_from`` in the pretraining config).

An article is in the domain when any of these holds (:func:`domain_reasons`):

- a label keyword family of ``data/GUIDELINES.md`` occurs (:data:`arcrime.keywords.KEYWORDS`);
- the rule-based legal finder finds a reference (a law, code or article);
- at least ``min_terms`` distinct crime / court / cyber terms (:data:`DOMAIN_TERMS`) occur.

Nothing held out reaches it (the selection looks at no label and at no test article's content):

- every article of the annotation layer (``data/real/*.jsonl``, all splits) is left out;
- so is every article whose word TF-IDF cosine with an annotated dev or test article is at or above
  ``max_similarity`` (the criterion of :mod:`arcrime.silver`);
- only the written corpus's train split is added, never its dev or test split.

The output holds article text, so it goes to the git-ignored hydrated folder.
"""

from __future__ import annotations

import logging
import random
import re
from pathlib import Path
from typing import Any

from . import legal
from .corpus import load_records
from .fileio import write_text
from .keywords import KEYWORDS
from .real import articles_outside_layer, held_out_near

logger = logging.getLogger(__name__)

# crime, court, police and cyber-crime terms (prefix-tolerant stems); each distinct term counts once
DOMAIN_TERMS = re.compile(
    r"محكم[ةت]|قضائي|النياب[ةه]|وكيل الملك|الادعاء العام|متهم|اتهام|تهم[ةه]|جناي[ةه]|جنح[ةه]|محاكم[ةه]"
    r"|الاستئناف|النقض|سجن|حبس|غرام[ةه] مالي|موقوف|القبض|اعتقال|توقيف|الشرطة|الأمن الوطني|الدرك"
    r"|جريم[ةه]|جرائم|إجرام|عصاب[ةه]|سرق[ةه]|احتيال|نصب|تزوير|رشو[ةه]|مخدرات|الضحي[ةه]|ضحايا"
    r"|إلكتروني|معلوماتي|اختراق|قرصن[ةه]|مواقع التواصل|فيسبوك|فايسبوك|واتساب|تويتر|حساب(?:ات)? وهمي"
)


def domain_reasons(text: str, min_terms: int = 3) -> list[str]:
    """Why ``text`` is a crime/court/cyber article (empty when it is not): ``keywords``, ``legal``,
    ``terms``."""
    why = []
    if any(rx.search(text) for rx in KEYWORDS.values()):
        why.append("keywords")
    if legal.find(text):
        why.append("legal")
    if len({m.group(0) for m in DOMAIN_TERMS.finditer(text)}) >= min_terms:
        why.append("terms")
    return why


def _one_line(text: str) -> str:
    return " ".join(text.split())


def build_domain_corpus(real_dir: str | Path, corpus_dir: str | Path, out: str | Path,
                        written: list[str | Path] = (), min_terms: int = 3, seed: int = 13,
                        max_similarity: float = 0.5) -> dict[str, Any]:
    """Write the domain corpus to ``out`` (one article per line, shuffled with ``seed`` so that the
    held-out articles pretraining takes from the head of the file are a random sample).

    Args:
        real_dir: the annotation layer (its articles are left out).
        corpus_dir: the folder holding the public corpora.
        out: the output ``.txt`` file.
        written: written-corpus *train* files (JSONL) whose texts are added.
        min_terms: distinct domain terms an article needs when neither a keyword family nor a legal
            reference selects it.

    Returns:
        Counts: articles seen, selected per reason, removed as near a held-out article, written.

    Raises:
        FileNotFoundError: no corpus folder under ``corpus_dir``, no annotation file, or a missing
            written file.
        ValueError: ``min_terms`` < 1 or ``max_similarity`` outside (0, 1].
    """
    if min_terms < 1 or not 0.0 < max_similarity <= 1.0:
        raise ValueError(f"min_terms must be >= 1 (got {min_terms}) and max_similarity in (0, 1] (got {max_similarity})")
    held_out: list[str] = []
    articles = articles_outside_layer(real_dir, corpus_dir, held_out)
    for w in written:
        if not Path(w).is_file():
            raise FileNotFoundError(f"{w}: no such written-corpus file")
    selected: list[str] = []
    reasons = {"keywords": 0, "legal": 0, "terms": 0}
    n_seen = 0
    for art in articles:
        n_seen += 1
        why = domain_reasons(art.text, min_terms)
        for r in why:
            reasons[r] += 1
        if why:
            selected.append(art.text)
    close = held_out_near(selected, held_out, max_similarity)
    texts = [_one_line(t) for t, c in zip(selected, close) if not c]
    n_written = 0
    for w in written:
        for rec in load_records(w, strict=True):
            texts.append(_one_line(rec["text"]))
            n_written += 1
    texts = [t for t in texts if t]
    random.Random(seed).shuffle(texts)
    write_text(Path(out), "".join(t + "\n" for t in texts))
    return {"out": str(out), "articles_outside_layer": n_seen, "selected": len(selected), "per_reason": reasons,
            "removed_near_held_out": int(sum(close)), "written_articles": n_written, "written": len(texts),
            "min_terms": min_terms, "max_similarity": max_similarity, "seed": seed,
            "characters": sum(len(t) for t in texts)}
