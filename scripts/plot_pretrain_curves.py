"""Held-out MLM loss against training minutes for several pretraining runs, on one plot.

    python scripts/plot_pretrain_curves.py NAME=PATH [NAME=PATH ...] [--out experiments/pretrain-curves]

Each PATH is a ``pretrain_log.json`` (a finished encoder) or a run's work folder (``log.json`` +
``reference.json`` of a run still going or stopped). All runs must share the tokenizer, the held-out
articles and the masking seed for the comparison to mean anything; the script checks what the logs
record (held-out article count, mask probability, seed). The unigram loss of the training stream on
the same held-out targets is drawn when a run recorded it. Writes ``curves.png`` and ``curves.json``.
A run that continued an encoder (``init_from``) whose own log is also given (a PATH under a folder of
that encoder's name, or a log whose ``output_dir`` is that folder) is drawn from where that run ended: its
minutes and tokens are added to the base's (chains of continuations are followed in the order given).
A head-only run (``train_only: head``, the encoder frozen) is drawn dashed.

The plot in ``experiments/pretrain-curves/`` is made by ``scripts/plot_pretrain_curves.sh``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def load(path: Path) -> dict:
    if path.is_dir():
        log = json.loads((path / "log.json").read_text(encoding="utf-8"))
        ref_file = path / "reference.json"
        ref = json.loads(ref_file.read_text(encoding="utf-8")) if ref_file.is_file() else {}
        return {"curve": log["heldout_curve"], "reference": ref, "config": None}
    log = json.loads(path.read_text(encoding="utf-8"))
    return {"curve": log["heldout_curve"], "reference": log.get("reference") or {}, "config": log.get("config")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+", metavar="NAME=PATH")
    ap.add_argument("--out", default="experiments/pretrain-curves")
    a = ap.parse_args()
    runs, folders = {}, {}
    for spec in a.runs:
        name, _, p = spec.partition("=")
        runs[name] = load(Path(p))
        folders[Path(p).parent.name if Path(p).is_file() else Path(p).name] = name
        if (runs[name]["config"] or {}).get("output_dir"):  # the folder it wrote, which a later run may continue
            folders.setdefault(Path(runs[name]["config"]["output_dir"]).name, name)
    for name, r in runs.items():  # a continued run starts where its base encoder's run ended
        base = folders.get(Path((r["config"] or {}).get("init_from") or "").name)
        if base and base != name:
            end = runs[base]["curve"][-1]
            r["curve"] = [dict(x, minutes=round(x["minutes"] + end["minutes"], 2), tokens=x["tokens"] + end["tokens"])
                          for x in r["curve"]]
            r["continues"] = base
    keys = ("heldout_articles", "mask_prob", "seed", "seq_length")
    cfgs = {n: {k: r["config"][k] for k in keys} for n, r in runs.items() if r["config"]}
    if len({json.dumps(c, sort_keys=True) for c in cfgs.values()}) > 1:
        print(f"runs differ in {keys}: {cfgs}", file=sys.stderr)
        return 1
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # minutes are wall-clock training minutes as each run recorded them (threads and machine load differ
    # between runs, so the right panel puts them on the same footing: tokens seen)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    unigram = None
    for name, r in runs.items():
        c = r["curve"]
        style = "o--" if (r["config"] or {}).get("train_only") == "head" else "o-"
        axes[0].plot([x["minutes"] for x in c], [x["heldout_loss"] for x in c], style, ms=3, label=name)
        axes[1].plot([x["tokens"] / 1e6 for x in c], [x["heldout_loss"] for x in c], style, ms=3, label=name)
        unigram = r["reference"].get("unigram_heldout_loss", unigram)
    for ax in axes:
        if unigram is not None:
            ax.axhline(unigram, color="grey", ls="--", label=f"unigram of the training stream ({unigram:.2f})")
        ax.axhline(5.94, color="green", ls=":", label="issue 14 target: loss 5.94 (7.44 - 1.5 nats)")
    axes[0].set(xlabel="training minutes (wall clock, as recorded)", ylabel="held-out MLM loss (nats)",
                title="held-out loss, 15% whole-word masking")
    axes[1].set(xlabel="training tokens seen (millions)", title="same, against tokens")
    axes[1].legend(fontsize=7, loc="upper right")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "curves.png", dpi=120, bbox_inches="tight")
    summary = {n: {"final": r["curve"][-1], "unigram_heldout_loss": r["reference"].get("unigram_heldout_loss"),
                   **({"continues": r["continues"]} if r.get("continues") else {}), "curve": r["curve"]}
               for n, r in runs.items()}
    (out / "curves.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    for n, s in summary.items():
        print(f"{n}: loss {s['final']['heldout_loss']:.3f} after {s['final']['minutes']} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
