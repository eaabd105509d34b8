"""Resolve found references to gazetteer instruments, with context.

* a reference whose number or name matches exactly one instrument links to it;
* several candidates (``قانون العقوبات``, law «16 لسنة 1960» in Jordan and Kuwait) are narrowed by
  the article's country: the ``country`` argument, else the countries of the references that
  resolved unambiguously in the same text, else country names/capitals/currencies in the text;
  still ambiguous → ``instrument=None`` (never guessed);
* short forms («المادة 6 منه»، «من نفس القانون»، «من القانون المذكور») take the instrument of the
  nearest preceding reference that named one;
* an unknown instrument keeps ``instrument=None`` and its ``raw_number``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from .gazetteer import load_gazetteer, norm
from .models import LegalReference

COUNTRY_CUES = {
    "MA": r"المغرب|المغربي|درهم|الرباط|الدار البيضاء|فاس|مراكش|طنجة|الدرك الملكي",
    "EG": r"مصر|المصري|جنيه|القاهر[ةه]|الجيز[ةه]|الاسكندري[ةه]|المنصور[ةه]|طنطا|اسيوط|المنيا|بورسعيد",
    "SA": r"السعودي|الرياض|جد[ةه]|ريال سعودي",
    "AE": r"الامارات|الاماراتي|دبي|ابوظبي|ابو ظبي|الشارق[ةه]",
    "DZ": r"الجزائر|الجزائري|دينار جزائري|وهران|قسنطين[ةه]|سطيف|عناب[ةه]|البليد[ةه]|بجاي[ةه]|الدرك الوطني",
    "TN": r"تونس|التونسي|صفاقس|سوس[ةه]",
    "JO": r"الاردن|الاردني|اربد|الزرقاء",
    "KW": r"الكويت",
    "QA": r"قطر|القطري|الدوح[ةه]",
    "BH": r"البحرين|المنام[ةه]",
    "OM": r"سلطن[ةه] عمان|العماني|مسقط",
    "IQ": r"العراق|بغداد|البصر[ةه]|الموصل|اربيل|النجف|كربلاء|دينار عراقي",
    "LB": r"لبنان|اللبناني|بيروت|صيدا|زحل[ةه]|قوي الامن الداخلي",
}
_CUES = {c: re.compile(rx) for c, rx in COUNTRY_CUES.items()}


def infer_country(text: str, refs: list[LegalReference]) -> str | None:
    """The article's country from unambiguous references, else from textual cues."""
    gaz = load_gazetteer()
    countries = Counter(gaz[r.candidates[0]].country for r in refs if len(r.candidates) == 1)
    if len(countries) >= 1:
        top = countries.most_common(2)
        if len(top) == 1 or top[0][1] > top[1][1]:
            return top[0][0]
    t = norm(text)
    cues = Counter({c: len(rx.findall(t)) for c, rx in _CUES.items()})
    top = cues.most_common(2)
    if top and top[0][1] > 0 and (len(top) == 1 or top[0][1] > top[1][1]):
        return top[0][0]
    return None


def _bare_article(r: LegalReference, country: str | None, last: str | None) -> str | None:
    """An article cited without its instrument: the one instrument of the article's country
    whose known articles include all cited numbers; else the instrument named just before."""
    gaz = load_gazetteer()
    if country and r.articles:
        hits = [i.id for i in gaz.instruments.values() if i.country == country and i.kind == "code"
                and all(a in i.articles for a in r.articles)]
        if len(hits) == 1:
            return hits[0]
    return last


def resolve(refs: list[LegalReference], text: str = "", country: str | None = None) -> list[LegalReference]:
    """Link each reference to an instrument id (or None); see module docstring."""
    gaz = load_gazetteer()
    ctx_country = country or infer_country(text, refs)
    out: list[LegalReference] = []
    last: str | None = None
    for r in refs:
        inst = None
        if r.short_form:
            inst = last
        elif r.kind == "article" and not r.candidates and not r.raw_number:
            inst = _bare_article(r, ctx_country, last)
        elif r.candidates:
            cands = list(r.candidates)
            if len(cands) > 1 and ctx_country:
                cands = [c for c in cands if gaz[c].country == ctx_country] or cands
            inst = cands[0] if len(cands) == 1 else None
        out.append(replace(r, instrument=inst))
        if not r.short_form and (r.candidates or r.raw_number or r.kind != "article"):
            last = inst
    return out
