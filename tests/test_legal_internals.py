"""Invariants the finder's fast paths rely on (src/arcrime/legal/find.py)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from re import _parser as sre_parser  # the stdlib's own parser: only to read the patterns' alternatives

import pytest

from arcrime import legal
from arcrime.legal.regexes import OUTSIDE_WORDS, elided_regex, expand_articles, finder_regex

F = importlib.import_module("arcrime.legal.find")
SOURCE = Path(F.__file__).read_text(encoding="utf-8")


def _branches(pattern: str) -> list[list]:
    tree = list(sre_parser.parse(pattern))
    assert len(tree) == 1 and tree[0][0] == sre_parser.BRANCH, "the pattern is one alternation"
    return tree[0][1][1]


def _literal_runs(branch) -> list[str]:
    runs, cur = [], ""
    for op, arg in branch:
        if op == sre_parser.LITERAL:
            cur += chr(arg)
        else:
            runs, cur = runs + [cur] if cur else runs, ""
    return runs + [cur] if cur else runs


@pytest.mark.parametrize("name", ["_OUTSIDE_NATIONAL_LAW", "_OUTSIDE_WEAK"])
def test_every_alternative_of_an_outside_cue_holds_one_of_the_prefilter_words(name):
    """A text with none of ``OUTSIDE_WORDS`` is taken to have no cue without searching the patterns: every
    alternative must contain one of the words as literal text, or the shortcut would miss a cue."""
    for branch in _branches(getattr(F, name).pattern):
        runs = _literal_runs(branch)
        assert any(w in r for r in runs for w in OUTSIDE_WORDS), (name, runs)


def test_the_scan_tells_whether_an_outside_word_occurs():
    for text in ("عقوبة من الفيفا", "لائحة الانضباط", "حلف شمال الاطلسي", "ميثاق الامم المتحدة", "الرابطة المحترفة"):
        assert F.scan(text)[2]
        assert F._OUTSIDE_NATIONAL_LAW.search(text) or F._OUTSIDE_WEAK.search(text)
    assert not F.scan("حكمت المحكمة بالسجن وفق المادة 447-1 من القانون الجنائي")[2]


def test_every_group_the_finder_reads_is_a_group_of_its_pattern():
    """``_Groups.get`` is the match's own ``group``: a name the finder pattern lacks would raise, not read None."""
    groups = set(finder_regex().groupindex)
    literal = set(re.findall(r'g(?:\.get\(|\[)"(\w+)"', SOURCE))
    prefixed = set(re.findall(r'g(?:\.get\(|\[)p \+ "(\w+)"', SOURCE)) | set(F._NUMBER_KEYS) | set(F._DATE_GROUPS)
    assert len(literal) > 30 and len(prefixed) > 20  # the scrape still sees the code
    assert {k for k in literal if k not in groups} == set()
    assert {p + k for k in prefixed for p in "iab" if p + k not in groups} == set()
    # no other way of reading a group by a computed name
    assert re.findall(r"g\.get\((?!\"|p \+ \"|p \+ k\)|t\)|n\))", SOURCE) == []


def test_the_elided_pattern_reads_missing_groups_as_none():
    m = elided_regex().match(" والسادسة من القانون رقم 10", 0)
    assert m is not None
    g = F._Shifted(m, m.start("art")).groupdict()
    assert g.get("ititle") is None and g.get("art") == "و"


def test_cached_article_lists_are_fresh_lists():
    a = expand_articles("من 3 الي 6")
    a.append("99")
    assert expand_articles("من 3 الي 6") == ["3", "4", "5", "6"]


def test_gazetteer_number_index_matches_a_walk_over_every_instrument():
    gaz = legal.load_gazetteer()
    keys = {(num, y) for inst in gaz.instruments.values() for num, y in inst.numbers}
    for num, y in sorted(keys, key=repr):
        for year in (None, y, 1900):
            walk = [i.id for i in gaz.instruments.values()
                    if any(n == num and (year is None or yy is None or yy == year) for n, yy in i.numbers)]
            assert gaz.by_number(num, year) == walk


def test_a_relinked_reference_is_a_copy():
    r = legal.extract("وفق المادة 447-1 من القانون الجنائي")[0]
    r2 = r.with_instrument(None)
    assert r.instrument == "MA/penal-code" and r2.instrument is None and r2.articles == r.articles and r2 == r.__class__(
        **{**r.__dict__, "instrument": None})
