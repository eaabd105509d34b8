"""Write ``benchmarks/results/README.md`` from the JSON files next to it (never by hand).

    python benchmarks/summarize.py
"""

from __future__ import annotations

import json
from pathlib import Path

RES = Path(__file__).resolve().parent / "results"


def _when(d: dict) -> str:
    r = d.get("recorded")
    if not r:
        return "recorded before run metadata was added"
    commit = (r.get("git") or {}).get("commit", "?")[:10]
    return f"{r['date']}, commit {commit}{'+dirty' if (r.get('git') or {}).get('dirty') else ''}, {r['cpu']} ×{r['cpu_count']}"


def legal(d: dict) -> list[str]:
    title = (f"## Legal span tagger + rules (`legal_finder.py --tagger {d['tagger']}`)" if d.get("tagger")
             else "## Legal-reference finder (`legal_finder.py`)")
    out = [title, "", f"{d['what']}; {_when(d)}.", "",
           "| core | input MB | articles | references | MB/s (median) | best | worst | MB/s of CPU time (median) | "
           "peak RSS MB |",
           "|---|---|---|---|---|---|---|---|---|"]
    for c in d.get("per_core") or [{"cpu": "–", "results": d["results"]}]:
        for r in c["results"]:
            out.append(f"| {c['cpu']} | {r['input_mb']} | {r['articles']} | {r['references']} | {r['mb_per_s']} | "
                       f"{r.get('mb_per_s_best', '–')} | {r.get('mb_per_s_worst', '–')} | {r.get('cpu_mb_per_s', '–')} | "
                       f"{r['peak_rss_mb']} |")
    return out + [""]


def inference(d: dict) -> list[str]:
    tok = d.get("tokens_per_article")
    budget = f", at most {d['max_tokens']} tokens per batch" if d.get("max_tokens") else ""
    reps = f", median of {d['repeats']} interleaved runs" if d.get("repeats") else ""
    out = [f"## Inference: {d['name']} (`inference.py`)", "",
           f"{d['model']}; {d['articles']} articles ({d.get('windows_per_article', '?')} windows each on average, "
           f"{d['single_window_articles']} fit in one); {d['threads']} threads, batch {d['batch_size']}{budget}, "
           f"device {d.get('device', 'cpu')}{reps}; {_when(d)}. `naive` scores only each article's first window "
           + (f"({tok['naive']} tokens on average) " if tok else "") + "and tags nothing; the other methods score "
           "every window " + (f"({tok['engine']} tokens) " if tok else "") + "and tag legal references.", "",
           "| method | docs/s (min–max) | × naive | tokens/s | × naive per token | peak RSS MB | "
           "labels = engine (single-window articles) | labels = engine (all) |",
           "|---|---|---|---|---|---|---|---|"]
    for m, r in d["methods"].items():
        spread = f" ({r['docs_per_s_min']}–{r['docs_per_s_max']})" if "docs_per_s_min" in r else ""
        out.append(f"| {m} | {r['docs_per_s']}{spread} | {r.get('speedup_vs_naive', '–')} | {r.get('tokens_per_s', '–')} | "
                   f"{r.get('per_token_speedup_vs_naive', '–')} | {r['peak_rss_mb']} | "
                   f"{r.get('label_agreement_with_engine_single_window', '–')} | {r.get('label_agreement_with_engine_all', '–')} |")
    m = d["methods"]
    if "onnx-int8" in m and "onnx-fp32" in m:
        out += ["", f"int8 vs fp32 (ONNX Runtime): {m['onnx-int8']['docs_per_s'] / m['onnx-fp32']['docs_per_s']:.2f}× docs/s."]
    return out + [""]


def ceiling(d: dict) -> list[str]:
    out = [f"## Forward-pass ceiling: {d['name']} (`forward_ceiling.py`)", "",
           f"{d['model']}; bare fp32 forward on random ids, {d['threads']} threads, best of each shape; {_when(d)}.", "",
           "| window length | batch | tokens/s |", "|---|---|---|"]
    out += [f"| {r['length']} | {r['batch']} | {r['tokens_per_s']} |" for r in d["shapes"]]
    fc = d.get("full_coverage")
    if fc:
        out += ["", f"Best {d['best']['tokens_per_s']} tokens/s ÷ {fc['engine_tokens_per_article']} tokens per article "
                f"(every window) = at most **{fc['docs_per_s_ceiling']} docs/s** for any fp32 PyTorch engine that scores "
                f"every window: {fc['ceiling_vs_naive']}× the naive {fc['naive_docs_per_s']} docs/s of `{fc['from']}`."]
    return out + [""]


def train(d: dict) -> list[str]:
    out = [f"## Training throughput: {d['name']} (`train.py`)", "", f"{_when(d)}.", "",
           "| length-grouped | steps | real tokens/s | padding share |", "|---|---|---|---|"]
    for r in d["runs"]:
        out.append(f"| {r['group_by_length']} | {r['steps']} | {r['real_tokens_per_s']} | {r['padding_share']} |")
    return out + ["", f"grouped vs ungrouped: {d['grouped_vs_ungrouped_tokens_per_s']}×", ""]


def memory(d: dict) -> list[str]:
    out = ["## Streaming predict memory (`predict_memory.py`)", "",
           f"{d['model']}, {d['words_per_article']} words per article; {_when(d)}.", "",
           "| articles | input MB | output records | seconds | docs/s | peak RSS MB |", "|---|---|---|---|---|---|"]
    for r in d["runs"]:
        out.append(f"| {r['articles']} | {r['input_mb']} | {r['output_records']} | {r['seconds']} | {r['docs_per_s']} | "
                   f"{r['peak_rss_mb']} |")
    return out + ["", f"peak RSS growth from the smallest to the largest input: {d['rss_growth_mb_smallest_to_largest']} MB", ""]


def gpu(d: dict) -> list[str]:
    return ["## GPU check (`gpu_check.sh`)", "", f"{d.get('gpu')}; {_when(d)}.", "", "```json",
            json.dumps({k: v for k, v in d.items() if k != "recorded"}, indent=2), "```", ""]


def main() -> None:
    kinds = {"legal_finder": legal, "legal_tagger": legal, "inference": inference, "train": train, "predict_memory": memory, "gpu_check": gpu,
             "forward_ceiling": ceiling}
    lines = ["# Benchmark results", "", "Generated by `python benchmarks/summarize.py` from the JSON files in this folder; "
             "do not edit by hand. Commands: see the Benchmarks section of the top-level README.", ""]
    for path in sorted(RES.glob("*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        fn = kinds.get(d.get("benchmark"))
        if fn:
            lines += fn(d)
    (RES / "README.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
