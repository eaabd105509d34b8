"""Select real articles for the legal-reference development set (issue 15), reproducibly.

The real train and dev splits hold about 230 legal spans, too few to show the forms that the press
uses. This draws a seeded sample of articles that cite legislation (a citation cue below) from the
corpora, outside the annotation layer and away from its held-out stories (word TF-IDF cosine < 0.5 to
every dev/test article), to be annotated for legal references only (`meta.split: "legal"`, no crime
labels). The annotators do not see the finder's output. Writes the counts to
``data/real/legal_selection.json`` and, under ``--work`` (a folder outside the repository: it holds
article text), the batches that the annotators read.

    python scripts/legal_select.py --corpus ../shared/unlabeled --work /tmp/legal_annot --batches 3
    python scripts/legal_select.py --corpus ../shared/unlabeled --work /tmp/legal_annot --draw 2 --batches 2

A later draw (``--draw N``) takes half as many articles with its own seed, away from every article of the
earlier draws: annotated after a finder round, it scores that round on articles the round never saw
(``scripts/legal_eval.py --draw N``). Its batches are numbered after the earlier ones
(``batch_04.jsonl`` ...; in a fresh work folder, after the
annotators already in ``data/real/legal.jsonl``) and its counts go to ``data/real/legal_selection_N.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from arcrime.real import articles_outside_layer, held_out_near, text_sha256  # noqa: E402

# a citation of legislation: an article number, an instrument with its number, or a named code or statute
CUES = {
    "article_number": r"(?:المادة|المواد|الفصل|الفصلين|الفصول|مادته|المادتين)\s*\(?\s*[0-9٠-٩]",
    "article_ordinal": r"(?:المادة\s+(?:الأولى|الأول|الثانية|الثاني|الثالثة|الثالث|الرابعة|الرابع|الخامسة"
                       r"|الخامس|السادسة|السادس|السابعة|السابع|الثامنة|الثامن|التاسعة|التاسع|العاشرة|العاشر)"
                       r"|الفصل\s+\S+\s+من\s+(?:ال)?(?:قانون|مجلة|المجلة|الدستور|نظام))",  # الفصل الأول alone: a school term
    "numbered_instrument": r"(?:قانون|القانون|نظام|مرسوم|المرسوم|الأمر|أمر|ظهير|الظهير|القرار|قرار)\S*\s+(?:رقم|عدد|بقانون)",
    "named_code": r"قانون العقوبات|القانون الجنائي|المجلة الجزائية|مجلة الإجراءات|الإجراءات الجزائية|الإجراءات الجنائية"
                  r"|مكافحة الجرائم المعلوماتية|الجرائم الإلكترونية|قانون الجزاء|قانون الصحافة|نظام مكافحة",
}
PER_CORPUS = {"SaudiNewsNet": 40, "antcorpus.multisource.data": 50, "antcorpus.data": 30}
MIN_CHARS, MAX_CHARS = 300, 3000  # long enough to cite, short enough to read whole
MAX_SIMILARITY = 0.5
SEED = 2027


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True, help="folder holding the corpus folders")
    ap.add_argument("--work", required=True, help="output folder for batches WITH TEXT (keep outside the repo)")
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--real", default="data/real", help="the annotation layer to stay outside of")
    ap.add_argument("--draw", type=int, default=1, help="1 = the first draw; N > 1 = a later, smaller draw")
    ap.add_argument("--max-chars", type=int, default=MAX_CHARS,
                    help=f"longest article to draw (default {MAX_CHARS}; draw 7 widened it to 6000 when the "
                    "short articles with a cue ran out)")
    ap.add_argument("--per-corpus", type=int, nargs=3, default=None, metavar=("SNN", "ANT2", "ANT1"),
                    help="articles to draw from SaudiNewsNet, antcorpus.multisource.data, antcorpus.data "
                    "(default: " + ", ".join(map(str, PER_CORPUS.values())) + " in draw 1, half as many later)")
    ap.add_argument("--counts", default=None, help="default data/real/legal_selection.json (draw 1) or "
                    "data/real/legal_selection_N.json")
    args = ap.parse_args()
    if args.max_chars < MIN_CHARS or (args.per_corpus and min(args.per_corpus) < 0):
        ap.error(f"--max-chars must be >= {MIN_CHARS} and --per-corpus counts >= 0 (got {args.max_chars}, {args.per_corpus})")
    later = args.draw > 1
    seed = SEED + args.draw - 1
    per_corpus = {c: (n // 2 if later else n) for c, n in PER_CORPUS.items()}
    if args.per_corpus:
        per_corpus = dict(zip(PER_CORPUS, args.per_corpus))
    counts_path = args.counts or ("data/real/legal_selection.json" if not later else
                                  f"data/real/legal_selection_{args.draw}.json")
    # a later draw's batches (and so its annotators, L<batch>) are numbered after every earlier batch: those still
    # in the work folder and those already in the layer (a fresh work folder must not reuse L1, L2 ...)
    in_layer = [int(m.group(1)) for m in re.finditer(r'"annotator": "L(\d+)"', _read(Path(args.real) / "legal.jsonl"))]
    first_batch = 1 if not later else 1 + max([int(p.stem.split("_")[1]) for p in
                                               Path(args.work).glob("batch_[0-9][0-9].jsonl")] + in_layer + [0])
    rx = {k: re.compile(v) for k, v in CUES.items()}
    held_out: list[str] = []
    cands: dict[str, list] = {c: [] for c in PER_CORPUS}
    counts: dict[str, Counter] = {c: Counter() for c in PER_CORPUS}
    # draw 1: the legal split's own records are not "the layer" here, so a rerun draws the same articles again;
    # a later draw keeps away from them
    try:
        arts = articles_outside_layer(args.real, args.corpus, held_out, ignore_splits=() if later else ("legal",))
    except FileNotFoundError as e:
        raise SystemExit(f"legal_select.py: {e}")
    for art in arts:
        c = counts[art.corpus]
        c["articles"] += 1
        if not MIN_CHARS <= len(art.text) <= args.max_chars:
            continue
        hits = [k for k, r in rx.items() if r.search(art.text)]
        if hits:
            c["with_cue"] += 1
            for k in hits:
                c[f"cue:{k}"] += 1
            cands[art.corpus].append((art, hits))
    rng = random.Random(seed)
    selected = []
    for corpus, n in per_corpus.items():
        pool = rng.sample(cands[corpus], min(len(cands[corpus]), 3 * n))  # spare ones replace held-out near-copies
        near = held_out_near([a.text for a, _ in pool], held_out, MAX_SIMILARITY)
        kept, skipped = [], 0
        for p, bad in zip(pool, near):
            if len(kept) == n:
                break
            skipped += bad
            if not bad:
                kept.append(p)
        counts[corpus]["near_held_out_skipped"] = skipped
        counts[corpus]["selected"] = len(kept)
        selected += kept
    rng.shuffle(selected)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    batches: list[list[dict]] = [[] for _ in range(args.batches)]
    for k, (art, hits) in enumerate(selected):
        src = {k2: v for k2, v in art.source().items() if k2 != "url"}
        batches[k % args.batches].append({"key": f"{art.corpus}|{art.file}|{art.line}", "source": src,
                                          "sha256": text_sha256(art.text), "cues": hits, "draw": args.draw,
                                          "text": art.text})
    for b, rows in enumerate(batches, 1):
        with open(work / f"batch_{first_batch + b - 1:02d}.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    out = {"what": "real articles drawn for the legal-reference development set (scripts/legal_select.py)",
           "per_corpus": {c: dict(sorted(v.items())) for c, v in counts.items()}, "cues": CUES,
           "chars": [MIN_CHARS, args.max_chars], "per_corpus_wanted": per_corpus, "max_similarity_to_held_out": MAX_SIMILARITY, "seed": seed,
           "draw": args.draw}
    Path(counts_path).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(out["per_corpus"], indent=1))
    print(f"{len(selected)} articles in {args.batches} batches under {work}")


if __name__ == "__main__":
    main()
