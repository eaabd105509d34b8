"""Resolve found references to gazetteer instruments, with context.

* a reference whose number or name matches exactly one instrument links to it;
* several candidates (``قانون العقوبات``, law «16 لسنة 1960» in Jordan and Kuwait) are narrowed by
  the article's country: the ``country`` argument, else the countries of the references that
  resolved unambiguously in the same text, else country names/capitals/currencies in the text;
  still ambiguous → ``instrument=None`` (never guessed);
* short forms («المادة 6 منه»، «من نفس القانون»، «من القانون المذكور») take the instrument of the
  nearest preceding reference that named one;
* an unknown instrument keeps ``instrument=None`` and its ``raw_number``.

A caller that knows where the text comes from may pass two hints (:func:`source_hints` reads them from a
corpus record): ``prior``, the outlet's country, weighs in the inference like a strong cue word but yields
to the text (a Tunisian radio reporting an Algerian case); ``date``, the publication date, rules out
instruments issued after it (a 2015 article asking for «نظام التحرش» cannot cite the 2018 law).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from functools import lru_cache

from .find import SENTENCE_END as _SENTENCE_END, normalize_for_find
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
    "SY": "سوريا سوريه السوري دمشق اللاذقيه حلب حمص",
    # countries the gazetteer does not cover: a story set there cites none of its instruments
    "FR": "فرنسا الفرنسي باريس ماكرون الاليزيه",
    "US": "امريكا الامريكي الاميركي واشنطن ترامب|الولايات المتحده",
    "GB": "بريطانيا البريطاني لندن",
    "DE": "المانيا الالماني برلين",
    "IR": "ايران الايراني طهران",
    "TR": "تركيا التركي انقره اسطنبول اردوغان",
    "IL": "اسرائيل الاسرائيلي",
    "RU": "روسيا الروسي موسكو",
    "YE": "اليمن اليمني صنعاء|الحوثي",
}
# more places and institutions of the covered countries (only as evidence: «عمان» is Oman's name and
# Jordan's capital, so it is left out)
_MORE_CUES = {
    "MA": "الحسيمه الناظور|بني ملال",
    "EG": "اسوان الاسماعيليه الزقازيق دمياط|النائب العام المصري|النيابه العامه المصريه",
    "SA": "مكه تبوك ابها جازان نجران القصيم الاحساء القطيف|خميس مشيط|المدينه المنوره|هيئه التحقيق والادعاء العام|النيابه العامه السعوديه|هيئه الامر بالمعروف",
    "AE": "الفجيره|راس الخيمه|ام القيوين",
    "TN": "المنستير نابل قابس قفصه المهديه|سيدي بوزيد",
    "DZ": "تلمسان باتنه",
    }
for _c, _spec in _MORE_CUES.items():
    _w, _, _ph = _spec.partition("|")
    _cw, _, _cph = COUNTRY_CUES[_c].partition("|")
    COUNTRY_CUES[_c] = _cw + " " + _w + ("|" + _cph if _cph else "") + ("|" + _ph if _ph else "")
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


def _cue_votes(text: str, normalized: str | None, cue_hits) -> list[tuple[int, str, str]]:
    """``(normalized offset, country, cue)`` of every country cue in the text."""
    t = normalized if normalized is not None else norm(text)
    out = []
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
        out.append((end, c, key))
    return out


PRIOR_WEIGHT = 1.5  # the outlet's country: more than one cue word, less than a cue word and a numbered law
LOCAL_WINDOW = 200  # characters either side of a reference that speak for its own country (news digests)
LOCAL_WEIGHT = 2  # how many times more a cue near the reference counts
CLAUSE_WINDOW = 120  # characters before a reference in which its sentence's last country cue breaks a tie


def _decide(score: Counter) -> str | None:
    top = score.most_common(2)
    if top and top[0][1] > 0 and (len(top) == 1 or top[0][1] > top[1][1]):
        return top[0][0]
    return None


# a plain instrument number with no year («القانون رقم 10», «قانون رقم 35»): many countries have one; it names the
# instrument only in a story set in its country, and says nothing of the country itself
_PLAIN_NUMBER = re.compile(r"[(\"“”«]?\s?\d{1,4}\s?[)\"“”»]?")  # 10, (10), "10", «10»


def _weak_number(r: LegalReference) -> bool:
    return bool(r.raw_number) and r.year is None and _PLAIN_NUMBER.fullmatch(norm(r.raw_number)) is not None


def _country_score(refs: list[LegalReference], votes, prior: str | None = None) -> Counter:
    gaz = load_gazetteer()
    score: Counter[str] = Counter()
    for r in refs:
        if len(r.candidates) == 1 and not r.national and not _weak_number(r):  # «قانون الطفل» does not say which country it is
            score[gaz[r.candidates[0]].country] += 2 if (r.raw_number or r.strong) else 1
    seen = set()  # each distinct cue word or phrase counts once
    for _, c, key in votes:
        if key not in seen:
            seen.add(key)
            score[c] += 1
    if prior:
        score[prior] += PRIOR_WEIGHT
    return score


def infer_country(text: str, refs: list[LegalReference], normalized: str | None = None,
                  cue_hits: list[tuple[int, tuple[str | None, str, bool]]] | None = None,
                  prior: str | None = None) -> str | None:
    """The article's country: references that match one instrument by number or date (weight 2) or by
    name (weight 1), plus country names, cities, institutions and currencies in the text (weight 1 each,
    countries the gazetteer lacks included), plus the outlet's country ``prior`` (weight 1.5).

    ``cue_hits`` may pass the ``(end, value)`` hits of :func:`cue_keys` in the normalized text
    (the finder collects them in its own single pass over the text)."""
    return _decide(_country_score(refs, _cue_votes(text, normalized, cue_hits), prior))


def parse_date(value) -> _dt.date | None:
    """A publication date from the forms corpora use: ``2015-07-24 15:38:01``, ``2017-05-03T17:00:00+01:00``,
    ``03/11/2015`` (day first), ``Fri, 02 Mar 2018 16:44:00 +0400``; a ``date`` passes through; else None."""
    if value is None or isinstance(value, _dt.date):
        return value.date() if isinstance(value, _dt.datetime) else value
    s = str(value).strip()
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    if m:
        y, mo, d = map(int, m.groups())
    else:
        m = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})", s)
        if m:
            d, mo, y = map(int, m.groups())
        else:
            from email.utils import parsedate

            t = parsedate(s)
            if not t:
                return None
            y, mo, d = t[:3]
    try:
        return _dt.date(y, mo, d)
    except ValueError:
        return None


def issued_by(inst, date: _dt.date) -> bool:
    """Whether gazetteer instrument ``inst`` could be cited on ``date``: issued that year or before (a law is
    voted, reported and cited months before it is promulgated; unknown year: yes)."""
    year = int(inst.date_gregorian[:4]) if inst.date_gregorian else inst.year
    return year is None or year <= date.year


def _bare_article(r: LegalReference, country: str | None, last: str | None, crime_near: bool = False) -> str | None:
    """An article cited without its instrument: the one instrument of the article's country
    whose known articles include all cited numbers; else the instrument named just before."""
    gaz = load_gazetteer()
    if country and r.articles:
        hits = [i.id for i in gaz.instruments.values() if i.country == country and i.kind == "code"
                and all(a in i.articles for a in r.articles)]
        if len(hits) == 1:
            return hits[0]
        if last is None and country in _BARE_FASL_PENAL and _FASL.match(norm(r.text)) and crime_near:
            # «الفصل 227» alone in a Tunisian story of a crime: the penal code, whose articles the gazetteer lists only
            # in part (a traffic or banking story's «الفصل 101» is another law's)
            return _penal_code(country)
    return last


# countries whose press cites a penal-code article as a bare «الفصل N» (Tunisia's «الفصل» of the المجلة الجزائية)
_BARE_FASL_PENAL = frozenset({"TN"})
# near a bare Tunisian «الفصل N» (or near the same article cited again in the story): the nouns of a criminal case or a
# sentence (a penalty alone also follows a traffic offence, a bank's rule or a constitutional article, and «سجن» the
# jailing of opponents), and the words of another law's story, which rule it out
_CRIME_NEAR = re.compile(r"تهم[ةه]|التهم|قتل|سرق[ةه]|السرق|اغتصاب|موقوف|متهم|جريم[ةه]|جرائم|جنائي|تجريم|مخدرات|"
                         r"تحيل|ارهاب|خدش\s+الحياء|(?:ال)?حكم\s+علي|بالسجن")
_OTHER_LAW_NEAR = re.compile(r"رخص[ةه]\s+السياق[ةه]|الدستور|مجل[ةه]\s+الطرقات|البنك|بنك\s")
CRIME_WINDOW = 150


def _crime_near(text: str, r: LegalReference) -> bool:
    """Whether words of a criminal case, and none of a traffic, banking or constitutional story, surround ``r``."""
    near = normalize_for_find(text[max(0, r.start - CRIME_WINDOW): r.end + CRIME_WINDOW]).text  # = norm(), faster
    return bool(_CRIME_NEAR.search(near)) and not _OTHER_LAW_NEAR.search(near)


_FASL = re.compile(r"[وفبلك]{0,2}(?:ال)?فصل(?:\s+(?:رقم|عدد))?\s+\(?\d")


def _penal_code(country: str | None) -> str | None:
    """The country's one penal code in the gazetteer, or None."""
    ids = [i.id for i in load_gazetteer().instruments.values() if i.country == country and i.id.startswith(f"{country}/penal-code")]
    return ids[0] if len(ids) == 1 else None


# «قانون العقوبات» (and «مواد قانون العقوبات») names the penal code of the story's country even where the gazetteer
# calls it otherwise (Tunisia's «المجلة الجزائية»)
_GENERIC_PENAL_NAME = re.compile(r"(?:^|\s)[وفبلك]{0,2}(?:ال)?قانون\s+(?:ال)?عقوبات\Z")


_GENERIC_CODE_NAME = re.compile(r"[وفبلك]{0,2}(?:ال|ل)قانون\s+الجنائي")


# a clause of speech: «وقال محاميه إن الفصل 24 ...», «معتبرة أن المادة 3 ...», «وأشار إلى المادة 24 مجددا»
_SPEECH = re.compile(r"(?<![\w])[وف]?(?:قال|قالت|يقول|تقول|اضاف|اضافت|يضيف|اكد|اكدت|يؤكد|مؤكدا|مؤكد[ةه]|اعتبر|اعتبرت|يعتبر|"
                     r"معتبرا|معتبر[ةه]|يري|تري|راي|رات|اشار|اشارت|يشير|مشيرا|مشير[ةه]|اوضح|اوضحت|موضحا|موضح[ةه]|ذكر|ذكرت)(?![\w])")


def _other_instrument_before(text: str, r: LegalReference, inst: str | None, cited_end: int,
                             named_at: list[tuple[int, int, str | None]]) -> bool:
    """Whether a bare article cited again belongs to the instrument named last, after its citation (which ended at
    ``cited_end``, with ``inst``): one named in the article's own sentence with no clause of speech between («وقد صدر نظام
    مكافحة التحرش، وتنص المادة 3 على ...», «يطالب الدفاع بتطبيق القانون رقم 09.08، لأن المادة 2 ...»; round 12b). A
    speaker's words return to the article of the story («أحالت المحكمة ملفه على المرسوم عدد 115، وقال محاميه إن الفصل
    24 ...»), and so does a later sentence. ``named_at``: the references before ``r`` that name their instrument."""
    other = named_at[-1] if named_at else None
    if other is None or other[0] < cited_end or other[2] == inst or not text:
        return False
    between = text[other[1]:r.start]
    return not _SENTENCE_END.search(between) and not _SPEECH.search(norm(between))


def _field_of_law(r: LegalReference) -> bool:
    """«القانون الجنائي» alone: Morocco's penal code by name, elsewhere the field of criminal law."""
    return (r.kind == "code" and r.candidates == ("MA/penal-code",) and not r.raw_number
            and _GENERIC_CODE_NAME.fullmatch(norm(r.text)) is not None)


def resolve(refs: list[LegalReference], text: str = "", country: str | None = None,
            normalized: str | None = None, cue_hits: list | None = None, *, prior: str | None = None,
            date=None) -> list[LegalReference]:
    """Link each reference to an instrument id (or None); see module docstring.

    ``country`` fixes the country; ``prior`` (the outlet's country) and ``date`` (publication date: a
    ``datetime.date`` or a string :func:`parse_date` reads) are the caller's hints about the source."""
    gaz = load_gazetteer()
    pub = parse_date(date)
    state: dict = {}

    def votes():
        if "votes" not in state:
            state["votes"] = _cue_votes(text, normalized, cue_hits)
        return state["votes"]

    def ctx(r: LegalReference | None = None) -> str | None:  # inferred only when a reference needs it
        if country:
            return country
        if "doc" not in state:
            state["doc"] = _country_score(refs, votes(), prior)
        doc = state["doc"]
        if r is None or len(doc) <= 1:  # the cues near a reference are some of the text's: no other country
            return _decide(doc)
        # the cues around the reference count twice more: a news digest tells several countries' stories
        near = _country_score([x for x in refs if abs(x.start - r.start) <= LOCAL_WINDOW],
                              [v for v in votes() if abs(v[0] - r.start) <= LOCAL_WINDOW])
        for c in near:
            near[c] *= LOCAL_WEIGHT
        decided = _decide(doc + near)
        if decided is None:  # a tie in a digest: the country named last before the reference, in its sentence
            t = normalized if normalized is not None else norm(text)
            before = [v for v in votes() if r.start - CLAUSE_WINDOW <= v[0] < r.start
                      and not _SENTENCE_END.search(t, v[0], r.start)]
            if before:
                return max(before)[1]
        return decided

    def in_force(ids):
        return [c for c in ids if issued_by(gaz[c], pub)] if pub else list(ids)

    out: list[LegalReference] = []
    last: str | None = None
    # article numbers cited with their instrument -> (that instrument, where the citation ends)
    cited: dict[tuple[str, ...], tuple[str | None, int]] = {}
    twice: set[tuple[str, ...]] = set()  # articles cited with two instruments
    named_at: list[tuple[int, int, str | None]] = []  # (start, end, instrument) of every reference naming its instrument
    for r in refs:
        if _field_of_law(r) and (country or infer_country(text, [x for x in refs if not _field_of_law(x)], normalized,
                                                          cue_hits, prior)) != "MA":
            continue  # «القانون الجنائي» in a story from elsewhere: criminal law as a field (rule 13)
        inst = None
        if r.short_form:
            inst = last
        elif (r.kind == "article" and not r.candidates and not r.raw_number and not r.named and r.articles in cited
              and not _other_instrument_before(text, r, *cited[r.articles], named_at)):
            # (round 11) «الفصل 88 من مشروع القانون ...», later «الفصل 88» alone: the same article of the same instrument
            inst = cited[r.articles][0]
        elif r.kind == "article" and not r.candidates and not r.raw_number:
            # «المادة 16 من نظام مكافحة غسل الأموال» names an instrument the gazetteer lacks: stays null
            inst = None if r.named else _bare_article(r, ctx(r), last, any(
                _crime_near(text, x) for x in refs if x is r or (x.articles == r.articles and x.kind == "article"
                                                                 and not x.candidates and not x.named)))
        elif r.candidates:
            cands = in_force(r.candidates)  # an article cannot cite a law issued after it
            c = ctx(r) if cands else None
            if r.national and not (c and all(gaz[x].country == c for x in cands)):
                cands = []  # «قانون الطفل»: named without the nationality its gazetteer name has
            elif not (r.raw_number or r.strong) and c:
                # a name shared across countries: only the article's country's instrument, never another's
                cands = [x for x in cands if gaz[x].country == c]
                if not cands and c in _BARE_FASL_PENAL and _GENERIC_PENAL_NAME.search(norm(r.text)):
                    cands = [p for p in [_penal_code(c)] if p]  # «قانون العقوبات» in a Tunisian story
            elif len(cands) > 1 and c:
                cands = [x for x in cands if gaz[x].country == c] or cands
            if _weak_number(r):  # «القانون رقم 10» in a story from Syria is not the Palestinian decree-law 10
                cands = [x for x in cands if c and gaz[x].country == c]
            inst = cands[0] if len(cands) == 1 else None
        out.append(r if r.instrument == inst else r.with_instrument(inst))
        if (r.kind == "article" and r.articles and (r.named or r.candidates or (r.short_form and (inst or named_at)))
                and r.articles not in twice):
            # (round 12b) an article cited with two instruments («المادة 5 من القانون رقم 09.08 ... المادة 5 من القانون رقم
            # 31.08 ... المادة 5»), or by a short form with no instrument named before it («الفصل 447-2 منه» after
            # «القانون الجنائي» alone, the field): its repeat is read like any bare article
            if r.articles in cited and cited[r.articles][0] != inst:
                del cited[r.articles]
                twice.add(r.articles)
            else:
                cited[r.articles] = (inst, r.end)
        if r.kind != "article" or ((r.named or r.candidates) and not r.short_form):
            named_at.append((r.start, r.end, inst))
        if not r.short_form and (r.candidates or r.raw_number or r.kind != "article"):
            last = inst
    return out
