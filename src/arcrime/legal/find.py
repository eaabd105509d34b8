"""Find legal references in raw text (rules only).

Runs :func:`regexes.finder_regex` over the normalized text and maps every match back to
the original text. Each reference carries its *candidate* instruments (from its number or
name); :mod:`resolve` picks among them with context and links short forms.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

import numpy as np

from ..normalize import Normalized, Normalizer
from .gazetteer import MATCH_STEPS, load_gazetteer, norm
from .models import LegalReference
from .regexes import (ABBR_PREFIX, DECREE_ADJ, MONTHS, NATIONALITIES, NATIONALITY, POSSESSIVE_CODE, PREP_TAIL as _PREP_TAIL,
                      STEM_PREFIX, alias_automaton, alias_table, article_tuple, elided_regex, finder_regex, national_aliases,
                      parse_number, scan_automaton)

_normalizer = Normalizer(MATCH_STEPS)


class _SameLength:
    """Normalized view of a text whose normalization kept every offset (fast path)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    @staticmethod
    def to_original(start: int, end: int) -> tuple[int, int]:
        return start, end


def normalize_for_find(text: str):
    """Normalize for matching with the offset map back to ``text``.

    The matching steps are one fused character map. Characters it maps one-to-one or deletes
    (tashkeel, tatweel, invisible marks) are handled with lookup tables over the UTF-32 code
    units (numpy; ~10× ``str.translate`` and far faster than the general offset-tracking
    normalizer, which only texts with expanding presentation forms need).
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    flags = _FLAGS[codes]
    if flags.any():
        if (flags == _EXPAND).any():
            return _normalizer(text)
        idx = np.flatnonzero(flags == 0)
        return Normalized(text, _LUT[codes[idx]].tobytes().decode("utf-32-le", "surrogatepass"), idx, idx + 1)
    return _SameLength(_LUT[codes].tobytes().decode("utf-32-le", "surrogatepass"))


assert len(_normalizer._plan) == 1, "the matching steps must fuse into one character map"
_FUSED = _normalizer._plan[0]
_DELETE, _EXPAND = 1, 2
_LUT = np.arange(0x110000, dtype=np.uint32)  # every code point (4.4 MB), so no range checks per text
_FLAGS = np.zeros(0x110000, dtype=np.uint8)
for _c, _v in (_FUSED.char_map or {}).items():
    if len(_v) == 1:
        _LUT[ord(_c)] = ord(_v)
    else:
        _FLAGS[ord(_c)] = _DELETE if _v == "" else _EXPAND
_STRIPPED = re.compile("[\u0640\u0610-\u061a\u064b-\u065f\u0670]")

HEAD_KIND = [
    (re.compile(r"(?:ظهير|مرسوم|امر|قرار|منشور)"), "decree"),
    (re.compile(r"(?:مجل[ةه]|مجموع[ةه]|مدون[ةه])"), "code"),
]


def _year(raw: str) -> int:
    """A year group as a number; a two-digit year after «لسنة» («لسنة 92», Tunisia) is of the last century up to 30."""
    y = int(raw)
    return y if y >= 100 else y + (2000 if y <= 30 else 1900)


def year_matches(inst, year: int) -> bool:
    """Whether ``inst`` was issued in ``year`` (Gregorian, or Hijri for 1300-1500: «لسنة 1428هـ»)."""
    if inst.year is None:
        return True
    if 1300 <= year <= 1500:
        if inst.date_hijri and inst.date_hijri.endswith(str(year)):
            return True
        return abs(inst.year - round(year * 0.970229 + 621.5643)) <= 1
    return inst.year == year


# «نظام ... الصادر عام 1428هـ»: the date clause stays outside the span (v3) but picks among instruments
# that share the name
_ISSUED = re.compile(r"[ \t]*[,،]?\s+(?:وال|ال)?صادر[ةه]?\s+(?:في\s+)?(?:عام\s+|سن[ةه]\s+|في\s+)?(\d{4})(?!\d)")


# set by :func:`_instrument_candidates` for its caller: [narrowed by a year, named without its nationality]
_FLAGS_OUT = [False, False]


def _near_alias(key: str) -> str | None:
    """The one gazetteer name ``key`` misspells: same head word and word count, one word off by one
    letter or two swapped letters («الملعوماتية»); only words of five letters or more."""
    words = key.replace("ة", "ه").split()
    if len(words) < 2:
        return None
    hits = set()
    for alias, awords in _aliases_by_shape().get((words[0], len(words)), ()):
        diff = [(a, b) for a, b in zip(words, awords) if a != b]
        if len(diff) == 1 and min(len(diff[0][0]), len(diff[0][1])) >= 5 and _one_edit(*diff[0]):
            hits.add(alias)
    return hits.pop() if len(hits) == 1 else None


@lru_cache(maxsize=1)
def _aliases_by_shape() -> dict:
    out: dict = {}
    for alias in alias_table()[1]:
        w = alias.replace("ة", "ه").split()
        out.setdefault((w[0], len(w)), []).append((alias, w))
    return out


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one substitution, insertion, deletion or adjacent swap."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        d = [k for k in range(len(a)) if a[k] != b[k]]
        return len(d) == 1 or (len(d) == 2 and d[1] == d[0] + 1 and a[d[0]] == b[d[1]] and a[d[1]] == b[d[0]])
    if len(a) > len(b):
        a, b = b, a
    k = next((k for k in range(len(a)) if a[k] != b[k]), len(a))
    return a[k:] == b[k + 1:]


# codes named as such (rule 10): penal codes and codes of procedure («قانون المسطرة الجنائية», «قانون أصول
# المحاكمات الجزائية», «قانون العقوبات رقم 74 لسنة 1936»), whatever the gazetteer calls the instrument that enacts them
_CODE_NAME = re.compile(r"[وفبلك]{0,2}(?:ال)?قانون\s+(?:(?:ال)?(?:عقوبات|جزاء)(?!\s+البديل)|ال(?:مدني|تجاري)|ال(?:اجراءات|مسطر[ةه])\s+"
                        r"ال(?:جنائي|جزائي|مدني)[ةه]|اصول\s+المحاكمات|المرافعات)(?![\w])")


def _instrument_candidates(g: dict, p: str, issued: int | None = None) -> tuple[str, tuple[str, ...], str | None, int | None]:
    """(kind, candidate ids, raw number, year) of an instrument sub-match with prefix ``p``; ``issued``: the
    year of a date clause after it. Leaves in ``_FLAGS_OUT`` whether a year narrowed the candidates and whether
    the name was a gazetteer name without its nationality."""
    kind, cands, raw, year = _instrument_candidates_of(g, p, issued)
    if kind == "law":
        surface = g.get(p + "named") or g.get(p + "title") or g.get(p + "num") or g.get(p + "gen") or ""
        if _CODE_NAME.match(norm(surface)):
            kind = "code"
    return kind, cands, raw, year


def _instrument_candidates_of(g: dict, p: str, issued: int | None = None) -> tuple[str, tuple[str, ...], str | None, int | None]:
    _FLAGS_OUT[0] = _FLAGS_OUT[1] = False
    gaz = load_gazetteer()
    _, aliases = alias_table()
    if g.get(p + "dated"):
        return _dated_candidates(g, p)
    if g.get(p + "num"):
        surface = g[p + "num"]
        raw = g[p + "n"]
        year = g.get(p + "y") or g.get(p + "yd")
        parts, y2 = parse_number(raw)
        year_i = _year(year) if year else y2
        cands = gaz.by_number(parts, year_i)
        if not cands and year_i is not None and len(parts) == 1 and not year:
            cands = []
        head = surface[: surface.find(raw)]
        kind = "law"
        for rx, k in HEAD_KIND:
            if rx.search(head):
                kind = k
                break
        if kind == "law" and cands and all(gaz[c].kind == "code" for c in cands):
            kind = "code"
        return kind, tuple(cands), raw, year_i
    if g.get(p + "title"):
        title = norm(g[p + "title"])
        head = title.split()[0]
        raw = g.get(p + "tn") or g.get(p + "tn2")
        year = g.get(p + "ty") or g.get(p + "ty2") or g.get(p + "tny") or g.get(p + "tnyd")
        year_i = _year(year) if year else None
        cands: tuple[str, ...] = ()
        if raw:
            parts, y2 = parse_number(raw)
            year_i = year_i or y2
            cands = tuple(gaz.by_number(parts, year_i))
        else:  # «قانون "مكافحة جرائم الإنترنت"»: a gazetteer name in quotes
            key = " ".join(_QUOTES.sub(" ", re.sub(r"^[وف]?(?:ب|ل|ك)?", "", title)).split())
            key = _TRUNCATED_NAMES.get(key, key)
            if key not in aliases:
                key = _near_alias(key) or key  # «نظام الجرائم الملعوماتية»: a typo of a name
            ids = aliases.get(key, [])
            cands = tuple(i for i in ids if year_i is None or gaz[i].year in (None, year_i))
            _FLAGS_OUT[1] = key in national_aliases()
        if "لائح" in head or re.search(r"مرسوم|قرار|^[وفبلك]{0,2}(?:ال)?امر$", head):
            return "decree", cands, raw, year_i
        kind = "code" if re.search(r"مجل|مدون|مجموع", head) or re.match(
            r"[وفبلك]*قانون(?:\s+ال(?:عقوبات|جزاء)|\s+عقوبات|(?:ه|ها|هم)\s+ال(?:جنائي|جزائي))", title) else "law"
        return kind, cands, raw, year_i
    if g.get(p + "dec"):
        return "decree", (), None, None
    if g.get(p + "gen"):
        raw = g[p + "gn"]
        year = g.get(p + "gy") or g.get(p + "gyd")
        parts, y2 = parse_number(raw)
        year_i = _year(year) if year else y2
        head = norm(g[p + "gen"]).split()[0]
        kind = "decree" if re.search(r"مرسوم|قرار", head) else "law"
        return kind, tuple(gaz.by_number(parts, year_i)) if year_i else (), raw, year_i
    surface, best = _name_lookup(g[p + "named"])
    raw = g.get(p + "nn")
    ids = aliases[best[2]] if best else []
    _FLAGS_OUT[1] = bool(best) and best[2] in national_aliases()
    year = g.get(p + "ny") or g.get(p + "nyd") or g.get(p + "ny2")
    year_i = _year(year) if year else None
    if raw:
        parts, y2 = parse_number(raw)
        year_i = year_i or y2
        by_num = gaz.by_number(parts, year_i)
        # the number decides; the name only breaks ties (a name with another number is another law)
        ids = [i for i in by_num if i in ids] or by_num
    elif year_i or issued:
        # a name several instruments share: the one of the year given («لسنة 2023», «الصادر عام 2023»)
        ids = [i for i in ids if year_matches(gaz[i], year_i or issued)] or (ids if not year_i else [])
        if year_i and best:  # «قانون الجرائم الإلكترونية لسنة 2015»: a name the gazetteer gives only with its year
            ids += [i for i in gaz.by_alias.get(f"{best[2]} لسنة {year_i}", ()) if i not in ids]
        _FLAGS_OUT[0] = bool(year_i) or (len(ids) == 1 and year_matches(gaz[ids[0]], issued))
    kinds = {gaz[i].kind for i in ids}
    # a name shared by codes and laws («قانون العقوبات»: a code, though one country's was issued by decree-law)
    kind = "code" if "code" in kinds else ("decree" if kinds and kinds <= {"dahir"} else "law")
    if g.get(p + "nat"):  # «القانون الجنائي الإيراني»: only that country's instrument (none for «XX»)
        c = _nationality(g[p + "nat"])
        ids = [i for i in ids if gaz[i].country == c]
    for rx, k in HEAD_KIND:
        if rx.search(surface.split()[0]):
            kind = k
    return kind, tuple(ids), raw, year_i


# (round 12) names the Gulf press cuts short, looked up as the full name: «المادة 120 من نظام الإجراءات» is the Law of Criminal
# Procedure (a title the finder knows, so no «إلى المحكمة» after it is taken for its object)
_TRUNCATED_NAMES = {"نظام الاجراءات": "نظام الاجراءات الجزائية"}
_LL = re.compile(r"^([وف]?)لل")


@lru_cache(maxsize=1 << 12)
def _name_lookup(named: str) -> tuple[str, tuple | None]:
    """(normalized surface, longest gazetteer name inside it) of a matched name; names recur, so cached."""
    # «للقانون الجنائي»: the لل contraction drops the article's alef; look the name up with it
    surface = _LL.sub(r"\1ال", norm(named))
    # the longest gazetteer name inside the matched text (first in table order among equals)
    return surface, min((v for _, v in alias_automaton().iter(surface.replace("ة", "ه"))), default=None)


def _dated_candidates(g: dict, p: str) -> tuple[str, tuple[str, ...], None, int]:
    """(kind, candidates, raw number, year) of an instrument named by its date («ظهير 15 نونبر 1958»): the
    gazetteer's instruments of that date."""
    head = norm(g[p + "dated"]).split()[0]
    day = 1 if g[p + "dd"] == "فاتح" else int(g[p + "dd"])
    month, year = MONTHS[" ".join(norm(g[p + "dm"]).split())], int(g[p + "dy"])
    date = f"{year:04d}-{month:02d}-{day:02d}"
    cands = tuple(i.id for i in load_gazetteer().instruments.values() if i.date_gregorian == date)
    return ("decree" if re.search(r"ظهير|مرسوم|^[وفبلك]{0,2}(?:ال)?امر$", head) else "law"), cands, None, year


_QUOTES = re.compile(r"[«»\"“”()]")
_POSSESSIVE = re.compile(r"[وفبلك]*" + POSSESSIVE_CODE)  # «قانونها الجنائي على ...»: the code, no verbal-noun object


# (round 12) a statute named by the body it governs («القانون الأساسي للمجلس», «النظام الداخلي للبرلمان»): its title has no
# object, so no «على النحو ...» after it is taken for one
# (round 13) an organic law named by its subject has one: «القانون الأساسي المتعلق بالقضاء على التمييز» (not a body's statute)
_BODY_STATUTE_HEAD = re.compile(r"[وفبلك]{0,2}(?:ال)?(?:قانون|نظام|لائح[ةه])\s+(?:ال)?(?:اساسي|داخلي|عام)(?!\s+المتعلق)")
# (round 13) a title in quotes or brackets is closed: no object after it («مشروع قانون "المساءلة" على البرلمان»)
_CLOSED_TITLE = re.compile(r"[»\"”)]\Z")
# (round 12) «قانون المفوضية القديم»: the former law of that name, inside like «الجديد» (rule 15)
_NEW_AFTER = re.compile(r"\s+ال(?:جديد|قديم)[ةه]?(?![\w])")
# the number and year groups of a title or a name («قانون المالية لسنة 2017 الجديد» is not «الجديد» of the name)
_NUMBER_KEYS = ("tn", "tn2", "ty", "ty2", "tny", "nn", "ny", "ny2", "nyd")
# per sub-pattern prefix: (its title group, its name group, its number and year groups)
_NAME_NUMBER_KEYS = tuple((p + "title", p + "named", tuple(p + k for k in _NUMBER_KEYS)) for p in "iab")
# words a title keeps that otherwise end one: «قانون المنطقة الاقتصادية الخاصة» (not «... الخاصة بـ»), «قانون دخول وإقامة
# الأجانب في مصر والخروج منها»
_TITLE_KEEPS = re.compile(r"(?:(?<=المنطق[ةه]\sالاقتصادي[ةه])|(?<=المناطق\sالاقتصادي[ةه]))\s+الخاص[ةه](?!\s*ب|[\w])|"
                          r"(?<=الاجانب)\s+(?:في|ب)\s?(?:مصر|البلاد|الكويت|الاردن|لبنان|ليبيا|السودان)\s*[,،]?\s+والخروج\s+منها(?![\w])")
# «قانون العقوبات العام» (Syria's penal code: inside); «قانون العقوبات الشامل» (a sanctions act, a law of its own)
_PENAL_NAME_END = re.compile(r"قانون\s+العقوبات\Z")
# («قانون العقوبات العام الماضي», «... العام 2015»: the year, not the code's adjective)
_PENAL_ADJ_AFTER = re.compile(r"\s+ال(عام(?![\w])(?!\s+(?:الماضي|الجاري|الحالي|المقبل|القادم|المنصرم|الفائت|السابق|"
                              r"المنقضي|[\d٠-٩]))|شامل(?![\w]))")
_ELIDED_HINT = re.compile(r"\s*[,،]?\s+و(?:ال|\d)")
# the title of a numbered instrument is outside its span (rule 3) and is no citation of its own: «القانون رقم 14 لسنة
# 2014 بإصدار قانون مكافحة الجرائم الإلكترونية», «الأمر رقم 66-156 المؤرخ في 18 صفر 1386 المتضمن قانون العقوبات»
_TITLE_CLAUSE = re.compile(r"(?:\s*[,،]?\s+(?:ال)?(?:مؤرخ\s+في|صادر\s+في|بتاريخ|وتاريخ|تاريخ)\s+[^,،.؛:\n]{1,40}?)?"
                           r"\s*[,،]?\s+(?:باصدار|والمتضمن[ةه]?|المتضمن[ةه]?|يتضمن|المتعلق\s+باصدار)\s+")


class _Shifted:
    """A match of :func:`elided_regex` that starts at its article word (after the separating space)."""

    __slots__ = ("m", "a")

    def __init__(self, m, a: int):
        self.m, self.a = m, a

    def start(self) -> int:
        return self.a

    def end(self) -> int:
        return self.m.end()

    def groupdict(self) -> "_SomeGroups":
        return _SomeGroups(self.m)


class _Groups:
    """A match's named groups as a read-only mapping, each read when asked for: ``Match.groupdict`` builds all of
    the finder pattern's 133 groups for every match, which cost more than the rest of the match's handling.

    For the finder pattern, which has every group the code asks for, ``get`` is the match's own ``group`` (a C
    call, no Python frame: a match is asked 40 times on average); the elided-article pattern has fewer groups,
    and a group it lacks reads as ``None`` (:class:`_SomeGroups`)."""

    __slots__ = ("get", "m")

    def __init__(self, m):
        self.m = m
        self.get = m.group  # None for a group that did not take part, like groupdict's

    def __getitem__(self, k: str):
        return self.m.group(k)


class _SomeGroups:
    """:class:`_Groups` of a pattern that lacks some of the groups asked for (they read as ``None``)."""

    __slots__ = ("m",)

    def __init__(self, m):
        self.m = m

    def get(self, k: str, default=None):
        try:
            return self.m.group(k)
        except IndexError:  # a group the pattern does not have
            return default

    def __getitem__(self, k: str):
        try:
            return self.m.group(k)
        except IndexError:
            raise KeyError(k) from None


_COORD = re.compile(r"\s+و(?=ال)")
_ENDS_NATIONALITY = re.compile(r"\s" + NATIONALITY + r"\Z")
_HEAD_WORD = re.compile(r"^[وف]?(?:ب|ل|ك)?(?:ال)?")


@lru_cache(maxsize=1)
def _alias_keys() -> frozenset[str]:
    return frozenset(a.replace("ة", "ه") for a in alias_table()[1])


def _coordinated_cut(s: str, start: int, end: int, title: str) -> int:
    """Where a title ends when a coordinated «و + ...» after it is the subject of another statute the gazetteer
    knows («ونظام مكافحة المخدرات والجرائم المعلوماتية»: «نظام الجرائم المعلوماتية» is another statute, so the
    title ends at «المخدرات»; the elided second one is not a span, like a bare anaphor). A gazetteer name is
    never cut («قانون مكافحة الشائعات والجرائم الإلكترونية»)."""
    keys = _alias_keys()
    whole = " ".join(_HEAD_WORD.sub("", norm(title), count=1).split()).replace("ة", "ه")
    if whole in keys or " و" not in s[start:end]:
        return end
    head = whole.split()[0]
    for cm in _COORD.finditer(s, start, end):
        rest = s[cm.end():end].replace("ة", "ه").split()
        if len(s[start:cm.start()].split()) < 2:
            continue
        if any(head + " " + " ".join(rest[:k]) in keys for k in range(len(rest), 0, -1)):
            return cm.start()
    return end


_PENAL_ABBR = {"قعج": ("DZ/penal-code",), "قعع": ("IQ/penal-code/111-1969",), "قعل": ("LB/penal-code/340-1943",)}


def _abbreviation_candidates(abbr: str) -> tuple[str, ...]:
    """«ق.ج»: Morocco's penal code; «م.ج»: Tunisia's; «ق.ع», «عقوبات»: a «قانون العقوبات» (the resolver picks the
    country's)."""
    a = re.sub(r"[.\s]", "", norm(abbr))
    if a == "قج":
        return ("MA/penal-code",)
    if a == "مج":
        return ("TN/penal-code",)
    if a in ("قاج", "قمج", "قلع"):  # «ق.إ.ج», «ق.م.ج» (criminal procedure), «ق.ل.ع» (obligations): not in the gazetteer
        return ()
    if a in _PENAL_ABBR:  # «ق.ع.ج», «ق.ع.ع», «ق.ع.ل»: the penal code of Algeria, Iraq, Lebanon
        return _PENAL_ABBR[a]
    if a == "ارهاب" or a.startswith("اجراءات"):  # «المادة 4 إرهاب» (Iraq), «المادة 47 إجراءات» (Sudan): not in the gazetteer
        return ()
    return tuple(alias_table()[1].get("قانون العقوبات", ()))


def _names_instrument(g: dict) -> bool:
    """Whether an article match names its instrument, in full or by a short form («منه», «من نفس القانون»)."""
    return bool(_names_listed_instrument(g) or g.get("abnat") or g.get("aunk") or g.get("abare") or g.get("minh")
                or g.get("ashort") or g.get("aabbr") or g.get("aana"))


def _names_listed_instrument(g: dict) -> bool:
    """Whether an article match's instrument is one of :func:`regexes.instrument_pat`'s forms."""
    return bool(g.get("anum") or g.get("anamed") or g.get("agen") or g.get("atitle") or g.get("adec") or g.get("adated"))


def _nationality(word: str) -> str:
    w = norm(word)
    return NATIONALITIES.get(w[:-1] if w[-1] in "ةه" else w, "XX")


def _penal_code_of(country: str) -> tuple[str, ...]:
    """«المادة 534 من القانون اللبناني»: the country's penal code, when the gazetteer has exactly one."""
    ids = [i.id for i in load_gazetteer().instruments.values() if i.country == country and "penal-code" in i.id]
    return tuple(ids) if len(ids) == 1 else ()


# what follows an article that belongs to an international instrument (not a span, guidelines v3), and
# the words before an «المادة 19» that is a name («منظمة المادة 19»)
_INTERNATIONAL_AFTER = re.compile(r"[\"”»]?\s+(?:من|في)\s+[«\"“]?(?:ال)?(?:معاهد(?:[ةه]|ات)|اتفاقي(?:[ةه]|ات)|اتفاق(?![\w])|ميثاق|العهد\s+الدولي|"
                                  r"الاعلان\s+العالمي|البروتوكول)")
# a story set outside national legislation: treaties, international bodies and law, sports federations' rules. Looked for
# around the article, not in the whole story: in the real press the cue of a treaty or federation story stands up to ~750
# characters from the article it governs, so the window is a paragraph's. «الانضباط», «المنشطات», «ميثاق» and «الأمم
# المتحدة» are cues only with a sports or treaty word near them («مجلس الانضباط» of a civil service, «ميثاق الشرف
# الصحفي», doping drugs seized by the police, the UN quoted in a crime story)
# (round 12) a national football federation («الاتحاد السعودي لكرة القدم») and its professional players' rules («لائحة
# الاحتراف», «لجنة الاحتراف») are sports bodies too (rule 15)
_OUTSIDE_NATIONAL_LAW = re.compile(r"(?:الفيفا|فيفا|FIFA|UEFA|الاتحاد\s+(?:الدولي|الاسيوي|الافريقي|الاوروبي|ال\w+)\s+لكر[ةه]|"
                                   r"(?:لائح[ةه]|لجن[ةه])\s+(?:ال)?احتراف|"
                                   r"لجن[ةه]\s+الانضباط|لائح[ةه]\s+الانضباط|حلف\s+(?:شمال\s+)?الاطلسي|الناتو|معاهد[ةه]|"
                                   r"قانون\s+الدولي|ميثاق\s+الامم\s+المتحد[ةه]|"
                                   r"الاعلان\s+العالمي|مجلس\s+الامن\s+الدولي|اللجن[ةه]\s+الاولمبي[ةه]|المكتب\s+الجامعي|"
                                   r"الرابط[ةه]\s+المحترف[ةه])")
_OUTSIDE_WEAK = re.compile(r"الانضباط|المنشطات|ميثاق|الامم\s+المتحد[ةه]")
_OUTSIDE_CONTEXT = re.compile(r"لكر[ةه]|(?:ال)?لاعب|(?:ال)?مبارا[ةه]|النادي|المنتخب|الرياضي|(?:ال)?حلف|معاهد|اتفاقي[ةه]|"
                              r"الدول\s+الاعضاء")
OUTSIDE_WINDOW = 1000  # around an article, for a cue
CONTEXT_WINDOW = 150  # around a weak cue, for a sports or treaty word


def _outside_near(t: str, start: int, end: int) -> bool:
    """Whether a cue of a story outside national law is within :data:`OUTSIDE_WINDOW` characters of an article."""
    lo, hi = max(0, start - OUTSIDE_WINDOW), min(len(t), end + OUTSIDE_WINDOW)
    if _OUTSIDE_NATIONAL_LAW.search(t, lo, hi):
        return True
    return any(_OUTSIDE_CONTEXT.search(t, max(0, w.start() - CONTEXT_WINDOW), min(len(t), w.end() + CONTEXT_WINDOW))
               for w in _OUTSIDE_WEAK.finditer(t, lo, hi))


_INTERNATIONAL_DECREE = re.compile(r"(?:قرار\s+الدولي|الامم\s+المتحد[ةه]|الاممي|مجلس\s+الامن|الجمعي[ةه]\s+العام[ةه]\s+للامم|"
                                   r"(?<![\w])(?:ال)?فيفا(?![\w])|الاتحاد\s+(?:الدولي|القاري|الاسيوي|الافريقي|الاوروبي)\s+ل)")
# «القرار رقم 75 الصادر عن الاتحاد الدولي للعبة»: a decision of an international body or federation, named after the number
_INTERNATIONAL_ISSUER = re.compile(r"\s*[,،]?\s+(?:ال)?صادر[ةه]?\s+(?:عن|من)\s+(?:ال)?(?:امم\s+المتحد[ةه]|مجلس\s+الامن|"
                                   r"الجمعي[ةه]\s+العام[ةه]\s+للامم|فيفا|اتحاد\s+(?:الدولي|القاري|الاسيوي|الافريقي|الاوروبي)|"
                                   r"لجن[ةه]\s+الاولمبي[ةه]\s+الدولي[ةه])(?![\w])")
# a UN resolution cited by its number alone («القرار رقم 2216» near «مجلس الأمن» or «القرارات الدولية»): no national
# issuer, no year, three or four digits, and a UN cue just before (international instruments are not spans, v3)
# (round 11: with its year, «القرار رقم 2231 لعام 2015», or a General Assembly number, «القرار رقم 46/86»; the cue may follow
# it closely, «... والمصادق عليه من مجلس الأمن»)
_UN_RESOLUTION = re.compile(r"[وفبلك]{0,2}(?:ال)?قرار\s+(?:رقم\s+)?\(?\s?(?:\d{3,4}|\d{2}\s?/\s?\d{1,3})\s?\)?"
                            r"(\s+(?:لعام|لسن[ةه]|عام|سن[ةه])\s+\d{4})?")
# the Security Council or the General Assembly named in the clause after a resolution with its year («القرار رقم 2231 لعام
# 2015 والمصادق عليه من مجلس الأمن»), no national office between
_UN_CUE_AFTER = re.compile(r"(?:(?!وزير|وزار|رئيس|محكم)[^.،,؛\n]){0,60}?(?:مجلس\s+الامن|الجمعي[ةه]\s+العام[ةه]\s+للامم)")
_UN_CUE = re.compile(r"(?:ال|لل)امم\s+المتحد[ةه]|الاممي[ةه]?|مجلس\s+الامن(?!\s+(?:القومي|الوطني))|"
                     r"(?:القرارات|قرارات|قرار|الشرعي[ةه])\s+الدولي[ةه]?")
UN_WINDOW = 200
# (round 12b) a resolution with its year («القرار رقم 2180 لسنة 2020») is as often a national decision: the cue before it
# must name a UN resolution («قرار مجلس الأمن رقم 1970 لعام 2011، والفقرة 19 من القرار رقم 1973 لعام 2011», «قرارات
# الجمعية العامة», «الأمم المتحدة رقم ...»), not the UN alone («ذكّرت منظمة الأمم المتحدة للطفولة ... أصدر النائب العام
# القرار رقم ...», «مجلس الأمن القومي»)
_UN_RESOLUTION_CUE = re.compile(r"(?:القرارات|قرارات|قرار|القرار)\s+(?:مجلس\s+الامن(?!\s+(?:القومي|الوطني))|الجمعي[ةه]\s+العام[ةه]|"
                                r"(?:ال|لل)امم\s+المتحد[ةه]|الاممي[ةه]?|الدولي[ةه]?)|(?:(?:ال|لل)امم\s+المتحد[ةه]|مجلس\s+الامن\s+"
                                r"الدولي)\s+(?:رقم|ذي\s+الرقم)")
# or the Security Council or the General Assembly earlier in its sentence, no national office between («وطالب مجلس الأمن
# بتطبيق القرار رقم 2216 لعام 2015»)
_UN_BODY_BEFORE = re.compile(r"(?:مجلس\s+الامن(?!\s+(?:القومي|الوطني))|الجمعي[ةه]\s+العام[ةه]\s+لل?امم)"
                             r"(?:(?!وزير|وزار|رئيس|محكم|نائب|حكوم)[^.!?؟؛\n]){0,100}\Z")


def _un_resolution(s: str, start: int, end: int, year: int | None) -> bool:
    """Whether the decision ``s[start:end]`` is a UN resolution by its number and a UN cue near it (not a span, v3)."""
    u = _UN_RESOLUTION.fullmatch(s, start, end)
    if u is None or _NATIONAL_ISSUER.match(s, end):
        return False
    lo = max(0, start - UN_WINDOW)
    if u.group(1):  # a year written after the number: a UN resolution named, or the Council or the Assembly acting
        before = bool(_UN_RESOLUTION_CUE.search(s, lo, start) or _UN_BODY_BEFORE.search(s, lo, start))
    else:
        before = bool(_UN_CUE.search(s, lo, start))
    return before or (year is not None and _UN_CUE_AFTER.match(s, end) is not None)


# «القرار رقم 125 الصادر عن وزير العدل»: a national issuer after the number keeps the decision, UN cue or not
# (round 11: a year-bearing resolution now counts too, so «... لسنة 2020 عن وزير الداخلية» says its issuer with «عن» alone)
_NATIONAL_ISSUER = re.compile(r"\s*[,،]?\s+(?:(?:ال)?صادر[ةه]?\s+(?:عن|من)|عن)\s+(?!(?:ال)?(?:امم|مجلس\s+الامن|الجمعي[ةه]\s+العام))")
# «للفصل 403 مخالفات», «هذا الفصل 3 سنوات»: a number that counts what follows is no article number («الفصل» is a ruling,
# a dismissal); only for an article with no instrument
_COUNTED_AFTER = re.compile(r"\s+(?:سنوات|سنين|اعوام|عاما|اشهر|شهرا|شهور|ايام|يوما|ساعات|ساع[ةه]|دقائق|دقيق[ةه]|مرات|"
                            r"مخالفات|مخالف[ةه]|قضايا|قضي[ةه]|ملفات|ملفا|دعاوي|حالات|طلبات|شكاوي|شكايات|اشخاص|شخصا|"
                            r"مليون|مليار|درهم|دينار|ريال|جنيه|دولار|نائبا|نوابا|عضوا|صوتا|مادة|ماده|مواد|بندا|فصلا|شخص|موظف|موظفا|"
                            r"عامل|عاملا)(?![\w])")
# a numbered instrument with no «رقم»/«عدد», no year and a plain number (what a count looks like)
_COUNT_NOT_NUMBER = re.compile(r"(?:(?!رقم|عدد)[^\d])*?\s\d{1,4}\Z")
# (round 11) what follows an article with no instrument that makes it no article of legislation: a sports federation's
# disciplinary, anti-doping or professional players' rules («المادة (6) من لائحة الانضباط», rule 15; «لائحة الاحتراف», round 12),
# a chapter of a book or a novel («الفصل 12 من كتاب ...», «الفصل 3 من فصول الرواية»)
# (round 12b) only «من» names the work an article is part of: «في رواية النيابة» is "according to the prosecution", «في
# مسلسل قضائي» "in a judicial saga"; and «من الكتاب الأول» with its ordinal is a Book of a code («الكتاب الأول من مجموعة
# القانون الجنائي»)
_NOT_LEGISLATION_AFTER = re.compile(r"[\"”»]?\s+(?:(?:من|في)\s+[وف]?لائح[ةه]\s+(?:ال)?(?:انضباط|منشطات|احتراف)|من\s+(?:(?:فصول|نصوص)\s+)?"
                                    r"(?:ال)?(?:كتاب(?!\s+ال(?:اول|ثاني|ثالث|رابع|خامس|سادس|سابع|ثامن|تاسع|عاشر)(?![\w]))|"
                                    r"رواي[ةه]|مسرحي[ةه]|مسلسل)(?![\w]))")
# («مشاورات المادة الرابعة»: the IMF's Article IV consultations, no national article)
_NAME_BEFORE = re.compile(r"(?:^|\s)[وفبلك]?(?:ال)?(?:منظم[ةه]|مشاورات)\s+\Z")
# the statute or internal rules of an association, a union, a party or a sports federation («الفصل 35 من القانون الأساسي
# للنقابة», «الفصل 12 من القانون الداخلي» in a football story): not legislation (guidelines v3), no span
_BODY_STATUTE = re.compile(r"(?:^|\s)ال(?:قانون|نظام)\s+ال(?:اساسي|داخلي)\Z")
# (round 12: clubs, «للأندية», and FIFA, «النظام الأساسي للفيفا»; round 13: «لـ» apart from a quoted name, «النظام الأساسي لـ "فيفا"»)
_OF_A_BODY = re.compile(r"\s+[وف]?(?:لل?|ل\s*[\"“«]\s*(?:ال)?)(?:نقاب|جمعي|جامع[ةه]|اتحاد|رابط|ناد|اندي[ةه]|حزب|منظم|تعاضدي|هيئات|جمعيات|شرك|فيفا)")
# the same statute as a title with its body («النظام الأساسي للشركة», «المادة 16 من النظام الأساسي للجمعية»): a company's
# bylaws or an association's statute, not legislation
# (round 11: «النظام العام للشركة», a company's general rules, too)
_BODY_STATUTE_TITLE = re.compile(r"[وفبلك]{0,2}(?:ال)?(?:قانون|نظام)\s+ال(?:اساسي|داخلي|عام)(?=" + _OF_A_BODY.pattern + ")")
# «أي نظام لمكافحة ...», «أي قانون يسمح ...»: any such instrument, none cited
_ANY_BEFORE = re.compile(r"(?<![\w])[وف]?اي[ةه]?\s+\Z")
# (looked for within SPORTS_WINDOW characters of the article: a budget law's «القانون الأساسي» in a story that ends on
# football is the State's)
SPORTS_WINDOW = 150
_SPORTS_STORY = re.compile(r"لكر[ةه]\s+(?:القدم|اليد|السل[ةه]|الطائر[ةه])|المكتب\s+الجامعي|الرابط[ةه]\s+المحترف[ةه]")


_DUAL_SINGULAR = {"نظامي": "نظام", "قانوني": "قانون", "مجلتي": "مجله", "مدونتي": "مدونه"}


def _dual_candidates(g: dict) -> tuple[str, tuple[str, ...]]:
    """(kind, candidates) of «نظامي X وY»: the first of the two titles the gazetteer knows."""
    _, aliases = alias_table()
    head = _DUAL_SINGULAR[g["dualhead"]]
    for part in (g["dual1"], g["dual2"]) if g.get("dual1") else ():  # «نظامي التقاعد المدني والعسكري»: no name to look up
        name = head + " " + " ".join(norm(part).split())
        for key in (name, name.replace("مجله", "مجلة").replace("مدونه", "مدونة")):
            if key in aliases:
                return ("code" if head in ("مجله", "مدونه") else "law"), tuple(aliases[key])
    return ("code" if head in ("مجله", "مدونه") else "law"), ()


def _numbered_dual(g: dict) -> tuple[str, tuple[str, ...], str, int | None]:
    """(kind, candidates, raw number, year) of «المرسومين 115 و116»: the first of the two numbers the gazetteer knows."""
    gaz = load_gazetteer()
    year = g.get("ndy") or g.get("ndyd")
    kind = "law" if g["ndhead"] == "قانون" else "decree"
    for raw in (g["nd1"], g["nd2"]):
        parts, y2 = parse_number(raw)
        year_i = _year(year) if year else y2
        cands = tuple(gaz.by_number(parts, year_i))
        if cands:
            return kind, cands, raw, year_i
    parts, y2 = parse_number(g["nd1"])
    return kind, (), g["nd1"], _year(year) if year else y2


# words before a name that make it a field of study, not a citation («أستاذ القانون الجنائي»,
# «متخصص في القانون الجنائي»; guidelines rule 13)
_FIELD_BEFORE = frozenset("""استاذ استاذه استاذة اساتذه اساتذة الاستاذ الاستاذه الاستاذة خبير خبيره خبيرة خبراء الخبير
    باحث باحثه باحثة الباحث الباحثه الباحثة دكتور دكتوراه الدكتوراه ماجستير الماجستير شعبه شعبة قسم كليه كلية تخصص
    فقهاء فقيه محاضر ماده مادة دروس درس امتحان لامتحان الامتحان""".split())
_FIELD_BEFORE_IN = frozenset("""متخصص متخصصه متخصصة المتخصص مختص مختصه مختصة المختص متخصصون متخصصين مختصون مختصين
    خبير الخبير خبيره خبيرة خبراء باحث الباحث باحثه باحثة دكتوراه ماجستير اجازه اجازة الاجازه الاجازة""".split())
_WORD = re.compile(r"\w+")
_PLURAL_HEAD = re.compile(r"فصول|مواد")
_FASL_ORDINAL = re.compile(r"[وفبلك]{0,2}(?:ال|ل)?فصل")  # a singular «الفصل» (not «الفصلين», «البند»)
_FASL_WORD = re.compile(r"فصل|فصول")
# «الفصل الثاني من العام الدراسي»: a term, a season half, a chapter of a book
_FROM_AFTER = re.compile(r"\s+من\s")
# (round 12b) a bare «الفصل الثالث» that is no article whatever the story cites: a time («خلال الفصل الأول»: a quarter, a
# term), «تحت الفصل السابع» (a chapter of the UN Charter), and a class, a school term or an act with school or stage words
# in its clause («تلميذة تدرس في الفصل الثالث إعدادي», «في الفصل الأول، عرضت المسرحية»)
_ORDINAL_TIME_BEFORE = re.compile(r"(?:^|\s)[وف]?(?:خلال|طيل[ةه]|طوال|تحت|مطلع|منتصف|اواخر|اوائل)\s+\Z")
# (not «يدرس» or «قاعة»: a parliament studies a bill's «الفصل الثالث» in its hall; not «رواية», also an account)
_SCHOOL_OR_STAGE = re.compile(r"(?<![\w])[وفبلك]{0,2}(?:ال)?(?:تلميذ[ةه]?|تلميذات|تلاميذ|طالب[ةه]?|طلبة|طالبات|استاذ[ةه]?|استاذا|"
                              r"اساتذ[ةه]|مدرس[ةه]?|معلم[ةه]?|زميل(?:[ةه]|ها|ه)?|زملاء|امتحان(?:ات)?|دراسي[ةه]?|ابتدائي|اعدادي|"
                              r"ثانوي[ةه]?|معهد|جامع[ةه]|كلي[ةه]|مسرحي[ةه]|فيلم|مسلسل)(?![\w])")
ORDINAL_CLAUSE_WINDOW = 60  # characters either side of a bare ordinal «الفصل», within its sentence, for those words
SENTENCE_END = re.compile(r"[.!?؟\n]")  # where a sentence ends (also resolve.py's)
# a code's articles are cited by their number («الفصل 538 من القانون الجنائي», «الفصل 86 من مجلة الاتصالات»): a story
# citing only a code's «الفصل» articles says «الفصل الثالث» of a class, a term or an act (round 12b)
_CODE_IN_REF = re.compile(r"(?<![\w])[وفبلك]{0,2}(?:ال)?(?:مجل[ةه]|مجموع[ةه]|مدون[ةه])(?![\w])|(?<![\w])[وفبلك]{0,2}(?:ال|ل)قانون\s+"
                          r"(?:الجنائي|(?:ال)?(?:عقوبات|جزاء)|المدني|التجاري)(?![\w])")
# the article word of an «المادة» article (before its number): a story citing «المادة» articles (the Gulf's, Egypt's
# statutes) calls a chapter «الفصل» («تناول الفصل الثالث من النظام تكوين المجالس») (round 12b)
_MADDA_HEAD = re.compile(r"(?:^|\s)[وفبلك]{0,2}(?:ال|ل)?(?:ماد(?:[ةه]|ت)|مواد)")
_FIRST_DIGIT = re.compile(r"\d")
# a story that cites articles as «المادة» (twice or more) and never as «الفصل» with a number: there «الفصل الثاني» is a chapter
_MADA_WORD = re.compile(r"(?<![\w])[وفبلك]{0,2}(?:ال)?(?:ماد[ةه]|مادت(?:ين|ان)|مواد)(?![\w])")
# («هذا الفصل 3 سنوات»: a dismissal and a count, not an article)
_FASL_NUMBER = re.compile(r"(?<![\w])[وفبلك]{0,2}(?:ال)?(?:فصل|فصلين|فصلان|فصول)\s+(?:(?:رقم|عدد)\s+)?\(?\d+\)?(?!\d)(?!" +
                          _COUNTED_AFTER.pattern + ")")
_ORDINAL_CHAPTER = re.compile(r"[وفبلك]{0,2}(?:ال|ل)?(?:فصل|فصول|بند|بنود)")
_SECTION_HEAD = re.compile(r"قسم\Z")  # «القسم 230»: a section of a (US) statute, not a department («القسم 208»)
_SECTIONS_CITED_ALONE = ("230",)
_DIGIT = re.compile(r"\d")
_ABBR_HEAD = re.compile(r"و?ف(?:\s?\.)?\Z")  # the article word «ف» (the short «الفصل»)


def _field_sense(s: str, start: int) -> bool:
    """Whether the name at ``start`` of normalized ``s`` follows a word that makes it a field of law."""
    words = _WORD.findall(s[max(0, start - 40) : start])
    if not words:
        return False
    prev = words[-1].lstrip("وفبل") if words[-1] not in _FIELD_BEFORE else words[-1]
    if words[-1] in _FIELD_BEFORE or prev in _FIELD_BEFORE:
        return True
    if words[-1] != "في" or len(words) < 2:
        return False
    w = words[-2].lstrip("و")
    return w in _FIELD_BEFORE_IN or (w.startswith("ال") and w[2:] in _FIELD_BEFORE_IN)  # «الخبيرة في»


def scan(s: str) -> tuple[list[int], list, bool]:
    """One Aho-Corasick pass over normalized text: the word starts where a reference can begin
    (a head word or name start, ``anchor_stems``, preceded within its word only by proclitics),
    the raw country-cue hits for the resolver, and whether a word of ``regexes.OUTSIDE_WORDS`` occurs."""
    starts = set()
    cues = []
    outside = False
    tail, stem_before, abbr_before = _TAIL.match, _STEM_BEFORE.search, _ABBR_BEFORE.search  # bound once per text
    for end, (anchor, cue, out) in scan_automaton().iter(s):
        if out:
            outside = True
        if cue is not None:
            cues.append((end, cue))
        if anchor is None:
            continue
        n, endings, abbr = anchor
        if endings is not None:
            nxt = s[end + 1 : end + 2]
            if (tail(s, end + 1).group() if nxt.isalnum() or nxt == "_" else "") not in endings:
                continue  # «مجلس», «القانونية», «امراة»: the word goes on past what a reference allows
        p = end - n + 1
        lo = p - 5 if p > 5 else 0
        m = (abbr_before if abbr else stem_before)(s[lo:p])
        if m:
            starts.add(lo + m.start())  # the match ends at p (its pattern ends with \Z)
    return sorted(starts), cues, outside


# proclitics between the word start and an anchor stem (at most four letters; see regexes)
_STEM_BEFORE = re.compile(r"(?<![\w])" + STEM_PREFIX.pattern + r"\Z")
_ABBR_BEFORE = re.compile(r"(?<![\w])" + ABBR_PREFIX.pattern + r"\Z")
_TAIL = re.compile(r"[^\W\d_]*")  # letters: a number glued to a head word ends it («الفصلين11», round 12)


def _original_span(text: str, norm_, start: int, end: int) -> tuple[int, int, str]:
    """``[start, end)`` of the normalized text as (start, end, surface) of ``text``; trailing tatweel and
    tashkeel stay inside."""
    a, b = norm_.to_original(start, end)
    while b < len(text) and _STRIPPED.match(text[b]):
        b += 1
    return a, b, text[a:b]


_DATE_GROUPS = ("ydc", "nydc", "gydc", "tnydc")


def _date_clause_start(m, g: dict, p: str) -> int | None:
    """Where the date clause of the instrument sub-match ``p`` starts (normalized offset), if it has one."""
    for k in _DATE_GROUPS:
        if g.get(p + k):
            return getattr(m, "m", m).start(p + k)
    return None


def _matches(s: str, anchors: list[int]):
    """Leftmost-longest-first matches of the finder regex, tried only at anchor positions."""
    rx = finder_regex()
    pos = 0
    for a in anchors:
        if a < pos:
            continue
        m = rx.match(s, a)
        if m and m.end() > m.start():
            yield m
            pos = m.end()


def find(text: str, normalized=None) -> list[LegalReference]:
    """All legal references in ``text``, unresolved (``instrument`` is None, candidates set).

    Standalone anaphors («القانون المذكور» with no article) are not references
    (guidelines rule 5) and are not returned. ``normalized`` may pass a precomputed
    ``Normalizer(MATCH_STEPS)(text)``.
    """
    return find_and_scan(text, normalized)[0]


def find_and_scan(text: str, normalized=None) -> tuple[list[LegalReference], list]:
    """:func:`find`, plus the country-cue hits of the same pass (for :func:`resolve.resolve`)."""
    norm_ = normalized if normalized is not None else normalize_for_find(text)
    out: list[LegalReference] = []
    outside: set[tuple[int, int]] = set()  # the articles with a cue of a story outside national law near them
    outside_cue: bool | None = None  # whether the text has such a cue anywhere (the patterns have no lookaround)
    last_arts: tuple[str, ...] = ()  # the articles of the last article reference («المادة السابقة»)
    numbered_end = -1  # where the last reference with an instrument number ends (normalized)
    inst_end = (-1, -1)  # (index in out, normalized end) of the last instrument reported on its own
    chapter_story: bool | None = None  # whether «الفصل» + an ordinal is a chapter here (computed when first needed)
    ordinal_fasl: list[int] = []  # bare «الفصل الثالث» references, kept or dropped at the end
    anchors, cues, outside_words = scan(norm_.text)
    pending = list(_matches(norm_.text, anchors))
    pending.reverse()
    while pending:
        m = pending.pop()
        while pending and pending[-1].start() < m.end():  # inside an elided article taken below
            pending.pop()
        g = m.groupdict() if isinstance(m, _Shifted) else _Groups(m)
        if g.get("short"):
            continue
        end = m.end()
        if g.get("adesc") and not isinstance(m, _Shifted) and m.end("adesc") == end:
            end = m.start("adesc")  # «الفصل 447-2 المتعلقة بتوزيع صور ...»: no instrument after what it is about, so that is outside
        title = g.get("ititle") or g.get("btitle")  # a title, standalone or of a bill («مشروع قانون زجر ...»)
        if g.get("ititle") and not (g.get("itn") or g.get("itn2")):
            end = _coordinated_cut(norm_.text, m.start("ititle"), end, title)
        if title and not (g.get("itn") or g.get("btn") or g.get("itn2") or g.get("btn2") or g.get("ity") or g.get("ity2")
                          or _DIGIT.search(title)):  # (round 11) «لدستور 2011 على ...»: a year ends the name
            # (round 13) not after a title in quotes or brackets, which closes it («مشروع قانون "..." على البرلمان»)
            t = _PREP_TAIL.match(norm_.text, end) if not _CLOSED_TITLE.search(title) else None
            if (t and (bare := norm(re.sub(r"^[وف]?(?:ب|ل|ك)?", "", title))) not in alias_table()[1]
                    and bare not in _TRUNCATED_NAMES and not _POSSESSIVE.match(title)
                    and not _ENDS_NATIONALITY.search(norm(title))  # «القانون المدني المصري» is whole
                    and not _BODY_STATUTE_HEAD.match(title)):  # «القانون الأساسي للمجلس على النحو ...»: no verbal noun
                end = t.end()
        if any((g.get(t) or g.get(n)) and not any(map(g.get, nk)) for t, n, nk in _NAME_NUMBER_KEYS):
            # «قانون الاستثمار الجديد», «مشروع قانون الصيد الجديد», «القانون الجنائي الجديد»: the new law of that name, inside
            # (and «القديم», round 12)
            n = _NEW_AFTER.match(norm_.text, end)
            end = n.end() if n else end
        k = _TITLE_KEEPS.match(norm_.text, end)
        end = k.end() if k else end
        sanctions = False
        if (g.get("inamed") or g.get("anamed")) and _PENAL_NAME_END.search(norm_.text, m.start(), end):
            k = _PENAL_ADJ_AFTER.match(norm_.text, end)
            if k:
                end, sanctions = k.end(), k.group(1) == "شامل"
        a, b, surface = _original_span(text, norm_, m.start(), end)
        if numbered_end >= 0 and not g.get("art") and _TITLE_CLAUSE.fullmatch(norm_.text, numbered_end, m.start()):
            continue  # the title of the numbered instrument just cited
        numbered_end = -1
        if not g.get("art") and _ANY_BEFORE.search(norm_.text, max(0, m.start() - 6), m.start()):
            continue  # «أي نظام لمكافحة التحرش»: indefinite, no instrument cited
        if g.get("art"):
            if g.get("aprev") and not _names_instrument(g) and not (g.get("para") and last_arts):
                continue  # «المادة السابقة» alone: an anaphor with no instrument (rule 5); «الفقرة الثالثة من المادة نفسها»
                # cites a paragraph of the article just cited (rule 13)
            if not _names_instrument(g) and _COUNTED_AFTER.match(norm_.text, m.end()):
                continue  # «للفصل 403 مخالفات»: a count, not an article
            if _ABBR_HEAD.match(g["art"]) and not (_names_instrument(g) or "." in g["art"]):
                continue  # «ف 538» only with its instrument or as «ف.538»: «فـ 56٪» is "so 56%"
            arts = last_arts if g.get("aprev") else article_tuple(g["artlist"])
            if g.get("afirst") and _PLURAL_HEAD.search(g["art"]) and len(arts) == 1 and arts[0].isdigit() and 1 < int(arts[0]) <= 50:
                arts = tuple(str(i) for i in range(1, int(arts[0]) + 1))  # «الفصول ال16 الأولى»: articles 1 to 16
            if _SECTION_HEAD.search(g["art"]) and not (_DIGIT.search(g.get("artlist") or "") and (
                    _names_instrument(g) or arts == _SECTIONS_CITED_ALONE)):
                continue  # «القسم الثاني» (a part of a code), «القسم 208» (a department)
            if ("فصل" in (art_word := g.get("art")) and not (g.get("artlist") or "0")[:1].isdigit()
                    and _FASL_ORDINAL.fullmatch(art_word) and not _DIGIT.search(g.get("artlist") or "")
                    and not isinstance(m, _Shifted) and not g.get("aafter")):
                if chapter_story is None:
                    chapter_story = len(_MADA_WORD.findall(norm_.text)) >= 2 and not _FASL_NUMBER.search(norm_.text)
                if chapter_story:
                    # (round 12) «الفصل الرابع من لائحة انتخاب ...» in a story that cites articles as «المادة» (the Gulf's
                    # usage): a chapter of the statute, no article; the statute after it is reported on its own
                    f = _FROM_AFTER.match(norm_.text, m.end("artlist"))
                    e = finder_regex().match(norm_.text, f.end()) if f else None
                    if e and e.end() > e.start():
                        pending.append(e)
                    continue
            short = bool(g.get("minh") or g.get("ashort") or g.get("poss") or g.get("aana")
                         or (g.get("abare") and not g.get("abnat")))
            if _NAME_BEFORE.search(norm_.text, max(0, m.start() - 12), m.start()) or (
                    not g.get("abare") and _INTERNATIONAL_AFTER.match(norm_.text, m.end())) or (
                    not _names_instrument(g) and _NOT_LEGISLATION_AFTER.match(norm_.text, m.end())):
                continue  # «منظمة المادة 19»; «المادة 50 من معاهدة لشبونة»
            if (g.get("aunk") or g.get("abare")) and _BODY_STATUTE.search(norm_.text, m.start(), end) and (
                    _OF_A_BODY.match(norm_.text, end) or _SPORTS_STORY.search(
                        norm_.text, max(0, m.start() - SPORTS_WINDOW), min(len(norm_.text), end + SPORTS_WINDOW))):
                continue  # «الفصل 35 من القانون الأساسي للجمعية»: an association's statute
            if g.get("atitle") and _BODY_STATUTE_TITLE.match(g["atitle"]):
                continue  # «المادة 16 من النظام الأساسي للشركة»: a company's bylaws
            if _names_listed_instrument(g):
                iss = _ISSUED.match(norm_.text, end) if g.get("anamed") else None
                ikind, cands, raw, year = _instrument_candidates(g, "a", int(iss.group(1)) if iss else None)
                cut = _date_clause_start(m, g, "a") if ikind == "decree" else None
                if cut is not None:
                    a, b, surface = _original_span(text, norm_, m.start(), cut)
                if sanctions:
                    cands = ()
            elif g.get("abnat"):
                cands, raw, year = _penal_code_of(_nationality(g["abnat"])), None, None
            elif g.get("aunk"):  # «من الدستور», «من المجلة العسكرية»: named, unknown
                cands, raw, year = (), None, None
            elif g.get("aabbr"):
                cands, raw, year = _abbreviation_candidates(g["aabbr"]), None, None
            else:
                cands, raw, year = (), None, None
                # «الفصلين الثاني والثالث» alone can be chapters or semesters; with a paragraph before it («الفقرة
                # الثانية من الفصل الخامس», «البند 6 من المادة الثالثة») it is an article
                if (not short and not g.get("para") and not g.get("aafter") and _ORDINAL_CHAPTER.match(g["art"])
                        and not _DIGIT.search(g["artlist"])):
                    if _FASL_ORDINAL.fullmatch(g["art"]) and not _FROM_AFTER.match(norm_.text, end):
                        ordinal_fasl.append(len(out))  # kept only in a story that cites «الفصل» as an article (below)
                        # short: an article of the law of the story (the instrument named before it), never a guess from the gazetteer
                        out.append(LegalReference(a, b, surface, "article", None, arts, None, None, True, ()))
                        last_arts = arts
                    continue
            # an abbreviation of a code the gazetteer lacks («ق.إ.ج») names it: no bare-article guess
            named = bool(_names_listed_instrument(g) or g.get("abnat") or g.get("aunk") or (g.get("aabbr") and not cands))
            strong, national = (_FLAGS_OUT[0] or bool(year), _FLAGS_OUT[1]) if _names_listed_instrument(g) else (False, False)
            if g.get("aana") and _DATED_AFTER.match(norm_.text, m.end()):
                # (round 12) «الفصلين 25 و26 من الأمر الصادر في 15 ديسمبر 1990»: a decree identified by its date, not the one
                # of the story (no short form); its date clause stays outside (rule 6)
                short, named = False, True
            if g.get("poss") and _BI_POSS.match(g["poss"]) and not _names_instrument(g):
                # (round 12) «للقرار الوزاري بمادته (236)», «قانون العقوبات بمادته 5»: the instrument just before the
                # possessive article word is the article's own, one span (rule 2); with «في» between («الأمر الحكومي في
                # فصله السابع») the article is cited apart from it (rule 9), as the real-press gold has it
                if inst_end[0] == len(out) - 1 and _POSS_GAP.fullmatch(norm_.text, inst_end[1], m.start()):
                    prev = out.pop()
                    a, surface = prev.start, text[prev.start:b]
                    cands, raw, year, short, named, strong, national = (prev.candidates, prev.raw_number, prev.year, False,
                                                                         True, prev.strong, prev.national)
                else:
                    d = _DECREE_NOUN_BEFORE.search(norm_.text, max(0, m.start() - 30), m.start())
                    if d:  # the decree of the story («للقرار الوزاري»): a short form like «من القرار»
                        a, b, surface = _original_span(text, norm_, d.start(), end)
            out.append(LegalReference(a, b, surface, "article", None, arts, raw, year, short, cands, named=named,
                                      strong=strong, national=national))
            if outside_cue is None:  # once per text: with no cue anywhere (most stories), no window can have one
                outside_cue = outside_words and bool(
                    _OUTSIDE_NATIONAL_LAW.search(norm_.text) or _OUTSIDE_WEAK.search(norm_.text))
            if outside_cue and _outside_near(norm_.text, m.start(), end):
                outside.add((a, b))
            if raw:
                numbered_end = end
            last_arts = arts
            if not _ELIDED_HINT.match(norm_.text, m.end()):
                continue
            e = elided_regex().match(norm_.text, m.end())
            if e:  # «... والسادسة من نظام ...»: handled as an article match of its own
                pending.append(_Shifted(e, e.start("art")))
        elif g.get("ndual"):
            kind, cands, raw, year = _numbered_dual(g)
            out.append(LegalReference(a, b, surface, kind, None, (), raw, year, False, cands))
        elif g.get("dual"):
            kind, cands = _dual_candidates(g)
            out.append(LegalReference(a, b, surface, kind, None, (), None, None, False, cands))
        elif g.get("bill"):
            if g.get("bn") and _COUNT_NOT_NUMBER.match(norm_.text, m.start(), end) and _COUNTED_AFTER.match(norm_.text, end):
                continue
            kind, _, raw, year = (_instrument_candidates(g, "b") if not (g.get("bfield") or g.get("bcalled") or g.get("bamend")
                                                                  or g.get("bagainst"))
                                  else ("law", (), None, None))
            out.append(LegalReference(a, b, surface, kind, None, (), raw, year, False, (), bill=True))
        else:
            iss = _ISSUED.match(norm_.text, end) if g.get("inamed") else None
            kind, cands, raw, year = _instrument_candidates(g, "i", int(iss.group(1)) if iss else None)
            if sanctions:
                kind, cands = "law", ()
            if kind == "decree" and (_INTERNATIONAL_DECREE.search(norm_.text, m.start(), m.end())
                                     or _INTERNATIONAL_ISSUER.match(norm_.text, end)
                                     or _un_resolution(norm_.text, m.start(), end, year)):
                continue  # «قرار مجلس الأمن رقم 2254»: international instruments are not spans
            if not raw and _field_sense(norm_.text, m.start()):
                continue
            if g.get("ititle") and _BODY_STATUTE_TITLE.match(g["ititle"]):
                continue  # «النظام الأساسي للشركة»: a company's bylaws
            if raw and _COUNT_NOT_NUMBER.match(norm_.text, m.start(), end) and _COUNTED_AFTER.match(norm_.text, end):
                continue  # «ودعم القانون 61 نائبا», «وحدد مشروع النظام 15 مادة»: a count after the noun, not a number
            cut = _date_clause_start(m, g, "i") if kind == "decree" else None
            if cut is not None:  # «المرسوم رقم 12 بتاريخ 5/6/2019»: the decree's date stays outside (rule 6)
                a, b, surface = _original_span(text, norm_, m.start(), cut)
            out.append(LegalReference(a, b, surface, kind, None, (), raw, year, False, cands,
                                      strong=_FLAGS_OUT[0] or bool(year), national=_FLAGS_OUT[1]))
            inst_end = (len(out) - 1, end)
            if raw:
                numbered_end = end
    if ordinal_fasl:
        out = _keep_ordinal_fasl(out, set(ordinal_fasl), text)
    _share_coordinated_instrument(out, text)
    if out and outside and not any(r.kind != "article" or r.named or r.candidates for r in out):
        # a story of a treaty, an international body or a sports federation that cites only bare articles («المادة
        # الرابعة» of a treaty or a federation's disciplinary rules), each with the cue near it: not national
        # legislation (guidelines v3, rule 15)
        out = [r for r in out if r.kind != "article" or (r.start, r.end) not in outside]
    return out, cues


def _keep_ordinal_fasl(out: list[LegalReference], bare: set[int], text: str) -> list[LegalReference]:
    """``out`` without the bare ordinal «الفصل الثالث» references (indices ``bare``) that are no article.

    «الفصل الثالث» alone is an article only where the story cites articles as «الفصل» with their instrument («الفصل 2 من
    هذا القانون»: a Tunisian law or bill); elsewhere a chapter, a term or a season half (round 11). (round 12b) That
    instrument must be a law, a decree or a bill, not a code (a short form «منه» is of the instrument named before it),
    the story must cite no «المادة» article, and no time, school or stage word may surround the ordinal («خلال الفصل
    الأول», «تلميذ في الفصل الرابع»)."""
    gaz = load_gazetteer()
    keep = madda = last_code = False
    for i, r in enumerate(out):
        if i in bare:
            continue
        if r.kind != "article":
            last_code = r.kind == "code"
            continue
        t = norm(r.text)
        d = _FIRST_DIGIT.search(t)
        if _MADDA_HEAD.search(t, 0, d.start() if d else len(t)):
            madda = True
        if r.short_form:
            code = last_code
        elif r.named or r.candidates:
            code = all(gaz[c].kind == "code" for c in r.candidates) if r.candidates else bool(_CODE_IN_REF.search(t))
            last_code = code
        else:
            continue
        if not code and _FASL_WORD.search(t):
            keep = True
    if not keep or madda:
        return [r for i, r in enumerate(out) if i not in bare]
    drop = set()
    for i in bare:
        r = out[i]
        before = SENTENCE_END.split(text[max(0, r.start - ORDINAL_CLAUSE_WINDOW):r.start])[-1]
        after = SENTENCE_END.split(text[r.end:r.end + ORDINAL_CLAUSE_WINDOW])[0]
        before, after = norm(before), norm(after)
        if _ORDINAL_TIME_BEFORE.search(before) or _SCHOOL_OR_STAGE.search(before) or _SCHOOL_OR_STAGE.search(after):
            drop.add(i)
    return [r for i, r in enumerate(out) if i not in drop]


_COORD_GAP = re.compile(r"\s*[,،]?\s*")
# the date that identifies a decree cited by its bare noun («من الأمر الصادر في 15 ديسمبر عام 1990», «... المؤرخ في 3/5/1990»)
_DATED_AFTER = re.compile(r"\s*[,،]?\s+(?:ال)?(?:صادر[ةه]?|مؤرخ[ةه]?)\s+(?:في\s+)?(?:\d{1,2}\s+[^\s\d]+\s+(?:عام\s+|سن[ةه]\s+)?"
                          r"\d{4}|\d{1,2}\s?/\s?\d{1,2}\s?/\s?\d{4})(?!\d)")
# between an instrument and a possessive article word that belongs to it («للقرار الوزاري بمادته (236)»)
_POSS_GAP = re.compile(r"\s+")
_BI_POSS = re.compile(r"[وف]?ب[مف]")  # «بمادته», «بفصله»
_DECREE_NOUN_BEFORE = re.compile(r"(?<![\w])[وف]?(?:لل|بال|ال)(?:قرار|قانون|نظام|مرسوم|امر)(?:\s+" + DECREE_ADJ +
                                 r")?\s+\Z")


def _share_coordinated_instrument(out: list[LegalReference], text: str) -> None:
    """«المادة 3 والمادة 6 من نظام ...»: a bare article coordinated with the next one, which names its instrument,
    belongs to that instrument too (two spans, rule 11; one instrument)."""
    for i in range(len(out) - 2, -1, -1):  # backwards: «المادة 3 والمادة 4 والمادة 6 من ...»
        r, nxt = out[i], out[i + 1]
        if (r.kind == "article" == nxt.kind and not r.candidates and not r.named and not r.short_form
                and (nxt.candidates or nxt.named) and not nxt.short_form and nxt.text[:1] == "و"
                and _COORD_GAP.fullmatch(text, r.end, nxt.start)):
            out[i] = replace(r, candidates=nxt.candidates, named=True, strong=nxt.strong or bool(nxt.raw_number),
                             national=nxt.national)
