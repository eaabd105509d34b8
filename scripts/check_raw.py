"""Check raw corpus batches (data/raw/*.jsonl) before they are built into splits.

Usage: python scripts/check_raw.py data/raw/batch_01.jsonl [...]

Prints one line per problem (file:line: field: message) and a summary of labels, countries,
lengths, spans and keyword-free positives. Exit 1 if any problem. Uses the same parsing,
validation and statistics as `arcrime data build` / `arcrime data stats`.
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from arcrime.build import parse_raw_file  # noqa: E402
from arcrime.corpus import RecordError  # noqa: E402
from arcrime.stats import corpus_stats  # noqa: E402


def main(paths: list[str]) -> int:
    gaz = {m.group(1) for m in re.finditer(r"^## `([^`]+)`", (ROOT / "data/raw/INSTRUMENTS.md").read_text(encoding="utf-8"), re.M)}
    records, problems = [], []
    for p in paths:
        recs, errs = parse_raw_file(Path(p))
        problems += errs
        for r in recs:
            for ref in r["legal_refs"]:
                if ref["instrument"] is not None and ref["instrument"] not in gaz:
                    problems.append(RecordError(p, 0, "text", f"{r['id']}: instrument {ref['instrument']!r} not in "
                                                              "INSTRUMENTS.md (use ? for unknown)"))
        records += recs
    ids = Counter(r["id"] for r in records)
    problems += [RecordError("<batches>", 0, "id", f"duplicate {i!r}") for i, c in ids.items() if c > 1]
    for e in problems:
        print(e)
    s = corpus_stats(records)
    print(f"articles={s['articles']} labels={s['labels']} combos={s['label_combinations']}")
    print(f"countries={s['countries']} spans={s['legal_spans']} kinds={s['span_kinds']} "
          f"instruments={s['distinct_instruments']}")
    w = s["words"]
    print(f"words min={w['min']} median={w['median']} max={w['max']}; keyword-free label instances="
          f"{s['keyword_free_label_instances']}/{s['label_instances']}")
    print(f"problems={len(problems)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
