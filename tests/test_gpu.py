"""CUDA code paths: bf16/fp16 autocast training, GPU inference, MLM pretraining on the GPU.

Deselected by default (``-m gpu`` runs them); ``benchmarks/gpu_check.sh`` runs them on a CUDA machine.
"""

from __future__ import annotations

import json

import pytest
import torch
from conftest import split_files, tiny_config

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


@pytest.mark.parametrize("precision", ["bf16", "fp16", "fp32"])
def test_train_on_cuda_with_autocast(tmp_path, dev_records, tiny_tokenizer, precision):
    from arcrime.inference import load
    from arcrime.training import train

    split = split_files(tmp_path, dev_records, 40, 8, 8)
    cfg = tiny_config(tmp_path, split, name=f"gpu-{precision}", tokenizer=tiny_tokenizer, epochs=6.0,
                      device="cuda", precision=precision)
    res = train(cfg)
    curve = res["fit"]["loss_curve"]
    assert all(x == x for x in curve), "NaN loss"  # noqa: PLR0124
    assert res["fit"]["final_loss"] < curve[0], f"loss did not fall with {precision}: {curve}"
    model_dir = tmp_path / "models" / f"gpu-{precision}"
    texts = [r["text"] for r in dev_records[:12]]
    gpu = load(model_dir, device="cuda", precision=precision)
    cpu = load(model_dir, device="cpu")
    assert gpu.max_tokens > cpu.max_tokens  # large batches on the GPU by default
    a = [gpu.predict_text(t).scores for t in texts]
    b = [cpu.predict_text(t).scores for t in texts]
    tol = 1e-4 if precision == "fp32" else 5e-2  # half-precision autocast changes scores slightly
    for x, y in zip(a, b):
        assert all(abs(x[k] - y[k]) <= tol for k in x), (x, y)


def test_pretrain_on_cuda_bf16(tmp_path, dev_records):
    from test_pretrain import _cfg, _corpus

    from arcrime.pretrain import pretrain

    info = pretrain(_cfg(tmp_path, device="cuda", max_steps=30, eval_every=10, checkpoint_every=10),
                    _corpus(tmp_path, dev_records))
    assert info["device"].startswith("cuda") and info["steps"] == 30
    curve = [c["heldout_loss"] for c in info["heldout_curve"]]
    assert curve[-1] < curve[0]
    assert json.loads((tmp_path / "enc" / "pretrain_log.json").read_text())["steps"] == 30
