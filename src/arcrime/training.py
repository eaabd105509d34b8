"""Fine-tuning recipe: setup → ``transformers.Trainer`` → calibrate and tune thresholds on dev →
save (``save_pretrained`` + model card) → score the dev, test and real-press splits.

The recipe only sets things up; training runs on :class:`ArcrimeTrainer` (a ``transformers.Trainer``)
with a document-level collator: the batching unit is an article, all windows of an article are in
the same batch, and :class:`~arcrime.model.ArcrimeForCrimeNews` aggregates window logits per article
before the label loss, exactly as at inference. So users get what they know from Trainer:
evaluation on dev every epoch (or every ``checkpoint_every`` steps) with macro-F1, the best
checkpoint by dev macro-F1, early stopping, ``report_to`` (none by default), ``torchrun`` /
``accelerate launch``, bf16/fp16 on CUDA, and resume from the last checkpoint
(``models/<run>.checkpoints/``). Any other ``TrainingArguments`` field can be set in the YAML's
``train:`` section (it lands in ``train.trainer_args``).

The one hand-written piece is the train batch sampler (:class:`ArticleSampler`): articles are batched by
similar length (mega-batches of 50 batches, as Trainer's ``LengthGroupedSampler``) in an order
derived from (seed, epoch) only, so a run killed and resumed from a checkpoint sees exactly the
batches an uninterrupted one sees; Trainer's own length-grouped sampler draws its order from the
global RNG, which makes a resumed run diverge (tests/test_robustness.py checks the resumed run's
predictions are identical).
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers
from transformers import EarlyStoppingCallback, TrainerCallback, TrainingArguments
from transformers.trainer_callback import ProgressCallback
from transformers.trainer_utils import EvalPrediction

from .baselines import fit_baseline
from .card import baseline_card, model_card
from .config import Config, ConfigError
from .corpus import dataset_records, load_dataset_split, load_records
from .encoding import IGNORE, DocEncoder, EncodedDoc
from .evaluation import evaluate_model
from .fileio import OutputExistsError, last_complete_checkpoint, write_jsonl
from .inference import BertPredictor, calibrated_scores, resolve_device
from .keywords import gate_thresholds, keyword_matrix
from .metrics import fit_platt, fit_temperature, label_matrix, macro_f1_at, tune_thresholds
from .model import (ArcrimeConfig, ArcrimeForCrimeNews, build_small_bert, load_pretrained_encoder, save_model,
                    train_wordpiece)
from .normalize import Normalizer
from .runs import RunRecord


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


@dataclass
class Batch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    tag_ids: torch.Tensor
    doc_index: torch.Tensor
    doc_labels: torch.Tensor
    n_docs: int
    n_tokens: int


def collate(encoder: DocEncoder, docs: list[EncodedDoc], labels: list[np.ndarray]) -> Batch:
    """Pad all windows of ``docs`` to the longest one (dynamic padding)."""
    seqs, tags, didx = [], [], []
    for d, doc in enumerate(docs):
        for w in range(len(doc.windows)):
            ids, tg = encoder.window_inputs(doc, w)
            seqs.append(ids)
            tags.append(tg)
            didx.append(d)
    L = max(len(s) for s in seqs)
    pad = encoder.tokenizer.pad_token_id or 0
    ids = torch.full((len(seqs), L), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), L), dtype=torch.long)
    tag_t = torch.full((len(seqs), L), IGNORE, dtype=torch.long)
    for i, (s, t) in enumerate(zip(seqs, tags)):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
        tag_t[i, : len(t)] = torch.tensor(t)
    return Batch(ids, mask, tag_t, torch.tensor(didx), torch.tensor(np.stack(labels), dtype=torch.float32),
                 len(docs), int(mask.sum()))


def make_batches(lengths: list[int], batch_size: int, seed: int, epoch: int, group_by_length: bool) -> list[list[int]]:
    """Document-index batches for one epoch (deterministic in seed and epoch).

    With length grouping, documents are shuffled, cut into mega-batches of 50 batches, sorted by
    length inside each, and the resulting batches are shuffled again (as in HF's
    ``LengthGroupedSampler``): far less padding, still random.
    """
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    if group_by_length:
        mega = batch_size * 50
        order = [i for k in range(0, len(order), mega)
                 for i in sorted(order[k : k + mega], key=lambda j: -lengths[j])]
    batches = [order[k : k + batch_size] for k in range(0, len(order), batch_size)]
    if group_by_length:
        rng.shuffle(batches)
    return batches


@dataclass(frozen=True)
class EpochPlan:
    """Which articles one epoch visits: every ``fixed`` article once, every ``repeated`` article
    ``repeat`` times, and a fresh seeded draw of ``share`` of the ``drawn`` articles (see
    ``data.real_positive_repeat`` / ``data.real_negative_share``)."""

    fixed: tuple[int, ...]
    repeated: tuple[int, ...] = ()
    repeat: int = 1
    drawn: tuple[int, ...] = ()
    share: float = 1.0

    @property
    def n_drawn(self) -> int:
        return max(1, round(self.share * len(self.drawn))) if self.drawn else 0

    def __len__(self) -> int:
        return len(self.fixed) + self.repeat * len(self.repeated) + self.n_drawn

    def indices(self, seed: int, epoch: int) -> list[int]:
        rng = random.Random(f"epoch-plan/{seed}/{epoch}")
        drawn = sorted(rng.sample(self.drawn, self.n_drawn)) if self.drawn else []
        return list(self.fixed) + list(self.repeated) * self.repeat + drawn


def real_epoch_plan(is_real: list[bool], has_label: list[bool], repeat: int, share: float) -> EpochPlan | None:
    """The :class:`EpochPlan` for ``data.real_positive_repeat``/``real_negative_share``; None when both are
    neutral (plain epochs: every article once, the order of the committed runs)."""
    if repeat == 1 and share >= 1.0:
        return None
    n = len(is_real)
    return EpochPlan(fixed=tuple(i for i in range(n) if not is_real[i]),
                     repeated=tuple(i for i in range(n) if is_real[i] and has_label[i]), repeat=repeat,
                     drawn=tuple(i for i in range(n) if is_real[i] and not has_label[i]), share=share)


class ArticleSampler(torch.utils.data.Sampler[list[int]]):
    """The batches of one epoch, exactly those of :func:`make_batches` (a batch sampler: deterministic
    in seed and epoch; ``set_epoch`` is called by the Trainer through accelerate's data loader).

    It is passed to the DataLoader as ``batch_sampler``: an index sampler would have its stream re-cut
    into ``batch_size`` chunks, and after make_batches' one short batch every chunk would straddle two
    length groups (the Trainer stack did that until 2026-12-06; a seed check against the hand-written
    loop, scripts/trainer_switch_check.sh, measured written-test macro-F1 0.746 vs 0.803 over 3 seeds).
    Under DDP, accelerate hands whole batches to the ranks in turn.

    With a ``plan``, an epoch visits the plan's articles (repeats and a per-epoch draw) instead of
    every article once."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int, group_by_length: bool,
                 plan: EpochPlan | None = None):
        self.lengths, self.batch_size, self.seed, self.group = lengths, batch_size, seed, group_by_length
        self.plan = plan
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def n_articles(self) -> int:
        """Articles per epoch (with a plan: its visits)."""
        return len(self.plan) if self.plan is not None else len(self.lengths)

    def __len__(self) -> int:
        return -(-self.n_articles() // self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        if self.plan is None:
            yield from make_batches(self.lengths, self.batch_size, self.seed, self.epoch, self.group)
            return
        idx = self.plan.indices(self.seed, self.epoch)
        for b in make_batches([self.lengths[i] for i in idx], self.batch_size, self.seed, self.epoch, self.group):
            yield [idx[p] for p in b]


class ArticleDataset(torch.utils.data.Dataset):
    """Encoded articles with their label vectors (items are indices; the collator builds windows)."""

    def __init__(self, docs: list[EncodedDoc], y: list[np.ndarray]):
        self.docs, self.y = docs, y

    def __len__(self) -> int:
        return len(self.docs)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"doc": self.docs[i], "y": self.y[i], "input_ids": self.docs[i].token_ids}


class ArticleCollator:
    """Articles → windows: ``input_ids``/``attention_mask``/``tag_labels`` per window (dynamic
    padding), ``doc_index`` (the article of each window) and ``labels`` per article."""

    def __init__(self, encoder: DocEncoder):
        self.encoder = encoder

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        b = collate(self.encoder, [it["doc"] for it in items], [it["y"] for it in items])
        return {"input_ids": b.input_ids, "attention_mask": b.attention_mask, "tag_labels": b.tag_ids,
                "doc_index": b.doc_index, "labels": b.doc_labels}


def dev_metrics(labels: list[str]):
    """``compute_metrics`` for the Trainer: dev macro-F1 at 0.5 and with per-label thresholds tuned on
    these dev scores (the decision rule the saved model will use; the best checkpoint is chosen on it)."""

    def compute(p: EvalPrediction) -> dict[str, float]:
        logits = p.predictions[0] if isinstance(p.predictions, tuple) else p.predictions
        scores = 1 / (1 + np.exp(-np.asarray(logits, dtype=np.float64)))
        y = np.asarray(p.label_ids).astype(np.int64)
        thr = tune_thresholds(y, scores, labels)
        return {"macro_f1_at_0.5": macro_f1_at(y, scores, {lab: 0.5 for lab in labels}, labels),
                "macro_f1": macro_f1_at(y, scores, thr, labels)}

    return compute


logger = logging.getLogger(__name__)


class _Bars(ProgressCallback):
    """Trainer's progress bars without its printed log dicts (they would mix with the command's output);
    the numbers stay in ``trainer.state.log_history`` and the run record."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        pass


class _DevLog(TrainerCallback):
    """One log line per dev evaluation: epoch, step, dev macro-F1 (tuned thresholds and at 0.5), loss."""

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if metrics and state.is_world_process_zero:
            logger.info("epoch %.2f (step %d): dev macro-F1 %.4f (at 0.5: %.4f), dev loss %.4f", state.epoch or 0,
                        state.global_step, metrics.get("eval_macro_f1", float("nan")),
                        metrics.get("eval_macro_f1_at_0.5", float("nan")), metrics.get("eval_loss", float("nan")))


class ArcrimeTrainer(transformers.Trainer):
    """``transformers.Trainer`` with the article sampler (see the module docstring)."""

    def __init__(self, *args: Any, train_lengths: list[int] | None = None, epoch_plan: EpochPlan | None = None,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.train_lengths = train_lengths
        self.epoch_plan = epoch_plan
        if not self.args.disable_tqdm:
            self.remove_callback(ProgressCallback)
            self.add_callback(_Bars)
        self.add_callback(_DevLog)

    def _get_train_sampler(self, train_dataset=None):
        ds = train_dataset if train_dataset is not None else self.train_dataset
        lengths = self.train_lengths or [len(ds[i]["input_ids"]) for i in range(len(ds))]
        return ArticleSampler(lengths, self.args.per_device_train_batch_size, self.args.seed,
                              self.args.train_sampling_strategy == "group_by_length", plan=self.epoch_plan)

    def get_train_dataloader(self) -> torch.utils.data.DataLoader:
        """Trainer's train loader with :class:`ArticleSampler` as its ``batch_sampler`` (Trainer's own
        ``_get_dataloader`` only takes an index sampler, whose stream the DataLoader would re-cut)."""
        if self.train_dataset is None:
            raise ValueError("Trainer: training requires a train_dataset.")
        # its own generator: a DataLoader without one draws a seed from the global torch RNG at every
        # epoch, shifting the dropout stream (the batches come from (seed, epoch) alone anyway)
        loader = torch.utils.data.DataLoader(
            self.train_dataset, batch_sampler=self._get_train_sampler(), collate_fn=self.data_collator,
            num_workers=self.args.dataloader_num_workers, pin_memory=self.args.dataloader_pin_memory,
            generator=torch.Generator().manual_seed(self.args.seed))
        return self.accelerator.prepare(loader)


def training_arguments(cfg: Config, output_dir: Path, device: torch.device, has_dev: bool) -> TrainingArguments:
    """The ``TrainingArguments`` of a run: the ``train:`` section's own fields mapped to their Trainer
    names, then ``train.trainer_args`` (any other TrainingArguments field) on top."""
    tc = cfg.train
    cuda = device.type == "cuda"
    bf16 = cuda and (tc.precision == "bf16" or (tc.precision == "auto" and torch.cuda.is_bf16_supported()))
    fp16 = cuda and (tc.precision == "fp16" or (tc.precision == "auto" and not torch.cuda.is_bf16_supported()))
    every = tc.checkpoint_every
    strategy = "steps" if every else "epoch"
    kw: dict[str, Any] = dict(
        output_dir=str(output_dir), seed=tc.seed, data_seed=tc.seed, num_train_epochs=tc.epochs,
        max_steps=tc.max_steps, per_device_train_batch_size=tc.batch_size, per_device_eval_batch_size=tc.batch_size,
        gradient_accumulation_steps=tc.grad_accum, learning_rate=tc.learning_rate, weight_decay=tc.weight_decay,
        warmup_steps=tc.warmup_ratio, max_grad_norm=tc.max_grad_norm, lr_scheduler_type="linear",
        train_sampling_strategy="group_by_length" if tc.group_by_length else "random", bf16=bf16, fp16=fp16, use_cpu=not cuda, torch_compile=tc.compile,
        eval_strategy=strategy if has_dev else "no", save_strategy=strategy,
        eval_steps=every or None, save_steps=every or 500, save_total_limit=2,
        load_best_model_at_end=has_dev, metric_for_best_model="macro_f1", greater_is_better=True,
        logging_strategy="steps", logging_steps=10, report_to=tc.report_to, remove_unused_columns=False,
        label_names=["labels"], dataloader_num_workers=0,
        disable_tqdm=not logging.getLogger("arcrime").isEnabledFor(logging.INFO))
    kw.update(tc.trainer_args)
    return TrainingArguments(**kw)


def dev_scores(rows: list[np.ndarray]) -> np.ndarray:
    """Articles × labels scores as predictions report them (rounded to 6 decimals, see ``Prediction``), so
    thresholds tuned on them compare with later predictions exactly."""
    return np.array([[round(float(s), 6) for s in row] for row in rows], dtype=np.float64)


class FineTuneRecipe:
    """Holds everything a run needs; ``setup`` builds data and model, ``fit`` trains on
    :class:`ArcrimeTrainer`, ``finish`` calibrates, tunes thresholds and saves."""

    def __init__(self, cfg: Config, overwrite: bool = False, resume: bool = False, strict: bool = False):
        self.cfg, self.resume, self.strict = cfg, resume, strict
        self.input_errors: dict[str, list] = {"train": [], "dev": []}
        self.device = resolve_device(cfg.train.device)
        if cfg.train.num_threads:
            torch.set_num_threads(cfg.train.num_threads)
        self.model_dir = Path(cfg.run.models_dir) / cfg.run.name
        self.run_dir = Path(cfg.run.experiments_dir) / cfg.run.name
        self.ckpt_dir = Path(cfg.run.models_dir) / f"{cfg.run.name}.checkpoints"
        if not overwrite and not resume:
            for p in (self.model_dir, self.run_dir):
                if p.exists() and any(p.iterdir()):
                    raise OutputExistsError(f"{p} already exists; pass --overwrite to replace it, "
                                            f"--resume to continue it, or set run.name to a new name")
        self.overwrite = overwrite or resume
        self.last_checkpoint = last_complete_checkpoint(self.ckpt_dir) if resume else None
        if not resume and self.is_main and self.ckpt_dir.is_dir():  # a fresh run never continues old checkpoints
            shutil.rmtree(self.ckpt_dir)
        if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not (cfg.model.name_or_path or cfg.model.tokenizer):
            # each process would train its own WordPiece, and the vocabularies can differ (see setup)
            raise ConfigError("multi-process training needs a fixed tokenizer: set model.name_or_path or "
                              "model.tokenizer (a folder with tokenizer files)")

    @property
    def is_main(self) -> bool:
        return int(os.environ.get("RANK", "0")) == 0

    def setup(self) -> None:
        cfg = self.cfg
        set_seed(cfg.train.seed)
        labels = cfg.data.labels
        if self.is_main:
            logger.info(cfg.data.real_status())
        self.train_recs = dataset_records(load_dataset_split(cfg.data.train_files(), labels, self.strict,
                                                             errors_out=self.input_errors["train"]))
        self.dev_recs = dataset_records(load_dataset_split(cfg.data.dev_files(), labels, self.strict,
                                                           errors_out=self.input_errors["dev"]))
        self.normalizer = Normalizer(cfg.normalize.steps)
        if self.last_checkpoint and cfg.model.name_or_path is None and not cfg.model.tokenizer:
            from transformers import AutoTokenizer

            # the interrupted run's own tokenizer (a retrained one could differ, see below)
            self.tokenizer = AutoTokenizer.from_pretrained(self.last_checkpoint)
            encoder = build_small_bert(cfg.model, self.tokenizer)
            self.encoder_source = "random-init small BERT (tokenizer from the interrupted run)"
        elif cfg.model.name_or_path is None and cfg.model.tokenizer:
            from transformers import AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(cfg.model.tokenizer)
            encoder = build_small_bert(cfg.model, self.tokenizer)
            self.encoder_source = f"random-init small BERT (tokenizer {cfg.model.tokenizer})"
        elif cfg.model.name_or_path is None:
            # NB: tokenizers' WordPiece trainer breaks count ties in hash-map order, so the vocabulary
            # can differ between processes (huggingface/tokenizers#1794); set model.tokenizer for
            # bit-exact reruns.
            texts = [self.normalizer(r["text"]).text for r in self.train_recs]
            self.tokenizer = train_wordpiece(texts, cfg.model.vocab_size, cfg.model.tokenizer_min_frequency)
            encoder = build_small_bert(cfg.model, self.tokenizer)
            self.encoder_source = "random-init small BERT (tokenizer trained on the training split)"
        else:
            self.tokenizer, encoder = load_pretrained_encoder(cfg.model)
            self.encoder_source = cfg.model.name_or_path
        set_seed(cfg.train.seed)  # same head init whatever the tokenizer work consumed
        acfg = ArcrimeConfig(
            id2label=dict(enumerate(labels)), normalize_steps=cfg.normalize.steps, window_length=cfg.model.max_length,
            pad_token_id=self.tokenizer.pad_token_id,
            stride=cfg.model.stride, window_aggregation=cfg.model.window_aggregation,
            tag_loss_weight=cfg.model.tag_loss_weight, classifier_dropout=cfg.model.classifier_dropout,
            encoder_source=self.encoder_source, train_config=cfg.to_dict())
        self.model = ArcrimeForCrimeNews.from_encoder(encoder, acfg)
        self.doc_encoder = DocEncoder(self.tokenizer, self.normalizer, cfg.model.max_length, cfg.model.stride)
        self.train_docs = [self.doc_encoder.encode(r["text"], r["legal_refs"]) for r in self.train_recs]
        self.dev_docs = [self.doc_encoder.encode(r["text"], r["legal_refs"]) for r in self.dev_recs]
        self.train_y = list(label_matrix([r["labels"] for r in self.train_recs], labels).astype(np.float32))
        self.dev_y = list(label_matrix([r["labels"] for r in self.dev_recs], labels).astype(np.float32))

    def trainer(self) -> ArcrimeTrainer:
        cfg, tc = self.cfg, self.cfg.train
        has_dev = bool(self.dev_docs)
        args = training_arguments(cfg, self.ckpt_dir, self.device, has_dev)
        callbacks = [EarlyStoppingCallback(tc.early_stopping_patience)] if tc.early_stopping_patience and has_dev else []
        return ArcrimeTrainer(
            model=self.model, args=args, data_collator=ArticleCollator(self.doc_encoder),
            train_dataset=ArticleDataset(self.train_docs, self.train_y),
            eval_dataset=ArticleDataset(self.dev_docs, self.dev_y) if has_dev else None,
            processing_class=self.tokenizer, compute_metrics=dev_metrics(cfg.data.labels), callbacks=callbacks,
            train_lengths=[d.n_tokens for d in self.train_docs], epoch_plan=self.epoch_plan())

    def epoch_plan(self) -> EpochPlan | None:
        """The per-epoch real-press sampling of ``data.real_positive_repeat``/``real_negative_share``."""
        dc = self.cfg.data
        real = dc.real_files()
        if real is None or not dc.real_train:
            return None
        real_ids = {json.loads(line)["id"] for line in Path(real["train"]).open(encoding="utf-8") if line.strip()}
        plan = real_epoch_plan([r["id"] in real_ids for r in self.train_recs], [bool(r["labels"]) for r in self.train_recs],
                               dc.real_positive_repeat, float(dc.real_negative_share))
        if plan is not None and self.is_main:
            logger.info("per epoch: %d written articles, %d real articles with a label x%d, %d of %d real articles "
                        "with no label (drawn afresh)", len(plan.fixed), len(plan.repeated), plan.repeat,
                        plan.n_drawn, len(plan.drawn))
        return plan

    def fit(self) -> dict[str, Any]:
        trainer = self.trainer()
        if self.resume:
            if self.last_checkpoint:
                logger.info("resumed from %s", self.last_checkpoint)
            else:
                logger.warning("--resume: no checkpoint under %s; starting from scratch", self.ckpt_dir)
        t0 = time.time()
        out = trainer.train(resume_from_checkpoint=self.last_checkpoint)
        secs = time.time() - t0
        self.model = trainer.model
        self.trainer_obj = trainer
        hist = trainer.state.log_history
        evals = [{"epoch": round(h["epoch"], 3), "step": h["step"], "macro_f1": round(h["eval_macro_f1"], 4),
                  "macro_f1_at_0.5": round(h["eval_macro_f1_at_0.5"], 4), "loss": round(h["eval_loss"], 5)}
                 for h in hist if "eval_macro_f1" in h]
        n_tokens = sum(d.n_tokens for d in self.train_docs)
        return {"steps": trainer.state.global_step, "epochs_run": round(trainer.state.epoch or 0, 3),
                "train_seconds": round(out.metrics.get("train_runtime", secs), 2),
                "train_tokens_per_second": round(n_tokens * (trainer.state.epoch or 0) / secs, 1) if secs else None,
                "final_loss": round(float(out.training_loss), 5),
                "loss_curve": [round(h["loss"], 5) for h in hist if "loss" in h],
                "dev_during_training": evals,
                "best_checkpoint": ({"step": int(Path(trainer.state.best_model_checkpoint).name.split("-")[-1]),
                                     "dev_macro_f1": round(trainer.state.best_metric, 4)}
                                    if trainer.state.best_model_checkpoint else None),
                "stack": f"transformers.Trainer {transformers.__version__}"}

    def finish(self, fit_info: dict[str, Any]) -> dict[str, Any]:
        """Calibrate and tune thresholds on dev, save the model (with a card), drop the checkpoints."""
        cfg = self.cfg
        labels = cfg.data.labels
        self.model.eval()
        predictor = BertPredictor(self.model, self.tokenizer, self.device, precision=cfg.train.precision)
        acfg = self.model.config
        if self.dev_recs:
            # one pass over dev: the temperatures are fitted on its scores, and the calibrated scores are
            # recomputed from its logits exactly as a saved model's predictor computes them (same rounding)
            outs = predictor.raw_outputs(r["text"] for r in self.dev_recs)
            scores = dev_scores([o.scores for o in outs])
            y = label_matrix([r["labels"] for r in self.dev_recs], labels)
            if cfg.train.temperature_scaling and cfg.train.calibration_bias:
                raw = np.array([calibrated_scores(o.logits) for o in outs], dtype=np.float64)  # unrounded
                fits = {lab: fit_platt(y[:, i], raw[:, i]) for i, lab in enumerate(labels)}
                acfg.temperatures = {lab: t for lab, (t, _) in fits.items()}
                acfg.calibration_biases = {lab: b for lab, (_, b) in fits.items()}
            elif cfg.train.temperature_scaling:
                acfg.temperatures = {lab: fit_temperature(y[:, i], scores[:, i]) for i, lab in enumerate(labels)}
            if cfg.train.temperature_scaling:
                temps, biases = predictor.temperature_tensor(), predictor.bias_tensor()
                scores = dev_scores([calibrated_scores(o.logits, temps, biases) for o in outs])
            if cfg.train.tune_thresholds:
                acfg.thresholds = tune_thresholds(y, scores, labels)
                # the keyword-gated hybrid (an inference option, --keyword-gate): its own thresholds on dev
                acfg.gate_thresholds = gate_thresholds(
                    y, scores * keyword_matrix([r["text"] for r in self.dev_recs], labels), labels)
        save_model(self.model_dir, self.model, self.tokenizer, card=model_card(acfg, None, cfg.run.name),
                   overwrite=self.overwrite)
        shutil.rmtree(self.ckpt_dir, ignore_errors=True)
        return {"thresholds": dict(acfg.thresholds), "temperatures": dict(acfg.temperatures),
                "calibration_biases": dict(acfg.calibration_biases),
                "model_dir": str(self.model_dir)}


def train(cfg: Config, overwrite: bool = False, resume: bool = False, evaluate_test: bool = True,
          strict: bool = False) -> dict[str, Any]:
    """Train per ``cfg`` (the BERT model, or a baseline when ``baseline.kind`` is set); save to
    ``models/<run>``, record to ``experiments/<run>``.

    Returns:
        The run summary (also written to ``experiments/<run>/run.json``).
    """
    if cfg.baseline.kind:
        return train_baseline(cfg, overwrite=overwrite)
    recipe = FineTuneRecipe(cfg, overwrite=overwrite, resume=resume, strict=strict)
    record = RunRecord(recipe.run_dir, "train", cfg.to_dict(), cfg.train.seed)
    recipe.setup()
    fit_info = recipe.fit()
    if not recipe.is_main:
        return fit_info
    saved = recipe.finish(fit_info)
    results: dict[str, Any] = {"fit": fit_info, **saved}
    splits = {k: v for k, v in cfg.data.eval_files().items() if evaluate_test or k in ("dev", "real_dev")}
    for split, path in splits.items():
        results[split] = evaluate_model(recipe.model_dir, path, recipe.run_dir, split=split,
                                        device=str(recipe.device), record=False,
                                        overwrite=True)["summary"]
    for split, errs in recipe.input_errors.items():
        if errs:  # machine-readable list of the input records that were reported and skipped
            write_jsonl(recipe.run_dir / f"errors_{split}.jsonl", (e.to_dict() for e in errs))
    results["invalid_records"] = {k: len(v) for k, v in recipe.input_errors.items()}
    (recipe.model_dir / "README.md").write_text(model_card(recipe.model.config, results, cfg.run.name), encoding="utf-8")
    record.finish(encoder_source=recipe.encoder_source,
                  real_layer=cfg.data.real_files() is not None and cfg.data.real_train,
                  train_files=cfg.data.train_files(), dev_files=cfg.data.dev_files(),
                  n_train=len(recipe.train_recs), n_dev=len(recipe.dev_recs), **{k: v for k, v in results.items()})
    return results


def train_baseline(cfg: Config, overwrite: bool = False) -> dict[str, Any]:
    """Fit a baseline per ``cfg.baseline``, tune thresholds on dev, save, evaluate dev and test."""
    bc = cfg.baseline
    labels = cfg.data.labels
    model_dir = Path(cfg.run.models_dir) / cfg.run.name
    run_dir = Path(cfg.run.experiments_dir) / cfg.run.name
    if not overwrite and run_dir.exists() and any(run_dir.iterdir()):
        raise OutputExistsError(f"{run_dir} already exists; pass --overwrite or set run.name")
    record = RunRecord(run_dir, "train", cfg.to_dict(), cfg.train.seed)
    logger.info(cfg.data.real_status())
    train_recs = load_records(cfg.data.train_files(), labels)
    dev_recs = load_records(cfg.data.dev_files(), labels)
    t0 = time.time()
    params = {"classifier": bc.classifier, "C": bc.C, "char_ngram_min": bc.char_ngram_min,
              "char_ngram_max": bc.char_ngram_max, "word_ngram_max": bc.word_ngram_max, "min_df": bc.min_df,
              "max_features": bc.max_features}
    model = fit_baseline(bc.kind, labels, cfg.normalize.steps, params, [r["text"] for r in train_recs],
                         label_matrix([r["labels"] for r in train_recs], labels), cfg.train.seed)
    if bc.kind != "keywords" and cfg.train.tune_thresholds:
        y = label_matrix([r["labels"] for r in dev_recs], labels)
        model.thresholds = tune_thresholds(y, model.scores([r["text"] for r in dev_recs]), labels)
    train_s = time.time() - t0
    model.save_pretrained(model_dir, overwrite=True)
    results: dict[str, Any] = {"fit": {"train_seconds": round(train_s, 2)}, "thresholds": model.thresholds,
                               "model_dir": str(model_dir)}
    for split, path in cfg.data.eval_files().items():
        if Path(path).is_file():
            results[split] = evaluate_model(model_dir, path, run_dir, split=split, record=False,
                                            overwrite=True)["summary"]
    real_used = cfg.data.real_files() is not None and cfg.data.real_train
    (model_dir / "README.md").write_text(
        baseline_card(cfg.run.name, bc.kind, model.name, labels, model.thresholds,
                      cfg.to_dict()["data"] | {"real": cfg.data.real if real_used else None}, results),
        encoding="utf-8")
    record.finish(encoder_source=model.name, baseline=bc.kind, real_layer=real_used,
                  train_files=cfg.data.train_files(), dev_files=cfg.data.dev_files(), n_train=len(train_recs),
                  n_dev=len(dev_recs), **results)
    return results
