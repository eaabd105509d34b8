"""The shared training loop (fine-tuning and pretraining both run through it)."""

from __future__ import annotations

import pytest
import torch

from arcrime.train import LoopSettings, TrainingLoop

CPU = torch.device("cpu")


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.2), torch.nn.Linear(8, 1))


def _batches(epoch: int, start: int):
    g = torch.Generator().manual_seed(100 + epoch)
    xs = [torch.randn(6, 4, generator=g) for _ in range(5)]  # 5 batches an epoch, deterministic in epoch
    yield from xs[start:]


def _loss(m, x):
    return ((m(x) - x.sum(1, keepdim=True)) ** 2).mean(), x.numel()


class Stop(Exception):
    pass


def test_interrupted_then_resumed_equals_uninterrupted(tmp_path):
    s = LoopSettings(total_steps=9, learning_rate=0.05, warmup_steps=2, grad_accum=2, checkpoint_every=1)
    full = _model()
    info = TrainingLoop(full, CPU, s, ckpt_path=tmp_path / "full.pt").run(_batches, _loss)
    assert info["steps"] == 9 and info["epochs_run"] == 3  # 5 batches, accumulation 2: 3 steps an epoch

    part = _model()

    def crash(step):
        if step == 5:  # mid-epoch (after the checkpoint of step 4)
            raise Stop

    with pytest.raises(Stop):
        TrainingLoop(part, CPU, s, ckpt_path=tmp_path / "part.pt").run(_batches, _loss, crash)
    resumed = _model()
    loop = TrainingLoop(resumed, CPU, s, ckpt_path=tmp_path / "part.pt")
    assert loop.load_checkpoint() and loop.step == 4
    info2 = loop.run(_batches, _loss)
    assert info2["steps"] == 9 and info2["tokens_seen"] == info["tokens_seen"]
    for a, b in zip(full.parameters(), resumed.parameters()):
        assert torch.equal(a, b)


def test_time_budget_stops_early_and_checkpoints(tmp_path):
    s = LoopSettings(total_steps=50, learning_rate=0.01, checkpoint_every=10, max_minutes=1e-9)
    loop = TrainingLoop(_model(), CPU, s, ckpt_path=tmp_path / "c.pt")
    info = loop.run(_batches, _loss)
    assert info["steps"] == 1 and info["stopped_early"]
    assert (tmp_path / "c.pt").is_file()  # the state at the stop can be resumed


def test_loss_falls_and_no_decay_on_bias():
    loop = TrainingLoop(_model(), CPU, LoopSettings(total_steps=30, learning_rate=0.05, weight_decay=0.1))
    info = loop.run(_batches, _loss)
    assert info["loss_curve"][-1] < info["loss_curve"][0]
    groups = loop.opt.param_groups
    assert groups[0]["weight_decay"] == 0.1 and groups[1]["weight_decay"] == 0.0
    assert all(p.ndim == 1 for p in groups[1]["params"])  # biases only


def test_empty_data_is_an_error():
    loop = TrainingLoop(_model(), CPU, LoopSettings(total_steps=3, learning_rate=0.01))
    with pytest.raises(ValueError, match="no batches"):
        loop.run(lambda e, s: iter(()), _loss)
