"""Fine-tuning recipe: setup → train → tune thresholds on dev → save → score the test split.

One plain PyTorch loop serves CPU and CUDA: dynamic padding, length-grouped batches, gradient
accumulation, autocast (bf16/fp16) with a grad scaler for fp16, optional ``torch.compile``,
and DistributedDataParallel when started by ``torchrun`` or ``accelerate launch`` (both set
``WORLD_SIZE``/``RANK``/``LOCAL_RANK``; no code change needed). Documents are the batching
unit: all windows of an article are in the same batch, and the label loss is computed on
the article-level aggregate of window logits, exactly as at inference time.

Checkpoints (``train.checkpoint_every``) hold model, optimizer, scheduler, RNG states and the
position in the epoch; ``resume=True`` continues from the last one and reaches the same
result as an uninterrupted run with the same seed (CPU).
"""

from __future__ import annotations

import math
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .config import Config
from .data import dataset_records, load_dataset_split
from .encoding import IGNORE, DocEncoder, EncodedDoc
from .fileio import OutputExistsError, atomic_write
from .model import (ArcrimeModel, ModelMeta, aggregate_windows, build_small_bert, load_pretrained_encoder,
                    save_model, train_wordpiece)
from .normalize import Normalizer
from .predict import Predictor, autocast_dtype, resolve_device


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


def _dist() -> tuple[int, int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return world, int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))


_END = object()


@dataclass
class LoopSettings:
    """What the shared training loop needs; fine-tuning and pretraining fill it from their configs."""

    total_steps: int  # optimizer steps
    learning_rate: float  # peak LR (AdamW), linear warm-up then linear decay to 0
    warmup_steps: int = 0
    weight_decay: float = 0.01  # not applied to biases and LayerNorm weights
    grad_accum: int = 1  # batches per optimizer step
    max_grad_norm: float = 1.0  # gradient clipping
    precision: str = "auto"  # autocast on CUDA: auto (bf16 if supported) | fp32 | bf16 | fp16
    compile: bool = False  # torch.compile the model
    checkpoint_every: int = 0  # optimizer steps between resumable checkpoints (0 = never)
    max_minutes: float = 0.0  # stop after this much training time, counting earlier runs (0 = no limit)
    desc: str = "train"  # progress-bar label


class TrainingLoop:
    """The one training stack of arcrime: fine-tuning (``Trainer``) and masked-LM pretraining
    (``arcrime.pretrain``) both run through it.

    It owns AdamW (no decay on biases/LayerNorm), the linear warm-up/decay schedule, autocast
    (bf16/fp16 on CUDA, fp16 with a grad scaler), gradient accumulation and clipping, optional
    ``torch.compile``, DistributedDataParallel under ``torchrun``/``accelerate launch``, the
    tqdm progress bar, a wall-time budget, and resumable checkpoints. The caller supplies

    * ``batches(epoch, start)``: the batches of one epoch from index ``start`` on, deterministic
      in ``epoch`` (so a resumed run sees exactly the batches an uninterrupted one would);
    * ``loss_fn(model, batch) -> (loss, n_tokens)``: ``model`` is the wrapped (DDP/compiled)
      module, so gradients synchronise across processes;
    * optionally ``on_step(step)``, called after every optimizer step and before the
      checkpoint, e.g. for held-out evaluation; state it keeps in ``loop.extra`` (plain
      numbers, strings, lists and dicts) is saved with checkpoints and restored on resume.
    """

    def __init__(self, model: torch.nn.Module, device: torch.device, settings: LoopSettings,
                 ckpt_path: str | Path | None = None, log=None, rank: int = 0, world: int = 1):
        self.model, self.device, self.s = model, device, settings
        self.ckpt_path = Path(ckpt_path) if ckpt_path else None
        self.log = log if log is not None else sys.stderr
        self.rank, self.world = rank, world
        wrapped = torch.compile(model) if settings.compile else model
        if world > 1:
            wrapped = torch.nn.parallel.DistributedDataParallel(
                wrapped, device_ids=[device.index] if device.type == "cuda" else None)
        self.wrapped = wrapped
        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        self.opt = torch.optim.AdamW(
            [{"params": [p for n, p in named if not any(k in n for k in no_decay)], "weight_decay": settings.weight_decay},
             {"params": [p for n, p in named if any(k in n for k in no_decay)], "weight_decay": 0.0}],
            lr=settings.learning_rate)
        from transformers import get_linear_schedule_with_warmup

        self.sched = get_linear_schedule_with_warmup(self.opt, settings.warmup_steps, settings.total_steps)
        self.amp = autocast_dtype(device, settings.precision)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp == torch.float16)
        self.step = self.epoch = self.next_batch = 0
        self.tokens, self.prior_seconds = 0, 0.0
        self.losses: list[float] = []
        self.extra: dict[str, Any] = {}
        self.stopped_early = False
        self._t0 = time.time()

    def autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp, enabled=self.amp is not None)

    def seconds(self) -> float:
        """Training time so far, including earlier (interrupted) runs."""
        return self.prior_seconds + time.time() - self._t0

    # ------------------------------------------------------------ checkpoints
    def save_checkpoint(self) -> None:
        if self.ckpt_path is None or self.rank != 0:
            return
        state = {
            "model": self.model.state_dict(), "optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
            "scaler": self.scaler.state_dict(), "step": self.step, "epoch": self.epoch, "next_batch": self.next_batch,
            "tokens": self.tokens, "seconds": self.seconds(), "losses": self.losses, "extra": self.extra,
            "torch_rng": torch.get_rng_state(),  # dropout; batch order is derived from (seed, epoch)
        }
        with atomic_write(self.ckpt_path, "wb") as f:
            torch.save(state, f)

    def load_checkpoint(self) -> bool:
        """Restore the last checkpoint; False (and a message) when there is none."""
        if self.ckpt_path is None or not self.ckpt_path.is_file():
            print(f"--resume: no checkpoint at {self.ckpt_path}; starting from scratch", file=self.log)
            return False
        state = torch.load(self.ckpt_path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        torch.set_rng_state(state["torch_rng"].cpu())
        self.step, self.epoch, self.next_batch = int(state["step"]), int(state["epoch"]), int(state["next_batch"])
        self.tokens, self.prior_seconds = int(state.get("tokens", 0)), float(state.get("seconds", 0.0))
        self.losses, self.extra = list(state.get("losses", [])), dict(state.get("extra", {}))
        print(f"resumed from {self.ckpt_path} at step {self.step}", file=self.log)
        return True

    # ------------------------------------------------------------ the loop
    def run(self, batches, loss_fn, on_step=None) -> dict[str, Any]:
        s, model = self.s, self.wrapped
        self._t0 = time.time()
        start_tokens = self.tokens
        bar = tqdm(total=s.total_steps, initial=self.step, desc=s.desc, disable=self.rank != 0, mininterval=2,
                   file=self.log)
        model.train()
        done = self.step >= s.total_steps
        while not done:
            it = iter(batches(self.epoch, self.next_batch))
            bi = self.next_batch
            nxt = next(it, _END)
            if nxt is _END and bi == 0:
                raise ValueError("the training data yields no batches")
            while nxt is not _END:
                with self.autocast():
                    loss, n_tok = loss_fn(model, nxt)
                self.scaler.scale(loss / s.grad_accum).backward()
                self.tokens += int(n_tok)
                self.losses.append(float(loss.detach()))
                nxt = next(it, _END)
                bi += 1
                if bi % s.grad_accum and nxt is not _END:
                    continue
                self.scaler.unscale_(self.opt)
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), s.max_grad_norm)
                self.scaler.step(self.opt)
                self.scaler.update()
                self.sched.step()
                self.opt.zero_grad(set_to_none=True)
                self.step += 1
                self.next_batch = bi
                if nxt is _END:  # epoch finished: a checkpoint here resumes at the next one
                    self.epoch, self.next_batch = self.epoch + 1, 0
                bar.update(1)
                bar.set_postfix(loss=f"{np.mean(self.losses[-20:]):.4f}")
                if on_step is not None:
                    on_step(self.step)
                over_time = bool(s.max_minutes) and self.seconds() / 60 > s.max_minutes
                if s.checkpoint_every and (self.step % s.checkpoint_every == 0 or over_time):
                    self.save_checkpoint()
                if self.step >= s.total_steps or over_time:
                    self.stopped_early = over_time and self.step < s.total_steps
                    done = True
                    break
        bar.close()
        secs = time.time() - self._t0
        total_secs = self.seconds()
        return {"steps": self.step, "epochs_run": self.epoch, "train_seconds": round(total_secs, 2),
                "train_tokens_per_second": round((self.tokens - start_tokens) / secs, 1) if secs else None,
                "tokens_seen": self.tokens, "stopped_early": self.stopped_early,
                "final_loss": float(np.mean(self.losses[-20:])) if self.losses else None,
                "loss_curve": [round(float(np.mean(self.losses[k : k + 20])), 5) for k in range(0, len(self.losses), 20)]}


class Trainer:
    """Holds everything a run needs; ``fit`` trains, ``finish`` tunes/saves/evaluates."""

    def __init__(self, cfg: Config, overwrite: bool = False, resume: bool = False, log=None, strict: bool = False):
        log = log if log is not None else sys.stderr
        self.cfg, self.log, self.resume, self.strict = cfg, log, resume, strict
        self.input_errors: dict[str, list] = {"train": [], "dev": []}
        self.world, self.rank, local = _dist()
        if self.world > 1 and not torch.distributed.is_initialized():
            backend = "nccl" if torch.cuda.is_available() else "gloo"
            torch.distributed.init_process_group(backend)
        self.device = (torch.device(f"cuda:{local}") if self.world > 1 and torch.cuda.is_available()
                       else resolve_device(cfg.train.device))
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)
        if cfg.train.num_threads:
            torch.set_num_threads(cfg.train.num_threads)
        self.model_dir = Path(cfg.run.models_dir) / cfg.run.name
        self.run_dir = Path(cfg.run.experiments_dir) / cfg.run.name
        self.ckpt_path = Path(cfg.run.models_dir) / f"{cfg.run.name}.checkpoint.pt"
        if not overwrite and not resume:
            for p in (self.model_dir, self.run_dir):
                if p.exists() and any(p.iterdir()):
                    raise OutputExistsError(f"{p} already exists; pass --overwrite to replace it, "
                                            f"--resume to continue it, or set run.name to a new name")
        self.overwrite = overwrite or resume

    def setup(self) -> None:
        cfg = self.cfg
        set_seed(cfg.train.seed)
        labels = cfg.data.labels
        if self.rank == 0:
            print(cfg.data.real_status(), file=self.log)
        self.train_recs = dataset_records(load_dataset_split(cfg.data.train_files(), labels, self.strict, log=self.log,
                                                             errors_out=self.input_errors["train"]))
        self.dev_recs = dataset_records(load_dataset_split(cfg.data.dev_files(), labels, self.strict, log=self.log,
                                                           errors_out=self.input_errors["dev"]))
        self.normalizer = Normalizer(cfg.normalize.steps)
        ckpt_tok = Path(str(self.ckpt_path) + ".tokenizer")
        if self.resume and cfg.model.name_or_path is None and ckpt_tok.is_dir() and self.ckpt_path.is_file():
            from transformers import AutoTokenizer

            # the interrupted run's own tokenizer (a retrained one could differ, see below)
            self.tokenizer = AutoTokenizer.from_pretrained(ckpt_tok)
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
        self.model = ArcrimeModel(encoder, len(labels), dropout=cfg.model.classifier_dropout).to(self.device)
        self.doc_encoder = DocEncoder(self.tokenizer, self.normalizer, cfg.model.max_length, cfg.model.stride)
        self.train_docs = [self.doc_encoder.encode(r["text"], r["legal_refs"]) for r in self.train_recs]
        lab_idx = {lab: i for i, lab in enumerate(labels)}
        self.train_y = []
        for r in self.train_recs:
            y = np.zeros(len(labels), dtype=np.float32)
            for lab in r["labels"]:
                y[lab_idx[lab]] = 1
            self.train_y.append(y)

    def fit(self) -> dict[str, Any]:
        cfg, tc = self.cfg, self.cfg.train
        lengths = [d.n_tokens for d in self.train_docs]
        n_batches = math.ceil(len(lengths) / tc.batch_size)
        per_rank = math.ceil(n_batches / self.world)
        steps_per_epoch = math.ceil(per_rank / tc.grad_accum)
        total = tc.max_steps if tc.max_steps > 0 else math.ceil(steps_per_epoch * tc.epochs)
        loop = TrainingLoop(self.model, self.device, LoopSettings(
            total_steps=total, learning_rate=tc.learning_rate, warmup_steps=int(tc.warmup_ratio * total),
            weight_decay=tc.weight_decay, grad_accum=tc.grad_accum, max_grad_norm=tc.max_grad_norm,
            precision=tc.precision, compile=tc.compile, checkpoint_every=tc.checkpoint_every, desc="train"),
            ckpt_path=self.ckpt_path, log=self.log, rank=self.rank, world=self.world)
        if self.resume:
            loop.load_checkpoint()

        def batches(epoch: int, start: int):
            order = make_batches(lengths, tc.batch_size, tc.seed, epoch, tc.group_by_length)
            if self.world > 1:  # same number of batches on every rank (wrap around)
                order = (order * 2)[: per_rank * self.world][self.rank :: self.world]
            for idx in order[start:]:
                yield collate(self.doc_encoder, [self.train_docs[i] for i in idx], [self.train_y[i] for i in idx])

        def loss_fn(model, b: Batch):
            cls_logits, tag_logits = model(b.input_ids.to(self.device), b.attention_mask.to(self.device))
            doc_logits = aggregate_windows(cls_logits.float(), b.doc_index.to(self.device), b.n_docs,
                                           cfg.model.window_aggregation)
            loss_cls = F.binary_cross_entropy_with_logits(doc_logits, b.doc_labels.to(self.device))
            loss_tag = F.cross_entropy(tag_logits.float().reshape(-1, tag_logits.shape[-1]),
                                       b.tag_ids.to(self.device).reshape(-1), ignore_index=IGNORE)
            return loss_cls + cfg.model.tag_loss_weight * loss_tag, b.n_tokens

        if self.rank == 0 and tc.checkpoint_every:  # the tokenizer travels with the checkpoint
            self.tokenizer.save_pretrained(str(self.ckpt_path) + ".tokenizer")
        info = loop.run(batches, loss_fn)
        info.pop("stopped_early")
        info.pop("tokens_seen")
        return info

    def finish(self, fit_info: dict[str, Any]) -> dict[str, Any]:
        """Tune thresholds on dev, save the model, evaluate dev and test, record the run."""
        from .evaluate import evaluate_predictor

        cfg = self.cfg
        labels = cfg.data.labels
        meta = ModelMeta(labels=labels, thresholds={lab: 0.5 for lab in labels}, normalize_steps=cfg.normalize.steps,
                         max_length=cfg.model.max_length, stride=cfg.model.stride,
                         window_aggregation=cfg.model.window_aggregation, encoder_source=self.encoder_source,
                         trust_remote_code=cfg.model.trust_remote_code, train_config=cfg.to_dict())
        predictor = Predictor(self.model, self.tokenizer, meta, self.device, precision=cfg.train.precision)
        from .metrics import fit_temperature, label_matrix, tune_thresholds

        dev = evaluate_predictor(predictor, self.dev_recs, labels, n_boot=0)
        y = label_matrix([r["labels"] for r in self.dev_recs], labels)
        scores = np.array([[p["scores"][lab] for lab in labels] for p in dev["predictions"]])
        if cfg.train.temperature_scaling:
            meta.temperatures = {lab: fit_temperature(y[:, i], scores[:, i]) for i, lab in enumerate(labels)}
            dev = evaluate_predictor(predictor, self.dev_recs, labels, n_boot=0)
            scores = np.array([[p["scores"][lab] for lab in labels] for p in dev["predictions"]])
        if cfg.train.tune_thresholds:
            meta.thresholds = tune_thresholds(y, scores, labels)
        save_model(self.model_dir, self.model, self.tokenizer, meta, overwrite=self.overwrite)
        if self.ckpt_path.is_file():
            self.ckpt_path.unlink()
        import shutil

        shutil.rmtree(str(self.ckpt_path) + ".tokenizer", ignore_errors=True)
        return {"thresholds": meta.thresholds, "temperatures": meta.temperatures, "model_dir": str(self.model_dir)}


def train(cfg: Config, overwrite: bool = False, resume: bool = False, evaluate_test: bool = True,
          log=None, strict: bool = False) -> dict[str, Any]:
    """Train per ``cfg``; save to ``models/<run>``, record to ``experiments/<run>``.

    Returns:
        The run summary (also written to ``experiments/<run>/run.json``).
    """
    log = log if log is not None else sys.stderr
    from .evaluate import evaluate_model
    from .runs import RunRecord

    trainer = Trainer(cfg, overwrite=overwrite, resume=resume, log=log, strict=strict)
    record = RunRecord(trainer.run_dir, "train", cfg.to_dict(), cfg.train.seed)
    trainer.setup()
    fit_info = trainer.fit()
    if trainer.rank != 0:
        return fit_info
    saved = trainer.finish(fit_info)
    results: dict[str, Any] = {"fit": fit_info, **saved}
    splits = {k: v for k, v in cfg.data.eval_files().items() if evaluate_test or k in ("dev", "real_dev")}
    for split, path in splits.items():
        results[split] = evaluate_model(trainer.model_dir, path, trainer.run_dir, split=split,
                                        device=str(trainer.device), log=log, record=False,
                                        overwrite=True)["summary"]
    from .fileio import write_jsonl

    for split, errs in trainer.input_errors.items():
        if errs:  # machine-readable list of the input records that were reported and skipped
            write_jsonl(trainer.run_dir / f"errors_{split}.jsonl", (e.to_dict() for e in errs))
    results["invalid_records"] = {k: len(v) for k, v in trainer.input_errors.items()}
    record.finish(encoder_source=trainer.encoder_source,
                  real_layer=cfg.data.real_files() is not None and cfg.data.real_train,
                  train_files=cfg.data.train_files(), dev_files=cfg.data.dev_files(),
                  n_train=len(trainer.train_recs), n_dev=len(trainer.dev_recs), **{k: v for k, v in results.items()})
    return results
