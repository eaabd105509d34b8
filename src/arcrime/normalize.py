"""Arabic text normalization as named, ordered steps that keep an offset map.

Every step rewrites the text with regular-expression substitutions and carries, for each
character of the output, the ``[start, end)`` range of the original characters it came
from. Spans found on normalized text are mapped back with :meth:`Normalized.to_original`,
so whatever normalization ran, results point into the user's original string.

Steps are idempotent one by one and as the default pipelines (tested as an invariant).
Inserted characters (e.g. spaces that AraBERT-style spacing adds around digits) map to an
empty range at their insertion point; deleted characters simply disappear.

Shortcut taken on purpose: a replacement that changes length maps every output character
to the whole matched source range; we never need finer alignment inside a match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

TASHKEEL = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
TATWEEL = "\u0640"


@dataclass(frozen=True)
class Normalized:
    """A normalized string with its map back to the original.

    Attributes:
        original: the text as the user gave it.
        text: the normalized text.
        starts: for each character of ``text``, the original start offset.
        ends: for each character of ``text``, the original end offset (exclusive).
    """

    original: str
    text: str
    starts: np.ndarray
    ends: np.ndarray

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the normalized text to the original text."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside normalized text of length {len(self.text)}")
        if start == end:
            pos = int(self.starts[start]) if start < len(self.text) else len(self.original)
            return pos, pos
        return int(self.starts[start]), int(self.ends[end - 1])


Replacement = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class Step:
    """One named normalization step: a list of (pattern, replacement) substitutions."""

    name: str
    description: str
    rules: tuple[tuple[re.Pattern[str], Replacement], ...]


def _sub(text: str, starts: np.ndarray, ends: np.ndarray, pattern: re.Pattern[str], repl: Replacement,
         orig_len: int) -> tuple[str, np.ndarray, np.ndarray]:
    pieces: list[str] = []
    s_parts: list[np.ndarray] = []
    e_parts: list[np.ndarray] = []
    pos = 0
    changed = False
    for m in pattern.finditer(text):
        a, b = m.span()
        new = repl if isinstance(repl, str) else repl(m)
        if new == m.group(0):
            continue
        changed = True
        pieces.append(text[pos:a])
        s_parts.append(starts[pos:a])
        e_parts.append(ends[pos:a])
        if new:
            if b > a and len(new) == b - a:
                s_parts.append(starts[a:b])
                e_parts.append(ends[a:b])
            elif b > a:
                s_parts.append(np.full(len(new), starts[a], dtype=np.int64))
                e_parts.append(np.full(len(new), ends[b - 1], dtype=np.int64))
            else:  # pure insertion
                anchor = int(starts[a]) if a < len(text) else orig_len
                s_parts.append(np.full(len(new), anchor, dtype=np.int64))
                e_parts.append(np.full(len(new), anchor, dtype=np.int64))
            pieces.append(new)
        pos = b
    if not changed:
        return text, starts, ends
    pieces.append(text[pos:])
    s_parts.append(starts[pos:])
    e_parts.append(ends[pos:])
    return "".join(pieces), np.concatenate(s_parts), np.concatenate(e_parts)


def _nfkc(m: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", m.group(0))


def _table(mapping: dict[str, str]) -> Callable[[re.Match[str]], str]:
    return lambda m: mapping[m.group(0)]


_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}

STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        Step("nfkc", "Unicode NFKC for Arabic presentation forms (ﻻ → لا) and compatibility characters",
             ((re.compile(r"[\ufb50-\ufdff\ufe70-\ufeff\u00a0\u2000-\u200a]"), _nfkc),)),
        Step("remove_invisible", "drop zero-width and bidi control characters",
             ((re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"), ""),)),
        Step("strip_tashkeel", "remove Arabic diacritics (harakat, tanween, shadda, sukun, dagger alef)",
             ((re.compile(f"[{TASHKEEL}]"), ""),)),
        Step("remove_tatweel", "remove kashida/tatweel (ـ)", ((re.compile(TATWEEL), ""),)),
        Step("unify_alef", "أ إ آ ٱ → ا", ((re.compile("[أإآٱ]"), "ا"),)),
        Step("unify_ya", "ى → ي", ((re.compile("ى"), "ي"),)),
        Step("unify_ta_marbuta", "ة → ه", ((re.compile("ة"), "ه"),)),
        Step("arabic_digits", "Arabic-Indic and Persian digits → ASCII digits",
             ((re.compile("[\u0660-\u0669\u06f0-\u06f9]"), _table(_DIGITS)),)),
        Step("arabic_punct", "Arabic comma/semicolon/question mark → ASCII forms",
             ((re.compile("[،؛؟]"), _table({"،": ",", "؛": ";", "؟": "?"})),)),
        Step("lowercase", "lowercase Latin letters", ((re.compile("[A-Z]"), lambda m: m.group(0).lower()),)),
        Step("arabert_spacing",
             "AraBERT v0.2 style: spaces around punctuation and between digits and letters",
             ((re.compile(r"(?<=[^\s\d])(?=\d)|(?<=\d)(?=[^\s\d])"), " "),
              (re.compile(r"(?<=[^\s])(?=[^\w\s])|(?<=[^\w\s])(?=[^\s])"), " "))),
        Step("collapse_whitespace", "runs of whitespace → one space (newline kept if the run has one)",
             ((re.compile(r"\s{2,}|[^\S \n]"), lambda m: "\n" if "\n" in m.group(0) else " "),)),
    ]
}

DEFAULT_STEPS: tuple[str, ...] = (
    "nfkc", "remove_invisible", "strip_tashkeel", "remove_tatweel", "unify_alef", "unify_ya",
    "arabic_digits", "collapse_whitespace",
)


class Normalizer:
    """An ordered pipeline of normalization steps.

    Args:
        steps: step names from :data:`STEPS` (or callables ``str -> str`` whose output has the
            same length as their input, e.g. a character map); applied in order.

    Raises:
        ValueError: for an unknown step name; the message lists the valid names.
    """

    def __init__(self, steps: Sequence[str | Callable[[str], str]] = DEFAULT_STEPS):
        resolved: list[Step] = []
        for s in steps:
            if callable(s):
                fn = s
                resolved.append(Step(getattr(fn, "__name__", "custom"), "user callable",
                                     ((re.compile(r"(?s).+"), lambda m, fn=fn: _same_length(fn, m.group(0))),)))
            elif s in STEPS:
                resolved.append(STEPS[s])
            else:
                raise ValueError(f"unknown normalization step {s!r}; valid steps: {', '.join(STEPS)}")
        self.steps = tuple(resolved)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.steps]

    def __call__(self, text: str) -> Normalized:
        """Normalize ``text`` and return it with its offset map."""
        n = len(text)
        starts = np.arange(n, dtype=np.int64)
        ends = starts + 1
        out = text
        for step in self.steps:
            for pattern, repl in step.rules:
                out, starts, ends = _sub(out, starts, ends, pattern, repl, n)
        return Normalized(text, out, starts, ends)


def _same_length(fn: Callable[[str], str], s: str) -> str:
    out = fn(s)
    if len(out) != len(s):
        raise ValueError("a callable normalization step must keep the text length; use a named step instead")
    return out


def normalize(text: str, steps: Sequence[str] = DEFAULT_STEPS) -> str:
    """Convenience: the normalized string only."""
    return Normalizer(steps)(text).text
