"""Writing predictions: JSON lines or CSV, streamed, resumable, atomic.

:func:`write_predictions` runs a :class:`~arcrime.prediction.Predictor` over a stream of input
records and writes one line (JSONL) or one row (CSV) per article, in input order:

* to a file, the results stream into ``<output>.partial``, which is renamed onto ``<output>`` only
  when the run is complete, so ``<output>`` is never half-written; after an interruption,
  ``resume=True`` keeps the complete lines of the partial file (a torn last line is cut off),
  skips that many articles of the same input and appends the rest;
* bad input records (:class:`~arcrime.corpus.RecordError`, as :func:`~arcrime.corpus.read_predict_input`
  yields them, or a record without usable text) are skipped, logged, and listed in
  ``<output>.errors.jsonl``: nothing is dropped silently.

CSV has one row per article: ``id``, ``labels`` (joined with ``;``), ``score_<label>`` for every
label of the model, and ``legal_refs`` as text (``start-end kind instrument articles``, joined with
``; ``). It is written in UTF-8 with a byte-order mark, so that Excel shows Arabic correctly.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .corpus import DataError, RecordError
from .fileio import atomic_write
from .prediction import Prediction, Predictor, check_record

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv")
CSV_LABEL_SEP = ";"
CSV_REF_SEP = "; "
BOM = "\ufeff"


@dataclass
class WriteResult:
    """What :func:`write_predictions` did."""

    read: int = 0  # input records seen, good and bad
    predicted: int = 0  # predictions in the output, those kept from a resumed partial file included
    resumed: int = 0  # predictions kept from the partial file
    errors: list[RecordError] = field(default_factory=list)  # bad input records, skipped
    errors_path: Path | None = None  # where the errors were listed (None: not written to a file)


# ---------------------------------------------------------------- CSV rows

def csv_header(labels: Iterable[str]) -> list[str]:
    """The CSV columns for a model with these labels."""
    return ["id", "labels"] + [f"score_{lab}" for lab in labels] + ["legal_refs"]


def format_ref(ref: Mapping[str, Any]) -> str:
    """A legal reference as short text: ``start-end kind instrument articles`` (``-`` for an
    unresolved instrument; articles joined with ``,``)."""
    arts = ",".join(str(a) for a in ref.get("articles") or ())
    return f"{ref['start']}-{ref['end']} {ref.get('kind') or '-'} {ref.get('instrument') or '-'} {arts}".rstrip()


def csv_row(pred: Prediction, labels: Iterable[str]) -> list[str]:
    """One CSV row (the columns of :func:`csv_header`)."""
    return ([pred.id, CSV_LABEL_SEP.join(pred.labels)] + [f"{pred.scores[lab]:.6f}" for lab in labels]
            + [CSV_REF_SEP.join(format_ref(r) for r in pred.legal_refs)])


# ---------------------------------------------------------------- resuming

def _complete_lines(data: bytes) -> list[bytes]:
    """The newline-terminated lines of ``data`` (a torn last line is left out)."""
    out, pos = [], 0
    while (i := data.find(b"\n", pos)) >= 0:
        out.append(data[pos:i + 1])
        pos = i + 1
    return out


def _done_jsonl(data: bytes) -> tuple[list[str], int]:
    ids, end = [], 0
    for line in _complete_lines(data):
        try:
            obj = json.loads(line)
        except ValueError:
            break
        if not isinstance(obj, dict) or "id" not in obj:
            break
        ids.append(str(obj["id"]))
        end += len(line)
    return ids, end


def _done_csv(data: bytes, header: list[str], partial: Path) -> tuple[list[str], int]:
    lines = _complete_lines(data)
    consumed = [0]

    def decoded() -> Iterator[str]:
        for k, raw in enumerate(lines):
            consumed[0] += len(raw)
            yield raw.decode("utf-8-sig" if k == 0 else "utf-8")

    ids: list[str] = []
    end = 0
    try:
        for k, row in enumerate(csv.reader(decoded(), strict=True)):
            if k == 0:
                if row != header:
                    raise DataError(f"{partial}: its columns {row} are not those of this model {header}; delete "
                                    "it, or run without --resume")
            elif len(row) != len(header):
                break
            else:
                ids.append(row[0])
            end = consumed[0]
    except (csv.Error, UnicodeDecodeError):
        pass
    return ids, end


def resume_point(partial: str | Path, fmt: str = "jsonl", labels: Iterable[str] = ()) -> list[str]:
    """Ids of the complete predictions of an interrupted run's partial file; a torn or unreadable
    tail is cut off the file so that appending continues it cleanly."""
    partial = Path(partial)
    data = partial.read_bytes()
    if fmt == "csv":
        ids, end = _done_csv(data, csv_header(labels), partial)
    else:
        ids, end = _done_jsonl(data)
    if end != len(data):
        logger.debug("%s: cutting off %d byte(s) of a torn last line", partial, len(data) - end)
        with open(partial, "r+b") as f:
            f.truncate(end)
    return ids


# ---------------------------------------------------------------- the writer

def _records(items: Iterable[Any], res: WriteResult) -> Iterator[tuple[int, dict[str, Any] | None,
                                                                        RecordError | None]]:
    """``(k, record, None)`` or ``(k, None, error)``: items are records or ``(record, error)`` pairs."""
    for k, item in enumerate(items):
        res.read += 1
        rec, err = item if isinstance(item, tuple) else (item, None)
        if err is None:
            try:
                check_record(rec, k)
            except DataError as e:
                err = RecordError("<input>", k + 1, "text", str(e))
        yield k, (rec if err is None else None), err


def write_predictions(predictor: Predictor, items: Iterable[Any], output: str | Path | None = None,
                      fmt: str = "jsonl", resume: bool = False, verbose: bool = False,
                      legal_refs: str | None = None, errors_path: str | Path | None = None,
                      stream: TextIO | None = None, progress: bool | None = None) -> WriteResult:
    """Predict every good record of ``items`` and write the results.

    Args:
        predictor: any loaded model (:func:`arcrime.inference.load`).
        items: input records (``{"id", "text"}``) or ``(record, error)`` pairs as
            :func:`~arcrime.corpus.read_predict_input` yields them.
        output: the file to write (through ``<output>.partial``); None writes to ``stream``.
        fmt: ``jsonl`` (one JSON object per line) or ``csv`` (see the module doc).
        resume: continue an interrupted run from ``<output>.partial`` (same input, same order).
        verbose: JSONL only: keep the raw number, year and short form of each legal reference.
        legal_refs: where legal references come from (``rules``, ``model``, ``model+rules``;
            None: the predictor's default).
        errors_path: where to list bad records (default: ``<output>.errors.jsonl`` for a file
            output, nowhere for a stream; they are always logged).
        stream: where to write when ``output`` is None (default: stdout).
        progress: show a progress bar (default: for a file output when the ``arcrime`` logger
            shows info messages).

    Raises:
        ValueError: an unknown ``fmt``, or ``resume`` without ``output``.
        DataError: the partial file does not belong to this input or model, or the input holds
            no article at all (raised by the reader).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if resume and output is None:
        raise ValueError("--resume needs --output: only a file output can be resumed")
    labels = list(predictor.labels)
    res = WriteResult()
    src = _records(items, res)
    first = next(src, None)  # read before anything is written: an empty input fails here, output untouched
    partial = Path(f"{output}.partial") if output is not None else None
    done: list[str] = []
    if resume and partial is not None and partial.is_file():
        done = resume_point(partial, fmt, labels)
        logger.info("resuming: %d article(s) already in %s", len(done), partial)

    def _chain() -> Iterator[tuple[int, dict[str, Any] | None, RecordError | None]]:
        if first is not None:
            yield first
            yield from src

    def good() -> Iterator[dict[str, Any]]:
        skipped = 0
        for _k, rec, err in _chain():
            if err is not None:
                res.errors.append(err)
                logger.warning("skipped: %s", err)
                continue
            if skipped < len(done):
                if str(rec["id"]) != done[skipped]:
                    raise DataError(f"{partial}: line {skipped + 1} is article {done[skipped]!r} but the input has "
                                    f"{rec['id']!r} there: --resume needs the same input in the same order; "
                                    "delete the partial file or run without --resume")
                skipped += 1
                continue
            yield rec
        if skipped < len(done):
            raise DataError(f"{partial}: holds {len(done)} article(s) but the input has only {skipped}: --resume "
                            "needs the same input; delete the partial file or run without --resume")

    if progress is None:
        progress = output is not None and logging.getLogger("arcrime").isEnabledFor(logging.INFO)

    def emit(f: TextIO, header: bool) -> None:
        from tqdm.auto import tqdm

        writer = csv.writer(f) if fmt == "csv" else None
        if writer is not None and header:
            writer.writerow(csv_header(labels))
        preds = predictor.predict_records(good(), legal_refs=legal_refs)
        for pred in tqdm(preds, desc="predict", unit="doc", disable=not progress, file=sys.stderr, mininterval=2):
            if writer is not None:
                writer.writerow(csv_row(pred, labels))
            else:
                f.write(json.dumps(pred.to_dict(verbose=verbose), ensure_ascii=False) + "\n")
            f.flush()
            res.predicted += 1

    if output is None:
        out = stream if stream is not None else sys.stdout
        if fmt == "csv":
            out.write(BOM)
        emit(out, header=True)
    else:
        assert partial is not None
        partial.parent.mkdir(parents=True, exist_ok=True)
        if done:
            f = open(partial, "a", encoding="utf-8", newline="")
        else:
            f = open(partial, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
        with f:
            emit(f, header=not done)
            os.fsync(f.fileno())
        os.replace(partial, output)
        res.resumed = len(done)
        res.predicted += len(done)
    _write_errors(res, output, errors_path)
    return res


def _write_errors(res: WriteResult, output: str | Path | None, errors_path: str | Path | None) -> None:
    default = Path(f"{output}.errors.jsonl") if output is not None else None
    path = Path(errors_path) if errors_path is not None else default
    if res.errors and path is not None:
        with atomic_write(path) as f:
            for e in res.errors:
                f.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")
        res.errors_path = path
    elif not res.errors and errors_path is None and default is not None and default.is_file():
        default.unlink()  # a stale list from an earlier run over other input
