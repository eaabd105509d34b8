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
from functools import lru_cache

from .gazetteer import load_gazetteer, norm
from .models import LegalReference

COUNTRY_CUES = {
    "MA": "المغرب المغربي درهم الرباط فاس مراكش طنجه مكناس وجده اكادير تطوان القنيطره|الدار البيضاء|الدرك الملكي",
    "EG": "مصر المصري جنيه القاهره الجيزه الاسكندريه المنصوره طنطا اسيوط المنيا بورسعيد",
    "SA": "السعوديه السعودي الرياض جده الدمام|ريال سعودي",
    "AE": "الامارات الاماراتي دبي ابوظبي الشارقه عجمان|ابو ظبي",
    "DZ": "الجزائر الجزائري وهران قسنطينه سطيف عنابه البليده بجايه|دينار جزائري|الدرك الوطني",
    "TN": "تونس التونسي صفاقس سوسه القيروان بنزرت",
    "JO": "الاردن الاردني اربد الزرقاء",
    "KW": "الكويت الكويتي",
    "QA": "قطر القطري الدوحه",
    "BH": "البحرين البحريني المنامه",
    "OM": "العماني مسقط|سلطنه عمان",
    "IQ": "العراق العراقي بغداد البصره الموصل اربيل النجف كربلاء|دينار عراقي",
    "LB": "لبنان اللبناني بيروت صيدا زحله|قوي الامن الداخلي",
    "PS": "فلسطين الفلسطيني نابلس جنين|رام الله|بيت لحم|قطاع غزه",
    "LY": "ليبيا الليبي بنغازي مصراته سبها",
    "SD": "السودان السوداني الخرطوم امدرمان بورتسودان",
    "MR": "موريتانيا الموريتاني نواكشوط نواذيبو",
    "SY": "سوريا سوريه السوري دمشق اللاذقيه",
}
# outlets that name the country when the text does not (a cue like any city)
OUTLET_CUES = {"MA": "هسبريس", "EG": "الاهرام|اليوم السابع|المصري اليوم", "SA": "عكاظ", "KW": "القبس", "JO": "عمون",
               "IQ": "السومريه"}
for _c, _outlets in OUTLET_CUES.items():
    _first, *_rest = _outlets.split("|")
    COUNTRY_CUES[_c] = COUNTRY_CUES[_c].replace("|", " " + _first + "|", 1) if "|" in COUNTRY_CUES[_c] else \
        COUNTRY_CUES[_c] + " " + _first
    COUNTRY_CUES[_c] += "".join("|" + o for o in _rest)
_SUFFIXES = ("", "ه", "ين", "ون", "يه", "يين", "ات")
_PREFIXES = ("", "و", "ب", "ل", "ف", "وب", "ول")
_WORD_CUES: dict[str, str] = {}
_PHRASE_CUES: list[tuple[str, str]] = []
for _c, _spec in COUNTRY_CUES.items():
    _words, *_phrases = _spec.split("|")
    for _w in _words.split():
        for _pre in _PREFIXES:
            for _suf in _SUFFIXES:
                _WORD_CUES.setdefault(_pre + _w + _suf, _c)
        if _w.startswith("ال"):
            _WORD_CUES.setdefault("لل" + _w[2:], _c)
    _PHRASE_CUES += [(_c, ph) for ph in _phrases]


def cue_keys() -> list[tuple[str, tuple[str | None, str, bool]]]:
    """Aho-Corasick keys of the country cues: the cue words' cores (the word without the article)
    and the cue phrases, with their ه/ة spellings; values ``(country or None, key, is_word)``.
    A core hit is widened to its whole word, which must then be one of the cue words with its
    proclitics and suffixes (``_WORD_CUES``)."""
    from itertools import product

    def spellings(s: str):
        return ("".join(v) for v in product(*[("ه", "ة") if ch == "ه" else (ch,) for ch in s]))

    keys: list[tuple[str, tuple[str | None, str, bool]]] = []
    for w in sorted({w for spec in COUNTRY_CUES.values() for w in spec.split("|")[0].split()}):
        core = w[2:] if w.startswith("ال") else w
        keys += [(v, (None, v, True)) for v in spellings(core)]
    for c, ph in _PHRASE_CUES:
        keys += [(v, (c, ph, False)) for v in spellings(ph)]
    return keys


@lru_cache(maxsize=1)
def _cue_automaton():
    import ahocorasick

    auto = ahocorasick.Automaton()
    for key, value in cue_keys():
        auto.add_word(key, value)
    auto.make_automaton()
    return auto


_BEFORE = re.compile(r"(?<![\w])\w{0,4}\Z")  # the rest of the word before a core: at most «وبال»
_AFTER = re.compile(r"\w{0,3}(?![\w])")  # and after it: at most «يين»


def infer_country(text: str, refs: list[LegalReference], normalized: str | None = None,
                  cue_hits: list[tuple[int, tuple[str | None, str, bool]]] | None = None) -> str | None:
    """The article's country: references that match one instrument by number (weight 2) or by
    name (weight 1), plus country names, cities and currencies in the text (weight 1 each).

    ``cue_hits`` may pass the ``(end, value)`` hits of :func:`cue_keys` in the normalized text
    (the finder collects them in its own single pass over the text)."""
    gaz = load_gazetteer()
    score: Counter[str] = Counter()
    for r in refs:
        if len(r.candidates) == 1:
            score[gaz[r.candidates[0]].country] += 2 if r.raw_number else 1
    t = normalized if normalized is not None else norm(text)
    seen = set()  # each distinct cue word or phrase counts once
    for end, (c, key, is_word) in (cue_hits if cue_hits is not None else _cue_automaton().iter(t)):
        if is_word:
            start = end - len(key) + 1
            before = _BEFORE.search(t[max(0, start - 5) : start])
            after = _AFTER.match(t, end + 1)
            if not before or not after:
                continue
            key = (before.group() + key + after.group()).replace("ة", "ه")
            c = _WORD_CUES.get(key)
            if c is None:
                continue
        if key not in seen:
            seen.add(key)
            score[c] += 1
    top = score.most_common(2)
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


_GENERIC_CODE_NAME = re.compile(r"[وفبلك]{0,2}(?:ال|ل)قانون\s+الجنائي")


def _field_of_law(r: LegalReference) -> bool:
    """«القانون الجنائي» alone: Morocco's penal code by name, elsewhere the field of criminal law."""
    return (r.kind == "code" and r.candidates == ("MA/penal-code",) and not r.raw_number
            and _GENERIC_CODE_NAME.fullmatch(norm(r.text)) is not None)


def resolve(refs: list[LegalReference], text: str = "", country: str | None = None,
            normalized: str | None = None, cue_hits: list | None = None) -> list[LegalReference]:
    """Link each reference to an instrument id (or None); see module docstring."""
    gaz = load_gazetteer()
    inferred: list[str | None] = []

    def ctx() -> str | None:  # inferred only when a reference needs it
        if country:
            return country
        if not inferred:
            inferred.append(infer_country(text, refs, normalized, cue_hits))
        return inferred[0]

    out: list[LegalReference] = []
    last: str | None = None
    for r in refs:
        if _field_of_law(r) and (country or infer_country(text, [x for x in refs if not _field_of_law(x)], normalized,
                                                          cue_hits)) != "MA":
            continue  # «القانون الجنائي» in a story from elsewhere: criminal law as a field (rule 13)
        inst = None
        if r.short_form:
            inst = last
        elif r.kind == "article" and not r.candidates and not r.raw_number:
            # «المادة 16 من نظام مكافحة غسل الأموال» names an instrument the gazetteer lacks: stays null
            inst = None if r.named else _bare_article(r, ctx(), last)
        elif r.candidates:
            cands = list(r.candidates)
            if not r.raw_number and ctx():
                # a name shared across countries: only the article's country's instrument, never another's
                cands = [c for c in cands if gaz[c].country == ctx()]
            elif len(cands) > 1 and ctx():
                cands = [c for c in cands if gaz[c].country == ctx()] or cands
            inst = cands[0] if len(cands) == 1 else None
        out.append(r if r.instrument == inst else r.with_instrument(inst))
        if not r.short_form and (r.candidates or r.raw_number or r.kind != "article"):
            last = inst
    return out
