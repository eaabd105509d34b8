"""The model card (``README.md``) every trained model folder gets.

It carries the Hugging Face hub's YAML front matter (language, license, pipeline_tag, base model,
tags, and a ``model-index`` with the run's metrics) and a readable summary: labels, thresholds,
data and terms, the results from the run record (the real-press splits first when they were
scored), and how to load the model. Every number comes from the run record passed in.
"""

from __future__ import annotations

from typing import Any

import yaml

from .model import ArcrimeConfig

SPLIT_NAMES = {"real_test": "real press, test split", "real_dev": "real press, dev split",
               "test": "written corpus, test split", "dev": "written corpus, dev split"}


def _license(cfg: ArcrimeConfig) -> tuple[str, str]:
    """The card's license and why: weights trained on (or pretrained from) SaudiNewsNet inherit its
    non-commercial, share-alike terms."""
    data = cfg.train_config.get("data", {}) if cfg.train_config else {}
    src = (cfg.encoder_source or "").lower()
    real = bool(data.get("real")) and data.get("real_train", True)
    if real or "arcrime-bert-small" in src:
        return "cc-by-nc-sa-4.0", ("the weights were trained on real Arabic press (SaudiNewsNet, CC BY-NC-SA 4.0, "
                                   "through the real-press layer or the project's pretrained encoder): research, "
                                   "non-commercial use, share-alike")
    return "apache-2.0", "trained on the project's own written corpus only"


def model_card(cfg: ArcrimeConfig, run: dict[str, Any] | None, name: str = "arcrime model") -> str:
    """Markdown with YAML front matter. ``run`` is the run summary (``experiments/<run>/run.json``
    fields: per-split summaries under ``test``, ``real_test`` ...); ``None`` writes a card without
    results (e.g. a converted old folder)."""
    lic, why = _license(cfg)
    base = cfg.encoder_source
    hub_base = base if base and base.count("/") == 1 and not base.startswith((".", "/", "encoders/")) else None
    results = []
    for split in ("real_test", "real_dev", "test", "dev"):
        s = (run or {}).get(split)
        if isinstance(s, dict) and "macro_f1" in s:
            results.append((split, s))
    front: dict[str, Any] = {"language": ["ar"], "license": lic, "library_name": "transformers",
                             "pipeline_tag": "text-classification",
                             "tags": ["arabic", "news", "crime", "multi-label-classification", "token-classification",
                                      "legal-references", "arcrime"]}
    if hub_base:
        front["base_model"] = hub_base
    if results:
        front["model-index"] = [{"name": name, "results": [
            {"task": {"type": "text-classification", "name": "multi-label crime-type classification"},
             "dataset": {"name": SPLIT_NAMES[split], "type": "arcrime"},
             "metrics": [{"type": "f1", "name": "macro-F1", "value": round(float(s["macro_f1"]), 4)}]
             + [{"type": "f1", "name": f"F1 {lab}", "value": round(float(v), 4)}
                for lab, v in s.get("per_label_f1", {}).items()]}
            for split, s in results]}]
    lines = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False).rstrip(), "---", "",
             f"# {name}", "",
             "Multi-label crime-type classifier for Arabic news (" + ", ".join(cfg.labels) + ") with a token tagger "
             "for legal references, fine-tuned with the arcrime package "
             "(`ArcrimeForCrimeNews`, registered with `AutoModel` when `arcrime` is imported).", "",
             "## Use", "", "```python", "import arcrime", "", 'model = arcrime.load("<this folder>")',
             'print(arcrime.predict(model, "نص المقال ...").to_dict())', "",
             "# or, the Hugging Face way", "from transformers import AutoModel, pipeline",
             'hf_model = AutoModel.from_pretrained("<this folder>")',
             'clf = pipeline("arabic-crime-news", model="<this folder>")', "```", "",
             "Command line: `arcrime predict --model <this folder> \"...\"`.", "",
             "## Model", "", "| | |", "|---|---|",
             f"| encoder | `{base}` |",
             f"| labels | {', '.join(cfg.labels)} (sigmoid per label) |",
             "| thresholds (tuned on dev) | " + ", ".join(f"{k} {v:.3f}" for k, v in cfg.thresholds.items()) + " |"]
    if cfg.temperatures:
        lines.append("| temperatures (fitted on dev) | " + ", ".join(f"{k} {v:.3f}" for k, v in cfg.temperatures.items())
                     + " |")
    if getattr(cfg, "calibration_biases", None):
        lines.append("| calibration biases (Platt scaling, fitted on dev with the temperatures: score = "
                     "sigmoid(logit / T + b)) | " + ", ".join(f"{k} {v:+.3f}" for k, v in cfg.calibration_biases.items())
                     + " |")
    lines += [f"| windows | {cfg.window_length} tokens, stride {cfg.stride}, article logit = {cfg.window_aggregation} "
              "over windows |",
              f"| normalization | {', '.join(cfg.normalize_steps)} |",
              f"| legal-reference tags | {', '.join(cfg.tags)} |", "",
              "## Data and terms", "", f"License: **{lic}** — {why}."]
    data = cfg.train_config.get("data", {}) if cfg.train_config else {}
    if data:
        lines += ["", f"Training files: {data.get('train')}; dev: {data.get('dev')}; real-press layer: "
                  f"{data.get('real') or 'not used'} (real train split used: {data.get('real_train')}, "
                  f"thresholds chosen on: {data.get('select_on')})."]
    lines += ["", "## Results", ""]
    if results:
        lines += ["Macro-F1 with the tuned thresholds, from this run's record (95% bootstrap CIs are in "
                  "`metrics_<split>.json` of the run folder):", "",
                  "| split | macro-F1 | " + " | ".join(cfg.labels) + " | articles |",
                  "|---|---|" + "---|" * len(cfg.labels) + "---|"]
        for split, s in results:
            per = s.get("per_label_f1", {})
            lines.append(f"| {SPLIT_NAMES[split]} | {s['macro_f1']:.3f} | "
                         + " | ".join(f"{per.get(lab, float('nan')):.3f}" for lab in cfg.labels)
                         + f" | {s.get('n_docs', '')} |")
        if "real_test" not in dict(results):
            lines += ["", "This model was not scored on real press (the real-press layer was not hydrated when it "
                          "was trained); results on text written for the project overstate what it does on real "
                          "articles."]
    else:
        lines.append("No results recorded for this folder.")
    lines += ["", "## Limits", "",
              "Trained on a small corpus; scores are probabilities of a small model, not facts about an article. "
              "Read the article before acting on a label.", ""]
    return "\n".join(lines)


def baseline_card(name: str, kind: str, description: str, labels: list[str], thresholds: dict[str, float],
                  data: dict[str, Any], run: dict[str, Any] | None) -> str:
    """The card of a baseline folder (keyword rules or TF-IDF): what it is, its thresholds, terms and
    the run's results, with the same front matter keys as the BERT card."""
    real = bool(data.get("real")) and data.get("real_train", True) and kind != "keywords"
    lic = "cc-by-nc-sa-4.0" if real else "apache-2.0"
    front = {"language": ["ar"], "license": lic, "pipeline_tag": "text-classification",
             "tags": ["arabic", "news", "crime", "multi-label-classification", "baseline", "arcrime"]}
    lines = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False).rstrip(), "---", "",
             f"# {name}", "", f"An arcrime baseline: {description}. Load it with `arcrime.load(\"<this folder>\")` "
             "(the same Predictor interface as the BERT model); legal references come from the rule-based finder.", "",
             "| | |", "|---|---|", f"| labels | {', '.join(labels)} |",
             "| thresholds | " + ", ".join(f"{k} {v:.3f}" for k, v in thresholds.items()) + " |",
             f"| training files | {data.get('train')} (real-press train split used: "
             f"{bool(data.get('real')) and data.get('real_train', True)}) |", "", "## Results", ""]
    results = [(s, (run or {}).get(s)) for s in ("real_test", "real_dev", "test", "dev")]
    results = [(s, r) for s, r in results if isinstance(r, dict) and "macro_f1" in r]
    if results:
        lines += ["| split | macro-F1 | " + " | ".join(labels) + " | articles |",
                  "|---|---|" + "---|" * len(labels) + "---|"]
        for split, s in results:
            per = s.get("per_label_f1", {})
            lines.append(f"| {SPLIT_NAMES[split]} | {s['macro_f1']:.3f} | "
                         + " | ".join(f"{per.get(lab, float('nan')):.3f}" for lab in labels) + f" | {s.get('n_docs', '')} |")
    else:
        lines.append("No results recorded for this folder.")
    lines += ["", f"License: **{lic}**.", ""]
    return "\n".join(lines)
