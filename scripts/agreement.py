"""Inter-annotator agreement between the corpus (first annotation) and a blind second pass.

Usage: python scripts/agreement.py data/annotation/second_pass.jsonl [--out data/annotation/agreement.json]

Prints Cohen's kappa per label, span agreement (exact and overlap F1, taking the first
annotation as reference), instrument/article agreement on exactly matching spans, and
writes the figures plus every disagreement to JSON for adjudication.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from arcrime.config import DEFAULT_LABELS  # noqa: E402
from arcrime.corpus import read_corpus  # noqa: E402
from arcrime.markup import parse_marked  # noqa: E402
from arcrime.metrics import span_metrics  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("second")
    ap.add_argument("--corpus", nargs="+", default=["data/train.jsonl", "data/dev.jsonl", "data/test.jsonl"])
    ap.add_argument("--out", default="data/annotation/agreement.json")
    a = ap.parse_args()
    first = {}
    for p in a.corpus:
        good, _ = read_corpus(p)
        first.update({r["id"]: r for r in good})
    pairs = []
    for line in open(a.second, encoding="utf-8"):
        s = json.loads(line)
        text, spans = parse_marked(s["text"])
        f = first[s["id"]]
        if text != f["text"]:
            print(f"{s['id']}: second-pass text differs from the corpus text", file=sys.stderr)
            return 1
        refs = [{"start": x.start, "end": x.end, "kind": x.kind, "instrument": x.instrument,
                 "articles": list(x.articles)} for x in spans]
        pairs.append((f, {"labels": s["labels"], "legal_refs": refs, "notes": s.get("notes", "")}))
    out = {"n_articles": len(pairs), "kappa": {}, "label_agreement": {}, "disagreements": []}
    for lab in DEFAULT_LABELS:
        y1 = [int(lab in f["labels"]) for f, _ in pairs]
        y2 = [int(lab in s["labels"]) for _, s in pairs]
        out["kappa"][lab] = round(float(cohen_kappa_score(y1, y2)), 3)
        out["label_agreement"][lab] = round(sum(x == y for x, y in zip(y1, y2)) / len(y1), 3)
    sm = span_metrics([f["legal_refs"] for f, _ in pairs], [s["legal_refs"] for _, s in pairs])
    out["spans"] = {"exact_f1": round(sm["exact"]["f1"], 3), "overlap_f1": round(sm["overlap"]["f1"], 3),
                    "instrument_article_pairs_f1": round(sm["doc_pairs"]["f1"], 3),
                    "kind_agreement_on_exact": round(sm["kind_accuracy_on_exact"], 3),
                    "n_first": sm["n_gold"], "n_second": sm["n_pred"]}
    for f, s in pairs:
        if sorted(f["labels"]) != sorted(s["labels"]):
            out["disagreements"].append({"id": f["id"], "first": sorted(f["labels"]), "second": sorted(s["labels"]),
                                         "notes": s["notes"]})
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "disagreements"}, ensure_ascii=False, indent=1))
    print(f"{len(out['disagreements'])} label disagreements written to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
