"""Benchmark: the fastest this CPU runs the bare model forward pass, in tokens/s.

    python benchmarks/forward_ceiling.py --model models/quickstart --name quickstart
    python benchmarks/forward_ceiling.py --base-shape --name bert-base-shape

No tokenization, no windowing, no heads' post-processing, no legal-reference finder: random token
ids, every shape in a grid of window lengths × batch sizes, ``torch.inference_mode``, best of
``--repeats`` timings per shape. The best tokens/s over the grid is an upper bound for any
inference engine on these weights in fp32 PyTorch; divided by the tokens per article that full
coverage needs (``tokens_per_article.engine`` of ``inference_<name>.json``) it bounds the docs/s
any engine can reach while scoring every window. Prints JSON, writes
``benchmarks/results/forward_ceiling_<name>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _meta import meta  # noqa: E402


def main() -> None:
    import torch

    from arcrime.model import load_model

    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--base-shape", action="store_true")
    ap.add_argument("--name", default="quickstart")
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 4, 16, 32])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--min-tokens", type=int, default=8192, help="tokens per timing (more windows for small shapes)")
    a = ap.parse_args()
    if a.model is None and not a.base_shape:
        ap.error("give --model DIR or --base-shape")
    if min(a.batches + [a.repeats, a.min_tokens]) < 1:
        ap.error("--batches, --repeats and --min-tokens must be >= 1")
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
    if a.base_shape:
        from inference import make_base_shape

        model_dir = make_base_shape(Path(tempfile.mkdtemp(prefix="arcrime-ceiling-")) / "base")
    else:
        model_dir = a.model
    model, tok = load_model(model_dir, "cpu")
    m = model.config
    model.eval()
    vocab = tok.vocab_size
    lengths = sorted({m.window_length // 4, m.window_length // 2, m.window_length})
    g = torch.Generator().manual_seed(0)
    rows = []
    with torch.inference_mode():
        for L in lengths:
            for b in a.batches:
                ids = torch.randint(5, vocab, (b, L), generator=g)
                mask = torch.ones_like(ids)
                model(ids, mask)  # warm-up (allocator, kernel selection)
                passes = max(1, a.min_tokens // (b * L))
                best = float("inf")
                for _ in range(a.repeats):
                    t0 = time.perf_counter()
                    for _ in range(passes):
                        model(ids, mask)
                    best = min(best, time.perf_counter() - t0)
                rows.append({"length": L, "batch": b, "tokens_per_s": round(passes * b * L / best, 1)})
                print(json.dumps(rows[-1]), file=sys.stderr)
    top = max(rows, key=lambda r: r["tokens_per_s"])
    out = {"recorded": meta(), "benchmark": "forward_ceiling", "name": a.name,
           "model": "random BERT-base shape" if a.base_shape else a.model, "threads": torch.get_num_threads(),
           "shapes": rows, "best": top}
    inf = ROOT / "benchmarks/results" / f"inference_{a.name}.json"
    if inf.is_file():
        d = json.loads(inf.read_text(encoding="utf-8"))
        need = d.get("tokens_per_article", {}).get("engine")
        naive = d["methods"].get("naive", {}).get("docs_per_s")
        if need and naive:
            ceiling = top["tokens_per_s"] / need
            out["full_coverage"] = {"engine_tokens_per_article": need, "docs_per_s_ceiling": round(ceiling, 2),
                                    "naive_docs_per_s": naive, "ceiling_vs_naive": round(ceiling / naive, 2),
                                    "from": inf.name}
    path = ROOT / "benchmarks/results" / f"forward_ceiling_{a.name}.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
