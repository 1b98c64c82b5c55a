"""Reporting periods: a month, a quarter, a year or any span of whole days (both ends included).

Only a month, a quarter or a year is a *reporting period*, one that may be exported for
publication (:attr:`Period.kind`); any other span is for internal use (docs/statistics.md,
"Period rule"): two exports of spans one day apart, subtracted, single out the person whose case
lies in that day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return cls(date(year, month, 1), nxt - timedelta(days=1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError("quarter must be 1-4")
        first = cls.month(year, 3 * quarter - 2)
        last = cls.month(year, 3 * quarter)
        return cls(first.start, last.end)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026``, ``2026-Q2``, ``2026-05`` or ``2026-01-01..2026-06-30``."""
        text = text.strip()
        if m := re.fullmatch(r"(\d{4})", text):
            return cls.year(int(m[1]))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            return cls.quarter(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return cls.month(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})", text):
            return cls(date.fromisoformat(m[1]), date.fromisoformat(m[2]))
        raise ValueError(f"not a period: {text!r}")

    @classmethod
    def last_full_quarter(cls, today: date | None = None) -> Period:
        today = today or date.today()
        q = (today.month - 1) // 3  # the current quarter, 0-based; the previous one is q
        return cls.quarter(today.year - 1, 4) if q == 0 else cls.quarter(today.year, q)

    def previous(self) -> Period | None:
        """The reporting period of the same kind just before this one (None for another span):
        the one a reader of both exports can subtract from this one (docs/statistics.md, the
        link rule). None before the calendar's first day, 0001-01-01: no period lies before
        it (subtracting a day from it raised OverflowError, a traceback; review of
        2026-12-07)."""
        if self.start == date.min:
            return None
        kind, day = self.kind, self.start - timedelta(days=1)
        if kind == "year":
            return Period.year(day.year)
        if kind == "quarter":
            return Period.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "month":
            return Period.month(day.year, day.month)
        return None

    @property
    def kind(self) -> str | None:
        """``"year"``, ``"quarter"`` or ``"month"`` for a reporting period, None for any other
        span (internal use only)."""
        y, m = self.start.year, self.start.month
        for name, candidate in (("year", Period.year(y)),
                                ("quarter", Period.quarter(y, (m - 1) // 3 + 1)),
                                ("month", Period.month(y, m))):
            if candidate == self:
                return name
        return None

    @property
    def label(self) -> str:
        """A compact name: ``2026``, ``2026-Q2``, ``2026-05`` or ``from..to``."""
        for candidate in (Period.year(self.start.year),
                          Period.quarter(self.start.year, (self.start.month - 1) // 3 + 1),
                          Period.month(self.start.year, self.start.month)):
            if candidate == self:
                if candidate.end.month - candidate.start.month == 11:
                    return f"{self.start.year}"
                if candidate.end.month != candidate.start.month:
                    return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
                return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"
