"""The arcrime model as a transformers model: any BERT-style encoder with two jointly trained heads.

* a multi-label classification head on ``[CLS]`` (sigmoid + BCE), whose window logits are
  aggregated per article (max or mean) so long articles are scored as a whole;
* a BIO token-tagging head for legal-reference spans (typed by span kind).

:class:`ArcrimeConfig` (a ``PretrainedConfig``) carries everything needed to use the model: the
labels (``id2label``, ``problem_type="multi_label_classification"``), thresholds and
temperatures tuned on dev, the BIO tag set, the normalization steps, the window length and stride,
and the encoder's own config. :class:`ArcrimeForCrimeNews` (a ``PreTrainedModel``) holds the
encoder and both heads. Importing ``arcrime`` registers both with ``AutoConfig``/``AutoModel``,
so a model folder is a standard one::

    DIR/config.json          ArcrimeConfig (model_type "arcrime")
    DIR/model.safetensors    encoder.* + classifier.* + tagger.*
    DIR/tokenizer files      tokenizer.save_pretrained
    DIR/README.md            model card with the run's metrics (arcrime.card)

and ``AutoModel.from_pretrained(DIR)`` / ``save_pretrained`` work without ``trust_remote_code``.
Weights are only ever read from safetensors (``from_pretrained`` sets ``use_safetensors=True``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from .config import DEFAULT_LABELS, ModelConfig
from .encoding import IGNORE, TAGS
from .normalize import DEFAULT_STEPS
from .prediction import ModelLoadError

LEGACY_META_FILE = "arcrime_model.json"  # the pre-0.2 folder layout (encoder/ + heads.safetensors)


class ArcrimeConfig(PretrainedConfig):
    """Configuration of :class:`ArcrimeForCrimeNews`.

    Args:
        encoder: the encoder's config as a dict (``AutoConfig.for_model(**encoder)`` rebuilds it).
        thresholds: per-label decision threshold on the sigmoid score (tuned on dev).
        temperatures: per-label temperature dividing the logit before the sigmoid (1.0 = none).
        calibration_biases: per-label bias added to the tempered logit before the sigmoid (Platt scaling:
            ``sigmoid(logit / T + b)``; 0.0 = none), fitted on dev with the temperature.
        tags: the BIO tag set of the legal-reference tagger.
        normalize_steps: the text normalization applied before tokenizing (arcrime.normalize).
        window_length: tokens per window including ``[CLS]``/``[SEP]``.
        stride: tokens of overlap between consecutive windows.
        window_aggregation: how window logits become article logits: ``max`` or ``mean``.
        tag_loss_weight: weight of the tagging loss next to the label loss in training.
        classifier_dropout: dropout before both heads.
        encoder_source: where the encoder came from (hub id, folder or "random-init ...").
        train_config: the resolved training config of the run that produced the model.
        gate_thresholds: per-label thresholds for the keyword-gated hybrid (the model's score where the
            label's keyword family occurs in the article, 0 elsewhere), tuned on dev; empty = not tuned.
    """

    model_type = "arcrime"
    keys_to_ignore_at_inference = ["tag_logits"]  # Trainer evaluation gathers the article logits only

    def __init__(self, encoder: dict[str, Any] | None = None, thresholds: dict[str, float] | None = None,
                 temperatures: dict[str, float] | None = None, tags: list[str] | None = None,
                 normalize_steps: list[str] | None = None, window_length: int = 512, stride: int = 64,
                 window_aggregation: str = "max", tag_loss_weight: float = 1.0, classifier_dropout: float = 0.1,
                 encoder_source: str = "", train_config: dict[str, Any] | None = None,
                 gate_thresholds: dict[str, float] | None = None,
                 calibration_biases: dict[str, float] | None = None, **kwargs: Any):
        if "id2label" not in kwargs and "num_labels" not in kwargs:
            kwargs["id2label"] = dict(enumerate(DEFAULT_LABELS))
        kwargs.setdefault("problem_type", "multi_label_classification")
        super().__init__(**kwargs)
        if not self.label2id or set(self.label2id) != set(self.id2label.values()):
            self.label2id = {lab: i for i, lab in self.id2label.items()}
        # the encoder's own dtype is not a setting of this model (the storage dtype is the top-level one)
        self.encoder = {k: v for k, v in dict(encoder or {}).items() if k not in ("dtype", "torch_dtype")}
        self.thresholds = dict(thresholds or {lab: 0.5 for lab in self.labels})
        self.temperatures = dict(temperatures or {})
        self.calibration_biases = dict(calibration_biases or {})
        self.tags = list(tags or TAGS)
        self.normalize_steps = list(normalize_steps if normalize_steps is not None else DEFAULT_STEPS)
        self.window_length, self.stride = window_length, stride
        self.window_aggregation = window_aggregation
        self.tag_loss_weight, self.classifier_dropout = tag_loss_weight, classifier_dropout
        self.encoder_source = encoder_source
        self.train_config = dict(train_config or {})
        self.gate_thresholds = dict(gate_thresholds or {})

    @property
    def labels(self) -> list[str]:
        return [self.id2label[i] for i in range(len(self.id2label))]

    def encoder_config(self) -> PretrainedConfig:
        if not self.encoder:
            raise ModelLoadError("ArcrimeConfig.encoder is empty: the config does not say which encoder to build")
        enc = dict(self.encoder)
        return AutoConfig.for_model(enc.pop("model_type"), **enc)


@dataclass
class ArcrimeOutput(ModelOutput):
    """``logits``: article-level label logits ``[n_docs, L]`` when ``doc_index`` was given, else one
    row per window; ``tag_logits``: BIO logits ``[windows, tokens, tags]``."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    tag_logits: torch.Tensor | None = None


def aggregate_windows(logits: torch.Tensor, doc_index: torch.Tensor, n_docs: int, mode: str) -> torch.Tensor:
    """Aggregate window logits ``[W, L]`` into document logits ``[n_docs, L]``."""
    idx = doc_index.unsqueeze(1).expand_as(logits)
    out = torch.zeros(n_docs, logits.shape[1], dtype=logits.dtype, device=logits.device)
    reduce = "amax" if mode == "max" else "mean"
    return out.scatter_reduce(0, idx, logits, reduce=reduce, include_self=False)


def _encoder_from_config(cfg: PretrainedConfig) -> nn.Module:
    extra = {"add_pooling_layer": False} if cfg.model_type == "bert" else {}
    return AutoModel.from_config(cfg, **extra)


class ArcrimeForCrimeNews(PreTrainedModel):
    """Encoder + article classification head + legal-reference BIO tagging head.

    ``forward(input_ids, attention_mask, doc_index=None, labels=None, tag_labels=None)``: the
    windows of a batch of articles go through the encoder; with ``doc_index`` (the article of each
    window) the ``[CLS]`` logits are aggregated per article, so the label loss is computed on the
    article, exactly as at inference; ``labels`` are the articles' multi-hot labels and
    ``tag_labels`` the per-token BIO ids (``-100`` where ignored).
    """

    config_class = ArcrimeConfig
    base_model_prefix = "arcrime"
    main_input_name = "input_ids"
    supports_gradient_checkpointing = True
    # the loss is a mean computed in forward (it ignores num_items_in_batch): Trainer must scale it for
    # gradient accumulation and DDP itself
    accepts_loss_kwargs = False
    _keys_to_ignore_on_load_unexpected = [r"encoder\.pooler\..*"]

    def __init__(self, config: ArcrimeConfig):
        super().__init__(config)
        self.encoder = _encoder_from_config(config.encoder_config())
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.classifier = nn.Linear(hidden, config.num_labels)
        self.tagger = nn.Linear(hidden, len(config.tags))
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        # only the heads: the encoder initialises (or loads) its own weights
        if module is getattr(self, "classifier", None) or module is getattr(self, "tagger", None):
            nn.init.normal_(module.weight, std=0.02)
            nn.init.zeros_(module.bias)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                doc_index: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                tag_labels: torch.Tensor | None = None, **kwargs: Any) -> ArcrimeOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        h = self.dropout(h)
        logits = self.classifier(h[:, 0])
        tag_logits = self.tagger(h)
        if doc_index is not None:
            n_docs = labels.shape[0] if labels is not None else int(doc_index.max()) + 1
            logits = aggregate_windows(logits.float(), doc_index, n_docs, self.config.window_aggregation)
        loss = None
        if labels is not None:
            loss = F.binary_cross_entropy_with_logits(logits.float(), labels.float())
            if tag_labels is not None and self.config.tag_loss_weight:
                tag_loss = F.cross_entropy(tag_logits.float().reshape(-1, tag_logits.shape[-1]),
                                           tag_labels.reshape(-1), ignore_index=IGNORE)
                loss = loss + self.config.tag_loss_weight * tag_loss
        return ArcrimeOutput(loss=loss, logits=logits, tag_logits=tag_logits)

    @classmethod
    def from_pretrained(cls, *args: Any, **kwargs: Any) -> "ArcrimeForCrimeNews":
        """``PreTrainedModel.from_pretrained`` reading safetensors only and giving fp32 weights unless a
        ``dtype`` is asked for (the released model is stored in fp16; CPU inference runs in fp32, as
        ``arcrime predict`` does). ``AutoModel.from_pretrained`` and the pipeline come through here."""
        kwargs.setdefault("use_safetensors", True)
        if kwargs.get("dtype") in (None, "auto") and kwargs.get("torch_dtype") in (None, "auto"):
            kwargs.pop("torch_dtype", None)
            kwargs["dtype"] = torch.float32
        return super().from_pretrained(*args, **kwargs)

    @classmethod
    def from_encoder(cls, encoder: nn.Module, config: ArcrimeConfig) -> "ArcrimeForCrimeNews":
        """A new model around an already loaded (pretrained) encoder; the heads are initialised fresh."""
        config.encoder = {k: v for k, v in encoder.config.to_dict().items() if k not in ("dtype", "torch_dtype")}
        model = cls(config)
        missing, unexpected = model.encoder.load_state_dict(encoder.state_dict(), strict=False)
        bad = [k for k in missing if "pooler" not in k] + [k for k in unexpected if "pooler" not in k]
        if bad:
            raise ModelLoadError(f"encoder weights do not fit the rebuilt encoder: {bad[:5]}")
        return model


AutoConfig.register("arcrime", ArcrimeConfig)
AutoModel.register(ArcrimeConfig, ArcrimeForCrimeNews)


# ---------------------------------------------------------------- building

def _hub_error(name: str, err: Exception) -> ModelLoadError:
    return ModelLoadError(
        f"could not load {name!r}: {err}\n"
        "No model hub is reachable from this machine (or the id/path is wrong). Download the model "
        "on a machine with access (e.g. `huggingface-cli download " + name + " --local-dir ./hub/" +
        name.split("/")[-1] + "`), copy the folder here, and set `model.name_or_path` in your config "
        "to that local directory.")


def load_pretrained_encoder(cfg: ModelConfig) -> tuple[Any, nn.Module]:
    """Tokenizer and encoder from a hub id or a local directory (safetensors only); a fine-tuned arcrime
    model folder gives its encoder."""
    from transformers import AutoTokenizer

    name = cfg.name_or_path
    assert name is not None
    kw = {"revision": cfg.revision, "trust_remote_code": cfg.trust_remote_code}
    try:
        tok = AutoTokenizer.from_pretrained(name, **kw)
        enc_cfg = AutoConfig.from_pretrained(name, **kw)
        extra = {"add_pooling_layer": False} if enc_cfg.model_type == "bert" else {}
        # fp32 master weights whatever the storage dtype (the shipped encoder is stored in fp16);
        # CUDA runs use autocast on top
        if enc_cfg.model_type == "arcrime":
            # a fine-tuned arcrime model as the starting point of a further stage (e.g. after the silver
            # stage of weak supervision): its encoder; the heads start fresh
            enc = ArcrimeForCrimeNews.from_pretrained(name, **kw).encoder
        else:
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

def _check_weights(path: Path) -> None:
    """A clear error for a truncated or corrupted ``model.safetensors`` (instead of a SafetensorError)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            for k in f.keys():
                f.get_slice(k).get_shape()
    except Exception as e:  # noqa: BLE001 - safetensors raises its own error types
        raise ModelLoadError(f"{path}: the weights file is damaged or truncated ({e}); copy the model folder "
                             "again or retrain it") from e


def is_legacy(path: str | Path) -> bool:
    """True for a folder in the pre-0.2 layout (``encoder/``, ``heads.safetensors``, ``arcrime_model.json``)."""
    return (Path(path) / LEGACY_META_FILE).is_file() and not (Path(path) / "config.json").is_file()


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[ArcrimeForCrimeNews, Any]:
    """Model and tokenizer from a model folder (or, with network access, a hub id).

    A legacy folder (pre-0.2 layout) is converted in memory; ``arcrime convert`` writes it in the
    standard layout once and for all.

    Raises:
        ModelLoadError: naming the missing or bad file and how to fix it.
    """
    from transformers import AutoTokenizer

    p = Path(path)
    if p.is_dir() and is_legacy(p):
        model, tok = load_legacy(p)
        return model.to(device).eval(), tok
    if p.is_dir():
        for need in ("config.json", "model.safetensors"):
            if not (p / need).is_file():
                raise ModelLoadError(f"{p}: missing {need}; the folder is not a complete arcrime model "
                                     "(was training interrupted? retrain or copy the whole folder)")
        try:
            mtype = json.loads((p / "config.json").read_text(encoding="utf-8")).get("model_type")
        except (OSError, json.JSONDecodeError) as e:
            raise ModelLoadError(f"{p / 'config.json'}: unreadable ({e}); copy the model folder again") from e
        if mtype != "arcrime":
            raise ModelLoadError(f"{p}: config.json has model_type {mtype!r}, not 'arcrime': this is a plain "
                                 "encoder, not a fine-tuned arcrime model; fine-tune it with `arcrime train` "
                                 "(model.name_or_path: this folder)")
        _check_weights(p / "model.safetensors")
    elif (p.is_absolute() or str(path).startswith(".") or str(path).count("/") != 1 or p.parent.is_dir()
          or p.parts[0] in ("models", "encoders", "released", "experiments")):
        # not a hub id ("owner/name" whose owner is not a local folder): a missing local folder
        raise ModelLoadError(f"{path}: model folder not found; train one with `arcrime train --config ...`")
    try:
        model = ArcrimeForCrimeNews.from_pretrained(str(path), dtype=torch.float32, use_safetensors=True)
        tok = AutoTokenizer.from_pretrained(str(path))
    except (OSError, ValueError) as e:
        raise (_hub_error(str(path), e) if not p.is_dir() else
               ModelLoadError(f"{p}: could not load the model or its tokenizer: {e}")) from e
    return model.to(device).eval(), tok


def load_legacy(path: str | Path) -> tuple[ArcrimeForCrimeNews, Any]:
    """Read a pre-0.2 folder (``encoder/`` + ``heads.safetensors`` + ``arcrime_model.json``)."""
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    path = Path(path)
    for need in ("heads.safetensors", "encoder/config.json", "encoder/model.safetensors"):
        if not (path / need).is_file():
            raise ModelLoadError(f"{path}: missing {need}; the (old-layout) folder is incomplete; retrain it")
    try:
        meta = json.loads((path / LEGACY_META_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ModelLoadError(f"{path / LEGACY_META_FILE}: unreadable model metadata ({e})") from e
    if meta.get("format_version", 1) != 1 or meta.get("trust_remote_code"):
        raise ModelLoadError(f"{path}: old-layout folder with format_version {meta.get('format_version')} or "
                             "trust_remote_code set: not converted; retrain the model")
    _check_weights(path / "encoder" / "model.safetensors")
    _check_weights(path / "heads.safetensors")
    try:
        enc_cfg = AutoConfig.from_pretrained(path / "encoder")
        extra = {"add_pooling_layer": False} if enc_cfg.model_type == "bert" else {}
        enc = AutoModel.from_pretrained(path / "encoder", use_safetensors=True, dtype=torch.float32, **extra)
        cfg = ArcrimeConfig(id2label=dict(enumerate(meta["labels"])), thresholds=meta["thresholds"],
                            temperatures=meta.get("temperatures") or {}, tags=meta.get("tags"),
                            normalize_steps=meta["normalize_steps"], window_length=meta["max_length"],
                            stride=meta["stride"], window_aggregation=meta["window_aggregation"],
                            encoder_source=meta.get("encoder_source", ""), train_config=meta.get("train_config") or {})
    except (KeyError, TypeError, OSError, ValueError) as e:
        raise ModelLoadError(f"{path}: the old-layout folder is incomplete or damaged ({e!r}); retrain the model") from e
    model = ArcrimeForCrimeNews.from_encoder(enc, cfg)
    heads = load_file(str(path / "heads.safetensors"))
    model.classifier.load_state_dict({k.split(".", 1)[1]: v for k, v in heads.items() if k.startswith("classifier.")})
    model.tagger.load_state_dict({k.split(".", 1)[1]: v for k, v in heads.items() if k.startswith("tagger.")})
    return model.eval(), AutoTokenizer.from_pretrained(path)


def save_model(path: str | Path, model: ArcrimeForCrimeNews, tokenizer: Any, card: str | None = None,
               overwrite: bool = False) -> None:
    """``save_pretrained`` of model and tokenizer (plus the model card), written atomically."""
    from .fileio import atomic_dir

    with atomic_dir(path, overwrite=overwrite) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if card is not None:
            (tmp / "README.md").write_text(card, encoding="utf-8")
