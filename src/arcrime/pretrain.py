"""Masked-LM pretraining of a small Arabic BERT on an unlabeled news corpus.

Scope and shortcuts, on purpose:

* the corpus is a folder of ``.txt`` / ``.txt.xz`` files, one article per line, read as a
  stream (files in sorted order, interleaved line by line so every source is seen early);
* the WordPiece tokenizer is trained with ``tokenizers`` on the first
  ``tokenizer_articles`` articles, after the *same* normalization steps the pipeline uses;
* token sequences of consecutive articles are packed into blocks of ``seq_length`` tokens
  (``[CLS] ... [SEP]``), tokenized lazily as training consumes them;
* whole-word masking: 15% of words are chosen; their word pieces become ``[MASK]`` 80%,
  a random token 10%, unchanged 10%; the MLM head and loss run on masked positions only;
* the first ``heldout_articles`` articles of the stream are held out for MLM loss /
  perplexity, evaluated every ``eval_every`` steps and plotted to PNG;
* training runs on ``transformers.Trainer``: AdamW (no decay on biases/LayerNorm) with linear
  warm-up/decay, clipping, bf16 autocast on CUDA (fp32 on CPU), DDP under ``torchrun``; the stream
  is a torch ``IterableDataset`` (``TrainingBlocks``), masking is the data collator
  (``MaskingCollator``), the held-out loss is Trainer's evaluation every ``eval_every`` steps;
  checkpoints (model, optimizer, scheduler, RNG, log history) every ``checkpoint_every`` steps into
  ``work_dir/checkpoints``; ``resume=True`` continues from the last one, Trainer skipping the
  batches already seen, and ends where an uninterrupted run would (bit-exact on CPU);
* ``max_minutes`` is a time budget (a ``TrainerCallback``) counting earlier interrupted runs; it stops
  training with a checkpoint and is recorded in the log and the model card.

The result folder holds the encoder (``BertModel``, safetensors, fp16 storage optional), its
tokenizer, ``pretrain_log.json`` and a model card, and loads with ``AutoModel.from_pretrained``.
"""

from __future__ import annotations

import itertools
import json
import lzma
import math
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .config import load_config
from .fileio import OutputExistsError, atomic_dir, last_complete_checkpoint, write_json, write_text
from .normalize import DEFAULT_STEPS, STEPS, Normalizer


@dataclass
class PretrainConfig:
    output_dir: str = "encoders/arcrime-bert-small"  # where the pretrained encoder is written
    work_dir: str = "models/pretrain-work"  # checkpoints and logs while training (git-ignored)
    normalize_steps: list[str] = field(default_factory=lambda: list(DEFAULT_STEPS))  # same as fine-tuning
    vocab_size: int = 16000  # WordPiece vocabulary
    tokenizer_articles: int = 40000  # articles used to train the tokenizer
    hidden_size: int = 256  # encoder width
    num_hidden_layers: int = 4  # encoder depth
    num_attention_heads: int = 4  # attention heads
    intermediate_size: int = 1024  # feed-forward width
    max_position_embeddings: int = 512  # positions (fine-tuning windows may be longer than seq_length)
    seq_length: int = 128  # tokens per pretraining block
    batch_size: int = 64  # blocks per step
    max_steps: int = 3000  # optimizer steps
    max_minutes: float = 0.0  # stop early after this wall time (0 = no limit); recorded
    learning_rate: float = 1e-3  # peak LR (AdamW), linear warm-up then linear decay
    warmup_steps: int = 200  # warm-up steps
    weight_decay: float = 0.01  # AdamW weight decay
    mask_prob: float = 0.15  # share of words masked (whole-word masking)
    heldout_articles: int = 500  # articles held out for MLM perplexity
    eval_every: int = 250  # steps between held-out evaluations
    checkpoint_every: int = 250  # steps between checkpoints (0 = never)
    seed: int = 13  # seed for masking, init and stream interleaving
    device: str = "auto"  # auto | cpu | cuda
    precision: str = "auto"  # auto (bf16 on CUDA) | fp32 | bf16
    save_fp16: bool = True  # store the shipped weights in fp16 (half the size)
    num_threads: int = 0  # torch CPU threads (0 = default)
    tokenizer: str = ""  # reuse this tokenizer folder instead of training one ("" = train)
    # random | word2vec: initialise the WordPiece embeddings (tied with the MLM decoder) from CBOW vectors
    # trained with gensim on the same training stream (held-out articles excluded) before masked-LM starts
    init_embeddings: str = "random"
    w2v_epochs: int = 3  # word2vec passes over the training stream
    w2v_window: int = 5  # word2vec context window (word pieces each side)
    w2v_articles: int = 0  # articles used for word2vec and the unigram reference (0 = the whole stream)
    # continue masked-LM from this pretrained encoder folder (domain-adaptive pretraining): its weights,
    # shape and tokenizer are used (the size fields above and `tokenizer` are ignored); the MLM head's
    # transform starts fresh (encoders are shipped without it), its decoder is tied to the embeddings
    init_from: str = ""
    # training articles (after the held-out ones) that the first pass over the corpus skips: a run continuing
    # an encoder (init_from) on the corpus it was trained on starts where that run's stream stopped, instead of
    # re-reading the same articles first; later passes read the whole corpus again
    skip_articles: int = 0
    # all | head: "head" trains only the masked-LM head (its transform and output bias) of an init_from encoder,
    # whose weights (and the embeddings the decoder is tied to) stay frozen: it fits a head to an encoder that
    # was shipped without one, so a later continuation does not spend its first steps relearning the head
    train_only: str = "all"

    def validate(self) -> list[str]:
        errs = []
        bad = [s for s in self.normalize_steps if s not in STEPS]
        if bad:
            errs.append(f"normalize_steps: unknown {bad}; valid: {', '.join(STEPS)}")
        if self.hidden_size % self.num_attention_heads:
            errs.append("hidden_size must be divisible by num_attention_heads")
        if self.seq_length > self.max_position_embeddings:
            errs.append("seq_length must be <= max_position_embeddings")
        if self.init_embeddings not in ("random", "word2vec"):
            errs.append(f"init_embeddings: {self.init_embeddings!r} is not one of random, word2vec")
        if self.init_from and self.init_embeddings != "random":
            errs.append("init_from and init_embeddings: word2vec exclude each other (the encoder's embeddings are kept)")
        if int(self.skip_articles) < 0:
            errs.append(f"skip_articles: {self.skip_articles!r} must be 0 or more")
        if self.train_only not in ("all", "head"):
            errs.append(f"train_only: {self.train_only!r} is not one of all, head")
        elif self.train_only == "head" and not self.init_from:
            errs.append("train_only: head needs init_from (the pretrained encoder whose head is fitted)")
        if self.init_from and not (Path(self.init_from) / "config.json").is_file():
            errs.append(f"init_from: {self.init_from!r} is not an encoder folder (no config.json in it)")
        return errs


def load_pretrain_config(path: str | Path, overrides: dict[str, Any] | None = None) -> PretrainConfig:
    """A pretraining config, through the project's one config loader (:func:`arcrime.config.load_config`)."""
    return load_config(path, overrides, schema=PretrainConfig)


# ---------------------------------------------------------------- corpus stream

def corpus_files(corpus: str | Path) -> list[Path]:
    root = Path(corpus)
    if root.is_file():
        return [root]
    files = sorted(p for p in root.rglob("*") if p.is_file() and (p.name.endswith(".txt") or p.name.endswith(".txt.xz")))
    if not files:
        raise FileNotFoundError(f"{corpus}: no .txt or .txt.xz files (one article per line) found")
    return files


def _open(p: Path):
    return lzma.open(p, "rt", encoding="utf-8", errors="replace") if p.name.endswith(".xz") else open(
        p, encoding="utf-8", errors="replace")


def stream_articles(files: list[Path]) -> Iterator[str]:
    """Articles from all files, interleaved round-robin line by line."""
    handles = [_open(p) for p in files]
    try:
        live = list(range(len(handles)))
        while live:
            nxt = []
            for i in live:
                line = handles[i].readline()
                if not line:
                    continue
                nxt.append(i)
                line = line.strip()
                if line:
                    yield line
            live = nxt
    finally:
        for h in handles:
            h.close()


def tokenized_stream(files: list[Path], skip: int, tok: Any, normalizer: Normalizer, limit: int = 0
                     ) -> Iterator[list[int]]:
    """Word-piece ids of each training article (the first ``skip`` articles, held out, are skipped)."""
    articles = stream_articles(files)
    for _ in range(skip):
        next(articles, None)
    for k, text in enumerate(articles):
        if limit and k >= limit:
            break
        yield tok(normalizer(text).text, add_special_tokens=False)["input_ids"]


def unigram_and_sequences(files: list[Path], skip: int, tok: Any, normalizer: Normalizer, limit: int = 0,
                          keep: bool = False) -> tuple[np.ndarray, list[list[str]]]:
    """Token counts over the training stream (add-one smoothed) and, if ``keep``, the sequences as
    strings for word2vec."""
    counts = np.ones(len(tok), dtype=np.float64)
    names = [str(i) for i in range(len(tok))]
    seqs: list[list[str]] = []
    for ids in tokenized_stream(files, skip, tok, normalizer, limit):
        np.add.at(counts, ids, 1)
        if keep and ids:
            seqs.append([names[i] for i in ids])
    return counts, seqs


def word2vec_matrix(seqs: list[list[str]], vocab: int, dim: int, window: int, epochs: int, seed: int,
                    threads: int) -> tuple[np.ndarray, np.ndarray]:
    """CBOW vectors (gensim) for word-piece ids; returns (matrix [vocab, dim], mask of ids that got one)."""
    from gensim.models import Word2Vec

    w2v = Word2Vec(sentences=seqs, vector_size=dim, window=window, min_count=1, sg=0, negative=10,
                   epochs=epochs, seed=seed, workers=max(1, threads))
    mat = np.zeros((vocab, dim), dtype=np.float32)
    have = np.zeros(vocab, dtype=bool)
    for key, idx in w2v.wv.key_to_index.items():
        mat[int(key)] = w2v.wv.vectors[idx]
        have[int(key)] = True
    return mat, have


def unigram_loss(held_batches: list[tuple[list[int], list[int]]], counts: np.ndarray) -> float:
    """Cross-entropy of a unigram model of the training stream on the held-out masked targets."""
    logp = np.log(counts / counts.sum())
    targets = [t for _, labels in held_batches for t in labels if t != -100]
    return float(-np.mean(logp[targets])) if targets else float("nan")


class BlockStream:
    """Packs normalized, tokenized articles into fixed-length blocks with word-start flags."""

    def __init__(self, articles: Iterator[str], tokenizer: Any, normalizer: Normalizer, seq_length: int):
        self.articles, self.tok, self.norm = articles, tokenizer, normalizer
        self.body = seq_length - 2
        self.buf_ids: list[int] = []
        self.buf_start: list[bool] = []
        self.consumed = 0

    def _fill(self) -> bool:
        try:
            text = next(self.articles)
        except StopIteration:
            return False
        self.consumed += 1
        enc = self.tok(self.norm(text).text, add_special_tokens=False)
        ids = enc["input_ids"]
        toks = self.tok.convert_ids_to_tokens(ids)
        self.buf_ids += ids + [self.tok.sep_token_id]
        self.buf_start += [not t.startswith("##") for t in toks] + [True]
        return True

    def next_block(self) -> tuple[list[int], list[bool]] | None:
        while len(self.buf_ids) < self.body:
            if not self._fill():
                if not self.buf_ids:
                    return None
                break
        ids, st = self.buf_ids[: self.body], self.buf_start[: self.body]
        self.buf_ids, self.buf_start = self.buf_ids[self.body :], self.buf_start[self.body :]
        return [self.tok.cls_token_id] + ids + [self.tok.sep_token_id], [False] + st + [False]


def mask_block(ids: list[int], starts: list[bool], tok: Any, rng: random.Random, prob: float,
               vocab: int, special: set[int]) -> tuple[list[int], list[int]]:
    """Whole-word masking; returns (input ids, labels with -100 on unmasked positions)."""
    words: list[list[int]] = []
    for i, (t, s) in enumerate(zip(ids, starts)):
        if t in special:
            continue
        if s or not words:
            words.append([i])
        else:
            words[-1].append(i)
    n_mask = max(1, round(len(words) * prob)) if words else 0
    chosen = rng.sample(range(len(words)), min(n_mask, len(words)))
    inp, labels = list(ids), [-100] * len(ids)
    for w in chosen:
        r = rng.random()
        for i in words[w]:
            labels[i] = ids[i]
            if r < 0.8:
                inp[i] = tok.mask_token_id
            elif r < 0.9:
                inp[i] = rng.randrange(len(special), vocab)
    return inp, labels


class TrainingBlocks(torch.utils.data.IterableDataset):
    """The training stream for ``transformers.Trainer``: endless passes over the corpus (held-out
    articles skipped), packed into ``seq_length`` blocks. Each pass ends on a whole number of
    optimizer steps (``group`` = blocks per step over all processes); the remainder, including a
    last block shorter than ``seq_length``, is dropped and the next pass starts. Every item carries
    ``(pass, index)``, from which the collator seeds its masking, so block ``k`` of the stream is
    the same, identically masked, whatever the process count, batching or resume point."""

    def __init__(self, files: list[Path], skip: int, tok: Any, normalizer: Normalizer, seq_length: int, group: int,
                 first_pass_skip: int = 0):
        self.files, self.skip, self.tok, self.norm = files, skip, tok, normalizer
        self.seq_length, self.group, self.first_pass_skip = seq_length, group, first_pass_skip

    def __iter__(self) -> Iterator[dict[str, Any]]:
        info = torch.utils.data.get_worker_info()
        if info is not None and info.num_workers > 1:
            raise ValueError("the pretraining stream is sequential: use at most one dataloader worker")
        epoch = 0
        while True:
            articles = stream_articles(self.files)
            for _ in range(self.skip + (self.first_pass_skip if epoch == 0 else 0)):
                next(articles, None)
            blocks = BlockStream(articles, self.tok, self.norm, self.seq_length)
            pending: list[dict[str, Any]] = []
            k = 0
            while (b := blocks.next_block()) is not None and len(b[0]) == self.seq_length:
                pending.append({"input_ids": b[0], "word_starts": b[1], "epoch": epoch, "block": k})
                k += 1
                if len(pending) == self.group:
                    yield from pending
                    pending = []
            if k < self.group:
                raise ValueError(f"the training data yields no batches: {k} block(s) of {self.seq_length} tokens "
                                 f"after the held-out articles, fewer than the {self.group} of one step")
            epoch += 1


class MaskingCollator:
    """Pads to ``[B, L]`` tensors and applies whole-word masking (``mask_block``) to training blocks
    with an RNG seeded by the block's place in the stream; held-out examples arrive masked already
    (they carry ``labels``: fixed targets, comparable between runs)."""

    def __init__(self, tok: Any, mask_prob: float, seed: int):
        self.tok, self.mask_prob, self.seed = tok, mask_prob, seed
        self.vocab, self.special, self.pad = len(tok), set(tok.all_special_ids), tok.pad_token_id

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        rows = []
        for ex in examples:
            if "labels" in ex:
                rows.append((ex["input_ids"], ex["labels"]))
            else:
                rng = random.Random((self.seed * 1_000_003 + ex["epoch"]) * 2**40 + ex["block"])
                rows.append(mask_block(ex["input_ids"], ex["word_starts"], self.tok, rng, self.mask_prob, self.vocab,
                                       self.special))
        ids, labels, attn = _tensors(rows, self.pad)
        return {"input_ids": ids, "attention_mask": attn, "labels": labels}


def _mlm_model_class():
    """``BertForMaskedLM`` whose loss runs the MLM head (the vocabulary projection) on the masked
    positions only. The forward is the model's own, so Trainer's DDP under ``torchrun`` wraps it as usual.

    Kept over the stock ``BertForMaskedLM`` loss (head and logits on every position) because it is twice
    as fast: configs/pretrain-small.yaml shapes (32 blocks × 128 tokens, vocab 16k, hidden 256, 4 layers),
    forward + backward + AdamW on 1 CPU thread, 2026-12: masked-only 3,230-3,330 tokens per CPU-second,
    stock 1,520-1,720 (and no [32, 128, 16k] fp32 logits tensor, 262 MB)."""
    from transformers import BertForMaskedLM
    from transformers.modeling_outputs import MaskedLMOutput

    class BertForMaskedLMOnMasked(BertForMaskedLM):
        accepts_loss_kwargs = False  # a per-batch mean over masked tokens; no num_items_in_batch
        # tied to the word embeddings and the head's bias, so absent from checkpoints: Trainer re-ties them on resume
        _keys_to_ignore_on_save = ["cls.predictions.decoder.weight", "cls.predictions.decoder.bias"]

        def forward(self, input_ids=None, attention_mask=None, labels=None):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            if labels is None:
                return MaskedLMOutput(logits=self.cls(h))
            sel = labels != -100
            return MaskedLMOutput(loss=F.cross_entropy(self.cls(h[sel]).float(), labels[sel]))

    return BertForMaskedLMOnMasked


def _trainer_callbacks(log, max_minutes: float, prior_seconds: float, save_on_stop: bool):
    from transformers import TrainerCallback
    from transformers.trainer_callback import ProgressCallback

    class TimeBudget(TrainerCallback):
        """Training wall time including earlier (interrupted) runs; stops training, with a checkpoint,
        once ``max_minutes`` is spent. The time so far is stored in each checkpoint folder."""

        def __init__(self):
            self.prior_seconds, self.stopped_early, self._t0, self._end = prior_seconds, False, time.time(), None

        def seconds(self) -> float:
            return self.prior_seconds + (self._end or time.time()) - self._t0

        def on_train_begin(self, args, state, control, **kw):
            self._t0, self._end = time.time(), None

        def on_train_end(self, args, state, control, **kw):
            self._end = time.time()  # the clock stops with training (the closing evaluation is off it)

        def on_step_end(self, args, state, control, **kw):
            if state.global_step >= state.max_steps and control.should_evaluate and state.global_step % args.eval_steps:
                # Trainer adds a closing evaluation off the eval_every grid; ``pretrain`` runs it after training,
                # off the clock, as before the move to Trainer (train_seconds, tokens/s stay comparable)
                control.should_evaluate = False
            if max_minutes and self.seconds() / 60 > max_minutes:
                control.should_training_stop = True
                control.should_save = save_on_stop
                self.stopped_early = state.global_step < state.max_steps

        def on_save(self, args, state, control, **kw):
            if state.is_world_process_zero:
                write_json(Path(args.output_dir) / f"checkpoint-{state.global_step}" / TIME_FILE,
                           {"train_seconds": self.seconds()})

    class Progress(ProgressCallback):
        """Trainer's progress bar, on ``log`` (stderr) rather than stdout, loss in the postfix."""

        def on_train_begin(self, args, state, control, **kw):
            if state.is_world_process_zero:
                from tqdm.auto import tqdm

                self.training_bar = tqdm(total=state.max_steps, initial=state.global_step, desc="pretrain",
                                         file=log, mininterval=2)
            self.current_step = state.global_step

        def on_prediction_step(self, args, state, control, **kw):
            pass  # no bar for the (short) held-out evaluation

        def on_log(self, args, state, control, logs=None, **kw):
            if state.is_world_process_zero and self.training_bar is not None and "loss" in (logs or {}):
                self.training_bar.set_postfix(loss=f"{logs['loss']:.4f}")

    return TimeBudget(), Progress()


TIME_FILE = "arcrime_train_seconds.json"


def _trainer_class():
    from transformers import Trainer

    class PretrainTrainer(Trainer):
        """``Trainer`` whose held-out loss is the mean over masked *tokens* (as before the move to
        Trainer), and whose evaluation logs carry perplexity, tokens seen and training minutes."""

        heldout_scale = 0.0  # held-out examples / held-out masked tokens
        tokens_per_step = 0  # blocks per step (all processes) × seq_length: training blocks are never padded
        budget = None  # the TimeBudget callback (its clock)
        on_heldout = None  # called after each held-out evaluation is logged

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            loss, out = super().compute_loss(model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch)
            if not model.training and self.heldout_scale:
                # Trainer averages per-batch losses weighted by batch size; rescaling by masked tokens
                # makes that average the token-weighted mean over all held-out targets.
                labels = inputs["labels"]
                loss = loss * (labels != -100).sum() * self.heldout_scale / labels.shape[0]
            return (loss, out) if return_outputs else loss

        def log(self, logs, start_time=None):
            if "eval_loss" in logs:
                hl = float(logs["eval_loss"])
                logs["eval_perplexity"] = math.exp(min(hl, 50))
                logs["tokens_seen"] = self.state.global_step * self.tokens_per_step
                logs["train_minutes"] = round(self.budget.seconds() / 60, 2)
            super().log(logs, start_time)
            if "eval_loss" in logs and self.on_heldout is not None:
                self.on_heldout(self)

    return PretrainTrainer


def heldout_curve(log_history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The held-out evaluations recorded in a Trainer's ``log_history`` (restored on resume)."""
    return [{"step": e["step"], "heldout_loss": e["eval_loss"], "perplexity": e["eval_perplexity"],
             "tokens": e["tokens_seen"], "minutes": e["train_minutes"]}
            for e in log_history if "eval_loss" in e and "eval_perplexity" in e]


def _precision(cfg: PretrainConfig, cuda: bool) -> dict[str, bool]:
    """Trainer's mixed-precision flags: bf16 autocast on CUDA for auto/bf16 (fp16 where bf16 is missing
    and the config says auto), fp16 on request, plain fp32 on CPU."""
    if not cuda or cfg.precision == "fp32":
        return {}
    if cfg.precision == "fp16" or (cfg.precision == "auto" and not torch.cuda.is_bf16_supported()):
        return {"fp16": True}
    return {"bf16": True}


# ---------------------------------------------------------------- training

def pretrain(cfg: PretrainConfig, corpus: str | Path, resume: bool = False, overwrite: bool = False,
             log=None) -> dict[str, Any]:
    """Train tokenizer + MLM with ``transformers.Trainer``; write the encoder to ``cfg.output_dir``.

    Returns the log dict (also written as ``pretrain_log.json`` next to the encoder).
    """
    log = log if log is not None else sys.stderr
    import os
    import shutil

    from transformers import AutoTokenizer, BertConfig, TrainingArguments, set_seed
    from transformers.trainer_callback import ProgressCallback

    from .model import train_wordpiece
    from .runs import environment, git_info, package_versions

    out_dir, work = Path(cfg.output_dir), Path(cfg.work_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not (overwrite or resume):
        raise OutputExistsError(f"{out_dir} already exists; pass --overwrite to replace it or --resume to continue")
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    cuda = cfg.device != "cpu" and torch.cuda.is_available()
    if cfg.device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {cfg.device!r} requested but CUDA is not available; set device: cpu")
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    files = corpus_files(corpus)
    n_seen = sum(1 for _ in itertools.islice(stream_articles(files), cfg.heldout_articles + 1))
    if n_seen <= cfg.heldout_articles:
        raise ValueError(f"{corpus}: {n_seen} non-empty line(s) (one article per line), but pretraining holds out "
                         f"heldout_articles={cfg.heldout_articles} and needs more to train on; add text or lower "
                         "heldout_articles")
    work.mkdir(parents=True, exist_ok=True)
    ckpt_dir = work / "checkpoints"
    last_ckpt = last_complete_checkpoint(ckpt_dir) if resume else None
    if resume and last_ckpt is None:
        print(f"--resume: no checkpoint in {ckpt_dir}; starting from scratch", file=log)
    if last_ckpt is None and rank == 0 and ckpt_dir.exists():
        shutil.rmtree(ckpt_dir)  # a fresh run: an older run's checkpoints must not be resumed later
    normalizer = Normalizer(cfg.normalize_steps)
    set_seed(cfg.seed)
    tok_dir = work / "tokenizer"
    t_start = time.time()
    tok_seconds_file = work / "tokenizer_seconds.json"
    if cfg.init_from:
        tok = AutoTokenizer.from_pretrained(cfg.init_from)
        print(f"continuing from the encoder (and tokenizer) in {cfg.init_from}", file=log)
    elif cfg.tokenizer:
        tok = AutoTokenizer.from_pretrained(cfg.tokenizer)
        print(f"reusing the tokenizer in {cfg.tokenizer}", file=log)
    elif (resume or world > 1) and tok_dir.is_dir():
        tok = AutoTokenizer.from_pretrained(tok_dir)
    else:
        if world > 1:
            raise RuntimeError(f"multi-process pretraining needs an existing tokenizer: set `tokenizer:` or run "
                               f"once on one process to create {tok_dir}")
        print(f"training WordPiece ({cfg.vocab_size}) on {cfg.tokenizer_articles} articles ...", file=log)
        sample = []
        for k, a in enumerate(stream_articles(files)):
            if k >= cfg.tokenizer_articles:
                break
            sample.append(normalizer(a).text)
        tok = train_wordpiece(sample, cfg.vocab_size, 2)
        tok.save_pretrained(tok_dir)
        del sample
        write_json(tok_seconds_file, {"seconds": time.time() - t_start})
    tok_seconds = (json.loads(tok_seconds_file.read_text())["seconds"]
                   if tok_seconds_file.is_file() and not (cfg.tokenizer or cfg.init_from) else None)
    if cfg.init_from:
        from transformers import BertModel

        base = BertModel.from_pretrained(cfg.init_from, add_pooling_layer=False, dtype=torch.float32)
        bcfg = base.config
        for k in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                  "max_position_embeddings"):  # the run records the shape it really trained
            setattr(cfg, k, getattr(bcfg, k))
        cfg.vocab_size = bcfg.vocab_size
    else:
        bcfg = BertConfig(vocab_size=len(tok), hidden_size=cfg.hidden_size, num_hidden_layers=cfg.num_hidden_layers,
                          num_attention_heads=cfg.num_attention_heads, intermediate_size=cfg.intermediate_size,
                          max_position_embeddings=cfg.max_position_embeddings, pad_token_id=tok.pad_token_id)
    if cfg.seq_length > bcfg.max_position_embeddings:
        raise ValueError(f"seq_length {cfg.seq_length} exceeds the encoder's {bcfg.max_position_embeddings} positions")
    set_seed(cfg.seed)  # same init whatever the tokenizer work consumed
    model = _mlm_model_class()(bcfg)
    head_from = None  # the masked-LM head file the run continued, if any (recorded)
    if cfg.init_from:
        missing, unexpected = model.bert.load_state_dict(base.state_dict(), strict=False)
        if [k for k in missing if "pooler" not in k] or unexpected:
            raise ValueError(f"init_from {cfg.init_from}: weights do not fit a BERT masked-LM "
                             f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
        head_file = Path(cfg.init_from) / MLM_HEAD_FILE
        if head_file.is_file():  # the masked-LM head of the run that made the encoder: the loss goes on from there
            from safetensors.torch import load_file

            head = {k: v.float() for k, v in load_file(str(head_file)).items()}
            missing, unexpected = model.cls.load_state_dict(head, strict=False)
            if [k for k in missing if k != "predictions.decoder.weight"] or unexpected:
                raise ValueError(f"{head_file}: not the masked-LM head of this encoder "
                                 f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
            print(f"continuing with the masked-LM head in {head_file}", file=log)
            head_from = str(head_file)
        else:  # an encoder saved without its head: a fresh head, and the first steps relearn it (the loss jumps)
            print(f"no {MLM_HEAD_FILE} in {cfg.init_from}: the masked-LM head starts fresh", file=log)
        model.tie_weights()
        del base
        if cfg.train_only == "head":  # the encoder and its embeddings (= the tied decoder) stay as they are
            for p in model.bert.parameters():
                p.requires_grad_(False)
            n_head = sum(p.numel() for p in model.parameters() if p.requires_grad)
            print(f"train_only: head: {n_head:,} masked-LM head parameters train, the encoder is frozen", file=log)
    special = set(tok.all_special_ids)
    vocab = len(tok)
    # held-out blocks: the first articles of the stream, never trained on, masked once with a fixed RNG
    stream = stream_articles(files)
    held = BlockStream(iter([next(stream) for _ in range(cfg.heldout_articles)]), tok, normalizer, cfg.seq_length)
    stream.close()
    hrng = random.Random(cfg.seed + 1)
    held_batches = []
    while (b := held.next_block()) is not None:
        held_batches.append(mask_block(*b, tok, hrng, cfg.mask_prob, vocab, special))
    # unigram reference on the same held-out targets, and word2vec initialisation of the embeddings
    ref_file = work / "reference.json"
    if resume and ref_file.is_file():
        reference = json.loads(ref_file.read_text(encoding="utf-8"))
    else:
        t_ref = time.time()
        need_w2v = cfg.init_embeddings == "word2vec"
        counts, seqs = unigram_and_sequences(files, cfg.heldout_articles, tok, normalizer, cfg.w2v_articles,
                                             keep=need_w2v)
        reference = {"unigram_heldout_loss": unigram_loss(held_batches, counts),
                     "stream_tokens": int(counts.sum() - len(counts))}
        if need_w2v:
            mat, have = word2vec_matrix(seqs, vocab, cfg.hidden_size, cfg.w2v_window, cfg.w2v_epochs, cfg.seed,
                                        torch.get_num_threads())
            del seqs
            emb = model.bert.embeddings.word_embeddings.weight
            std = float(mat[have].std()) or 1.0
            scale = bcfg.initializer_range / std  # the geometry of word2vec at the encoder's init scale
            with torch.no_grad():
                idx = torch.from_numpy(np.nonzero(have)[0])
                emb[idx] = torch.from_numpy(mat[have] * scale).to(emb.dtype)
            reference["word2vec"] = {"tokens_with_vectors": int(have.sum()), "epochs": cfg.w2v_epochs,
                                     "window": cfg.w2v_window}
        reference["seconds"] = round(time.time() - t_ref, 1)
        if rank == 0:
            write_json(ref_file, reference)
        print(f"unigram held-out loss {reference['unigram_heldout_loss']:.3f}"
              + (f"; word2vec init of {reference['word2vec']['tokens_with_vectors']} embeddings" if need_w2v else "")
              + f" ({reference['seconds']} s)", file=log)

    args = TrainingArguments(
        output_dir=str(ckpt_dir), max_steps=cfg.max_steps, per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size, learning_rate=cfg.learning_rate, warmup_steps=cfg.warmup_steps,
        lr_scheduler_type="linear", weight_decay=cfg.weight_decay, max_grad_norm=1.0, seed=cfg.seed,
        use_cpu=not cuda, **_precision(cfg, cuda),
        eval_strategy="steps", eval_steps=cfg.eval_every, prediction_loss_only=True,
        save_strategy="steps" if cfg.checkpoint_every else "no", save_steps=cfg.checkpoint_every or 500,
        save_total_limit=1, logging_strategy="steps", logging_steps=20, report_to="none",
        remove_unused_columns=False, dataloader_pin_memory=cuda, ignore_data_skip=False, disable_tqdm=False,
    )
    prior = 0.0
    if last_ckpt is not None and (Path(last_ckpt) / TIME_FILE).is_file():
        prior = float(json.loads((Path(last_ckpt) / TIME_FILE).read_text())["train_seconds"])
    budget, progress = _trainer_callbacks(log, cfg.max_minutes, prior, save_on_stop=bool(cfg.checkpoint_every))
    train_data = TrainingBlocks(files, cfg.heldout_articles, tok, normalizer, cfg.seq_length,
                                cfg.batch_size * args.world_size, first_pass_skip=cfg.skip_articles)
    heldout = [{"input_ids": i, "labels": lab} for i, lab in held_batches]
    n_targets = sum(t != -100 for _, lab in held_batches for t in lab)

    def on_heldout(tr) -> None:
        if tr.is_world_process_zero():
            c = heldout_curve(tr.state.log_history)[-1]
            print(f"step {c['step']}: held-out MLM loss {c['heldout_loss']:.3f} (ppl {c['perplexity']:.1f})", file=log)
            write_json(work / "log.json", {"heldout_curve": heldout_curve(tr.state.log_history),
                                           "train_seconds": budget.seconds()})

    trainer = _trainer_class()(model=model, args=args, train_dataset=train_data, eval_dataset=heldout,
                               data_collator=MaskingCollator(tok, cfg.mask_prob, cfg.seed), callbacks=[budget])
    trainer.remove_callback(ProgressCallback)  # its log lines go to stdout, where the CLI prints its JSON
    trainer.add_callback(progress)
    trainer.heldout_scale, trainer.budget, trainer.on_heldout = len(heldout) / max(n_targets, 1), budget, on_heldout
    trainer.tokens_per_step = cfg.batch_size * args.world_size * cfg.seq_length
    if last_ckpt is not None:
        print(f"resuming from {last_ckpt}", file=log)
    t_run = time.time()
    trainer.train(resume_from_checkpoint=last_ckpt)
    run_seconds = time.time() - t_run
    step = trainer.state.global_step
    curve = heldout_curve(trainer.state.log_history)
    if not curve or curve[-1]["step"] != step:
        trainer.evaluate()
        curve = heldout_curve(trainer.state.log_history)
    secs = budget.seconds()
    tokens = step * trainer.tokens_per_step
    if not trainer.is_world_process_zero():  # the same summary as rank 0 (the CLI prints it), nothing written
        return {"steps": step, "tokens_seen": tokens, "tokens_per_second": round(tokens / secs, 1) if secs else None,
                "final_heldout_loss": curve[-1]["heldout_loss"], "final_heldout_perplexity": curve[-1]["perplexity"]}
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    info = {
        "config": asdict(cfg), "corpus": [str(p) for p in files], "steps": step,
        "stopped_early": budget.stopped_early, "tokens_seen": tokens, "train_seconds": round(secs, 1),
        "tokenizer_seconds": round(tok_seconds, 1) if tok_seconds is not None else None,
        "tokens_per_second": round(tokens / secs, 1) if secs else None,
        "this_run_seconds": round(run_seconds, 1), "mlm_head_from": head_from,
        "training_stack": "transformers.Trainer (masked-LM collator, MLM head on masked positions)",
        "heldout_curve": curve, "final_heldout_loss": curve[-1]["heldout_loss"], "reference": reference,
        "final_heldout_perplexity": curve[-1]["perplexity"], "train_loss_curve": losses,
        "n_parameters": sum(p.numel() for p in model.bert.parameters()),
        "device": str(args.device), "world_size": args.world_size, "environment": environment(),
        "packages": package_versions(), "git": git_info(),
    }
    with atomic_dir(out_dir, overwrite=True) as tmp:
        enc = trainer.model.bert
        if cfg.save_fp16:
            enc = enc.half()
        enc.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        _save_mlm_head(trainer.model, tmp / MLM_HEAD_FILE, cfg.save_fp16)
        write_json(tmp / "pretrain_log.json", info)
        _plot_curve(curve, tmp / "heldout_mlm.png", reference.get("unigram_heldout_loss"))
        write_text(tmp / "README.md", model_card(info))
    return info


MLM_HEAD_FILE = "mlm_head.safetensors"


def _save_mlm_head(model, path: Path, fp16: bool) -> None:
    """The masked-LM head (transform and output bias; the output matrix is the tied word embeddings) beside the
    encoder, so a later ``init_from`` continues the loss instead of restarting the head (continuing from a folder
    without it, experiments/pretrain-cont3/, put the held-out loss back from 5.92 to 6.21)."""
    from safetensors.torch import save_file

    state = {k: v.detach().clone().contiguous() for k, v in model.cls.state_dict().items()
             if k != "predictions.decoder.weight"}
    save_file({k: (v.half() if fp16 else v) for k, v in state.items()}, str(path))


def _tensors(batch, pad: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    L = max(len(i) for i, _ in batch)
    ids = torch.full((len(batch), L), pad, dtype=torch.long)
    labels = torch.full((len(batch), L), -100, dtype=torch.long)
    attn = torch.zeros((len(batch), L), dtype=torch.long)
    for k, (i, lab) in enumerate(batch):
        ids[k, : len(i)] = torch.tensor(i)
        labels[k, : len(lab)] = torch.tensor(lab)
        attn[k, : len(i)] = 1
    return ids, labels, attn


def _plot_curve(curve: list[dict[str, Any]], path: Path, unigram: float | None = None) -> None:
    """Held-out MLM loss against training minutes, with the unigram model's loss on the same targets."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4))
    if curve:
        ax.plot([c["minutes"] for c in curve], [c["heldout_loss"] for c in curve], "o-", label="this run")
    if unigram is not None:
        ax.axhline(unigram, color="grey", ls="--", label=f"unigram ({unigram:.2f})")
    ax.legend()
    ax.set(xlabel="training minutes", ylabel="held-out MLM loss (nats)", title="arcrime encoder pretraining")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def model_card(info: dict[str, Any]) -> str:
    c = info["config"]
    tok_time = (f" + {info['tokenizer_seconds'] / 60:.1f} min tokenizer" if info.get("tokenizer_seconds") is not None
                else "; tokenizer training time not recorded")
    stop = (f"; stopped by the {c['max_minutes']:g}-minute budget at step {info['steps']} (the learning rate had not"
            " decayed to zero)" if info.get("stopped_early") else "")
    notes = "".join(f"\n- {n}" for n in info.get("notes", []))
    notes = f"\n## Notes on this run{notes}\n" if notes else ""
    ref = info.get("reference") or {}
    init = ("embeddings initialised from word2vec CBOW vectors trained with gensim on the training stream "
            f"({ref['word2vec']['tokens_with_vectors']:,} word pieces, {ref['word2vec']['epochs']} epochs, window "
            f"{ref['word2vec']['window']})" if ref.get("word2vec") else "random (BERT initializer)")
    tokenizer = (f"WordPiece, {c['vocab_size']} entries, trained with `tokenizers` on {c['tokenizer_articles']:,} "
                 f"articles after arcrime normalization ({', '.join(c['normalize_steps'])})")
    from .report import on_general_corpora

    general = on_general_corpora(info)
    head = ("its masked-LM head continued from the `mlm_head.safetensors` saved beside it" if info.get("mlm_head_from")
            else "the masked-LM head's transform starts fresh, its decoder is tied to the embeddings")
    if c.get("train_only") == "head":
        head += ("; only the masked-LM head was trained, the encoder's weights (and the embeddings the decoder is "
                 "tied to) are those of the source encoder, unchanged")
    if c.get("init_from") and general:
        base = Path(c["init_from"]).name
        init = f"continued from the pretrained encoder `{base}` on the same general corpora ({head})"
        tokenizer = f"the WordPiece tokenizer of `{base}` ({c['vocab_size']} entries), unchanged"
        held = (f"- Continued run on the general corpora: the held-out articles (the first {c['heldout_articles']}) and "
                f"their masks are those of `{base}`'s own run (same corpora, tokenizer and seed), so the two held-out "
                "losses compare directly.\n"
                f"- The first pass over the corpora skipped the first {int(c.get('skip_articles') or 0):,} training "
                f"articles, which `{base}` had already read; the steps, tokens and compute above are this run's only "
                f"(add those of `{base}` for the encoder's total).")
        notes = notes.replace("## Notes on this run", "## Notes on this run\n" + held) if notes else (
            "\n## Notes on this run\n" + held + "\n")
    elif c.get("init_from"):
        init = f"continued from the pretrained encoder `{Path(c['init_from']).name}` (domain-adaptive pretraining; {head})"
        tokenizer = f"the WordPiece tokenizer of `{Path(c['init_from']).name}` ({c['vocab_size']} entries), unchanged"
        held = (f"- Domain-adaptive run: the held-out articles are the first {c['heldout_articles']} of this run's own "
                f"corpus ({', '.join(Path(p).name for p in info['corpus'])}), so its held-out loss does not compare "
                "with the general encoder's; compare the two by fine-tuning on the real-press dev split.\n"
                "- The corpus is `arcrime data domain`'s: the crime, court and cyber-crime articles of the corpora "
                "listed above (outside the project's annotation layer, reprints of its held-out stories removed) plus the "
                "written corpus's train split (the project's own writing).")
        notes = notes.replace("## Notes on this run", "## Notes on this run\n" + held) if notes else (
            "\n## Notes on this run\n" + held + "\n")
    unigram = (f"; a unigram model of the training stream scores {ref['unigram_heldout_loss']:.3f} on the same targets"
               if ref.get("unigram_heldout_loss") is not None else "")
    return f"""# {Path(c['output_dir']).name}

A small Arabic BERT encoder pretrained by the arcrime project with masked-LM (whole-word
masking, loss on masked positions only) so that the pipeline runs offline with a genuinely
pretrained encoder. Load it with `AutoModel.from_pretrained("<this folder>")`.

| | |
|---|---|
| architecture | BERT, {c['num_hidden_layers']} layers, hidden {c['hidden_size']}, {c['num_attention_heads']} heads, FFN {c['intermediate_size']}, {c['max_position_embeddings']} positions; {info['n_parameters']:,} parameters |
| tokenizer | {tokenizer} |
| pretraining | {info['steps']} steps × {c['batch_size']} blocks × {c['seq_length']} tokens; {info['tokens_seen']:,} tokens seen; peak LR {c['learning_rate']}, {c['warmup_steps']} warm-up steps, linear decay over {c['max_steps']} steps{stop} |
| initialisation | {init} |
| training stack | {info.get('training_stack', 'arcrime pretraining loop')} |
| compute | {info['device']}, {info['environment'].get('torch_threads')} threads; {info['train_seconds'] / 60:.1f} min training ({info['tokens_per_second']} tokens/s){tok_time} |
| held-out MLM | loss {info['final_heldout_loss']:.3f}, perplexity {info['final_heldout_perplexity']:.1f} on {c['heldout_articles']} held-out articles, {c['mask_prob']:.0%} whole-word masking{unigram} (curve: `heldout_mlm.png`) |
| weights | safetensors, {'fp16' if c['save_fp16'] else 'fp32'} storage |

## Training data and terms
Real Arabic news, read from the corpus folder given to `arcrime pretrain --corpus`
({len(info['corpus'])} files). The project's run used the three corpora of `shared/unlabeled/`:

- **SaudiNewsNet** (Alhagri, 2015; GitHub `inparallel/SaudiNewsNet`): 29k articles from 14 Saudi newspapers, July–August 2015.
  CC BY-NC-SA 4.0, research use only: **this encoder inherits the non-commercial, share-alike terms.**
- **ANT corpus v2.1** (multi-source; Chouigui et al.; GitHub `antcorpus/antcorpus.multisource.data`): 29k articles from SkyNews Arabia, AlArabiya,
  BBC Arabic, CNN Arabic, France24 (2018). Research use with citation of the ANT paper.
- **ANT corpus v1.1** (Jawhara FM, Tunisia, 2013–2017; GitHub `antcorpus/antcorpus.data`): 9.7k articles. Apache-2.0 with citation.

None of this text is in the arcrime repository or its labelled corpus.

## Limits
Small and briefly trained: it knows far less Arabic than AraBERT or MARBERT and is meant as the
offline default, not as a substitute for them. Saudi and pan-Arab news dominate its data;
Maghrebi press and dialects are under-represented.
{notes}"""
