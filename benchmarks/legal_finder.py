"""Benchmark: rule-based legal-reference finder throughput (MB/s of Arabic news text, one core).

Usage: python benchmarks/legal_finder.py [--mb 2 8 32] [--repeat 5] [--cpus 0 1] [--out benchmarks/results/legal_finder.json]
       python benchmarks/legal_finder.py --tagger released/legal-tagger --mb 0.5 1 2 --repeat 3 \
           --out benchmarks/results/legal_tagger.json     # tagger+rules: find + resolve, tag + link, tagger_first

Input: the corpus articles (data/*.jsonl) cycled until the target size is reached, processed
article by article (find + resolve), as a streaming job would, in one process pinned to one core
(each core in turn: the cores of a shared VM can differ in speed). Each size is
timed ``--repeat`` times (shared VMs are noisy: single passes vary by ±20%); the JSON gives, per
core, the median (the headline figure), best and worst MB/s (UTF-8 bytes) and peak RSS after each
size, to show that memory stays flat as input grows; ``results`` repeats the slower core's.
Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _meta import meta, peak_rss_mb  # noqa: E402
os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, nargs="+", default=[2.0, 8.0, 32.0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cpus", type=int, nargs="+", help="cores to measure on, one process each (default: every "
                    "core this process may use)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/legal_finder.json"))
    ap.add_argument("--tagger", metavar="DIR", help="time tagger+rules with the span tagger in DIR instead of the rules")
    ap.add_argument("--_core", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._core is not None:
        print(json.dumps(measure(a._core, a.mb, a.repeat, a.tagger)))
        return
    cpus = a.cpus or (sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [None])
    per_core = []
    for cpu in cpus:
        cmd = [sys.executable, __file__, "--mb", *map(str, a.mb), "--repeat", str(a.repeat)]
        if a.tagger:
            cmd += ["--tagger", a.tagger]
        if cpu is not None:
            cmd += ["--_core", str(cpu)]
        r = subprocess.run(cmd, capture_output=True, text=True, check=True)
        per_core.append(json.loads(r.stdout.strip().splitlines()[-1]))
    what = ("tagger+rules (find + resolve, tag + link_spans, tagger_first)" if a.tagger else "find + resolve")
    out = {"recorded": meta(), "benchmark": "legal_tagger" if a.tagger else "legal_finder", "tagger": a.tagger,
           "what": what + ", article by article, one process pinned to one core", "per_core": per_core,
           "results": min(per_core, key=lambda c: c["results"][-1]["mb_per_s"])["results"]}  # the slower core
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))


def measure(cpu: int | None, sizes: list[float], repeat: int, tagger_dir: str | None = None) -> dict:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    from arcrime import legal

    texts = []
    for split in ("train", "dev", "test"):
        texts += [json.loads(x)["text"] for x in (ROOT / f"data/{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    legal.warm_up()  # compile every regex and automaton, load the gazetteer: one-off start-up, not throughput
    if tagger_dir:
        from arcrime.legal.tagger import LegalTagger

        tagger = LegalTagger.load(tagger_dir)

        def extract(t: str) -> list:
            rules = [r.to_dict() for r in legal.extract(t)]
            return legal.with_tagger(tagger, t, rules)[1]
    else:
        extract = legal.extract
    results = []
    for mb in sizes:
        target = int(mb * 1e6)
        rates, cpu_rates = [], []
        for _ in range(repeat):
            done = refs = n = 0
            t0, c0 = time.perf_counter(), time.process_time()
            while done < target:
                t = texts[n % len(texts)]
                refs += len(extract(t))
                done += len(t.encode("utf-8"))
                n += 1
            rates.append(done / 1e6 / (time.perf_counter() - t0))
            cpu_rates.append(done / 1e6 / (time.process_time() - c0))
        results.append({"input_mb": round(done / 1e6, 2), "articles": n, "references": refs, "repeats": repeat,
                        "mb_per_s": round(statistics.median(rates), 3), "mb_per_s_best": round(max(rates), 3),
                        "mb_per_s_worst": round(min(rates), 3),
                        # per second of this process's own CPU time: what a core that ran nothing else would do
                        # (on a shared virtual machine, wall-clock rates also carry other tenants' load)
                        "cpu_mb_per_s": round(statistics.median(cpu_rates), 3),
                        "peak_rss_mb": peak_rss_mb()})
    return {"cpu": cpu, "results": results}


if __name__ == "__main__":
    main()
