from pathlib import Path

import pytest

from arcrime.config import Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_configs_load_and_start_with_their_command(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# arcrime "), f"{path.name}: first line must be the command that runs it"
    if "pretrain" in path.name:
        import yaml

        from arcrime.pretrain import load_pretrain_config

        src = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("init_from") or ""
        overrides = None
        if src.startswith("models/"):  # continues the (git-ignored) output of another step: that step must be shipped
            steps = [y for c in sorted(path.parent.glob("pretrain*.yaml"))
                     if (y := yaml.safe_load(c.read_text(encoding="utf-8")) or {}).get("output_dir", "").split()[0:1] == [src]]
            assert steps, f"{path.name}: init_from {src} is the output_dir of no shipped pretraining config"
            overrides = {"init_from": steps[0]["init_from"]}  # what that step starts from, here before it has run
        load_pretrain_config(path, overrides)
    else:
        load_config(path)


def test_unknown_key_lists_valid_keys(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("train:\n  epoch: 3\nmodle: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    msg = str(e.value)
    assert str(p) in msg
    assert "train.epoch: unknown key" in msg and "epochs" in msg
    assert "modle: unknown key" in msg and "model" in msg


def test_wrong_types_all_reported():
    with pytest.raises(ConfigError) as e:
        Config.from_dict({"train": {"epochs": "ten", "group_by_length": "yes"}, "model": {"max_length": 1.5}})
    msg = str(e.value)
    assert "3 problem(s)" in msg
    assert "train.epochs: expected float" in msg
    assert "train.group_by_length: expected bool" in msg
    assert "model.max_length: expected int" in msg


def test_bad_values_and_unknown_normalization_step():
    with pytest.raises(ConfigError) as e:
        Config.from_dict({"normalize": {"steps": ["strip_tashkeel", "nope"]}, "train": {"precision": "fp8"}})
    assert "nope" in str(e.value) and "valid steps" in str(e.value)
    assert "precision" in str(e.value)


def test_overrides_and_roundtrip(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("# arcrime train --config c.yaml\ntrain:\n  epochs: 3\n", encoding="utf-8")
    cfg = load_config(p, {"train.seed": 5})
    assert cfg.train.epochs == 3.0 and cfg.train.seed == 5
    assert Config.from_dict(cfg.to_dict()).to_dict() == cfg.to_dict()


def test_unreachable_hub_model_says_how_to_use_a_local_copy(monkeypatch):
    from arcrime.config import ModelConfig
    from arcrime.model import ModelLoadError, load_pretrained_encoder

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError) as e:
        load_pretrained_encoder(ModelConfig(name_or_path="aubmindlab/bert-base-arabertv02"))
    msg = str(e.value)
    assert "model.name_or_path" in msg and "local" in msg


def test_real_sampling_values_validated():
    with pytest.raises(ConfigError) as e:
        Config.from_dict({"data": {"real_positive_repeat": 0, "real_negative_share": 1.5}})
    assert "data.real_positive_repeat" in str(e.value) and "data.real_negative_share" in str(e.value)
