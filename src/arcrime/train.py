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
        self.train_recs = dataset_records(load_dataset_split(cfg.data.train, labels, self.strict, log=self.log,
                                                             errors_out=self.input_errors["train"]))
        self.dev_recs = dataset_records(load_dataset_split(cfg.data.dev, labels, self.strict, log=self.log,
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
        model = self.model
        if tc.compile:
            model = torch.compile(model)
        if self.world > 1:
            model = torch.nn.parallel.DistributedDataParallel(
                model, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
        params = [
            {"params": [p for n, p in self.model.named_parameters() if not any(k in n for k in no_decay)],
             "weight_decay": tc.weight_decay},
            {"params": [p for n, p in self.model.named_parameters() if any(k in n for k in no_decay)],
             "weight_decay": 0.0},
        ]
        opt = torch.optim.AdamW(params, lr=tc.learning_rate)
        lengths = [d.n_tokens for d in self.train_docs]
        n_batches = math.ceil(len(lengths) / tc.batch_size)
        per_rank = math.ceil(n_batches / self.world)
        steps_per_epoch = math.ceil(per_rank / tc.grad_accum)
        total = tc.max_steps if tc.max_steps > 0 else math.ceil(steps_per_epoch * tc.epochs)
        from transformers import get_linear_schedule_with_warmup

        sched = get_linear_schedule_with_warmup(opt, int(tc.warmup_ratio * total), total)
        amp = autocast_dtype(self.device, tc.precision)
        scaler = torch.amp.GradScaler("cuda", enabled=amp == torch.float16)
        step, epoch, start_batch = 0, 0, 0
        if self.resume:
            step, epoch, start_batch = self._load_checkpoint(opt, sched, scaler)
        losses = []
        t0 = time.time()
        tokens = 0
        bar = tqdm(total=total, initial=step, desc="train", disable=self.rank != 0, mininterval=2, file=self.log)
        model.train()
        while step < total:
            batches = make_batches(lengths, tc.batch_size, tc.seed, epoch, tc.group_by_length)
            if self.world > 1:  # same number of batches on every rank (wrap around)
                batches = (batches * 2)[: per_rank * self.world][self.rank :: self.world]
            for bi in range(start_batch, len(batches)):
                b = collate(self.doc_encoder, [self.train_docs[i] for i in batches[bi]],
                            [self.train_y[i] for i in batches[bi]])
                with torch.autocast(self.device.type, dtype=amp, enabled=amp is not None):
                    cls_logits, tag_logits = model(b.input_ids.to(self.device), b.attention_mask.to(self.device))
                doc_logits = aggregate_windows(cls_logits.float(), b.doc_index.to(self.device), b.n_docs,
                                               cfg.model.window_aggregation)
                loss_cls = F.binary_cross_entropy_with_logits(doc_logits, b.doc_labels.to(self.device))
                loss_tag = F.cross_entropy(tag_logits.float().reshape(-1, tag_logits.shape[-1]),
                                           b.tag_ids.to(self.device).reshape(-1), ignore_index=IGNORE)
                loss = (loss_cls + cfg.model.tag_loss_weight * loss_tag) / tc.grad_accum
                scaler.scale(loss).backward()
                tokens += b.n_tokens
                losses.append(float(loss.detach()) * tc.grad_accum)
                if (bi + 1) % tc.grad_accum == 0 or bi + 1 == len(batches):
                    scaler.unscale_(opt)
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), tc.max_grad_norm)
                    scaler.step(opt)
                    scaler.update()
                    sched.step()
                    opt.zero_grad(set_to_none=True)
                    step += 1
                    bar.update(1)
                    bar.set_postfix(loss=f"{np.mean(losses[-20:]):.4f}")
                    if tc.checkpoint_every and step % tc.checkpoint_every == 0 and self.rank == 0:
                        self._save_checkpoint(opt, sched, scaler, step, epoch, bi + 1)
                    if step >= total:
                        break
            start_batch = 0
            epoch += 1
        bar.close()
        secs = time.time() - t0
        return {"steps": step, "epochs_run": epoch, "train_seconds": round(secs, 2),
                "train_tokens_per_second": round(tokens / secs, 1) if secs else None,
                "final_loss": float(np.mean(losses[-20:])) if losses else None,
                "loss_curve": [round(float(np.mean(losses[k : k + 20])), 5) for k in range(0, len(losses), 20)]}

    # ------------------------------------------------------------ checkpoints
    def _save_checkpoint(self, opt, sched, scaler, step: int, epoch: int, next_batch: int) -> None:
        state = {
            "model": self.model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
            "scaler": scaler.state_dict(), "step": step, "epoch": epoch, "next_batch": next_batch,
            "torch_rng": torch.get_rng_state(),  # dropout; batch order is derived from (seed, epoch)
        }
        with atomic_write(self.ckpt_path, "wb") as f:
            torch.save(state, f)
        self.tokenizer.save_pretrained(str(self.ckpt_path) + ".tokenizer")

    def _load_checkpoint(self, opt, sched, scaler) -> tuple[int, int, int]:
        if not self.ckpt_path.is_file():
            print(f"--resume: no checkpoint at {self.ckpt_path}; starting from scratch", file=self.log)
            return 0, 0, 0
        state = torch.load(self.ckpt_path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        torch.set_rng_state(state["torch_rng"].cpu())
        print(f"resumed from {self.ckpt_path} at step {state['step']}", file=self.log)
        return int(state["step"]), int(state["epoch"]), int(state["next_batch"])

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
    splits = {"dev": cfg.data.dev} | ({"test": cfg.data.test} if evaluate_test and Path(cfg.data.test).is_file() else {})
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
                  n_train=len(trainer.train_recs), n_dev=len(trainer.dev_recs), **{k: v for k, v in results.items()})
    return results
