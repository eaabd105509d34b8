"""A tiny model trained on a handful of real development articles: save, reload, predict identically;
same seed, same results; CLI round trip train -> evaluate -> predict."""

import json
import subprocess
import sys

import pytest

from arcrime.config import DEFAULT_MAX_TOKENS
from arcrime.inference import BertPredictor, load
from arcrime.model import ModelLoadError, load_model
from arcrime.training import train
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
    for f in ("config.json", "model.safetensors", "tokenizer.json", "README.md"):
        assert (model_dir / f).is_file()
    texts = [json.loads(x)["text"] for x in split["test"].read_text(encoding="utf-8").splitlines()]
    p1 = load(model_dir, device="cpu", legal_refs="model")
    assert isinstance(p1, BertPredictor)
    p2 = load(model_dir, device="cpu", batch_size=1, legal_refs="model")
    assert p1.max_tokens == DEFAULT_MAX_TOKENS  # the CPU default token budget
    out1 = [p1.predict_text(t) for t in texts]
    out2 = list(p2.predict_records({"id": "text-1", "text": t} for t in texts))
    # large batches under a small token budget: many short windows together, long ones alone
    p3 = load(model_dir, device="cpu", batch_size=64, max_tokens=300, legal_refs="model")
    out3 = list(p3.predict_records({"id": "text-1", "text": t} for t in texts))
    for a, b, c in zip(out1, out2, out3):
        assert a.labels == b.labels == c.labels and a.legal_refs == b.legal_refs == c.legal_refs
        for lab in a.scores:
            assert a.scores[lab] == pytest.approx(b.scores[lab], abs=1e-5)
            assert a.scores[lab] == pytest.approx(c.scores[lab], abs=1e-5)
    for o, t in zip(out1, texts):
        for ref in o.legal_refs:
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
    assert "missing config.json" in str(e.value)
    tmp, cfg, res, split = trained
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in (tmp / "models" / "tiny").iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    w = broken / "model.safetensors"
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 2])  # a truncated copy
    with pytest.raises(ModelLoadError, match="damaged or truncated"):
        load_model(broken)


def test_training_logs_dev_macro_f1_and_keeps_the_best_checkpoint(trained):
    tmp, cfg, res, split = trained
    fit = res["fit"]
    assert fit["stack"].startswith("transformers.Trainer")
    evals = fit["dev_during_training"]
    assert len(evals) == 2 and [e["epoch"] for e in evals] == [1.0, 2.0]  # one dev evaluation per epoch
    best = max(evals, key=lambda e: e["macro_f1"])
    assert fit["best_checkpoint"]["dev_macro_f1"] == best["macro_f1"]
    assert not (tmp / "models" / "tiny.checkpoints").exists()  # checkpoints are removed once the model is saved


def test_hf_native_model_and_pipeline_match_predict(trained):
    """AutoModel / pipeline load the folder without trust_remote_code and agree with arcrime's predictor."""
    import torch
    from transformers import AutoConfig, AutoModel, pipeline

    import arcrime

    tmp, cfg, res, split = trained
    model_dir = tmp / "models" / "tiny"
    assert AutoConfig.from_pretrained(model_dir).model_type == "arcrime"
    hf = AutoModel.from_pretrained(model_dir)
    assert type(hf).__name__ == "ArcrimeForCrimeNews" and hf.config.problem_type == "multi_label_classification"
    texts = [json.loads(x)["text"] for x in split["test"].read_text(encoding="utf-8").splitlines()]
    ours = [p.to_dict() for p in arcrime.load(model_dir, device="cpu").predict_records(
        {"id": f"text-{k + 1}", "text": t} for k, t in enumerate(texts))]
    clf = pipeline("arabic-crime-news", model=str(model_dir), device="cpu")
    theirs = clf(texts)
    # the pipeline scores one article per forward pass, the engine batches windows of several articles: the same
    # labels and spans, the same scores up to float noise in the last printed digit (batch shapes change the sums)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a["labels"] == b["labels"] and a["legal_refs"] == b["legal_refs"] and a["scores"].keys() == b["scores"].keys()
        assert all(a["scores"][k] == pytest.approx(b["scores"][k], abs=1e-5) for k in a["scores"])
        assert set(a) - {"id"} == set(b)
    # the raw model agrees with the engine on a one-window article
    tok = clf.tokenizer
    p = arcrime.load(model_dir, device="cpu")
    short = texts[0][:120]
    enc = p.encoder.encode(short)
    ids, _ = p.encoder.window_inputs(enc, 0)
    with torch.no_grad():
        logits = hf(input_ids=torch.tensor([ids])).logits[0]
    probs = torch.sigmoid(logits).tolist()
    pred = p.predict_text(short)
    # (to 1e-5, not rounded to 5 decimals: a score within float noise of a rounding boundary flipped the last digit)
    assert probs == pytest.approx([pred.scores[lab] for lab in p.labels], abs=1e-5)
    assert tok is not None
    card = (model_dir / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\nlanguage:") and "pipeline_tag: text-classification" in card
    assert f"{res['test']['macro_f1']:.3f}" in card  # the card carries the run's own metrics


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

    from arcrime.inference import plan_batches

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


def test_old_layout_folder_loads_and_converts(trained, tmp_path):
    """A folder in the pre-0.2 layout (encoder/, heads.safetensors, arcrime_model.json) loads with
    arcrime.load and converts to the standard layout with the same predictions."""
    from safetensors.torch import save_file

    import arcrime
    from arcrime.convert import convert_legacy
    from arcrime.model import is_legacy

    tmp, cfg, res, split = trained
    model, tok = load_model(tmp / "models" / "tiny")
    old = tmp_path / "old"
    (old / "encoder").mkdir(parents=True)
    model.encoder.save_pretrained(old / "encoder")
    heads = {f"{n}.{k}": v.contiguous() for n in ("classifier", "tagger")
             for k, v in getattr(model, n).state_dict().items()}
    save_file(heads, str(old / "heads.safetensors"))
    tok.save_pretrained(old)
    c = model.config
    (old / "arcrime_model.json").write_text(json.dumps({
        "labels": c.labels, "thresholds": c.thresholds, "normalize_steps": c.normalize_steps,
        "max_length": c.window_length, "stride": c.stride, "window_aggregation": c.window_aggregation,
        "encoder_source": c.encoder_source, "trust_remote_code": False, "tags": c.tags, "train_config": {},
        "temperatures": {}, "format_version": 1}), encoding="utf-8")
    (old / "config.json").unlink(missing_ok=True)  # tokenizer.save_pretrained writes no config.json
    assert is_legacy(old)
    texts = [json.loads(x)["text"] for x in split["test"].read_text(encoding="utf-8").splitlines()]
    want = [p.to_dict() for p in arcrime.predict(arcrime.load(tmp / "models" / "tiny", device="cpu"), texts)]
    assert [p.to_dict() for p in arcrime.predict(arcrime.load(old, device="cpu"), texts)] == want
    new = convert_legacy(old, tmp_path / "new")
    assert (new / "config.json").is_file() and (new / "README.md").is_file() and not is_legacy(new)
    assert [p.to_dict() for p in arcrime.predict(arcrime.load(new, device="cpu"), texts)] == want


def test_keyword_gate_hybrid(trained, tmp_path):
    """--keyword-gate: the model's score where the label's keyword family occurs, 0 elsewhere, with its own
    thresholds tuned on dev at the end of training."""
    import arcrime

    tmp, cfg, res, split = trained
    model_dir = tmp / "models" / "tiny"
    plain = arcrime.load(model_dir, device="cpu")
    gated = arcrime.load(model_dir, device="cpu", keyword_gate=True)
    assert set(gated.thresholds) == set(plain.labels) and gated.thresholds == plain.config.gate_thresholds
    text = "حاول المتهم ابتزاز الضحية عبر حساب وهمي على فيسبوك."  # extortion and impersonation keywords only
    p, g = plain.predict_text(text), gated.predict_text(text)
    assert g.scores["defamation"] == 0.0 and "defamation" not in g.labels
    assert g.scores["extortion"] == p.scores["extortion"] and g.scores["impersonation"] == p.scores["impersonation"]
    out = tmp_path / "gate"
    m = arcrime.evaluate(model_dir, split["test"], out, split="test", keyword_gate=True, device="cpu")
    assert m["metrics"]["keyword_gate"] and m["metrics"]["model"].endswith("(keyword gate)")
    old = tmp_path / "nogate"
    model = arcrime.ArcrimeForCrimeNews.from_pretrained(model_dir)
    model.config.gate_thresholds = {}
    model.save_pretrained(old)
    plain.tokenizer.save_pretrained(old)
    with pytest.raises(ModelLoadError, match="no keyword-gate thresholds"):
        arcrime.load(old, device="cpu", keyword_gate=True)


def test_epoch_plan_repeats_real_positives_and_draws_real_negatives_per_epoch():
    from collections import Counter

    from arcrime.training import ArticleSampler, real_epoch_plan

    is_real = [False] * 6 + [True] * 24
    has_label = [True, False] * 3 + [True] * 4 + [False] * 20
    assert real_epoch_plan(is_real, has_label, 1, 1.0) is None  # neutral: plain epochs
    plan = real_epoch_plan(is_real, has_label, 3, 0.25)
    assert len(plan) == 6 + 3 * 4 + 5
    lengths = list(range(10, 40))
    epochs = []
    for epoch in range(3):
        a, b = ArticleSampler(lengths, 4, 7, True, plan=plan), ArticleSampler(lengths, 4, 7, True, plan=plan)
        a.set_epoch(epoch)
        b.set_epoch(epoch)
        batches = list(a)
        order = [i for batch in batches for i in batch]
        assert batches == list(b) and len(order) == a.n_articles() == len(plan)  # deterministic in (seed, epoch)
        assert len(batches) == len(a) == -(-len(plan) // 4) and sum(len(batch) != 4 for batch in batches) <= 1
        count = Counter(order)
        assert all(count[i] == 1 for i in range(6))  # written articles: once, labelled or not
        assert all(count[i] == 3 for i in range(6, 10))  # real articles with a label: repeated
        drawn = {i for i in range(10, 30) if count[i]}
        assert len(drawn) == 5 and all(count[i] == 1 for i in drawn)
        epochs.append(drawn)
    assert len(set(map(frozenset, epochs))) > 1  # a fresh draw of negatives each epoch


def test_trainer_batches_are_the_samplers_own_batches_every_epoch(tmp_path, dev_records, tiny_tokenizer):
    """The Trainer's train loader yields make_batches' batches whole (a batch sampler, not an index
    stream re-cut into chunks that straddle length groups), and set_epoch reaches it."""
    import torch

    from arcrime.training import ArticleCollator, FineTuneRecipe, make_batches
    from conftest import split_files

    cfg = tiny_config(tmp_path, split_files(tmp_path, dev_records), tokenizer=tiny_tokenizer, batch_size=5)
    recipe = FineTuneRecipe(cfg)
    recipe.setup()
    trainer = recipe.trainer()
    loader = trainer.get_train_dataloader()
    lengths = [d.n_tokens for d in recipe.train_docs]
    collate = ArticleCollator(recipe.doc_encoder)
    bs = cfg.train.batch_size
    assert len(lengths) % bs, "the fixture should leave one short batch"
    seen = []
    for epoch in (0, 1):
        loader.set_epoch(epoch)
        want = make_batches(lengths, bs, cfg.train.seed, epoch, cfg.train.group_by_length)
        got = list(loader)
        assert len(got) == len(want) == len(loader)
        for g, idx in zip(got, want):
            w = collate([trainer.train_dataset[i] for i in idx])
            assert torch.equal(g["input_ids"], w["input_ids"]) and torch.equal(g["labels"], w["labels"])
        seen.append(want)
    assert seen[0] != seen[1]


def test_a_fine_tuned_folder_seeds_a_further_stage_with_its_encoder(trained):
    import torch

    from arcrime.config import ModelConfig
    from arcrime.model import load_pretrained_encoder

    tmp, cfg, res, split = trained
    model, _ = load_model(tmp / "models" / "tiny")
    tok, enc = load_pretrained_encoder(ModelConfig(name_or_path=str(tmp / "models" / "tiny"), max_length=64))
    assert tok.is_fast and type(enc) is type(model.encoder)
    for k, v in model.encoder.state_dict().items():
        assert torch.equal(enc.state_dict()[k], v), k


def test_calibrated_dev_scores_from_one_pass_equal_the_saved_predictors_bit_for_bit(trained):
    """Training fits the temperatures and tunes the thresholds on dev in one pass: the calibrated scores come
    from that pass's logits. They must equal what the saved model's predictor prints exactly, or a threshold
    (a dev score) would no longer sit on the article it came from."""
    import numpy as np

    from arcrime.inference import calibrated_scores
    from arcrime.training import dev_scores

    tmp, cfg, res, split = trained
    texts = [json.loads(x)["text"] for x in split["dev"].read_text(encoding="utf-8").splitlines()]
    p = load(tmp / "models" / "tiny", device="cpu", legal_refs="model", chunk_size=2)
    p.config.temperatures = {lab: 0.6 + 0.35 * i for i, lab in enumerate(p.labels)}
    outs = p.raw_outputs(texts)
    mine = dev_scores([calibrated_scores(o.logits, p.temperature_tensor()) for o in outs])
    printed = np.array([[pr.scores[lab] for lab in p.labels]
                        for pr in p.predict_records({"id": str(i), "text": t} for i, t in enumerate(texts))])
    assert mine.shape == (len(texts), len(p.labels)) and np.array_equal(mine, printed)
    uncalibrated = dev_scores([calibrated_scores(o.logits) for o in outs])
    assert not np.array_equal(uncalibrated, printed)  # the temperatures do change the scores
