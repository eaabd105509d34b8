"""Corpus format, validation, loading and split building.

A corpus file is JSONL, one article per line::

    {"id": "b01-004", "text": "...", "labels": ["extortion"],
     "legal_refs": [{"start": 10, "end": 38, "text": "...", "kind": "article",
                     "instrument": "MA/penal-code", "articles": ["538"]}],
     "meta": {"country": "MA", "style": "court", "date": "2023-04-02", "split": "train"}}

:func:`read_corpus` validates every line and returns the good records together with a
:class:`RecordError` per bad one (file, line, field, what is wrong, how to fix it). Nothing is
dropped silently: callers decide whether errors are fatal (``strict``) and always report them.
:func:`load_dataset_split` hands validated records to 🤗 ``datasets``.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import DEFAULT_LABELS, SPAN_KINDS
from .fileio import write_jsonl, write_text
from .markup import MarkupError, parse_marked


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
    """Yield ``(line_no, text, decode_error)`` for each line of a file, bytes-safe."""
    with open(path, "rb") as f:
        for i, raw in enumerate(f, 1):
            try:
                yield i, raw.decode("utf-8"), None
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
                 log=None, errors_out: list[RecordError] | None = None) -> list[dict[str, Any]]:
    """Read one corpus file or several (concatenated), report bad lines to ``log`` (and append them to
    ``errors_out``); raise if strict or nothing usable. An id repeated across files is an error."""
    log = log if log is not None else sys.stderr
    if isinstance(path, (list, tuple)):
        out: list[dict[str, Any]] = []
        first: dict[str, str] = {}
        for p in path:
            for r in load_records(p, labels, strict, log=log, errors_out=errors_out):
                if r["id"] in first:
                    err = RecordError(str(p), 0, "id", f"id {r['id']!r} also in {first[r['id']]}; ids must be unique "
                                                       "across the files of one split")
                    print(f"  {err}", file=log)
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
        print(f"{path}: {len(errors)} problem(s) in input:", file=log)
        for e in errors[:50]:
            print(f"  {e}", file=log)
        if len(errors) > 50:
            print(f"  ... and {len(errors) - 50} more", file=log)
        if strict:
            raise DataError(f"{path}: {len(errors)} invalid record(s) (strict mode)", errors)
    if not good:
        raise DataError(f"{path}: no valid record; fix the problems listed above", errors)
    return good


def load_dataset_split(path: str | Path | list[str | Path], labels: list[str] | None = None, strict: bool = False, log=None,
                       errors_out: list[RecordError] | None = None):
    """Validated records of one split as a 🤗 ``datasets.Dataset``.

    Columns: ``id``, ``text``, ``labels`` (list of str), ``legal_refs`` (list of structs with
    start, end, text, kind, instrument, articles) and ``meta`` (a JSON string, since its keys vary).
    """
    log = log if log is not None else sys.stderr
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
    blank lines; a file with no blank line is one article), literal ``text``, or ``stdin``
    (``path == '-'``), streamed line by line so memory stays flat.
    """
    if text is not None:
        yield {"id": "text-1", "text": text}, None
        return
    if path is None:
        raise ValueError("give an article text, --input FILE or '-' for stdin")
    name = "<stdin>" if str(path) == "-" else str(path)
    if name != "<stdin>" and not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such file")

    def lines() -> Iterator[tuple[int, str | None, str | None]]:
        if name == "<stdin>":
            src = stdin if stdin is not None else sys.stdin.buffer
            for i, raw in enumerate(src, 1):
                if isinstance(raw, str):
                    yield i, raw, None
                    continue
                try:
                    yield i, raw.decode("utf-8"), None
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
        return
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


def _plain_block(name: str, line: int, block: list[str]) -> tuple[dict[str, Any] | None, RecordError | None]:
    text = "".join(block).strip()
    if looks_binary(text):
        return None, RecordError(name, line, "text", "contains NUL or mostly control characters: binary data, "
                                                     "not an article; check the input file")
    return {"id": f"{Path(name).name}:{line}", "text": text}, None


# ---------------------------------------------------------------- building the corpus

KEYWORDS = {
    "extortion": re.compile(r"بتز"),
    # «شهر ب» without the shadda is mostly the noun "month" («شهر بعد»), so the verb needs its shadda or
    # the imperfect «يشهر/تشهر ب»
    "defamation": re.compile(r"تشهير|شهّر|(?<!\w)[يت]شه[ّ]?ر(?:ون|ان)? ب|قذف|(?<!\w)[وب]?(?:ال)?سب[ّ]?(?!\w)|شتم"),
    "impersonation": re.compile(r"انتحال|انتحل|ينتحل|تنتحل|منتحل|حساب(?:ات)? (?:وهمي|مزيف|مزور)|صفح(?:ة|ات) (?:وهمي|مزيف)"),
}


SPAN_FORMS = {
    "arabic_indic_digits": re.compile(r"[\u0660-\u0669]"),
    "dotted_number": re.compile(r"\d+\.\d+|[\u0660-\u0669]+\.[\u0660-\u0669]+"),
    "dashed_number": re.compile(r"\d+-\d+"),
    "slash_number": re.compile(r"\d+/\d+"),
    "li_sana_year": re.compile(r"لسن[ةه]|لعام"),
    "hijri_year": re.compile(r"\d\s?هـ|١٤\d\d|14\d\d\s?ه"),
    "dual": re.compile(r"(?:فصل|ماد[ةت]?)(?:ين|ان)|المادتين|المادتان"),
    "plural_or_range": re.compile(r"فصول|مواد|من\s+\S+\s+(?:إلى|الى|حتى)"),
    "short_form": re.compile(r"منه\b|منها\b|نفس|ذات|المذكور|نفسه|السالف"),
    "dahir_or_decree": re.compile(r"ظهير|مرسوم|قرار بقانون"),
    "tashkeel_or_tatweel": re.compile(r"[\u064b-\u065f\u0640]"),
}


def keyword_hits(text: str) -> dict[str, bool]:
    """Which label keyword families (GUIDELINES.md) occur in ``text``."""
    return {lab: bool(rx.search(text)) for lab, rx in KEYWORDS.items()}


def parse_raw_file(path: Path) -> tuple[list[dict[str, Any]], list[RecordError]]:
    """Turn a raw authoring batch (inline ``⟦...⟧`` markup) into corpus records."""
    out, errors = [], []
    for i, line, derr in iter_lines(path):
        if derr:
            errors.append(RecordError(str(path), i, "<line>", derr))
            continue
        if not line or not line.strip():
            continue
        try:
            rec = json.loads(line)
            text, spans = parse_marked(rec["text"])
        except (json.JSONDecodeError, KeyError, MarkupError, TypeError) as e:
            errors.append(RecordError(str(path), i, "text", str(e)))
            continue
        rec = {"id": rec["id"], "text": text, "labels": sorted(rec.get("labels", [])),
               "legal_refs": [{"start": s.start, "end": s.end, "text": s.text, "kind": s.kind,
                               "instrument": s.instrument, "articles": list(s.articles)} for s in spans],
               "meta": dict(rec.get("meta", {}), source_file=path.name)}
        errs = validate_record(rec, DEFAULT_LABELS, (str(path), i))
        if errs:
            errors.extend(errs)
        else:
            out.append(rec)
    return out, errors


SPLIT_FRACTIONS = {"train": 0.65, "dev": 0.15, "test": 0.20}


def assign_splits(records: list[dict[str, Any]], frozen: dict[str, str], seed: int = 13) -> dict[str, str]:
    """Assign each story to a split, stratified by label combination.

    Stories already in ``frozen`` keep their split (the test split never changes once
    published); new stories are dealt per label combination to the split furthest below its
    target share.
    """
    story_combo: dict[str, str] = {}
    for r in records:
        story = r["meta"].get("story") or r["id"]
        story_combo.setdefault(story, "+".join(sorted(r["labels"])) or "none")
    by_combo: dict[str, list[str]] = defaultdict(list)
    for story, combo in sorted(story_combo.items()):
        by_combo[combo].append(story)
    rng = random.Random(seed)
    out = {s: frozen[s] for s in story_combo if s in frozen}
    for combo, stories in sorted(by_combo.items()):
        counts = Counter(out[s] for s in stories if s in out)
        todo = [s for s in stories if s not in out]
        rng.shuffle(todo)
        for s in todo:
            total = sum(counts.values()) + 1
            split = max(SPLIT_FRACTIONS, key=lambda k: SPLIT_FRACTIONS[k] * total - counts[k])
            out[s] = split
            counts[split] += 1
    return out


def build_corpus(raw_dir: str | Path, out_dir: str | Path, seed: int = 13) -> dict[str, Any]:
    """Build ``train/dev/test.jsonl`` from ``raw_dir/*.jsonl``; keep ``splits.tsv`` frozen.

    Raises:
        DataError: when any raw record is invalid (the corpus is built all-or-nothing).
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    records: list[dict[str, Any]] = []
    errors: list[RecordError] = []
    for p in sorted(raw_dir.glob("*.jsonl")):
        recs, errs = parse_raw_file(p)
        records.extend(recs)
        errors.extend(errs)
    ids = Counter(r["id"] for r in records)
    errors.extend(RecordError("<corpus>", 0, "id", f"duplicate id {i!r}") for i, c in ids.items() if c > 1)
    if errors:
        raise DataError(f"{len(errors)} problem(s) in {raw_dir}:\n" + "\n".join(map(str, errors[:50])), errors)
    split_file = out_dir / "splits.tsv"
    frozen = {}
    if split_file.is_file():
        for line in split_file.read_text(encoding="utf-8").splitlines()[1:]:
            story, split = line.split("\t")
            frozen[story] = split
    assignment = assign_splits(records, frozen, seed)
    by_split: dict[str, list[dict[str, Any]]] = {k: [] for k in SPLIT_FRACTIONS}
    for r in records:
        split = assignment[r["meta"].get("story") or r["id"]]
        r["meta"]["split"] = split
        by_split[split].append(r)
    for split, recs in by_split.items():
        write_jsonl(out_dir / f"{split}.jsonl", recs)
    write_text(split_file, "story\tsplit\n" + "".join(f"{s}\t{assignment[s]}\n" for s in sorted(assignment)))
    return {k: len(v) for k, v in by_split.items()}


def corpus_stats(records: Iterable[dict[str, Any]], labels: list[str] | None = None) -> dict[str, Any]:
    """Counts that the datasheet and ``arcrime data stats`` report."""
    labels = labels or DEFAULT_LABELS
    records = list(records)
    combos, label_counts, countries, styles, kinds, insts, inst_countries = (Counter() for _ in range(7))
    forms: Counter[str] = Counter()
    splits = Counter()
    words, n, pos, kw_free = [], 0, 0, 0
    neg_hard = negs = neg_kw = hijri = 0
    hijri_rx = re.compile(r"1[34]\d\d\s?هـ|[١][٣٤][٠-٩][٠-٩]\s?هـ|(?:محرم|صفر|ربيع|جمادى|رجب|شعبان|رمضان|شوال|ذي القعدة|ذي الحجة)\s+(?:الأول|الآخر|الثاني|الأولى|الآخرة|الثانية)?\s*1[34]\d\d")
    n_spans = 0
    per_split: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        n += 1
        labs = sorted(r["labels"])
        combos["+".join(labs) or "none"] += 1
        hits = keyword_hits(r["text"])
        hijri += bool(hijri_rx.search(r["text"]))
        for lab in labs:
            label_counts[lab] += 1
            per_split[r.get("meta", {}).get("split", "?")][lab] += 1
            pos += 1
            kw_free += not hits.get(lab, False)
        meta = r.get("meta", {})
        if not labs:
            negs += 1
            neg_kw += any(hits.values())
            neg_hard += meta.get("neg_type", "unrelated") not in ("unrelated", None, "")
        countries[meta.get("country", "?")] += 1
        styles[meta.get("style", "?")] += 1
        splits[meta.get("split", "?")] += 1
        words.append(len(r["text"].split()))
        for ref in r["legal_refs"]:
            n_spans += 1
            kinds[ref["kind"]] += 1
            surface = r["text"][ref["start"]:ref["end"]]
            for form, rx in SPAN_FORMS.items():
                forms[form] += bool(rx.search(surface))
            insts[ref["instrument"] or "<unknown>"] += 1
            if ref["instrument"]:
                inst_countries[ref["instrument"].split("/")[0]] += 1
    words.sort()
    return {
        "articles": n,
        "splits": dict(splits),
        "label_combinations": dict(sorted(combos.items())),
        "labels": {lab: label_counts[lab] for lab in labels},
        "labels_per_split": {sp: {lab: c[lab] for lab in labels} for sp, c in sorted(per_split.items())},
        "neg_types": dict(Counter(r.get("meta", {}).get("neg_type") or "?" for r in records if not r["labels"])),
        "no_label": combos["none"],
        "hard_negatives": neg_hard,
        "negatives_with_keywords": neg_kw,
        "keyword_free_label_instances": kw_free,
        "label_instances": pos,
        "keyword_free_share": round(kw_free / pos, 3) if pos else 0.0,
        "words": {"min": words[0] if words else 0, "median": words[len(words) // 2] if words else 0,
                  "max": words[-1] if words else 0, "over_400": sum(w > 400 for w in words)},
        "countries": dict(countries.most_common()),
        "styles": dict(styles.most_common()),
        "legal_spans": n_spans,
        "span_kinds": dict(kinds),
        "span_forms": {k: forms[k] for k in SPAN_FORMS},
        "articles_with_hijri_date": hijri,
        "distinct_instruments": len([k for k in insts if k != "<unknown>"]),
        "spans_unknown_instrument": insts["<unknown>"],
        "instrument_countries": dict(inst_countries.most_common()),
        "instruments": dict(insts.most_common()),
    }


def near_duplicates(records: list[dict[str, Any]], threshold: float = 0.5, n: int = 5) -> list[dict[str, Any]]:
    """Pairs of articles whose character ``n``-gram sets have Jaccard similarity >= ``threshold``.

    Uses scikit-learn's hashing of character n-grams (2**20 buckets) and one sparse product, so all
    pairs are compared exactly (up to hash collisions, which can only raise a similarity).
    """
    from sklearn.feature_extraction.text import HashingVectorizer

    if len(records) < 2:
        return []
    vec = HashingVectorizer(analyzer="char", ngram_range=(n, n), n_features=2**20, alternate_sign=False,
                            norm=None, binary=True, lowercase=False)
    x = vec.transform([r["text"] for r in records]).tocsr()
    x.data[:] = 1
    sizes = np.asarray(x.sum(axis=1)).ravel()
    inter = (x @ x.T).tocoo()
    out = []
    for i, j, v in zip(inter.row, inter.col, inter.data):
        if i < j:
            jac = v / (sizes[i] + sizes[j] - v)
            if jac >= threshold:
                out.append({"a": records[i]["id"], "b": records[j]["id"], "jaccard": round(float(jac), 3),
                            "split_a": records[i].get("meta", {}).get("split"),
                            "split_b": records[j].get("meta", {}).get("split")})
    return sorted(out, key=lambda d: -d["jaccard"])
