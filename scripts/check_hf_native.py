"""Check that a trained model folder works the Hugging Face way and agrees with `arcrime predict`.

    .venv/bin/python scripts/check_hf_native.py --model models/quickstart --data data/test.jsonl

1. ``AutoModel.from_pretrained(MODEL)`` (after ``import arcrime``) gives an ``ArcrimeForCrimeNews``;
   its window logits, aggregated per article and passed through the config's temperatures, calibration biases and
   thresholds, give the same labels and scores (to 1e-5) as ``arcrime.load(MODEL)``.
2. ``pipeline("arabic-crime-news", model=MODEL)`` returns the same JSON as ``arcrime predict`` on one
   article (labels, scores, legal references with offsets), and the same labels and references as
   ``arcrime.load`` on many (scores to 1e-5: batched windows are padded).
3. The folder has a model card whose front matter names the pipeline tag and carries metrics.
Prints a JSON summary; exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import torch


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/quickstart")
    ap.add_argument("--data", default="data/test.jsonl")
    ap.add_argument("--n", type=int, default=50, help="articles to compare (the first N of --data)")
    a = ap.parse_args()

    import arcrime
    from transformers import AutoModel, pipeline


    recs = [json.loads(x) for x in Path(a.data).read_text(encoding="utf-8").splitlines() if x.strip()][: a.n]
    texts = [r["text"] for r in recs]
    ours = arcrime.load(a.model, device="cpu")
    preds = arcrime.predict(ours, texts)

    hf = AutoModel.from_pretrained(a.model).eval()
    cfg = hf.config
    raw_mismatch = 0
    for text, pred in zip(texts, preds):
        doc = ours.encoder.encode(text)
        ids = [ours.encoder.window_inputs(doc, w)[0] for w in range(len(doc.windows))]
        L = max(len(x) for x in ids)
        inp = torch.full((len(ids), L), ours.tokenizer.pad_token_id or 0)
        mask = torch.zeros_like(inp)
        for i, x in enumerate(ids):
            inp[i, : len(x)] = torch.tensor(x)
            mask[i, : len(x)] = 1
        with torch.no_grad():
            out = hf(input_ids=inp, attention_mask=mask, doc_index=torch.zeros(len(ids), dtype=torch.long))
        logits = out.logits[0]
        temps = torch.tensor([cfg.temperatures.get(lab, 1.0) for lab in cfg.labels])
        biases = torch.tensor([getattr(cfg, "calibration_biases", {}).get(lab, 0.0) for lab in cfg.labels])
        scores = torch.sigmoid(logits / temps + biases).tolist()
        labels = [lab for lab, s in zip(cfg.labels, scores) if round(s, 6) >= cfg.thresholds[lab]]
        if labels != list(pred.labels) or any(abs(s - pred.scores[lab]) > 1e-5 for lab, s in zip(cfg.labels, scores)):
            raw_mismatch += 1

    clf = pipeline("arabic-crime-news", model=a.model, device="cpu")
    pipe = clf(texts)
    cli_lines = []
    for k, t in enumerate(texts):
        r = subprocess.run([sys.executable, "-m", "arcrime.cli", "-q", "predict", "--model", a.model, "--device", "cpu",
                            "--verbose", t], capture_output=True, text=True, timeout=300)
        if r.returncode:
            print(r.stderr, file=sys.stderr)
            return 1
        d = json.loads(r.stdout)
        d.pop("id")
        cli_lines.append(d)
        if k >= 9:  # the CLI reloads the model per call: 10 articles are enough to show it agrees
            break
    pipe_mismatch = sum(p != c for p, c in zip(pipe, cli_lines))
    # arcrime.load batches the windows of many articles together (padding): scores may differ from the
    # one-article-at-a-time pipeline in the 6th decimal; labels and references must be identical
    lib_vs_pipe = sum(list(p.labels) != q["labels"] or p.to_dict()["legal_refs"] != q["legal_refs"]
                      for p, q in zip(preds, pipe))
    max_score_diff = max(abs(p.scores[lab] - q["scores"][lab]) for p, q in zip(preds, pipe) for lab in p.scores)
    card = (Path(a.model) / "README.md").read_text(encoding="utf-8")
    card_ok = card.startswith("---\n") and "pipeline_tag: text-classification" in card and "model-index" in card
    summary = {"model": a.model, "data": a.data, "articles": len(texts),
               "automodel_class": type(hf).__name__, "automodel_vs_arcrime_mismatches": raw_mismatch,
               "pipeline_vs_arcrime_load_label_or_reference_mismatches": lib_vs_pipe,
               "pipeline_vs_arcrime_load_max_score_difference": max_score_diff,
               "pipeline_vs_cli_predict_mismatches": pipe_mismatch, "cli_articles_compared": len(cli_lines),
               "model_card_ok": card_ok}
    print(json.dumps(summary, indent=2))
    return 0 if not (raw_mismatch or pipe_mismatch or lib_vs_pipe) and max_score_diff <= 1e-5 and card_ok else 1


if __name__ == "__main__":
    sys.exit(main())
