"""``arcrime`` command line: a thin layer over the library API.

    arcrime train --config configs/quickstart.yaml
    arcrime evaluate --model models/quickstart --data data/test.jsonl
    arcrime predict --model models/quickstart "نص المقال ..."
    arcrime predict --model models/quickstart --input articles/ --format csv --output out.csv
    arcrime data validate data/*.jsonl | data build | data hydrate | data silver | data domain | data stats
    arcrime legal find "..." [--html]
    arcrime serve --model models/quickstart [--host 127.0.0.1] [--port 8000]

Messages go to stderr (-q: warnings and errors only; -v: debug too); results go to stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from .config import DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_CUDA

EXIT_BAD_INPUT = 2

logger = logging.getLogger("arcrime.cli")


class UsageError(ValueError):
    """A bad combination of command-line arguments (reported in one line, exit code 2)."""


# ---------------------------------------------------------------- logging

class _StderrHandler(logging.StreamHandler):
    """A handler that writes to whatever ``sys.stderr`` is when a message is logged."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        if record.levelno >= logging.ERROR:
            msg = f"arcrime: error: {msg}"
        elif record.levelno <= logging.DEBUG:
            msg = f"[{record.name}] {msg}"
        if record.exc_info and record.levelno <= logging.DEBUG:
            msg += "\n" + self.formatException(record.exc_info)
        return msg


def setup_logging(verbosity: int = 0) -> None:
    """Send the ``arcrime`` loggers to stderr: ``verbosity`` -1 shows warnings and errors, 0 info
    too, 1 debug too."""
    root = logging.getLogger("arcrime")
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):
        h = _StderrHandler()
        h.setFormatter(_Formatter())
        root.addHandler(h)
    root.setLevel(logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG)
    if verbosity < 0:  # -q: no progress bars, transformers' weight-loading bars included
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


# ---------------------------------------------------------------- helpers

def _overrides(pairs: list[str]) -> dict[str, Any]:
    out = {}
    for p in pairs or []:
        if "=" not in p:
            raise UsageError(f"--set expects key=value (e.g. train.epochs=1), got {p!r}")
        k, v = p.split("=", 1)
        out[k] = yaml.safe_load(v)
    return out


def _check_device(device: str) -> None:
    """Fail before loading anything when the device is not on this machine (:class:`DeviceError`)."""
    from .inference import resolve_device

    resolve_device(device)


def _is_path(text: str) -> bool:
    """True when an article TEXT is the name of an existing file or folder (a forgotten --input)."""
    try:
        return "\n" not in text and len(text.encode("utf-8")) < 4096 and Path(text).exists()
    except (OSError, ValueError):
        return False


def _read_stdin() -> str:
    raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UsageError(f"stdin: invalid UTF-8 at byte {e.start}; pipe in UTF-8 text") from None


def _read_text_file(path: str) -> str:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UsageError(f"{path}: invalid UTF-8 at byte {e.start}; re-encode the file as UTF-8") from None


# ---------------------------------------------------------------- commands

def cmd_train(a: argparse.Namespace) -> int:
    from .config import load_config
    from .training import train

    cfg = load_config(a.config, _overrides(a.set))
    res = train(cfg, overwrite=a.overwrite, resume=a.resume, strict=a.strict)  # the BERT model or a baseline
    print(json.dumps({k: res[k] for k in ("model_dir", "thresholds") if k in res}, ensure_ascii=False))
    return 0


def cmd_evaluate(a: argparse.Namespace) -> int:
    from .evaluation import evaluate_model

    _check_device(a.device)
    out = a.out or str(Path("experiments") / f"eval-{Path(a.model).name}-{Path(a.data).stem}")
    evaluate_model(a.model, a.data, out, split=a.split or Path(a.data).stem, device=a.device,
                   batch_size=a.batch_size, overwrite=a.overwrite, strict=a.strict, prefer_int8=not a.fp32,
                   keyword_gate=a.keyword_gate, legal_tagger=a.legal_tagger)
    logger.info("results written to %s", out)
    return 0


def cmd_predict(a: argparse.Namespace) -> int:
    from .corpus import read_predict_input
    from .inference import default_model, load
    from .output import write_predictions

    if a.model is None:
        a.model = str(default_model())
        logger.info("using the released model %s (pass --model to choose another)", a.model)
    if a.text is not None and a.input is not None:
        raise UsageError("give an article TEXT or --input, not both")
    if a.text is None and a.input is None:
        raise UsageError("give an article TEXT, --input FILE, --input DIR (of .txt files) or - for stdin")
    if a.text == "-":
        a.input, a.text = "-", None
    elif a.text is not None and _is_path(a.text):
        logger.warning("predicting the text %r itself; to read that file or folder, use --input %s", a.text, a.text)
    if (a.batch_size is not None and a.batch_size < 1) or (a.max_tokens is not None and a.max_tokens < 1):
        raise UsageError("--batch-size and --max-tokens must be >= 1")
    if a.resume and not a.output:
        raise UsageError("--resume needs --output: only a file output can be resumed")
    if a.input not in (None, "-") and not Path(a.input).exists():
        raise FileNotFoundError(f"{a.input}: no such file or folder")
    fmt = a.format or ("csv" if a.output and Path(a.output).suffix.lower() == ".csv" else "jsonl")
    _check_device(a.device)
    # engine settings only when given (a baseline has no engine and ignores them)
    engine = {k: v for k, v in (("batch_size", a.batch_size), ("max_tokens", a.max_tokens)) if v is not None}
    if a.keyword_gate:
        engine["keyword_gate"] = True
    predictor = load(a.model, device=a.device, prefer_int8=not a.fp32, **engine)
    if a.legal_tagger:
        from .legal.tagger import LegalTagger
        from .tagging import TaggedPredictor

        if a.legal_refs not in (None, "rules"):
            raise UsageError("--legal-tagger gives the references of the tagger and the rules; drop --legal-refs")
        predictor = TaggedPredictor(predictor, LegalTagger.load(a.legal_tagger))
        a.legal_refs = "tagger+rules"
    res = write_predictions(predictor, read_predict_input(a.input, a.text), output=a.output, fmt=fmt,
                            resume=a.resume, verbose=a.verbose, legal_refs=a.legal_refs, errors_path=a.errors)
    if res.errors:
        logger.warning("%d bad record(s) skipped%s", len(res.errors),
                       f", listed in {res.errors_path}" if res.errors_path else "")
    logger.info("predicted %d article(s); %d reported error(s)", res.predicted, len(res.errors))
    if res.predicted == 0:
        logger.error("no article predicted: every input record was bad (see the problems above)")
        return EXIT_BAD_INPUT
    if a.strict and res.errors:
        logger.error("--strict: %d bad input record(s)", len(res.errors))
        return EXIT_BAD_INPUT
    return 0


def _corpus_dir(a: argparse.Namespace, cmd: str) -> str | None:
    """``--corpus`` or ``$ARCRIME_REAL_CORPUS``; logs how to fix it and returns None when neither is set."""
    from .real import CORPUS_ENV

    corpus = a.corpus or os.environ.get(CORPUS_ENV)
    if not corpus:
        logger.error("data %s: give --corpus DIR (the folder holding the public corpora) or set %s", cmd, CORPUS_ENV)
    return corpus


def cmd_data(a: argparse.Namespace) -> int:
    from .config import DEFAULT_LABELS
    from .corpus import read_corpus

    if a.data_cmd == "validate":
        total_bad = 0
        for p in a.paths:
            good, errors = read_corpus(p, DEFAULT_LABELS)
            for e in errors:
                print(e)
            logger.info("%s: %d valid, %d problem(s)", p, len(good), len(errors))
            total_bad += len(errors)
        return 1 if total_bad else 0
    if a.data_cmd == "build":
        from .build import build_corpus

        counts = build_corpus(a.raw, a.out, seed=a.seed)
        print(json.dumps(counts))
        return 0
    if a.data_cmd == "hydrate":
        from .real import CORPUS_ENV, hydrate

        corpus = a.corpus or os.environ.get(CORPUS_ENV)
        if not corpus:
            logger.error("data hydrate: give --corpus DIR (the folder holding SaudiNewsNet, "
                         "antcorpus.multisource.data and antcorpus.data) or set %s; data/real/README.md says how "
                         "to get them", CORPUS_ENV)
            return EXIT_BAD_INPUT
        res = hydrate(a.real, corpus, a.out)
        n_err = len(res["errors"])
        print(json.dumps({"written": res["written"], "errors": n_err, "out": a.out}))
        if n_err:
            logger.warning("%d record(s) not hydrated (listed above and in %s/hydrate_errors.jsonl); the others "
                           "were written", n_err, a.out)
        return 1 if n_err else 0
    if a.data_cmd == "silver":
        from .silver import build_silver

        corpus = _corpus_dir(a, "silver")
        if not corpus:
            return EXIT_BAD_INPUT
        if a.negatives < 0 or not 0.0 < a.max_similarity <= 1.0:
            logger.error("data silver: --negatives must be >= 0 (got %s) and --max-similarity in (0, 1] (got %s)",
                         a.negatives, a.max_similarity)
            return EXIT_BAD_INPUT
        print(json.dumps(build_silver(a.real, corpus, a.out, negatives=a.negatives, seed=a.seed,
                                      max_similarity=a.max_similarity)))
        return 0
    if a.data_cmd == "domain":
        from .domain import build_domain_corpus

        corpus = _corpus_dir(a, "domain")
        if not corpus:
            return EXIT_BAD_INPUT
        if a.min_terms < 1 or not 0.0 < a.max_similarity <= 1.0:
            logger.error("data domain: --min-terms must be >= 1 (got %s) and --max-similarity in (0, 1] (got %s)",
                         a.min_terms, a.max_similarity)
            return EXIT_BAD_INPUT
        print(json.dumps(build_domain_corpus(a.real, corpus, a.out, written=a.written, min_terms=a.min_terms,
                                             seed=a.seed, max_similarity=a.max_similarity)))
        return 0
    if a.data_cmd == "stats":
        from .stats import format_layers, format_stats, layer_stats

        recs = []
        for p in a.paths:
            good, errors = read_corpus(p, DEFAULT_LABELS)
            if errors:
                logger.warning("%s: %d invalid record(s) not counted; run `arcrime data validate %s`",
                               p, len(errors), p)
            recs.extend(good)
        out = layer_stats(recs, a.dup_threshold)
        if not out:
            logger.error("data stats: no valid record in the given files; run `arcrime data validate` on them")
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


def cmd_legal(a: argparse.Namespace) -> int:
    from . import legal

    if a.text is not None and a.input is not None:
        raise UsageError("legal find: give a TEXT or --input FILE, not both")
    if a.text is None and a.input is None:
        raise UsageError("legal find: give a TEXT, --input FILE or - for stdin")
    if a.text == "-" or a.input == "-":
        text = _read_stdin()
    elif a.text is not None:
        text = a.text
    else:
        text = _read_text_file(a.input)
    refs = legal.extract(text, country=a.country)
    if a.tagger:
        from .legal.tagger import LegalTagger

        _, out = legal.with_tagger(LegalTagger.load(a.tagger), text, [r.to_dict() for r in refs], a.country)
        refs = [legal.LegalReference(**dict(d, articles=tuple(d.get("articles") or ()))) for d in out]
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


def cmd_train_tagger(a: argparse.Namespace) -> int:
    from .legal.tagger import TaggerConfig
    from .tagging import train_tagger

    cfg = TaggerConfig(c1=a.c1, c2=a.c2, max_iterations=a.max_iterations,
                       **({"min_confidence": a.min_confidence} if a.min_confidence is not None else {}))
    res = train_tagger(a.data, a.out, cfg, dev=a.dev or (), record=a.record, overwrite=a.overwrite)
    print(json.dumps({k: res[k] for k in ("tagger", "train_seconds", "dev")}, ensure_ascii=False))
    return 0


def cmd_pretrain(a: argparse.Namespace) -> int:
    from .pretrain import load_pretrain_config, pretrain

    cfg = load_pretrain_config(a.config, _overrides(a.set))
    info = pretrain(cfg, a.corpus, resume=a.resume, overwrite=a.overwrite)
    print(json.dumps({k: info[k] for k in ("steps", "tokens_seen", "tokens_per_second", "final_heldout_perplexity")}))
    return 0


def cmd_convert(a: argparse.Namespace) -> int:
    from .convert import convert_legacy

    out = convert_legacy(a.old, a.new, overwrite=a.overwrite)
    logger.info("wrote %s (config.json, model.safetensors, tokenizer, README.md)", out)
    return 0


def cmd_export(a: argparse.Namespace) -> int:
    from .export import export_onnx

    print(json.dumps(export_onnx(a.model, a.out, int8=a.int8, overwrite=a.overwrite)))
    return 0


def cmd_cv(a: argparse.Namespace) -> int:
    from .config import load_config
    from .cv import cross_validate

    if a.folds < 2:
        raise UsageError("--folds must be at least 2")
    cfg = load_config(a.config, _overrides(a.set))
    summary = cross_validate(cfg, a.folds, a.seeds, overwrite=a.overwrite)
    print(json.dumps({"macro_f1": summary["macro_f1"], "per_label_f1": summary["per_label_f1"]}))
    return 0


def cmd_serve(a: argparse.Namespace) -> int:
    try:
        from .serve.app import serve
    except ImportError as e:
        raise UsageError(f"arcrime serve needs FastAPI and uvicorn ({e}); install them with: "
                         "pip install -e \".[serve]\"") from None
    if a.model is None:
        from .inference import default_model

        a.model = str(default_model())
    if not Path(a.model).is_dir():
        raise FileNotFoundError(f"{a.model}: no such model folder; train one first (scripts/quickstart.sh writes "
                                "models/quickstart)")
    _check_device(a.device)
    if a.host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning("serve: listening on %s: other machines on the network can use this server", a.host)
    logger.info("serve: loading %s ...", a.model)
    if a.legal_tagger and a.legal_refs != "rules":
        raise UsageError("--legal-tagger gives the references of the tagger and the rules; drop --legal-refs")
    serve(a.model, host=a.host, port=a.port, device=a.device, legal_refs=a.legal_refs, legal_tagger=a.legal_tagger)
    return 0


def _read_dev_files(paths: list[str], what: str) -> list[dict[str, Any]]:
    """The records of dev files to fit on: a test split is refused, and so is a file with an invalid
    record (each listed) or with none."""
    from .corpus import DataError, read_corpus

    records: list[dict[str, Any]] = []
    for path in paths:
        if "test" in Path(path).stem:
            raise UsageError(f"{path}: {what} on dev files only, never on a test split")
        recs, errors = read_corpus(path)
        if errors:
            for e in errors[:20]:
                logger.warning("  %s", e)
            raise DataError(f"{path}: {len(errors)} invalid record(s); fix them (listed above) before fitting", errors)
        if not recs:
            raise DataError(f"{path}: no record to fit on; give a labelled dev file (e.g. data/real/hydrated/"
                            "real_dev.jsonl after `arcrime data hydrate`)")
        records += recs
    return records


def cmd_calibrate(a: argparse.Namespace) -> int:
    from .calibrate import recalibrate
    from .runs import RunRecord

    _check_device(a.device)
    records = _read_dev_files(a.dev, "a model is calibrated and its thresholds are chosen")
    run = RunRecord(a.record, "calibrate", None, None) if a.record else None
    res = recalibrate(a.model, records, a.out, method=a.method, device=a.device, overwrite=a.overwrite,
                      dev_files=list(a.dev))
    if run is not None:
        run.finish(model=a.out, dev_files=list(a.dev), **res)
    print(json.dumps({"model_dir": res["model_dir"], "method": res["method"],
                      "thresholds": res["after"]["thresholds"], "dev_macro_f1": res["after"]["macro_f1"]},
                     ensure_ascii=False))
    return 0


def cmd_hybrid(a: argparse.Namespace) -> int:
    from .hybrid import fit_hybrid
    from .runs import RunRecord

    _check_device(a.device)
    records = _read_dev_files(a.dev, "the hybrid is fitted and chosen")
    run = RunRecord(a.record, "hybrid", None, a.seed) if a.record else None
    res = fit_hybrid(a.bert, a.tfidf, records, a.out, features=a.features, folds=a.folds, repeats=a.repeats,
                     seed=a.seed, c=a.C, device=a.device, overwrite=a.overwrite, dev_files=list(a.dev))
    if run is not None:
        run.finish(model_dir=a.out, model=f"stacked hybrid ({' + '.join(res['features'])}; {a.bert})", bert=a.bert,
                   tfidf=a.tfidf, dev_files=list(a.dev), **{k: v for k, v in res.items() if k != "model_dir"})
    print(json.dumps({k: res[k] for k in ("model_dir", "features", "thresholds")}, ensure_ascii=False))
    return 0


def cmd_report(a: argparse.Namespace) -> int:
    from .report import write_report

    path = write_report(a.experiments)
    logger.info("wrote %s", path)
    return 0


# ---------------------------------------------------------------- arguments

def _log_flags(parser: argparse.ArgumentParser, sub: bool = False) -> None:
    """-q/-v, before the command (``arcrime -q predict``) or after it (``arcrime predict -q``)."""
    d = {"default": argparse.SUPPRESS} if sub else {"default": False}
    g = parser.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true", help="show warnings and errors only (no progress bars)", **d)
    # after `predict`, --verbose means verbose legal references, so a command takes only the short -v
    g.add_argument(*(("-v",) if sub else ("-v", "--verbose")), dest="log_verbose", action="store_true",
                   help="show debug messages too", **d)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="arcrime", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _log_flags(ap)
    common = argparse.ArgumentParser(add_help=False)
    _log_flags(common, sub=True)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def command(name: str, **kw: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], **kw)

    t = command("train", help="fine-tune a model from a YAML config")
    t.add_argument("--config", required=True)
    t.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key (repeatable)")
    t.add_argument("--overwrite", action="store_true", help="replace an existing run/model of the same name")
    t.add_argument("--resume", action="store_true", help="continue from the run's last checkpoint")
    t.add_argument("--strict", action="store_true", help="fail on any invalid training/dev record "
                                                         "(default: report them, write errors_<split>.jsonl, go on)")
    t.set_defaults(func=cmd_train)

    e = command("evaluate", help="score a model on a corpus-format file")
    e.add_argument("--model", required=True)
    e.add_argument("--data", required=True)
    e.add_argument("--out", help="run folder (default experiments/eval-<model>-<data>)")
    e.add_argument("--split", help="name used in output file names (default: data file stem)")
    e.add_argument("--device", default="auto", help="auto (default: CUDA when available), cpu, cuda or cuda:N")
    e.add_argument("--batch-size", type=int, default=32)
    e.add_argument("--overwrite", action="store_true")
    e.add_argument("--strict", action="store_true", help="fail on any invalid record")
    e.add_argument("--fp32", action="store_true", help="for an ONNX export folder: use model.onnx, not the int8 one")
    e.add_argument("--keyword-gate", action="store_true",
                   help="the hybrid: a label is kept only where its keyword family (data/GUIDELINES.md) occurs, and the "
                        "model decides among those articles, with thresholds tuned on dev for this mode")
    e.add_argument("--legal-tagger", metavar="DIR", help="also score the learned legal span tagger in DIR (e.g. "
                   "released/legal-tagger) alone and combined with the rules (tagger+rules)")
    e.set_defaults(func=cmd_evaluate)

    p = command("predict", help="label articles and tag their legal references")
    p.add_argument("--model", help="model folder (default: the model released in this repository, "
                                    "released/arcrime-small-real; see its README.md for what it scores)")
    p.add_argument("text", nargs="?", help="an article text, or - for stdin")
    p.add_argument("--input", help="JSONL (id, text), plain text (articles separated by blank lines), a folder of "
                                    ".txt files (one article per file, id = file name without .txt, in name "
                                    "order; other files are reported and skipped), or - for stdin")
    p.add_argument("--output", help="write here instead of stdout (through <output>.partial, renamed when complete)")
    p.add_argument("--format", choices=["jsonl", "csv"],
                   help="jsonl (default; one JSON object per article) or csv: one row per article with id, "
                        "labels (joined with ;), a score_<label> column per label and the legal references as "
                        "text (start-end kind instrument articles, joined with '; '), in UTF-8 with a BOM so "
                        "that Excel shows the Arabic correctly (default: csv when --output ends in .csv)")
    p.add_argument("--errors", help="where to list bad input records (default <output>.errors.jsonl)")
    p.add_argument("--device", default="auto", help="auto (default: CUDA when available), cpu, cuda or cuda:N")
    p.add_argument("--batch-size", type=int, help="at most this many windows per forward pass (default 32; "
                                                  "BERT models only)")
    p.add_argument("--max-tokens", type=int,
                   help="at most this many padded tokens (windows x longest window) per forward pass (default "
                        f"{DEFAULT_MAX_TOKENS} on CPU, where long windows are faster in small batches; "
                        f"{DEFAULT_MAX_TOKENS_CUDA} on CUDA; BERT models only)")
    p.add_argument("--legal-refs", choices=["rules", "model", "model+rules"], default="rules",
                   help="where legal references come from: the rule-based finder (default; the most accurate "
                        "on the test split, see experiments/RESULTS.md), the model's token tagger, or both")
    p.add_argument("--strict", action="store_true", help="exit non-zero if any input record is bad")
    p.add_argument("--legal-tagger", metavar="DIR", help="legal references from the learned span tagger in DIR "
                   "(e.g. released/legal-tagger) combined with the rules (tagger+rules)")
    p.add_argument("--verbose", action="store_true", help="JSONL: include raw instrument numbers in legal_refs")
    p.add_argument("--fp32", action="store_true", help="for an ONNX export folder: use model.onnx, not the int8 one")
    p.add_argument("--keyword-gate", action="store_true",
                   help="the hybrid: a label is kept only where its keyword family (data/GUIDELINES.md) occurs, and the "
                        "model decides among those articles, with thresholds tuned on dev for this mode")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from <output>.partial (same input, same order)")
    p.set_defaults(func=cmd_predict)

    d = command("data", help="corpus tools")
    dsub = d.add_subparsers(dest="data_cmd", required=True)
    v = dsub.add_parser("validate", parents=[common], help="check corpus JSONL files; one line per problem")
    v.add_argument("paths", nargs="+")
    b = dsub.add_parser("build", parents=[common], help="build train/dev/test from data/raw (frozen splits)")
    b.add_argument("--raw", default="data/raw")
    b.add_argument("--out", default="data")
    b.add_argument("--seed", type=int, default=13)
    h = dsub.add_parser("hydrate", parents=[common],
                        help="join data/real annotations with your copy of the public news corpora")
    h.add_argument("--corpus", help="folder holding SaudiNewsNet/, antcorpus.multisource.data/, antcorpus.data/ "
                                    "(default: $ARCRIME_REAL_CORPUS)")
    h.add_argument("--real", default="data/real", help="folder of annotation records (*.jsonl)")
    h.add_argument("--out", default="data/real/hydrated", help="output folder (git-ignored)")
    sv = dsub.add_parser("silver", parents=[common],
                         help="weak supervision: keyword-family (silver) labels for corpus articles outside data/real")
    sv.add_argument("--corpus", help="folder holding the public corpora (default: $ARCRIME_REAL_CORPUS)")
    sv.add_argument("--real", default="data/real", help="folder of annotation records (*.jsonl): kept out")
    sv.add_argument("--out", default="data/real/hydrated/silver.jsonl", help="output corpus file (git-ignored folder)")
    sv.add_argument("--negatives", type=int, default=500, help="articles with no keyword family to draw")
    sv.add_argument("--seed", type=int, default=13)
    sv.add_argument("--max-similarity", type=float, default=0.5,
                    help="drop articles with word TF-IDF cosine >= this to an annotated dev/test article")
    dm = dsub.add_parser("domain", parents=[common],
                         help="crime/court/cyber-crime news from the corpora (outside data/real) plus the written "
                              "train split: a corpus for domain-adaptive pretraining")
    dm.add_argument("--corpus", help="folder holding the public corpora (default: $ARCRIME_REAL_CORPUS)")
    dm.add_argument("--real", default="data/real", help="folder of annotation records (*.jsonl): kept out")
    dm.add_argument("--written", nargs="*", default=["data/train.jsonl"],
                    help="written-corpus train files whose texts are added (never dev or test)")
    dm.add_argument("--out", default="data/real/hydrated/domain.txt",
                    help="output: one article per line (git-ignored folder)")
    dm.add_argument("--min-terms", type=int, default=3,
                    help="distinct crime/court/cyber terms an article needs when no keyword family or legal "
                         "reference selects it")
    dm.add_argument("--seed", type=int, default=13)
    dm.add_argument("--max-similarity", type=float, default=0.5,
                    help="drop articles with word TF-IDF cosine >= this to an annotated dev/test article")
    s = dsub.add_parser("stats", parents=[common], help="corpus statistics")
    s.add_argument("paths", nargs="+")
    s.add_argument("--json", action="store_true")
    s.add_argument("--dup-threshold", type=float, default=0.5,
                   help="report cross-split pairs with character 5-gram Jaccard >= this")
    d.set_defaults(func=cmd_data)

    lg = command("legal", help="legal-reference finder: rules, and the learned span tagger")
    lsub = lg.add_subparsers(dest="legal_cmd", required=True)
    f = lsub.add_parser("find", parents=[common], help="find and resolve legal references")
    f.add_argument("text", nargs="?", help="the text, or - for stdin")
    f.add_argument("--input", help="a UTF-8 text file, or - for stdin")
    f.add_argument("--country", help="ISO code to disambiguate names like قانون العقوبات")
    f.add_argument("--html", action="store_true", help="print annotated HTML")
    f.add_argument("--tagger", metavar="DIR", help="also run the learned span tagger in DIR (e.g. released/legal-tagger) "
                   "and combine it with the rules (tagger+rules)")
    f.set_defaults(func=cmd_legal)
    tt = lsub.add_parser("train-tagger", parents=[common], help="train the learned legal span tagger (CRF) on "
                         "corpus files with gold legal_refs, and score it on dev files")
    tt.add_argument("--data", nargs="+", required=True, metavar="FILE", help="training files (corpus JSONL)")
    tt.add_argument("--dev", nargs="*", metavar="FILE", help="files to score rules, tagger and tagger+rules on")
    tt.add_argument("--out", required=True, metavar="DIR", help="folder for the tagger")
    tt.add_argument("--record", metavar="RUN", help="run folder for run.json and metrics (e.g. experiments/legal-tagger)")
    tt.add_argument("--c1", type=float, default=0.05, help="L1 penalty (default 0.05)")
    tt.add_argument("--c2", type=float, default=0.05, help="L2 penalty (default 0.05)")
    tt.add_argument("--max-iterations", type=int, default=100, help="L-BFGS iterations (default 100)")
    tt.add_argument("--min-confidence", type=float, help="tagger+rules leaves out tagger spans less confident than "
                    "this (default: the value chosen on fresh draws, in TaggerConfig)")
    tt.add_argument("--overwrite", action="store_true", help="replace a tagger already in --out")
    tt.set_defaults(func=cmd_train_tagger)

    pt = command("pretrain", help="pretrain a small Arabic BERT with masked-LM on unlabeled news")
    pt.add_argument("--config", required=True)
    pt.add_argument("--corpus", required=True, help="folder of .txt/.txt.xz files, one article per line")
    pt.add_argument("--set", action="append", metavar="KEY=VALUE")
    pt.add_argument("--resume", action="store_true")
    pt.add_argument("--overwrite", action="store_true")
    pt.set_defaults(func=cmd_pretrain)

    x = command("export", help="export a trained model to ONNX (optionally int8) for ONNX Runtime")
    x.add_argument("--model", required=True)
    x.add_argument("--out", required=True)
    x.add_argument("--onnx", action="store_true", required=True, help="export format (ONNX is the only one)")
    x.add_argument("--int8", action="store_true", help="also write a dynamically quantized int8 model")
    x.add_argument("--overwrite", action="store_true")
    x.set_defaults(func=cmd_export)

    cv_ = command("convert", help="rewrite a model folder of the pre-0.2 layout (encoder/, heads.safetensors, "
                                  "arcrime_model.json) as a standard transformers folder")
    cv_.add_argument("old")
    cv_.add_argument("new")
    cv_.add_argument("--overwrite", action="store_true")
    cv_.set_defaults(func=cmd_convert)

    c = command("cv", help="stratified k-fold cross-validation on train+dev")
    c.add_argument("--config", required=True)
    c.add_argument("--folds", type=int, default=5)
    c.add_argument("--seeds", type=int, nargs="+", help="seeds to repeat the CV with (default: the config's)")
    c.add_argument("--set", action="append", metavar="KEY=VALUE")
    c.add_argument("--overwrite", action="store_true")
    c.set_defaults(func=cmd_cv)

    hy = command("hybrid", help="fit the stacked hybrid (BERT + TF-IDF + keyword rules) on dev files")
    hy.add_argument("--bert", required=True, help="a fine-tuned BERT model folder (e.g. released/arcrime-small-real)")
    hy.add_argument("--tfidf", required=True, help="a TF-IDF model folder (arcrime train --config "
                                                   "configs/baseline-tfidf-svm.yaml); copied into the hybrid")
    hy.add_argument("--dev", required=True, action="append",
                    help="a dev corpus file to fit and choose on (repeatable; never a test split)")
    hy.add_argument("--out", required=True, help="the hybrid's model folder")
    hy.add_argument("--features", nargs="+", choices=["bert", "tfidf", "keywords"],
                    help="the combiner's inputs (default: the subset with the BERT that cross-validates best on dev)")
    hy.add_argument("--folds", type=int, default=4)
    hy.add_argument("--repeats", type=int, default=10)
    hy.add_argument("--C", type=float, default=1.0, help="inverse L2 strength of the per-label logistic regression")
    hy.add_argument("--seed", type=int, default=13)
    hy.add_argument("--device", default="auto")
    hy.add_argument("--record", help="write the fit's run record (run.json: command, commit, versions, the "
                                     "cross-validation table) to this experiments folder")
    hy.add_argument("--overwrite", action="store_true")
    hy.set_defaults(func=cmd_hybrid)

    ca = command("calibrate", help="refit a fine-tuned BERT's calibration and thresholds on dev files (no training)")
    ca.add_argument("--model", required=True, help="a fine-tuned BERT model folder (e.g. released/arcrime-small-real)")
    ca.add_argument("--dev", required=True, action="append",
                    help="a dev corpus file to calibrate and choose thresholds on (repeatable; never a test split)")
    ca.add_argument("--out", required=True, help="the recalibrated copy's folder (the weights are copied unchanged)")
    ca.add_argument("--method", choices=["platt", "temperature"], default="platt",
                    help="platt (default): a temperature and a bias per label, sigmoid(logit / T + b); temperature: "
                         "the temperature alone")
    ca.add_argument("--device", default="auto")
    ca.add_argument("--record", help="write the fit's run record (run.json: command, commit, versions, before and "
                                     "after on dev) to this experiments folder")
    ca.add_argument("--overwrite", action="store_true")
    ca.set_defaults(func=cmd_calibrate)

    r = command("report", help="rebuild experiments/RESULTS.md from recorded runs")
    r.add_argument("--experiments", default="experiments")
    r.set_defaults(func=cmd_report)

    sv = command("serve", help="the analyst's web page and the REST API (needs the [serve] extra)")
    sv.add_argument("--model", help="model folder (default: released/arcrime-small-real)")
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--device", default="auto", help="auto (default: CUDA when available), cpu, cuda or cuda:N")
    sv.add_argument("--legal-refs", choices=["rules", "model", "model+rules"], default="rules",
                    help="where legal references come from (as for predict)")
    sv.add_argument("--legal-tagger", metavar="DIR", help="predictions take their legal references from the span "
                    "tagger in DIR and the rules (tagger+rules), as for predict")
    sv.set_defaults(func=cmd_serve)
    return ap


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    setup_logging(-1 if args.quiet else 1 if args.log_verbose else 0)
    from .config import ConfigError
    from .corpus import DataError
    from .fileio import OutputExistsError
    from .prediction import ModelLoadError

    try:
        return args.func(args)
    except (ConfigError, DataError, ModelLoadError, OutputExistsError, OSError, ValueError) as e:
        logger.error("%s", e)
        logger.debug("where it happened:", exc_info=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        logger.error("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
