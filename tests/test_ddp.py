"""Multi-process training through the standard launcher, on CPU (gloo): the code path CUDA
multi-GPU runs take. Slow (two interpreters), so off by default: pytest -m slow."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import tiny_config


@pytest.mark.slow
def test_torchrun_two_processes(tmp_path, tiny_split, tiny_tokenizer):
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists() and not shutil.which("torchrun"):
        pytest.skip("torchrun not found")
    cfg = tiny_config(tmp_path, tiny_split, name="ddp", tokenizer=tiny_tokenizer, epochs=2.0)
    path = tmp_path / "ddp.yaml"
    path.write_text(yaml.safe_dump(cfg.to_dict(), allow_unicode=True), encoding="utf-8")
    r = subprocess.run([str(torchrun if torchrun.exists() else "torchrun"), "--nproc_per_node", "2", "-m",
                        "arcrime.cli", "train", "--config", str(path)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / "models" / "ddp" / "model.safetensors").is_file()
    assert (tmp_path / "experiments" / "ddp" / "metrics_test.json").is_file()
