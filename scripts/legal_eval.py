"""Score the rule-based legal-reference finder on corpus files (no model needed).

Usage: python scripts/legal_eval.py [data/dev.jsonl data/test.jsonl] [--country-hint] [--json]

For each file: span exact and overlap P/R/F1 and document-level (instrument, article) linking
F1 of ``legal.resolve(legal.find(text), text)`` against the gold ``legal_refs``, with the same
``metrics.span_metrics`` that ``arcrime evaluate`` reports for the rules. ``--country-hint``
passes each record's ``meta.country`` to the resolver (as a caller who knows the outlet would).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arcrime import legal  # noqa: E402
from arcrime.data import read_corpus  # noqa: E402
from arcrime.metrics import span_metrics  # noqa: E402


def score(path: Path, country_hint: bool) -> dict:
    records, errors = read_corpus(path)
    if errors:
        raise SystemExit(f"{path}: {len(errors)} invalid record(s), first: {errors[0]}")
    gold = [r["legal_refs"] for r in records]
    pred = []
    for r in records:
        country = (r.get("meta") or {}).get("country") if country_hint else None
        pred.append([x.to_dict() for x in legal.resolve(legal.find(r["text"]), r["text"], country)])
    return span_metrics(gold, pred)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", default=[str(ROOT / "data/dev.jsonl"), str(ROOT / "data/test.jsonl")])
    ap.add_argument("--country-hint", action="store_true", help="pass each record's meta.country to resolve")
    ap.add_argument("--json", action="store_true", help="print the full metrics as JSON")
    a = ap.parse_args()
    out = {}
    for p in a.paths:
        m = score(Path(p), a.country_hint)
        out[Path(p).name] = m
        if not a.json:
            print(f"{Path(p).name:<12} exact F1 {m['exact']['f1']:.4f}  overlap F1 {m['overlap']['f1']:.4f}  "
                  f"linking F1 {m['doc_pairs']['f1']:.4f}  kind acc {m['kind_accuracy_on_exact']:.4f}  "
                  f"(gold {m['n_gold']}, predicted {m['n_pred']})")
    if a.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
