"""The SQL behind the anonymised statistics (:mod:`kimdesk.stats`), read only.

The statements are tuned for a year over 100,000 cases (``benchmarks/stats_bench.py``): the active
cases are grouped by municipality in SQLite, their categories computed there and handed over as
one string per municipality; consultations are summed per case from a covering index; nothing is
joined that Python can map faster. :mod:`kimdesk.stats` turns the rows into protected tables.

A :class:`StatsQueries` runs on one connection: the vault's own (:meth:`StatsQueries.of`), or a
reader connection of its own with a large page cache (:meth:`StatsQueries.reader`), so a report
can count cases and events on two connections in two threads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from kimdesk.domain.codes import AgencyType, GapCategory
from kimdesk.stats.categories import (
    AGE_LIMITS,
    GENDER_CODES,
    LETTERS,
    MULTI_CODES,
    OUTREACH,
    REASON_CODES,
    STATUS_CODES,
)
from kimdesk.vault import statsexports

if TYPE_CHECKING:
    from kimdesk.vault.connection import Connection
    from kimdesk.vault.statsexports import ExportRow
    from kimdesk.vault.vault import Vault

#: How a category code is written into the SQL (as itself, or as its letter).
Spelling = Callable[[str], str]

#: Periods longer than this many days count consultations from the covering index
#: ``consultations_stats`` (in case order, no sorting); shorter ones through the date index.
LONG_PERIOD_DAYS = 62

#: Case ids per lookup statement (SQLite's limit on bound parameters is far above).
LOOKUP_CHUNK = 500


def _in(codes: Iterable[str]) -> str:
    return ", ".join(f"'{c}'" for c in codes)


def _text(code: str) -> str:
    """A code as an SQL string literal (the codes are identifiers: no quotes inside)."""
    return f"'{code}'"


def _letter_of(category: str) -> Spelling:
    letters = LETTERS[category]
    return lambda code: f"'{letters[code]}'"


def _pick(expr: str, codes: Sequence[str], lit: Spelling) -> str:
    """``expr`` as one of ``codes``; anything else (NULL too) as the last code."""
    whens = " ".join(f"WHEN '{c}' THEN {lit(c)}" for c in codes[:-1])
    return f"CASE {expr} {whens} ELSE {lit(codes[-1])} END"


def age_band_sql(column: str, suffix: str, lit: Spelling = _text) -> str:
    """The age band of ``column`` (a birth date or a birth year) compared with the cut-off
    parameters of :func:`age_cutoffs`: plain comparisons on a stored column, because SQLite
    evaluates a computed age again for every band it is compared with (50 ms at 100k cases)."""
    whens = " ".join(f"WHEN {column} > :age{limit}{suffix} THEN {lit(band)}"
                     for limit, band in AGE_LIMITS)
    return f"CASE {whens} ELSE {lit('65_plus')} END"


def age_cutoffs(end: date) -> dict[str, str | int]:
    """The cut-off of each age limit for a period ending on ``end``: the ISO date ``limit``
    years earlier as text (``"2008-02-29"`` may not exist as a day, yet compares correctly with
    every real birth date) and, for a birth year alone (taken as 1 July, as
    :func:`kimdesk.stats.categories.age_on`), the last birth year that has reached the limit."""
    md = end.isoformat()[5:]
    late = md < "07-01"  # born 1 July of the cut-off year: not yet had the birthday on ``end``
    out: dict[str, str | int] = {}
    for limit, _band in AGE_LIMITS:
        out[f"age{limit}"] = f"{end.year - limit:04d}-{md}"
        out[f"age{limit}_y"] = end.year - limit - late
    return out


#: Cases active in the period (and not tombstoned), with the parameters :from and :to.
ACTIVE = ("c.deleted = 0 AND c.opened_on <= :to AND (c.closed_on IS NULL OR"
          " c.closed_on >= :from)")


def _case_sql(lit: Callable[[str], Spelling], where: str = "") -> str:
    """Every case active in the period with its categories, computed in SQL (C speed), each
    category spelt by ``lit(category)(code)``: the code itself for the row-wise count, one
    letter for the grouped one. The Python functions band_age / age_on / band_duration of
    :mod:`kimdesk.stats.categories` define the same bands and a test checks both agree. Reason
    and duration are NULL for cases not closed in the period."""
    duration = lit("duration")
    return f"""
SELECT id, muni, person, opened, closed,
       CASE WHEN closed = 0 THEN NULL ELSE reason END AS reason,
       CASE WHEN closed = 0 THEN NULL WHEN months < 3 THEN {duration('under_3m')}
            WHEN months < 6 THEN {duration('3_6m')} WHEN months < 12 THEN {duration('6_12m')}
            ELSE {duration('12m_plus')} END AS duration,
       age, gender, nationality, status, rechtskreise, handlungsfelder
FROM (
  SELECT c.id AS id, coalesce(c.municipality, '') AS muni, p.seq AS person,
         c.opened_on >= :from AS opened, coalesce(c.closed_on <= :to, 0) AS closed,
         {_pick("c.closure_reason", REASON_CODES, lit("reason"))} AS reason,
         (CAST(substr(c.closed_on, 1, 4) AS INTEGER) - CAST(substr(c.opened_on, 1, 4) AS INTEGER))
           * 12 + CAST(substr(c.closed_on, 6, 2) AS INTEGER)
           - CAST(substr(c.opened_on, 6, 2) AS INTEGER)
           - (substr(c.closed_on, 9, 2) < substr(c.opened_on, 9, 2)) AS months,
         CASE WHEN p.birth_date > '' THEN {age_band_sql("p.birth_date", "", lit("age"))}
              WHEN p.birth_year IS NOT NULL THEN {age_band_sql("p.birth_year", "_y", lit("age"))}
              ELSE {lit("age")("unknown")} END AS age,
         {_pick("p.gender", GENDER_CODES, lit("gender"))} AS gender,
         coalesce(json_extract(p.nationalities, '$[0]'), '') AS nationality,
         {_pick("p.residence_status", STATUS_CODES, lit("status"))} AS status,
         coalesce(c.rechtskreise, '') AS rechtskreise,
         coalesce(c.handlungsfelder, '') AS handlungsfelder
  FROM cases c JOIN persons p ON p.id = c.person_id
  WHERE {ACTIVE} AND p.deleted = 0 {where}
)
"""


#: The active cases one row each, categories as codes: for the people with more than one case.
CASE_ROWS_SQL = _case_sql(lambda _category: _text,
                          "AND (:persons IS NULL OR p.seq IN"
                          " (SELECT value FROM json_each(:persons)))")

#: Every municipality's active cases in one row: counts, each single-valued category as a
#: string of one letter per case (reason and duration for closed cases only), the nationalities
#: joined with the unit separator, the JSON lists of Rechtskreise and Handlungsfelder one after
#: the other, and the cases' ids and persons (which the consultations and referrals are mapped
#: with).
CASE_GROUPED_SQL = f"""
SELECT muni, count(*), sum(opened), sum(closed),
       group_concat(reason, ''), group_concat(duration, ''), group_concat(age, ''),
       group_concat(gender, ''), group_concat(status, ''), group_concat(nationality, char(31)),
       group_concat(id, ','), group_concat(person, ','),
       {", ".join(f"group_concat({column}, '')" for column, _codes in MULTI_CODES.values())}
FROM ({_case_sql(_letter_of)}) GROUP BY muni
"""
# Consultations and referrals are read without joins and mapped to their case's municipality and
# person in Python: per-row index lookups into cases and persons on UUID text cost more than
# everything else together (0.4 s of 1.2 s for a year at 100k cases). Consultations are counted
# per case in SQL, for a long period from the covering index consultations_stats alone (in case
# order, no sorting), for two months or less through the date index.
CONSULTATION_SQL = f"""
SELECT case_id, count(*), sum(coalesce(place, '') IN ({_in(OUTREACH)})),
       sum(coalesce(interpreter_used, 0) <> 0)
FROM consultations INDEXED BY {{index}}
WHERE deleted = 0 AND date BETWEEN :from AND :to GROUP BY case_id
"""
REFERRAL_SQL = f"""
SELECT case_id, CASE WHEN agency_type IN ({_in(a.value for a in AgencyType)}) THEN agency_type
                     ELSE '{AgencyType.OTHER.value}' END
FROM referrals WHERE deleted = 0 AND referred_on BETWEEN :from AND :to
"""
#: Municipality and person of cases outside the active set (a consultation or referral dated
#: outside its case's span).
CASE_LOOKUP_SQL = """
SELECT c.id, coalesce(c.municipality, ''), p.seq FROM cases c JOIN persons p ON p.id = c.person_id
WHERE c.deleted = 0 AND p.deleted = 0 AND c.id IN ({marks})
"""
# A gap linked to a case counts that case's person; an unlinked gap stands for itself.
GAP_CATEGORY_SQL = f"""
SELECT coalesce(g.municipality, ''), coalesce(p.seq, -g.seq),
       CASE WHEN g.category IN ({_in(g.value for g in GapCategory)}) THEN g.category
            ELSE '{GapCategory.OTHER.value}' END
FROM structural_gaps g LEFT JOIN cases c ON c.id = g.case_id AND c.deleted = 0
LEFT JOIN persons p ON p.id = c.person_id AND p.deleted = 0
WHERE g.deleted = 0 AND g.observed_on BETWEEN :from AND :to
"""
#: The structural-gap export's entries, with the linked person's and case's identifying strings
#: (the export cuts them out of the description; they never leave the vault themselves).
GAP_ENTRY_SQL = """
SELECT g.category, g.agencies, g.rechtskreise, g.municipality, substr(g.observed_on, 1, 7),
       g.description, p.given_name, p.family_name, p.given_name_latin, p.family_name_latin,
       p.birth_date, p.phone, p.email, p.address, c.case_number
FROM structural_gaps g
LEFT JOIN cases c ON c.id = g.case_id
LEFT JOIN persons p ON p.id = c.person_id
WHERE g.deleted = 0 AND g.observed_on BETWEEN :from AND :to
ORDER BY g.observed_on, g.category, g.municipality
"""

#: The statistical remains of purged cases active in the period (kimdesk/vault/statsremains.py)
#: in :data:`CASE_ROWS_SQL`'s shape: dates are months, compared with the period's months; the
#: birth month compares with the age cut-offs as if the birthday were past (right at every
#: month's end); the region stands where the nationality does (regions map to themselves).
REMAINS_CASE_SQL = f"""
SELECT id, muni, person, opened, closed, CASE WHEN closed = 0 THEN NULL ELSE reason END,
       CASE WHEN closed = 0 THEN NULL ELSE duration END,
       age, gender, nationality, status, rechtskreise, handlungsfelder
FROM (
  SELECT 'remains:' || r.seq AS id, r.municipality AS muni, r.person AS person,
         r.opened >= substr(:from, 1, 7) AS opened,
         coalesce(r.closed <= substr(:to, 1, 7), 0) AS closed,
         {_pick("r.closure_reason", REASON_CODES, _text)} AS reason, r.duration AS duration,
         CASE WHEN r.birth_month > '' THEN {age_band_sql("r.birth_month", "")}
              WHEN r.birth_year IS NOT NULL THEN {age_band_sql("r.birth_year", "_y")}
              ELSE 'unknown' END AS age,
         {_pick("r.gender", GENDER_CODES, _text)} AS gender, r.region AS nationality,
         {_pick("r.residence_status", STATUS_CODES, _text)} AS status,
         r.rechtskreise AS rechtskreise, r.handlungsfelder AS handlungsfelder
  FROM stats_cases r
  WHERE r.opened <= substr(:to, 1, 7) AND (r.closed IS NULL OR r.closed >= substr(:from, 1, 7))
    AND (:persons IS NULL OR r.person IN (SELECT value FROM json_each(:persons)))
)
"""
#: The remains' consultations per (municipality, person) and referrals per agency type.
REMAINS_CONSULTATION_SQL = """
SELECT municipality, person, sum(n), sum(outreach), sum(interpreter) FROM stats_events
WHERE kind = 'consultation' AND month BETWEEN substr(:from, 1, 7) AND substr(:to, 1, 7)
GROUP BY 1, 2
"""
REMAINS_REFERRAL_SQL = """
SELECT municipality, person, code, sum(n) FROM stats_events
WHERE kind = 'referral' AND month BETWEEN substr(:from, 1, 7) AND substr(:to, 1, 7)
GROUP BY 1, 2, 3
"""

#: The bare per-municipality GROUP BY counts the indicators rest on (see
#: :meth:`StatsQueries.baseline`).
BASELINE_SQL = {
    "opened": "SELECT municipality, count(*) FROM cases c WHERE c.deleted = 0 AND"
              " c.opened_on BETWEEN :from AND :to GROUP BY 1",
    "active": f"SELECT municipality, count(*) FROM cases c WHERE {ACTIVE} GROUP BY 1",
    "closed": "SELECT municipality, closure_reason, count(*) FROM cases c WHERE"
              " c.deleted = 0 AND c.closed_on BETWEEN :from AND :to GROUP BY 1, 2",
    "gender": f"SELECT c.municipality, p.gender, count(*) FROM cases c JOIN persons p ON"
              f" p.id = c.person_id WHERE {ACTIVE} GROUP BY 1, 2",
    "age": f"SELECT c.municipality, p.birth_year, count(*) FROM cases c JOIN persons p ON"
           f" p.id = c.person_id WHERE {ACTIVE} GROUP BY 1, 2",
    "nationality": f"SELECT c.municipality, json_extract(p.nationalities, '$[0]'), count(*)"
                   f" FROM cases c JOIN persons p ON p.id = c.person_id WHERE {ACTIVE}"
                   f" GROUP BY 1, 2",
    "residence": f"SELECT c.municipality, p.residence_status, count(*) FROM cases c JOIN"
                 f" persons p ON p.id = c.person_id WHERE {ACTIVE} GROUP BY 1, 2",
    "rechtskreise": f"SELECT c.municipality, j.value, count(*) FROM cases c,"
                    f" json_each(c.rechtskreise) j WHERE {ACTIVE} GROUP BY 1, 2",
    "handlungsfelder": f"SELECT c.municipality, j.value, count(*) FROM cases c,"
                       f" json_each(c.handlungsfelder) j WHERE {ACTIVE} GROUP BY 1, 2",
    "referrals": "SELECT c.municipality, r.agency_type, count(*) FROM referrals r JOIN cases"
                 " c ON c.id = r.case_id WHERE r.deleted = 0 AND c.deleted = 0 AND"
                 " r.referred_on BETWEEN :from AND :to GROUP BY 1, 2",
    "consultations": f"SELECT c.municipality, count(*), sum(k.place IN"
                     f" ({', '.join(repr(p) for p in OUTREACH)})), sum(k.interpreter_used)"
                     f" FROM consultations k JOIN cases c ON c.id = k.case_id WHERE"
                     f" k.deleted = 0 AND c.deleted = 0 AND k.date BETWEEN :from AND :to"
                     f" GROUP BY 1",
    "gaps": "SELECT municipality, category, count(*) FROM structural_gaps WHERE deleted = 0"
            " AND observed_on BETWEEN :from AND :to GROUP BY 1, 2",
}


def _span(start: date, end: date) -> dict[str, str]:
    """The period as the ``:from`` and ``:to`` parameters every statement takes."""
    return {"from": start.isoformat(), "to": end.isoformat()}


class StatsQueries:
    """The statistics' read-only queries on one connection to a vault. Row-returning methods hand
    over SQLite's cursor where the caller streams the rows (``Counter`` over a cursor counts in
    C), a list where it needs them all at once."""

    def __init__(self, conn: Connection, *, owned: bool = False) -> None:
        self._conn = conn
        self._owned = owned

    @classmethod
    def of(cls, vault: Vault) -> StatsQueries:
        """Queries on the vault's own connection (a gap export, a test): nothing to close."""
        return cls(vault.conn)

    @classmethod
    def reader(cls, vault: Vault, cache_kib: int | None = None) -> StatsQueries:
        """Queries on a reader connection of their own (:meth:`Vault.open_reader`, ``cache_kib``
        of page cache), closed by :meth:`close`: the vault's main connection keeps its cache,
        and another thread can count at the same time."""
        return cls(vault.open_reader(cache_kib=cache_kib), owned=True)

    def close(self) -> None:
        """Close the reader connection (a no-op on the vault's own connection)."""
        if self._owned:
            self._conn.close()

    def __enter__(self) -> StatsQueries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- cases ---------------------------------------------------------------------------------
    def case_groups(self, start: date, end: date) -> list[tuple[Any, ...]]:
        """:data:`CASE_GROUPED_SQL`'s rows: one per municipality with active cases."""
        params = {**_span(start, end), **age_cutoffs(end)}
        rows: list[tuple[Any, ...]] = self._conn.execute(CASE_GROUPED_SQL, params).fetchall()
        return rows

    def case_rows(self, start: date, end: date, persons: Sequence[int] | None = None
                  ) -> Iterable[tuple[Any, ...]]:
        """:data:`CASE_ROWS_SQL`'s rows: the active cases one each, categories as codes; of the
        people whose ``persons.seq`` is in ``persons`` only, or of everyone (None)."""
        params = {**_span(start, end), **age_cutoffs(end),
                  "persons": None if persons is None else json.dumps(list(persons))}
        cursor: Iterable[tuple[Any, ...]] = self._conn.execute(CASE_ROWS_SQL, params)
        return cursor

    def case_places(self, case_ids: Sequence[str]) -> Iterator[tuple[str, str, int]]:
        """(case id, municipality, ``persons.seq``) of the given cases; deleted ones left out."""
        for i in range(0, len(case_ids), LOOKUP_CHUNK):
            chunk = list(case_ids[i:i + LOOKUP_CHUNK])
            sql = CASE_LOOKUP_SQL.format(marks=",".join("?" * len(chunk)))
            yield from self._conn.execute(sql, chunk)

    def remains_rows(self, start: date, end: date, persons: Sequence[int] | None = None
                     ) -> list[tuple[Any, ...]]:
        """:data:`REMAINS_CASE_SQL`'s rows: purged cases active in the period, as
        :meth:`case_rows` gives live ones (of the people in ``persons`` only, or all)."""
        params = {**_span(start, end), **age_cutoffs(end),
                  "persons": None if persons is None else json.dumps(list(persons))}
        rows: list[tuple[Any, ...]] = self._conn.execute(REMAINS_CASE_SQL, params).fetchall()
        return rows

    def remains_consultations(self, start: date, end: date) -> list[tuple[Any, ...]]:
        """(municipality, person, consultations, outreach, with interpreter) of purged cases."""
        rows: list[tuple[Any, ...]] = self._conn.execute(REMAINS_CONSULTATION_SQL,
                                                         _span(start, end)).fetchall()
        return rows

    def remains_referrals(self, start: date, end: date) -> list[tuple[Any, ...]]:
        """(municipality, person, agency type, referrals) of purged cases."""
        rows: list[tuple[Any, ...]] = self._conn.execute(REMAINS_REFERRAL_SQL,
                                                         _span(start, end)).fetchall()
        return rows

    # -- events --------------------------------------------------------------------------------
    def consultations_per_case(self, start: date, end: date) -> Iterable[tuple[Any, ...]]:
        """(case id, consultations, of them outreach, of them with interpreter) per case with
        consultations in the period."""
        long_period = (end - start).days > LONG_PERIOD_DAYS
        index = "consultations_stats" if long_period else "consultations_date"
        cursor: Iterable[tuple[Any, ...]] = self._conn.execute(
            CONSULTATION_SQL.format(index=index), _span(start, end))
        return cursor

    def referral_types(self, start: date, end: date) -> Iterable[tuple[str, str]]:
        """(case id, receiving agency type) of every referral made in the period."""
        cursor: Iterable[tuple[str, str]] = self._conn.execute(REFERRAL_SQL, _span(start, end))
        return cursor

    def gap_categories(self, start: date, end: date) -> Iterable[tuple[str, Any, str]]:
        """(municipality, person or minus the gap's seq, category) of every structural gap
        observed in the period."""
        cursor: Iterable[tuple[str, Any, str]] = self._conn.execute(GAP_CATEGORY_SQL,
                                                                    _span(start, end))
        return cursor

    def gap_entries(self, start: date, end: date) -> Iterable[tuple[Any, ...]]:
        """:data:`GAP_ENTRY_SQL`'s rows, in the order the export lists them."""
        cursor: Iterable[tuple[Any, ...]] = self._conn.execute(GAP_ENTRY_SQL, _span(start, end))
        return cursor

    # -- what was published ----------------------------------------------------------------------
    def exports_of(self, start: date, end: date) -> list[ExportRow]:
        """The recorded exports of exactly this period, oldest first
        (:mod:`kimdesk.vault.statsexports`)."""
        return statsexports.of_period(self._conn, start, end)

    # -- reference -----------------------------------------------------------------------------
    def baseline(self, start: date, end: date) -> dict[str, list[tuple[Any, ...]]]:
        """The bare SQL aggregation the indicators rest on: per-municipality GROUP BY counts, no
        distinct people, no margins, no disclosure control. For the benchmark and for tests that
        compare published totals with direct counts."""
        params = _span(start, end)
        return {name: self._conn.execute(sql, params).fetchall()
                for name, sql in BASELINE_SQL.items()}
