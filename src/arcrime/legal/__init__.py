"""Legal references in Arabic news: find → resolve → annotate.

>>> from arcrime import legal
>>> refs = legal.resolve(legal.find(text), text)
>>> html = legal.annotate(text, refs)

``extract`` does find + resolve in one call. ``link_spans`` sends spans tagged by a model (the BERT
token head, or the CRF tagger of :mod:`.tagger`) through the same resolver; ``merge_with_rules`` adds
model spans to the rules' where the rules found nothing; ``tagger_first`` keeps the tagger's spans and
adds the rules' where the tagger found nothing (the "tagger+rules" mode, chosen on fresh draws of the
legal split: see experiments/legal-tagger/).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .annotate import annotate
from .find import find
from .gazetteer import Gazetteer, load_gazetteer
from .models import Instrument, LegalReference
from .regexes import ARTICLE_NUM, canonical_article
from .resolve import resolve

__all__ = ["find", "resolve", "annotate", "extract", "source_hints", "link_spans", "merge_with_rules", "tagger_first",
           "with_tagger",
           "load_gazetteer", "Gazetteer", "Instrument", "LegalReference"]


def extract(text: str, country: str | None = None, *, prior: str | None = None, date=None) -> list[LegalReference]:
    """Find and resolve the legal references of ``text`` (normalizing it once). ``prior`` (the outlet's
    country) and ``date`` (its publication date) are optional hints about the source (see :func:`source_hints`)."""
    from .find import find_and_scan, normalize_for_find

    n = normalize_for_find(text)
    refs, cues = find_and_scan(text, n)
    return resolve(refs, text, country, n.text, cues, prior=prior, date=date)


def warm_up() -> None:
    """Load the gazetteer and compile every regex and automaton of the finder now (about a second), instead
    of lazily on the first text that needs each (a server or a benchmark calls this at start-up)."""
    from .regexes import alias_automaton, elided_regex, finder_regex, scan_automaton
    from .resolve import _cue_automaton

    load_gazetteer()
    finder_regex()
    elided_regex()
    scan_automaton()
    alias_automaton()
    _cue_automaton()


# corpora and outlets whose country is known (real-press records: ``meta.source.corpus`` / ``outlet``)
SOURCE_COUNTRIES = {"SaudiNewsNet": "SA", "JawharaFM": "TN", "Hespress": "MA", "hespress": "MA"}


def source_hints(record: dict[str, Any]) -> dict[str, Any]:
    """``{"prior": country or None, "date": publication date or None}`` for :func:`extract` from a corpus
    record's ``meta``: what a caller knows about where an article came from. The country is the outlet's
    (``meta.source.outlet`` / ``corpus``); international outlets give none. ``meta.country`` is never read: in
    the annotated corpora it is the annotator's judgement of the story's country, part of the gold, not
    something a caller knows. The date is ``meta.source.date``, else ``meta.date``."""
    from .resolve import parse_date

    meta = record.get("meta") or {}
    src = meta.get("source") or {}
    prior = SOURCE_COUNTRIES.get(src.get("outlet") or "") or SOURCE_COUNTRIES.get(src.get("corpus") or "")
    return {"prior": prior, "date": parse_date(src.get("date") or meta.get("date"))}


def _parse_span(text: str, start: int, end: int, kind: str) -> LegalReference:
    sub = text[start:end]
    found = find(sub)
    if found:
        best = max(found, key=lambda r: r.end - r.start)
        return replace(best, start=start, end=end, text=sub, kind=kind)
    arts = tuple(canonical_article(m.group(0)) for m in ARTICLE_NUM.finditer(sub)) if kind == "article" else ()
    return LegalReference(start, end, sub, kind, None, arts)


def link_spans(text: str, spans: list[dict[str, Any]], country: str | None = None, *, prior: str | None = None,
               date=None) -> list[dict[str, Any]]:
    """Resolve model-tagged ``{"start","end","kind"}`` spans (``prior``/``date``: as for :func:`extract`);
    returns output dicts, each with the ``confidence`` of its span when the span had one."""
    refs = [_parse_span(text, s["start"], s["end"], s["kind"]) for s in spans]
    conf = {(s["start"], s["end"]): s["confidence"] for s in spans if "confidence" in s}
    out = [r.to_dict() for r in resolve(refs, text, country, prior=prior, date=date)]
    for d in out:
        if (d["start"], d["end"]) in conf:
            d["confidence"] = conf[(d["start"], d["end"])]
    return out


def to_output(refs: list[LegalReference]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in refs]


def merge_with_rules(text: str, model_refs: list[dict[str, Any]], country: str | None = None) -> list[dict[str, Any]]:
    """Rule references, plus the model references that overlap no rule reference and that the
    resolver could make sense of (an instrument, or at least one article number) — a tagged span
    with neither is more likely noise than a citation the rules missed."""
    rules = extract(text, country)
    out = [r.to_dict() for r in rules]
    for m in model_refs:
        if not any(m["start"] < r.end and r.start < m["end"] for r in rules) and (m.get("instrument") or m.get("articles")):
            out.append(m)
    return sorted(out, key=lambda d: d["start"])


def tagger_first(tagger_refs: list[dict[str, Any]], rule_refs: list[dict[str, Any]], links: str = "rules",
                 min_confidence: float = 0.0) -> list[dict[str, Any]]:
    """Combine resolved tagger spans with rule references (the ``tagger+rules`` mode).

    * a tagger span whose ``confidence`` is below ``min_confidence`` (a span without one counts as 0) is left
      out (where it overlaps rule references, they stand);
    * a tagger span that overlaps two or more rule references gives way to them (the rules split a list or
      a citation and its bracketed range on purpose; the tagger tends to run them together), and so do two or
      more tagger spans that overlap one rule reference (the tagger cut one reference in pieces);
    * any other tagger span is kept with its boundaries and kind;
    * a rule reference that overlaps no tagger span is added.

    Links (instrument, articles) of a kept tagger span that overlaps one rule reference: with
    ``links="rules"`` (default) it takes that reference's instrument and articles wherever the rule has them;
    with ``links="tagger"`` it keeps what the resolver gave it and takes the rule's only where it has none.
    Both were compared on fresh draws of the legal split (experiments/legal-tagger/fresh-draws*.json)."""
    if links not in ("tagger", "rules"):
        raise ValueError(f"links={links!r}; choose tagger or rules")

    def overlapping(a: dict[str, Any]) -> list[dict[str, Any]]:
        return [r for r in rule_refs if r["start"] < a["end"] and a["start"] < r["end"]]

    sure = [t for t in tagger_refs if t.get("confidence", 0.0) >= min_confidence]

    def pieces(r: dict[str, Any]) -> int:
        return sum(r["start"] < t["end"] and t["start"] < r["end"] for t in sure)

    kept = [t for t in sure if len(over := overlapping(t)) < 2 and not (over and pieces(over[0]) > 1)]
    out = []
    for t in kept:
        t = {k: v for k, v in t.items() if k != "confidence"}
        over = overlapping(t)
        if over:
            r = over[0]
            if r.get("instrument") and (links == "rules" or not t.get("instrument")):
                t["instrument"] = r["instrument"]
            if r.get("articles") and (links == "rules" or not t.get("articles")):
                t["articles"] = list(r["articles"])
        out.append(t)
    out += [dict(r) for r in rule_refs if not any(r["start"] < t["end"] and t["start"] < r["end"] for t in kept)]
    return sorted(out, key=lambda d: (d["start"], d["end"]))


def with_tagger(tagger: Any, text: str, rule_refs: list[dict[str, Any]], country: str | None = None, *,
                prior: str | None = None, date=None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(tagger references, tagger+rules references)`` of ``text``: the spans of ``tagger`` (a
    :class:`~arcrime.legal.tagger.LegalTagger`) resolved like the rules' (``country``, ``prior``, ``date`` as for
    :func:`extract`), and their combination with ``rule_refs`` by :func:`tagger_first` at the tagger's
    ``min_confidence``."""
    tagged = link_spans(text, tagger.tag(text), country, prior=prior, date=date)
    return tagged, tagger_first(tagged, rule_refs, min_confidence=tagger.config.min_confidence)
