"""Shared fixtures. Tests never touch the network and write only under tmp_path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]


def read_jsonl(p: Path) -> list[dict]:
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(p: Path, rows: list[dict]) -> Path:
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def dev_records() -> list[dict]:
    return read_jsonl(ROOT / "data" / "dev.jsonl")


def split_files(folder: Path, recs: list[dict], n_train: int = 24, n_dev: int = 6, n_test: int = 6) -> dict[str, Path]:
    """Write a small train/dev/test split cut from ``recs`` into ``folder``."""
    a, b = n_train, n_train + n_dev
    return {"train": write_jsonl(folder / "train.jsonl", recs[:a]), "dev": write_jsonl(folder / "dev.jsonl", recs[a:b]),
            "test": write_jsonl(folder / "test.jsonl", recs[b:b + n_test])}


@pytest.fixture
def tiny_split(tmp_path: Path, dev_records: list[dict]) -> dict[str, Path]:
    """A small train/dev/test split cut from the development set (the real corpus)."""
    return split_files(tmp_path, dev_records)


@pytest.fixture(scope="session")
def tiny_tokenizer(tmp_path_factory, dev_records) -> Path:
    """One WordPiece tokenizer for the session (its training is not bit-reproducible across runs)."""
    from arcrime.model import train_wordpiece
    from arcrime.normalize import Normalizer

    norm = Normalizer()
    tok = train_wordpiece([norm(r["text"]).text for r in dev_records], 600, 2)
    path = tmp_path_factory.mktemp("tok")
    tok.save_pretrained(path)
    return path


def tiny_config(tmp_path: Path, split: dict[str, Path], name: str = "tiny", tokenizer: Path | None = None,
                **train_overrides) -> "object":
    from arcrime.config import Config

    train = {"seed": 7, "epochs": 2.0, "batch_size": 4, "learning_rate": 1e-3, "device": "cpu"} | train_overrides
    return Config.from_dict({
        "model": {"name_or_path": None, "tokenizer": str(tokenizer) if tokenizer else None, "max_length": 64, "stride": 8, "vocab_size": 600, "hidden_size": 32,
                  "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64},
        "data": {k: str(v) for k, v in split.items()},
        "train": train,
        "run": {"name": name, "experiments_dir": str(tmp_path / "experiments"), "models_dir": str(tmp_path / "models")},
    })
