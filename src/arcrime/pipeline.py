"""The ``arabic-crime-news`` pipeline task, registered with transformers when ``arcrime`` is imported.

    >>> import arcrime
    >>> from transformers import pipeline
    >>> clf = pipeline("arabic-crime-news", model="models/quickstart")
    >>> clf("نص المقال ...")
    {"labels": [...], "scores": {...}, "legal_refs": [{"start": .., "end": .., "instrument": ..}]}

It runs the same engine as ``arcrime predict`` (windows over long articles, per-label thresholds and
temperatures from the config, legal references from the rules by default, or
``legal_refs="model"`` / ``"model+rules"``), so both return identical predictions.
"""

from __future__ import annotations

from typing import Any

from transformers import AutoModel, Pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from .prediction import LEGAL_MODES, Predictor

TASK = "arabic-crime-news"


class CrimeNewsPipeline(Pipeline):
    """Labels, scores and legal references (offsets into the input text) for each article."""

    _load_tokenizer = True
    _load_processor = False
    _load_image_processor = False
    _load_feature_extractor = False

    def _sanitize_parameters(self, legal_refs: str | None = None, verbose: bool | None = None, **kwargs: Any):
        if kwargs:
            raise ValueError(f"{TASK}: unknown option(s) {', '.join(sorted(kwargs))}; this pipeline takes legal_refs "
                             "and verbose (load a keyword-gated model with arcrime.load(..., keyword_gate=True))")
        forward: dict[str, Any] = {}
        post: dict[str, Any] = {}
        if legal_refs is not None:
            if legal_refs not in LEGAL_MODES:
                raise ValueError(f"legal_refs={legal_refs!r}; choose one of {', '.join(LEGAL_MODES)}")
            forward["legal_refs"] = legal_refs
        if verbose is not None:
            post["verbose"] = verbose
        return {}, forward, post

    def _engine(self) -> Predictor:
        if getattr(self, "_arcrime_engine", None) is None:
            # the engine is imported on first use: `import arcrime` registers this pipeline and should stay quick
            from .inference import BertPredictor

            self._arcrime_engine = BertPredictor(self.model, self.tokenizer, self.device)
        return self._arcrime_engine

    def preprocess(self, text: str) -> dict[str, Any]:
        if not isinstance(text, str):
            raise ValueError(f"{TASK}: expected an article as a string, got {type(text).__name__}")
        return {"text": text}

    def _forward(self, inputs: dict[str, Any], legal_refs: str = "rules") -> dict[str, Any]:
        pred = next(self._engine().predict_records([{"id": "text-1", "text": inputs["text"]}], legal_refs=legal_refs))
        return {"prediction": pred}

    def postprocess(self, outputs: dict[str, Any], verbose: bool = True) -> dict[str, Any]:
        d = outputs["prediction"].to_dict(verbose=verbose)
        d.pop("id")
        return d


PIPELINE_REGISTRY.register_pipeline(TASK, pipeline_class=CrimeNewsPipeline, pt_model=AutoModel, type="text")
