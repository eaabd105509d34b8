"""Benchmark: rule-based legal-reference finder throughput (MB/s of Arabic news text, one core).

Usage: python benchmarks/legal_finder.py [--mb 2 8 32] [--repeat 5] [--out benchmarks/results/legal_finder.json]

Input: the corpus articles (data/*.jsonl) cycled until the target size is reached, processed
article by article (find + resolve), as a streaming job would. Each size is timed ``--repeat``
times (shared VMs are noisy: single passes here vary by ±20%); the JSON gives the median (the
headline figure), best and worst MB/s (UTF-8 bytes), and peak RSS after each size, to show
that memory stays flat as input grows. Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _meta import meta  # noqa: E402
os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, nargs="+", default=[2.0, 8.0, 32.0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/legal_finder.json"))
    a = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):  # one core, as the goal states
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from arcrime import legal

    texts = []
    for split in ("train", "dev", "test"):
        texts += [json.loads(x)["text"] for x in (ROOT / f"data/{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    legal.extract(texts[0])  # compile regexes, load gazetteer
    results = []
    for mb in a.mb:
        target = int(mb * 1e6)
        rates = []
        for _ in range(a.repeat):
            done = refs = n = 0
            t0 = time.perf_counter()
            while done < target:
                t = texts[n % len(texts)]
                refs += len(legal.extract(t))
                done += len(t.encode("utf-8"))
                n += 1
            rates.append(done / 1e6 / (time.perf_counter() - t0))
        results.append({"input_mb": round(done / 1e6, 2), "articles": n, "references": refs, "repeats": a.repeat,
                        "mb_per_s": round(statistics.median(rates), 3), "mb_per_s_best": round(max(rates), 3),
                        "mb_per_s_worst": round(min(rates), 3),
                        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})
    out = {"recorded": meta(), "benchmark": "legal_finder", "cpu_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None, "what": "find + resolve, article by article, one process, one core",
           "python": sys.version.split()[0], "cpu_count": os.cpu_count(), "results": results}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
