"""``arcrime`` command line: a thin layer over the library API.

    arcrime train --config configs/quickstart.yaml
    arcrime evaluate --model models/quickstart --data data/test.jsonl
    arcrime predict --model models/quickstart "نص المقال ..."
    arcrime data validate data/*.jsonl | data build | data hydrate | data stats
    arcrime legal find "..." [--html]
    arcrime serve --model models/quickstart [--host 127.0.0.1] [--port 8000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from .config import DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_CUDA

EXIT_BAD_INPUT = 2


def _overrides(pairs: list[str]) -> dict[str, Any]:
    out = {}
    for p in pairs or []:
        if "=" not in p:
            raise SystemExit(f"--set expects key=value (e.g. train.epochs=1), got {p!r}")
        k, v = p.split("=", 1)
        out[k] = yaml.safe_load(v)
    return out


def cmd_train(a: argparse.Namespace) -> int:
    from .config import load_config
    from .train import train

    cfg = load_config(a.config, _overrides(a.set))
    if cfg.baseline.kind:
        from .baselines import train_baseline

        res = train_baseline(cfg, overwrite=a.overwrite)
    else:
        res = train(cfg, overwrite=a.overwrite, resume=a.resume, strict=a.strict)
    print(json.dumps({k: res[k] for k in ("model_dir", "thresholds") if k in res}, ensure_ascii=False))
    return 0


def cmd_evaluate(a: argparse.Namespace) -> int:
    from .evaluate import evaluate_model

    out = a.out or str(Path("experiments") / f"eval-{Path(a.model).name}-{Path(a.data).stem}")
    evaluate_model(a.model, a.data, out, split=a.split or Path(a.data).stem, device=a.device,
                   batch_size=a.batch_size, overwrite=a.overwrite, strict=a.strict, prefer_int8=not a.fp32)
    print(f"results written to {out}", file=sys.stderr)
    return 0


def cmd_predict(a: argparse.Namespace) -> int:
    from .data import read_predict_input
    from .fileio import atomic_write
    from .predict import Predictor

    if (a.text is None) == (a.input is None):
        raise SystemExit("give exactly one of: an article TEXT, --input FILE, or --input - (stdin)")
    if a.text == "-":
        a.input, a.text = "-", None
    kw = {} if (Path(a.model) / "baseline.json").is_file() else {"legal_refs": a.legal_refs}
    if a.batch_size < 1 or (a.max_tokens is not None and a.max_tokens < 1):
        raise SystemExit("--batch-size and --max-tokens must be >= 1")
    predictor = Predictor.from_pretrained(a.model, device=a.device, batch_size=a.batch_size, prefer_int8=not a.fp32,
                                          max_tokens=a.max_tokens, **kw)
    errors: list[Any] = []
    counts = {"read": 0, "ok": 0}
    skip = 0
    partial = Path(f"{a.output}.partial") if a.output else None
    if a.resume:
        if not partial:
            raise SystemExit("--resume needs --output")
        if partial.is_file():
            skip = _complete_lines(partial)
            print(f"resuming: {skip} article(s) already in {partial}", file=sys.stderr)

    def good():
        done = 0
        for rec, err in read_predict_input(a.input, a.text):
            counts["read"] += 1
            if err is not None:
                errors.append(err)
                print(f"skipped: {err}", file=sys.stderr)
                continue
            if done < skip:
                done += 1
                continue
            yield rec

    def emit(f) -> None:
        from tqdm.auto import tqdm

        for res in tqdm(predictor.predict_records(good()), desc="predict", unit="doc", disable=a.output is None,
                        file=sys.stderr, mininterval=2):
            if not a.verbose:
                for ref in res["legal_refs"]:
                    for k in ("raw_number", "year", "short_form"):
                        ref.pop(k, None)
            f.write(json.dumps(res, ensure_ascii=False) + "\n")
            f.flush()
            counts["ok"] += 1

    if a.output:
        # results stream into <output>.partial (resumable with --resume); renamed when complete
        with open(partial, "a" if skip else "w", encoding="utf-8") as f:
            emit(f)
            os.fsync(f.fileno())
        os.replace(partial, a.output)
        counts["ok"] += skip
    else:
        emit(sys.stdout)
    if errors:
        err_path = a.errors or (f"{a.output}.errors.jsonl" if a.output else None)
        if err_path:
            with atomic_write(err_path) as f:
                for e in errors:
                    f.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")
        print(f"{len(errors)} bad record(s) skipped" + (f", listed in {err_path}" if err_path else ""),
              file=sys.stderr)
    print(f"predicted {counts['ok']} article(s); {len(errors)} reported error(s)", file=sys.stderr)
    if counts["ok"] == 0 or (a.strict and errors):
        return EXIT_BAD_INPUT
    return 0


def _complete_lines(path: Path) -> int:
    """Count complete JSON lines of a partial output; cut off a torn last line."""
    data = path.read_bytes()
    keep = data[: data.rfind(b"\n") + 1]
    n = 0
    good_end = 0
    for line in keep.splitlines(keepends=True):
        try:
            json.loads(line)
        except ValueError:
            break
        n += 1
        good_end += len(line)
    if good_end != len(data):
        with open(path, "r+b") as f:
            f.truncate(good_end)
    return n


def cmd_data(a: argparse.Namespace) -> int:
    from .data import DEFAULT_LABELS, build_corpus, corpus_stats, read_corpus

    if a.data_cmd == "validate":
        total_bad = 0
        for p in a.paths:
            good, errors = read_corpus(p, DEFAULT_LABELS)
            for e in errors:
                print(e)
            print(f"{p}: {len(good)} valid, {len(errors)} problem(s)", file=sys.stderr)
            total_bad += len(errors)
        return 1 if total_bad else 0
    if a.data_cmd == "build":
        counts = build_corpus(a.raw, a.out, seed=a.seed)
        print(json.dumps(counts))
        return 0
    if a.data_cmd == "hydrate":
        import os

        from .real import CORPUS_ENV, hydrate

        corpus = a.corpus or os.environ.get(CORPUS_ENV)
        if not corpus:
            print(f"arcrime data hydrate: give --corpus DIR (the folder holding SaudiNewsNet, antcorpus.multisource.data "
                  f"and antcorpus.data) or set {CORPUS_ENV}; data/real/README.md says how to get them", file=sys.stderr)
            return 2
        res = hydrate(a.real, corpus, a.out)
        n_err = len(res["errors"])
        print(json.dumps({"written": res["written"], "errors": n_err, "out": a.out}))
        if n_err:
            print(f"{n_err} record(s) not hydrated (listed above and in {a.out}/hydrate_errors.jsonl); "
                  f"the others were written", file=sys.stderr)
        return 1 if n_err else 0
    if a.data_cmd == "stats":
        recs = []
        for p in a.paths:
            good, errors = read_corpus(p, DEFAULT_LABELS)
            if errors:
                print(f"{p}: {len(errors)} invalid record(s) not counted; run `arcrime data validate {p}`",
                      file=sys.stderr)
            recs.extend(good)
        from .data import near_duplicates

        layers = {"written": [r for r in recs if not r["meta"].get("real")],
                  "real": [r for r in recs if r["meta"].get("real")]}
        out = {}
        for name, rr in layers.items():
            if not rr:
                continue
            stats = corpus_stats(rr)
            dups = near_duplicates(rr, a.dup_threshold)
            stats["near_duplicates"] = {"threshold": a.dup_threshold, "method": "character 5-gram Jaccard",
                                        "pairs_within_split": [d for d in dups if d["split_a"] == d["split_b"]],
                                        "pairs_across_splits": [d for d in dups if d["split_a"] != d["split_b"]]}
            out[name] = stats
        if not out:
            print("arcrime data stats: no valid record in the given files; run `arcrime data validate` on them",
                  file=sys.stderr)
            return 1
        if a.json:
            print(json.dumps(out if len(out) > 1 else next(iter(out.values())), ensure_ascii=False, indent=2))
        elif len(out) > 1:
            print(format_layers(out))
            for name, stats in out.items():
                print(f"\n== {name} ==\n{format_stats(stats)}")
        else:
            print(format_stats(next(iter(out.values()))))
        return 0
    return 1


def format_layers(layers: dict[str, dict[str, Any]]) -> str:
    """The written corpus and the real-press layer side by side."""
    names = list(layers)
    rows: list[tuple[str, list[Any]]] = [("articles", [s["articles"] for s in layers.values()])]
    for split in ("train", "dev", "test"):
        rows.append((f"  {split}", [s["splits"].get(split, 0) for s in layers.values()]))
    labels = sorted({k for s in layers.values() for k in s["labels"]})
    rows += [(f"{lab}", [s["labels"].get(lab, 0) for s in layers.values()]) for lab in labels]
    for split in ("train", "dev", "test"):
        for lab in labels:
            rows.append((f"  {lab} in {split}", [s.get("labels_per_split", {}).get(split, {}).get(lab, 0)
                                                  for s in layers.values()]))
    rows += [("no label", [s["no_label"] for s in layers.values()]),
             ("hard negatives", [s["hard_negatives"] for s in layers.values()]),
             ("keyword-free share of label instances", [f"{s['keyword_free_share']:.1%}" for s in layers.values()]),
             ("median words", [s["words"]["median"] for s in layers.values()]),
             ("legal spans", [s["legal_spans"] for s in layers.values()]),
             ("spans with unknown instrument", [s.get("spans_unknown_instrument", "–") for s in layers.values()]),
             ("distinct instruments", [s["distinct_instruments"] for s in layers.values()])]
    w = max(len(r[0]) for r in rows) + 2
    lines = [f"{'':<{w}}" + "".join(f"{n:>12}" for n in names)]
    lines += [f"{k:<{w}}" + "".join(f"{str(v):>12}" for v in vals) for k, vals in rows]
    return "\n".join(lines)


def format_stats(s: dict[str, Any]) -> str:
    lines = [f"articles: {s['articles']}   splits: {s['splits']}", "", "label combination      articles"]
    for k, v in s["label_combinations"].items():
        lines.append(f"  {k:<32}{v:>6}")
    lines += ["", "per label: " + ", ".join(f"{k} {v}" for k, v in s["labels"].items()),
              f"no label: {s['no_label']} (hard negatives: {s['hard_negatives']}; "
              f"containing a label keyword: {s['negatives_with_keywords']})",
              f"keyword-free label instances: {s['keyword_free_label_instances']}/{s['label_instances']} "
              f"({s['keyword_free_share']:.1%})",
              f"words per article: min {s['words']['min']}, median {s['words']['median']}, max {s['words']['max']}, "
              f"over 400: {s['words']['over_400']}",
              "countries: " + ", ".join(f"{k} {v}" for k, v in s["countries"].items()),
              "styles: " + ", ".join(f"{k} {v}" for k, v in s["styles"].items()),
              f"legal spans: {s['legal_spans']} {s['span_kinds']}; distinct instruments: {s['distinct_instruments']} "
              f"from {len(s['instrument_countries'])} countries",
              "instrument countries: " + ", ".join(f"{k} {v}" for k, v in s["instrument_countries"].items()),
              "span forms: " + ", ".join(f"{k} {v}" for k, v in s["span_forms"].items()),
              f"articles with a Hijri date: {s['articles_with_hijri_date']}"]
    nd = s.get("near_duplicates")
    if nd:
        lines.append(f"near-duplicates ({nd['method']} >= {nd['threshold']}): "
                     f"{len(nd['pairs_across_splits'])} pair(s) across splits, "
                     f"{len(nd['pairs_within_split'])} within a split")
        for d in nd["pairs_across_splits"][:20]:
            lines.append(f"  ACROSS {d['a']} ({d['split_a']}) ~ {d['b']} ({d['split_b']}): {d['jaccard']}")
    return "\n".join(lines)


def cmd_legal(a: argparse.Namespace) -> int:
    from . import legal

    text = a.text if a.text is not None else Path(a.input).read_text(encoding="utf-8")
    refs = legal.extract(text, country=a.country)
    if a.html:
        print(legal.annotate(text, refs))
    else:
        gaz = legal.load_gazetteer()
        for r in refs:
            d = r.to_dict()
            if r.instrument:  # what a reader needs to check the reference in one step
                inst = gaz[r.instrument]
                d.update(title=inst.name_ar, country=inst.country, source=inst.source)
            print(json.dumps(d, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="arcrime", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    t = sub.add_parser("train", help="fine-tune a model from a YAML config")
    t.add_argument("--config", required=True)
    t.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key (repeatable)")
    t.add_argument("--overwrite", action="store_true", help="replace an existing run/model of the same name")
    t.add_argument("--resume", action="store_true", help="continue from the run's last checkpoint")
    t.add_argument("--strict", action="store_true", help="fail on any invalid training/dev record "
                                                         "(default: report them, write errors_<split>.jsonl, go on)")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="score a model on a corpus-format file")
    e.add_argument("--model", required=True)
    e.add_argument("--data", required=True)
    e.add_argument("--out", help="run folder (default experiments/eval-<model>-<data>)")
    e.add_argument("--split", help="name used in output file names (default: data file stem)")
    e.add_argument("--device", default="auto")
    e.add_argument("--batch-size", type=int, default=32)
    e.add_argument("--overwrite", action="store_true")
    e.add_argument("--strict", action="store_true", help="fail on any invalid record")
    e.add_argument("--fp32", action="store_true", help="for an ONNX export folder: use model.onnx, not the int8 one")
    e.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="label articles and tag their legal references")
    p.add_argument("--model", required=True)
    p.add_argument("text", nargs="?", help="an article text, or - for stdin")
    p.add_argument("--input", help="JSONL (id, text) or plain text (blank-line separated), or - for stdin")
    p.add_argument("--output", help="write JSONL here (atomically) instead of stdout")
    p.add_argument("--errors", help="where to list bad input records (default <output>.errors.jsonl)")
    p.add_argument("--device", default="auto")
    p.add_argument("--batch-size", type=int, default=32, help="at most this many windows per forward pass")
    p.add_argument("--max-tokens", type=int,
                   help="at most this many padded tokens (windows x longest window) per forward pass (default "
                        f"{DEFAULT_MAX_TOKENS} on CPU, where long windows are faster in small batches; "
                        f"{DEFAULT_MAX_TOKENS_CUDA} on CUDA)")
    p.add_argument("--legal-refs", choices=["rules", "model", "model+rules"], default="rules",
                   help="where legal references come from: the rule-based finder (default; the most accurate "
                        "on the test split, see experiments/RESULTS.md), the model's token tagger, or both")
    p.add_argument("--strict", action="store_true", help="exit non-zero if any input record is bad")
    p.add_argument("--verbose", action="store_true", help="include raw instrument numbers in legal_refs")
    p.add_argument("--fp32", action="store_true", help="for an ONNX export folder: use model.onnx, not the int8 one")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from <output>.partial (same input, same order)")
    p.set_defaults(func=cmd_predict)

    d = sub.add_parser("data", help="corpus tools")
    dsub = d.add_subparsers(dest="data_cmd", required=True)
    v = dsub.add_parser("validate", help="check corpus JSONL files; one line per problem")
    v.add_argument("paths", nargs="+")
    b = dsub.add_parser("build", help="build train/dev/test from data/raw (frozen splits)")
    b.add_argument("--raw", default="data/raw")
    b.add_argument("--out", default="data")
    b.add_argument("--seed", type=int, default=13)
    h = dsub.add_parser("hydrate", help="join data/real annotations with your copy of the public news corpora")
    h.add_argument("--corpus", help="folder holding SaudiNewsNet/, antcorpus.multisource.data/, antcorpus.data/ "
                                    "(default: $ARCRIME_REAL_CORPUS)")
    h.add_argument("--real", default="data/real", help="folder of annotation records (*.jsonl)")
    h.add_argument("--out", default="data/real/hydrated", help="output folder (git-ignored)")
    s = dsub.add_parser("stats", help="corpus statistics")
    s.add_argument("paths", nargs="+")
    s.add_argument("--json", action="store_true")
    s.add_argument("--dup-threshold", type=float, default=0.5,
                   help="report cross-split pairs with character 5-gram Jaccard >= this")
    d.set_defaults(func=cmd_data)

    lg = sub.add_parser("legal", help="rule-based legal-reference finder")
    lsub = lg.add_subparsers(dest="legal_cmd", required=True)
    f = lsub.add_parser("find", help="find and resolve legal references")
    f.add_argument("text", nargs="?")
    f.add_argument("--input")
    f.add_argument("--country", help="ISO code to disambiguate names like قانون العقوبات")
    f.add_argument("--html", action="store_true", help="print annotated HTML")
    lg.set_defaults(func=cmd_legal)

    pt = sub.add_parser("pretrain", help="pretrain a small Arabic BERT with masked-LM on unlabeled news")
    pt.add_argument("--config", required=True)
    pt.add_argument("--corpus", required=True, help="folder of .txt/.txt.xz files, one article per line")
    pt.add_argument("--set", action="append", metavar="KEY=VALUE")
    pt.add_argument("--resume", action="store_true")
    pt.add_argument("--overwrite", action="store_true")
    pt.set_defaults(func=cmd_pretrain)

    x = sub.add_parser("export", help="export a trained model to ONNX (optionally int8) for ONNX Runtime")
    x.add_argument("--model", required=True)
    x.add_argument("--out", required=True)
    x.add_argument("--onnx", action="store_true", required=True, help="export format (ONNX is the only one)")
    x.add_argument("--int8", action="store_true", help="also write a dynamically quantized int8 model")
    x.add_argument("--overwrite", action="store_true")
    x.set_defaults(func=cmd_export)

    c = sub.add_parser("cv", help="stratified k-fold cross-validation on train+dev")
    c.add_argument("--config", required=True)
    c.add_argument("--folds", type=int, default=5)
    c.add_argument("--seeds", type=int, nargs="+", help="seeds to repeat the CV with (default: the config's)")
    c.add_argument("--set", action="append", metavar="KEY=VALUE")
    c.add_argument("--overwrite", action="store_true")
    c.set_defaults(func=cmd_cv)

    r = sub.add_parser("report", help="rebuild experiments/RESULTS.md from recorded runs")
    r.add_argument("--experiments", default="experiments")
    r.set_defaults(func=cmd_report)

    sv = sub.add_parser("serve", help="the analyst's web page and the REST API (needs the [serve] extra)")
    sv.add_argument("--model", required=True)
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--device", default="auto")
    sv.add_argument("--legal-refs", choices=["rules", "model", "model+rules"], default="rules",
                    help="where legal references come from (as for predict)")
    sv.set_defaults(func=cmd_serve)
    return ap


def cmd_pretrain(a: argparse.Namespace) -> int:
    from .pretrain import load_pretrain_config, pretrain

    cfg = load_pretrain_config(a.config, _overrides(a.set))
    info = pretrain(cfg, a.corpus, resume=a.resume, overwrite=a.overwrite)
    print(json.dumps({k: info[k] for k in ("steps", "tokens_seen", "tokens_per_second", "final_heldout_perplexity")}))
    return 0


def cmd_export(a: argparse.Namespace) -> int:
    from .export import export_onnx

    print(json.dumps(export_onnx(a.model, a.out, int8=a.int8, overwrite=a.overwrite)))
    return 0


def cmd_cv(a: argparse.Namespace) -> int:
    from .config import load_config
    from .cv import cross_validate

    cfg = load_config(a.config, _overrides(a.set))
    if a.folds < 2:
        raise SystemExit("--folds must be at least 2")
    summary = cross_validate(cfg, a.folds, a.seeds, overwrite=a.overwrite)
    print(json.dumps({"macro_f1": summary["macro_f1"], "per_label_f1": summary["per_label_f1"]}))
    return 0


def cmd_serve(a: argparse.Namespace) -> int:
    try:
        from .serve.app import serve
    except ImportError as e:
        raise SystemExit(f"arcrime serve needs FastAPI and uvicorn ({e}); install them with: pip install -e \".[serve]\"")
    if not Path(a.model).is_dir():
        raise FileNotFoundError(f"{a.model}: no such model folder; train one first (scripts/quickstart.sh writes "
                                "models/quickstart)")
    if a.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"arcrime serve: listening on {a.host}: other machines on the network can use this server",
              file=sys.stderr)
    print(f"arcrime serve: loading {a.model} ...", file=sys.stderr)
    serve(a.model, host=a.host, port=a.port, device=a.device, legal_refs=a.legal_refs)
    return 0


def cmd_report(a: argparse.Namespace) -> int:
    from .report import write_report

    path = write_report(a.experiments)
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    from .config import ConfigError
    from .data import DataError
    from .fileio import OutputExistsError
    from .model import ModelLoadError

    try:
        return args.func(args)
    except (ConfigError, DataError, ModelLoadError, OutputExistsError, FileNotFoundError, ValueError) as e:
        print(f"arcrime: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("arcrime: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
