"""The learned legal span tagger (legal/tagger.py), its recipe (tagging.py), tagger+rules
(legal.tagger_first) and their commands. Trained on a slice of the written corpus, in seconds."""

import json
from pathlib import Path

import pytest

from arcrime import legal
from arcrime.baselines import KeywordBaseline
from arcrime.cli import main
from arcrime.config import DEFAULT_LABELS
from arcrime.evaluation import evaluate_model
from arcrime.legal.tagger import LegalTagger, TaggerConfig, TaggerError, tokenize
from arcrime.metrics import span_metrics
from arcrime.normalize import DEFAULT_STEPS
from arcrime.tagging import score_legal, train_tagger

ROOT = Path(__file__).resolve().parents[1]
FAST = TaggerConfig(max_iterations=40)
EXTORTION_TEXT = "وتوبع المتهم طبقا للفصل 538 من القانون الجنائي بعد أن حاول ابتزاز الضحية."


def _records(name: str, n: int | None = None) -> list[dict]:
    lines = (ROOT / "data" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(x) for x in lines[:n] if x.strip()]


@pytest.fixture(scope="module")
def tagger(tmp_path_factory) -> LegalTagger:
    return LegalTagger.train(_records("train.jsonl", 300), FAST)


def test_tokens_point_into_the_original_text():
    text = "وطبقا لــلمادة ١٢ من القانونِ رقم 07-03، والفصل 447-1 وقانون1992المؤرخ"
    toks = tokenize(text, frozenset({"قانون"}))
    for s, e, w in zip(toks.starts, toks.ends, toks.words):
        assert 0 <= s < e <= len(text)
        assert text[s:e].strip() == text[s:e] and text[s:e]
    pieces = [text[s:e] for s, e in zip(toks.starts, toks.ends)]
    assert "القانونِ" in pieces            # diacritics stay inside the word
    assert ["447", "-", "1"] == pieces[pieces.index("447"):pieces.index("447") + 3]
    assert ["و", "قانون", "1992", "المؤرخ"] == pieces[-4:]   # a proclitic is cut off a head word; digits off letters
    assert toks.words[pieces.index("١٢")] == "12"          # features see the normalized form


def test_tagger_learns_spans_that_point_into_the_text(tagger):
    dev = _records("dev.jsonl")
    pred = []
    for r in dev:
        spans = tagger.tag(r["text"])
        for s in spans:
            assert 0 <= s["start"] < s["end"] <= len(r["text"]) and s["kind"] in ("article", "law", "decree", "code")
            assert r["text"][s["start"]:s["end"]] == r["text"][s["start"]:s["end"]].strip()
        pred.append(spans)
    m = span_metrics([r["legal_refs"] for r in dev], pred)
    # 300 written articles and 40 iterations: far from the rules, far above nothing
    assert m["overlap"]["f1"] > 0.6 and m["exact"]["f1"] > 0.4, m
    assert tagger.tag("") == [] and tagger.tag("   ") == []


def test_save_load_round_trip(tagger, tmp_path):
    tagger.save(tmp_path / "t")
    back = LegalTagger.load(tmp_path / "t")
    text = _records("dev.jsonl", 5)[3]["text"]
    assert back.tag(text) == tagger.tag(text)
    assert back.config == tagger.config and back.heads == tagger.heads


def test_load_errors_say_what_to_do(tmp_path, tagger):
    with pytest.raises(TaggerError, match="not a legal tagger folder.*train-tagger"):
        LegalTagger.load(tmp_path)
    tagger.save(tmp_path / "t")
    (tmp_path / "t" / "legal_tagger.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(TaggerError, match="legal_tagger.json: unreadable"):
        LegalTagger.load(tmp_path / "t")
    meta = {"format": 99}
    (tmp_path / "t" / "legal_tagger.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(TaggerError, match="format 99"):
        LegalTagger.load(tmp_path / "t")


def test_no_gold_span_is_an_error():
    with pytest.raises(TaggerError, match="no gold legal_refs"):
        LegalTagger.train([{"id": "a", "text": "لا شيء هنا.", "legal_refs": []}], FAST)


def _ref(start, end, kind="article", instrument=None, articles=()):
    return {"start": start, "end": end, "kind": kind, "instrument": instrument, "articles": list(articles)}


PENAL = {"instrument": "MA/penal-code", "articles": ["447-1"]}


@pytest.mark.parametrize("tagged, rules, links, want", [
    # the tagger's boundaries win; a link it lacks comes from the one rule reference it overlaps; a rule
    # reference it does not overlap is added
    ([_ref(0, 10)], [_ref(0, 25, **PENAL), _ref(40, 50, "law", "MA/law/07-03")], "tagger",
     [_ref(0, 10, **PENAL), _ref(40, 50, "law", "MA/law/07-03")]),
    ([_ref(0, 10)], [_ref(0, 25, **PENAL)], "rules", [_ref(0, 10, **PENAL)]),
    # a link the tagger span has: kept with links="tagger", replaced by the rule's with links="rules"
    ([_ref(0, 10, instrument="EG/penal-code", articles=["5"])], [_ref(0, 25, **PENAL)], "tagger",
     [_ref(0, 10, instrument="EG/penal-code", articles=["5"])]),
    ([_ref(0, 10, instrument="EG/penal-code", articles=["5"])], [_ref(0, 25, **PENAL)], "rules", [_ref(0, 10, **PENAL)]),
    # ... but not a link the rule reference lacks
    ([_ref(0, 10, instrument="EG/penal-code", articles=["5"])], [_ref(0, 25)], "rules",
     [_ref(0, 10, instrument="EG/penal-code", articles=["5"])]),
    # a tagger span over two rule references gives way to them
    ([_ref(0, 60), _ref(70, 80, "law")], [_ref(0, 30, **PENAL), _ref(32, 60, articles=["148", "149"])], "rules",
     [_ref(0, 30, **PENAL), _ref(32, 60, articles=["148", "149"]), _ref(70, 80, "law")]),
    # two tagger pieces of one rule reference give way to it
    ([_ref(0, 10), _ref(12, 25, "code")], [_ref(0, 25, **PENAL)], "rules", [_ref(0, 25, **PENAL)]),
    # nothing from the rules: the tagger's spans as they are (an unknown instrument stays None)
    ([_ref(3, 9, "law")], [], "tagger", [_ref(3, 9, "law")]),
    ([], [_ref(3, 9, "law")], "rules", [_ref(3, 9, "law")]),
])
def test_tagger_first(tagged, rules, links, want):
    assert legal.tagger_first(tagged, rules, links=links) == want          # min_confidence 0: every span passes
    if tagged:  # a span without a confidence counts as 0: any positive threshold leaves it out
        assert legal.tagger_first(tagged, rules, links=links, min_confidence=0.1) == sorted(
            (dict(r) for r in rules), key=lambda d: (d["start"], d["end"]))


def test_tagger_first_rejects_an_unknown_links_mode():
    with pytest.raises(ValueError, match="links='model'"):
        legal.tagger_first([], [], links="model")


def test_train_tagger_command_records_and_scores(tmp_path, capsys):
    train = tmp_path / "train.jsonl"
    rows = _records("train.jsonl", 120)
    train.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "{broken\n", encoding="utf-8")
    dev = ROOT / "data" / "dev.jsonl"
    rc = main(["legal", "train-tagger", "--data", str(train), "--dev", str(dev), "--out", str(tmp_path / "tg"),
               "--record", str(tmp_path / "run"), "--max-iterations", "20"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(out["dev"]["dev"]) == {"rules", "tagger", "tagger+rules"}
    run = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert run["inputs"]["train.jsonl"]["records"] == 120        # the broken line is reported, not trained on
    assert len(run["inputs"]["train.jsonl"]["sha256"]) == 64 and run["git"]["commit"]
    m = json.loads((tmp_path / "run" / "metrics_dev.json").read_text(encoding="utf-8"))
    assert m["legal_refs"]["rules"]["exact"]["f1"] > 0.8
    # a second run into the same folder needs --overwrite
    with pytest.raises(Exception, match="exists; pass --overwrite"):
        train_tagger([train], tmp_path / "tg", FAST)
    # legal find --tagger prints the combined references, resolved
    rc = main(["legal", "find", "--tagger", str(tmp_path / "tg"), "وأحيل المتهم على الفصل 447-1 من القانون الجنائي."])
    assert rc == 0
    refs = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert any(r.get("instrument") == "MA/penal-code" and "447-1" in r["articles"] and r["country"] == "MA"
               and r["title"] for r in refs), refs


def test_evaluate_scores_the_tagger(tagger, tmp_path):
    kw = tmp_path / "kw"
    KeywordBaseline(list(DEFAULT_LABELS), list(DEFAULT_STEPS)).save_pretrained(kw)
    tagger.save(tmp_path / "tg")
    data = tmp_path / "d.jsonl"
    recs = _records("dev.jsonl", 20)
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    res = evaluate_model(kw, data, tmp_path / "ev", split="d", legal_tagger=tmp_path / "tg", n_boot=0)
    lr = res["metrics"]["legal_refs"]
    assert {"rules", "model", "model+rules", "tagger", "tagger+rules"} <= set(lr)
    assert lr["tagger"] == score_legal(recs, tagger)["tagger"]
    assert "tagger+rules" in res["text"]


def test_predict_with_the_tagger(tagger, tmp_path, capsys):
    kw = tmp_path / "kw"
    KeywordBaseline(list(DEFAULT_LABELS), list(DEFAULT_STEPS)).save_pretrained(kw)
    tagger.save(tmp_path / "tg")
    recs = _records("dev.jsonl", 6)
    inp = tmp_path / "in.jsonl"
    rows = [{"id": r["id"], "text": r["text"]} for r in recs]
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:3]) + '{"id": "bad"}\n'
                   + "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[3:]), encoding="utf-8")
    rc = main(["predict", "--model", str(kw), "--input", str(inp), "--legal-tagger", str(tmp_path / "tg")])
    assert rc == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == [r["id"] for r in rows]      # the bad record is reported, the rest in order
    for o, r in zip(out, recs):
        rules = [x.to_dict() for x in legal.extract(r["text"])]
        want = legal.tagger_first(legal.link_spans(r["text"], tagger.tag(r["text"])), rules)
        assert [(x["start"], x["end"], x.get("instrument")) for x in o["legal_refs"]] == \
               [(x["start"], x["end"], x.get("instrument")) for x in want]
    assert main(["predict", "--model", str(kw), "--input", str(inp)]) == 0
    plain = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(o["labels"], o["scores"]) for o in out] == [(o["labels"], o["scores"]) for o in plain]
    rc = main(["predict", "--model", str(kw), "--legal-tagger", str(tmp_path / "tg"), "--legal-refs", "model",
               EXTORTION_TEXT])
    assert rc == 2
    assert "drop --legal-refs" in capsys.readouterr().err


def test_min_confidence_leaves_unsure_tagger_spans_out():
    sure, unsure = dict(_ref(0, 10), confidence=0.95), dict(_ref(40, 52, "law"), confidence=0.4)
    rules = [_ref(0, 25, **PENAL), _ref(40, 50, "law", "MA/law/07-03")]
    # unsure: the rule reference it overlaps stands; sure: kept (confidence is not in the output)
    assert legal.tagger_first([sure, unsure], rules, min_confidence=0.5) == [_ref(0, 10, **PENAL),
                                                                             _ref(40, 50, "law", "MA/law/07-03")]
    assert legal.tagger_first([sure, unsure], rules)[1] == _ref(40, 52, "law", "MA/law/07-03")
    assert legal.tagger_first([unsure], [], min_confidence=0.5) == []


def test_spans_carry_a_confidence(tagger):
    text = _records("dev.jsonl", 10)[7]["text"]
    spans = tagger.tag(text)
    assert spans and all(0.0 < s["confidence"] <= 1.0 for s in spans)
    linked = legal.link_spans(text, spans)
    assert [x["confidence"] for x in linked] == [s["confidence"] for s in spans]
    assert all("confidence" not in x for x in legal.with_tagger(tagger, text, [])[1])


def test_serve_with_the_tagger(tagger, tmp_path):
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from arcrime.inference import load
    from arcrime.serve.app import create_app
    from arcrime.tagging import TaggedPredictor

    KeywordBaseline(list(DEFAULT_LABELS), list(DEFAULT_STEPS)).save_pretrained(tmp_path / "kw")
    app = create_app(TaggedPredictor(load(tmp_path / "kw"), tagger), model_name="kw")
    text = _records("dev.jsonl", 10)[7]["text"]
    with TestClient(app) as c:
        assert c.get("/v1/health").json()["legal_refs"] == "tagger+rules"
        got = c.post("/v1/predict", json={"text": text}).json()["legal_refs"]
        with_evidence = c.post("/v1/predict", json={"text": text, "evidence": True}).json()
    assert with_evidence["legal_refs"] == got and "evidence" in with_evidence
    want = legal.with_tagger(tagger, text, [x.to_dict() for x in legal.extract(text)])[1]
    assert [(x["start"], x["end"], x.get("instrument")) for x in got] == \
           [(x["start"], x["end"], x.get("instrument")) for x in want]


def test_a_damaged_model_file_is_an_error_not_a_crash(tagger, tmp_path):
    tagger.save(tmp_path / "t")
    model = tmp_path / "t" / "legal_tagger.crfsuite"
    model.write_bytes(model.read_bytes()[:1000])
    with pytest.raises(TaggerError, match="do not match the sha256.*retrain"):
        LegalTagger.load(tmp_path / "t")
    assert not list((tmp_path / "t").glob("*.tmp"))


def test_config_values_are_checked():
    for bad in ({"negative_every": 0}, {"min_confidence": 1.5}, {"max_iterations": 0}, {"c1": -1}):
        with pytest.raises(TaggerError):
            TaggerConfig(**bad)


def test_sentences_end_at_a_dot_before_a_space_only():
    from arcrime.legal.tagger import _sentences
    text = "طبقا للقانون 88.13 والفصل 447.2 من ق.ج. ثم قال! وانتهى\nسطر"
    toks = tokenize(text)
    sents = [text[toks.starts[lo]:toks.ends[hi - 1]] for lo, hi in _sentences(toks, text)]
    assert sents == ["طبقا للقانون 88.13 والفصل 447.2 من ق.ج.", "ثم قال!", "وانتهى", "سطر"]


def test_decode_starts_a_span_at_an_inside_tag_and_takes_the_commonest_kind():
    from arcrime.legal.tagger import _decode
    text = "أ ب ج د ه"
    toks = tokenize(text)
    spans = _decode(toks, ["I-law", "I-law", "O", "B-article", "I-code"], 0, [0.9, 0.8, 1.0, 0.7, 0.6])
    assert spans == [{"start": 0, "end": 3, "kind": "law", "confidence": 0.8},
                     {"start": 6, "end": 9, "kind": "article", "confidence": 0.6}]


def test_tagged_predictor_refuses_a_model_that_reorders(tagger):
    from arcrime.prediction import Prediction
    from arcrime.tagging import TaggedPredictor

    class Reversed:
        name, labels, thresholds = "rev", ["extortion"], {"extortion": 0.5}

        def predict_records(self, records, legal_refs=None):
            recs = list(records)
            for r in reversed(recs):
                yield Prediction(r["id"], (), {"extortion": 0.1})

    wrapped = TaggedPredictor(Reversed(), tagger)
    with pytest.raises(RuntimeError, match="does not keep input order"):
        list(wrapped.predict_records([{"id": "a", "text": "نص."}, {"id": "b", "text": "نص آخر."}]))
