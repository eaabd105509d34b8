"""Regular expressions of the legal-reference finder.

All patterns run on *normalized* text (``gazetteer.MATCH_STEPS``: no tashkeel or tatweel,
alef forms unified to ا, ى → ي, Arabic-Indic digits → ASCII), so one pattern covers the
spelling variants the press uses. Offsets are mapped back to the original afterwards.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product

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
        # each word in either spelling: «الثامنة عشرة», «الثامنه عشره», «الثامنة عشره»
        for variant in product(*[{w, w.replace("ة", "ه")} for w in words.split()]):
            out.setdefault(" ".join(variant), n)

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


_HUNDREDS = r"(?:ال)?(?:مائ[ةه]|مئ[ةه])|(?:ال)?(?:مائتين|مئتين)"
_ORD = _word_trie(ORDINALS) + r"(?![\w])(?:\s+بعد\s+(?:" + _HUNDREDS + r")(?![\w]))?"  # «السابعة عشرة بعد المائة»
SEP = r"(?:[ ]?[-/][ ]?|\.)"
# «المادة "49"», «الفصل «12»»: an article number in quotes (round 10)
_QUOTED_NUM = r"[\"“”«]\s?\d+(?:" + SEP + r"\d+)*\s?[\"“”»](?![\w])"
# «المادة (62 /1/ ف)»: article, paragraph and clause letter in one bracket (the article is the first number)
# (round 12) «المادة (3/5ل)»: a Saudi executive regulation's own item (item 5 of the regulation under article 3; «ل» for «لائحة»),
# kept whole: «3-5ل» (one alternative with the clause form: the finder pattern tries it at every number)
# (round 13) «البند (ثانيا) منه»: an item numbered by a bracketed adverbial ordinal (Saudi royal decrees), item 2
_LATIN_ORDS = ("اولا", "ثانيا", "ثالثا", "رابعا", "خامسا", "سادسا", "سابعا", "ثامنا", "تاسعا", "عاشرا")
_LATIN_ORD = "(?:" + "|".join(_LATIN_ORDS) + ")"
_CLAUSE_NUM = r"\(\s?\d{1,3}\s?/\s?\d{1,2}\s?(?:/\s?[ا-ي]|ل)\s?\)"
NUM = (r"(?:\(\s?(?:\d+|" + _ORD + r")\s?/\s?[ابجدهوزحطي]\s?\)|\(\s?" + _LATIN_ORD + r"\s?\)|" + _CLAUSE_NUM + "|" + _QUOTED_NUM + r"|\(\s?\d+(?:" + SEP + r"\d+)*\s?\)|(?:ال ?)?\d+(?:" + SEP + r"\d+)*|" + _ORD + r"|\(\s?" + _ORD + r"\s?\))"
       # «المادة 98 (و)», «المادة 77/ب», «الفصل 226 ثالثا», «الفصل 31 (جديد)» (an amended article, Tunisia)
       r"(?:\s+مكرر[اةه]?(?:\s+\d+|\s?\(\s?[ابجد]\s?\)|\s+[ابجد](?![\w]))?(?![\w])|\s?\(\s?[ابجدهوزحطي]\s?\)|(?<=\d)\s?/\s?[ابجدهوزحطي](?![\w])"
       r"|\s+(?:ثالثا|رابعا|خامسا)(?![\w]))?(?:\s?\(\s?جديد[ةه]?\s?\)|\s+جديد[ةه]?(?![\w]))?")  # (round 12) «فصله 9 جديد»
# «القسم 230» (a US «Section»): an article only with its instrument or as the one the press cites alone (the finder checks)
ART_HEAD = P + r"(?:فصول|فصلين|فصلان|فصل|مواد|مادتين|مادتان|ماد[ةه]|بنود|بند|قسم(?=\s+\(?\d))"
# (round 12) «البند "رابعا" من المادة 4»: an item numbered by an adverbial ordinal, in quotes or not
_PARA_NUM = (r"(?:\(?\d+\)?|" + _ORD + r"|(?:ال)?اخير[ةه](?![\w])|\(\s?[ابجدهوزحطي]\s?\)|[ابجده](?![\w])"  # round 11: «الأخيرة»
             r"|[\"“«]?" + _LATIN_ORD + r"[\"”»]?(?![\w]))")
# paragraph words before the article («الفقرة الثانية من», «البند (أ) من», «الفقرة 2 من البند 3 من»): inside (rule 13)
# («الفقرة رقم (1) من», «الفقرة (ز) من البند الثاني المندرج تحت المادة ...», «الفقرة الثانية من أحكام الفصل ...»)
PARA = ("(?:" + P + r"(?:فقر[ةه]|فقرتين|فقرتان|فقرات|بند|بندين|بندان|بنود)\s+(?:رقم\s+)?" + _PARA_NUM + r"(?:\s*(?:,|،|و)\s*" +
        _PARA_NUM + r")*\s+(?:من|(?:ال)?(?:مندرج|وارد)[ةه]?\s+(?:تحت|في))\s+(?:احكام\s+)?){1,2}")
# «المادة السابقة من نظام القضاء»: the article cited just before (a span only with its instrument)
ART_ANAPHOR = r"(?:السابق[ةه]|المذكور[ةه]|نفسها|ذاتها)"
# paragraph words after an article's number, inside (rule 13): «الفصل 60 مكرر فقرتين (أولا) و(ثالثا)», «المادة 12 في
# فقرتها الثانية», «الفصل 237 في فقراته الأولى والأخيرة» (Tunisia); the finder drops them from the article numbers
_NUM_PARA_ITEM = (r"(?:\(\s?" + _LATIN_ORD + r"\s?\)|" + _LATIN_ORD + r"(?![\w])|\(\s?\d+\s?\)|\(\s?[ابجدهوزحطي]\s?\)|"
                  r"(?:ال)?اخير[ةه](?![\w])|" + _ORD + ")")
NUM_PARA = (r"(?:\s+(?:في\s+)?(?:فقر[ةه]|فقرت(?:ين|ان|ه|ها)|فقرات(?:ه|ها)?)\s+" + _NUM_PARA_ITEM +
            r"(?:\s*(?:[,،]\s*)?و\s*" + _NUM_PARA_ITEM + r")*(?=\s+(?:و\s?\d|من\s|في\s)|\s*[,،.؛:)]|\s*\Z))")
ART_LIST = (r"(?:\(\s?\d+(?:\s*(?:,|،|و)\s*\d+)+\s?\)|" + NUM + NUM_PARA + r"?(?:\s*(?:[,،]\s*و|,|،|و|او|الي|حتي|الي\s+غاي[ةه])\s*" +
            NUM + NUM_PARA + r"?)*)")  # «المواد (4، 5، 6)», «447-1 و447-2», «من 3 إلى 6»
# «"10"» and «10» in quotes or guillemets; «م/17», «(م - 17)» (Saudi royal decrees), «(أ/21)» (royal orders), «(174)», «(35 - 22)», «07.03», «175/2018»
INST_NUMBER = (r"(?:[\"“”«]\s?\d+\s?[\"“”»](?![\w])|\d+\s?/\s?[ا-ي]{1,2}\s?/\s?\d+|[ما]\s?/\s?\d+|\(\s?[ما]\s?[-/]\s?\d+\s?\)|\(\s?\d+(?:\s?[-/]\s?\d+)?\s?\)"
               r"|\d+(?:[ ]?[-/][ ]?\d+|\.\d+)*)")


def year_pat(g: str) -> str:
    """Optional year clause: «لسنة 2018», «لسنة 1428هـ», «للعام 2018», «بتاريخ 8/3/1428هـ»; groups ``g`` /
    ``g``d, and ``g``dc for a date clause (a law's «القانون رقم 81 تاريخ 10/10/2018» keeps it; a decree's is
    outside, rule 6, and the finder cuts it). A Saudi decree's «وتاريخ 8/3/1428هـ» is never part of it."""
    # «لسنة (2018)»: a bracketed year, the brackets inside only when both are there
    # (round 11) «القانون عدد 52 لسنة 92»: a two-digit year, only after «لسنة» and one space, and not a count («لسنة 15 يوما»)
    return (r"(?:\s+(?:لسن[ةه]|لعام|للعام|عام|سن[ةه])\s*(?P<" + g + r"p>\(\s?)?(?P<" + g + r">\d{4}|(?<=لسن[ةه]\s)\d{2}(?![\w])"
            r"(?!\s*(?:يوما|يوم|ايام|شهرا|شهر|اشهر|سن[ةه]|سنوات|عاما|ساع[ةه]|%|٪)(?![\w])))(?:\s?(?:هـ|ه|م)" + E +
            r")?(?(" + g + r"p)\s?\))"
            r"|(?P<" + g + r"dc>\s+(?:بتاريخ|تاريخ|المؤرخ\s+في)\s+\d{1,2}\s?/\s?\d{1,2}\s?/\s?(?P<" + g +
            r"d>\d{4})(?:\s?(?:هـ|ه)" + E + r")?))?")


NUMBERED_HEAD = (P + r"(?:قانون|مرسوما?(?:\s+(?:ال)?(?:بقانون|سلطاني|ملكي|تشريعي|اشتراعي|رئاسي|حكومي|اتحادي)ا?)*"
                 r"|ظهير(?:\s+(?:ال)?شريف)?(?:\s+بمثاب[ةه]\s+قانون)?|امرا?(?:\s+(?:ال)?(?:رئاسي|اميري|علي|سلطاني|ملكي|حكومي|سامي|قانوني|ترتيبي)ا?)?"
                 r"|قرارا?(?:\s+رئيس\s+الجمهوري[ةه](?=\s+(?:بال|ب)?قانون))?(?:\s+(?:ال)?(?:وزاري|اميري|رئاسي|جمهوري|حكومي)ا?"
                 r"(?:\s+(?:ال)?مشتركا?)?)?(?:\s+(?:بال|ب)?قانون)?|نظام"
                 r"|منشور(?:\s+(?:ال)?(?:وزاري|حكومي)ا?)?(?=\s+(?:رقم|عدد)(?![\w])))"  # a circular only with its number («المنشور عدد 4»)
                 r"(?:\s+(?:الاتحادي|التنظيمي|الاساسي|العضوي|اتحادي))?(?:\s+(?:ال)?كريم)?"  # «الأمر السامي الكريم رقم ...»
                 # (round 12) «القانون الأساسي الجديد عدد 22 لسنة 2016»: the new law, with its number
                 r"(?:\s+الجديد[ةه]?(?=\s+(?:رقم|عدد)(?![\w])|\s+(?:رقم|عدد)\d))?")


# «رقم 12», «رقم: 12», «عدد 54»; Iraq's «المرقم 111», the Levant's «ذي الرقم 17»
RAQM = r"(?:رقم|عدد|المرقم[ةه]?|(?:ذي|ذو)\s+الرقم)(?:\s?:)?"


def numbered_pat(g: str) -> str:
    """A numbered instrument, its number in group ``g``; a nationality may follow the head («المرسوم بقانون
    الإماراتي رقم 34»)."""
    # (round 11) «القرار الذي حمل رقم 999», «القانون الذي يحمل الرقم 12»: the number introduced by a relative clause
    return (NUMBERED_HEAD + r"(?:\s+" + NATIONALITY + r")?(?:\s+(?:الصادر[ةه]?\s+|(?:الذي|التي)\s+(?:حمل|يحمل|حملت|تحمل)\s+(?=(?:ال)?رقم)(?:ال)?)?"
            + RAQM + r")?(?:\s+|(?<=رقم|عدد)(?=\d))(?P<" + g + ">" +  # (round 12) «المرسوم عدد41»: glued
            INST_NUMBER + r")" + E)  # «الأمر الحكومي الصادر عدد 70»


SHORT_NOUN = r"(?:قانون|مرسوم\s+بقانون|مرسوم|ظهير|نظام|مجل[ةه]|مدون[ةه]|مجموع[ةه]|لائح[ةه]|امر|قرار)"
# «القانون المذكور», «المجلة نفسها», «من نفس المجموعة», «القانون الجديد» (the law of the story)
# the issuer's adjective of a decree may follow («هذا الأمر الحكومي», «نفس القرار الوزاري»)
DECREE_ADJ = r"ال(?:حكومي|رئاسي|وزاري|ملكي|اميري|سلطاني|جمهوري|تنفيذي|تشريعي|اشتراعي|ترتيبي)[ةه]?(?![\w])"
# («هذا القانون الأساسي»: an organic law's adjective, round 11)
SHORT = (r"(?:(?:نفس|ذات|هذا|هذه)\s+ال" + SHORT_NOUN + r"(?:\s+(?:" + DECREE_ADJ + r"|ال(?:اساسي|تنظيمي|عضوي)(?![\w])))?|ال" + SHORT_NOUN +
         r"\s+(?:المذكور[ةه]?\s+اعلاه|المذكور[ةه]?|نفس(?:ه|ها)|ذات(?:ه|ها)|ال?سالف[ةه]?\s+الذكر|المشار\s+الي(?:ه|ها)|"
         # «النظام الجديد للمجالس البلدية»: named; (round 12) «القانون الجديد رقم 5»: a numbered law, not the short form
         r"الجديد[ةه]?(?!\s+لل(?:مجالس|مجلس)\s+ال(?:بلدي|محلي|قروي))(?![\w])(?!\s+(?:رقم|عدد)(?:\s|\d))))" + E)


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
# (round 12: «وعدم», a negation that opens a new clause: «تطبيق قانون النفاذ إلى المعلومة وعدم التراجع عن ...»)
# (round 13: «والمعاقب عليها», the penalty clause after «المنصوص عليها في نظام ...»)
_STOP = (r"(?:[وف]?(?:" + _ORD_WORDS + r")|[وف]?(?:في|من|علي|عن|الي|او|ثم|حتي|رقم|عدد|لسن[ةه]|لعام|سن[ةه]|بتاريخ|وتاريخ|تاريخ|الذي|التي|الذين|"
         r"الصادر[ةه]?|المقدم[ةه]?|المتعلق[ةه]?|المؤرخ[ةه]?|الخاص[ةه]?|المعدل[ةه]?|المحين[ةه]?|المرتكب[ةه]?|المنصوص|المعمول|المعاقب|الساري[ةه]?|النافذ[ةه]?|"
         r"الجديد[ةه]?|الحالي[ةه]?|القديم[ةه]?|المثير[ةه]?|الملغي|الملغا[ةه]|المذكور[ةه]?|نفسه|ذاته|السالف|المشار|"
         r"الاخير[ةه]?|المقترح[ةه]?|التابع[ةه]?|الموجود[ةه]?|المطبق[ةه]?|المنظم[ةه]?|الراغب\w*|المسمي|البديل[ةه]?|المعني[ةه]?|هذا|هذه|ذلك|تلك|بعد|قبل|حيث|كما|ان|انه|لكن|بل|قد|لم|لن|ما|لا|كل|بين|عبر|"
         r"خلال|منذ|وفق|وفقا|طبقا|بموجب|بسبب|عند|لدي|امام|الا|ايضا|عدم)|و|ف|[وف]?لائحت\w*|[وف]?ولائحت\w*|"
         r"و(?:مكافح[ةه]|حماي[ةه]|مناهض[ةه]|محارب[ةه]|تنظيم|مزاول[ةه]|منع|قمع))(?![\w])")
_HEAD_AHEAD = (r"[وفبلك]{0,2}(?:ال)?(?:قانون|قوانين|نظام|انظم[ةه]|مرسوم|ظهير|امر|قرار|مجل[ةه]|مدون[ةه]|لائح[ةه]|لوائح|"
               r"ماد[ةه]|مواد|فصل|فصول|دستور)(?![\w])|[وفبلك]{0,2}مشروع(?![\w])")  # «غير المشروع» is an adjective
_IND = r"(?!" + _STOP + "|" + _HEAD_AHEAD + r"|ي)" + _NB + "+"
# a construct noun of a title's chain: not a definite word («نظام حماية الطفل المخالفين» ends at «الطفل»)
_IND_CHAIN = r"(?![وفبلك]{0,2}ال|[وف]?لل)" + _IND
# definite nouns that start a new phrase rather than continue a title (a title is noun + genitive or adjective:
# «... من نظام القضاء المجلس الأعلى» ends at «القضاء»); bodies and persons
_RUNON = (r"[وف]?ال(?:مجلس|مجالس|هيئ[ةه]|وزار[ةه]|وزير|قضا[ةه]|محكم[ةه]|محاكم|نياب[ةه]|شرط[ةه]|متهم[ةه]?|متهمين|جاني|ضحي[ةه]|"
          r"رئيس|امير|ملك|شيخ|دكتور|مدير|قاضي|محامي|مواطن|مواطنين|حكوم[ةه]|دول[ةه]|سلطات|امن|مخالف[ةه]?|مخالفين|مخالفون|"
          r"مدان|مدانين|محكوم|محكومين|موقوف|موقوفين|مرتكب|مرتكبين|شرك[ةه]|شركات|منصات)(?![\w])")
_DEF = r"(?=[وفبلك]{0,2}ال|[وف]?لل)(?!" + _STOP + "|" + _HEAD_AHEAD + ")" + _NB + "+"
# a definite word after a definite word: an adjective or a coordinated noun, never a body or person
_DEF_ADJ = r"(?=[وفبلك]{0,2}ال|[وف]?لل)(?!" + _STOP + "|" + _HEAD_AHEAD + "|" + _RUNON + ")" + _NB + "+"
# a construct chain first (at most two indefinite words: «حماية حقوق المؤلف», «مكافحة إساءة استخدام السلطة»),
# then definite words only: «نظام مكافحة الغش التجاري إغلاق المحل» ends at «التجاري»; «... الإرهاب وتمويله»
# (a definite word may come with a coordinated construct noun before it: «... المالي وخيانة الأمانة»)
_NEW_TITLE = r"(?:مكافح[ةه]|حماي[ةه]|مناهض[ةه]|محارب[ةه]|تنظيم|مزاول[ةه]|منع|قمع)(?![\w])"
_TAIL_WORD = r"(?:(?:\s+و(?!" + _NEW_TITLE + ")" + _IND + r"|\s+غير)?\s+%s)"


def _tail(ind: int, lo: int, hi: int) -> str:
    """At most ``ind`` indefinite words, then ``lo``..``hi`` definite ones (the first after an indefinite word
    may be any noun, a genitive; the others not a body or person: «نظام القضاء المجلس الأعلى» ends at «القضاء»)."""
    first = (_TAIL_WORD % _DEF) if lo else ""
    rest = _TAIL_WORD % _DEF_ADJ + "{%d,%d}" % (max(0, lo - 1), hi - 1 if lo else hi)
    return r"(?:\s+" + _IND_CHAIN + r"){0,%d}" % ind + first + rest + r"(?:\s+وتمويل(?:ه|ها))?"

_FIELDS_LAW = ("مكافح[ةه] حماي[ةه] مناهض[ةه] محارب[ةه] تنظيم مزاول[ةه] منع قمع اصول جرائم غسل حقوق "
               "اجراءات مرافعات عقوبات جزاء جرائم جريم[ةه] محاما[ةه] تستر صحاف[ةه] مطبوعات اعلام اتصالات معاملات "
               "اسلح[ةه] مخدرات طفل احداث تحرش ملكي[ةه] بيانات معطيات تواصل امن ارهاب مسطر[ةه] احوال اسر[ةه] "
               "عمل شغل مرور سير جنسي[ةه] اقام[ةه] جمارك انتخابات غش عنف اتجار فساد رشو[ةه] اثبات ملكي[ةه] "
               "جنسي[ةه] تجار[ةه] شركات مستهلك اجانب لجوء هجر[ةه] ضرائب كيانات قوائم اسرار ايجار تجريم "
               "تضارب مصالح[ةه] حري[ةه] تسجيل نفاذ زجر حظر ردع")
_FIELDS_NIZAM = ("مكافح[ةه] حماي[ةه] مزاول[ةه] اجراءات مرافعات محاما[ةه] تستر جرائم عقوبات جزاء مطبوعات احوال "
                 "اثبات مرور جنسي[ةه] اقام[ةه] اسلح[ةه] مخدرات تحرش احداث تقاعد خدم[ةه] تامينات تعاملات نشر قضاء "
                 "منافسات مشتريات انتاج مناطق غابات صيد غش بيانات ايذاء وثائق ارهاب تنفيذ شركات تحكيم افلاس توثيق جمعيات "
                 "اتصالات جمارك منافس[ةه] هيئ[ةه] مجلس اوراق")
# (round 13: «اوراق», the Gulf statute on commercial papers, «نظام الأوراق التجارية»)
_FIELDS_LAIHA = "وظائف غرامات جزاءات مخالفات جرائم جرد"
_FIELDS_MAJALLA = ("اجراءات مرافعات حماي[ةه] احوال التزامات شغل اتصالات صحاف[ةه] جنسي[ةه] طرقات حقوق جماعات ديوان[ةه] "
                   "مياه غابات استثمار[ةه]? جباي[ةه] محاسب[ةه] تهيئ[ةه] تامين مناجم محروقات شركات تحكيم صرف")
_FIELDS_MUDAWWANA = "اسر[ةه] شغل سير تجار[ةه] جمارك"
_INDEF_FIELDS = {"امن", "مكافح[ةه]", "حماي[ةه]", "مناهض[ةه]", "محارب[ةه]", "تنظيم", "مزاول[ةه]", "منع", "قمع", "اصول",
                 "جرائم", "غسل", "حقوق", "تجريم", "حري[ةه]", "تسجيل", "قوائم", "تضارب", "صيد", "وثائق", "زجر", "حظر",
                 "ردع", "هيئ[ةه]", "مجلس"}  # construct nouns: a definite word must follow
_NOT_LAW_AFTER = r"(?!\s+(?:ال)?(?:حري[قه]|حرائق|فيروسات|افات|حشرات|عدوي|اغراق|منشطات)(?![\w]))"  # «مكافحة المنشطات»: rule 15


# a second subject in «ومنع/وقمع/وزجر» is the same statute («قانون مكافحة الإرهاب ومنع غسل الأموال»)
# «وحماية» + the persons a statute protects is the same statute too («... الاتجار بالبشر وحماية الضحايا», «قانون الإبلاغ عن
# الفساد وحماية المبلغين عنه»), with the pronoun of the preposition that ends such titles
_PROTECTED = (r"(?:[وف]?(?:ب|ل)?ال|[وف]?لل)(?:مبلغين|مبلغ|شهود|ضحايا|مخبرين|مستهلك|مستهلكين|خبراء|ضحي[ةه])(?![\w])"
              r"(?:\s+عن(?:ه|ها|هم)(?![\w]))?")
_AND_PROTECT = r"وحماي[ةه]\s+" + _PROTECTED
_SAME_STATUTE = (r"(?:\s+و(?:منع|قمع|زجر)\s+(?:" + _IND_CHAIN + r"\s+){0,2}" + _DEF + r"(?:\s+" + _DEF_ADJ + r"){0,2}|\s+" +
                 _AND_PROTECT + ")?")


# (round 11) after an article, a bill's title may set its second subject off with a comma («... مكافحة الإرهاب، ومنع غسل ...»)
_SAME_STATUTE_COMMA = _SAME_STATUTE.replace(r"(?:\s+و(?:منع", r"(?:\s*[,،]?\s+و(?:منع", 1)


def _fields(spec: str, longest: int = 5, lam: bool = True, same: str = _SAME_STATUTE) -> str:
    """First words of a title: construct nouns need a tail, definite nouns may stand alone; at most
    ``longest`` definite words follow. ``lam``: whether «مكافحة» may take «ل» («قانون لمكافحة الإرهاب»; «نظام
    لمكافحة التحرش» is "a system to combat harassment", a statute wished for, never one cited)."""
    indef = [w for w in spec.split() if w in _INDEF_FIELDS]
    defin = [w for w in spec.split() if w not in _INDEF_FIELDS]
    alts = []
    if indef:
        # «قانون لمكافحة الإرهاب»: «مكافحة» may take «ل» («قانون لحماية ...» is rather "a law to protect")
        alts.append("(?:" + ("لمكافح[ةه]|" if lam else "") + "(?:" + "|".join(indef) + r"))(?![\w])" + _NOT_LAW_AFTER + _tail(2, 1, longest) +
                    same)
    if defin:
        alts.append("ال(?:" + "|".join(defin) + r")(?![\w])" + _tail(0, 0, longest))
    return "(?:" + "|".join(alts) + ")"


# -- «قانون» with a title that does not start with a field word («قانون المالية», «قانون الحرس الوطني»,
# «قانون النفاذ إلى المعلومة», «قانون حيازة الأراضي»). «قانون» + a definite noun is a title unless the
# noun makes it a metaphor, a natural or international law or a country's law in general («قانون الغاب»,
# «قانون البحار», «قانون البلاد»; rule 8). The first word is definite, or a construct noun in ة before a
# definite one; then up to four definite words, each may follow «على/إلى/عن/من» (the preposition of
# a verbal noun: «الضرائب على الخدمات») or «غير» («الكسب غير المشروع»). «نظام» is left out: «نظام
# الحكم» and «نظام الأسد» are regimes and systems far more often than statutes.
_GENERIC_COMPLEMENT = (r"(?:[وف]?(?:ب|ل|ك)?ال|[وف]?لل)(?:دولي|انساني|غاب|طبيع[ةه]|حرب|زمن|بحار|بحر|بلاد|دول[ةه]|هيئ[ةه]|"
                       r"جذب|جاذبي[ةه]|سوق|قو[ةه]|حيا[ةه]|لعب[ةه]|ارض|كون|شارع|عرف|الهي|وضعي|سماء|اقوي|نسبي[ةه]|"
                       r"فيزياء|رياضيات|عرض|طلب|صمت|ميدان|اقوياء|مملك[ةه]|جمهوري[ةه]|امارات|سعودي[ةه]|مغرب|جزائر|"
                       r"عراق|اردن|كويت|بحرين|سودان|يمن|ولايات|احتلال|تونس|مصر|انسان|نفس|دوري|سوبر|"
                       r"واحد|اول|ثاني|ثالث|اخر|اخير|جديد|حالي|سابق|قديم|نافذ|مذكور|ساري|معمول|ذي|ذ[يا]ت|ان|مقترح)"
                       r"[ةه]?(?![\w])")
_GEN_FIRST_DEF = (r"(?=ال)(?!" + _STOP + "|" + _GENERIC_COMPLEMENT +
                  r"|(?:ال)?(?:قانون|قوانين|مرسوم|ظهير|امر|قرار|مجل[ةه]|مدون[ةه]|لائح[ةه]|ماد[ةه]|مواد|فصل|"
                  r"فصول|دستور|مشروع)(?![\w]))" + _NB + "+")
# a verbal noun of the form تفعيل («تنظيم», «تعديل», «تجريم»), which a ت otherwise excludes (a verb: «تنص»)
_TAFIL = r"ت[^\sي\d,،.:؛()«»]{2}ي" + _NB + r"(?![\w])"
# «قانون لحماية ...», «قانون للجرائم ...»: "a law to/for ...", a law wished for, not one cited
# (a second construct noun may follow: «قانون إساءة استخدام الكمبيوتر»; «قانون كرة القدم» is a rule of the game)
# («مشروع قانون قدمته الحكومة», «قانون وقعه الرئيس»: a verb with its object pronoun and its subject, not a title)
_VERB_CLAUSE = (r"(?!" + _NB + r"+(?:ه|ها)\s+ال(?:حكوم[ةه]|رئيس|برلمان|مجلس|نواب|نائب|وزير|وزار[ةه]|ملك|امير|كونغرس|كونجرس)"
                r"(?![\w]))")
# (an إفعال noun, «إنتاج», passes the same guard and is never a definite word: «قانون الغاب» is the law of the jungle)
# («أول قانون فيه قاعدة ...»: a preposition with its pronoun, «فيه», «عليها», is no construct noun in ه)
# (round 12) «لا يوجد في قانون إيران هامش لحماية ...»: a country's law in general (rule 8), though «إيران» has the shape of
# an إفعال noun
_GEN_FIRST_IND = (_VERB_CLAUSE + r"(?!(?:ايران|سوري[اه]|تركيا|روسيا|فرنسا|اسبانيا|ايطاليا|امريكا|اسرائيل)(?![\w]))(?!كر[ةه](?![\w])|(?:في|علي|الي|من|عن|لدي|عند|مع)(?:ه|ها|هم)(?![\w]))(?:(?!" + _STOP + "|" + _HEAD_AHEAD + r")(?:(?![يتنل])" + _NB + r"+[ةه]|(?!ال)ا" +
                  _NB + "{2}ا" + _NB + r")|[تن]" + _NB +
                  r"+ة)(?![\w])(?:\s+" + _IND_CHAIN + r"){0,2}\s+" + _DEF)  # «قانون نقابة الأطباء»: a ت/ن noun in ة («نطالبه» is a verb)
# the construct nouns before a title's first definite word after an article: one, or a noun in ة and up to two more
# («المادة 4 من قانون إساءة استعمال أجهزة الاتصالات الهاتفية»)
_IND_CONSTRUCT = r"(?=" + _NB + r"+[ةه](?![\w]))" + _IND + r"\s+(?:" + _IND_CHAIN + r"\s+){1,2}|" + _IND + r"\s+"
_CONJ = r"و(?![بلك]|ال|" + _NEW_TITLE + ")" + _IND  # «وإساءة استخدام ...»; not «وبتجميد ...» (a new clause)
# a coordinated construct noun may take a second one before its definite word («قانون الاحتيال وإساءة استخدام الكمبيوتر»)
_GEN_TAIL = (r"(?:\s+(?:(?:(?:علي|الي|عن|من)\s+|غير\s+|" + _CONJ + r"\s+(?:" + _IND_CHAIN + r"\s+)?)?" + _DEF_ADJ + "|" +
             _AND_PROTECT + r")){0,4}")
# foreign statutes the press names after a person or an acronym («قانون قيصر», «قانون جاستا»)
_FOREIGN_NAMED = r"(?:قيصر|جاستا|ماغنيتسكي|ماغنتسكي|باتريوت|كاتسا)(?![\w])"
GENERAL_TITLE = r"قانون\s+(?:" + _GEN_FIRST_DEF + "|" + _GEN_FIRST_IND + ")" + _GEN_TAIL + r"|قانون\s+" + _FOREIGN_NAMED
# the object of a title's verbal noun («قانون النفاذ إلى المعلومة», «قانون الضرائب على السلع والخدمات»),
# tried by the finder only after a title the gazetteer does not know («قانون العقوبات على القذف» stops)
# («... بالقضاء على العنف ضد المرأة»: «ضد» goes on only after «العنف», a fixed phrase of statute titles; «قانون مكافحة الإرهاب
# ضد المعارضين» is a use of the law)
PREP_TAIL = re.compile(r"\s+(?:علي|الي|عن)\s+" + _DEF + r"(?:\s+(?:غير\s+|" + _CONJ + r"\s+)?" + _DEF + r"){0,2}" +
                       r"(?:(?<=العنف)\s+ضد\s+" + _DEF + r")?" + E)
# a law or decree named by what it is about: «القانون المتعلق بحرية الاتصال السمعي البصري», «قانون حول
# اللجوء والهجرة», «مرسوما بشأن مكافحة التمييز والكراهية», «قرار بقانون بشأن ...» (the subject is its
# name; a numbered one ends at its number, rule 3, and is matched before this). «قانون خاص بـ...» (indefinite)
# is "a special law on ...", a law wished for. Who tabled a bill may come between («مشروع قانون مقدم من الحكومة
# بشأن ...»), and an organic or federal law says so («القانون الأساسي المتعلق بـ...»).
# the act of an amending law or bill, before the instrument it amends («تعديل القانون 52», «لتنقيح وإتمام القانون عدد 34»)
_AMEND_ACT = (r"(?:تعديل|تنقيح|اتمام|تتميم)(?:\s+و(?:اتمام|تتميم))?\s+(?:ال)?(?:قانون|مرسوم|امر|نظام)"
              r"(?:\s+(?:ال)?(?:اساسي|عضوي))?(?![\w])")
# «الأمر المتعلق بضبط ...» (a Tunisian decree) only with a regulating act after it: «الأمر المتعلق بالتحقيق» is "the matter of";
# «القانون الخاص بالجمعيات», «... بشأن ...» names the law like «المتعلق بـ» (not «الخاص به», «بكل», «بانتهاكات ...»)
_ABOUT_DEF = (r"(?:(?:ال|ل)(?:قانون|مرسوم)(?:\s+ال(?:اساسي|اتحادي|عضوي))?\s+المتعلق|(?:ال|لل)امر\s+المتعلق(?=\s+ب(?:ضبط|تنظيم|"
              r"احداث|تحديد|تنقيح|اتمام|اصدار)(?![\w]))|(?:ال|ل)قانون\s+الخاص(?=\s+ب(?:ال|شان\s)))\s+")
# the same heads, a decree's in a group of its own (:func:`about_title`)
_ABOUT_DEF_DECREE = (r"(?:ال|ل)مرسوم(?:\s+ال(?:اساسي|اتحادي|عضوي))?\s+المتعلق|(?:ال|لل)امر\s+المتعلق(?=\s+ب(?:ضبط|تنظيم|"
                     r"احداث|تحديد|تنقيح|اتمام|اصدار)(?![\w]))")
_ABOUT_DEF_LAW = r"(?:(?:ال|ل)قانون(?:\s+ال(?:اساسي|اتحادي|عضوي))?\s+المتعلق|(?:ال|ل)قانون\s+الخاص(?=\s+ب(?:ال|شان\s)))"
_Q_IN_A = r"[^«»\"“”()\n\d.،,:؛!?؟]"
# (round 12) Tunisia's income tax code, whose name goes on past «على» with an indefinite noun: «مجلة الضريبة على الدخل», «مجلة
# الضريبة على دخل الأشخاص الطبيعيين والضريبة على الشركات»; also as what a law promulgates («القانون المتعلق بإصدار مجلة ...»)
MAJALLA_TAX = r"مجل[ةه]\s+الضريب[ةه]\s+علي\s+(?:الدخل|دخل\s+الاشخاص\s+الطبيعيين(?:\s+والضريب[ةه]\s+علي\s+الشركات)?)(?![\w])"
# («... المتعلق بتنقيح وإتمام القانون عدد 12»: the law amended is the citation, not a subject cut after «بتنقيح»)
# (round 13) nor is an article a bill amends, withdraws or repeals («... المتعلق بإلغاء الفصل 12 من ...»): the article is the citation
_AMEND_ARTICLE = (r"ب?(?:تعديل|تنقيح|اتمام|تتميم|الغاء|سحب)(?:\s+و(?:اتمام|تتميم))?\s+(?:ال)?(?:فصل|فصول|فصلين|ماد[ةه]|مواد|مادتين)"
                  r"(?![\w])")
_ABOUT_CORE = (r"(?!ب?" + _AMEND_ACT + "|" + _AMEND_ARTICLE + r")(?:" + _TAFIL + "|(?!" + _STOP + "|" + _HEAD_AHEAD + r"|[يتن])" + _NB + "+)" +
               r"(?:(?:\s+" + _IND + r"){1,2}(?:\s+(?:غير\s+)?" + _DEF + r"){1,4}|(?:\s+(?:غير\s+)?" + _DEF + r"){0,4})")
# (round 11) the purpose of a regulating decree: «الأمر المتعلق بضبط القواعد الفنية لتجهيز وتهيئة العربات»
# (round 12b: a decree's only; after a law it is the sentence's purpose, «دعت إلى تفعيل القانون المتعلق بمحاربة العنف ضد
# النساء لتعزيز الحماية القانونية»)
_DECREE_PURPOSE = r"(?:\s+ل" + _TAFIL + r"(?:\s+و" + _IND + r")?\s+" + _DEF + r"(?:\s+" + _DEF_ADJ + r"){0,2})?"
# (round 12) «القانون المتعلق بإصدار مجلة الضريبة على الدخل»: the code it promulgates is the subject
_TAX_CODE_ISSUED = r"باصدار\s+" + MAJALLA_TAX
_ABOUT_SUBJECT = r"(?:" + _TAX_CODE_ISSUED + "|" + _ABOUT_CORE + _SAME_STATUTE + ")"


def about_title(g: str) -> str:
    """A law or decree named by what it is about (above); a decree's head in group ``g`` + «dec», whose purpose
    clause (:data:`_DECREE_PURPOSE`) is inside."""
    return (_ABOUT_DEF + r"ب\s*[«\"“]" + _Q_IN_A + r"{2,60}?[»\"”]"  # a quoted subject: «القانون المتعلق بـ"..."»
            r"|(?:(?P<" + g + "dec>" + _ABOUT_DEF_DECREE + r")\s+(?=ب)|" + _ABOUT_DEF_LAW + r"\s+(?=ب)"
            r"|(?:(?:قانون|مرسوما?)(?:\s+بقانون)?"
            r"|قرار\s+بقانون)(?:\s+(?:ال)?مقدم[ةه]?\s+من(?:\s+" + _NB + r"+){1,3}?)?\s+(?:حول|بشان|في\s+شان)\s+)" +
            r"(?:" + _TAX_CODE_ISSUED + "|" + _ABOUT_CORE + r"(?(" + g + "dec)" + _DECREE_PURPOSE + ")" + _SAME_STATUTE + ")")


# a statute of a body or its staff: «النظام الأساسي لأعوان الهيئة», «النظام العام للبيئة» («النظام العام»
# alone is public order)
# (a construct noun may come before the first definite word: «... لموظفي قطاع التربية الوطنية»)
# a parliament's internal regulation: «اللائحة الداخلية لمجلس النواب» (kind decree, like any «لائحة»)
# («النظام العام للبلاد», «... للمجتمع»: public order, round 11)
# (round 12) «القانون الأساسي للعدالة الانتقالية» (Tunisia: an organic law named by its subject; «... للجمعية» is a body's
# statute, dropped by the finder); a coordinated verbal noun with its preposition starts a new clause («... للمجلس والمصادقة على ...»)
# (round 13) Tunisia's general statute of public servants, «النظام الأساسي العام لأعوان الدولة والجماعات المحلية والمؤسسات
# العمومية» (four definite words and an adjective); the body after «ل» a word of two letters or more («النظام الأساسي لـ
# "فيفا"»: «لـ» alone, before a quoted name, is no body)
STATUTE_TITLE = (r"(?:القانون\s+الاساسي|(?:ال)?نظام\s+(?:(?:ال)?(?:اساسي|عام(?!\s+لل(?:بلاد|دول[ةه]|مجتمع)(?![\w])))(?:\s+الجديد|\s+الخاص|(?<=اساسي)\s+العام)?|(?:ال)?داخلي(?=\s+لل?(?:مجلس|مجالس|برلمان)))"
                 r"|(?:ال)?لائح[ةه]\s+(?:ال)?داخلي[ةه](?=\s+لل?(?:مجلس|مجالس|برلمان)))\s+(?=ل)(?!" + _STOP + ")" + _NB + "{2,}" +
                 r"(?:\s+" + _IND_CHAIN + r"(?=\s+" + _DEF + r"))?(?:\s+(?!و" + _NB + r"+\s+(?:علي|الي|عن)(?![\w]))" + _DEF + r"){0,4}"
                 r"(?:\s+(?!و" + _NB + r"+\s+(?:علي|الي|عن)(?![\w]))" + _DEF_ADJ + r")?")
# a title in quotes or brackets: «قانون "حماية المعطيات"», «نظام (المنافسات والمشتريات الحكومية)»
# («نظام» only before a title of two words or more starting with «ال» or a field's verbal noun, «نظام «مكافحة
# التستر»»: «بنظام «أندرويد»» is a system); then
# a complement («قانون "..." لحقوق الإنسان»)
# (round 13) a quoted name may end with its question mark («مشروع قانون "ماذا تملك؟"»)
_Q_IN = r"[^«»\"“”()\n\d.،,:؛!?؟]"
QUOTED_TITLE = (r"(?:(?:قانون|مرسوم|لائح[ةه])\s*[«\"“(]\s*(?=[^\d\s])" + _Q_IN + r"{2,60}?(?:(?<=\S)[?؟])?|نظام\s*[«\"“(]\s*(?:ال|(?:مكافح[ةه]|حماي[ةه]|مزاول[ةه])\s)" + _NB +
                r"+\s" + _Q_IN + r"{1,60}?)\s*[»\"”)](?:\s+ل(?!ل)" + _NB + r"+\s+" + _DEF + ")?")


# codes and laws named by an adjective («القانون المدني», «القانون التجاري», «القانون الانتخابي»): a span after an
# article («المادة 163 من القانون المدني») or with a nationality («القانون المدني المصري»); alone, the press uses
# them for the field of law as often as for the text, so they are left out (instrument null either way)
# (round 12) «المادة الثانية من النظام الضريبي»: a Gulf statute named by its adjective, after an article
ADJ_CODE = r"ال(?:مدني|تجاري|انتخابي|ضريبي)(?![\w])"
# (round 12) with its executive regulation after it («بمتطلبات النظام الضريبي ولائحته التنفيذية») it is the text, not the field
# (the regulation named by the pronoun is no span of its own, rule 5)
ADJ_CODE_WITH_REGULATION = (r"(?:ال|لل)(?:قانون|نظام)\s+" + ADJ_CODE + r"(?=\s*[,،]?\s+و(?:ب|ل)?لائحت(?:ه|ها)\s+التنفيذي[ةه](?![\w]))")
# the country after «دستور» («المادة 71 من دستور مصر», «الفصل 5 من دستور المملكة المغربية», «دستور البلاد»)
_CONSTITUTION_OF = (r"(?:مصر|المغرب|تونس|الجزائر|الاردن|لبنان|العراق|الكويت|البحرين|قطر|ليبيا|سوريا|السودان|موريتانيا|فلسطين|"
                    r"اليمن|الامارات|البلاد|الدول[ةه]|(?:المملك[ةه]|الجمهوري[ةه])(?:\s+(?:ال)?" + _NB + r"+[ةه])?"
                    r"(?:\s+ال" + _NB + r"+[ةه])?)(?![\w])")


# a country's code named with a pronoun: «قانونها الجنائي», «قانون عقوباتها» (rule 8: kind code, instrument null)
POSSESSIVE_CODE = r"قانون(?:ه|ها|هم)\s+ال(?:جنائي|جزائي)|قانون\s+عقوبات(?:ه|ها|هم)"


# election regulations (Gulf press: «لائحة الحملات الانتخابية», «لائحة انتخاب أعضاء المجالس البلدية», «اللائحة العامة
# للانتخابات البلدية»). «لائحة» is far more often a list («لائحة الاتهام», «لائحة المرشحين», «اللائحة الانتخابية», «لائحة
# حزب ...»): only these subjects, never a list's («المرشحين», «الناخبين») or a party's
_ELECTION_ADJ = r"(?:\s+ال(?:بلدي|تشريعي|رئاسي|نيابي|محلي)[ةه](?![\w]))?"
ELECTION_REGULATION = (r"(?:لائح[ةه]\s+(?:الحملات\s+الانتخابي[ةه]|الانتخابات" + _ELECTION_ADJ + r"|الانتخاب(?![\w])|انتخاب\s+(?!" + _STOP + r")"
                       r"(?:اعضاء|رئيس|رؤساء)\s+" + _DEF + r"(?:\s+" + _DEF_ADJ + r"){0,2})"
                       r"|اللائح[ةه]\s+العام[ةه]\s+للانتخابات" + _ELECTION_ADJ + r")")


# a law named as the amendment of another: «قانون التعديل الثالث لقانون الانتخابات» (one span, the amended law inside)
AMENDMENT_TITLE = (r"قانون\s+التعديل(?:\s+(?:" + _ORD_WORDS + r"))?\s+ل(?:" + GENERAL_TITLE + r"|قانون\s+" +
                   _fields(_FIELDS_LAW) + ")")
# a bill named by the number of the law it amends, with no year: «مشروع تعديل القانون 52», «مشروع القانون الأساسي لتنقيح
# وإتمام القانون عدد 34» (one span, rule 12). With its year or date the amended law is an instrument cited on its own and
# the bill words stay outside («مقترح قانون لتنقيح المرسوم عدد 54 لسنة 2022»: the decree is the span, and links); a date
# clause after the number («... عدد 34 المؤرخ في 28 أفريل 2016») stays outside the bill's span
AMEND_BILL = (r"(?:(?:ال)?(?:قانون|مرسوم)(?:\s+(?:ال)?(?:اساسي|عضوي))?\s+)?(?:ل|ب)?(?=" + _AMEND_ACT + r"\s+(?:" + RAQM +
              r"\s+)?[\d(])(?:تعديل|تنقيح|اتمام|تتميم)(?:\s+و(?:اتمام|تتميم))?\s+(?:ال)?(?:قانون|مرسوم|امر)"
              r"(?:\s+(?:ال)?(?:اساسي|عضوي))?(?:\s+" + RAQM + r")?\s+(?P<ban>\d+|\(\s?\d+\s?\))(?![\w]|[-./]\d)"
              r"(?!\s*[,،]?\s*(?:لسن[ةه]|لعام|للعام|سن[ةه])(?![\w]))")


# the Gulf's summer ban on outdoor work at midday, cited by name: «قرار منع العمل تحت أشعة الشمس», «القرار الوزاري
# بمنع العمل وقت الظهيرة» (a decision, kind decree), «نظام منع العمل تحت أشعة الشمس» (a law)
SUN_WORK_BAN = (r"(?:(?:ال)?قرار(?:\s+ال(?:وزاري|حكومي))?\s+(?:ب)?|نظام\s+)منع\s+(?:العمال[ةه]\s+من\s+)?العمل\s+(?:تحت\s+(?:اشع[ةه]\s+)?الشمس|"
                r"(?:في|وقت|خلال)\s+(?:اوقات\s+|وقت\s+|فتر[ةه]\s+)?(?:الظهير[ةه]|الذرو[ةه]))")
# the aliens' law by its subject, whose first word is no field («قانون دخول وإقامة الأجانب», «... وخروجهم»)
ALIENS_TITLE = r"قانون\s+دخول\s+واقام[ةه]\s+الاجانب(?:\s+وخروجهم)?"
# a municipal councils' statute: «النظام الجديد للمجالس البلدية» (not «النظام الجديد للمنشآت»: a scheme)
NEW_COUNCILS_STATUTE = r"(?:ال)?نظام\s+الجديد\s+لل(?:مجالس|مجلس)\s+ال(?:بلدي|محلي|قروي)[ةه]?"


# (round 12) several Gulf statutes under one plural head, each by its field word: «أنظمة القضاء والمرور والأحوال» (one span,
# like a list, rule 4); a plural with one field («أنظمة التقاعد», «قوانين الهجرة») is statutes in general, no span
# (round 13) each field with its relative adjective: «أنظمة الأحوال الشخصية والخدمة المدنية والتأمينات الاجتماعية»
PLURAL_STATUTES = (r"انظم[ةه]\s+ال(?:" + "|".join(w for w in _FIELDS_NIZAM.split() if w not in _INDEF_FIELDS) + r")(?![\w])"
                   r"(?:\s+ال" + _NB + r"+ي[ةه](?![\w]))?(?:\s*[,،]?\s+وال" + _NB + r"+(?:\s+ال" + _NB + r"+ي[ةه](?![\w]))?){2,}")


# a decree named by its act, a verbal noun تفعيل with the article: «مرسوم التجنيس», «مرسوم التكليف» (Lebanon)
NAMED_DECREE = r"مرسوم\s+ال" + _TAFIL


def title_pat(g: str) -> str:
    """An instrument cited by its title only; the head (indefinite) and title in group ``g``."""
    return ("(?P<" + g + ">" + r"[وف]?(?:ب|ل|ك)?(?:" + QUOTED_TITLE + "|" + about_title(g) + "|" + STATUTE_TITLE + r"|قانون\s+" +
            _fields(_FIELDS_LAW) + r"|نظام\s+(?:" + NIZAM_SPECIAL + "|" + _fields(_FIELDS_NIZAM, lam=False) + ")" +
            r"|(?:ال)?" + MAJALLA_TAX + r"|(?:ال)?مجل[ةه]\s+" + _fields(_FIELDS_MAJALLA) + r"|مدون[ةه]\s+" + _fields(_FIELDS_MUDAWWANA) +
            # regulations (kind decree): «اللائحة التنفيذية لنظام ...», «اللائحة التنفيذية لمياه الصرف الصحي» (not
            # «... للنظام», «... لهذا القانون»: the statute of the story), «لائحة الوظائف الصحية»
            r"|(?:ال)?لائح[ةه]\s+التنفيذي[ةه]\s+ل(?:(?:نظام|قانون)\s+(?:" + NIZAM_SPECIAL + "|" + _fields(_FIELDS_NIZAM) + "|" +
            _fields(_FIELDS_LAW) + "|" + _DEF + r"(?:\s+" + _DEF + r"){0,3}"
            # (round 11) a statute whose title is a construct chain: «... لنظام مراقبة شركات التأمين», «... لنظام حجاج الداخل»
            r"|(?!" + _STOP + "|" + _HEAD_AHEAD + r")" + _NB + r"+(?:\s+" + _IND_CHAIN + r"){0,2}\s+" + _DEF + r"(?:\s+" + _DEF_ADJ + r"){0,3})"
            r"|(?!ل?(?:قانون|نظام|قرار|مرسوم)(?![\w])|ه|ذلك|تلك)"
            # («اللائحة التنفيذية لانتخاب أعضاء المجالس البلدية»: a construct chain, round 11)
            + _NB + r"+(?:(?:\s+" + _IND_CHAIN + r"){1,2}(?:\s+" + _DEF + r"){1,3}|(?:\s+" + _DEF + r"){0,3}))|لائح[ةه]\s+(?:" + _fields(_FIELDS_LAIHA, 1) + "|" + _fields("حماي[ةه]", 2) + ")|" +
            ELECTION_REGULATION + "|" + SUN_WORK_BAN + "|" + NEW_COUNCILS_STATUTE + "|" + ALIENS_TITLE + "|" + NAMED_DECREE + "|" + AMENDMENT_TITLE + "|" + DATED_CONSTITUTION + "|" + POSSESSIVE_CODE + "|" + PLURAL_STATUTES + "|" +
            r"(?:ال|ل)?قانون\s+" + ADJ_CODE + r"\s+" + NATIONALITY + "|" + ADJ_CODE_WITH_REGULATION + "|" + GENERAL_TITLE + "))" + E)


# (an instrument named by its year alone, «دستور 2011», «قانون عام 2015», is no span, v3.3: round 11 tried it and the
# written corpus's gold leaves it out)


# nationality adjectives after a name, with their country (``XX``: a country the gazetteer does not cover;
# «العسكري»: the military code of a country, which the gazetteer does not hold either)
NATIONALITIES = {
    "المغربي": "MA", "المصري": "EG", "السعودي": "SA", "الاماراتي": "AE", "الجزائري": "DZ", "التونسي": "TN",
    "الاردني": "JO", "الكويتي": "KW", "القطري": "QA", "البحريني": "BH", "العماني": "OM", "العراقي": "IQ",
    "اللبناني": "LB", "الفلسطيني": "PS", "الليبي": "LY", "السوداني": "SD", "الموريتاني": "MR", "السوري": "SY",
    "الاتحادي": "AE", "اليمني": "XX", "الايراني": "XX", "التركي": "XX", "الامريكي": "XX", "الاميركي": "XX",
    "الفرنسي": "XX", "البريطاني": "XX", "الالماني": "XX", "الاسرائيلي": "XX", "الروسي": "XX", "الصيني": "XX",
    "الهندي": "XX", "الباكستاني": "XX", "الايطالي": "XX", "الاسباني": "XX", "النمساوي": "XX", "الاوروبي": "XX",
    "العسكري": "XX", "الاسلامي": "XX",
    "الياباني": "XX", "الكوري": "XX", "الكندي": "XX", "الاسترالي": "XX", "الهولندي": "XX", "البلجيكي": "XX",
    "السويسري": "XX", "السويدي": "XX", "النرويجي": "XX", "الدنماركي": "XX", "اليوناني": "XX", "البرتغالي": "XX",
    "البرازيلي": "XX", "الارجنتيني": "XX", "المكسيكي": "XX", "الافغاني": "XX", "الاثيوبي": "XX", "النيجيري": "XX",
    "الاوكراني": "XX", "الماليزي": "XX", "الاندونيسي": "XX", "الصومالي": "XX", "الكيني": "XX", "السنغالي": "XX",
}
NATIONALITY = "(?:" + "|".join(sorted(NATIONALITIES, key=len, reverse=True)) + r")[ةه]?(?![\w])"

# a constitution with its country and year: «الدستور التونسي لسنة 2014», «دستور المغرب لعام 2011» (a constitution cited by
# name, v3; a bare «الدستور» is not a span, rule 15, and the real-press gold leaves «الدستور المصري» alone out too)
# (round 13) the year may follow the country with no «لسنة»: «دستور تونس 2014»
DATED_CONSTITUTION = (r"(?:ال)?دستور\s+(?:" + NATIONALITY + "|" + _CONSTITUTION_OF + r")\s+(?:(?:لسن[ةه]|لعام|عام|سن[ةه])\s*)?"
                      r"(?:19|20)\d\d(?![\w])")

# the councils, professional bodies and chambers a «نظام» governs: by their kind only («نظام الغرف الذكية» is a hotel's)
_BODY_ADJ = r"(?:البلدي|المحلي|المهني|التجاري|الصناعي|الزراعي|القروي|الجهوي|الاقليمي)[ةه](?![\w])"
# Gulf statutes whose subject a plain field word would cut or overreach: «نظام العقوبات البديلة» («البديلة» ends
# other titles), «نظام الحماية من الإيذاء» (not «من الحرائق»), «نظام الجرائم الملعوماتية» (a misspelt name), «نظام
# العمل» (the labour law; not «نظام العمل عن بعد» or «نظام العمل المرن»: another definite word makes it a work
# arrangement); the service statutes of officers, soldiers and pilgrims («نظام خدمة الضباط», «نظام خدمة حجاج الداخل»; not
# «نظام خدمة العملاء», a help desk)
# (round 12) the pension statutes of a body of staff («نظام تقاعد العسكريين»), and a council's statute with the noun left
# indefinite («نظام مجالس البلدية الجديد»)
NIZAM_SPECIAL = (r"(?:العقوبات\s+البديل[ةه]|السوق\s+المالي[ةه]|(?:وظائف\s+)?مباشر[ةه]\s+" + _DEF + r"(?:\s+" + _DEF_ADJ +
                 r")?|(?:ال)?(?:مجالس|هيئات|غرف)\s+" + _BODY_ADJ + r"(?:\s+و?" + _BODY_ADJ + r")?(?:\s+الجديد[ةه]?)?|الضمان\s+الاجتماعي|الحماي[ةه]\s+من" + _NOT_LAW_AFTER + r"(?:\s+" + _DEF +
                 r"){1,2}|الجرائم(?:\s+" + _DEF + r"){1,2}|خدم[ةه]\s+(?:ال(?:ضباط|افراد|عسكريين)|حجاج\s+ال(?:داخل|خارج))|تقاعد\s+ال(?:عسكريين|مدنيين|موظفين|ضباط)|العمل(?:\s+" + NATIONALITY + r")?(?!\s+عن\s+بعد|\s+(?!" + _STOP +
                 r")[وفبلك]{0,2}ال))(?![\w])")

# «نظامي الإجراءات الجزائية ومكافحة الجرائم المعلوماتية»: two titles under one dual head
# decrees and orders with no number, named by their issuer: a citation when their subject or date follows
# («الأمر السامي الصادر بشأن ...», «بمرسوم ملكي عام 1427هـ», «لقرار مجلس الوزراء في 27 أوت 2014»); the clause
# stays outside (rule 6). Without it («صدر أمر ملكي بتعيين ...», «بعد صدور الأمر السامي بذلك») it is an act
# reported, not an instrument cited.
UNNUMBERED_DECREE = (P + r"(?:(?:امر|مرسوم|قرار)\s+(?:ال)?(?:سامي|ملكي|اميري|سلطاني|رئاسي)|قرار\s+(?:مجلس\s+الوزراء|"
                     r"النائب\s+العام))" + E + r"(?=\s+(?:الصادر[ةه]?\s+)?(?:بشان|في\s+شان|بتاريخ|المؤرخ|(?:عام|لعام|سن[ةه]|"
                     r"لسن[ةه])\s+\d{4}|في\s+\d{1,2}\s+\S+\s+\d{4}|في\s+\d{4}|في\s+(?:شهر\s+)?[^\s\d,،.]+\s+\d{4}(?!\d)))")
# a bill named by its subject with no «قانون» («مشروع مكافحة التحرش»)
BILL_FIELDS = r"(?:مكافح[ةه]|مناهض[ةه]|تجريم)(?![\w])" + _NOT_LAW_AFTER + _tail(2, 1, 5)
DUAL_HEAD = r"[وف]?(?:ب|ل|ك)?(?P<dualhead>نظامي|قانوني|مجلتي|مدونتي)"
# (round 12) one field with two adjectives: «نظامي التقاعد المدني والعسكري» (two statutes, one span like a list, rule 4); the
# field is a statute's («نظامي الحكم الملكي والجمهوري» are regimes)
_FIELD_DEF = ("ال(?:" + "|".join(sorted(set(_FIELDS_LAW.split() + _FIELDS_NIZAM.split()) - _INDEF_FIELDS, key=len, reverse=True)) +
              r")(?![\w])")
_NISBA = r"ال" + _NB + r"+ي(?![\w])"  # a relative adjective («المدني», «العسكري»)
DUAL_ADJ = r"\s+" + _FIELD_DEF + r"\s+" + _NISBA + r"\s+و" + _NISBA
# two numbered instruments under one dual head: «المرسومين 115 و116 لسنة 2011», «القانونين 09.08 و07.03» (rule 4)
NUMBERED_DUAL = (r"(?P<ndual>" + P + r"(?P<ndhead>قانون|مرسوم|امر|قرار)(?:ين|ان)(?:\s+" + RAQM + r")?\s+(?P<nd1>" +
                 INST_NUMBER + r")\s*(?:,|،)?\s*و\s*(?:" + RAQM + r"\s+)?(?P<nd2>" + INST_NUMBER + r")" + E +
                 year_pat("ndy") + ")")
BILL = r"[وف]?(?:ب|ل|ك)?(?:ال)?(?:مشروعا?|مشاريع|مقترحا?|اقتراحا?|مسود[ةه])\s+"
# a bill named by a phrase: «مشروع قانون تحت مسمى ...», «مقترح قانون بعنوان "..."»; an unquoted name runs to the
# end of its clause (at most eight words)
BILL_NAMED = (r"(?:قانون|نظام)\s+(?:تحت\s+مسمي|بعنوان|باسم|يحمل\s+اسم)\s+(?:[«\"“]" + _Q_IN + r"{2,80}?[»\"”]|"
              + _NB + r"+(?:\s+" + _NB + r"+){0,7}?(?=\s*(?:[,،.:؛!?؟\n)»\"”]|\Z)))")


@lru_cache(maxsize=1)
def alias_table() -> tuple[str, dict[str, list[str]]]:
    """(regex alternation of instrument names, normalized alias -> instrument ids).

    A name that ends with its country's nationality («قانون الطفل المصري») also gives the name without it
    («قانون الطفل»), unless that is another name already (:func:`national_aliases` lists these; the resolver
    links them only in a story set in that country)."""
    gaz = load_gazetteer()
    aliases = {}
    for key, ids in gaz.by_alias.items():
        if re.search(r"\d|\(|\)", key) or len(key.split()) > 8 or len(key) < 3:
            continue
        aliases[key] = ids
    for key, ids in list(aliases.items()):
        base = national_base(key, {gaz[i].country for i in ids})
        if base and base not in aliases and base not in gaz.by_alias:
            aliases[base] = list(ids)
            _NATIONAL.add(base)
    return _alias_trie_pattern(aliases), aliases


_NATIONAL: set[str] = set()


def national_base(name: str, countries: set[str]) -> str | None:
    """«قانون الطفل المصري» → «قانون الطفل» (a name of two words or more ending with its instruments' one
    nationality adjective); else None."""
    words = name.split()
    if len(words) < 3:
        return None
    last = words[-1][:-1] if words[-1][-1:] in "ةه" else words[-1]
    if len(countries) == 1 and NATIONALITIES.get(last) in countries and last != "الاتحادي":
        return " ".join(words[:-1])
    return None


@lru_cache(maxsize=1)
def national_aliases() -> frozenset[str]:
    """The names :func:`alias_table` derived by leaving a nationality out."""
    alias_table()
    return frozenset(_NATIONAL)


def _esc(word: str) -> str:
    """A name's word as a pattern; a final ة may be written ه («المعلوماتيه»)."""
    return re.escape(word[:-1]) + "[ةه]" if word.endswith("ة") else re.escape(word)


def _first_word_pattern(first: str) -> str:
    """The first word of a name with the proclitics the press attaches to it."""
    if first.startswith("ال"):
        return r"(?:[وف]?(?:ب|ك)?" + _esc(first) + r"|[وف]?لل" + _esc(first[2:]) + ")"
    return P + _esc(first)


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
        alts = [r"\s+" + _esc(k) + body(node[k]) for k in kids] + ([""] if "" in node else [])
        return "(?:" + "|".join(alts) + ")" if alts != [""] else ""

    firsts = sorted(trie, key=lambda f: -longest(trie[f]))
    return "(?:" + "|".join(_first_word_pattern(f) + body(trie[f]) for f in firsts) + ")"


MONTHS = {
    "يناير": 1, "جانفي": 1, "كانون الثاني": 1, "فبراير": 2, "فيفري": 2, "شباط": 2, "مارس": 3, "اذار": 3, "ابريل": 4,
    "افريل": 4, "نيسان": 4, "ماي": 5, "مايو": 5, "ايار": 5, "يونيو": 6, "يونيه": 6, "جوان": 6, "حزيران": 6, "يوليو": 7,
    "يوليوز": 7, "جويليه": 7, "جويلية": 7, "تموز": 7, "اغسطس": 8, "غشت": 8, "اوت": 8, "اب": 8, "سبتمبر": 9, "شتنبر": 9,
    "ايلول": 9, "اكتوبر": 10, "تشرين الاول": 10, "نوفمبر": 11, "نونبر": 11, "تشرين الثاني": 11, "ديسمبر": 12,
    "دجنبر": 12, "كانون الاول": 12,
}


def dated_pat(p: str) -> str:
    """An instrument named by its date, the date inside (it is the name): «ظهير 15 نونبر 1958», «قانون 29 يوليوز
    1881»; groups ``p``dd, ``p``dm, ``p``dy. (A date clause after a number, «... المؤرخ في 5 غشت 2009», stays out.)"""
    months = "|".join(re.escape(m).replace(r"\ ", r"\s+") for m in sorted(MONTHS, key=len, reverse=True))
    # («الأمر المؤرخ في 26 جانفي 1978», «القانون المؤرخ في ...»: a Tunisian instrument with no number, named by its date)
    return (r"(?P<" + p + "dated>" + P + r"(?:ظهير(?:\s+(?:ال)?شريف)?|قانون|مرسوم|امر(?=\s+المؤرخ))(?:\s+المؤرخ\s+في)?\s+(?P<" + p +
            r"dd>\d{1,2}|فاتح)"
            r"\s+(?P<" + p + "dm>" + months + r")\s+(?P<" + p + r"dy>\d{4})" + E + ")")


_NOT_COUNTED = (r"(?!\s*(?:%|٪|مليون|مليار|الف|الاف|درهم|دينار|ريال|جنيه|دولار|اورو|يورو|موظف|عامل|شخص|مواطن|مستفيد|"
                r"منصب|وظيف[ةه]|اسر[ةه]|طالب|تلميذ)(?![\w]))")


def instrument_pat(p: str) -> str:
    """An instrument (numbered, named, by number and title, by title, an unnumbered decree); groups prefixed ``p``."""
    named, _ = alias_table()
    named_tail = (r"(?:\s+" + RAQM + r"\s+(?P<" + p + "nn>" + INST_NUMBER + r")" + E + year_pat(p + "ny") +
                  r"|\s+(?:لسن[ةه]|لعام)\s+(?P<" + p + r"ny2>\d{4})(?:\s?[هم])?" + E + ")?")
    # an unknown law named by title and number; title words may not start a new clause (و...) or
    # another instrument, so «القانون الجنائي وبمقتضيات القانون رقم 07.03» is not one title
    # (round 11: «للقانون» too: «القرار نصا تطبيقيا للقانون عدد 36» cites the law, not a decision «... عدد 36»)
    # (round 13: «وزير» and «وزارة» start with و but open no clause: «قرار وزير الشؤون البلدية رقم (4120)»)
    word = (r"\s+(?!(?!وزير|وزار[ةه])[وف]|(?:ال)?(?:رقم|عدد|من|في|الذي|التي|المتعلق)(?![\w])|(?:[بلك]?(?:ال)?|لل)(?:قانون|مرسوم|ظهير|نظام|امر|قرار)(?![\w]))"
            r"[^\s\d,،.:؛()]+")
    # «قرار الدكتور فلان، وزير الصحة، رقم 45 لسنة 2020»: the issuer's name and office between commas (round 10; only
    # with a number and a year, so that a clause between commas is not taken for them)
    generic = (P + r"(?:(?:قانون|نظام|مرسوم|قرار)(?:" + word + r"){1,7}?|قرار(?:" + word + r"){1,4}?\s*[,،](?:\s+(?!(?:ال)?(?:رقم|عدد)(?![\w]))[^\s\d,،.:؛()]+"
               r"){1,6}?\s*[,،](?=\s+(?:رقم|عدد)\s+\d+\s+(?:لسن[ةه]|لعام)\s))\s+" + RAQM + r"\s+(?P<" + p + "gn>" + INST_NUMBER + r")" + E + year_pat(p + "gy"))
    return (r"(?:" + dated_pat(p) + "|(?P<" + p + "num>" + numbered_pat(p + "n") + year_pat(p + "y") + r")"
            r"|(?P<" + p + "named>" + named + E + r"(?:\s+(?P<" + p + "nat>" + NATIONALITY + r"))?" + named_tail + r")"
            r"|(?P<" + p + "gen>" + generic + r")|" + title_pat(p + "title") +
            # «نظام السوق المالية السعودي»: the nationality after a title, inside (round 10); not after a title in quotes
            # or brackets, which closes it («نظام (المنافسات والمشتريات) السعودي»: the real-press gold leaves it out)
            r"(?:(?<![»\"”)])\s+" + NATIONALITY + r")?" +
            # its number or year, inside (rule 3): «قانون المالية لسنة 2017», «قانون المالية 2017»
            r"(?:\s+" + RAQM + r"\s+(?P<" + p + "tn>" + INST_NUMBER + r")" + E + year_pat(p + "tny") +
            # («قانون المالية ل2017»: the year glued to «ل», not an amount: «... ل2000 موظف»)
            r"|\s+(?:لسن[ةه]|لعام|للعام|(?<=دستور\s)(?:عام|سن[ةه])|ل(?=(?:19|20)\d\d(?!\d)" + _NOT_COUNTED + r"))\s*(?P<" + p + r"ty>\d{4})(?:\s?[هم])?" + E + r"|\s+(?P<" + p + r"ty2>(?:19|20)\d\d)" + E +
            # a Moroccan number after the title: «قانون التربية البدنية والرياضة 30-09» (not a date or an amount)
            r"|\s+(?P<" + p + r"tn2>\d{1,3}[-.]\d{2})" + E + r"(?![-./]\d|\s*(?:%|٪|مليون|مليار|الف|درهم|دينار|ريال|جنيه|دولار)(?![\w]))" +
            ")?|(?P<" + p + "dec>" + UNNUMBERED_DECREE + "))")


@lru_cache(maxsize=1)
def elided_regex() -> re.Pattern[str]:
    """A second article of another instrument with its head word left out, after an article span:
    «المادة الخامسة من نظام ... والسادسة من نظام ...» (the groups of the article branch)."""
    # (round 10: numbers too, «الفصل 50 من المجلة الجزائية، و12 من مجلة الاتصالات»)
    return re.compile(r"\s*[,،]?\s+(?P<art>و)(?P<artlist>" + _ORD + "|" + ART_LIST + r")\s+(?:من|في)\s+(?:" + instrument_pat("a") + ")" + E)


@lru_cache(maxsize=1)
def finder_regex() -> re.Pattern[str]:
    instrument = instrument_pat
    dual = (r"(?P<dual>" + DUAL_HEAD + r"(?:\s+(?P<dual1>" + _fields(_FIELDS_LAW) + r")\s+و(?P<dual2>" + _fields(_FIELDS_LAW) +
            ")|" + DUAL_ADJ + "))" + E)
    # «مشروع قانون ضد العنف الجنسي»: a bill against its subject («قانون ضد ...» alone is a law wished for)
    bill = (r"(?P<bill>" + BILL + r")(?:(?P<bamend>" + AMEND_BILL + r")|(?P<bagainst>(?:ال)?قانون\s+ضد\s+" + _ABOUT_SUBJECT +
            r")|(?P<bcalled>" + BILL_NAMED + ")|" + instrument("b") + "|(?P<bfield>" + BILL_FIELDS +
            "))")
    article = (W + r"(?P<art>(?P<para>" + PARA + r")?(?:" + ART_HEAD + r"|(?P<poss>[وف]?(?:ب|ل)?(?:مادت(?:ه|ها)|مادتي(?:ه|ها)|"
               r"فصل(?:ه|ها)|فصلي(?:ه|ها)|مواد(?:ه|ها)|فصول(?:ه|ها)))|و?ف(?:\s?\.)?(?=\s?\d)))(?:\s+|(?<=\.)|(?<=[ةهنلدم])(?=\d))"
               # (round 12) «الفصلين11 و58»: the number glued to the article word (not to «ف», "so")
               # (round 12) «تضاف مادة جديدة برقم 20 مكرر لقانون ...»: an article an amendment inserts, with its number
               r"(?:(?:(?:ال)?جديد[ةه]\s+(?:ب|تحت\s+)?)?(?:رقم|عدد)(?:\s?:)?\s+)?"
               r"(?:(?P<artlist>(?:من\s+)?" + ART_LIST + r")|(?P<aprev>" + ART_ANAPHOR + "))(?:" + E + r"|(?<=[\d)])(?=[ء-ي]))" +  # «622-1التي», «(20)على»
               # «الفصل 447-1 وما يليه», «المواد 5 وما بعدها»: the articles that follow, inside (only the cited are listed)
               # (round 11) «الفصول ال16 الأولى من المشروع»: the first sixteen articles (the finder lists them)
               # (round 12b: definite only; «الفصل 447-2 أولى بالتطبيق» is "more applicable")
               r"(?P<afirst>(?<=\d)\s+الاولي" + E + ")?"
               r"(?:\s+وما\s+(?:يلي|بعد)(?:ه|ها)" + E + ")?" +
               # a paragraph after the number, inside (rule 13): «المادة 6 فقرة 2 من ...», «المادة (3) البند (ب)»
               r"(?:(?:\s*[,،]?\s+|\s?/\s?)(?:ال)?(?:فقر[ةه]|بند)\s+" + _PARA_NUM + E + r")?"  # round 11: «المادة 3/ فقرة 7»
               # (round 11) «الفصل 82 الجديد» (the article as amended, inside like a law's «الجديد»), «بالفصل الثاني أعلاه»
               # (the article of the text quoted, cited above it)
               # (round 12b) not «المذكور أعلاه» («الفصل 447-2 المذكور»: the anaphor stays outside, as in the written gold), nor
               # a «الجديد» that is said of the article («الفصل 538 الجديد نسبيا في صياغته»)
               r"(?P<aafter>\s+(?:الجديد[ةه]?(?!\s+(?:نسبيا|كليا|جزئيا|تماما|جدا)(?![\w]))|اعلاه)" + E + r")?"
               # (round 12) «المادة الرابعة من الفصل الثاني (من نظام ...)»: the chapter of a Gulf statute the article stands in,
               # by its ordinal, inside like a paragraph (rule 13); a Tunisian «الفصل 28 من الباب الرابع» keeps its part outside,
               # as the real-press gold has it; (round 13) a Saudi statute's promulgation articles, «المادة الثالثة من مواد الإصدار»
               r"(?:\s+من\s+(?:ال)?فصل\s+" + _ORD + r"|\s+من\s+مواد\s+(?:ال)?اصدار(?![\w]))?"
               # (round 11) «الفصل 24 المتعلق بالاستثناءات، من مشروع قانون ...»: what the article is about, between it and its
               # instrument (inside; only with the instrument after it)
               r"(?P<adesc>\s+(?:ال)?(?:متعلق|خاص)[ةه]?\s+ب" + _NB + r"+(?:\s+(?!" + _STOP + ")" + _NB + r"+){0,2}\s*[,،]?(?=\s+(?:من|في)\s))?"
               r"(?:\s+(?P<minh>منه|منها)" + E +
               # «بالمادة 3 المعدلة من قانون ...»: the amended article, with its instrument
               # «المادة 522 بقانون العقوبات», «المادة 3 للقانون رقم 5»: the preposition attached to the instrument (not
               # «ب» + a number: «عدلت المادة 5 بالقانون رقم 10» is the amending law, rule 9)
               # (round 11) «"المادة 980" من القانون المدني»: the quote that opened before the article word closes after its number
               r"|(?:\s+المعدل[ةه]?)?[»\"”″]?\s+(?:(?:من|في|ب)\s+|(?=ل|ب(?!(?:ال)?(?:قانون|مرسوم|امر|قرار|ظهير)\s+(?:رقم|عدد|\d))))"
               r"(?:(?P<ashort>" + SHORT + r")|" + instrument("a") +
               # «من النظام», «من اللائحة التنفيذية» (the statute of the story), «من القانون اللبناني»
               r"|(?P<abare>ال(?:نظام|قانون)(?!\s+الاساسي|\s+الخاص\s+ب|\s+" + ADJ_CODE + r")(?:\s+(?P<abnat>" + NATIONALITY + r")|\s+الداخلي(?![\w]))?"
               r"|اللائح[ةه]\s+التنفيذي[ةه](?:\s+لل(?:نظام|قانون)(?![\w])(?!\s+ال(?:اساسي|داخلي|عام|خاص)))?)" + E +
               # «من الدستور», «من المجلة العسكرية»: named, not in the gazetteer
               # («من لائحته التنفيذية»: the regulation of the statute named before, not the statute)
               # «من القانون الأساسي الفلسطيني» (a constitution), «من تنظيم اللجنة» (a Saudi body's statute), «من
               # قانون آداب الاتصالات» (after an article, «قانون» + any construct noun + a definite word is a title)
               # (round 13) «من الدستور التونسي الجديد», «من الدستور الجديد»: «الجديد» after its name, inside (rule 15)
               r"|(?P<aunk>(?:ال)?دستور(?:\s+" + NATIONALITY + r"|\s+(?:(?:لعام|عام|سن[ةه])\s+)?(?:19|20)\d\d|\s+" + _CONSTITUTION_OF +
               r")?(?:\s+الجديد(?![\w]))?|ال(?:قانون|نظام)\s+" + ADJ_CODE + r"(?:\s+" + NATIONALITY + r")?|المجل[ةه]\s+ال" + _NB + r"+ي[ةه]|لائحت(?:ه|ها)\s+"
               r"التنفيذي[ةه]|(?:مشروع|مقترح|مسود[ةه])\s+(?:قانون\s+" + _fields(_FIELDS_LAW, same=_SAME_STATUTE_COMMA) + r"|نظام\s+" +
               _fields(_FIELDS_NIZAM, lam=False, same=_SAME_STATUTE_COMMA) + r"|قانون\s+الحق\s+في\s+" + _DEF + r"(?:\s+(?:الي|علي)\s+" + _DEF +
               r")?)(?:\s+(?:لسن[ةه]|لعام)\s*\d{4}(?![\w]))?|(?:مشروع|مقترح|مسود[ةه])\s+(?:ال)?(?:قانون|نظام)(?:\s+(?!" + _GENERIC_COMPLEMENT + ")" + _DEF + r"(?:\s+" + _DEF_ADJ +
               r"){0,3}(?:\s+(?:لسن[ةه]|لعام)\s*\d{4}(?![\w]))?|\s+المذكور[ةه]?(?=[\s\W]|\Z))?|ال(?:امر|مرسوم)\s+ال(?:ملكي|سامي|اميري|سلطاني|رئاسي|حكومي|تشريعي)|القانون\s+الاساسي(?:\s+" + NATIONALITY + r")?|(?:قانون\s+(?!" + _GENERIC_COMPLEMENT + r")|(?:تنظيم|نظام)\s+)(?:" + _IND_CONSTRUCT + r")?" + _DEF +
               r"(?:\s+" + _DEF_ADJ + r"){0,3}(?:\s+" + NATIONALITY + r")?"
               # «من لائحة الحقوق والمزايا المالية», «من لائحة انتخاب أعضاء المجالس»: after an article, a regulation
               # «من القانون الخاص بحماية ...»: after an article, «الخاص بـ» names the law like «المتعلق بـ»
               r"|القانون\s+الخاص\s+(?=ب)" + _ABOUT_SUBJECT +
               r"|لائح[ةه]\s+(?!(?:ال)?(?:انضباط|منشطات|احتراف)(?![\w]))(?:" + _IND_CHAIN + r"\s+){0,2}" + _DEF + r"(?:\s+" + _DEF_ADJ + r"){0,3}"
               # «من قواعد التسجيل والإدراج»: after an article, a regulator's rules (not a game's or a federation's, rule 15)
               r"|قواعد\s+(?!ال(?:لعب[ةه]|انضباط|منشطات|اشتباك|لغ[ةه]|نحو)(?![\w]))(?:" + _IND_CHAIN + r"\s+)?" + _DEF + r"(?:\s+" + _DEF_ADJ + r"){0,3})" + E +
               # «من القرار», «من الأمر الحكومي», «من اللائحة», «المادة 8 للمرسوم»: the decree or regulation of the story (rule 5)
               r"|(?P<aana>(?:ال|لل(?=قرار|مرسوم))(?:قرار|امر|مرسوم)(?:\s+" + DECREE_ADJ + r")?|اللائح[ةه](?:\s+ال(?:داخلي|تنظيمي)[ةه])?"
               # (round 11) «من المشروع», «من مشروع القانون» (the bill of the story, rule 5)
               r"|المشروع(?:\s+ال(?:جديد|اساسي))?|مشروع\s+ال(?:قانون|نظام)(?:\s+ال(?:جديد|اساسي))?)" + E + ")"
               # abbreviations: «ق.ج» (Morocco), «ق.ع» (a penal code), «م.ج» (Tunisia), «302 و306 عقوبات»; «ق.ع.ج» (Algeria's
    # penal code), «ق.إ.ج» / «ق.م.ج» (codes of criminal procedure), «ق.ل.ع» (Morocco's code of obligations and contracts)
               # «المادة 47 إجراءات» (Sudan: the code of criminal procedure), only at the end of its clause: «تحدد المادة 12
               # إجراءات الطعن» is the article's object
               r"|\s+(?:من\s+)?(?P<aabbr>ق\.?\s?[ام]\.?\s?ج|ق\.?\s?ل\.?\s?ع|ق\.?\s?ع\.?\s?[جعل]|ق\.?\s?[جع]|م\.?\s?ج|عقوبات|ارهاب"
               r"|اجراءات(?:\s+(?:جنائي|جزائي)[ةه])?(?=\s*(?:[,،.؛:)\n]|\Z)|\s+و(?!ال)))" + E + r")?" +
               # a paragraph after the instrument, inside (rule 13): «المادة 92 من قانون العقوبات الأردني الفقرة (أ)» (not the
               # paragraph chain of the next article: «...، الفقرة الثانية من المادة 7»; round 13: after «في», «المادة السادسة
               # من النظام في الفقرة الثالثة»)
               r"(?:\s*[,،]?\s+(?:في\s+)?(?:ال)?فقر[ةه]\s+" + _PARA_NUM + E + r"(?!\s*(?:من|في)(?![\w])))?")
    standalone = (W + r"(?:(?P<short>" + SHORT + r")|" + dual + "|" + NUMBERED_DUAL + "|" + bill + "|" + instrument("i") +
                  r")")
    # a standalone short form is only used as context, never reported (guidelines rule 5)
    return re.compile(article + "|" + standalone)


# head words a reference can begin with, and the endings the finder regex allows right after
# them inside the same word («ماد» + «ة»/«تين», «فصل» + «ين»); a name's first word allows none
ANCHOR_HEADS = {"فصل": ("", "ين", "ان", "ه", "ها", "يه", "يها"), "فصول": ("", "ه", "ها"),
                "ماد": ("ة", "ه", "تين", "تان", "ته", "تها", "تيه", "تيها"), "لائح": ("ة", "ه"), "مواد": ("", "ه", "ها"),
                "فقر": ("ة", "ه", "تين", "تان", "ات"), "بند": ("", "ين", "ان"), "بنود": ("",), "قسم": ("",),
                "قانون": ("", "ي", "ه", "ها", "هم", "ين", "ان"), "مرسوم": ("", "ا", "ين", "ان"), "ظهير": ("",),
                "امر": ("", "ا", "ين", "ان"), "قرار": ("", "ا", "ين", "ان"), "منشور": ("",), "نظام": ("", "ي"), "مجل": ("ة", "ه", "تي"),
                "مجموع": ("ة", "ه"), "مدون": ("ة", "ه", "تي"), "دستور": ("",), "مشروع": ("", "ا"), "مشاريع": ("",), "مقترح": ("", "ا"),
                "اقتراح": ("", "ا"), "مسود": ("ة", "ه"), "انظم": ("ة", "ه")}
STEM_PREFIX = re.compile(r"[وفبلك]{0,2}(?:ال|ل)?")  # what may precede an anchor stem inside its word
ABBR_PREFIX = re.compile(r"[وفبلك]{0,2}")
# abbreviations («ق.ج», «ق ع») with their separators, so that «ق» alone (or «وقع») fires nothing
ABBREVIATIONS = tuple("ق" + mid + end for mid in (".", " ", ". ", ".\t", "\t", ".\n", "\n") for end in "جع")
# «ف 538», «ف.538»: the short «الفصل»; a digit must follow (checked by the finder regex)
ARTICLE_ABBREVIATIONS = tuple("ف" + sep + d for sep in (" ", ".", ". ", " .") for d in "0123456789")


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
    stems.update({f[:-1] + "ه": ("",) for f in list(stems) if f.endswith("ة")})
    for head, endings in ANCHOR_HEADS.items():
        stems[head] = tuple(sorted(set(stems.get(head, ())) | set(endings)))
    return dict(sorted(stems.items()))


# words of which every alternative of find._OUTSIDE_NATIONAL_LAW and find._OUTSIDE_WEAK holds one
# (tests/test_legal_internals.py checks it): the scan notes whether any occurs, and a text with none has no cue
# of a story outside national law, so those patterns are searched only in texts with one
OUTSIDE_WORDS = ("فيفا", "FIFA", "UEFA", "لكر", "الانضباط", "الاطلسي", "الناتو", "معاهد", "الدولي", "ميثاق", "العالمي",
                 "الاولمبي", "الجامعي", "المحترف", "المنشطات", "المتحد", "احتراف")


@lru_cache(maxsize=1)
def scan_automaton():
    """One Aho-Corasick automaton for the finder's single pass over a text: the anchor stems and
    abbreviations (candidate starts; the full regex runs only there, which is what makes the
    finder fast), the resolver's country cues and :data:`OUTSIDE_WORDS`. Values: ``(anchor, cue,
    outside)``, anchor and cue may be None; anchor = (stem length, allowed endings, is an
    abbreviation); outside: whether the key is one of :data:`OUTSIDE_WORDS`."""
    import ahocorasick

    from .resolve import cue_keys

    values: dict[str, list] = {}
    for stem, endings in anchor_stems().items():
        values.setdefault(stem, [None, None, False])[0] = (len(stem), frozenset(endings), False)
    for abbr in ABBREVIATIONS:
        values.setdefault(abbr, [None, None, False])[0] = (len(abbr), frozenset([""]), True)
    for abbr in ARTICLE_ABBREVIATIONS:  # ends with the number's first digit: what follows is not checked here
        values.setdefault(abbr, [None, None, False])[0] = (len(abbr), None, True)
    for key, cue in cue_keys():
        values.setdefault(key, [None, None, False])[1] = cue
    for word in OUTSIDE_WORDS:
        values.setdefault(word, [None, None, False])[2] = True
    auto = ahocorasick.Automaton()
    for key, (anchor, cue, outside) in values.items():
        auto.add_word(key, (anchor, cue, outside))
    auto.make_automaton()
    return auto


@lru_cache(maxsize=1)
def alias_automaton():
    """Aho-Corasick automaton over the gazetteer names: value (-length, table order, name)."""
    import ahocorasick

    _, aliases = alias_table()
    auto = ahocorasick.Automaton()
    for k, alias in enumerate(aliases):  # keyed with ة as ه: the finder looks names up the same way
        key = alias.replace("ة", "ه")
        if not auto.exists(key):
            auto.add_word(key, (-len(alias), k, alias))
    auto.make_automaton()
    return auto


ARTICLE_NUM = re.compile(NUM)
_NUM_PARA_RX = re.compile(NUM_PARA)
_ORDINAL_RANGE = re.compile(r"^من\s+\(?(ال\D+?)\)?\s*(?:الي|حتي)\s*\(?(ال\D+?)\)?$")
RANGE = re.compile(r"^من\s+(\d+)\s*(?:الي|حتي|الي\s+غاي[ةه])\s*(\d+)$")


_LETTERS = dict(zip("ابجدهوزحطي", "abcdefghij"))  # letter paragraphs in abjad order: «(أ)» a … «(و)» f


@lru_cache(maxsize=4096)  # pure function of a short string; article numbers recur across articles
def canonical_article(raw: str) -> str:
    """``٤٤٧.١`` / ``447 - 1`` / ``1-447`` → ``447-1``; ``309 مكرر`` → ``309 bis``; «الثامنة عشرة» → ``18``;
    «الـ18» → ``18``."""
    raw = re.sub(r"(?:\s?\(\s?جديد[ةه]?\s?\)|\s+جديد[ةه]?)$", "", norm(raw).strip())  # «الفصل 31 (جديد)»: the amended article
    m = re.fullmatch(r"\(\s?(\d{1,3})\s?/\s?\d{1,2}\s?/\s?[ا-ي]\s?\)", raw)  # «المادة (62 /1/ ف)»: article 62
    if m:
        return str(int(m.group(1)))
    m = re.fullmatch(r"\(\s?(\d{1,3})\s?/\s?(\d{1,2})\s?ل\s?\)", raw)  # «المادة (3/5ل)»: the regulation's item 3-5ل
    if m:
        return f"{int(m.group(1))}-{int(m.group(2))}ل"
    bis = ""
    m = re.fullmatch(r"\(\s?(.+?)\s?/\s?([ابجدهوزحطي])\s?\)", raw)  # «المادة (3/أ)», «المادة (الأولى/ب)»
    if m:
        raw, bis = m.group(1), f" ({_LETTERS[m.group(2)]})"
    m = re.search(r"\s+(ثالثا|رابعا|خامسا)$", raw)  # «الفصل 226 ثالثا»
    if m:
        raw, bis = raw[: m.start()], " " + {"ثالثا": "ter", "رابعا": "quater", "خامسا": "quinquies"}[m.group(1)]
    m = re.search(r"\s*مكرر[اةه]?(?:\s+(\d+)|\s?\(\s?([ابجد])\s?\)|\s+([ابجد]))?$", raw)  # «مكرر أ» as «مكرر (أ)»
    if m:
        letter = _LETTERS.get(m.group(2) or m.group(3) or "")
        bis = " bis" + (f" {m.group(1)}" if m.group(1) else "") + (f" ({letter})" if letter else "")
        raw = raw[: m.start()]
    elif not bis:
        m = re.search(r"(?<=\d)\s?(?:\(\s?([ابجدهوزحطي])\s?\)|/\s?([ابجدهوزحطي]))$", raw)  # «98 (و)», «77/ب»
        if m:
            bis = f" ({_LETTERS[m.group(1) or m.group(2)]})"
            raw = raw[: m.start()]
    raw = raw.strip("\"“”«» ")  # «المادة "49"»
    # «المادة (36/1)»: paragraph 1 of article 36 (rule 13); not «(2016/5)», a year's numbering
    m = re.fullmatch(r"\(\s?(\d{1,3})\s?/\s?(\d+)\s?\)", raw)
    if m and len(m.group(1)) >= len(m.group(2)) and not bis:
        return str(int(m.group(1)))
    raw = " ".join(raw.strip("() ").split())
    if raw in ORDINALS:
        return str(ORDINALS[raw]) + bis
    if raw in _LATIN_ORDS:  # «البند (أولا)»: item 1
        return str(_LATIN_ORDS.index(raw) + 1) + bis
    m = re.match(r"^(.+?)\s+بعد\s+(?:ال)?(مائ[ةه]|مئ[ةه]|مائتين|مئتين)$", raw)  # «السابعة عشرة بعد المائة»: 117
    if m and m.group(1) in ORDINALS:
        return str(ORDINALS[m.group(1)] + (200 if m.group(2).endswith("تين") else 100)) + bis
    if raw.startswith("ال") and raw[2:].lstrip()[:1].isdigit():  # «المادة الـ18», «المادة الـ 18»
        raw = raw[2:].lstrip()
    parts = [p for p in re.split(r"\s?[-./]\s?", raw) if p]
    if "/" in raw and len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) < len(parts[1]):
        parts = parts[::-1]  # «المادة 3/49»: paragraph 3 of article 49
    if len(parts) >= 2 and len(parts[-1]) >= 3 and all(len(p) <= 2 for p in parts[:-1]):
        parts = [parts[-1]] + parts[:-1][::-1]  # Moroccan «الفصل 1-447» = 447-1, «1-1-503» = 503-1-1
    return "-".join(str(int(p)) if p.isdigit() else p for p in parts) + bis


def expand_articles(artlist: str) -> list[str]:
    """Canonical article list from «447-1 و447-2», «من 3 الي 6», «25 و26 و27»."""
    return list(article_tuple(artlist))


@lru_cache(maxsize=1 << 14)
def article_tuple(artlist: str) -> tuple[str, ...]:  # article lists recur («المادة 447-1»): cached, immutable
    artlist = artlist.strip()
    if "فقر" in artlist:  # «60 مكرر فقرتين (أولا) و(ثانيا)»: the paragraphs are no article numbers
        artlist = _NUM_PARA_RX.sub("", artlist)
    m = re.match(r"^(?:من\s+)?(\d+)-(\d+)\s*(?:الي|حتي)\s*(\d+)-(\d+)$", norm(artlist))
    if m and m.group(1) == m.group(3) and 0 < int(m.group(4)) - int(m.group(2)) <= 50:
        return tuple(f"{m.group(1)}-{i}" for i in range(int(m.group(2)), int(m.group(4)) + 1))
    m = RANGE.match(artlist)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if 0 < b - a <= 50:
            return tuple(str(i) for i in range(a, b + 1))
    m = _ORDINAL_RANGE.match(norm(artlist))  # «المواد من الخامسة إلى التاسعة»
    if m:
        a, b = ORDINALS.get(" ".join(m.group(1).split())), ORDINALS.get(" ".join(m.group(2).split()))
        if a and b and 0 < b - a <= 50:
            return tuple(str(i) for i in range(a, b + 1))
    artlist = re.sub(r"^من\s+", "", artlist)
    out: list[str] = []
    # a range inside a list: «25 الي 27»
    for rm in re.finditer(r"(\d+)\s*(?:الي|حتي)\s*(\d+)", artlist):
        a, b = int(rm.group(1)), int(rm.group(2))
        if 0 < b - a <= 50 and not re.search(r"[-./]", artlist):
            return tuple(str(i) for i in range(a, b + 1))
    for m2 in ARTICLE_NUM.finditer(artlist):
        art = canonical_article(m2.group(0))
        if art not in out:
            out.append(art)
    return tuple(out)


@lru_cache(maxsize=4096)
def parse_number(raw: str) -> tuple[tuple, int | None]:
    """Instrument number as lookup key: ``07.03`` → ((7, 3), None); ``175/2018`` → ((175,), 2018);
    ``م/17`` and ``(م - 17)`` → (("م", 17), None); ``أ/21`` → (("ا", 21), None); ``2022-54`` → ((54,), 2022)."""
    raw = norm(raw).strip("() \"“”«»")  # «رقم "9"», «رقم «9»»
    m = re.match(r"^([ما])\s?[-/]\s?(\d+)$", raw)
    if m:
        return (m.group(1), int(m.group(2))), None
    parts = [int(p) for p in re.split(r"\s?[-./]\s?", raw) if p.isdigit()]
    if len(parts) == 2 and 1900 <= parts[1] <= 2100 and parts[0] < 1000:
        return (parts[0],), parts[1]
    if len(parts) == 2 and 1900 <= parts[0] <= 2100 and parts[1] < 1000:
        return (parts[1],), parts[0]
    return tuple(parts), None
