import pytest

from arcrime.markup import MarkupError, parse_marked


def test_roundtrip_offsets():
    text, spans = parse_marked("قال ⟦للفصلين 447-1 و447-2 من القانون الجنائي|article|MA/penal-code|447-1,447-2⟧ ثم ⟦القانون 12|law|?|⟧.")
    assert text == "قال للفصلين 447-1 و447-2 من القانون الجنائي ثم القانون 12."
    assert [text[s.start:s.end] for s in spans] == ["للفصلين 447-1 و447-2 من القانون الجنائي", "القانون 12"]
    assert spans[0].articles == ("447-1", "447-2") and spans[1].instrument is None


@pytest.mark.parametrize("bad", ["⟦a|law|?⟧", "⟦a|statute|?|⟧", "⟦ a|law|?|⟧", "x ⟦a|law|?|", "⟧"])
def test_malformed(bad):
    with pytest.raises(MarkupError):
        parse_marked(bad)
