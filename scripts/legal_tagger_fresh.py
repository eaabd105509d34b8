"""How the legal span tagger does on press it has never seen: each draw of the legal split, scored
before the finder round that used it.

For each draw d with a record ``experiments/legal-finder/before-round*-draw<d>.json`` (made when the
draw was annotated, before any rule was written for it):
1. the tagger (this checkout's code) is trained on the legal split's earlier draws (< d) and the real
   train split (``--written``: and the written train split), and tags draw d;
2. the rules are run as they stood at that record's commit (a temporary ``git worktree``), which also
   resolves the tagger's spans and computes the rules-first merge (``legal.merge_with_rules``);
3. rules, tagger, rules-first and tagger-first (``legal.tagger_first``, with the rules' links and with the
   tagger's, and at each ``min_confidence`` of ``SWEEP``) are scored on draw d's gold. The value with the best
   pooled exact F1 is the one to put in ``TaggerConfig.min_confidence``.

Only development data is read (the legal split, real train, written train); no test split.

Usage: python scripts/legal_tagger_fresh.py [--draws 2 3 ...] [--written] [--record FILE.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arcrime import legal  # noqa: E402
from arcrime.corpus import read_corpus  # noqa: E402
from arcrime.fileio import write_json  # noqa: E402
from arcrime.legal.tagger import LegalTagger, TaggerConfig  # noqa: E402
from arcrime.metrics import span_metrics  # noqa: E402
from arcrime.runs import git_info, package_versions  # noqa: E402

# tagger+rules at these min_confidence values (the tagger's spans less confident than it left out)
SWEEP = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
LEGAL = ROOT / "data/real/hydrated/real_legal.jsonl"
REAL_TRAIN = ROOT / "data/real/hydrated/real_train.jsonl"
WRITTEN_TRAIN = ROOT / "data/train.jsonl"

# run inside the old worktree: its rules, its resolver for the tagger's spans, its rules-first merge
OLD_SIDE = r"""
import json, sys
from arcrime import legal
if not legal.__file__.startswith(sys.argv[4]):
    raise SystemExit(f"the old rules did not load from {sys.argv[4]} but from {legal.__file__}")
spans = json.load(open(sys.argv[1]))
records = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
out = {}
for r in records:
    if r["id"] not in spans:
        continue
    rules = [x.to_dict() for x in legal.extract(r["text"], **legal.source_hints(r))]
    tagged = legal.link_spans(r["text"], spans[r["id"]])
    out[r["id"]] = {"rules": rules, "tagger": tagged, "rules_first": legal.merge_with_rules(r["text"], tagged)}
json.dump(out, open(sys.argv[3], "w"))
"""


def _read(path: Path) -> list[dict]:
    records, errors = read_corpus(path, require_labels=False)
    if errors:
        raise SystemExit(f"{path}: {len(errors)} invalid record(s), first: {errors[0]}")
    return records


def before_records() -> dict[int, dict]:
    out = {}
    for p in sorted((ROOT / "experiments/legal-finder").glob("before-round*-draw*.json")):
        d = int(p.stem.rsplit("draw", 1)[1])
        out[d] = {"record": p.name, **json.loads(p.read_text(encoding="utf-8"))["git"]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, nargs="*", help="draws to score (default: every draw with a before record)")
    ap.add_argument("--written", action="store_true", help="train the tagger on the written train split too")
    ap.add_argument("--max-iterations", type=int, default=100)
    ap.add_argument("--record", metavar="FILE.json", help="write the scores with commit, command and versions")
    a = ap.parse_args()
    git = git_info(ROOT)  # the code that runs, read before it runs
    legal_split = _read(LEGAL)
    extra = _read(REAL_TRAIN) + (_read(WRITTEN_TRAIN) if a.written else [])
    befores = before_records()
    draws = a.draws or sorted(befores)
    cfg = TaggerConfig(max_iterations=a.max_iterations)
    results: dict[str, dict] = {}
    modes = ("rules", "tagger", "rules_first", "tagger_first", "tagger_first_tagger_links",
             *(f"tagger_first@{t}" for t in SWEEP))
    pooled: dict[str, tuple[list, list]] = {m: ([], []) for m in modes}
    by_draw: dict[int, tuple[list, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="arcrime-fresh-") as tmp:
        tmp = Path(tmp)
        for d in draws:
            if d not in befores or befores[d].get("dirty"):
                raise SystemExit(f"draw {d}: no clean before-round record in experiments/legal-finder")
            commit = befores[d]["commit"]
            train = [r for r in legal_split if r["meta"]["draw"] < d] + extra
            test = [r for r in legal_split if r["meta"]["draw"] == d]
            tagger = LegalTagger.train(train, cfg)
            (tmp / "spans.json").write_text(json.dumps({r["id"]: tagger.tag(r["text"]) for r in test}))
            wt = tmp / f"rules{d}"
            subprocess.run(["git", "worktree", "add", "--quiet", "--detach", str(wt), commit], cwd=ROOT, check=True)
            try:
                subprocess.run([sys.executable, "-c", OLD_SIDE, str(tmp / "spans.json"), str(LEGAL), str(tmp / "old.json"),
                                str(wt / "src")], env={**os.environ, "PYTHONPATH": str(wt / "src")}, check=True)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(wt)], cwd=ROOT)
            old = json.loads((tmp / "old.json").read_text())
            spans = json.loads((tmp / "spans.json").read_text())
            for rid, o in old.items():  # the old resolver drops the tagger's confidence: put it back
                conf = {(x["start"], x["end"]): x["confidence"] for x in spans[rid]}
                for x in o["tagger"]:
                    x["confidence"] = conf[(x["start"], x["end"])]
            gold = [r["legal_refs"] for r in test]
            preds = {m: [] for m in modes}
            for r in test:
                o = old[r["id"]]
                preds["rules"].append(o["rules"])
                preds["tagger"].append(o["tagger"])
                preds["rules_first"].append(o["rules_first"])
                tau = cfg.min_confidence
                preds["tagger_first"].append(legal.tagger_first(o["tagger"], o["rules"], min_confidence=tau))
                preds["tagger_first_tagger_links"].append(legal.tagger_first(o["tagger"], o["rules"], links="tagger",
                                                                             min_confidence=tau))
                for t in SWEEP:
                    preds[f"tagger_first@{t}"].append(legal.tagger_first(o["tagger"], o["rules"], min_confidence=t))
            row = {"rules_commit": commit, "before_record": befores[d]["record"], "articles": len(test),
                   "train_records": len(train), "train_legal_spans": sum(len(r["legal_refs"]) for r in train)}
            for m in modes:
                s = span_metrics(gold, preds[m])
                row[m] = {"exact_f1": s["exact"]["f1"], "overlap_f1": s["overlap"]["f1"], "pairs_f1": s["doc_pairs"]["f1"],
                          "n_pred": s["n_pred"], "n_gold": s["n_gold"]}
                pooled[m][0].extend(gold)
                pooled[m][1].extend(preds[m])
            results[f"draw {d}"] = row
            by_draw[d] = (gold, {t: preds[f"tagger_first@{t}"] for t in SWEEP})
            print(f"draw {d} (rules {commit[:8]}, {len(test)} articles): " + " | ".join(
                f"{m} {row[m]['exact_f1']:.3f}/{row[m]['overlap_f1']:.3f}/{row[m]['pairs_f1']:.3f}" for m in modes[:5]),
                flush=True)
    pooled_scores = {}
    for m in modes:
        s = span_metrics(*pooled[m])
        pooled_scores[m] = {"exact_f1": s["exact"]["f1"], "overlap_f1": s["overlap"]["f1"], "pairs_f1": s["doc_pairs"]["f1"],
                            "n_pred": s["n_pred"], "n_gold": s["n_gold"]}
    print("pooled: " + " | ".join(f"{m} {pooled_scores[m]['exact_f1']:.3f}/{pooled_scores[m]['overlap_f1']:.3f}/"
                                  f"{pooled_scores[m]['pairs_f1']:.3f}" for m in modes))
    best = max(SWEEP, key=lambda t: (pooled_scores[f"tagger_first@{t}"]["exact_f1"], -t))
    # the threshold chosen without the draw it is scored on: for each draw, the best pooled exact F1 of the others
    lodo_choice, lodo_gold, lodo_pred = {}, [], []
    for d, (gold, by_t) in by_draw.items():
        def others(t: float) -> float:
            g = [x for e, (gg, _) in by_draw.items() if e != d for x in gg]
            p = [x for e, (_, bt) in by_draw.items() if e != d for x in bt[t]]
            return span_metrics(g, p)["exact"]["f1"]
        lodo_choice[f"draw {d}"] = max(SWEEP, key=lambda t: (others(t), -t)) if len(by_draw) > 1 else cfg.min_confidence
        lodo_gold += gold
        lodo_pred += by_t[lodo_choice[f"draw {d}"]]
    s = span_metrics(lodo_gold, lodo_pred)
    lodo = {"exact_f1": s["exact"]["f1"], "overlap_f1": s["overlap"]["f1"], "pairs_f1": s["doc_pairs"]["f1"],
            "n_pred": s["n_pred"], "n_gold": s["n_gold"], "choices": lodo_choice}
    print(f"tagger first, min_confidence chosen leaving each draw out: {lodo['exact_f1']:.3f}/{lodo['overlap_f1']:.3f}/"
          f"{lodo['pairs_f1']:.3f} {lodo_choice}")
    if a.record:
        write_json(a.record, {
            "what": "legal span tagger vs rules on each draw of the legal split, before the finder round that used it",
            "command": "python scripts/legal_tagger_fresh.py " + " ".join(sys.argv[1:]),
            "git": git, "packages": package_versions(), "tagger_config": cfg.__dict__,
            "tagger_trained_on": "legal split draws before d + real train" + (" + written train" if a.written else ""),
            "draws": results, "pooled": pooled_scores,
            "min_confidence_sweep": {"values": list(SWEEP), "best_by_pooled_exact_f1": best,
                                     "chosen_leaving_each_draw_out": lodo}})


if __name__ == "__main__":
    main()
