"""``arcrime convert``: rewrite a model folder of the pre-0.2 layout (``encoder/``, ``heads.safetensors``,
``arcrime_model.json``) as a standard transformers folder with a model card."""

from __future__ import annotations

from pathlib import Path

from .card import model_card
from .model import LEGACY_META_FILE, is_legacy, load_legacy, save_model
from .prediction import ModelLoadError


def convert_legacy(old: str | Path, new: str | Path, overwrite: bool = False) -> Path:
    """Write an old-layout model folder in the standard layout."""
    if not is_legacy(old):
        raise ModelLoadError(f"{old}: not an old-layout arcrime model folder (no {LEGACY_META_FILE}, or it already "
                             "has config.json)")
    model, tok = load_legacy(old)
    save_model(new, model, tok, card=model_card(model.config, None), overwrite=overwrite)
    return Path(new)
