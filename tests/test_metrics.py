import numpy as np
import pytest

from arcrime.metrics import classification_metrics, span_metrics, tune_thresholds


def test_known_answer_classification():
    y = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    p = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    m = classification_metrics(y, p, None, ["a", "b"], n_boot=0)
    # label a: tp1 fp1 fn1 -> P=R=F1=0.5 ; label b: tp2 -> 1.0
    assert m["per_label"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert m["per_label"]["b"]["f1"] == 1.0
    assert m["macro_f1"] == pytest.approx(0.75)
    assert m["micro_f1"] == pytest.approx(2 * 3 / (2 * 3 + 1 + 1))
    assert m["subset_accuracy"] == 0.5
    assert m["hamming_loss"] == pytest.approx(2 / 8)


def test_bootstrap_ci_contains_point_estimate():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (200, 3))
    p = np.where(rng.random((200, 3)) < 0.8, y, 1 - y)
    m = classification_metrics(y, p, None, ["a", "b", "c"], n_boot=200)
    lo, hi = m["ci95"]["macro_f1"]
    assert lo <= m["macro_f1"] <= hi and hi - lo < 0.2


def test_threshold_tuning_known_answer():
    y = np.array([[1], [1], [0], [0]])
    s = np.array([[0.3], [0.4], [0.2], [0.1]])
    assert tune_thresholds(y, s, ["a"]) == {"a": 0.3}


def test_span_metrics_known_answer():
    gold = [[{"start": 0, "end": 10, "kind": "article", "instrument": "MA/penal-code", "articles": ["538"]},
             {"start": 20, "end": 30, "kind": "law", "instrument": "MA/law/07-03", "articles": []}]]
    pred = [[{"start": 0, "end": 10, "kind": "article", "instrument": "MA/penal-code", "articles": ["538"]},
             {"start": 22, "end": 35, "kind": "law", "instrument": None, "articles": []},
             {"start": 40, "end": 45, "kind": "law", "instrument": None, "articles": []}]]
    m = span_metrics(gold, pred)
    assert m["exact"]["precision"] == pytest.approx(1 / 3) and m["exact"]["recall"] == 0.5
    assert m["overlap"]["precision"] == pytest.approx(2 / 3) and m["overlap"]["recall"] == 1.0
    assert m["doc_pairs"]["precision"] == 1.0 and m["doc_pairs"]["recall"] == 0.5


def test_ece_known_answer():
    from arcrime.metrics import expected_calibration_error

    y = np.array([1, 0, 1, 1])
    p = np.array([0.95, 0.95, 0.15, 0.15])
    # bin 9: conf .95, acc .5 -> .45 * .5 ; bin 1: conf .15, acc 1 -> .85 * .5
    assert expected_calibration_error(y, p) == pytest.approx(0.5 * 0.45 + 0.5 * 0.85)


def test_temperature_softens_overconfident_scores():
    from arcrime.metrics import fit_temperature

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.where(rng.random(400) < 0.7, y, 1 - y) * 0.98 + 0.01  # 70% right but 99% confident
    assert fit_temperature(y, p) > 1.5
