"""Frozen result types of the legal-reference pipeline; offsets point into the original text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Instrument:
    """One code, law or decree of the gazetteer."""

    id: str  # canonical ``CC/slug`` id, e.g. ``MA/law/07-03``
    country: str  # ISO 3166-1 alpha-2
    kind: str  # code | law | decree-law | royal-decree | dahir | regulation
    name_ar: str
    aliases_ar: tuple[str, ...] = ()
    number: str | None = None
    year: int | None = None
    date_hijri: str | None = None
    numbers: tuple[tuple[tuple[Any, ...], int | None], ...] = ()  # (number parts, year) lookup keys
    articles: tuple[str, ...] = ()  # article numbers known to the gazetteer
    source: str | None = None
    confidence: str | None = None
    date_gregorian: str | None = None  # ``YYYY-MM-DD``: instruments cited by their date («ظهير 15 نونبر 1958»)


@dataclass(frozen=True)
class LegalReference:
    """A legal reference found in (or tagged on) a text.

    Attributes:
        start, end: ``[start, end)`` character offsets into the original text.
        text: ``original[start:end]``.
        kind: code | law | decree | article.
        instrument: canonical gazetteer id, or ``None`` when unknown or undeterminable.
        articles: canonical article numbers (``447-1``, ``309 bis``).
        raw_number: the instrument number as written (kept when the instrument is unknown).
        year: the instrument year as written, if any.
        short_form: True for «المادة 6 منه» / «من نفس القانون» / «مادته الـ18» style references.
        bill: True for a draft («مشروع قانون ...»); a bill is never linked to the law in force.
            Written to JSON only when True, so the output of other references is unchanged.
    """

    start: int
    end: int
    text: str
    kind: str
    instrument: str | None = None
    articles: tuple[str, ...] = ()
    raw_number: str | None = None
    year: int | None = None
    short_form: bool = False
    candidates: tuple[str, ...] = field(default=(), compare=False, repr=False)
    bill: bool = False
    # an article whose instrument is named in the citation (known or not): never linked to another one
    named: bool = field(default=False, compare=False, repr=False)
    # candidates narrowed by a number or by the year of a date clause («... الصادر عام 2012»): not by name only
    strong: bool = field(default=False, compare=False, repr=False)
    # candidates from a gazetteer name cited without its nationality («قانون الطفل» for «قانون الطفل
    # المصري»): linked only where the text is set in that country
    national: bool = field(default=False, compare=False, repr=False)

    def with_instrument(self, instrument: str | None) -> LegalReference:
        """A copy linked to ``instrument`` (``dataclasses.replace`` without its per-call overhead)."""
        new = object.__new__(LegalReference)
        d = new.__dict__
        d.update(self.__dict__)
        d["instrument"] = instrument
        return new

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["articles"] = list(self.articles)
        d.pop("candidates")
        d.pop("named")
        d.pop("strong")
        d.pop("national")
        if not self.bill:
            d.pop("bill")
        return d
