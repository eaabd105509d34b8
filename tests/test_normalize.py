import random

import pytest

from arcrime.normalize import DEFAULT_STEPS, STEPS, Normalizer

SAMPLES = [
    "قَالَ المُتَّهَـــمُ إِنَّ الفصل ٤٤٧.١ من القانون 07-03، ﻻ شيء",
    "أُوقِفَ  شابٌّ\u200f في فاس…\n\nوتوبع طبقا للمادة ٢٥ من القانون رقم ١٧٥ لسنة ٢٠١٨",
    "Fès: le parquet a ouvert une enquête 3la l'affaire",
    "",
    "   ",
    "ـــــ",
]


def _random_text(rng: random.Random, n: int) -> str:
    alphabet = "ابتثجحخدذرزسشصضطظعغفقكلمنهويأإآىةءؤئ" + "ًٌٍَُِّْـ" + "٠١٢٣٤٥٦٧٨٩0123456789" + " \n\t.-/،؛؟" + "ﻻﷲ\u200f\u200b" + "abcXYZ"
    return "".join(rng.choice(alphabet) for _ in range(n))


@pytest.mark.parametrize("steps", [DEFAULT_STEPS, tuple(STEPS)], ids=["default", "all"])
def test_idempotent(steps):
    norm = Normalizer(steps)
    rng = random.Random(0)
    for text in SAMPLES + [_random_text(rng, rng.randint(0, 200)) for _ in range(300)]:
        once = norm(text).text
        assert norm(once).text == once, repr(text)


@pytest.mark.parametrize("name", list(STEPS))
def test_each_step_idempotent_and_offsets_valid(name):
    norm = Normalizer([name])
    rng = random.Random(1)
    for text in SAMPLES + [_random_text(rng, 120) for _ in range(100)]:
        r = norm(text)
        assert norm(r.text).text == r.text
        assert len(r.starts) == len(r.text) == len(r.ends)
        for i in range(len(r.text)):
            a, b = r.to_original(i, i + 1)
            assert 0 <= a <= b <= len(text)
        assert list(r.starts) == sorted(r.starts)


def test_spans_map_back_to_original():
    text = SAMPLES[0]
    r = Normalizer(tuple(STEPS))(text)
    assert "447 . 1" in r.text
    i = r.text.index("447 . 1")
    a, b = r.to_original(i, i + len("447 . 1"))
    assert text[a:b] == "٤٤٧.١"
    j = r.text.index("المتهم")
    a, b = r.to_original(j, j + len("المتهم"))
    assert text[a:b] == "المُتَّهَـــمُ"[:-1] or text[a:b].startswith("المُتَّهَـــم")


def test_known_answer_default():
    assert Normalizer()("إِنَّ  الفصلَ ٥٣٨").text == "ان الفصل 538"


def test_unknown_step_lists_valid_names():
    with pytest.raises(ValueError) as e:
        Normalizer(["strip_tashkeel", "stem"])
    assert "stem" in str(e.value) and "remove_tatweel" in str(e.value)


def test_callable_step_must_keep_length():
    norm = Normalizer([str.upper])
    assert norm("abc").text == "ABC"
    with pytest.raises(ValueError):
        Normalizer([lambda s: s + "x"])("abc")
