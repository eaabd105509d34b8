"""A tiny model trained on a handful of real development articles: save, reload, predict identically;
same seed, same results; CLI round trip train -> evaluate -> predict."""

import json
import subprocess
import sys

import pytest

from arcrime.config import DEFAULT_MAX_TOKENS
from arcrime.model import ModelLoadError, load_model
from arcrime.predict import Predictor
from arcrime.train import train
from conftest import tiny_config


@pytest.fixture(scope="module")
def trained(tmp_path_factory, dev_records, tiny_tokenizer):
    from conftest import split_files

    tmp = tmp_path_factory.mktemp("tiny")
    split = split_files(tmp, dev_records)
    cfg = tiny_config(tmp, split, tokenizer=tiny_tokenizer)
    res = train(cfg)
    return tmp, cfg, res, split


def test_saves_reloads_and_predicts_identically(trained):
    tmp, cfg, res, split = trained
    model_dir = tmp / "models" / "tiny"
    for f in ("arcrime_model.json", "heads.safetensors", "encoder/model.safetensors", "tokenizer.json"):
        assert (model_dir / f).is_file()
    texts = [json.loads(x)["text"] for x in split["test"].read_text(encoding="utf-8").splitlines()]
    p1 = Predictor.from_pretrained(model_dir, device="cpu", legal_refs="model")
    p2 = Predictor.from_pretrained(model_dir, device="cpu", batch_size=1, legal_refs="model")
    assert p1.max_tokens == DEFAULT_MAX_TOKENS  # the CPU default token budget
    out1 = [p1.predict_text(t) for t in texts]
    out2 = list(p2.predict_records({"id": "text-1", "text": t} for t in texts))
    # large batches under a small token budget: many short windows together, long ones alone
    p3 = Predictor.from_pretrained(model_dir, device="cpu", batch_size=64, max_tokens=300, legal_refs="model")
    out3 = list(p3.predict_records({"id": "text-1", "text": t} for t in texts))
    for a, b, c in zip(out1, out2, out3):
        assert a["labels"] == b["labels"] == c["labels"] and a["legal_refs"] == b["legal_refs"] == c["legal_refs"]
        for lab in a["scores"]:
            assert a["scores"][lab] == pytest.approx(b["scores"][lab], abs=1e-5)
            assert a["scores"][lab] == pytest.approx(c["scores"][lab], abs=1e-5)
    for o, t in zip(out1, texts):
        for ref in o["legal_refs"]:
            assert t[ref["start"]:ref["end"]] == ref["text"]
    run = json.loads((tmp / "experiments" / "tiny" / "run.json").read_text())
    assert run["seed"] == 7 and run["packages"]["torch"] and "commit" in run["git"]
    assert (tmp / "experiments" / "tiny" / "metrics_test.json").is_file()
    assert (tmp / "experiments" / "tiny" / "predictions_test.jsonl").is_file()
    assert (tmp / "experiments" / "tiny" / "config.yaml").is_file()


def test_same_seed_same_metrics(trained, tmp_path, tiny_tokenizer):
    tmp, cfg, res, split = trained
    cfg2 = tiny_config(tmp_path, split, name="again", tokenizer=tiny_tokenizer)
    res2 = train(cfg2)
    strip = lambda d: {k: v for k, v in d.items() if k != "docs_per_second"}  # noqa: E731
    assert strip(res2["test"]) == strip(res["test"])
    a = (tmp / "experiments" / "tiny" / "predictions_test.jsonl").read_text()
    b = (tmp_path / "experiments" / "again" / "predictions_test.jsonl").read_text()
    assert a == b


def test_existing_run_not_overwritten(trained):
    from arcrime.fileio import OutputExistsError

    tmp, cfg, res, split = trained
    with pytest.raises(OutputExistsError):
        train(cfg)


def test_missing_model_files_clear_error(trained, tmp_path):
    with pytest.raises(ModelLoadError) as e:
        load_model(tmp_path)
    assert "missing arcrime_model.json" in str(e.value)


def test_cli_round_trip(trained, tmp_path):
    tmp, cfg, res, split = trained
    model_dir = tmp / "models" / "tiny"
    env_py = [sys.executable, "-m", "arcrime.cli"]
    ev = subprocess.run(env_py + ["evaluate", "--model", str(model_dir), "--data", str(split["test"]),
                                  "--out", str(tmp_path / "ev"), "--device", "cpu"],
                        capture_output=True, text=True, timeout=300)
    assert ev.returncode == 0, ev.stderr
    assert "macro-F1" in ev.stderr and "legal refs [rules" in ev.stderr
    text = "وتوبع المتهم طبقا للفصل 538 من القانون الجنائي بعد أن طالب الضحية بمال مقابل عدم نشر صورها."
    pr = subprocess.run(env_py + ["predict", "--model", str(model_dir), text, "--legal-refs", "model+rules",
                                  "--device", "cpu"],
                        capture_output=True, text=True, timeout=300)
    assert pr.returncode == 0, pr.stderr
    out = json.loads(pr.stdout)
    assert set(out) == {"id", "labels", "scores", "legal_refs"}
    refs = [r for r in out["legal_refs"] if r["instrument"] == "MA/penal-code"]
    assert refs and text[refs[0]["start"]:refs[0]["end"]] == refs[0]["text"]
    # batch input with a bad line: good records predicted, bad one reported, count invariant
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": "a", "text": "نص أول"}\n{bad json\n{"id": "b", "text": "نص ثان"}\n', encoding="utf-8")
    outp = tmp_path / "out.jsonl"
    pr = subprocess.run(env_py + ["predict", "--model", str(model_dir), "--input", str(inp), "--output", str(outp),
                                  "--device", "cpu"], capture_output=True, text=True, timeout=300)
    assert pr.returncode == 0, pr.stderr
    assert [json.loads(x)["id"] for x in outp.read_text(encoding="utf-8").splitlines()] == ["a", "b"]
    errs = (tmp_path / "out.jsonl.errors.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(errs) == 1 and json.loads(errs[0])["line"] == 2
    strict = subprocess.run(env_py + ["predict", "--model", str(model_dir), "--input", str(inp), "--strict",
                                      "--device", "cpu"], capture_output=True, text=True, timeout=300)
    assert strict.returncode == 2
    bad = subprocess.run(env_py + ["predict", "--model", str(model_dir), text, "--max-tokens", "0", "--device", "cpu"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "--max-tokens must be >= 1" in bad.stderr


@pytest.mark.parametrize("batch_size,max_tokens", [(1, None), (4, None), (64, 300), (64, 50), (3, 10_000)])
def test_plan_batches_limits(batch_size, max_tokens):
    import random

    from arcrime.predict import plan_batches

    rng = random.Random(batch_size)
    lengths = [rng.randint(3, 130) for _ in range(200)]
    batches = plan_batches(lengths, batch_size, max_tokens)
    assert sorted(i for b in batches for i in b) == list(range(200))  # every window exactly once
    for b in batches:
        assert len(b) <= batch_size
        longest = max(lengths[i] for i in b)
        assert len(b) == 1 or max_tokens is None or len(b) * longest <= max_tokens
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat)  # length-sorted, so padding inside a batch is small
