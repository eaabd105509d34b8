"""Benchmark: arcrime's inference engine vs the naive way, same weights, same articles.

    python benchmarks/inference.py --model models/quickstart --n 2000 --name quickstart
    python benchmarks/inference.py --base-shape --n 200 --name bert-base-shape

Methods, each run in its own process so peak RSS is per method:

* ``naive``: a 🤗 ``pipeline("text-classification")`` over the same encoder + label head, called
  once per article with truncation at the model's max length (what most scripts do). It scores
  only the first window and tags nothing.
* ``engine``: ``arcrime.inference.Predictor`` — length-sorted batches, dynamic padding,
  ``torch.inference_mode``, every window of long articles, legal-reference tagging in the same pass.
* ``engine-bs1``: the engine with batch size 1 — every window, one at a time: the same coverage
  as ``engine`` without batching, i.e. what covering whole articles the naive way costs.
* ``onnx-fp32`` / ``onnx-int8``: the engine on an ONNX Runtime export (``arcrime export``:
  fused attention, int8 quantized from the fused graph).

Each method runs ``--repeats`` times, in interleaved rounds (naive, engine, ..., naive, engine, ...)
so that drift of a shared machine hits every method alike; docs/s is the median, with min and max.
The JSON also gives the tokens each method puts through the model per article (naive: the first
``max_length`` tokens; the engine: every window, overlaps included) and tokens/s, so the docs/s
ratios can be split into "more work" and "faster per token".

``--device cuda`` runs naive (pipeline on GPU 0) and the engine on the GPU (ONNX stays on CPU).

``--base-shape`` builds a randomly initialised model of BERT-base shape (12 layers, hidden 768,
64k vocabulary, as AraBERT) so the figures speak for real models. Prints JSON, writes
``benchmarks/results/inference_<name>.{json,md}``. Labels of the engine and the naive pipeline are
compared on the articles that fit in one window (where both see the same text).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _meta import BASE_MAX_LENGTH, BASE_SHAPE, BASE_STRIDE, BASE_VOCAB, meta, peak_rss_mb  # noqa: E402


def articles(n: int) -> list[dict]:
    recs = []
    for split in ("test", "dev", "train"):
        recs += [json.loads(x) for x in (ROOT / f"data/{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    return [{"id": f"{i}", "text": recs[i % len(recs)]["text"]} for i in range(n)]


def make_base_shape(out: Path) -> Path:
    """A random BERT-base-shaped arcrime model folder (weights random, tokenizer from the shipped encoder)."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from arcrime.config import DEFAULT_LABELS
    from arcrime.model import ArcrimeConfig, ArcrimeForCrimeNews, save_model
    from arcrime.normalize import DEFAULT_STEPS

    tok = AutoTokenizer.from_pretrained(ROOT / "encoders/arcrime-bert-small")
    torch.manual_seed(0)
    enc = BertModel(BertConfig(vocab_size=BASE_VOCAB, max_position_embeddings=BASE_MAX_LENGTH, **BASE_SHAPE),
                    add_pooling_layer=False)
    labels = list(DEFAULT_LABELS)
    cfg = ArcrimeConfig(id2label=dict(enumerate(labels)), normalize_steps=list(DEFAULT_STEPS),
                        window_length=BASE_MAX_LENGTH, stride=BASE_STRIDE, window_aggregation="max",
                        encoder_source="random BERT-base shape")
    model = ArcrimeForCrimeNews.from_encoder(enc, cfg)
    save_model(out, model, tok, overwrite=True)
    return out


def run_method(method: str, model_dir: str, n: int, batch_size: int, device: str = "cpu",
               max_tokens: int | None = None) -> dict:
    import torch

    from arcrime.inference import load

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
    docs = articles(n)
    if method == "naive":
        from transformers import BertConfig, PreTrainedModel, pipeline
        from transformers.modeling_outputs import SequenceClassifierOutput

        from arcrime.model import load_model
        from arcrime.normalize import Normalizer

        model, tok = load_model(model_dir, device)
        meta = model.config

        class View(PreTrainedModel):
            config_class = BertConfig

            def __init__(self, config, m):
                super().__init__(config)
                self.m = m

            def forward(self, input_ids=None, attention_mask=None, **kw):
                return SequenceClassifierOutput(logits=self.m(input_ids=input_ids, attention_mask=attention_mask).logits)

        cfg = BertConfig(**model.encoder.config.to_dict())
        cfg.id2label = dict(enumerate(meta.labels))
        cfg.label2id = {v: k for k, v in cfg.id2label.items()}
        pipe = pipeline("text-classification", model=View(cfg, model).eval(), tokenizer=tok, top_k=None,
                        function_to_apply="sigmoid", device=0 if device.startswith("cuda") else -1)
        norm = Normalizer(meta.normalize_steps)
        tok.model_max_length = meta.window_length
        t0 = time.perf_counter()
        out = []
        for d in docs:
            res = pipe(norm(d["text"]).text, truncation=True, max_length=meta.window_length)[0]
            sc = {r["label"]: r["score"] for r in res}
            out.append([lab for lab in meta.labels if sc[lab] >= meta.thresholds[lab]])
        secs = time.perf_counter() - t0
    else:
        p = load(model_dir, device="cpu" if method.startswith("onnx") else device,
                 batch_size=1 if method == "engine-bs1" else batch_size,
                 max_tokens=max_tokens, prefer_int8=method == "onnx-int8")
        t0 = time.perf_counter()
        out = [list(r.labels) for r in p.predict_records(iter(docs))]
        secs = time.perf_counter() - t0
    return {"method": method, "docs": n, "seconds": round(secs, 2), "docs_per_s": round(n / secs, 2),
            "peak_rss_mb": peak_rss_mb(), "labels": out, **({} if method == "naive" else {"max_tokens": p.max_tokens})}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--base-shape", action="store_true")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-tokens", type=int, help="engine token budget per forward pass (default: the device's)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds; docs/s is the median")
    ap.add_argument("--name", default="quickstart")
    ap.add_argument("--methods", nargs="+", default=["naive", "engine", "engine-bs1", "onnx-fp32", "onnx-int8"])
    ap.add_argument("--device", default="cpu", help="cpu | cuda (naive and engine; ONNX Runtime stays on CPU)")
    ap.add_argument("--_run", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.model is None and not a.base_shape:
        ap.error("give --model DIR or --base-shape")
    if min(a.n, a.batch_size, a.repeats, a.max_tokens or 1) < 1:
        ap.error("--n, --batch-size, --repeats and --max-tokens must be >= 1")
    if a._run:
        print(json.dumps(run_method(a._run, a.model, a.n, a.batch_size, a.device, a.max_tokens)))
        return
    tmp = Path(tempfile.mkdtemp(prefix="arcrime-bench-"))
    model_dir = str(make_base_shape(tmp / "base")) if a.base_shape else a.model
    onnx_dir = None
    if any(m.startswith("onnx") for m in a.methods):
        from arcrime.export import export_onnx

        onnx_dir = tmp / "onnx"
        export_onnx(model_dir, onnx_dir, int8=True, overwrite=True)
    runs: dict[str, list[dict]] = {m: [] for m in a.methods}
    for _ in range(a.repeats):
        for m in a.methods:
            md = str(onnx_dir) if m.startswith("onnx") else model_dir
            cmd = [sys.executable, __file__, "--_run", m, "--model", md, "--n", str(a.n),
                   "--batch-size", str(a.batch_size), "--device", a.device]
            cmd += ["--max-tokens", str(a.max_tokens)] if a.max_tokens else []
            r = subprocess.run(cmd, capture_output=True, text=True, check=True)
            runs[m].append(json.loads(r.stdout.strip().splitlines()[-1]))
    results = {}
    for m, rs in runs.items():
        rates = sorted(r["docs_per_s"] for r in rs)
        if any(r["labels"] != rs[0]["labels"] for r in rs):
            raise SystemExit(f"{m}: labels differ between repeats; inference is not deterministic")
        results[m] = {"method": m, "docs": a.n, "repeats": len(rs), "docs_per_s": round(statistics.median(rates), 2),
                      "docs_per_s_min": rates[0], "docs_per_s_max": rates[-1],
                      "peak_rss_mb": max(r["peak_rss_mb"] for r in rs), "labels": rs[0]["labels"],
                      **({"max_tokens": rs[0]["max_tokens"]} if "max_tokens" in rs[0] else {})}
    from arcrime.inference import load

    p = load(model_dir, device="cpu")
    encoded = [p.encoder.encode(d["text"]) for d in articles(a.n)]
    single = [i for i, doc in enumerate(encoded) if len(doc.windows) == 1]
    # tokens through the model per article, special tokens included
    tokens = {"naive": sum(min(doc.n_tokens + 2, p.config.window_length) for doc in encoded) / a.n,
              "engine": sum(b - a_ + 2 for doc in encoded for a_, b in doc.windows) / a.n}
    summary = {"recorded": meta(), "benchmark": "inference", "name": a.name, "model": "random BERT-base shape" if a.base_shape else a.model,
               "articles": a.n, "single_window_articles": len(single), "batch_size": a.batch_size,
               "max_tokens": results["engine"]["max_tokens"] if "engine" in results else a.max_tokens,
               "device": a.device, "repeats": a.repeats,
               "windows_per_article": round(sum(len(doc.windows) for doc in encoded) / a.n, 2),
               "tokens_per_article": {k: round(v, 1) for k, v in tokens.items()},
               "threads": int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)), "methods": {}}
    base = results.get("naive")
    for m, r in results.items():
        row = {k: v for k, v in r.items() if k != "labels"}
        row["tokens_per_s"] = round(r["docs_per_s"] * tokens["naive" if m == "naive" else "engine"], 1)
        if base:
            row["speedup_vs_naive"] = round(r["docs_per_s"] / base["docs_per_s"], 2)
            row["per_token_speedup_vs_naive"] = round(row["tokens_per_s"] / (base["docs_per_s"] * tokens["naive"]), 2)
        if "engine" in results and m != "engine":
            eng = results["engine"]["labels"]
            row["label_agreement_with_engine_single_window"] = round(
                sum(r["labels"][i] == eng[i] for i in single) / max(len(single), 1), 4)
            if m != "naive":  # same coverage (every window): compare on all articles
                row["label_agreement_with_engine_all"] = round(
                    sum(x == y for x, y in zip(r["labels"], eng)) / len(eng), 4)
        summary["methods"][m] = row
    out = ROOT / "benchmarks/results" / f"inference_{a.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    from summarize import inference as render  # one renderer for this file and results/README.md

    out.with_suffix(".md").write_text("\n".join(render(summary)), encoding="utf-8")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
