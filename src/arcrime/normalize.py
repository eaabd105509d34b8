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
    """One named normalization step: a list of (pattern, replacement) substitutions.

    ``char_map`` marks a step that maps single characters to strings (possibly empty); runs of
    such steps are fused into one pass (same result, much faster on long texts).
    """

    name: str
    description: str
    rules: tuple[tuple[re.Pattern[str], Replacement], ...]
    char_map: dict[str, str] | None = None
    table: dict[int, str] | None = None  # one-to-one part of char_map, applied with str.translate


def _char_step(name: str, description: str, mapping: dict[str, str]) -> Step:
    # one-to-one replacements keep every offset: str.translate, no offset work at all;
    # deletions and expansions go through the offset-tracking substitution
    table = {ord(c): v for c, v in mapping.items() if len(v) == 1}
    other = {c: v for c, v in mapping.items() if len(v) != 1}
    rules = ()
    if other:
        cls = "[" + "".join(re.escape(c) for c in other) + "]"
        rules = ((re.compile(cls), lambda m: other[m.group(0)]),)
    return Step(name, description, rules, dict(mapping), table or None)


def _fuse(steps: list[Step]) -> Step:
    """Compose consecutive character-map steps into one (applied in order, char by char)."""
    keys: set[str] = set()
    for st in steps:
        keys |= set(st.char_map or {})
        for v in (st.char_map or {}).values():
            keys |= set(v)
    fused: dict[str, str] = {}
    for c in keys:
        out = c
        for st in steps:
            out = "".join(st.char_map.get(x, x) for x in out)  # type: ignore[union-attr]
        if out != c:
            fused[c] = out
    name = "+".join(st.name for st in steps)
    if not fused:
        return Step(name, "fused (no-op)", ())
    return _char_step(name, "fused character maps", fused)


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


_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}

STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        _char_step("nfkc", "Unicode NFKC for Arabic presentation forms (ﻻ → لا) and compatibility characters",
                   {c: unicodedata.normalize("NFKC", c) for c in map(chr, [*range(0xFB50, 0xFE00),
                                                                           *range(0xFE70, 0xFF00), 0xA0,
                                                                           *range(0x2000, 0x200B)])
                    if unicodedata.normalize("NFKC", c) != c and c != "\ufeff"}),
        _char_step("remove_invisible", "drop zero-width and bidi control characters",
                   {chr(c): "" for c in [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                         0xFEFF]}),
        _char_step("strip_tashkeel", "remove Arabic diacritics (harakat, tanween, shadda, sukun, dagger alef)",
                   {c: "" for c in map(chr, range(0x0600, 0x06FF)) if re.match(f"[{TASHKEEL}]", c)}),
        _char_step("remove_tatweel", "remove kashida/tatweel (ـ)", {TATWEEL: ""}),
        _char_step("unify_alef", "أ إ آ ٱ → ا", {c: "ا" for c in "أإآٱ"}),
        _char_step("unify_ya", "ى → ي", {"ى": "ي"}),
        _char_step("unify_ta_marbuta", "ة → ه", {"ة": "ه"}),
        _char_step("arabic_digits", "Arabic-Indic and Persian digits → ASCII digits", _DIGITS),
        _char_step("arabic_punct", "Arabic comma/semicolon/question mark → ASCII forms", {"،": ",", "؛": ";", "؟": "?"}),
        _char_step("lowercase", "lowercase Latin letters", {c: c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}),
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
        plan: list[Step] = []
        run: list[Step] = []
        for st in self.steps:
            if st.char_map is not None:
                run.append(st)
                continue
            if run:
                plan.append(_fuse(run))
                run = []
            plan.append(st)
        if run:
            plan.append(_fuse(run))
        self._plan = tuple(plan)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.steps]

    def __call__(self, text: str) -> Normalized:
        """Normalize ``text`` and return it with its offset map."""
        n = len(text)
        starts = np.arange(n, dtype=np.int64)
        ends = starts + 1
        out = text
        for step in self._plan:
            if step.table:
                out = out.translate(step.table)
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
