"""Regular expressions of the legal-reference finder.

All patterns run on *normalized* text (``gazetteer.MATCH_STEPS``: no tashkeel or tatweel,
alef forms unified to ا, ى → ي, Arabic-Indic digits → ASCII), so one pattern covers the
spelling variants the press uses. Offsets are mapped back to the original afterwards.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .gazetteer import load_gazetteer, norm

W = r"(?<![\w])"  # word start
E = r"(?![\w])"  # word end
# proclitics: و/ف + ب/ل/ك + article, and the لل contraction
P = r"(?:[وف]?(?:بال|لل|كال|ال|ب|ل|ك)?)"


def _ordinal_words() -> dict[str, int]:
    """Ordinal numbers 1-99 in words, masculine and feminine, ة/ه spellings, under the matching
    normalization («الاولي», «الثامنه عشره», «الحادي والعشرين»)."""
    units_m = ["الاول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع", "العاشر"]
    units_f = ["الاولي", "الثانية", "الثالثة", "الرابعة", "الخامسة", "السادسة", "السابعة", "الثامنة", "التاسعة",
               "العاشرة"]
    tens = ["العشر", "الثلاث", "الاربع", "الخمس", "الست", "السبع", "الثمان", "التسع"]
    out: dict[str, int] = {}

    def add(words: str, n: int) -> None:
        for w in {words, words.replace("ة", "ه")}:
            out.setdefault(w, n)

    for i in range(10):
        add(units_m[i], i + 1)
        add(units_f[i], i + 1)
    for i in range(1, 10):  # 11-19: «الحادي عشر», «الثامنة عشرة»
        add(("الحادي" if i == 1 else units_m[i - 1]) + " عشر", 10 + i)
        add(("الحادية" if i == 1 else units_f[i - 1]) + " عشرة", 10 + i)
        add(("الحادية" if i == 1 else units_f[i - 1]) + " عشر", 10 + i)
    for t, stem in enumerate(tens, start=2):  # 20-99: «العشرون», «الحادية والعشرين»
        for end in ("ون", "ين"):
            add(stem + end, 10 * t)
            for i in range(1, 10):
                add(("الحادي" if i == 1 else units_m[i - 1]) + " و" + stem + end, 10 * t + i)
                add(("الحادية" if i == 1 else units_f[i - 1]) + " و" + stem + end, 10 * t + i)
    return out


ORDINALS = _ordinal_words()


def _word_trie(phrases) -> str:
    """Alternation of multi-word phrases factored as a word trie (longest first), words joined by \\s+."""
    trie: dict = {}
    for ph in phrases:
        node = trie
        for w in ph.split():
            node = node.setdefault(w, {})
        node[""] = True

    def body(node: dict) -> str:
        kids = sorted((k for k in node if k), key=lambda k: (-len(k), k))
        alts = [re.escape(k) + ("" if list(node[k]) == [""] else
                                r"(?:\s+" + body({kk: v for kk, v in node[k].items() if kk}) + ")" +
                                ("?" if "" in node[k] else "")) for k in kids]
        return "(?:" + "|".join(alts) + ")"

    return body(trie)


_ORD = _word_trie(ORDINALS) + r"(?![\w])"
SEP = r"(?:[ ]?[-/][ ]?|\.)"
NUM = (r"(?:\(\s?\d+(?:" + SEP + r"\d+)*\s?\)|(?:ال)?\d+(?:" + SEP + r"\d+)*|" + _ORD + ")"
       r"(?:\s+مكرر(?:\s+\d+|\s?\(\s?[ابجد]\s?\))?)?")
ART_HEAD = P + r"(?:فصول|فصلين|فصلان|فصل|مواد|مادتين|مادتان|ماد[ةه]|بنود|بند)"
PARA = (P + r"(?:فقر[ةه]|فقرتين|فقرتان|فقرات)\s+(?:\(?\d+\)?|" + _ORD + r")(?:\s*(?:,|،|و)\s*(?:\(?\d+\)?|"
        + _ORD + r"))*\s+من\s+")
ART_LIST = (NUM + r"(?:\s*(?:,|،|و|او|الي|حتي|الي\s+غاي[ةه])\s*" + NUM + r")*")
# «م/17», «(م - 17)» (Saudi royal decrees), «(أ/21)» (royal orders), «(174)», «(35 - 22)», «07.03», «175/2018»
INST_NUMBER = (r"(?:[ما]\s?/\s?\d+|\(\s?[ما]\s?[-/]\s?\d+\s?\)|\(\s?\d+(?:\s?[-/]\s?\d+)?\s?\)"
               r"|\d+(?:[ ]?[-/][ ]?\d+|\.\d+)*)")


def year_pat(g: str) -> str:
    """Optional year clause: «لسنة 2018», «لسنة 1428هـ», «للعام 2018», «بتاريخ 8/3/1428هـ»; groups ``g`` /
    ``g``d. A Saudi decree's date clause «وتاريخ 8/3/1428هـ» is not part of it (guidelines rule 6)."""
    return (r"(?:\s+(?:لسن[ةه]|لعام|للعام|عام|سن[ةه])\s+(?P<" + g + r">\d{4})(?:\s?(?:هـ|ه|م)" + E + r")?"
            r"|\s+(?:بتاريخ|تاريخ|المؤرخ\s+في)\s+\d{1,2}\s?/\s?\d{1,2}\s?/\s?(?P<" + g +
            r"d>\d{4})(?:\s?(?:هـ|ه)" + E + r")?)?")


NUMBERED_HEAD = (P + r"(?:قانون|مرسوما?(?:\s+(?:ال)?(?:بقانون|سلطاني|ملكي|تشريعي|اشتراعي|رئاسي|حكومي|اتحادي))*"
                 r"|ظهير(?:\s+(?:ال)?شريف)?|امر(?:\s+(?:ال)?(?:رئاسي|اميري|علي|سلطاني|ملكي|حكومي|سامي))?"
                 r"|قرار(?:\s+(?:ب)?قانون)?|نظام)"
                 r"(?:\s+(?:الاتحادي|التنظيمي|الاساسي|اتحادي))?")


def numbered_pat(g: str) -> str:
    return NUMBERED_HEAD + r"(?:\s+(?:رقم|عدد))?\s+(?P<" + g + ">" + INST_NUMBER + r")" + E


SHORT_NOUN = r"(?:قانون|مرسوم|ظهير|نظام|مجل[ةه]|مدون[ةه]|امر|قرار)"
SHORT = (r"(?:(?:نفس|ذات)\s+ال" + SHORT_NOUN + r"|ال" + SHORT_NOUN +
         r"\s+(?:المذكور|نفسه|ذاته|السالف\s+الذكر|سالف\s+الذكر|المشار\s+اليه|المذكور\s+اعلاه))" + E)


# -- laws cited by title alone, with no number («قانون حماية حقوق المؤلف», «نظام مكافحة التستر»,
# «مجلة الإجراءات الجزائية»). A title starts with a word that names a field of law (per head: «نظام»
# and «مجلة» are also "system" and "magazine", so their lists are short) and runs through at most five
# more words, ending on a definite one («ال...»); it stops at prepositions, clause words, descriptive
# adjectives («الجديد»، «المعدل») and the head of another reference. Generic mentions («القانون»،
# «النظام السوري»، «نظام الحكم») never match: the head must be indefinite and the first word a field.
_NB = r"[^\s\d,،.:؛()«»\"'!?؟/\-]"  # a letter of a title word
_ORD_WORDS = "|".join(sorted({w for w in ORDINALS if " " not in w}, key=len, reverse=True))
# a word that ends a title: also with «و»/«ف» («والذي», «والسادسة»), an ordinal («الثانية»: an article of a
# list), and «و» + the first word of another title («كنظام المرور ومكافحة التزوير» is two statutes)
_STOP = (r"(?:[وف]?(?:" + _ORD_WORDS + r")|[وف]?(?:في|من|علي|عن|الي|او|ثم|حتي|رقم|عدد|لسن[ةه]|لعام|سن[ةه]|بتاريخ|وتاريخ|تاريخ|الذي|التي|الذين|"
         r"الصادر[ةه]?|المتعلق[ةه]?|المؤرخ[ةه]?|الخاص[ةه]?|المعدل[ةه]?|المعمول|الساري[ةه]?|النافذ[ةه]?|"
         r"الجديد[ةه]?|الحالي[ةه]?|القديم[ةه]?|الملغي|الملغا[ةه]|المذكور[ةه]?|نفسه|ذاته|السالف|المشار|"
         r"الاخير[ةه]?|المقترح[ةه]?|هذا|هذه|ذلك|تلك|بعد|قبل|حيث|كما|ان|انه|لكن|بل|قد|لم|لن|ما|لا|كل|بين|عبر|"
         r"خلال|منذ|وفق|وفقا|طبقا|بموجب|بسبب|عند|لدي|امام|الا|ايضا)|و|ف|[وف]?لائحت\w*|[وف]?ولائحت\w*|"
         r"و(?:مكافح[ةه]|حماي[ةه]|مناهض[ةه]|محارب[ةه]|تنظيم|مزاول[ةه]|منع|قمع))(?![\w])")
_HEAD_AHEAD = (r"[وفبلك]{0,2}(?:ال)?(?:قانون|قوانين|نظام|انظم[ةه]|مرسوم|ظهير|امر|قرار|مجل[ةه]|مدون[ةه]|لائح[ةه]|لوائح|"
               r"ماد[ةه]|مواد|فصل|فصول|دستور|مشروع)(?![\w])")
_IND = r"(?!" + _STOP + "|" + _HEAD_AHEAD + r"|ي)" + _NB + "+"
_DEF = r"(?=[وفبلك]{0,2}ال|[وف]?لل)(?!" + _STOP + "|" + _HEAD_AHEAD + ")" + _NB + "+"
# a construct chain first (at most two indefinite words: «حماية حقوق المؤلف», «مكافحة إساءة استخدام السلطة»),
# then definite words only: «نظام مكافحة الغش التجاري إغلاق المحل» ends at «التجاري»; «... الإرهاب وتمويله»
# (a definite word may come with a coordinated construct noun before it: «... المالي وخيانة الأمانة»)
_NEW_TITLE = r"(?:مكافح[ةه]|حماي[ةه]|مناهض[ةه]|محارب[ةه]|تنظيم|مزاول[ةه]|منع|قمع)(?![\w])"
_TAIL = (r"(?:\s+" + _IND + r"){0,%d}(?:(?:\s+و(?!" + _NEW_TITLE + ")" + _IND + r")?\s+" + _DEF + r"){%d,5}"
         r"(?:\s+وتمويل(?:ه|ها))?")
_FIELDS_LAW = ("مكافح[ةه] حماي[ةه] مناهض[ةه] محارب[ةه] تنظيم مزاول[ةه] منع قمع اصول جرائم غسل حقوق "
               "اجراءات مرافعات عقوبات جزاء جرائم جريم[ةه] محاما[ةه] تستر صحاف[ةه] مطبوعات اعلام اتصالات معاملات "
               "اسلح[ةه] مخدرات طفل احداث تحرش ملكي[ةه] بيانات معطيات تواصل امن ارهاب مسطر[ةه] احوال اسر[ةه] "
               "عمل شغل مرور سير جنسي[ةه] اقام[ةه] جمارك انتخابات غش عنف اتجار فساد رشو[ةه] اثبات ملكي[ةه] "
               "جنسي[ةه] تجار[ةه] شركات مستهلك اجانب لجوء هجر[ةه] ضرائب كيانات قوائم اسرار ايجار تجريم "
               "تضارب مصالح[ةه] حري[ةه] تسجيل نفاذ")
_FIELDS_NIZAM = ("مكافح[ةه] حماي[ةه] مزاول[ةه] اجراءات مرافعات محاما[ةه] تستر جرائم عقوبات جزاء مطبوعات احوال "
                 "اثبات مرور جنسي[ةه] اقام[ةه] اسلح[ةه] مخدرات تحرش احداث تقاعد خدم[ةه] تامينات تعاملات نشر قضاء "
                 "منافسات انتاج مناطق غابات صيد غش بيانات ايذاء وثائق ارهاب")
_FIELDS_LAIHA = "وظائف غرامات جزاءات مخالفات جرائم"
_FIELDS_MAJALLA = "اجراءات مرافعات حماي[ةه] احوال التزامات شغل اتصالات صحاف[ةه] جنسي[ةه] طرقات حقوق"
_FIELDS_MUDAWWANA = "اسر[ةه] شغل سير تجار[ةه] جمارك"
_INDEF_FIELDS = {"مكافح[ةه]", "حماي[ةه]", "مناهض[ةه]", "محارب[ةه]", "تنظيم", "مزاول[ةه]", "منع", "قمع", "اصول",
                 "جرائم", "غسل", "حقوق", "تجريم", "حري[ةه]", "تسجيل", "قوائم", "تضارب", "صيد", "وثائق"}  # construct nouns: a definite
# word must follow
_NOT_LAW_AFTER = r"(?!\s+(?:ال)?(?:حري[قه]|حرائق|فيروسات|افات|حشرات|عدوي|اغراق)(?![\w]))"


def _fields(spec: str) -> str:
    """First words of a title: construct nouns need a tail, definite nouns may stand alone."""
    indef = [w for w in spec.split() if w in _INDEF_FIELDS]
    defin = [w for w in spec.split() if w not in _INDEF_FIELDS]
    alts = []
    if indef:
        # «قانون لمكافحة الإرهاب»: «مكافحة» may take «ل» («قانون لحماية ...» is rather "a law to protect")
        alts.append("(?:لمكافح[ةه]|(?:" + "|".join(indef) + r"))(?![\w])" + _NOT_LAW_AFTER + _TAIL % (2, 1))
    if defin:
        alts.append("ال(?:" + "|".join(defin) + r")(?![\w])" + _TAIL % (0, 0))
    return "(?:" + "|".join(alts) + ")"


def title_pat(g: str) -> str:
    """An instrument cited by its title only; the head (indefinite) and title in group ``g``."""
    return ("(?P<" + g + ">" + r"[وف]?(?:ب|ل|ك)?(?:قانون\s+" + _fields(_FIELDS_LAW) + r"|نظام\s+" + _fields(_FIELDS_NIZAM) +
            r"|(?:ال)?مجل[ةه]\s+" + _fields(_FIELDS_MAJALLA) + r"|مدون[ةه]\s+" + _fields(_FIELDS_MUDAWWANA) +
            # regulations (kind decree): «اللائحة التنفيذية لنظام ...», «لائحة الوظائف الصحية»
            r"|(?:ال)?لائح[ةه]\s+التنفيذي[ةه]\s+ل(?:نظام\s+" + _fields(_FIELDS_NIZAM) + r"|قانون\s+" +
            _fields(_FIELDS_LAW) + r")|لائح[ةه]\s+" + _fields(_FIELDS_LAIHA) + "))" + E)


# nationality adjectives after a name, with their country (``XX``: a country the gazetteer does not cover;
# «العسكري»: the military code of a country, which the gazetteer does not hold either)
NATIONALITIES = {
    "المغربي": "MA", "المصري": "EG", "السعودي": "SA", "الاماراتي": "AE", "الجزائري": "DZ", "التونسي": "TN",
    "الاردني": "JO", "الكويتي": "KW", "القطري": "QA", "البحريني": "BH", "العماني": "OM", "العراقي": "IQ",
    "اللبناني": "LB", "الفلسطيني": "PS", "الليبي": "LY", "السوداني": "SD", "الموريتاني": "MR", "السوري": "SY",
    "الاتحادي": "AE", "اليمني": "XX", "الايراني": "XX", "التركي": "XX", "الامريكي": "XX", "الاميركي": "XX",
    "الفرنسي": "XX", "البريطاني": "XX", "الالماني": "XX", "الاسرائيلي": "XX", "الروسي": "XX", "الصيني": "XX",
    "الهندي": "XX", "الباكستاني": "XX", "الايطالي": "XX", "الاسباني": "XX", "النمساوي": "XX", "الاوروبي": "XX",
    "العسكري": "XX",
}
NATIONALITY = "(?:" + "|".join(sorted(NATIONALITIES, key=len, reverse=True)) + r")[ةه]?(?![\w])"

# «نظامي الإجراءات الجزائية ومكافحة الجرائم المعلوماتية»: two titles under one dual head
DUAL_HEAD = r"[وف]?(?:ب|ل|ك)?(?P<dualhead>نظامي|قانوني|مجلتي|مدونتي)"
BILL = r"[وف]?(?:ب|ل|ك)?(?:ال)?(?:مشروع|مشاريع|مقترح|مسود[ةه])\s+"


@lru_cache(maxsize=1)
def alias_table() -> tuple[str, dict[str, list[str]]]:
    """(regex alternation of instrument names, normalized alias -> instrument ids)."""
    gaz = load_gazetteer()
    aliases = {}
    for key, ids in gaz.by_alias.items():
        if re.search(r"\d|\(|\)", key) or len(key.split()) > 8 or len(key) < 3:
            continue
        aliases[key] = ids
    return _alias_trie_pattern(aliases), aliases


def _first_word_pattern(first: str) -> str:
    """The first word of a name with the proclitics the press attaches to it."""
    if first.startswith("ال"):
        return r"(?:[وف]?(?:ب|ك)?" + re.escape(first) + r"|[وف]?لل" + re.escape(first[2:]) + ")"
    return P + re.escape(first)


def _alias_trie_pattern(aliases: dict[str, list[str]]) -> str:
    """One alternation of all names, factored as a word trie (Python's ``re`` tries alternatives
    one by one, so a flat list of ~150 names costs ~150 attempts at every candidate start).

    Longer names are tried first at every level (children ordered by the longest name below
    them, "the name ends here" last), as in the flat list sorted by length that it replaces."""
    trie: dict = {}
    for alias in aliases:
        node = trie
        for w in alias.split():
            node = node.setdefault(w, {})
        node[""] = len(alias)

    def longest(node: dict) -> int:
        return max(longest(v) if k else v for k, v in node.items())

    def body(node: dict) -> str:
        kids = sorted((k for k in node if k), key=lambda k: -longest(node[k]))
        alts = [r"\s+" + re.escape(k) + body(node[k]) for k in kids] + ([""] if "" in node else [])
        return "(?:" + "|".join(alts) + ")" if alts != [""] else ""

    firsts = sorted(trie, key=lambda f: -longest(trie[f]))
    return "(?:" + "|".join(_first_word_pattern(f) + body(trie[f]) for f in firsts) + ")"


@lru_cache(maxsize=1)
def finder_regex() -> re.Pattern[str]:
    named, _ = alias_table()
    def instrument(p: str) -> str:
        named_tail = (r"(?:\s+(?:رقم|عدد)\s+(?P<" + p + "nn>" + INST_NUMBER + r")" + E + year_pat(p + "ny") +
                      r"|\s+(?:لسن[ةه]|لعام)\s+(?P<" + p + r"ny2>\d{4})" + E + ")?")
        # an unknown law named by title and number; title words may not start a new clause (و...) or
        # another instrument, so «القانون الجنائي وبمقتضيات القانون رقم 07.03» is not one title
        generic = (P + r"(?:قانون|نظام|مرسوم|قرار)(?:\s+(?![وف]|(?:ال)?(?:رقم|عدد|من|في|الذي|التي|المتعلق)(?![\w])|[بلك]?(?:ال)?(?:قانون|مرسوم|ظهير|نظام|امر|قرار)(?![\w]))"
                   r"[^\s\d,،.:؛()]+){1,7}?\s+(?:رقم|عدد)\s+(?P<" + p + "gn>" + INST_NUMBER + r")" + E + year_pat(p + "gy"))
        return (r"(?:(?P<" + p + "num>" + numbered_pat(p + "n") + year_pat(p + "y") + r")"
                r"|(?P<" + p + "named>" + named + E + r"(?:\s+(?P<" + p + "nat>" + NATIONALITY + r"))?" + named_tail + r")"
                r"|(?P<" + p + "gen>" + generic + r")|" + title_pat(p + "title") + ")")

    dual = (r"(?P<dual>" + DUAL_HEAD + r"\s+(?P<dual1>" + _fields(_FIELDS_LAW) + r")\s+و(?P<dual2>" + _fields(_FIELDS_LAW) +
            "))" + E)
    bill = r"(?P<bill>" + BILL + r")(?:" + instrument("b") + ")"
    article = (W + r"(?P<art>(?:" + PARA + r")?(?:" + ART_HEAD + r"|(?P<poss>[وف]?(?:ب|ل)?(?:مادت(?:ه|ها)|مادتي(?:ه|ها)|"
               r"فصل(?:ه|ها)|فصلي(?:ه|ها)|مواد(?:ه|ها)|فصول(?:ه|ها)))))\s+(?:رقم\s+)?(?P<artlist>(?:من\s+)?" + ART_LIST + r")" + E +
               r"(?:\s+(?P<minh>منه|منها)" + E +
               r"|\s+(?:من|في|ب)\s+(?:(?P<ashort>" + SHORT + r")|" + instrument("a") +
               # «من النظام», «من اللائحة التنفيذية» (the statute of the story), «من القانون اللبناني»
               r"|(?P<abare>ال(?:نظام|قانون)(?:\s+(?P<abnat>" + NATIONALITY + r"))?|اللائح[ةه]\s+التنفيذي[ةه])" + E + ")"
               r"|\s+(?P<aabbr>ق\.?\s?ج|عقوبات)" + E + r")?")
    standalone = W + r"(?:(?P<short>" + SHORT + r")|" + dual + "|" + bill + "|" + instrument("i") + r")"
    # a standalone short form is only used as context, never reported (guidelines rule 5)
    return re.compile(article + "|" + standalone)


# head words a reference can begin with, and the endings the finder regex allows right after
# them inside the same word («ماد» + «ة»/«تين», «فصل» + «ين»); a name's first word allows none
ANCHOR_HEADS = {"فصل": ("", "ين", "ان", "ه", "ها", "يه", "يها"), "فصول": ("", "ه", "ها"),
                "ماد": ("ة", "ه", "تين", "تان", "ته", "تها", "تيه", "تيها"), "لائح": ("ة", "ه"), "مواد": ("", "ه", "ها"),
                "فقر": ("ة", "ه", "تين", "تان", "ات"), "بند": ("",), "بنود": ("",), "قانون": ("", "ي"), "مرسوم": ("", "ا"),
                "ظهير": ("",), "امر": ("",), "قرار": ("",), "نظام": ("", "ي"), "مجل": ("ة", "ه", "تي"), "مجموع": ("ة", "ه"),
                "مدون": ("ة", "ه", "تي"), "مشروع": ("",), "مشاريع": ("",), "مقترح": ("",), "مسود": ("ة", "ه")}
STEM_PREFIX = re.compile(r"[وفبلك]{0,2}(?:ال|ل)?")  # what may precede an anchor stem inside its word
ABBR_PREFIX = re.compile(r"[وفبلك]{0,2}")
# abbreviations («ق.ج», «ق ع») with their separators, so that «ق» alone (or «وقع») fires nothing
ABBREVIATIONS = tuple("ق" + mid + end for mid in (".", " ", ". ", ".\t", "\t", ".\n", "\n") for end in "جع")


def anchor_stems() -> dict[str, tuple[str, ...]]:
    """Head words («فصل», «قانون», ...) and the first word of every gazetteer name (without the
    article), each with the word endings allowed after it; a reference can only begin at a word
    made of proclitics, one of these stems and one of its endings."""
    _, aliases = alias_table()
    firsts = {a.split()[0] for a in aliases}
    firsts = {f[2:] if f.startswith("ال") and len(f) > 3 else f for f in firsts}
    # standalone short forms («نفس القانون») are never reported, so they need no anchor;
    # one-letter abbreviations («ق.ج») are listed with their separators instead of firing on every ق
    stems = {f: ("",) for f in firsts if len(f) >= 3 and "." not in f}
    for head, endings in ANCHOR_HEADS.items():
        stems[head] = tuple(sorted(set(stems.get(head, ())) | set(endings)))
    return dict(sorted(stems.items()))


@lru_cache(maxsize=1)
def scan_automaton():
    """One Aho-Corasick automaton for the finder's single pass over a text: the anchor stems and
    abbreviations (candidate starts; the full regex runs only there, which is what makes the
    finder fast) and the resolver's country cues. Values: ``(anchor, cue)``, either may be None;
    anchor = (stem length, allowed endings, is an abbreviation)."""
    import ahocorasick

    from .resolve import cue_keys

    values: dict[str, list] = {}
    for stem, endings in anchor_stems().items():
        values.setdefault(stem, [None, None])[0] = (len(stem), frozenset(endings), False)
    for abbr in ABBREVIATIONS:
        values.setdefault(abbr, [None, None])[0] = (len(abbr), frozenset([""]), True)
    for key, cue in cue_keys():
        values.setdefault(key, [None, None])[1] = cue
    auto = ahocorasick.Automaton()
    for key, (anchor, cue) in values.items():
        auto.add_word(key, (anchor, cue))
    auto.make_automaton()
    return auto


@lru_cache(maxsize=1)
def alias_automaton():
    """Aho-Corasick automaton over the gazetteer names: value (-length, table order, name)."""
    import ahocorasick

    _, aliases = alias_table()
    auto = ahocorasick.Automaton()
    for k, alias in enumerate(aliases):
        auto.add_word(alias, (-len(alias), k, alias))
    auto.make_automaton()
    return auto


ARTICLE_NUM = re.compile(NUM)
RANGE = re.compile(r"^من\s+(\d+)\s*(?:الي|حتي|الي\s+غاي[ةه])\s*(\d+)$")


@lru_cache(maxsize=4096)  # pure function of a short string; article numbers recur across articles
def canonical_article(raw: str) -> str:
    """``٤٤٧.١`` / ``447 - 1`` / ``1-447`` → ``447-1``; ``309 مكرر`` → ``309 bis``; «الثامنة عشرة» → ``18``;
    «الـ18» → ``18``."""
    raw = norm(raw).strip()
    bis = ""
    m = re.search(r"\s*مكرر(?:\s+(\d+)|\s?\(\s?([ابجد])\s?\))?$", raw)
    if m:
        letter = {"ا": "a", "ب": "b", "ج": "c", "د": "d"}.get(m.group(2) or "")
        bis = " bis" + (f" {m.group(1)}" if m.group(1) else "") + (f" ({letter})" if letter else "")
        raw = raw[: m.start()]
    raw = " ".join(raw.strip("() ").split())
    if raw in ORDINALS:
        return str(ORDINALS[raw]) + bis
    if raw.startswith("ال") and raw[2:3].isdigit():  # «المادة الـ18»
        raw = raw[2:]
    parts = [p for p in re.split(r"\s?[-./]\s?", raw) if p]
    if len(parts) >= 2 and len(parts[-1]) >= 3 and all(len(p) <= 2 for p in parts[:-1]):
        parts = [parts[-1]] + parts[:-1][::-1]  # Moroccan «الفصل 1-447» = 447-1, «1-1-503» = 503-1-1
    return "-".join(str(int(p)) if p.isdigit() else p for p in parts) + bis


def expand_articles(artlist: str) -> list[str]:
    """Canonical article list from «447-1 و447-2», «من 3 الي 6», «25 و26 و27»."""
    artlist = artlist.strip()
    m = re.match(r"^من\s+(\d+)-(\d+)\s*(?:الي|حتي)\s*(\d+)-(\d+)$", norm(artlist))
    if m and m.group(1) == m.group(3) and 0 < int(m.group(4)) - int(m.group(2)) <= 50:
        return [f"{m.group(1)}-{i}" for i in range(int(m.group(2)), int(m.group(4)) + 1)]
    m = RANGE.match(artlist)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if 0 < b - a <= 50:
            return [str(i) for i in range(a, b + 1)]
    artlist = re.sub(r"^من\s+", "", artlist)
    out: list[str] = []
    # a range inside a list: «25 الي 27»
    for rm in re.finditer(r"(\d+)\s*(?:الي|حتي)\s*(\d+)", artlist):
        a, b = int(rm.group(1)), int(rm.group(2))
        if 0 < b - a <= 50 and not re.search(r"[-./]", artlist):
            return [str(i) for i in range(a, b + 1)]
    for m2 in ARTICLE_NUM.finditer(artlist):
        art = canonical_article(m2.group(0))
        if art not in out:
            out.append(art)
    return out


@lru_cache(maxsize=4096)
def parse_number(raw: str) -> tuple[tuple, int | None]:
    """Instrument number as lookup key: ``07.03`` → ((7, 3), None); ``175/2018`` → ((175,), 2018);
    ``م/17`` and ``(م - 17)`` → (("م", 17), None); ``أ/21`` → (("ا", 21), None); ``2022-54`` → ((54,), 2022)."""
    raw = norm(raw).strip("() ")
    m = re.match(r"^([ما])\s?[-/]\s?(\d+)$", raw)
    if m:
        return (m.group(1), int(m.group(2))), None
    parts = [int(p) for p in re.split(r"\s?[-./]\s?", raw) if p.isdigit()]
    if len(parts) == 2 and 1900 <= parts[1] <= 2100 and parts[0] < 1000:
        return (parts[0],), parts[1]
    if len(parts) == 2 and 1900 <= parts[0] <= 2100 and parts[1] < 1000:
        return (parts[1],), parts[0]
    return tuple(parts), None
