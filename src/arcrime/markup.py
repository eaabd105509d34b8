"""Authoring markup for the corpus: inline legal-reference spans -> character offsets.

Writers author articles in ``data/raw/*.jsonl`` with each legal reference wrapped as

    ⟦surface text|kind|instrument|articles⟧

where ``kind`` is one of ``code``, ``law``, ``decree``, ``article``; ``instrument`` is a
canonical gazetteer id (``MA/penal-code``) or ``?`` for an instrument that is not in the
gazetteer; ``articles`` is a comma-separated list (may be empty). :func:`parse_marked`
strips the markup and returns the plain text with ``[start, end)`` offsets, so span text
always equals ``text[start:end]`` by construction.

Standard library only, so corpus tooling works before the package is installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SPAN_KINDS = ("code", "law", "decree", "article")
OPEN, CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧
_MARK = re.compile(OPEN + r"([^" + OPEN + CLOSE + r"]*)" + CLOSE)


class MarkupError(ValueError):
    """A malformed ``⟦...⟧`` span in a raw article."""


@dataclass(frozen=True)
class MarkedSpan:
    start: int
    end: int
    text: str
    kind: str
    instrument: str | None
    articles: tuple[str, ...]


def parse_marked(marked: str) -> tuple[str, list[MarkedSpan]]:
    """Strip ``⟦surface|kind|instrument|articles⟧`` markup.

    Args:
        marked: text containing zero or more marked spans.

    Returns:
        The plain text and the spans with offsets into it.

    Raises:
        MarkupError: on unbalanced brackets, a wrong field count, an unknown kind or an
            empty surface; the message quotes the offending span.
    """
    out: list[str] = []
    spans: list[MarkedSpan] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(marked):
        before = marked[pos : m.start()]
        if OPEN in before or CLOSE in before:
            raise MarkupError(f"unbalanced bracket before offset {m.start()}: {before[-40:]!r}")
        out.append(before)
        length += len(before)
        fields = m.group(1).split("|")
        if len(fields) != 4:
            raise MarkupError(
                f"span {m.group(0)!r} has {len(fields)} fields; expected 4: surface|kind|instrument|articles"
            )
        surface, kind, instrument, articles = (f.strip() if i else f for i, f in enumerate(fields))
        if not surface.strip() or surface != surface.strip():
            raise MarkupError(f"span {m.group(0)!r}: surface text is empty or has edge whitespace")
        if kind not in SPAN_KINDS:
            raise MarkupError(f"span {m.group(0)!r}: kind {kind!r} is not one of {', '.join(SPAN_KINDS)}")
        arts = tuple(a.strip() for a in articles.split(",") if a.strip())
        inst = None if instrument in ("", "?") else instrument
        spans.append(MarkedSpan(length, length + len(surface), surface, kind, inst, arts))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    rest = marked[pos:]
    if OPEN in rest or CLOSE in rest:
        raise MarkupError(f"unbalanced bracket near the end: {rest[:40]!r}")
    out.append(rest)
    return "".join(out), spans
