"""Export a trained model to ONNX (optionally dynamically quantized to int8) and run it with
ONNX Runtime behind the same :class:`~arcrime.inference.Predictor` interface.

The exported graph is the whole :class:`~arcrime.model.ArcrimeForCrimeNews` forward pass — encoder plus
both heads — with dynamic batch and sequence axes, so windowing, aggregation, thresholds and
legal-reference linking stay in Python exactly as for the PyTorch model. The export folder follows
the model folder's convention: ``config.json`` (the same ``ArcrimeConfig``), the tokenizer files,
the model card, and ``model.onnx`` (plus ``model.int8.onnx`` with ``--int8``) in place of
``model.safetensors``.
Needs the optional extra ``pip install "arcrime[onnx]"`` (onnx, onnxruntime).

BERT encoders are traced with eager attention and then fused by ONNX Runtime's transformer
optimizer (one ``Attention`` node per layer, ``SkipLayerNormalization``, ``BiasGelu``); the int8
model is quantized from the fused graph, so attention runs as ``QAttention``. On a 2-core AVX2
CPU this is what makes int8 pay on BERT-base-sized models (see ``benchmarks/results``). Encoders
the optimizer does not know are exported unfused.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .fileio import atomic_dir
from .model import LEGACY_META_FILE, ArcrimeConfig, ArcrimeOutput, ModelLoadError, load_model

ONNX_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"


def export_onnx(model_dir: str | Path, out_dir: str | Path, int8: bool = False, opset: int = 17,
                overwrite: bool = False) -> dict[str, Any]:
    """Export ``model_dir`` to ``out_dir``; returns file sizes."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as e:
        raise ModelLoadError('ONNX export needs the optional extra: pip install "arcrime[onnx]"') from e
    model, tok = load_model(model_dir, "cpu")
    model.eval()
    cfg = model.encoder.config
    graph = _Outputs(model)
    fuse = getattr(cfg, "model_type", None) == "bert"
    if fuse:  # the optimizer recognises the eager attention pattern, not SDPA's
        model.encoder.set_attn_implementation("eager")
    L = min(model.config.window_length, 32)
    ids = torch.full((2, L), tok.pad_token_id or 0, dtype=torch.long)
    ids[:, 0] = tok.cls_token_id
    mask = torch.ones_like(ids)
    mask[1, L // 2 :] = 0  # trace with padding present, so the masking path is the general one
    fused: dict[str, int] = {}
    with atomic_dir(out_dir, overwrite=overwrite) as tmp:
        raw = tmp / "traced.onnx"
        torch.onnx.export(graph, (ids, mask), str(raw), input_names=["input_ids", "attention_mask"],
                          output_names=["label_logits", "tag_logits"], opset_version=opset, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                        "label_logits": {0: "batch"}, "tag_logits": {0: "batch", 1: "seq"}})
        if fuse:
            from onnxruntime.transformers.optimizer import optimize_model

            opt = optimize_model(str(raw), model_type="bert", num_heads=cfg.num_attention_heads,
                                 hidden_size=cfg.hidden_size)
            fused = {k: v for k, v in opt.get_fused_operator_statistics().items() if v}
            opt.save_model_to_file(str(tmp / ONNX_FILE))
            raw.unlink()
        else:
            raw.rename(tmp / ONNX_FILE)
        if int8:
            # DefaultTensorType: shape inference cannot type the outputs of the fused (com.microsoft) nodes
            quantize_dynamic(str(tmp / ONNX_FILE), str(tmp / INT8_FILE), weight_type=QuantType.QInt8,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        tok.save_pretrained(tmp)
        model.config.save_pretrained(tmp)
        if (Path(model_dir) / "README.md").is_file():
            shutil.copy(Path(model_dir) / "README.md", tmp / "README.md")
        sizes = {p.name: p.stat().st_size for p in tmp.glob("*.onnx")}
    return {"out_dir": str(out_dir), "files": sizes, "fused_operators": fused}


class _Outputs(torch.nn.Module):
    """The traced graph: ``(input_ids, attention_mask) -> (label_logits, tag_logits)`` per window."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return out.logits, out.tag_logits


class OnnxModel:
    """An ONNX Runtime session called like :class:`~arcrime.model.ArcrimeForCrimeNews` (window logits
    and tag logits in an :class:`~arcrime.model.ArcrimeOutput`), with the same ``config``."""

    def __init__(self, path: Path, config: ArcrimeConfig, threads: int = 0):
        import onnxruntime as ort

        so = ort.SessionOptions()
        if threads:
            so.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        self.config = config
        self.path = path

    def eval(self) -> "OnnxModel":
        return self

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> ArcrimeOutput:
        cls, tags = self.session.run(None, {"input_ids": input_ids.cpu().numpy().astype(np.int64),
                                            "attention_mask": attention_mask.cpu().numpy().astype(np.int64)})
        return ArcrimeOutput(logits=torch.from_numpy(cls), tag_logits=torch.from_numpy(tags))


def load_onnx(path: str | Path, prefer_int8: bool = True) -> tuple[OnnxModel, Any]:
    """The ONNX model (int8 graph when present and preferred) and tokenizer of an export folder."""
    from transformers import AutoTokenizer

    path = Path(path)
    if (path / LEGACY_META_FILE).is_file() and not (path / "config.json").is_file():
        raise ModelLoadError(f"{path}: an ONNX export in the old layout (arcrime_model.json); export the model "
                             "again with `arcrime export --model MODEL_DIR --out DIR --onnx`")
    f = path / INT8_FILE if prefer_int8 and (path / INT8_FILE).is_file() else path / ONNX_FILE
    if not f.is_file():
        raise ModelLoadError(f"{path}: no {ONNX_FILE}; export one with `arcrime export --model DIR --onnx`")
    try:
        import onnxruntime  # noqa: F401
    except ImportError as e:
        raise ModelLoadError('running an ONNX export needs the optional extra: pip install "arcrime[onnx]"') from e
    config = ArcrimeConfig.from_pretrained(path)
    tok = AutoTokenizer.from_pretrained(path)
    return OnnxModel(f, config), tok
