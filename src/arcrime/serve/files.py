"""Read the files an analyst drops on the page into ``{"id", "text"}`` records.

``.txt``: the whole file is one article (its id is the file name). ``.jsonl``: one JSON object per
line with ``text`` (and ``id``). ``.csv``: a header row with a ``text`` column (``النص`` also works)
and an optional ``id`` column. Files must be UTF-8 (a byte-order mark is allowed). A record that
cannot be used (a bad JSON line, an empty text) is reported with its line or row and the others are
kept; a file with no usable record at all is an error. Every message says what to do about it, in
English (``message``) and Arabic (``message_ar``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..corpus import looks_binary

EXTENSIONS = (".txt", ".jsonl", ".csv")
TEXT_COLUMNS = ("text", "النص", "نص")


@dataclass
class FileProblem(Exception):
    """A file that cannot be read at all; ``status`` is the HTTP status to answer with."""

    status: int
    message: str
    message_ar: str

    def __str__(self) -> str:
        return self.message


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def _bad_text(text: Any) -> str | None:
    if not isinstance(text, str):
        return "text is missing or not a string"
    if not text.strip():
        return "text is empty"
    if looks_binary(text):
        return "text is binary data, not an article"
    return None


def parse_file(name: str, data: bytes, max_bytes: int, max_chars: int
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Records of one uploaded file, and the problems of the records that were left out.

    Raises:
        FileProblem: the file is too large, of an unknown type, not UTF-8, has no ``text`` column,
            or holds no usable article.
    """
    name = PurePosixPath(name.replace("\\", "/")).name or "file"
    ext = PurePosixPath(name).suffix.lower()
    if len(data) > max_bytes:
        raise FileProblem(413, f"{name} is {_mb(len(data))}; the limit is {_mb(max_bytes)} per file. "
                               "Split it into smaller files.",
                          f"الملف {name} حجمه {_mb(len(data))}، والحد الأقصى {_mb(max_bytes)} للملف الواحد. "
                          "قسّمه إلى ملفات أصغر.")
    if ext not in EXTENSIONS:
        raise FileProblem(415, f"{name}: files of type '{ext or 'without extension'}' are not read; "
                               "drop .txt, .jsonl or .csv files.",
                          f"الملف {name}: هذا النوع من الملفات غير مدعوم؛ استعمل ملفات ‎.txt أو ‎.jsonl أو ‎.csv.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FileProblem(422, f"{name} is not UTF-8 text (invalid byte at position {e.start}). "
                               "Save it as UTF-8 (in Excel: 'CSV UTF-8'; in a text editor: encoding UTF-8) "
                               "and drop it again.",
                          f"الملف {name} ليس نصا بترميز UTF-8 (بايت غير صالح في الموضع {e.start}). "
                          "احفظه بترميز UTF-8 ثم أعد إسقاطه.") from None
    if not text.strip():
        raise FileProblem(422, f"{name} is empty.", f"الملف {name} فارغ.")
    records: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    if ext == ".txt":
        why = _bad_text(text)
        if why:
            raise FileProblem(422, f"{name}: {why}.", f"الملف {name} لا يحوي نص مقال.")
        records.append({"id": name, "text": text})
    elif ext == ".jsonl":
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                problems.append({"file": name, "line": i, "error": f"not valid JSON ({e.msg})"})
                continue
            why = _bad_text(obj.get("text")) if isinstance(obj, dict) else "not a JSON object"
            if why:
                problems.append({"file": name, "line": i, "error": why})
                continue
            records.append({"id": str(obj.get("id") or f"{name}:{i}"), "text": obj["text"]})
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        fields = [f for f in (reader.fieldnames or []) if f is not None]
        lower = {f.strip().lower(): f for f in fields}
        col = next((lower[c] for c in TEXT_COLUMNS if c in lower), None)
        if col is None:
            found = ", ".join(repr(f) for f in fields) or "none"
            raise FileProblem(422, f"{name} has no text column (columns found: {found}). Name the column that "
                                   "holds the articles 'text'.",
                              f"الملف {name} لا يحوي عمودا باسم text (الأعمدة الموجودة: {found}). "
                              "سمِّ العمود الذي يحوي المقالات text.")
        id_col = lower.get("id")
        try:
            for row in reader:
                why = _bad_text(row.get(col))
                line = reader.line_num
                if why:
                    problems.append({"file": name, "line": line, "error": why})
                    continue
                rid = (row.get(id_col) or "").strip() if id_col else ""
                records.append({"id": rid or f"{name}:{line}", "text": row[col]})
        except csv.Error as e:
            problems.append({"file": name, "line": reader.line_num, "error": f"CSV error: {e}; the rest was not read"})
    long = [r for r in records if len(r["text"]) > max_chars]
    for r in long:
        problems.append({"file": name, "id": r["id"],
                         "error": f"{len(r['text'])} characters; the limit is {max_chars} per article"})
    records = [r for r in records if len(r["text"]) <= max_chars]
    if not records:
        first = "; ".join(f"line {p['line']}: {p['error']}" if "line" in p else p["error"] for p in problems[:3])
        raise FileProblem(422, f"{name} holds no usable article ({first}).",
                          f"الملف {name} لا يحوي أي مقال صالح ({first}).")
    return records, problems
