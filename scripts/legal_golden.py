"""The legal finder's golden output on invented passages: what a finder change does to ordinary text.

``tests/golden/legal_passages.jsonl`` holds 316 short passages written for the project (no press text) in the written
corpus's style, aimed at the forms finder rounds touch: «الفصل» in its non-legal senses (a school term, a quarter, an act,
«تحت الفصل السابع»), decisions near a mention of the UN, descriptions and «أعلاه» after an article, titles followed by a
purpose clause, repeated bare articles. ``tests/golden/legal_expected.jsonl`` is the finder's output on them
(``legal.resolve(legal.find(text), text)``: offsets, kind, instrument, articles) as of finder round 13. The passages were
written to compare the finder before and after round 11: the 143 on which the two differed were judged against the
guidelines (54 made worse, undone by round 12b), and rounds 12 and 13 changed none. A difference is not a verdict: it is a
change to review. ``tests/test_legal_golden.py`` fails on any difference.

    python scripts/legal_golden.py            # list every passage whose output differs from the golden file (exit 1 if any)
    python scripts/legal_golden.py --update   # after reviewing that list: make the current output the golden file
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arcrime import legal  # noqa: E402

PASSAGES = ROOT / "tests/golden/legal_passages.jsonl"
EXPECTED = ROOT / "tests/golden/legal_expected.jsonl"
FIELDS = ("start", "end", "kind", "instrument", "articles")


def current() -> dict[str, list[dict]]:
    """id -> the finder's references on that passage, as the golden file stores them."""
    out = {}
    for n, line in enumerate(PASSAGES.open(encoding="utf-8"), 1):
        try:
            p = json.loads(line)
            pid, text = p["id"], p["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise SystemExit(f"{PASSAGES}:{n}: not an object with id and text ({e}); fix the line")
        refs = legal.resolve(legal.find(text), text)
        out[pid] = [{k: list(v) if isinstance(v, tuple) else v for k, v in r.to_dict().items() if k in FIELDS}
                    for r in refs]
    return out


def golden() -> dict[str, list[dict]]:
    out = {}
    for n, line in enumerate(EXPECTED.open(encoding="utf-8"), 1):
        try:
            r = json.loads(line)
            out[r["id"]] = r["refs"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise SystemExit(f"{EXPECTED}:{n}: not an object with id and refs ({e}); restore the file (git checkout) or "
                             "rewrite it with --update")
    return out


def differences(now: dict[str, list[dict]], gold: dict[str, list[dict]]) -> list[str]:
    """One line per passage whose references differ (or that one side lacks), with the spans' text."""
    texts = {p["id"]: p["text"] for p in map(json.loads, PASSAGES.open(encoding="utf-8"))}

    def show(refs: list[dict], text: str) -> str:
        return "; ".join(f"«{text[r['start']:r['end']]}» {r['kind']} {r['instrument']} {r['articles']}" for r in refs) or "-"

    out = []
    for pid in sorted(set(now) | set(gold)):
        if now.get(pid) != gold.get(pid):
            text = texts.get(pid, "")
            out.append(f"{pid}: golden {show(gold.get(pid, []), text)}\n      now    {show(now.get(pid, []), text)}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--update", action="store_true", help="write the current output as the golden file")
    args = ap.parse_args()
    now = current()
    if args.update:
        EXPECTED.write_text("".join(json.dumps({"id": k, "refs": v}, ensure_ascii=False) + "\n" for k, v in now.items()),
                            encoding="utf-8")
        print(f"{len(now)} passages -> {EXPECTED.relative_to(ROOT)}")
        return
    diff = differences(now, golden())
    print("\n".join(diff) if diff else f"all {len(now)} passages as in the golden file")
    if diff:
        raise SystemExit(f"{len(diff)} passage(s) differ; review them, then run with --update")


if __name__ == "__main__":
    main()
