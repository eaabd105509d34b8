import io
import json
import random

import pytest

from arcrime.build import build_corpus
from arcrime.corpus import DataError, load_records, read_corpus, read_predict_input
from arcrime.stats import corpus_stats

GOOD = {"id": "a1", "text": "وتوبع طبقا للفصل 538 من القانون الجنائي", "labels": ["extortion"],
        "legal_refs": [{"start": 11, "end": 39, "text": "للفصل 538 من القانون الجنائي", "kind": "article",
                        "instrument": "MA/penal-code", "articles": ["538"]}], "meta": {"country": "MA"}}


def _lines(tmp_path, lines, name="c.jsonl"):
    p = tmp_path / name
    p.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode("utf-8")) + b"\n" for x in lines))
    return p


def test_good_record_validates(tmp_path):
    assert GOOD["text"][11:39] == GOOD["legal_refs"][0]["text"]
    good, errs = read_corpus(_lines(tmp_path, [json.dumps(GOOD, ensure_ascii=False)]))
    assert len(good) == 1 and errs == []


@pytest.mark.parametrize("mutate,field,needle", [
    (lambda r: r.update(labels=["fraud"]), "labels", "unknown label"),
    (lambda r: r["legal_refs"][0].update(end=999), "legal_refs[0].start/end", "out of range"),
    (lambda r: r["legal_refs"][0].update(text="شيء آخر"), "legal_refs[0].text", "does not match"),
    (lambda r: r["legal_refs"][0].update(kind="statute"), "legal_refs[0].kind", "not one of"),
    (lambda r: r.pop("text"), "text", "missing"),
    (lambda r: r.update(text="   "), "text", "whitespace"),
    (lambda r: r.update(id=5), "id", "non-empty string"),
    (lambda r: r.update(labels="extortion"), "labels", "list of strings"),
])
def test_errors_name_file_line_field(tmp_path, mutate, field, needle):
    bad = json.loads(json.dumps(GOOD))
    mutate(bad)
    p = _lines(tmp_path, [json.dumps(GOOD, ensure_ascii=False), json.dumps(bad, ensure_ascii=False)])
    bad["id"] = "other"
    good, errs = read_corpus(p)
    assert len(good) == 1
    assert any(e.line == 2 and e.field == field and needle in e.message and e.file == str(p) for e in errs), errs
    assert f"{p}:2: {field}:" in str(next(e for e in errs if e.field == field))


def test_bad_json_utf8_and_duplicates(tmp_path):
    p = _lines(tmp_path, [json.dumps(GOOD, ensure_ascii=False), "{not json", b"\xff\xfe bad bytes",
                          json.dumps(GOOD, ensure_ascii=False), "[1, 2]"])
    good, errs = read_corpus(p)
    assert len(good) == 1
    kinds = {(e.line, e.field) for e in errs}
    assert (2, "<json>") in kinds and (3, "<line>") in kinds and (4, "id") in kinds and (5, "<record>") in kinds
    assert "duplicate id" in next(e.message for e in errs if e.line == 4)


def test_strict_and_nothing_usable(tmp_path):
    p = _lines(tmp_path, [json.dumps(GOOD, ensure_ascii=False), "{bad"])
    log = io.StringIO()
    assert len(load_records(p, log=log)) == 1
    assert ":2: <json>" in log.getvalue()
    with pytest.raises(DataError):
        load_records(p, strict=True, log=io.StringIO())
    with pytest.raises(DataError):
        load_records(_lines(tmp_path, ["{bad"], "b.jsonl"), log=io.StringIO())


def test_fuzz_count_invariant(tmp_path):
    """Every non-blank input line is either a record or a reported error."""
    rng = random.Random(3)
    for trial in range(30):
        lines = []
        for _ in range(rng.randint(1, 25)):
            r = rng.random()
            if r < 0.3:
                rec = json.loads(json.dumps(GOOD))
                rec["id"] = f"id{rng.randint(0, 10**9)}"
                lines.append(json.dumps(rec, ensure_ascii=False).encode())
            elif r < 0.55:
                lines.append(bytes(rng.randrange(256) for _ in range(rng.randint(1, 60))).replace(b"\n", b"x"))
            elif r < 0.8:
                s = json.dumps(GOOD, ensure_ascii=False)
                k = rng.randrange(len(s))
                lines.append((s[:k] + rng.choice(['"', "{", "}", ",", "9", "ب"]) + s[k + 1:]).encode())
            else:
                lines.append(json.dumps({"id": rng.random(), "text": rng.choice([None, 3, "نص"]),
                                         "labels": rng.choice([[], ["x"], "y"])}).encode())
        p = _lines(tmp_path, lines, f"f{trial}.jsonl")
        nonblank = sum(1 for x in p.read_bytes().split(b"\n")[:-1] if x.strip())
        good, errs = read_corpus(p)
        assert len(good) + len({e.line for e in errs}) == nonblank
        # predict-input reader: same invariant for JSONL input
        if p.read_bytes().lstrip().startswith(b"{"):
            out = list(read_predict_input(str(p)))
            assert len(out) == nonblank


def test_predict_input_formats(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("مقال أول\nسطر ثان\n\n\nمقال ثان\n", encoding="utf-8")
    recs = [r for r, e in read_predict_input(str(p))]
    assert [r["text"] for r in recs] == ["مقال أول\nسطر ثان", "مقال ثان"]
    assert [r["id"] for r in recs] == ["a.txt:1", "a.txt:5"]
    j = _lines(tmp_path, ['{"id": "x", "text": "نص"}', '{"id": "y"}', '{"id": "x", "text": "مكرر"}'], "p.jsonl")
    out = list(read_predict_input(str(j)))
    assert out[0][0] == {"id": "x", "text": "نص"}
    assert out[1][1].field == "text" and out[2][1].field == "id"
    stdin = io.BytesIO('{"id": "s", "text": "من stdin"}\n'.encode())
    assert list(read_predict_input("-", stdin=stdin))[0][0]["id"] == "s"
    assert list(read_predict_input(None, text="نص مباشر"))[0][0]["text"] == "نص مباشر"


def test_build_corpus_offsets_and_frozen_splits(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    rows = []
    for i in range(40):
        labs = [["extortion"], ["defamation"], [], ["impersonation", "extortion"]][i % 4]
        rows.append({"id": f"t-{i:03d}", "labels": labs, "meta": {"country": "MA", "story": f"s{i // 2}"},
                     "text": f"خبر {i}: توبع طبقا ⟦للفصل 538 من القانون الجنائي|article|MA/penal-code|538⟧ اليوم."})
    (raw / "batch_a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "data"
    counts = build_corpus(raw, out)
    assert sum(counts.values()) == 40 and counts["test"] >= 6
    recs = []
    for s in ("train", "dev", "test"):
        good, errs = read_corpus(out / f"{s}.jsonl")
        assert not errs
        recs += good
    for r in recs:
        ref = r["legal_refs"][0]
        assert r["text"][ref["start"]:ref["end"]] == "للفصل 538 من القانون الجنائي"
    story_split = {}
    for r in recs:
        story_split.setdefault(r["meta"]["story"], set()).add(r["meta"]["split"])
    assert all(len(v) == 1 for v in story_split.values())
    before = (out / "test.jsonl").read_text(encoding="utf-8")
    # adding a batch never moves existing stories
    (raw / "batch_b.jsonl").write_text(json.dumps({"id": "t-new", "labels": [], "meta": {"story": "new"},
                                                   "text": "خبر جديد"}, ensure_ascii=False) + "\n", encoding="utf-8")
    build_corpus(raw, out)
    after = [json.loads(x)["id"] for x in (out / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(json.loads(x)["id"] in after for x in before.splitlines())
    stats = corpus_stats(recs)
    assert stats["articles"] == 40 and stats["legal_spans"] == 40


def test_build_rejects_bad_markup(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "b.jsonl").write_text(json.dumps({"id": "x", "labels": [], "text": "⟦الفصل 5|statute|?|5⟧"},
                                            ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        build_corpus(raw, tmp_path / "out")
    assert "b.jsonl:1" in str(e.value)


def test_dataset_split_roundtrip(tmp_path):
    from arcrime.corpus import dataset_records, load_dataset_split

    p = _lines(tmp_path, [json.dumps(GOOD, ensure_ascii=False), "{bad"])
    ds = load_dataset_split(p, log=io.StringIO())
    assert ds.num_rows == 1 and ds[0]["legal_refs"][0]["start"] == 11
    (rec,) = dataset_records(ds)
    assert rec["legal_refs"][0]["articles"] == ["538"] and rec["meta"] == {"country": "MA"}


def test_predict_input_folder_bom_and_empty(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "2.txt").write_text("مقال ثان", encoding="utf-8")
    (d / "1.txt").write_bytes("\ufeffمقال أول\n".encode("utf-8"))
    (d / "x.csv").write_text("a,b", encoding="utf-8")
    (d / "3.txt").write_bytes(b"\xff\xfe")
    out = list(read_predict_input(d))
    assert [r["id"] for r, e in out if r] == ["1", "2"] and out[0][0]["text"] == "مقال أول\n"
    assert [(e.field, e.file.endswith("3.txt")) for r, e in out if e] == [("<file>", True)]
    for empty in (b"", b"\n\n  \n"):
        p = tmp_path / "e.jsonl"
        p.write_bytes(empty)
        with pytest.raises(DataError, match="is empty: no article to predict"):
            list(read_predict_input(p))
    (d2 := tmp_path / "none").mkdir()
    with pytest.raises(DataError, match="no .txt file"):
        list(read_predict_input(d2))
    # a byte-order mark (Windows editors) does not hide the JSONL format, nor break the corpus reader
    j = tmp_path / "bom.jsonl"
    j.write_bytes("\ufeff".encode("utf-8") + json.dumps(GOOD, ensure_ascii=False).encode("utf-8") + b"\n")
    assert list(read_predict_input(j))[0][0]["id"] == "a1"
    assert len(read_corpus(j)[0]) == 1


def test_layer_stats_splits_written_and_real():
    from arcrime.stats import format_layers, format_stats, layer_stats

    recs = [dict(GOOD, id=f"w{i}", meta={"split": "train" if i else "test"}) for i in range(2)]
    recs.append(dict(GOOD, id="r1", meta={"split": "test", "real": True}))
    out = layer_stats(recs, 0.5)
    assert set(out) == {"written", "real"} and out["written"]["articles"] == 2
    assert out["written"]["near_duplicates"]["pairs_across_splits"][0]["jaccard"] == 1.0
    assert format_layers(out).split("\n")[0].split() == ["written", "real"]
    assert "1 pair(s) across splits" in format_stats(out["written"])
