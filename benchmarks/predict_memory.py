"""Benchmark: peak RSS of `arcrime predict` streaming N articles from a JSONL file to a JSONL file.

    python benchmarks/predict_memory.py --model models/quickstart --sizes 1000 10000 100000

Each size runs in a fresh process (the CLI, in-process), so each peak RSS is that run's own. Input:
corpus articles cycled to N records with fresh ids; ``--words W`` (default 40) keeps the first W
words of each so that 100,000 articles run in minutes on 2 CPU cores (memory is what is measured
here; throughput is in ``inference.py``); ``--words 0`` keeps whole articles. Prints JSON and
writes ``benchmarks/results/predict_memory.json``. Flat memory means the peak RSS at 100,000
articles is (about) that at 1,000: nothing grows with the input.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _meta import meta, peak_rss_mb  # noqa: E402


def write_input(path: Path, n: int, words: int) -> int:
    recs = []
    for split in ("test", "dev", "train"):
        recs += [json.loads(x)["text"] for x in (ROOT / f"data/{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    size = 0
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            text = recs[i % len(recs)]
            if words:
                text = " ".join(text.split()[:words])
            line = json.dumps({"id": f"a{i}", "text": text}, ensure_ascii=False) + "\n"
            size += len(line.encode("utf-8"))
            f.write(line)
    return size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / "models/quickstart"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--words", type=int, default=40)
    ap.add_argument("--_run", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._run:
        from arcrime.cli import main as cli

        t0 = time.perf_counter()
        rc = cli(["predict", "--model", a.model, "--input", a._run[0], "--output", a._run[1]])
        print(json.dumps({"rc": rc, "seconds": round(time.perf_counter() - t0, 1),
                          "peak_rss_mb": peak_rss_mb()}))
        return
    tmp = Path(tempfile.mkdtemp(prefix="arcrime-mem-"))
    rows = []
    for n in a.sizes:
        inp, out = tmp / f"in_{n}.jsonl", tmp / f"out_{n}.jsonl"
        size = write_input(inp, n, a.words)
        r = subprocess.run([sys.executable, __file__, "--model", a.model, "--_run", str(inp), str(out)],
                           capture_output=True, text=True, check=True,
                           env={**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
        res = json.loads(r.stdout.strip().splitlines()[-1])
        with open(out, encoding="utf-8") as f:
            n_out = sum(1 for _ in f)
        rows.append({"articles": n, "input_mb": round(size / 1e6, 1), "output_records": n_out, **res,
                     "docs_per_s": round(n / res["seconds"], 1)})
        inp.unlink()
        out.unlink()
        print(json.dumps(rows[-1]), file=sys.stderr)
    summary = {"recorded": meta(), "benchmark": "predict_memory", "model": a.model, "words_per_article": a.words or "whole",
               "threads": os.cpu_count(), "runs": rows,
               "rss_growth_mb_smallest_to_largest": round(rows[-1]["peak_rss_mb"] - rows[0]["peak_rss_mb"], 1)}
    path = ROOT / "benchmarks/results/predict_memory.json"
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
