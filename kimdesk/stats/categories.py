"""The categories the indicator set counts in (definitions in ``docs/statistics.md``): the codes
of each case category in a fixed order, the age and duration bands, and the one-letter spelling
the grouped case query uses.

Defined once here because two sides must agree on them: the statistics SQL
(:mod:`kimdesk.vault.statsqueries`) computes each case's categories in SQLite, and the counting
(:mod:`kimdesk.stats.casecount`) decodes and tallies them. The Python band functions below are the
reference definitions the SQL is tested against.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from kimdesk.domain.codes import (
    ClosureReason,
    ConsultationPlace,
    Gender,
    Handlungsfeld,
    Rechtskreis,
    ResidenceStatus,
)

NOT_STATED = "not_stated"
AGE_BANDS = ("under_18", "18_26", "27_44", "45_64", "65_plus", "unknown")
DURATION_BANDS = ("under_3m", "3_6m", "6_12m", "12m_plus")
OUTREACH = tuple(p.value for p in ConsultationPlace if p.is_outreach)

#: The codes of each single-valued case category, in a fixed order; the last code of each is
#: where an unknown or missing value goes.
REASON_CODES = (*(r.value for r in ClosureReason if r.value != NOT_STATED), NOT_STATED)
GENDER_CODES = tuple(g.value for g in Gender)
STATUS_CODES = tuple(s.value for s in ResidenceStatus)

#: Age bands as (the age a person must not have reached, band), youngest first: a person born
#: after the day ``age`` years before the period's end is younger than ``age``.
AGE_LIMITS = ((0, "unknown"), (18, "under_18"), (27, "18_26"), (45, "27_44"), (65, "45_64"))

#: The codes of the multi-valued case tables, each with the case's JSON list column it counts.
MULTI_CODES = {"active_by_rechtskreis": ("rechtskreise", tuple(r.value for r in Rechtskreis)),
               "active_by_handlungsfeld": ("handlungsfelder",
                                           tuple(h.value for h in Handlungsfeld))}

#: Joins the free-form values of a municipality's cases in the grouped case query: the ASCII unit
#: separator, which neither a JSON text nor a country code holds (checked: a value holding it
#: sends the count row by row).
SEPARATOR = "\x1f"


def _letters(codes: Sequence[str]) -> dict[str, str]:
    """One letter per code ('A', 'B', ...): the grouped case query spells each case's category
    as one character, so a municipality's categories arrive as one string."""
    return {code: chr(65 + i) for i, code in enumerate(codes)}


#: Letter of every case category code; categories are told apart by position, not by letter.
LETTERS: dict[str, dict[str, str]] = {
    "reason": _letters(REASON_CODES), "duration": _letters(DURATION_BANDS),
    "age": _letters(AGE_BANDS), "gender": _letters(GENDER_CODES),
    "status": _letters(STATUS_CODES),
}


def band_age(age: int | None) -> str:
    if age is None or age < 0:
        return "unknown"
    if age < 18:
        return "under_18"
    if age <= 26:
        return "18_26"
    if age <= 44:
        return "27_44"
    if age <= 64:
        return "45_64"
    return "65_plus"


def age_on(day: date, birth_date: str | None, birth_year: int | None) -> int | None:
    """Age in whole years on ``day``; with only a birth year, the person is taken to be born on
    1 July (the middle of the year)."""
    if birth_date:
        y, m, d = int(birth_date[:4]), int(birth_date[5:7]), int(birth_date[8:10])
        return day.year - y - ((day.month, day.day) < (m, d))
    if birth_year:
        return day.year - int(birth_year) - ((day.month, day.day) < (7, 1))
    return None


def band_duration(opened: str, closed: str) -> str:
    """Whole calendar months from opening to closing."""
    y1, m1, d1 = int(opened[:4]), int(opened[5:7]), int(opened[8:10])
    y2, m2, d2 = int(closed[:4]), int(closed[5:7]), int(closed[8:10])
    months = (y2 - y1) * 12 + (m2 - m1) - (d2 < d1)
    if months < 3:
        return "under_3m"
    if months < 6:
        return "3_6m"
    if months < 12:
        return "6_12m"
    return "12m_plus"
