"""RESULTS.md generation: the targets table never chooses a model by its test score."""

import json

from arcrime.report import write_report


def _metrics(macro, legal_rules=0.5):
    lab = {"n_docs": 10, "macro_f1": macro, "per_label": {"extortion": {"f1": macro}, "defamation": {"f1": macro}}}
    rules = {"exact": {"f1": legal_rules}, "overlap": {"f1": legal_rules}, "doc_pairs": {"f1": legal_rules}}
    return {"labels": lab, "data": "x.jsonl", "legal_refs": {"model": {"exact": {"f1": 0.1}}, "rules": rules}}


def _run(root, name, started, dev, test, rules=0.5):
    d = root / name
    d.mkdir()
    (d / "run.json").write_text(json.dumps({"kind": "train", "started": started, "encoder_source": "enc",
                                            "git": {"commit": "abc"}}), encoding="utf-8")
    for split, m in (("real_dev", dev), ("real_test", test), ("test", test)):
        (d / f"metrics_{split}.json").write_text(json.dumps(_metrics(m, rules)), encoding="utf-8")


def test_targets_take_the_bert_chosen_on_dev_and_the_newest_rules(tmp_path):
    _run(tmp_path, "best-on-test", "2026-01-01T00:00:00", dev=0.40, test=0.60, rules=0.70)
    _run(tmp_path, "best-on-dev", "2026-01-02T00:00:00", dev=0.55, test=0.30, rules=0.65)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    targets = text[text.index("## Targets"):]
    assert "chosen on real dev (best-on-dev, dev 0.550)" in targets and "best-on-test" not in targets
    assert "| 0.650 |" in targets and "0.700" not in targets  # the newest run's rules, not the highest


def test_seed_check_table(tmp_path):
    d = tmp_path / "trainer-switch-seeds"
    d.mkdir()
    runs = {"hand-loop": {"13": {"test": 0.79, "dev": 0.8, "commit": "1e468605"}},
            "trainer": {"13": {"test": 0.78, "dev": 0.81, "commit": "abcdef12"}}}
    mean = {k: {"test": v["13"]["test"], "dev": v["13"]["dev"], "seeds": [13]} for k, v in runs.items()}
    (d / "summary.json").write_text(json.dumps({"what": "w", "runs": runs, "mean": mean}), encoding="utf-8")
    _run(tmp_path, "r", "2026-01-01", dev=0.5, test=0.5)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    assert "| hand-loop | 13 | 0.790 | 0.800 | 1e468605 |" in text
    assert "| **trainer mean** | 1 seeds | **0.780** | **0.810** | |" in text


def test_stack_equivalence_line(tmp_path):
    d = tmp_path / "trainer-switch-seeds"
    d.mkdir()
    (d / "summary.json").write_text(json.dumps({"what": "w", "runs": {}, "mean": {}}), encoding="utf-8")
    (d / "equivalence.json").write_text(json.dumps({
        "what": "dropout off", "steps": 100, "largest_change_in_training": 0.0132,
        "largest_difference": {"parameter": "classifier.bias", "max_abs_diff_between_stacks": 4.1e-05}}), encoding="utf-8")
    _run(tmp_path, "r", "2026-01-01", dev=0.5, test=0.5)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    assert "After 100 steps the largest weight difference between the stacks is 4.1e-05 (`classifier.bias`)" in text
    assert "moved weights by up to 1.3e-02" in text and "equivalence-dropout.json" not in text


def test_encoder_table(tmp_path):
    enc = tmp_path / "encoders" / "enc-a"
    enc.mkdir(parents=True)
    (enc / "pretrain_log.json").write_text(json.dumps({
        "config": {"heldout_articles": 500, "init_from": ""}, "corpus": ["x/SaudiNewsNet/articles.txt.xz"],
        "steps": 10, "tokens_seen": 2_000_000, "train_seconds": 120, "final_heldout_loss": 7.1,
        "final_heldout_perplexity": 1212.0, "reference": {"unigram_heldout_loss": 8.1}, "git": {"commit": "abc", "dirty": False}}))
    exp = tmp_path / "experiments"
    exp.mkdir()
    _run(exp, "r", "2026-01-01", dev=0.5, test=0.5)
    text = write_report(exp).read_text(encoding="utf-8")
    assert ("| enc-a | random | SaudiNewsNet | 10 | 2.0M | 2.0 | first 500 articles of the general corpora | 7.100 | 1212 "
            "| 8.100 | abc |") in text
    # continued encoders: on the general corpora they share its held-out set; on domain.txt they have their own
    for name, corpus in (("enc-cont", "x/antcorpus.data/articles.txt.xz"), ("enc-dapt", "data/real/hydrated/domain.txt")):
        d = tmp_path / "encoders" / name
        d.mkdir()
        (d / "pretrain_log.json").write_text(json.dumps({
            "config": {"heldout_articles": 500, "init_from": "encoders/enc-a"}, "corpus": [corpus], "steps": 5,
            "tokens_seen": 1_000_000, "train_seconds": 60, "final_heldout_loss": 6.5, "final_heldout_perplexity": 665.1,
            "git": {"commit": "def"}}))
    text = write_report(exp).read_text(encoding="utf-8")
    assert "| enc-cont | continued from `enc-a` | antcorpus.data | 5 | 1.0M | 1.0 | first 500 articles of the general corpora |" in text
    assert "| enc-dapt | continued from `enc-a` | domain.txt | 5 | 1.0M | 1.0 | first 500 articles of its own corpus |" in text
    # the best encoder on the general held-out set against the perplexity target (the domain one does not count)
    assert "Best on the general held-out set: `enc-cont`, loss 6.500, perplexity 665.1: the perplexity target is missed by 295.1." in text
    (d / "pretrain_log.json").write_text(json.dumps({  # enc-dapt, lower but on its own held-out set
        "config": {"heldout_articles": 500, "init_from": "encoders/enc-a"}, "corpus": ["data/real/hydrated/domain.txt"],
        "steps": 5, "tokens_seen": 1_000_000, "train_seconds": 60, "final_heldout_loss": 5.0, "final_heldout_perplexity": 148.4,
        "git": {"commit": "def"}}))
    assert "`enc-cont`, loss 6.500" in write_report(exp).read_text(encoding="utf-8")


def test_quickstart_seeds_table_with_mean_min_max_and_recipe_check(tmp_path):
    def qs(d, seed, test, real_test, lr=3e-4):
        d.mkdir(parents=True)
        (d / "run.json").write_text(json.dumps({"seed": seed, "git": {"commit": "abcdef12"},
                                                "test": {"macro_f1": test}, "real_test": {"macro_f1": real_test}}),
                                    encoding="utf-8")
        (d / "config.yaml").write_text(f"train:\n  seed: {seed}\n  learning_rate: {lr}\nrun:\n  name: {d.name}\n",
                                       encoding="utf-8")

    _run(tmp_path, "r", "2026-01-01", dev=0.5, test=0.5)
    qs(tmp_path / "quickstart", 13, 0.70, 0.30)
    assert "over seeds" not in write_report(tmp_path).read_text(encoding="utf-8")  # one seed: no table
    qs(tmp_path / "quickstart-seeds" / "quickstart-s14", 14, 0.80, 0.20)
    qs(tmp_path / "quickstart-seeds" / "quickstart-s15", 15, 0.90, 0.40, lr=1e-3)  # another recipe: flagged
    text = write_report(tmp_path).read_text(encoding="utf-8")
    cur = "| current: Trainer, the sampler's own batches, windows without overlap |"
    assert f"{cur} quickstart-s14 | 14 | 0.800 | 0.200 | yes | abcdef12 |" in text
    assert f"{cur} quickstart-s15 | 15 | 0.900 | 0.400 | **no** (not in mean/min/max) | abcdef12 |" in text
    assert f"{cur} **mean** | 2 seeds | **0.750** | **0.250** | | |" in text  # seeds 13 and 14: s15 is another recipe
    assert f"{cur} **max** | 2 seeds | **0.800** | **0.300** | | |" in text
    assert "Current minus" not in text  # one stack: nothing to compare
    assert "quickstart-recut-seeds" not in text  # no folder: not named
    # the same recipe on an earlier stack: its own spread, and the difference of the means
    qs(tmp_path / "quickstart-recut-seeds" / "quickstart-recut-s13", 13, 0.60, 0.50)
    qs(tmp_path / "quickstart-recut-seeds" / "quickstart-recut-s14", 14, 0.70, 0.40)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    assert "| Trainer, batches re-cut by the DataLoader (3996b26, before 249a1bb) | **mean** | 2 seeds | **0.650** | **0.450** | | |" in text
    assert "| test | 0.750 | 0.650 | +0.100 | 0.67 |" in text  # 4 of the 6 splits of {.7,.8,.6,.7} are as extreme
    assert "| real_test | 0.250 | 0.450 | -0.200 | 0.33 |" in text  # only the observed split and its mirror
    assert "Current minus *Trainer, batches re-cut by the DataLoader (3996b26, before 249a1bb)* (2 vs 2 seeds)" in text
    # an earlier recipe: judged against its own first run's config, and compared with the current group too
    qs(tmp_path / "quickstart-stride32-seeds" / "quickstart-s13", 13, 0.50, 0.10, lr=5e-4)
    qs(tmp_path / "quickstart-stride32-seeds" / "quickstart-s14", 14, 0.60, 0.20, lr=5e-4)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    old = "| windows overlapping by 32 tokens (model.stride 32, before 80725da) |"
    assert f"{old} quickstart-s14 | 14 | 0.600 | 0.200 | yes | abcdef12 |" in text
    assert f"{old} **mean** | 2 seeds | **0.550** | **0.150** | | |" in text
    assert "Current minus *windows overlapping by 32 tokens (model.stride 32, before 80725da)* (2 vs 2 seeds)" in text
    assert "| test | 0.750 | 0.550 | +0.200 |" in text


def test_quickstart_seeds_refuses_a_seed_twice_in_the_current_stack(tmp_path):
    import pytest

    for d, seed in ((tmp_path / "quickstart", 13), (tmp_path / "quickstart-seeds" / "quickstart-s13", 13)):
        d.mkdir(parents=True)
        (d / "run.json").write_text(json.dumps({"seed": seed, "test": {"macro_f1": 0.5}}), encoding="utf-8")
    with pytest.raises(ValueError, match="same seed"):
        write_report(tmp_path)


def test_permutation_p_is_exact():
    from arcrime.report import _permutation_p

    assert _permutation_p([1.0, 2.0], [1.0, 2.0]) == 1.0
    assert _permutation_p([3.0, 4.0], [1.0, 2.0]) == 2 / 6  # only the observed split and its mirror


def test_legal_finder_table_lists_each_record_and_file(tmp_path):
    _run(tmp_path, "r", "2026-01-01", dev=0.5, test=0.5)
    d = tmp_path / "legal-finder"
    d.mkdir()
    m = {"n_gold": 219, "exact": {"f1": 0.5864}, "overlap": {"f1": 0.78}, "doc_pairs": {"f1": 0.87}}
    for name, started, f1 in (("after", "2026-02-01", 0.9), ("before", "2026-01-01", 0.5864)):
        (d / f"{name}.json").write_text(json.dumps({"started": started, "source_hints": True, "git": {"commit": "abc12345"},
                                                    "files": {"real_legal.jsonl": {**m, "exact": {"f1": f1}}}}),
                                        encoding="utf-8")
    (d / "draw2.json").write_text(json.dumps({"started": "2026-03-01", "git": {"commit": "abc12345"},
                                              "files": {"real_legal.jsonl (draw 2)": m}}), encoding="utf-8")
    text = write_report(tmp_path).read_text(encoding="utf-8")
    assert "| draw2 | real press, legal split (finder development), draw 2 only | 219 |" in text
    before = "| before | real press, legal split (finder development) | 219 | 0.586 | 0.780 | 0.870 | yes | abc12345 |"
    assert before in text and text.index(before) < text.index("| after |")  # oldest first


def test_targets_show_the_hybrid_option_beside_the_pure_bert(tmp_path):
    _run(tmp_path, "bert", "2026-01-01T00:00:00", dev=0.50, test=0.34)
    h = tmp_path / "hybrid"
    h.mkdir()
    (h / "run.json").write_text(json.dumps({"kind": "hybrid", "started": "2026-01-03T00:00:00", "model": "stacked hybrid",
                                            "git": {"commit": "def"}}), encoding="utf-8")
    for split, m in (("real_dev", 0.67), ("real_test", 0.59), ("test", 0.87)):
        (h / f"metrics_{split}.json").write_text(json.dumps(_metrics(m)), encoding="utf-8")
    targets = write_report(tmp_path).read_text(encoding="utf-8").split("## Targets")[1]
    assert "chosen on real dev (bert, dev 0.500): macro-F1 | 0.340 | 0.90 | -0.560 |" in targets  # the BERT row stays
    assert "| the stacked hybrid option (hybrid: BERT + TF-IDF + keyword rules, combined on real dev): macro-F1 | 0.590 " \
           "| 0.90 | -0.310 |" in targets
    assert "| its written-test macro-F1 | 0.870 | 0.93 | -0.060 |" in targets


def test_recipe_treats_a_later_setting_at_its_default_as_absent(tmp_path):
    """A run recorded before ``train.calibration_bias`` existed ran the same recipe as one with it at false."""
    import yaml

    from arcrime.report import _recipe

    base = {"model": {"name_or_path": "enc"}, "train": {"seed": 13, "epochs": 3.0, "temperature_scaling": True},
            "run": {"name": "x"}}
    for name, extra in (("old", {}), ("new", {"calibration_bias": False}), ("platt", {"calibration_bias": True})):
        (tmp_path / name).mkdir()
        cfg = {**base, "train": {**base["train"], **extra, "seed": 14 if name == "new" else 13}}
        (tmp_path / name / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    assert _recipe(tmp_path / "old") == _recipe(tmp_path / "new")
    assert _recipe(tmp_path / "platt") != _recipe(tmp_path / "old")


def test_legal_rules_vs_model_vs_both(tmp_path):
    _run(tmp_path, "plain", "2026-01-01T00:00:00", dev=0.5, test=0.5, rules=0.70)
    d = tmp_path / "with-tagger"
    d.mkdir()
    (d / "run_eval_real_test.json").write_text(json.dumps({"kind": "evaluate", "started": "2026-01-03T00:00:00",
                                                           "model": "m", "git": {"commit": "abc"}}), encoding="utf-8")
    m = _metrics(0.5, 0.70)

    def mode(f1, n_pred):
        return {"exact": {"f1": f1}, "overlap": {"f1": f1 + 0.1}, "doc_pairs": {"f1": f1 + 0.05}, "n_pred": n_pred,
                "n_gold": 280}
    m["legal_refs"].update({"rules": mode(0.70, 219), "tagger": mode(0.60, 200), "tagger+rules": mode(0.76, 240)})
    m["legal_tagger"] = "released/legal-tagger"
    (d / "metrics_real_test.json").write_text(json.dumps(m), encoding="utf-8")
    fresh = tmp_path / "legal-tagger"
    fresh.mkdir()
    row = {k: {"exact_f1": 0.7, "overlap_f1": 0.8, "pairs_f1": 0.9} for k in ("rules", "tagger", "rules_first", "tagger_first")}
    (fresh / "fresh-draws.json").write_text(json.dumps({"tagger_trained_on": "earlier draws",
                                                        "draws": {"draw 9": dict(row, articles=55)}, "pooled": row}),
                                            encoding="utf-8")
    text = write_report(tmp_path).read_text(encoding="utf-8")
    modes = text[text.index("## Legal references: rules vs model vs both"):]
    assert "| real press, test | with-tagger | both: legal.tagger_first (confident tagger spans, the rules elsewhere) | 0.760 | 0.860 | 0.810 | 240 / 280 |" in modes
    assert "| real press, test | plain |" not in modes      # a run scored without a tagger has no row here
    targets = text[text.index("## Targets"):]
    assert "| legal references, tagger+rules: span exact F1 (from with-tagger) | 0.760 | 0.90 | -0.140 |" in targets
    tagger = text[text.index("## Legal span tagger on development data"):]
    assert "| fresh-draws | earlier draws | draw 9 | 55 | 0.700 / 0.800 / 0.900 |" in tagger
    assert "| fresh-draws | earlier draws | pooled |" in tagger
