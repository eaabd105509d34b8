"""Agreement between the first annotation of the real-press layer and the blind second annotation.

    python scripts/real_agreement.py [--real data/real] [--out data/real/annotation/agreement.json]

The first annotation is what ``data/real/*.jsonl`` holds, except for articles that were adjudicated:
for those, ``data/real/annotation/adjudication.jsonl`` keeps the first annotator's labels and spans
(``first_labels``, ``first_legal_refs``), and those are used, so the figures describe the annotators
before adjudication. Prints and writes Cohen's kappa per label, raw agreement, span agreement (exact and
overlap F1 and (instrument, article) F1, taking the first annotation as reference) and lists every
disagreement by id (no text). The sample design (every article the first annotator labelled positive
plus random negatives, per batch) is stated in the output: kappa on this enriched sample is not the
kappa of a uniform sample.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from arcrime.config import DEFAULT_LABELS  # noqa: E402
from arcrime.metrics import span_metrics  # noqa: E402


def _spans_key(refs):
    return sorted((r["start"], r["end"], r["kind"], r.get("instrument"), tuple(r.get("articles", []))) for r in refs)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", default="data/real")
    ap.add_argument("--out", default="data/real/annotation/agreement.json")
    a = ap.parse_args()
    real = Path(a.real)
    first = {}
    for p in sorted(real.glob("*.jsonl")):
        for line in open(p, encoding="utf-8"):
            r = json.loads(line)
            first[r["id"]] = {"labels": r["labels"], "legal_refs": r["legal_refs"]}
    # later gold re-linking (annotation/relink.jsonl: instruments added to the gazetteer after annotation)
    # is undone here, so the figures compare the two passes as they were made
    relink_path = real / "annotation" / "relink.jsonl"
    if relink_path.is_file():
        for line in open(relink_path, encoding="utf-8"):
            d = json.loads(line)
            for ref in first.get(d["id"], {}).get("legal_refs", []):
                if (ref["start"], ref["end"]) == (d["start"], d["end"]) and ref.get("instrument") == d["new_instrument"]:
                    ref["instrument"] = d["old_instrument"]
    adj_path = real / "annotation" / "adjudication.jsonl"
    if adj_path.is_file():
        for line in open(adj_path, encoding="utf-8"):
            d = json.loads(line)
            first[d["id"]] = {"labels": d["first_labels"],
                              "legal_refs": d.get("first_legal_refs", first[d["id"]]["legal_refs"])}
    second = [json.loads(x) for x in open(real / "annotation" / "second_pass.jsonl", encoding="utf-8")]
    pairs = [(first[s["id"]], s) for s in second]
    n_pos_first = sum(bool(f["labels"]) for f, _ in pairs)
    out = {"n_articles": len(pairs), "n_layer": len(first), "share_of_layer": round(len(pairs) / len(first), 3),
           "sample": f"per annotation batch: every article the first annotator labelled positive ({n_pos_first}) "
                     f"plus seeded random negatives, at least 20% of the batch",
           "kappa": {}, "label_agreement": {}, "positives": {}}
    for lab in DEFAULT_LABELS:
        y1 = [int(lab in f["labels"]) for f, _ in pairs]
        y2 = [int(lab in s["labels"]) for _, s in pairs]
        out["kappa"][lab] = round(float(cohen_kappa_score(y1, y2)), 3)
        out["label_agreement"][lab] = round(sum(x == y for x, y in zip(y1, y2)) / len(y1), 3)
        out["positives"][lab] = {"first": sum(y1), "second": sum(y2), "both": sum(x and y for x, y in zip(y1, y2))}
    sm = span_metrics([f["legal_refs"] for f, _ in pairs], [s["legal_refs"] for _, s in pairs])
    out["spans"] = {"exact_f1": round(sm["exact"]["f1"], 3), "overlap_f1": round(sm["overlap"]["f1"], 3),
                    "instrument_article_pairs_f1": round(sm["doc_pairs"]["f1"], 3),
                    "kind_agreement_on_exact": round(sm["kind_accuracy_on_exact"], 3),
                    "n_first": sm["n_gold"], "n_second": sm["n_pred"]}
    out["label_disagreements"] = [{"id": s["id"], "first": sorted(f["labels"]), "second": sorted(s["labels"])}
                                  for f, s in pairs if sorted(f["labels"]) != sorted(s["labels"])]
    out["span_disagreements"] = [s["id"] for f, s in pairs if _spans_key(f["legal_refs"]) != _spans_key(s["legal_refs"])]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if "disagreements" not in k}, ensure_ascii=False, indent=1))
    print(f"{len(out['label_disagreements'])} label and {len(out['span_disagreements'])} span disagreement(s) "
          f"listed in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
