"""Benchmark: rule-based legal-reference finder throughput (MB/s of Arabic news text, one core).

Usage: python benchmarks/legal_finder.py [--mb 2 8] [--out benchmarks/results/legal_finder.json]

Input: the corpus articles (data/*.jsonl) cycled until the target size is reached, processed
article by article (find + resolve), as a streaming job would. Reports MB/s (UTF-8 bytes) and
peak RSS after each size, to show that memory stays flat as input grows. Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, nargs="+", default=[2.0, 8.0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/legal_finder.json"))
    a = ap.parse_args()
    from arcrime import legal

    texts = []
    for split in ("train", "dev", "test"):
        texts += [json.loads(x)["text"] for x in (ROOT / f"data/{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    legal.extract(texts[0])  # compile regexes, load gazetteer
    results = []
    for mb in a.mb:
        target = int(mb * 1e6)
        done = refs = n = 0
        t0 = time.perf_counter()
        while done < target:
            t = texts[n % len(texts)]
            refs += len(legal.extract(t))
            done += len(t.encode("utf-8"))
            n += 1
        secs = time.perf_counter() - t0
        results.append({"input_mb": round(done / 1e6, 2), "articles": n, "references": refs,
                        "seconds": round(secs, 2), "mb_per_s": round(done / 1e6 / secs, 3),
                        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})
    out = {"benchmark": "legal_finder", "what": "find + resolve, article by article, one process",
           "python": sys.version.split()[0], "cpu_count": os.cpu_count(), "results": results}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
