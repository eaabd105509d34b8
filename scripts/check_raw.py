"""Check raw corpus batches (data/raw/*.jsonl) before they are built into splits.

Usage: python scripts/check_raw.py data/raw/batch_01.jsonl [...]

Prints one line per problem (file:line: field: message) and a summary of labels,
countries, lengths, spans and keyword-free positives. Exit 1 if any problem.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from arcrime.markup import MarkupError, parse_marked  # noqa: E402

LABELS = {"extortion", "defamation", "impersonation"}
KEYWORDS = {
    "extortion": re.compile(r"[اأإ]?بتز|يبتز|مبتز|تبتز|نبتز"),
    "defamation": re.compile(r"تشهير|شهّر|شهر ب|يشهر ب|قذف|القذف|\bسب\b|السب|الشتم|شتم|سبّ"),
    "impersonation": re.compile(r"انتحال|منتحل|ينتحل|انتحل|تنتحل|حساب(?:ات)? (?:وهمي|مزيف|مزور)|صفحة (?:وهمية|مزيفة)"),
}


def main(paths: list[str]) -> int:
    gaz = set()
    for line in open(Path(__file__).resolve().parents[1] / "data/raw/INSTRUMENTS.md", encoding="utf-8"):
        m = re.match(r"## `([^`]+)`", line)
        if m:
            gaz.add(m.group(1))
    problems = 0
    labels, countries, kinds, insts, combos = Counter(), Counter(), Counter(), Counter(), Counter()
    n = kwfree = pos = 0
    words = []
    seen = set()
    for p in paths:
        for i, line in enumerate(open(p, encoding="utf-8"), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                print(f"{p}:{i}: json: {e}"); problems += 1; continue
            for f in ("id", "text", "labels", "meta"):
                if f not in rec:
                    print(f"{p}:{i}: {f}: missing"); problems += 1
            if "text" not in rec:
                continue
            if rec.get("id") in seen:
                print(f"{p}:{i}: id: duplicate {rec.get('id')!r}"); problems += 1
            seen.add(rec.get("id"))
            bad = set(rec.get("labels", [])) - LABELS
            if bad:
                print(f"{p}:{i}: labels: unknown {sorted(bad)}"); problems += 1
            try:
                text, spans = parse_marked(rec["text"])
            except MarkupError as e:
                print(f"{p}:{i}: text: {e}"); problems += 1; continue
            for s in spans:
                if s.instrument is not None and s.instrument not in gaz:
                    print(f"{p}:{i}: text: instrument {s.instrument!r} not in INSTRUMENTS.md (use ? for unknown)"); problems += 1
                kinds[s.kind] += 1; insts[s.instrument] += 1
            n += 1
            words.append(len(text.split()))
            countries[rec.get("meta", {}).get("country")] += 1
            labs = sorted(rec.get("labels", []))
            combos["+".join(labs) or "none"] += 1
            for l in labs:
                labels[l] += 1; pos += 1
                if not KEYWORDS[l].search(text):
                    kwfree += 1
    print(f"articles={n} labels={dict(labels)} combos={dict(combos)}")
    print(f"countries={dict(countries)} spans={sum(kinds.values())} kinds={dict(kinds)} instruments={len(insts)}")
    if words:
        print(f"words min={min(words)} max={max(words)} mean={sum(words)/len(words):.0f}; keyword-free label instances={kwfree}/{pos}")
    print(f"problems={problems}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
