"""The corpus format: records, validation, reading (corpus files and the input of ``predict``).

A corpus file is JSONL, one article per line::

    {"id": "b01-004", "text": "...", "labels": ["extortion"],
     "legal_refs": [{"start": 10, "end": 38, "text": "...", "kind": "article",
                     "instrument": "MA/penal-code", "articles": ["538"]}],
     "meta": {"country": "MA", "style": "court", "date": "2023-04-02", "split": "train"}}

:func:`read_corpus` validates every line and returns the good records together with a
:class:`RecordError` per bad one (file, line, field, what is wrong, how to fix it). Nothing is
dropped silently: callers decide whether errors are fatal (``strict``) and always report them.
:func:`load_dataset_split` hands validated records to 🤗 ``datasets``. :func:`read_predict_input`
reads what ``arcrime predict`` accepts (JSONL, plain text, a folder of ``.txt`` files, stdin).

Building the splits lives in :mod:`arcrime.build`, statistics in :mod:`arcrime.stats`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from .config import DEFAULT_LABELS, SPAN_KINDS

logger = logging.getLogger(__name__)

# a folder given to read_predict_input: the files read as articles (one article per file)
TEXT_SUFFIXES = (".txt",)


def _say(log: TextIO | None, msg: str, level: int = logging.WARNING) -> None:
    """Report ``msg`` on the ``arcrime.corpus`` logger, or print it to ``log`` when a caller passes a stream."""
    if log is None:
        logger.log(level, msg)
    else:
        print(msg, file=log)


@dataclass(frozen=True)
class RecordError:
    """One bad input record."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class DataError(ValueError):
    """Raised in strict mode, or when a file yields no usable record at all."""

    def __init__(self, message: str, errors: list[RecordError] | None = None):
        super().__init__(message)
        self.errors = errors or []


def iter_lines(path: str | Path) -> Iterator[tuple[int, str | None, str | None]]:
    """Yield ``(line_no, text, decode_error)`` for each line of a file, bytes-safe (a UTF-8 byte-order
    mark at the start of the file, as Windows editors write it, is dropped)."""
    with open(path, "rb") as f:
        for i, raw in enumerate(f, 1):
            try:
                yield i, raw.decode("utf-8-sig" if i == 1 else "utf-8"), None
            except UnicodeDecodeError as e:
                yield i, None, f"invalid UTF-8 at byte {e.start}; re-encode the file as UTF-8"


def iter_json_lines(path: str | Path) -> Iterator[tuple[int, Any, RecordError | None]]:
    """``(line_no, parsed JSON, None)`` for each non-blank line of a JSONL file, or ``(line_no, None,
    error)`` for a line that is not UTF-8 or not JSON."""
    for i, line, decode_err in iter_lines(path):
        if decode_err:
            yield i, None, RecordError(str(path), i, "<line>", decode_err)
            continue
        assert line is not None
        if not line.strip():
            continue
        try:
            yield i, json.loads(line), None
        except json.JSONDecodeError as e:
            yield i, None, RecordError(str(path), i, "<json>", f"bad JSON: {e.msg} at column {e.colno}")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def looks_binary(text: str) -> bool:
    """True for NUL bytes or when over 10% of the characters are control characters."""
    if "\x00" in text:
        return True
    n = len(_CONTROL.findall(text[:10000]))
    return n > 0.1 * min(len(text), 10000)


def validate_record(rec: Any, labels: list[str], where: tuple[str, int], require_labels: bool = True
                    ) -> list[RecordError]:
    """Check one parsed record against the corpus schema."""
    file, line = where
    errs: list[RecordError] = []

    def err(fld: str, msg: str) -> None:
        errs.append(RecordError(file, line, fld, msg))

    if not isinstance(rec, dict):
        err("<record>", f"expected a JSON object, got {type(rec).__name__}")
        return errs
    rid = rec.get("id")
    if rid is None:
        err("id", "missing; every article needs a unique string id")
    elif not isinstance(rid, str) or not rid.strip():
        err("id", f"must be a non-empty string, got {rid!r}")
    text = rec.get("text")
    if text is None:
        err("text", "missing; put the article body in a 'text' string")
        return errs
    if not isinstance(text, str):
        err("text", f"must be a string, got {type(text).__name__}")
        return errs
    if not text.strip():
        err("text", "empty or whitespace-only; remove the record or add the article text")
    elif looks_binary(text):
        err("text", "contains NUL or mostly control characters: binary data, not an article; check the input file")
    if require_labels or "labels" in rec:
        labs = rec.get("labels")
        if labs is None:
            err("labels", f"missing; use a list drawn from {labels} ([] for none)")
        elif not isinstance(labs, list) or not all(isinstance(x, str) for x in labs):
            err("labels", f"must be a list of strings, got {labs!r}")
        else:
            unknown = [x for x in labs if x not in labels]
            if unknown:
                err("labels", f"unknown label(s) {unknown}; valid labels: {labels}")
            if len(set(labs)) != len(labs):
                err("labels", f"duplicate labels in {labs}")
    refs = rec.get("legal_refs", [])
    if not isinstance(refs, list):
        err("legal_refs", f"must be a list, got {type(refs).__name__}")
        refs = []
    for k, ref in enumerate(refs):
        f = f"legal_refs[{k}]"
        if not isinstance(ref, dict):
            err(f, "must be an object with start, end, kind, instrument, articles")
            continue
        s, e = ref.get("start"), ref.get("end")
        if not (isinstance(s, int) and isinstance(e, int)) or isinstance(s, bool) or isinstance(e, bool):
            err(f"{f}.start/end", f"must be integers, got {s!r}, {e!r}")
        elif not 0 <= s < e <= len(text):
            err(f"{f}.start/end", f"span [{s}, {e}) out of range for text of length {len(text)}")
        elif "text" in ref and ref["text"] != text[s:e]:
            err(f"{f}.text", f"span text {ref['text']!r} does not match text[{s}:{e}] = {text[s:e]!r}")
        if ref.get("kind") not in SPAN_KINDS:
            err(f"{f}.kind", f"{ref.get('kind')!r} is not one of {SPAN_KINDS}")
        inst = ref.get("instrument")
        if inst is not None and not isinstance(inst, str):
            err(f"{f}.instrument", f"must be a gazetteer id string or null, got {inst!r}")
        arts = ref.get("articles", [])
        if not isinstance(arts, list) or not all(isinstance(a, str) for a in arts):
            err(f"{f}.articles", f"must be a list of strings, got {arts!r}")
    if "meta" in rec and not isinstance(rec["meta"], dict):
        err("meta", f"must be an object, got {type(rec['meta']).__name__}")
    return errs


def read_corpus(path: str | Path, labels: list[str] | None = None, require_labels: bool = True
                ) -> tuple[list[dict[str, Any]], list[RecordError]]:
    """Read and validate a corpus JSONL file.

    Returns:
        ``(records, errors)``: every input line is either a record or an error (blank lines
        are skipped and not counted). Duplicate ids after the first are errors.
    """
    labels = labels or DEFAULT_LABELS
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    good: list[dict[str, Any]] = []
    errors: list[RecordError] = []
    seen: dict[str, int] = {}
    for i, rec, bad in iter_json_lines(path):
        if bad:
            errors.append(bad)
            continue
        errs = validate_record(rec, labels, (str(path), i), require_labels)
        if not errs:
            rid = rec["id"]
            if rid in seen:
                errs.append(RecordError(str(path), i, "id", f"duplicate id {rid!r} (first on line {seen[rid]})"))
            else:
                seen[rid] = i
        if errs:
            errors.extend(errs)
        else:
            rec.setdefault("labels", [])
            rec.setdefault("legal_refs", [])
            rec.setdefault("meta", {})
            good.append(rec)
    return good, errors


def load_records(path: str | Path | list[str | Path], labels: list[str] | None = None, strict: bool = False,
                 log: TextIO | None = None, errors_out: list[RecordError] | None = None) -> list[dict[str, Any]]:
    """Read one corpus file or several (concatenated), report bad lines (and append them to
    ``errors_out``); raise if strict or nothing usable. An id repeated across files is an error.

    Problems are logged as warnings on the ``arcrime.corpus`` logger, or printed to ``log`` when a
    stream is given.
    """
    if isinstance(path, (list, tuple)):
        out: list[dict[str, Any]] = []
        first: dict[str, str] = {}
        for p in path:
            for r in load_records(p, labels, strict, log=log, errors_out=errors_out):
                if r["id"] in first:
                    err = RecordError(str(p), 0, "id", f"id {r['id']!r} also in {first[r['id']]}; ids must be unique "
                                                       "across the files of one split")
                    _say(log, f"  {err}")
                    if errors_out is not None:
                        errors_out.append(err)
                    if strict:
                        raise DataError(str(err), [err])
                    continue
                first[r["id"]] = str(p)
                out.append(r)
        return out
    good, errors = read_corpus(path, labels)
    if errors_out is not None:
        errors_out.extend(errors)
    if errors:
        _say(log, f"{path}: {len(errors)} problem(s) in input:")
        for e in errors[:50]:
            _say(log, f"  {e}")
        if len(errors) > 50:
            _say(log, f"  ... and {len(errors) - 50} more")
        if strict:
            raise DataError(f"{path}: {len(errors)} invalid record(s) (strict mode)", errors)
    if not good:
        raise DataError(f"{path}: no valid record; fix the problems listed above", errors)
    return good


def load_dataset_split(path: str | Path | list[str | Path], labels: list[str] | None = None, strict: bool = False,
                       log: TextIO | None = None, errors_out: list[RecordError] | None = None):
    """Validated records of one split as a 🤗 ``datasets.Dataset``.

    Columns: ``id``, ``text``, ``labels`` (list of str), ``legal_refs`` (list of structs with
    start, end, text, kind, instrument, articles) and ``meta`` (a JSON string, since its keys vary).
    """
    import datasets

    recs = load_records(path, labels, strict, log=log, errors_out=errors_out)
    features = datasets.Features({
        "id": datasets.Value("string"), "text": datasets.Value("string"),
        "labels": datasets.Sequence(datasets.Value("string")),
        "legal_refs": [{"start": datasets.Value("int64"), "end": datasets.Value("int64"),
                        "text": datasets.Value("string"), "kind": datasets.Value("string"),
                        "instrument": datasets.Value("string"), "articles": datasets.Sequence(datasets.Value("string"))}],
        "meta": datasets.Value("string"),
    })
    rows = [{"id": r["id"], "text": r["text"], "labels": r["labels"],
             "legal_refs": [{"start": x["start"], "end": x["end"], "text": r["text"][x["start"]:x["end"]],
                             "kind": x["kind"], "instrument": x.get("instrument"), "articles": x.get("articles", [])}
                            for x in r["legal_refs"]],
             "meta": json.dumps(r["meta"], ensure_ascii=False)} for r in recs]
    return datasets.Dataset.from_list(rows, features=features)


def dataset_records(ds) -> list[dict[str, Any]]:
    """Plain records back from :func:`load_dataset_split` (meta decoded)."""
    return [dict(row, meta=json.loads(row["meta"])) for row in ds]


# ---------------------------------------------------------------- input for predict

def read_predict_input(path: str | Path | None, text: str | None = None, stdin=None
                       ) -> Iterator[tuple[dict[str, Any] | None, RecordError | None]]:
    """Yield ``(record, None)`` or ``(None, error)`` for every article of the input.

    Accepts a JSONL file with ``id`` and ``text``, a plain-text file (articles separated by
    blank lines; a file with no blank line is one article), a folder of ``.txt`` files (one
    article per file, id = file name without extension, in name order; other entries are
    logged and skipped), literal ``text``, or ``stdin`` (``path == '-'``), streamed so memory
    stays flat.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        DataError: the input holds no article at all (an empty file, a folder without ``.txt``).
    """
    if text is not None:
        if not text.strip():
            yield None, RecordError("<text>", 1, "text", "empty or whitespace-only; give the article text")
        else:
            yield {"id": "text-1", "text": text}, None
        return
    if path is None:
        raise ValueError("give an article text, --input FILE or '-' for stdin")
    name = "<stdin>" if str(path) == "-" else str(path)
    if name != "<stdin>" and Path(path).is_dir():
        yield from _read_folder(Path(path))
        return
    if name != "<stdin>" and not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such file or folder")

    def lines() -> Iterator[tuple[int, str | None, str | None]]:
        if name == "<stdin>":
            src = stdin if stdin is not None else sys.stdin.buffer
            for i, raw in enumerate(src, 1):
                if isinstance(raw, str):
                    yield i, raw.lstrip("\ufeff") if i == 1 else raw, None
                    continue
                try:
                    yield i, raw.decode("utf-8-sig" if i == 1 else "utf-8"), None
                except UnicodeDecodeError as e:
                    yield i, None, f"invalid UTF-8 at byte {e.start}; re-encode the input as UTF-8"
        else:
            yield from iter_lines(path)

    it = lines()
    first = None
    for item in it:
        if item[1] is None or item[1].strip():
            first = item
            break
    if first is None:
        what = "stdin" if name == "<stdin>" else name
        raise DataError(f"{what} is empty: no article to predict")
    is_jsonl = first[1] is not None and first[1].lstrip().startswith("{")

    def chain() -> Iterator[tuple[int, str | None, str | None]]:
        yield first
        yield from it

    if is_jsonl:
        seen: set[str] = set()
        for i, line, derr in chain():
            if derr:
                yield None, RecordError(name, i, "<line>", derr)
                continue
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                yield None, RecordError(name, i, "<json>", f"bad JSON: {e.msg} at column {e.colno}")
                continue
            errs = validate_record(rec, DEFAULT_LABELS, (name, i), require_labels=False)
            errs = [e for e in errs if e.field != "labels"]
            if not errs and rec["id"] in seen:
                errs = [RecordError(name, i, "id", f"duplicate id {rec['id']!r}")]
            if errs:
                yield None, errs[0] if len(errs) == 1 else RecordError(
                    name, i, ",".join(e.field for e in errs), "; ".join(e.message for e in errs))
                continue
            seen.add(rec["id"])
            yield {"id": rec["id"], "text": rec["text"]}, None
    else:
        block: list[str] = []
        start_line = first[0]
        for i, line, derr in chain():
            if derr:
                yield None, RecordError(name, i, "<line>", derr)
                continue
            if line.strip():
                if not block:
                    start_line = i
                block.append(line)
            elif block:
                yield _plain_block(name, start_line, block)
                block = []
        if block:
            yield _plain_block(name, start_line, block)


def _read_folder(folder: Path) -> Iterator[tuple[dict[str, Any] | None, RecordError | None]]:
    """One article per ``.txt`` file of ``folder`` (id = file name without extension), in name order."""
    seen: set[str] = set()
    n_text = 0
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.is_file() or entry.suffix.lower() not in TEXT_SUFFIXES:
            logger.warning("%s: skipped: not a .txt file (a folder input holds one article per .txt file)", entry)
            continue
        n_text += 1
        rid = entry.stem
        try:
            text = entry.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as e:
            yield None, RecordError(str(entry), 1, "<file>", f"invalid UTF-8 at byte {e.start}; "
                                                             "re-encode the file as UTF-8")
            continue
        if rid in seen:
            yield None, RecordError(str(entry), 1, "id", f"duplicate id {rid!r}: another file has the same name "
                                                         "with a differently written extension; rename one")
        elif not text.strip():
            yield None, RecordError(str(entry), 1, "text", "empty file; remove it or put the article text in it")
        elif looks_binary(text):
            yield None, RecordError(str(entry), 1, "text", "contains NUL or mostly control characters: binary "
                                                           "data, not an article")
        else:
            seen.add(rid)
            yield {"id": rid, "text": text}, None
    if not n_text:
        raise DataError(f"{folder}: no .txt file in this folder: no article to predict; put one article per "
                        ".txt file (UTF-8) in it")


def _plain_block(name: str, line: int, block: list[str]) -> tuple[dict[str, Any] | None, RecordError | None]:
    text = "".join(block).strip()
    if looks_binary(text):
        return None, RecordError(name, line, "text", "contains NUL or mostly control characters: binary data, "
                                                     "not an article; check the input file")
    return {"id": f"{Path(name).name}:{line}", "text": text}, None


