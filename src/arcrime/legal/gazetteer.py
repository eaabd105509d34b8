"""The packaged gazetteer: instruments with canonical ids, aliases, numbers and articles.

``gazetteer.jsonl`` beside this module is built from the project's researched draft by
``scripts/build_gazetteer.py``; every instrument keeps its ``source`` and ``confidence``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from ..normalize import Normalizer
from .models import Instrument

# normalization used for matching names (same family as the finder's)
MATCH_STEPS = ("nfkc", "remove_invisible", "strip_tashkeel", "remove_tatweel", "unify_alef", "unify_ya",
               "arabic_digits")  # character maps only: fused into one pass (patterns use \\s+ between words)
_norm = Normalizer(MATCH_STEPS)


def norm(text: str) -> str:
    """``text`` under the matching normalization (short strings cached: names and numbers recur)."""
    return _norm_short(text) if len(text) <= 80 else _norm(text).text


@lru_cache(maxsize=1 << 14)
def _norm_short(text: str) -> str:
    return _norm(text).text


class Gazetteer:
    """Lookup tables over instruments."""

    def __init__(self, instruments: list[Instrument]):
        self.instruments = {i.id: i for i in instruments}
        self.by_alias: dict[str, list[str]] = {}
        for inst in instruments:
            for name in (inst.name_ar, *inst.aliases_ar):
                key = norm(name)
                ids = self.by_alias.setdefault(key, [])
                if inst.id not in ids:
                    ids.append(inst.id)
        # number → [(id, year)] in gazetteer order: a lookup per cited number, not a walk over every instrument
        self._by_number: dict[tuple, list[tuple[str, int | None]]] = {}
        for inst in instruments:
            for num, y in inst.numbers:
                self._by_number.setdefault(num, []).append((inst.id, y))

    def __getitem__(self, iid: str) -> Instrument:
        return self.instruments[iid]

    def __contains__(self, iid: str) -> bool:
        return iid in self.instruments

    def by_number(self, parts: tuple, year: int | None) -> list[str]:
        """Instruments whose number (and year, when both are known) match."""
        out: list[str] = []
        for iid, y in self._by_number.get(parts, ()):
            if (year is None or y is None or y == year) and iid not in out:
                out.append(iid)
        return out

    def countries(self) -> set[str]:
        return {i.country for i in self.instruments.values()}


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The gazetteer shipped with the package (cached)."""
    text = resources.files(__package__).joinpath("gazetteer.jsonl").read_text(encoding="utf-8")
    insts = []
    for line in text.splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        insts.append(Instrument(
            id=d["id"], country=d["country"], kind=d["kind"], name_ar=d["name_ar"],
            aliases_ar=tuple(d.get("aliases_ar", [])), number=d.get("number"), year=d.get("year"),
            date_hijri=d.get("date_hijri"), date_gregorian=d.get("date_gregorian"),
            numbers=tuple((tuple(k["number"]), k["year"]) for k in d.get("numbers", [])),
            articles=tuple(a["article"] for a in d.get("articles", [])),
            source=d.get("source"), confidence=d.get("confidence"),
        ))
    return Gazetteer(insts)
