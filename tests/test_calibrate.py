"""Platt scaling (metrics.fit_platt), calibration at training time, and `arcrime calibrate` (src/arcrime/calibrate.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from conftest import split_files, tiny_config, write_jsonl


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_fit_platt_recovers_a_known_temperature_and_bias():
    from arcrime.metrics import fit_platt

    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, 40_000)
    y = rng.random(z.size) < _sigmoid(z / 2.0 - 1.5)  # the true calibration: T = 2, b = -1.5
    t, b = fit_platt(y, _sigmoid(z))
    assert t == pytest.approx(2.0, rel=0.05) and b == pytest.approx(-1.5, abs=0.06)


def test_fit_platt_one_class_and_scores_that_rank_wrongly():
    from arcrime.metrics import fit_platt, fit_temperature

    p = np.array([0.9, 0.8, 0.3, 0.2, 0.1])
    assert fit_platt(np.zeros(5, dtype=int), p) == (fit_temperature(np.zeros(5, dtype=int), p), 0.0)  # one class
    t, _ = fit_platt(np.array([0, 0, 1, 1, 1]), p)  # the negatives ranked first: the flattest allowed fit
    assert t == pytest.approx(np.exp(3), rel=1e-3)


def test_fit_platt_stays_finite_on_separable_dev_data():
    """Every positive above every negative (a few real positives): Platt's smoothed targets keep the fit finite,
    so the calibrated scores are not pushed to exactly 0 or 1."""
    from arcrime.metrics import fit_platt

    rng = np.random.default_rng(1)
    y = np.array([0] * 60 + [1] * 6)
    z = np.r_[rng.normal(-3, 1, 60), rng.normal(4, 0.5, 6)]
    t, b = fit_platt(y, _sigmoid(z))
    assert np.exp(-3) < t < np.exp(3) and -20 < b < 20
    q = np.round(_sigmoid(z / t + b), 6)
    assert np.mean((q == 0) | (q == 1)) < 0.1


def test_calibration_bias_needs_temperature_scaling(tmp_path, tiny_split):
    from arcrime.config import ConfigError

    with pytest.raises(ConfigError, match="calibration_bias: needs train.temperature_scaling"):
        tiny_config(tmp_path, tiny_split, calibration_bias=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, dev_records, tiny_tokenizer):
    from arcrime.training import train

    tmp = tmp_path_factory.mktemp("calibrate")
    split = split_files(tmp, dev_records)
    train(tiny_config(tmp, split, tokenizer=tiny_tokenizer, temperature_scaling=True, calibration_bias=True))
    cal_dev = write_jsonl(tmp / "cal_dev.jsonl", dev_records[36:96])  # articles the model did not train on
    return tmp, split, cal_dev


def test_training_fits_platt_scaling_on_dev(trained):
    from arcrime.inference import BertPredictor, calibrated_scores

    tmp, _, _ = trained
    p = BertPredictor.from_pretrained(tmp / "models" / "tiny", device="cpu")
    labels = p.labels
    assert set(p.config.calibration_biases) == set(labels) == set(p.config.temperatures)
    # the saved model's scores are sigmoid(logit / T + b), computed here by hand from its aggregated logits
    out = p.raw_outputs(["نص قصير عن ابتزاز مسؤول عبر حساب وهمي"])[0]
    t = np.array([p.config.temperatures[lab] for lab in labels])
    b = np.array([p.config.calibration_biases[lab] for lab in labels])
    np.testing.assert_allclose(out.scores, _sigmoid(out.logits.numpy() / t + b), atol=1e-6)
    card = (tmp / "models" / "tiny" / "README.md").read_text(encoding="utf-8")
    assert "calibration biases (Platt scaling" in card


def test_calibrate_refits_on_dev_and_keeps_the_weights(trained, dev_records):
    import arcrime
    from arcrime.calibrate import recalibrate
    from arcrime.inference import BertPredictor
    from arcrime.metrics import fit_platt, label_matrix, tune_thresholds

    tmp, _, _ = trained
    recs = dev_records[36:96]
    res = recalibrate(tmp / "models" / "tiny", recs, tmp / "recal", device="cpu")
    src, dst = tmp / "models" / "tiny", tmp / "recal"
    assert (src / "model.safetensors").read_bytes() == (dst / "model.safetensors").read_bytes()
    # an independent refit from the original model's raw logits gives the stored calibration and thresholds
    orig = BertPredictor.from_pretrained(src, device="cpu")
    labels = orig.labels
    logits = np.stack([o.logits.numpy() for o in orig.raw_outputs([r["text"] for r in recs])])
    y = label_matrix([r["labels"] for r in recs], labels)
    cfg = json.loads((dst / "config.json").read_text(encoding="utf-8"))
    for i, lab in enumerate(labels):
        t, b = fit_platt(y[:, i], torch.sigmoid(torch.from_numpy(logits[:, i])).numpy())
        assert cfg["temperatures"][lab] == pytest.approx(t, rel=1e-4)
        assert cfg["calibration_biases"][lab] == pytest.approx(b, abs=1e-4)
    # the copy, loaded like any model, scores dev with the new calibration and labels with the new thresholds
    new = arcrime.load(dst, device="cpu")
    preds = list(new.predict_records({"id": r["id"], "text": r["text"]} for r in recs))
    scores = np.array([[p.scores[lab] for lab in labels] for p in preds])
    t = np.array([cfg["temperatures"][lab] for lab in labels])
    b = np.array([cfg["calibration_biases"][lab] for lab in labels])
    np.testing.assert_allclose(scores, _sigmoid(logits / t + b), atol=1e-5)
    assert cfg["thresholds"] == pytest.approx(tune_thresholds(y, scores, labels), abs=1e-5)
    for p, s in zip(preds, scores):
        assert set(p.labels) == {lab for lab, v in zip(labels, s) if v >= cfg["thresholds"][lab]}
    # the dev macro-F1 the fit reports is what the saved copy's own labels score on dev
    from sklearn.metrics import f1_score

    pred_y = label_matrix([list(p.labels) for p in preds], labels)
    assert res["after"]["macro_f1"] == pytest.approx(f1_score(y, pred_y, average="macro", zero_division=0), abs=1e-4)
    assert res["after"]["thresholds"] == {lab: round(cfg["thresholds"][lab], 6) for lab in labels}
    assert res["before"]["temperatures"] == orig.config.temperatures
    assert "Platt scaling" in (dst / "README.md").read_text(encoding="utf-8")


def test_calibrate_temperature_only(trained, dev_records):
    from arcrime.calibrate import recalibrate

    tmp, _, _ = trained
    res = recalibrate(tmp / "models" / "tiny", dev_records[36:96], tmp / "recal-t", method="temperature", device="cpu")
    cfg = json.loads((tmp / "recal-t" / "config.json").read_text(encoding="utf-8"))
    assert cfg["calibration_biases"] == {} and res["after"]["calibration_biases"] == {}
    assert set(cfg["temperatures"]) == set(cfg["thresholds"])


def test_calibrate_cli_records_and_refuses_bad_requests(trained, tmp_path):
    from arcrime.cli import main

    tmp, split, cal_dev = trained
    model = str(tmp / "models" / "tiny")
    out, rec = tmp_path / "cal", tmp_path / "exp" / "cal"
    assert main(["-q", "calibrate", "--model", model, "--dev", str(cal_dev), "--out", str(out), "--device", "cpu",
                 "--record", str(rec)]) == 0
    run = json.loads((rec / "run.json").read_text(encoding="utf-8"))
    assert run["kind"] == "calibrate" and run["dev_files"] == [str(cal_dev)] and run["method"] == "platt"
    assert set(run["before"]) >= {"macro_f1", "ece", "thresholds"} and run["git"]["commit"]
    # a test split, an existing output, the model's own folder, a folder that is no BERT
    assert main(["-q", "calibrate", "--model", model, "--dev", str(split["test"]), "--out", str(tmp_path / "x"),
                 "--device", "cpu"]) != 0 and not (tmp_path / "x").exists()
    assert main(["-q", "calibrate", "--model", model, "--dev", str(cal_dev), "--out", str(out), "--device", "cpu"]) != 0
    assert main(["-q", "calibrate", "--model", model, "--dev", str(cal_dev), "--out", model, "--device", "cpu",
                 "--overwrite"]) != 0
    assert (tmp / "models" / "tiny" / "model.safetensors").is_file()
    assert main(["-q", "calibrate", "--model", str(tmp_path), "--dev", str(cal_dev), "--out", str(tmp_path / "y"),
                 "--device", "cpu"]) != 0 and not (tmp_path / "y").exists()


def test_calibrate_refuses_overlapping_folders_and_bad_dev_data(trained, dev_records, tmp_path):
    from arcrime.calibrate import recalibrate
    from arcrime.corpus import DataError

    tmp, _, _ = trained
    model = tmp / "models" / "tiny"
    recs = dev_records[36:96]
    with pytest.raises(ValueError, match="apart from the model"):  # --overwrite would delete the model's parent
        recalibrate(model, recs, tmp / "models", overwrite=True, device="cpu")
    with pytest.raises(ValueError, match="apart from the model"):
        recalibrate(model, recs, model / "copy", device="cpu")
    assert (model / "model.safetensors").is_file() and not (model / "copy").exists()
    bad = [dict(recs[0], labels=["fraud"])] + recs[1:]
    with pytest.raises(DataError, match="my_dev.jsonl: record .* label\\(s\\) fraud"):
        recalibrate(model, bad, tmp_path / "x", device="cpu", dev_files=["my_dev.jsonl"])
    none = [dict(r, labels=[]) for r in recs]
    with pytest.raises(ValueError, match="my_dev.jsonl: label .*: 0 positive"):
        recalibrate(model, none, tmp_path / "x", device="cpu", dev_files=["my_dev.jsonl"])
    assert not (tmp_path / "x").exists()


def test_calibrate_overwrites_whole_and_leaves_no_partial_folder(trained, dev_records, tmp_path):
    from arcrime.calibrate import recalibrate

    tmp, _, _ = trained
    out = tmp_path / "cal"
    recalibrate(tmp / "models" / "tiny", dev_records[36:96], out, device="cpu")
    (out / "stale.txt").write_text("left from an earlier copy", encoding="utf-8")
    recalibrate(tmp / "models" / "tiny", dev_records[36:96], out, method="temperature", overwrite=True, device="cpu")
    assert not (out / "stale.txt").exists() and (out / "model.safetensors").is_file()
    assert "Calibration (temperature) and thresholds refitted by `arcrime calibrate`" in (out / "README.md").read_text(
        encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal"]  # no temporary or .old folder left beside it


def test_calibrate_refuses_a_model_that_is_no_bert(tmp_path, dev_records):
    from arcrime.calibrate import recalibrate
    from arcrime.prediction import ModelLoadError

    (tmp_path / "hy").mkdir()
    (tmp_path / "hy" / "hybrid.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="is a stacked hybrid"):
        recalibrate(tmp_path / "hy", dev_records[:20], tmp_path / "out", device="cpu")


def test_calibrate_cli_empty_malformed_and_missing_dev_files(trained, tmp_path, caplog):
    """Bad dev files: a clear error naming the file, and nothing written."""
    from arcrime.cli import main

    tmp, _, _ = trained
    empty, bad = tmp_path / "empty_dev.jsonl", tmp_path / "bad_dev.jsonl"
    empty.write_text("", encoding="utf-8")
    bad.write_text('{"id": "x", "text": \n', encoding="utf-8")
    for dev in (empty, bad, tmp_path / "missing_dev.jsonl"):
        caplog.clear()
        out = tmp_path / f"out-{dev.stem}"
        assert main(["calibrate", "--model", str(tmp / "models" / "tiny"), "--dev", str(dev), "--out", str(out),
                     "--device", "cpu"]) != 0
        assert not out.exists() and dev.name in caplog.text
