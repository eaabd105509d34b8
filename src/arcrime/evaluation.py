"""Score a model on any file in the corpus format and record the result.

Writes into the run folder: ``metrics_<split>.json`` (document labels at the stored
thresholds and at 0.5, with bootstrap CIs; legal references three ways: rules alone, model
alone, model + rules), ``predictions_<split>.jsonl`` (the predictions that were scored) and
``errors_<split>.md`` (worst false positives and false negatives per label).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import legal
from .corpus import DataError, read_corpus
from .fileio import OutputExistsError, write_json, write_jsonl, write_text
from .inference import load
from .legal.tagger import LegalTagger
from .metrics import classification_metrics, label_matrix, span_metrics
from .prediction import Predictor
from .runs import RunRecord
from .tagging import legal_modes

logger = logging.getLogger(__name__)


def evaluate_predictor(predictor: Predictor, records: list[dict[str, Any]], labels: list[str], n_boot: int = 1000,
                       legal_tagger: LegalTagger | None = None) -> dict[str, Any]:
    """Predict on ``records`` and compute every metric (the predictor is not changed). With a
    ``legal_tagger``, its spans (``tagger``) and their combination with the rules (``tagger+rules``) are
    scored too."""
    t0 = time.time()
    # the model's own legal spans; the rules and the merge are scored below
    preds = list(predictor.predict_records(({"id": r["id"], "text": r["text"]} for r in records), legal_refs="model"))
    secs = time.time() - t0
    y = label_matrix([r["labels"] for r in records], labels)
    scores = np.array([[p.scores[lab] for lab in labels] for p in preds]).reshape(len(preds), len(labels))
    yp = label_matrix([list(p.labels) for p in preds], labels)
    gold_refs = [r["legal_refs"] for r in records]
    model_refs = [[dict(x) for x in p.legal_refs] for p in preds]
    # the rules (and the tagger) get what a caller knows about each article: its outlet's country and publication
    # date (meta.source of hydrated real-press records; nothing for the written corpus)
    modes = legal_modes(records, legal_tagger)
    rule_refs = modes.pop("rules")
    both = [legal.merge_with_rules(r["text"], refs) for r, refs in zip(records, model_refs)]
    metrics = {
        "labels": classification_metrics(y, yp, scores, labels, n_boot=n_boot),
        "labels_at_0.5": classification_metrics(y, (scores >= 0.5).astype(np.int64), scores, labels, n_boot=0),
        "thresholds": dict(predictor.thresholds),
        "legal_refs": {"model": span_metrics(gold_refs, model_refs), "rules": span_metrics(gold_refs, rule_refs),
                       "model+rules": span_metrics(gold_refs, both),
                       **{mode: span_metrics(gold_refs, refs) for mode, refs in modes.items()}},
        "docs_per_second": round(len(records) / secs, 2) if secs else None,
        "n_docs": len(records),
    }
    return {"predictions": preds, "metrics": metrics, "scores": scores, "y": y}


def error_analysis(records: list[dict[str, Any]], scores: np.ndarray, y: np.ndarray, labels: list[str],
                   thresholds: dict[str, float], k: int = 10, show_text: bool = True) -> str:
    """Worst errors per label as Markdown. ``show_text=False`` (real press, which the project never
    stores) lists each article by id and corpus position only."""
    what = "first 200 characters" if show_text else "corpus and position; the text is in your own copy"
    lines = ["# Error analysis", "", f"Worst false positives and false negatives per label (score, id, {what}).", ""]
    for i, lab in enumerate(labels):
        t = thresholds.get(lab, 0.5)
        fp = [(scores[j, i], j) for j in range(len(records)) if y[j, i] == 0 and scores[j, i] >= t]
        fn = [(scores[j, i], j) for j in range(len(records)) if y[j, i] == 1 and scores[j, i] < t]
        for title, items, rev in (("false positives", fp, True), ("false negatives", fn, False)):
            lines += [f"## {lab}: {title} ({len(items)}, threshold {t:.3f})", ""]
            for s, j in sorted(items, reverse=rev)[:k]:
                if show_text:
                    snippet = records[j]["text"][:200].replace("\n", " ").replace("|", "/")
                else:
                    src = records[j].get("meta", {}).get("source", {})
                    snippet = f"{src.get('corpus', '?')} {src.get('file', '?')}:{src.get('line', '?')}"
                lines.append(f"- {s:.3f} `{records[j]['id']}` {snippet}")
            lines.append("")
    return "\n".join(lines)


def format_summary(m: dict[str, Any], labels: list[str]) -> str:
    lab = m["labels"]
    rows = [f"{'label':<15}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}"]
    for name in labels:
        x = lab["per_label"][name]
        rows.append(f"{name:<15}{x['precision']:>7.3f}{x['recall']:>7.3f}{x['f1']:>7.3f}{x['support']:>9d}")
    ci = lab.get("ci95", {}).get("macro_f1")
    rows.append(f"macro-F1 {lab['macro_f1']:.3f}" + (f" (95% CI {ci[0]:.3f}-{ci[1]:.3f})" if ci else "")
                + f"  micro-F1 {lab['micro_f1']:.3f}  subset-acc {lab['subset_accuracy']:.3f}")
    for mode in [k for k in ("model", "rules", "model+rules", "tagger", "tagger+rules") if k in m["legal_refs"]]:
        s = m["legal_refs"][mode]
        rows.append(f"legal refs [{mode:<12}] span exact F1 {s['exact']['f1']:.3f}  overlap F1 "
                    f"{s['overlap']['f1']:.3f}  (instrument, article) F1 {s['doc_pairs']['f1']:.3f}")
    return "\n".join(rows)


def evaluate_model(model_dir: str | Path, data_path: str | Path, out_dir: str | Path, split: str = "eval",
                   device: str = "auto", batch_size: int = 32, record: bool = True,
                   overwrite: bool = False, strict: bool = False, n_boot: int = 1000,
                   prefer_int8: bool = True, keyword_gate: bool = False, legal_tagger: str | Path | None = None
                   ) -> dict[str, Any]:
    """Evaluate a saved model on a corpus file; write metrics/predictions under ``out_dir``.

    ``prefer_int8`` picks the int8 graph of an ONNX export folder (False: the fp32 graph);
    ``keyword_gate`` scores the keyword-gated hybrid of a BERT model; ``legal_tagger`` (a folder made by
    ``arcrime legal train-tagger``) adds the tagger's legal references and tagger+rules to the scores."""
    out_dir = Path(out_dir)
    metrics_path = out_dir / f"metrics_{split}.json"
    if metrics_path.exists() and not overwrite:
        raise OutputExistsError(f"{metrics_path} exists; pass --overwrite or choose another --out")
    if not Path(data_path).is_file():
        raise DataError(f"{data_path}: no such file; give a corpus-format JSONL file (e.g. data/test.jsonl)")
    tagger = LegalTagger.load(legal_tagger) if legal_tagger else None
    predictor = load(model_dir, device=device, batch_size=batch_size, prefer_int8=prefer_int8,
                     **({"keyword_gate": True} if keyword_gate else {}))
    labels = predictor.labels
    records, errors = read_corpus(data_path, labels)
    if errors:
        logger.warning("%s: %d invalid record(s) skipped (listed in errors_%s.jsonl):", data_path, len(errors), split)
        for e in errors[:20]:
            logger.warning("  %s", e)
        write_jsonl(out_dir / f"errors_{split}.jsonl", (e.to_dict() for e in errors))
        if strict:
            raise DataError(f"{data_path}: {len(errors)} invalid record(s) (strict mode)", errors)
    if not records:
        raise DataError(f"{data_path}: no valid record to evaluate", errors)
    # its own record file, so evaluating into a training run's folder never replaces that run's run.json
    rec = RunRecord(out_dir, "evaluate", None, None, filename=f"run_eval_{split}.json") if record else None
    res = evaluate_predictor(predictor, records, labels, n_boot=n_boot, legal_tagger=tagger)
    m = res["metrics"]
    model_name = f"{model_dir} (keyword gate)" if keyword_gate else str(model_dir)
    m.update({"data": str(data_path), "model": model_name, "split": split, "invalid_records": len(errors),
              "keyword_gate": keyword_gate, "legal_tagger": str(legal_tagger) if legal_tagger else None})
    # real press is never stored: predictions keep offsets but no span text, error analysis no snippets
    by_reference = any(r.get("meta", {}).get("real") for r in records)
    preds = [p.to_dict() for p in res["predictions"]]
    if by_reference:  # keep offsets and ids only: every other span field may carry text of the article
        keep = ("start", "end", "kind", "instrument", "articles", "short_form", "bill")
        preds = [dict(p, legal_refs=[{k: x[k] for k in keep if k in x} for x in p["legal_refs"]]) for p in preds]
    m["by_reference"] = by_reference
    write_json(metrics_path, m)
    write_jsonl(out_dir / f"predictions_{split}.jsonl", preds)
    write_text(out_dir / f"errors_{split}.md",
               error_analysis(records, res["scores"], res["y"], labels, predictor.thresholds,
                              show_text=not by_reference))
    try:
        from .plots import plot_all

        plot_all(out_dir, split, res["y"], res["scores"], labels, predictor.thresholds)
    except ImportError:
        pass
    summary_txt = format_summary(m, labels)
    logger.info("\n== %s: %s (%d articles) ==\n%s", split, data_path, len(records), summary_txt)
    summary = {"macro_f1": m["labels"]["macro_f1"], "micro_f1": m["labels"]["micro_f1"],
               "per_label_f1": {k: v["f1"] for k, v in m["labels"]["per_label"].items()},
               "legal_exact_f1": {k: v["exact"]["f1"] for k, v in m["legal_refs"].items()},
               "legal_pairs_f1": {k: v["doc_pairs"]["f1"] for k, v in m["legal_refs"].items()},
               "docs_per_second": m["docs_per_second"], "n_docs": len(records), "invalid_records": len(errors)}
    if rec:
        rec.finish(model=model_name, data=str(data_path), split=split, summary=summary)
    return {"metrics": m, "summary": summary, "text": summary_txt}
