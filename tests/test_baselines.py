import json

import numpy as np
import pytest

from arcrime.baselines import load_baseline
from arcrime.training import train_baseline
from arcrime.config import Config
from arcrime.inference import load


def _cfg(tmp_path, split, kind, **extra):
    return Config.from_dict({
        "data": {k: str(v) for k, v in split.items()},
        "baseline": {"kind": kind, "min_df": 1, **extra},
        "run": {"name": f"b-{kind}", "experiments_dir": str(tmp_path / "exp"), "models_dir": str(tmp_path / "models")},
    })


@pytest.mark.parametrize("kind,extra", [("keywords", {}), ("tfidf", {}), ("tfidf", {"classifier": "svm"})])
def test_baseline_train_save_load_predict(tmp_path, tiny_split, kind, extra):
    cfg = _cfg(tmp_path, tiny_split, kind, **extra)
    res = train_baseline(cfg)
    assert 0.0 <= res["test"]["macro_f1"] <= 1.0
    model_dir = tmp_path / "models" / f"b-{kind}"
    assert not list(model_dir.glob("*.pkl")) and not list(model_dir.glob("*.joblib"))  # no pickle
    texts = [json.loads(x)["text"] for x in tiny_split["test"].read_text(encoding="utf-8").splitlines()]
    b1 = load(model_dir)
    b2 = load_baseline(model_dir)
    o1 = [b1.predict_text(t) for t in texts]
    o2 = list(b2.predict_records({"id": "text-1", "text": t} for t in texts))
    assert o1 == o2
    assert set(o1[0].to_dict()) == {"id", "labels", "scores", "legal_refs"}
    assert b1.labels == cfg.data.labels and set(b1.thresholds) == set(cfg.data.labels)
    assert (model_dir / "README.md").read_text(encoding="utf-8").startswith("---\nlanguage:")  # its card
    m = json.loads((tmp_path / "exp" / f"b-{kind}" / "metrics_test.json").read_text())
    assert {"model", "rules", "model+rules"} <= set(m["legal_refs"])


def test_keyword_baseline_known_answer(tmp_path, tiny_split):
    from arcrime.baselines import KeywordBaseline

    kb = KeywordBaseline(["extortion", "defamation", "impersonation"], ["strip_tashkeel"])
    s = kb.scores(["حاول ابتزاز الضحية", "حملة تشهير ضده", "انتحل صفة طبيب", "خبر عن حادثة سير"])
    assert s.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]


def test_cv_tfidf(tmp_path, tiny_split):
    from arcrime.cv import cross_validate

    cfg = _cfg(tmp_path, tiny_split, "tfidf")
    summary = cross_validate(cfg, folds=3, seeds=[1, 2])
    assert summary["folds"] == 3 and summary["seeds"] == [1, 2]
    runs = json.loads((tmp_path / "exp" / "b-tfidf-cv" / "cv.json").read_text())["runs"]
    assert len(runs) == 6
    assert summary["macro_f1"]["mean"] == pytest.approx(np.mean([r["macro_f1"] for r in runs]))
    assert (tmp_path / "exp" / "b-tfidf-cv" / "run.json").is_file()


def test_cv_folds_are_disjoint_story_grouped_and_train_on_most_of_the_rest():
    from conftest import ROOT, read_jsonl

    from arcrime.cv import make_folds, split_fold

    recs = read_jsonl(ROOT / "data" / "train.jsonl") + read_jsonl(ROOT / "data" / "dev.jsonl")
    story = [r["meta"].get("story") or r["id"] for r in recs]
    for k in (3, 5):
        parts = make_folds(recs, k, 13)
        for i in range(k):
            s = split_fold(recs, parts, i, 13)
            assert sorted(s["train"] + s["dev"] + s["test"]) == list(range(len(recs)))
            stories = {name: {story[j] for j in idx} for name, idx in s.items()}
            assert not stories["train"] & stories["test"] and not stories["dev"] & stories["test"]
            assert not stories["train"] & stories["dev"]
            assert len(s["train"]) > 0.7 * (len(recs) - len(s["test"]))  # dev is about a fifth of the rest
