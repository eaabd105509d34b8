"""Score the rule-based legal-reference finder on corpus files (no model needed).

Usage: python scripts/legal_eval.py [data/dev.jsonl data/test.jsonl] [--country-hint] [--json] [--errors]

For each file: span exact and overlap P/R/F1 and document-level (instrument, article) linking
F1 of ``legal.resolve(legal.find(text), text)`` against the gold ``legal_refs``, with the same
``metrics.span_metrics`` that ``arcrime evaluate`` reports for the rules. ``--country-hint``
passes each record's ``meta.country`` to the resolver (as a caller who knows the outlet would; ``intl`` is no
country). ``--source-hints`` passes ``legal.source_hints(record)`` instead: the outlet's country as a prior
the text can outweigh, and the publication date (no instrument issued after it is linked).

``--errors`` lists, per article, the gold spans the rules miss or cut differently, the spurious
spans, and the (instrument, article) pairs linked differently, with a little context. It is for
development files only: it refuses a real-press test file (``real_test``), which is scored once,
at the end, and never inspected.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arcrime import legal  # noqa: E402
from arcrime.corpus import read_corpus  # noqa: E402
from arcrime.metrics import span_metrics  # noqa: E402


SOURCE_HINTS = False  # --source-hints
DRAW = None  # --draw


def predict(path: Path, country_hint: bool) -> tuple[list[dict], list[list[dict]]]:
    """The records of ``path`` and the rules' references for each."""
    records, errors = read_corpus(path)
    if errors:
        raise SystemExit(f"{path}: {len(errors)} invalid record(s), first: {errors[0]}")
    if DRAW is not None:  # the legal split: only the articles of one draw
        records = [r for r in records if (r.get("meta") or {}).get("draw", 1) == DRAW]
    pred = []
    for r in records:
        country = (r.get("meta") or {}).get("country") if country_hint else None
        if country == "intl":
            country = None
        hints = legal.source_hints(r) if SOURCE_HINTS else {}
        pred.append([x.to_dict() for x in legal.resolve(legal.find(r["text"]), r["text"], country, **hints)])
    return records, pred


def score(path: Path, country_hint: bool) -> dict:
    records, pred = predict(path, country_hint)
    return span_metrics([r["legal_refs"] for r in records], pred)


def _show(text: str, ref: dict, ctx: int = 25) -> str:
    a, b = ref["start"], ref["end"]
    return (f"[{a}:{b}] {ref['kind']:<7} {ref.get('instrument') or '-'} {','.join(ref.get('articles') or [])}  "
            f"…{text[max(0, a - ctx):a]}⟦{text[a:b]}⟧{text[b:b + ctx]}…".replace("\n", " "))


def list_errors(path: Path, country_hint: bool, out=sys.stdout) -> None:
    """Print missed / cut / spurious spans and linking differences of every article of ``path``."""
    if "real_test" in path.name:
        raise SystemExit(f"{path}: --errors is for development files; the real test split is never inspected")
    records, pred = predict(path, country_hint)
    for r, p in zip(records, pred):
        g = r["legal_refs"]
        lines = []
        gkeys = {(x["start"], x["end"]) for x in g}
        pkeys = {(x["start"], x["end"]) for x in p}
        for x in g:
            if (x["start"], x["end"]) in pkeys:
                y = next(y for y in p if (y["start"], y["end"]) == (x["start"], x["end"]))
                if (x.get("instrument"), sorted(x.get("articles") or [])) != (y.get("instrument"), sorted(y.get("articles") or [])):
                    lines.append("LINK  gold " + _show(r["text"], x) + f"\n      pred {y.get('instrument') or '-'} "
                                 f"{','.join(y.get('articles') or [])}")
                continue
            over = [y for y in p if y["start"] < x["end"] and x["start"] < y["end"]]
            tag = "CUT " if over else "MISS"
            lines.append(f"{tag}  gold " + _show(r["text"], x))
            lines += ["      pred " + _show(r["text"], y) for y in over]
        for y in p:
            if (y["start"], y["end"]) not in gkeys and not any(x["start"] < y["end"] and y["start"] < x["end"] for x in g):
                lines.append("SPUR  pred " + _show(r["text"], y))
        if lines:
            out.write(f"## {r['id']} ({(r.get('meta') or {}).get('country')})\n" + "\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", default=[str(ROOT / "data/dev.jsonl"), str(ROOT / "data/test.jsonl")])
    ap.add_argument("--country-hint", action="store_true", help="pass each record's meta.country to resolve")
    ap.add_argument("--json", action="store_true", help="print the full metrics as JSON")
    ap.add_argument("--errors", action="store_true", help="list missed, cut and spurious spans and linking "
                    "differences (development files only; refuses real_test)")
    ap.add_argument("--draw", type=int, help="score only the records of this draw of the legal split (meta.draw)")
    ap.add_argument("--record", metavar="FILE.json", help="also write the metrics with the commit, command and "
                    "options to FILE.json (experiments/legal-finder/: `arcrime report` shows them)")
    ap.add_argument("--source-hints", action="store_true", help="pass each record's outlet country (a prior) and "
                    "publication date to resolve (legal.source_hints)")
    a = ap.parse_args()
    global SOURCE_HINTS, DRAW
    SOURCE_HINTS, DRAW = a.source_hints, a.draw
    if a.record and (a.errors or any("test" in Path(p).name for p in a.paths)):
        raise SystemExit("--record keeps scores of development files for RESULTS.md: give no test file (the test "
                         "splits are scored by `arcrime evaluate`) and no --errors")
    if a.errors:
        for p in a.paths:
            list_errors(Path(p), a.country_hint)
        return
    out = {}
    for p in a.paths:
        m = score(Path(p), a.country_hint)
        out[Path(p).name + (f" (draw {a.draw})" if a.draw else "")] = m
        if not a.json:
            print(f"{Path(p).name:<12} exact F1 {m['exact']['f1']:.4f}  overlap F1 {m['overlap']['f1']:.4f}  "
                  f"linking F1 {m['doc_pairs']['f1']:.4f}  kind acc {m['kind_accuracy_on_exact']:.4f}  "
                  f"(gold {m['n_gold']}, predicted {m['n_pred']})")
    if a.json:
        print(json.dumps(out, indent=2))
    if a.record:
        from datetime import datetime, timezone

        from arcrime.fileio import write_json
        from arcrime.runs import git_info

        write_json(a.record, {"what": "rule-based legal-reference finder (legal.find + legal.resolve) on corpus files",
                              "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              "command": "python scripts/legal_eval.py " + " ".join(sys.argv[1:]),
                              "source_hints": a.source_hints, "country_hint": a.country_hint,
                              "git": git_info(ROOT), "files": out})


if __name__ == "__main__":
    try:
        main()
    except FileNotFoundError as e:  # a missing corpus file: one line, no traceback
        raise SystemExit(f"legal_eval.py: {e}")
