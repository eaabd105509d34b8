"""The stacked hybrid (src/arcrime/hybrid.py): fit on dev, save, load, predict, evaluate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from arcrime.hybrid import FEATURES, StackedHybrid, best_threshold
from arcrime.prediction import ModelLoadError
from conftest import split_files, tiny_config, write_jsonl


def test_best_threshold_known_answers():
    """The project's rule (metrics.tune_thresholds): the F1-best score, ties to the threshold closest to 0.5."""
    y = np.array([1, 1, 0, 1, 0, 0], dtype=bool)
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    # any cut in (0.2, 0.6] keeps three positives and one negative (F1 6/7, the best); 0.5 is one of them
    assert best_threshold(y, p) == 0.5
    assert best_threshold(y[:4], np.array([0.9, 0.8, 0.7, 0.3])) == 0.3  # only a cut at 0.3 keeps every positive
    assert best_threshold(np.array([1, 0], dtype=bool), np.array([0.3, 0.3])) == 0.3
    assert best_threshold(np.zeros(3, dtype=bool), np.array([0.1, 0.2, 0.3])) == 0.5  # no positive


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, dev_records, tiny_tokenizer):
    from arcrime.config import Config
    from arcrime.hybrid import fit_hybrid
    from arcrime.training import train, train_baseline

    tmp = tmp_path_factory.mktemp("hybrid")
    split = split_files(tmp, dev_records)
    train(tiny_config(tmp, split, tokenizer=tiny_tokenizer))
    train_baseline(Config.from_dict({
        "data": {k: str(v) for k, v in split.items()}, "baseline": {"kind": "tfidf", "classifier": "svm", "min_df": 1},
        "run": {"name": "svm", "experiments_dir": str(tmp / "exp"), "models_dir": str(tmp / "models")}}))
    # articles neither model trained on, nor in the split the tests below predict (split_files uses 0-35)
    fit_dev = write_jsonl(tmp / "fit_dev.jsonl", dev_records[36:96])
    res = fit_hybrid(tmp / "models" / "tiny", tmp / "models" / "svm", dev_records[36:96], tmp / "hybrid",
                     folds=3, repeats=2, device="cpu", dev_files=[str(fit_dev)])
    return tmp, split, res, fit_dev


def test_fit_chooses_on_dev_among_subsets_with_the_bert(fitted):
    tmp, _, res, _ = fitted
    table = res["selection"]["table"]
    assert len(table) == 2 ** len(FEATURES) - 1 and all(set(r) == {"features", "cv_macro_f1", "cv_f1"} for r in table)
    with_bert = [r for r in table if "bert" in r["features"]]
    assert res["features"] == max(with_bert, key=lambda r: r["cv_macro_f1"])["features"]
    assert all(0.0 < t < 1.0 for t in res["thresholds"].values())
    spec = json.loads((tmp / "hybrid" / "hybrid.json").read_text(encoding="utf-8"))
    assert spec["bert"] == "../models/tiny" and spec["fitted_on"]["articles"] == 60 and len(spec["bert_sha256"]) == 64
    assert (tmp / "hybrid" / "tfidf" / "baseline.json").is_file()


def test_the_saved_weights_are_a_plain_refit_of_the_chosen_columns(fitted, dev_records):
    """The combiner stored per label is sklearn's balanced logistic regression on that label's chosen feature
    columns of the dev articles (an independent refit, so a column or label mix-up in fit_hybrid shows)."""
    from sklearn.linear_model import LogisticRegression

    import arcrime
    from arcrime.baselines import load_baseline
    from arcrime.hybrid import _logit
    from arcrime.inference import BertPredictor
    from arcrime.keywords import keyword_matrix

    tmp, _, res, _ = fitted
    h = arcrime.load(tmp / "hybrid", device="cpu")
    recs = dev_records[36:96]
    texts = [r["text"] for r in recs]
    bert = BertPredictor.from_pretrained(tmp / "models" / "tiny", device="cpu")
    cols = {"bert": _logit(np.array([o.scores for o in bert.raw_outputs(texts)])),
            "tfidf": _logit(load_baseline(tmp / "models" / "svm").scores(texts)),
            "keywords": keyword_matrix(texts, bert.labels)}
    for j, lab in enumerate(bert.labels):
        x = np.stack([cols[f][:, j] for f in res["features"]], axis=1)
        y = np.array([lab in r["labels"] for r in recs])
        m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000, random_state=13).fit(x, y)
        assert np.allclose(h.coef[j], m.coef_.ravel(), atol=1e-6) and h.intercept[j] == pytest.approx(m.intercept_[0], abs=1e-6)


def test_fit_refuses_what_it_cannot_do(fitted, dev_records, tmp_path):
    from arcrime.hybrid import fit_hybrid

    tmp, _, _, _ = fitted
    args = (tmp / "models" / "tiny", tmp / "models" / "svm")
    with pytest.raises(ValueError, match="must include bert"):
        fit_hybrid(*args, dev_records[36:96], tmp_path / "h", features=["tfidf", "keywords"], device="cpu")
    with pytest.raises(ValueError, match="at least 2 folds"):
        fit_hybrid(*args, dev_records[36:96], tmp_path / "h", folds=1, device="cpu")
    few = [r for r in dev_records[36:96] if "extortion" not in r["labels"]] + [
        r for r in dev_records[36:96] if "extortion" in r["labels"]][:3]
    with pytest.raises(ValueError, match="label extortion: 3 positive"):
        fit_hybrid(*args, few, tmp_path / "h", device="cpu")
    with pytest.raises(ValueError, match="must not contain each other"):
        fit_hybrid(*args, dev_records[36:96], tmp / "models" / "tiny" / "hybrid", folds=2, repeats=1, device="cpu")
    assert not (tmp_path / "h").exists() and (tmp / "models" / "tiny" / "config.json").is_file()


def test_saved_hybrid_loads_and_scores_as_its_formula(fitted):
    import arcrime
    from arcrime.baselines import load_baseline
    from arcrime.hybrid import _logit
    from arcrime.inference import BertPredictor
    from arcrime.keywords import keyword_matrix

    tmp, split, res, _ = fitted
    h = arcrime.load(tmp / "hybrid", device="cpu")
    assert isinstance(h, StackedHybrid) and h.features == res["features"]
    texts = [json.loads(x)["text"] for x in split["test"].read_text(encoding="utf-8").splitlines()]
    preds = list(h.predict_records({"id": f"t{i}", "text": t} for i, t in enumerate(texts)))
    assert [p.to_dict() for p in preds] == [h.predict_text(t, f"t{i}").to_dict() for i, t in enumerate(texts)]
    bert = BertPredictor.from_pretrained(tmp / "models" / "tiny", device="cpu")
    cols = {"bert": _logit(np.array([o.scores for o in bert.raw_outputs(texts)])),
            "tfidf": _logit(load_baseline(tmp / "models" / "svm").scores(texts)),
            "keywords": keyword_matrix(texts, h.labels)}
    z = sum(cols[f] * h.coef[:, k] for k, f in enumerate(h.features)) + h.intercept
    want = 1 / (1 + np.exp(-z))
    got = np.array([[p.scores[lab] for lab in h.labels] for p in preds])
    assert np.allclose(got, want, atol=2e-6)
    assert all(set(p.labels) == {lab for lab in h.labels if p.scores[lab] >= h.thresholds[lab]} for p in preds)
    # the legal references are the BERT predictor's (the rule-based finder by default)
    assert [p.legal_refs for p in preds] == [bert.predict_text(t).legal_refs for t in texts]


def test_hybrid_evaluates_like_any_model(fitted, tmp_path):
    import arcrime

    tmp, split, _, _ = fitted
    m = arcrime.evaluate(tmp / "hybrid", split["test"], tmp_path / "ev", split="test", device="cpu")
    assert m["metrics"]["model"] == str(tmp / "hybrid") and 0.0 <= m["metrics"]["labels"]["macro_f1"] <= 1.0
    h = arcrime.load(tmp / "hybrid", device="cpu")
    recs = [json.loads(x) for x in split["test"].read_text(encoding="utf-8").splitlines()]
    preds = {p.id: p for p in h.predict_records(recs)}
    for lab in h.labels:  # the recorded F1 is that of the hybrid's own labels
        tp = sum(lab in preds[r["id"]].labels and lab in r["labels"] for r in recs)
        fp = sum(lab in preds[r["id"]].labels and lab not in r["labels"] for r in recs)
        fn = sum(lab not in preds[r["id"]].labels and lab in r["labels"] for r in recs)
        want = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        assert m["metrics"]["labels"]["per_label"][lab]["f1"] == pytest.approx(want)


def test_a_hybrid_whose_bert_is_gone_says_so(fitted, tmp_path):
    tmp, _, _, _ = fitted
    moved = tmp_path / "elsewhere" / "hybrid"
    shutil.copytree(tmp / "hybrid", moved)
    with pytest.raises(ModelLoadError, match="is not there"):
        StackedHybrid.from_pretrained(moved, device="cpu")
    # the same folder beside a BERT with other weights: its weights are not for that model
    other = tmp_path / "other"
    shutil.copytree(tmp / "models" / "tiny", other / "models" / "tiny")
    shutil.copytree(tmp / "hybrid", other / "hybrid")
    cfg = json.loads((other / "models" / "tiny" / "config.json").read_text(encoding="utf-8"))
    cfg["thresholds"] = {k: 0.5 for k in cfg["thresholds"]}
    (other / "models" / "tiny" / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="has changed since the hybrid was fitted"):
        StackedHybrid.from_pretrained(other / "hybrid", device="cpu")
    (moved.parent / "broken").mkdir()
    (moved.parent / "broken" / "hybrid.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="unreadable hybrid"):
        StackedHybrid.from_pretrained(moved.parent / "broken")


def test_cli_fits_on_dev_only_and_records_the_run(fitted, tmp_path):
    from arcrime.cli import main

    tmp, split, _, fit_dev = fitted
    base = ["hybrid", "--bert", str(tmp / "models" / "tiny"), "--tfidf", str(tmp / "models" / "svm"),
            "--folds", "2", "--repeats", "1", "--device", "cpu"]
    assert main(base + ["--dev", str(split["test"]), "--out", str(tmp_path / "h0")]) == 2  # a test split: refused
    assert not (tmp_path / "h0").exists()
    empty = tmp_path / "empty_dev.jsonl"
    empty.write_text("", encoding="utf-8")
    bad = tmp_path / "bad_dev.jsonl"
    bad.write_text('{"id": "a", "text": 5}\nnot json\n', encoding="utf-8")
    for f in (empty, bad, tmp_path / "missing_dev.jsonl"):  # a clear error naming the file, nothing written
        assert main(base + ["--dev", str(f), "--out", str(tmp_path / "h0")]) == 2 and not (tmp_path / "h0").exists()
    assert main(base + ["--dev", str(fit_dev), "--out", str(tmp_path / "h1"), "--features", "bert", "keywords",
                        "--record", str(tmp_path / "exp")]) == 0
    run = json.loads((tmp_path / "exp" / "run.json").read_text(encoding="utf-8"))
    assert run["kind"] == "hybrid" and run["features"] == ["bert", "keywords"] and run["git"]["commit"]
    assert [r["features"] for r in run["selection"]["table"]] == [["bert", "keywords"]]


def test_the_web_app_serves_a_hybrid(fitted):
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    import arcrime
    from arcrime.serve.app import create_app

    tmp, split, _, _ = fitted
    h = arcrime.load(tmp / "hybrid", device="cpu")
    text = json.loads(split["test"].read_text(encoding="utf-8").splitlines()[0])["text"]
    with TestClient(create_app(h, model_name="hybrid")) as c:
        res = c.post("/v1/predict", json={"text": text}).json()
        assert res["labels"] == list(h.predict_text(text).labels)
        assert res["scores"] == pytest.approx(dict(h.predict_text(text).scores), abs=1e-6)
        assert c.get("/v1/health").json()["thresholds"] == pytest.approx(h.thresholds)
