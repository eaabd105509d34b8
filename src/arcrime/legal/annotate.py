"""HTML annotation: wrap each reference in a link to its instrument, right-to-left."""

from __future__ import annotations

import html
from collections.abc import Callable

from .models import LegalReference


def default_href(ref: LegalReference) -> str:
    return "#" + (ref.instrument or "unknown")


def annotate(text: str, refs: list[LegalReference], href: Callable[[LegalReference], str] = default_href,
             wrap: bool = True) -> str:
    """Return ``text`` as HTML with each reference wrapped in ``<a class="legal-ref">``.

    Offsets index the original text, so markup lands on the exact characters found.
    Overlapping references are skipped after the first (in start order).
    """
    parts: list[str] = []
    pos = 0
    for r in sorted(refs, key=lambda r: (r.start, -r.end)):
        if r.start < pos:
            continue
        parts.append(html.escape(text[pos : r.start]))
        attrs = f'class="legal-ref legal-{r.kind}" href="{html.escape(href(r))}"'
        if r.instrument:
            attrs += f' data-instrument="{html.escape(r.instrument)}"'
        if r.articles:
            attrs += f' data-articles="{html.escape(",".join(r.articles))}"'
        parts.append(f"<a {attrs}>{html.escape(text[r.start : r.end])}</a>")
        pos = r.end
    parts.append(html.escape(text[pos:]))
    body = "".join(parts)
    return f'<div dir="rtl" lang="ar">{body}</div>' if wrap else body
