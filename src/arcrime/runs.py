"""Run records: every training or evaluation writes ``experiments/<run>/``.

A record holds the resolved config (``config.yaml``), ``run.json`` (git commit and whether the
tree was dirty, package versions, seed, command line, host facts, timings) and whatever the
run adds (metrics, predictions, plots). Numbers in README/RESULTS.md come only from here.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from .fileio import write_json, write_text

PACKAGES = ("arcrime", "torch", "transformers", "tokenizers", "datasets", "scikit-learn", "safetensors",
            "numpy", "onnxruntime")


def git_info(cwd: str | Path = ".") -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        # run records being regenerated (experiments/) do not change what ran
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                     ":(exclude)experiments"], cwd=cwd,
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": dirty}


def package_versions() -> dict[str, str | None]:
    out = {}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    return out


def environment() -> dict[str, Any]:
    import torch

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": __import__("os").cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


class RunRecord:
    """Collects a run's facts and writes them atomically."""

    def __init__(self, folder: str | Path, kind: str, config: dict[str, Any] | None, seed: int | None,
                 filename: str = "run.json"):
        self.folder = Path(folder)
        self.filename = filename
        self.info: dict[str, Any] = {
            "kind": kind,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": " ".join(sys.argv),
            "seed": seed,
            "git": git_info(),
            "packages": package_versions(),
            "environment": environment(),
        }
        self.config = config
        self.t0 = time.time()

    def finish(self, **extra: Any) -> None:
        self.info["wall_seconds"] = round(time.time() - self.t0, 2)
        self.info.update(extra)
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.config is not None:
            write_text(self.folder / "config.yaml", yaml.safe_dump(self.config, allow_unicode=True, sort_keys=False))
        write_json(self.folder / self.filename, self.info)
