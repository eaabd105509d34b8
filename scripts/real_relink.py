"""Re-link the real-press gold spans to the grown gazetteer (issue 15).

The gold legal-reference spans of ``data/real/*.jsonl`` were annotated against the 33-instrument
gazetteer, so spans citing an instrument added since (Saudi anti-harassment or criminal procedure
laws, Tunisian codes, ...) carry ``instrument: null``. This script works in two steps:

``propose``  for every gold span with ``instrument: null``, the instrument the resolver gives to the
             span's text *alone* (no model output, no other span), with the article's country
             (``meta.country``; for the international outlets, the country cues of the article's
             text), and, for an article span whose gold ``articles`` list is empty, the article
             numbers it reads. It prints a table for a person to verify (span text included: it is
             printed, never written to the repository). Reads the hydrated files of all splits for
             that one purpose.
``apply``    writes the verified decisions of ``data/real/annotation/relink.jsonl`` (one line per
             changed span: ``id``, ``start``, ``end``, ``old_instrument``, ``new_instrument``,
             optional ``old_articles``/``new_articles``, ``basis``; no article text) into
             ``data/real/*.jsonl``. It only sets the instrument (and empty article lists) of spans
             whose current value is the recorded old one, so running it twice changes nothing; a
             span whose value is neither the old nor the new one is reported and left alone.

Usage:
    python scripts/real_relink.py propose [--hydrated data/real/hydrated] > /tmp/relink_proposals.tsv
    python scripts/real_relink.py apply [--decisions data/real/annotation/relink.jsonl]
then re-hydrate: ``arcrime data hydrate --corpus ../shared/unlabeled``.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arcrime import legal  # noqa: E402
from arcrime.legal.resolve import infer_country  # noqa: E402
from arcrime.real import annotation_files  # noqa: E402

REAL = ROOT / "data/real"
DECISIONS = REAL / "annotation/relink.jsonl"


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _texts(hydrated: Path) -> dict[str, str]:
    texts = {}
    for p in sorted(hydrated.glob("real_*.jsonl")):
        for r in _records(p):
            texts[r["id"]] = r["text"]
    return texts


def propose(hydrated: Path, out=sys.stdout) -> None:
    texts = _texts(hydrated)
    gaz = legal.load_gazetteer()
    countries = gaz.countries()
    n = Counter()
    out.write("split\tid\tstart\tend\tcountry\tkind\tgold_articles\tspan\tproposal\tproposed_articles\t"
              "gazetteer_country\tgazetteer_name\n")
    for path in annotation_files(REAL):
        for r in _records(path):
            for s in r["legal_refs"]:
                if s.get("instrument") is not None:
                    continue
                text = texts.get(r["id"])
                if text is None:
                    n["not hydrated"] += 1
                    continue
                country = (r.get("meta") or {}).get("country")
                if country not in countries:  # international outlets: the article's own country cues
                    country = infer_country(text, [])
                span = text[s["start"]:s["end"]]
                refs = legal.extract(span, country)
                best = max(refs, key=lambda x: x.end - x.start, default=None)
                inst = best.instrument if best else None
                arts = list(best.articles) if best and s["kind"] == "article" and not s.get("articles") else []
                if not inst and not arts:
                    n["no proposal"] += 1
                    continue
                n["proposed"] += 1
                g = gaz[inst] if inst else None
                out.write("\t".join([r["meta"]["split"], r["id"], str(s["start"]), str(s["end"]), str(country),
                                     s["kind"], ",".join(s.get("articles") or []), span.replace("\n", " "),
                                     inst or "", ",".join(arts), g.country if g else "", g.name_ar if g else ""]) + "\n")
    print(dict(n), file=sys.stderr)


def apply(decisions: Path) -> Counter:
    """Apply the verified decisions; returns counts of spans changed per split."""
    todo = {(d["id"], d["start"], d["end"]): d for d in _records(decisions)}
    changed, seen = Counter(), set()
    for path in annotation_files(REAL):
        recs = _records(path)
        dirty = False
        for r in recs:
            for s in r["legal_refs"]:
                d = todo.get((r["id"], s["start"], s["end"]))
                if d is None:
                    continue
                seen.add((r["id"], s["start"], s["end"]))
                new = {"instrument": d["new_instrument"]}
                if "new_articles" in d:
                    new["articles"] = d["new_articles"]
                old = {"instrument": d["old_instrument"]}
                if "new_articles" in d:
                    old["articles"] = d.get("old_articles", [])
                cur = {k: s.get(k) for k in new}
                if cur == new:
                    continue  # already applied
                if cur != old:
                    print(f"{r['id']} [{s['start']}:{s['end']}]: expected {old}, found {cur}; left alone", file=sys.stderr)
                    continue
                s.update(new)
                dirty = True
                changed[r["meta"]["split"]] += 1
        if dirty:
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    for key in sorted(set(todo) - seen):
        print(f"no gold span {key}", file=sys.stderr)
    return changed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("propose")
    p.add_argument("--hydrated", type=Path, default=REAL / "hydrated")
    a_ = sub.add_parser("apply")
    a_.add_argument("--decisions", type=Path, default=DECISIONS)
    a = ap.parse_args()
    if a.cmd == "propose":
        propose(a.hydrated)
    else:
        print(json.dumps({"changed_per_split": dict(apply(a.decisions))}))


if __name__ == "__main__":
    main()
