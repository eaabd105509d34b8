"""GPU check, run by ``benchmarks/gpu_check.sh`` on a machine with CUDA; prints one JSON summary.

1. the test suite's GPU-marked tests (``pytest -m gpu``: bf16/fp16/fp32 autocast training, GPU vs
   CPU inference, MLM pretraining on CUDA);
2. a randomly initialised BERT-base-shaped model (12 layers, hidden 768, 64k vocabulary, 512-token
   windows) trained with bf16 autocast for ``--steps`` optimizer steps through the real training
   recipe (``arcrime.training.FineTuneRecipe`` on ``transformers.Trainer``) on the corpus; the loss must fall;
3. the inference benchmark (naive pipeline vs engine) on the GPU for the quickstart model.

Writes ``benchmarks/results/gpu_check.json``; exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _meta import meta, set_base_shape, widen_embeddings  # noqa: E402


def gpu_tests() -> dict:
    t0 = time.time()
    r = subprocess.run([sys.executable, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider", "tests"],
                       cwd=ROOT, capture_output=True, text=True)
    tail = (r.stdout + r.stderr).strip().splitlines()[-1:] or [""]
    return {"ok": r.returncode == 0, "summary": tail[0], "seconds": round(time.time() - t0, 1)}


def base_shape_training(steps: int, device: str = "cuda", batch_size: int = 16) -> dict:
    import torch

    from arcrime.config import load_config
    from arcrime.training import FineTuneRecipe

    tmp = tempfile.mkdtemp(prefix="arcrime-gpucheck-")
    cfg = load_config(ROOT / "configs/quickstart.yaml", {
        "train.max_steps": steps, "train.device": device, "train.precision": "bf16", "train.batch_size": batch_size,
        "train.learning_rate": 1e-4, "train.warmup_ratio": 0.06, "run.experiments_dir": tmp, "run.models_dir": tmp,
        "run.name": "gpu-base"})
    set_base_shape(cfg)
    t = FineTuneRecipe(cfg, overwrite=True)
    t.setup()
    widen_embeddings(t)
    t.model.to(t.device)
    cuda = t.device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    info = t.fit()
    curve = info["loss_curve"]
    k = max(1, len(curve) // 5)
    first, last = sum(curve[:k]) / k, sum(curve[-k:]) / k
    return {"ok": last < first, "steps": info["steps"], "seconds": info["train_seconds"],
            "tokens_per_s": info["train_tokens_per_second"], "loss_first_fifth": round(first, 4),
            "loss_last_fifth": round(last, 4),
            "peak_gpu_mem_gb": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None}


def inference(n: int) -> dict:
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks/inference.py"), "--model", str(ROOT / "models/quickstart"),
                        "--n", str(n), "--name", "quickstart-gpu", "--device", "cuda", "--batch-size", "128",
                        "--methods", "naive", "engine", "--repeats", "1"], cwd=ROOT, capture_output=True, text=True)
    if r.returncode:
        return {"ok": False, "error": r.stderr.strip().splitlines()[-1:]}
    res = json.loads((ROOT / "benchmarks/results/inference_quickstart-gpu.json").read_text())
    return {"ok": True, **{m: {k: v for k, v in row.items() if k in ("docs_per_s", "speedup_vs_naive")}
                           for m, row in res["methods"].items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--n", type=int, default=2000)
    a = ap.parse_args()
    import torch

    if not torch.cuda.is_available():
        print(json.dumps({"ok": False, "error": "no CUDA device visible to torch"}))
        sys.exit(2)
    t0 = time.time()
    out = {"recorded": meta(), "benchmark": "gpu_check", "torch": torch.__version__, "cuda": torch.version.cuda,
           "gpu": torch.cuda.get_device_name(0)}
    out["gpu_tests"] = gpu_tests()
    out["base_shape_bf16_training"] = base_shape_training(a.steps)
    out["inference_quickstart"] = inference(a.n) if (ROOT / "models/quickstart").is_dir() else {
        "ok": False, "error": "models/quickstart missing: run scripts/quickstart.sh first"}
    out["seconds"] = round(time.time() - t0, 1)
    out["ok"] = all(v["ok"] for v in out.values() if isinstance(v, dict))
    path = ROOT / "benchmarks/results/gpu_check.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    sys.exit(0 if out["ok"] else 1)


if __name__ == "__main__":
    main()
