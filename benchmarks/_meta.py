"""Shared by the benchmarks: what every JSON records about its run (date, git commit, machine),
and the BERT-base shape the training benchmarks use."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def meta() -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from arcrime.runs import git_info

    cpu = platform.processor() or platform.machine()
    try:  # the model name is more telling than the architecture
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "git": git_info(ROOT), "cpu": cpu, "cpu_count": os.cpu_count(), "python": sys.version.split()[0]}


def peak_rss_mb() -> float:
    """This process's own peak resident memory in MB.

    ``VmHWM`` from ``/proc/self/status``: unlike ``getrusage().ru_maxrss``, which Linux carries
    over ``fork`` + ``exec`` (a child started by a parent holding 6 GB would report at least
    6 GB), it belongs to the current address space only. Falls back to ``ru_maxrss`` elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# BERT-base shape as in AraBERT: the encoder's layers and widths, its vocabulary, windows
BASE_SHAPE = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}
BASE_VOCAB, BASE_MAX_LENGTH, BASE_STRIDE = 64000, 512, 64


def set_base_shape(cfg) -> None:
    """Make an arcrime config build a randomly initialised BERT-base-shaped encoder (12 layers,
    hidden 768, 512-token windows) with the shipped tokenizer; widen its embedding table to
    AraBERT's 64k rows with :func:`widen_embeddings` once the trainer is set up."""
    cfg.model.name_or_path = None
    cfg.model.tokenizer = str(ROOT / "encoders/arcrime-bert-small")
    for k, v in BASE_SHAPE.items():
        setattr(cfg.model, k, v)
    cfg.model.max_length, cfg.model.stride = BASE_MAX_LENGTH, BASE_STRIDE


def widen_embeddings(trainer) -> None:
    """64k-row embedding table as in AraBERT (token ids stay below the tokenizer's size)."""
    trainer.model.encoder.resize_token_embeddings(BASE_VOCAB, mean_resizing=False)
