"""Select the real articles to annotate (issue 13), reproducibly.

Every article of the three corpora matched by a broad candidate pattern of one crime family is
selected, plus a seeded random sample of the other articles (random news, for negatives).
Writes the per-corpus counts to ``data/real/selection.json`` and, under ``--work`` (a folder
outside the repository: it holds article text), the annotation batches that the annotators read.

    python scripts/real_select.py --corpus ../shared/unlabeled --work /tmp/annot --batches 7
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

from arcrime import legal  # noqa: E402
from arcrime.real import CORPORA, iter_corpus, text_sha256  # noqa: E402

# Broad on purpose: the annotators decide; these only decide what they read.
PATTERNS = {
    "extortion": r"ابتز|يبتز|مبتز|فدية|وإلا (?:سي|ي|ت)?(?:نشر|فضح)|تهديد(?:ه|ها|هم)? بنشر|هدد(?:ه|ها|هم)? بنشر"
                 r"|مقابل عدم نشر|بنشر صور|صور(?:ا)? (?:خاصة|فاضحة|مخلة)|مبالغ مالية مقابل",
    "impersonation": r"انتحال|انتحل|ينتحل|منتحل|حسابات? (?:وهمي|مزيف|مزور)|صفحات? (?:وهمية|مزيفة|مزورة)"
                     r"|حساب (?:باسم|يحمل اسم)|هوية مزورة|بطاقة (?:هوية )?مزورة"
                     r"|(?:ادعى|ادعت|يدعي|زعم|زعمت) (?:أنه|أنها|بأنه|بأنها)|(?:تظاهر|ظهر) بأنه|أوهم(?:ه|ها|هم)? بأنه"
                     r"|رجل أمن مزيف|طبيب مزيف|ضابط مزيف",
    "defamation": r"\b(?:و|ب|ل|ف)?(?:ال)?(?:تشهير|قذف|سب|شتم|شتائم|افتراءات?)\b|شهّ?ر ب|يشهر ب"
                  r"|(?:تشويه|المساس ب|الإساءة إلى|الإساءة ل|إساءة ل)(?:ال)?سمعة|دعوى (?:سب|قذف|تشهير|إهانة)"
                  r"|إشاعات? (?:كاذبة|مغرضة)|(?:نشر|ترويج) (?:أخبار|إشاعات|شائعات|أكاذيب) (?:كاذبة|مغرضة)"
                  r"|إهانة (?:موظف|الرئيس|رئيس|هيئة|القضاء)|الإساءة (?:إلى|ل)(?:ل)?(?:الرموز|الذات|رموز)|ازدراء",
    "cyberlaw": r"الجرائم المعلوماتية|الجريمة المعلوماتية|الجرائم الإلكترونية|الجريمة الإلكترونية|مكافحة جرائم",
}
RANDOM_PER_CORPUS = {"SaudiNewsNet": 70, "antcorpus.multisource.data": 70, "antcorpus.data": 40}
SEED = 2026


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True, help="folder holding the three corpus folders")
    ap.add_argument("--work", required=True, help="output folder for batches WITH TEXT (keep outside the repo)")
    ap.add_argument("--batches", type=int, default=7)
    ap.add_argument("--counts", default="data/real/selection.json")
    args = ap.parse_args()
    rx = {k: re.compile(v) for k, v in PATTERNS.items()}
    rng = random.Random(SEED)
    selected, counts = [], {}
    for corpus in CORPORA:
        cands, rest = [], []
        c = Counter()
        n = 0
        for art in iter_corpus(Path(args.corpus) / corpus):
            n += 1
            hits = [k for k, r in rx.items() if r.search(art.text)]
            for k in hits:
                c[k] += 1
            (cands if hits else rest).append((art, hits))
        rand = rng.sample(rest, RANDOM_PER_CORPUS[corpus])
        counts[corpus] = {"articles": n, "candidates": len(cands), "per_family": dict(sorted(c.items())),
                          "random_sample": len(rand)}
        selected += [(a, h, "candidate") for a, h in cands] + [(a, [], "random") for a, _ in rand]
    rng.shuffle(selected)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    batches = [[] for _ in range(args.batches)]
    for k, (art, hits, why) in enumerate(selected):
        refs = legal.resolve(legal.find(art.text), art.text)
        batches[k % args.batches].append({
            "key": f"{art.corpus}|{art.file}|{art.line}", "source": art.source(), "sha256": text_sha256(art.text),
            "selected_by": why, "families": hits, "text": art.text,
            "finder_spans": [{"start": r.start, "end": r.end, "text": art.text[r.start:r.end], "kind": r.kind,
                              "instrument": r.instrument, "articles": list(r.articles)} for r in refs]})
    for b, rows in enumerate(batches, 1):
        with open(work / f"batch_{b:02d}.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts["_patterns"] = PATTERNS
    counts["_seed"] = SEED
    Path(args.counts).parent.mkdir(parents=True, exist_ok=True)
    Path(args.counts).write_text(json.dumps(counts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in counts.items() if not k.startswith("_")}, indent=1))
    print(f"{len(selected)} articles in {args.batches} batches under {work}")


if __name__ == "__main__":
    main()
