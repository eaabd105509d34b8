"""One typed configuration object, loaded from YAML and validated before anything runs.

Every section is a dataclass with a one-line comment per field. :func:`load_config` reads a
YAML file and reports *all* problems at once (unknown keys with the valid ones listed, wrong
types, bad values), naming the file and the dotted key. ``to_dict`` gives the resolved
config that every run records.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .normalize import DEFAULT_STEPS, STEPS

DEFAULT_LABELS = ["extortion", "defamation", "impersonation"]
SPAN_KINDS = ["code", "law", "decree", "article"]
# inference: padded tokens per forward pass (see arcrime.inference.plan_batches); on CPU, large
# batches of long windows are slower than small ones, a GPU wants large batches
DEFAULT_MAX_TOKENS = 2048
DEFAULT_MAX_TOKENS_CUDA = 65536


class ConfigError(ValueError):
    """Invalid configuration; the message lists every problem found."""


@dataclass
class ModelConfig:
    name_or_path: str | None = None  # hub id or local dir of an Arabic BERT; None = build a small BERT locally
    revision: str | None = None  # hub revision (branch, tag or commit) when name_or_path is a hub id
    trust_remote_code: bool = False  # never run model code from the hub unless explicitly enabled
    max_length: int = 512  # tokens per window including [CLS]/[SEP]; must not exceed the encoder's positions
    stride: int = 64  # tokens of overlap between consecutive windows of a long article
    window_aggregation: str = "max"  # how window logits become document logits: max | mean
    tag_loss_weight: float = 1.0  # weight of the legal-reference BIO loss next to the label BCE loss
    classifier_dropout: float = 0.1  # dropout before both heads
    # --- used only when name_or_path is None (local BERT built from scratch) ---
    tokenizer: str | None = None  # tokenizer folder to reuse; None = train WordPiece on the training split
    vocab_size: int = 8000  # WordPiece vocabulary trained on the training split
    hidden_size: int = 128  # width of the small BERT
    num_hidden_layers: int = 2  # depth of the small BERT
    num_attention_heads: int = 2  # attention heads of the small BERT
    intermediate_size: int = 512  # feed-forward width of the small BERT
    tokenizer_min_frequency: int = 2  # minimum count for a WordPiece merge

    def validate(self) -> list[str]:
        errs = []
        if self.window_aggregation not in ("max", "mean"):
            errs.append(f"model.window_aggregation: {self.window_aggregation!r} is not one of max, mean")
        if self.max_length < 16:
            errs.append("model.max_length: must be at least 16")
        if not 0 <= self.stride < self.max_length // 2:
            errs.append(f"model.stride: must be in [0, max_length/2) = [0, {self.max_length // 2})")
        return errs


@dataclass
class DataConfig:
    train: str | list[str] = "data/train.jsonl"  # training file(s) (corpus JSONL); several are concatenated
    dev: str | list[str] = "data/dev.jsonl"  # development file(s): threshold tuning and model selection
    test: str = "data/test.jsonl"  # held-out test split, scored once at the end
    # folder of the hydrated real-press layer (`arcrime data hydrate`): when it holds real_train/dev/test.jsonl,
    # real_train joins the training files, real_dev the dev files (see select_on) and real_test is scored
    # beside test; when it does not, the run says so and uses the files above only; null = never
    real: str | None = None
    real_train: bool = True  # whether real_train joins the training files when the real layer is used
    select_on: str = "both"  # dev files for thresholds/selection when the real layer is used: both | real | written
    # real press has few positives (about 6% of real_train): per epoch, each real_train article with a label is
    # seen this many times, and this share of the real_train articles with no label is drawn afresh (seeded by
    # train.seed and the epoch), so an epoch is shorter and the rare positives weigh more; 1 and 1.0 = plain epochs
    real_positive_repeat: int = 1
    real_negative_share: float = 1.0
    labels: list[str] = field(default_factory=lambda: list(DEFAULT_LABELS))  # document label names

    def validate(self) -> list[str]:
        errs = []
        if not self.labels:
            errs.append("data.labels: needs at least one label")
        if len(set(self.labels)) != len(self.labels):
            errs.append("data.labels: duplicate label names")
        for name in ("train", "dev"):
            if isinstance(getattr(self, name), list) and not getattr(self, name):
                errs.append(f"data.{name}: needs at least one file")
        if self.select_on not in ("both", "real", "written"):
            errs.append(f"data.select_on: {self.select_on!r} is not one of both, real, written")
        if not isinstance(self.real_positive_repeat, int) or self.real_positive_repeat < 1:
            errs.append(f"data.real_positive_repeat: {self.real_positive_repeat!r} must be an integer >= 1")
        if not 0.0 < float(self.real_negative_share) <= 1.0:
            errs.append(f"data.real_negative_share: {self.real_negative_share!r} must be in (0, 1]")
        return errs

    def real_files(self) -> dict[str, Path] | None:
        """``{"train", "dev", "test"}`` files of the hydrated real layer, or None when not hydrated."""
        if not self.real:
            return None
        files = {s: Path(self.real) / f"real_{s}.jsonl" for s in ("train", "dev", "test")}
        # an empty split (every record of it failed to hydrate) makes the layer unusable, as if absent
        return files if all(p.is_file() and p.stat().st_size > 0 for p in files.values()) else None

    def train_files(self) -> list[str]:
        own = [self.train] if isinstance(self.train, str) else list(self.train)
        real = self.real_files()
        return own + ([str(real["train"])] if real and self.real_train else [])

    def dev_files(self) -> list[str]:
        own = [self.dev] if isinstance(self.dev, str) else list(self.dev)
        real = self.real_files()
        if not real or self.select_on == "written":
            return own
        return [str(real["dev"])] if self.select_on == "real" else own + [str(real["dev"])]

    def eval_files(self) -> dict[str, str]:
        """Split name -> file scored after training: the (first) written dev file, ``test`` and, when the real
        layer is hydrated, ``real_dev`` and ``real_test``."""
        own_dev = [self.dev] if isinstance(self.dev, str) else list(self.dev)
        out = {"dev": own_dev[0]}
        real = self.real_files()
        if Path(self.test).is_file():
            out["test"] = self.test
        if real:
            out["real_dev"] = str(real["dev"])
            out["real_test"] = str(real["test"])
        return out

    def real_status(self) -> str:
        if not self.real:
            return "real-press layer: not configured (data.real is null)"
        if self.real_files():
            used = "train, dev and test" if self.real_train else "dev and test (data.real_train is false)"
            return f"real-press layer: using the {used} splits of {self.real}"
        return (f"real-press layer: not found (or a split is empty) under {self.real} — training and scoring on the written corpus only. "
                f"To add it: arcrime data hydrate --corpus DIR (DIR holds SaudiNewsNet, antcorpus.multisource.data, "
                f"antcorpus.data; see data/real/README.md)")


@dataclass
class NormalizeConfig:
    steps: list[str] = field(default_factory=lambda: list(DEFAULT_STEPS))  # ordered step names

    def validate(self) -> list[str]:
        bad = [s for s in self.steps if s not in STEPS]
        return [f"normalize.steps: unknown step(s) {bad}; valid steps: {', '.join(STEPS)}"] if bad else []


@dataclass
class TrainConfig:
    seed: int = 13  # seeds python, numpy and torch; recorded with the run
    epochs: float = 10.0  # passes over the training split
    max_steps: int = -1  # stop after this many optimizer steps (-1 = use epochs)
    batch_size: int = 16  # windows per step per device (before accumulation)
    grad_accum: int = 1  # gradient accumulation steps
    learning_rate: float = 5e-4  # peak learning rate (AdamW)
    weight_decay: float = 0.01  # AdamW weight decay
    warmup_ratio: float = 0.1  # linear warm-up share of total steps
    max_grad_norm: float = 1.0  # gradient clipping
    group_by_length: bool = True  # batch windows of similar length (less padding)
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    precision: str = "auto"  # auto (bf16 on CUDA if supported, else fp32) | fp32 | bf16 | fp16
    compile: bool = False  # torch.compile the model (CUDA only is sensible)
    tune_thresholds: bool = True  # tune per-label thresholds on dev (maximize F1); else 0.5
    temperature_scaling: bool = False  # fit a per-label temperature on dev (calibration) before thresholds
    # with temperature_scaling: also a per-label bias (Platt scaling, sigmoid(logit / T + b)): calibrated
    # probabilities even when the model's scores are shifted as a whole, which a temperature cannot correct
    calibration_bias: bool = False
    # evaluate on dev and save a resumable checkpoint every N optimizer steps (0 = at the end of every epoch)
    checkpoint_every: int = 0
    early_stopping_patience: int = 0  # stop after this many dev evaluations without a better macro-F1 (0 = never)
    report_to: str = "none"  # Trainer loggers: none | tensorboard | wandb | all ...
    num_threads: int = 0  # torch CPU threads (0 = torch default)
    # any other transformers.TrainingArguments field (e.g. lr_scheduler_type, logging_steps); unknown keys
    # written directly in the train: section that are TrainingArguments fields land here
    trainer_args: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> list[str]:
        errs = []
        if self.precision not in ("auto", "fp32", "bf16", "fp16"):
            errs.append(f"train.precision: {self.precision!r} is not one of auto, fp32, bf16, fp16")
        if self.batch_size < 1 or self.grad_accum < 1:
            errs.append("train.batch_size and train.grad_accum: must be >= 1")
        if self.epochs <= 0 and self.max_steps <= 0:
            errs.append("train.epochs or train.max_steps: one must be positive")
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            errs.append(f"train.device: {self.device!r} is not auto, cpu, cuda or cuda:N")
        if not 0 <= self.warmup_ratio < 1:
            errs.append(f"train.warmup_ratio: {self.warmup_ratio} must be in [0, 1) (a share of the total steps)")
        if self.early_stopping_patience < 0:
            errs.append("train.early_stopping_patience: must be >= 0")
        if self.calibration_bias and not self.temperature_scaling:
            errs.append("train.calibration_bias: needs train.temperature_scaling: true (the bias is fitted with "
                        "the temperature); set both, or neither")
        if self.trainer_args:
            from dataclasses import fields as dc_fields

            from transformers import TrainingArguments

            known = {f.name for f in dc_fields(TrainingArguments)}
            for k in self.trainer_args:
                if k in TRAINER_NAMES:
                    errs.append(f"train.{k}: set train.{TRAINER_NAMES[k]} instead (arcrime's name for it)")
                elif k not in known:
                    errs.append(f"train.trainer_args.{k}: not a transformers.TrainingArguments field")
        return errs


# TrainingArguments fields that the train: section sets under its own name
TRAINER_NAMES = {"num_train_epochs": "epochs", "per_device_train_batch_size": "batch_size",
                 "per_device_eval_batch_size": "batch_size", "gradient_accumulation_steps": "grad_accum",
                 "warmup_steps": "warmup_ratio", "save_steps": "checkpoint_every", "eval_steps": "checkpoint_every",
                 "torch_compile": "compile", "bf16": "precision", "fp16": "precision", "use_cpu": "device",
                 "output_dir": "run.models_dir", "data_seed": "seed", "train_sampling_strategy": "group_by_length"}


@dataclass
class BaselineConfig:
    kind: str | None = None  # None = train the BERT model; keywords | tfidf = a baseline instead
    classifier: str = "logreg"  # tfidf: logreg | svm (one-vs-rest)
    C: float = 4.0  # tfidf: inverse regularization strength
    char_ngram_min: int = 2  # tfidf: character n-gram range (within word boundaries)
    char_ngram_max: int = 5
    word_ngram_max: int = 2  # tfidf: word n-grams 1..N
    min_df: int = 2  # tfidf: minimum document frequency
    max_features: int = 200000  # tfidf: cap per vectorizer

    def validate(self) -> list[str]:
        errs = []
        if self.kind not in (None, "keywords", "tfidf"):
            errs.append(f"baseline.kind: {self.kind!r} is not one of null, keywords, tfidf")
        if self.classifier not in ("logreg", "svm"):
            errs.append(f"baseline.classifier: {self.classifier!r} is not one of logreg, svm")
        return errs


@dataclass
class RunConfig:
    name: str = "run"  # run folder name under experiments/ (and models/)
    experiments_dir: str = "experiments"  # where run records (config, metrics, predictions) go
    models_dir: str = "models"  # where weights go (git-ignored)

    def validate(self) -> list[str]:
        if not self.name or "/" in self.name or self.name.startswith("."):
            return [f"run.name: {self.name!r} must be a plain folder name"]
        return []


@dataclass
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<config>") -> "Config":
        errors: list[str] = []
        cfg = _build(cls, data, "", errors)
        if cfg is not None:
            for sec in dataclasses.fields(cls):
                errors.extend(getattr(cfg, sec.name).validate())
        if errors:
            raise ConfigError(f"{source}: {len(errors)} problem(s):\n  - " + "\n  - ".join(errors))
        return cfg


def _type_ok(value: Any, tp: Any) -> tuple[bool, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            ok, v = _type_ok(value, arg)
            if ok:
                return True, v
        return False, value
    if tp is type(None):
        return value is None, value
    if tp is bool:
        return isinstance(value, bool), value
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return True, float(value)
        return False, value
    if tp is str:
        return isinstance(value, str), value
    if tp is Any:
        return True, value
    if origin is dict:
        return isinstance(value, dict), value
    if origin is list:
        (inner,) = typing.get_args(tp)
        if not isinstance(value, list):
            return False, value
        out = []
        for v in value:
            ok, v2 = _type_ok(v, inner)
            if not ok:
                return False, value
            out.append(v2)
        return True, out
    return isinstance(value, tp), value


def _type_name(tp: Any) -> str:
    return str(tp).replace("typing.", "").replace("<class '", "").replace("'>", "")


def _build(cls: type, data: Any, prefix: str, errors: list[str]) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors.append(f"{prefix.rstrip('.') or '<top level>'}: expected a mapping, got {type(data).__name__}")
        return None
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    also = ""
    if cls is TrainConfig and unknown:  # other TrainingArguments fields, written directly under train:
        from transformers import TrainingArguments

        trainer_fields = {f.name for f in dataclasses.fields(TrainingArguments)}
        data = dict(data)
        extra = dict(data.get("trainer_args") or {})
        for k in [k for k in unknown if k in trainer_fields]:
            extra[k] = data.pop(k)
        data["trainer_args"] = extra
        unknown = [k for k in unknown if k not in trainer_fields]
        also = ", or any transformers.TrainingArguments field"
    for k in unknown:
        errors.append(f"{prefix}{k}: unknown key; valid keys here: {', '.join(fields)}{also}")
    kwargs = {}
    for name, value in data.items():
        if name not in fields:
            continue
        tp = hints[name]
        if dataclasses.is_dataclass(tp):
            sub = _build(tp, value, f"{prefix}{name}.", errors)
            if sub is not None:
                kwargs[name] = sub
            continue
        ok, conv = _type_ok(value, tp)
        if not ok:
            errors.append(f"{prefix}{name}: expected {_type_name(tp)}, got {type(value).__name__} {value!r}")
        else:
            kwargs[name] = conv
    return cls(**kwargs)


def build_config(schema: type, raw: dict[str, Any], source: str = "<config>") -> Any:
    """Any config dataclass from a mapping: unknown keys, wrong types and the dataclass's own
    ``validate()`` problems are all reported at once (the sections of :class:`Config` validate
    themselves; a flat schema like ``PretrainConfig`` validates as a whole)."""
    if schema is Config:
        return Config.from_dict(raw, source=source)
    errors: list[str] = []
    cfg = _build(schema, raw, "", errors)
    if cfg is not None and hasattr(cfg, "validate"):
        errors.extend(cfg.validate())
    if errors:
        raise ConfigError(f"{source}: {len(errors)} problem(s):\n  - " + "\n  - ".join(errors))
    return cfg


def load_config(path: str | Path, overrides: dict[str, Any] | None = None, schema: type = None) -> Any:
    """Load and validate a YAML config: the one loader of every config kind.

    Args:
        path: YAML file.
        overrides: dotted keys to set after loading (``{"train.epochs": 1}``).
        schema: the config dataclass (default :class:`Config`, a training run; ``arcrime.pretrain``
            passes ``PretrainConfig``).

    Raises:
        ConfigError: listing every problem, with the file name.
        FileNotFoundError: when the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} not found; configs live in configs/*.yaml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from e
    for key, value in (overrides or {}).items():
        node = raw
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return build_config(schema or Config, raw, source=str(path))
