"""The arcrime model: any BERT-style encoder with two jointly trained heads.

* a multi-label classification head on ``[CLS]`` (sigmoid + BCE), whose window logits are
  aggregated per article (max or mean) so long articles are scored as a whole;
* a BIO token-tagging head for legal-reference spans (typed by span kind).

Saved layout (``save_model``)::

    DIR/encoder/            encoder.save_pretrained (config.json + model.safetensors)
    DIR/heads.safetensors   both heads
    DIR/tokenizer files     tokenizer.save_pretrained
    DIR/arcrime_model.json  labels, tags, thresholds, normalization steps, windowing,
                            training config, encoder source

Weights are only ever read from safetensors; ``trust_remote_code`` stays off unless the
training config explicitly enabled it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from .config import ModelConfig
from .encoding import TAGS
from .fileio import atomic_dir, write_json

META_FILE = "arcrime_model.json"
HEADS_FILE = "heads.safetensors"
FORMAT_VERSION = 1


class ModelLoadError(RuntimeError):
    """A model or tokenizer could not be loaded; the message says how to fix it."""


@dataclass
class ModelMeta:
    labels: list[str]
    thresholds: dict[str, float]
    normalize_steps: list[str]
    max_length: int
    stride: int
    window_aggregation: str
    encoder_source: str
    trust_remote_code: bool = False
    tags: list[str] = field(default_factory=lambda: list(TAGS))
    train_config: dict[str, Any] = field(default_factory=dict)
    temperatures: dict[str, float] = field(default_factory=dict)  # per-label temperature (1.0 = none)
    format_version: int = FORMAT_VERSION


class ArcrimeModel(nn.Module):
    """Encoder + classification head + BIO tagging head."""

    def __init__(self, encoder: nn.Module, num_labels: int, num_tags: int = len(TAGS), dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden, num_labels)
        self.tagger = nn.Linear(hidden, num_tags)
        for lin in (self.classifier, self.tagger):
            nn.init.normal_(lin.weight, std=0.02)
            nn.init.zeros_(lin.bias)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(window_label_logits [W, L], token_tag_logits [W, T, K])``."""
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        h = self.dropout(h)
        return self.classifier(h[:, 0]), self.tagger(h)


def aggregate_windows(logits: torch.Tensor, doc_index: torch.Tensor, n_docs: int, mode: str) -> torch.Tensor:
    """Aggregate window logits ``[W, L]`` into document logits ``[n_docs, L]``."""
    idx = doc_index.unsqueeze(1).expand_as(logits)
    out = torch.zeros(n_docs, logits.shape[1], dtype=logits.dtype, device=logits.device)
    reduce = "amax" if mode == "max" else "mean"
    return out.scatter_reduce(0, idx, logits, reduce=reduce, include_self=False)


# ---------------------------------------------------------------- building

def _hub_error(name: str, err: Exception) -> ModelLoadError:
    return ModelLoadError(
        f"could not load {name!r}: {err}\n"
        "No model hub is reachable from this machine (or the id/path is wrong). Download the model "
        "on a machine with access (e.g. `huggingface-cli download " + name + " --local-dir ./hub/" +
        name.split("/")[-1] + "`), copy the folder here, and set `model.name_or_path` in your config "
        "to that local directory.")


def load_pretrained_encoder(cfg: ModelConfig) -> tuple[Any, nn.Module]:
    """Tokenizer and encoder from a hub id or a local directory (safetensors only)."""
    from transformers import AutoModel, AutoTokenizer

    from transformers import AutoConfig

    name = cfg.name_or_path
    assert name is not None
    kw = {"revision": cfg.revision, "trust_remote_code": cfg.trust_remote_code}
    try:
        tok = AutoTokenizer.from_pretrained(name, **kw)
        enc_cfg = AutoConfig.from_pretrained(name, **kw)
        extra = {"add_pooling_layer": False} if enc_cfg.model_type == "bert" else {}
        # fp32 master weights whatever the storage dtype (the shipped encoder is stored in fp16);
        # CUDA runs use autocast on top
        enc = AutoModel.from_pretrained(name, use_safetensors=True, dtype=torch.float32, **extra, **kw)
    except (OSError, ValueError) as e:
        raise _hub_error(name, e) from e
    if not getattr(tok, "is_fast", False):
        raise ModelLoadError(f"{name}: a fast tokenizer (with offset mapping) is required; "
                             "this checkpoint only provides a slow one")
    check_max_length(enc, cfg.max_length, name)
    return tok, enc


def check_max_length(encoder: nn.Module, max_length: int, name: str) -> None:
    limit = getattr(encoder.config, "max_position_embeddings", None)
    if limit is not None and max_length > limit:
        raise ModelLoadError(f"{name}: model.max_length={max_length} exceeds the encoder's "
                             f"max_position_embeddings={limit}; set model.max_length <= {limit}")


def build_small_bert(cfg: ModelConfig, tokenizer: Any) -> nn.Module:
    """A randomly initialised small BERT sized by the config (offline quickstart / ablation)."""
    from transformers import BertConfig, BertModel

    bcfg = BertConfig(
        vocab_size=len(tokenizer), hidden_size=cfg.hidden_size, num_hidden_layers=cfg.num_hidden_layers,
        num_attention_heads=cfg.num_attention_heads, intermediate_size=cfg.intermediate_size,
        max_position_embeddings=cfg.max_length, pad_token_id=tokenizer.pad_token_id,
    )
    return BertModel(bcfg, add_pooling_layer=False)


def train_wordpiece(texts: list[str], vocab_size: int, min_frequency: int) -> Any:
    """Train a WordPiece tokenizer (``tokenizers``) on already-normalized texts."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=special)
    tok.train_from_iterator(texts, trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=512)


# ---------------------------------------------------------------- save / load

def save_model(path: str | Path, model: ArcrimeModel, tokenizer: Any, meta: ModelMeta, overwrite: bool = False) -> None:
    """Write the model folder atomically (temporary folder, then rename)."""
    with atomic_dir(path, overwrite=overwrite) as tmp:
        model.encoder.save_pretrained(tmp / "encoder")
        heads = {f"classifier.{k}": v.detach().cpu().contiguous() for k, v in model.classifier.state_dict().items()}
        heads |= {f"tagger.{k}": v.detach().cpu().contiguous() for k, v in model.tagger.state_dict().items()}
        save_file(heads, str(tmp / HEADS_FILE))
        tokenizer.save_pretrained(tmp)
        write_json(tmp / META_FILE, meta.__dict__)


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[ArcrimeModel, Any, ModelMeta]:
    """Reload a folder written by :func:`save_model`.

    Raises:
        ModelLoadError: naming the missing or bad file and how to fix it.
    """
    from transformers import AutoModel, AutoTokenizer

    path = Path(path)
    if not path.is_dir():
        raise ModelLoadError(f"{path}: model folder not found; train one with `arcrime train --config ...`")
    for need in (META_FILE, HEADS_FILE, "encoder/config.json", "encoder/model.safetensors"):
        if not (path / need).is_file():
            raise ModelLoadError(f"{path}: missing {need}; the folder is not a complete arcrime model "
                                 "(was training interrupted? retrain or copy the whole folder)")
    try:
        raw = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        meta = ModelMeta(**raw)
    except (json.JSONDecodeError, TypeError) as e:
        raise ModelLoadError(f"{path / META_FILE}: unreadable model metadata ({e})") from e
    if meta.format_version != FORMAT_VERSION:
        raise ModelLoadError(f"{path}: model format {meta.format_version}, this arcrime reads {FORMAT_VERSION}")
    try:
        tok = AutoTokenizer.from_pretrained(path, trust_remote_code=meta.trust_remote_code)
        from transformers import AutoConfig

        enc_cfg = AutoConfig.from_pretrained(path / "encoder", trust_remote_code=meta.trust_remote_code)
        extra = {"add_pooling_layer": False} if enc_cfg.model_type == "bert" else {}
        enc = AutoModel.from_pretrained(path / "encoder", use_safetensors=True, dtype=torch.float32,
                                        trust_remote_code=meta.trust_remote_code, **extra)
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"{path}: could not load tokenizer/encoder: {e}") from e
    model = ArcrimeModel(enc, len(meta.labels), len(meta.tags))
    heads = load_file(str(path / HEADS_FILE))
    model.classifier.load_state_dict({k.split(".", 1)[1]: v for k, v in heads.items() if k.startswith("classifier.")})
    model.tagger.load_state_dict({k.split(".", 1)[1]: v for k, v in heads.items() if k.startswith("tagger.")})
    model.to(device).eval()
    return model, tok, meta
