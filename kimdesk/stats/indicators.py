"""The indicator set for one reporting period, per municipality of a Kreis (definitions in
``docs/statistics.md``; codes are stable, labels are translated where shown).

Cases are read once, restricted to those active in the period, and counted in Python; consultations,
referrals and gaps are pre-aggregated per case in SQL. Every count carries the number of distinct
people behind it (:class:`~kimdesk.stats.tables.Cell`), which disclosure control needs; the
margins (Kreis total row, total column) are computed from the same records, so they are exact even
where one person counts in several cells.

Tombstoned records (``deleted = 1``) are never counted.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import compress
from typing import Any

from kimdesk.domain.codes import (
    AgencyType,
    ClosureReason,
    ConsultationPlace,
    GapCategory,
    Gender,
    Handlungsfeld,
    Rechtskreis,
    ResidenceStatus,
)
from kimdesk.i18n import N_
from kimdesk.stats import regions
from kimdesk.stats.period import Period
from kimdesk.stats.tables import TOTAL, Cell, Table

NOT_STATED = "not_stated"
AGE_BANDS = ("under_18", "18_26", "27_44", "45_64", "65_plus", "unknown")
DURATION_BANDS = ("under_3m", "3_6m", "6_12m", "12m_plus")
OUTREACH = tuple(p.value for p in ConsultationPlace if p.is_outreach)

#: Labels of the codes this module adds (the domain's codes use :func:`codes.label`).
LABELS: dict[str, str] = {
    "opened": N_("opened"),
    "active": N_("active"),
    "closed": N_("closed"),
    "under_18": N_("under 18"),
    "18_26": N_("18-26"),
    "27_44": N_("27-44"),
    "45_64": N_("45-64"),
    "65_plus": N_("65 and over"),
    "under_3m": N_("under 3 months"),
    "3_6m": N_("3 to under 6 months"),
    "6_12m": N_("6 to under 12 months"),
    "12m_plus": N_("12 months and more"),
    "outreach": N_("outreach"),
    "not_outreach": N_("office, partner agency, phone"),
    "outreach_share_pct": N_("outreach share (%)"),
    "with_interpreter": N_("with interpreter"),
    "without_interpreter": N_("without interpreter"),
    "interpreter_share_pct": N_("interpreter share (%)"),
    TOTAL: N_("total"),
    # structural-gap categories (no labels in the domain's code list yet)
    "waiting_time": N_("waiting times"),
    "unclear_responsibility": N_("unclear responsibility"),
    "missing_service": N_("missing service"),
    "language_barrier": N_("language barrier"),
    "digital_access": N_("digital access"),
    "information_flow": N_("information flow between agencies"),
    "legal_obstacle": N_("legal obstacle"),
    # receiving agency types
    "jobcenter": N_("Jobcenter"),
    "employment_agency": N_("employment agency"),
    "youth_office": N_("youth office"),
    "social_office": N_("social welfare office"),
    "foreigners_office": N_("foreigners' office"),
    "naturalisation_office": N_("naturalisation office"),
    "integration_course": N_("integration course provider"),
    "recognition_counselling": N_("recognition counselling"),
    "migration_counselling": N_("migration counselling (MBE/JMD)"),
    "school_kita": N_("school / Kita"),
    "debt_counselling": N_("debt counselling"),
}

_ACTIVE = N_("cases active at any time in the period")
_CLOSED = N_("cases closed in the period")

def _in(codes: Iterable[str]) -> str:
    return ", ".join(f"'{c}'" for c in codes)


_REASONS = _in(r.value for r in ClosureReason)
_GENDERS = _in(g.value for g in Gender)
_STATUSES = _in(s.value for s in ResidenceStatus)

#: Age bands as (the age a person must not have reached, band), youngest first: a person born
#: after the day ``age`` years before the period's end is younger than ``age``.
AGE_LIMITS = ((0, "unknown"), (18, "under_18"), (27, "18_26"), (45, "27_44"), (65, "45_64"))


def _age_band_sql(column: str, suffix: str) -> str:
    """The age band of ``column`` (a birth date or a birth year) compared with the cut-off
    parameters of :func:`age_cutoffs`: plain comparisons on a stored column, because SQLite
    evaluates a computed age again for every band it is compared with (50 ms at 100k cases)."""
    whens = " ".join(f"WHEN {column} > :age{limit}{suffix} THEN '{band}'"
                     for limit, band in AGE_LIMITS)
    return f"CASE {whens} ELSE '65_plus' END"


def age_cutoffs(end: date) -> dict[str, str | int]:
    """The cut-off of each age limit for a period ending on ``end``: the ISO date ``limit``
    years earlier as text (``"2008-02-29"`` may not exist as a day, yet compares correctly with
    every real birth date) and, for a birth year alone (taken as 1 July, as :func:`age_on`), the
    last birth year that has reached the limit."""
    md = end.isoformat()[5:]
    late = md < "07-01"  # born 1 July of the cut-off year: not yet had the birthday on ``end``
    out: dict[str, str | int] = {}
    for limit, _band in AGE_LIMITS:
        out[f"age{limit}"] = f"{end.year - limit:04d}-{md}"
        out[f"age{limit}_y"] = end.year - limit - late
    return out


# The per-case categories are computed in SQL (C speed) and the rows transposed into columns with
# zip(*rows); the Python functions _band_age / age_on / _band_duration define the same bands and a
# test checks both agree. The closure reason is read for closed cases only (fewer strings).
CASE_SQL = f"""
SELECT id, muni, person, opened, closed, CASE WHEN closed = 0 THEN NULL ELSE reason END,
       CASE WHEN closed = 0 THEN NULL WHEN months < 3 THEN 'under_3m'
            WHEN months < 6 THEN '3_6m' WHEN months < 12 THEN '6_12m' ELSE '12m_plus' END,
       age, gender, nationality, status, rechtskreise, handlungsfelder
FROM (
  SELECT c.id AS id, coalesce(c.municipality, '') AS muni, p.seq AS person,
         c.opened_on >= :from AS opened,
         coalesce(c.closed_on <= :to, 0) AS closed,
         CASE WHEN c.closure_reason IN ({_REASONS}) THEN c.closure_reason
              ELSE 'not_stated' END AS reason,
         (CAST(substr(c.closed_on, 1, 4) AS INTEGER) - CAST(substr(c.opened_on, 1, 4) AS INTEGER))
           * 12 + CAST(substr(c.closed_on, 6, 2) AS INTEGER)
           - CAST(substr(c.opened_on, 6, 2) AS INTEGER)
           - (substr(c.closed_on, 9, 2) < substr(c.opened_on, 9, 2)) AS months,
         CASE WHEN p.birth_date > '' THEN {_age_band_sql("p.birth_date", "")}
              WHEN p.birth_year IS NOT NULL THEN {_age_band_sql("p.birth_year", "_y")}
              ELSE 'unknown' END AS age,
         CASE WHEN p.gender IN ({_GENDERS}) THEN p.gender
              ELSE 'not_stated' END AS gender,
         json_extract(p.nationalities, '$[0]') AS nationality,
         CASE WHEN p.residence_status IN ({_STATUSES}) THEN p.residence_status
              ELSE 'unknown' END AS status,
         c.rechtskreise AS rechtskreise, c.handlungsfelder AS handlungsfelder
  FROM cases c JOIN persons p ON p.id = c.person_id
  WHERE c.deleted = 0 AND p.deleted = 0 AND c.opened_on <= :to
    AND (c.closed_on IS NULL OR c.closed_on >= :from)
)
"""
# Consultations and referrals are read without joins and mapped to their case in Python: the
# per-row index lookups into cases and persons cost more than everything else together. For
# periods longer than two months a sequential scan beats the date index (measured on 100k cases).
CONSULTATION_SQL = """
SELECT case_id, place, interpreter_used FROM consultations {hint}
WHERE deleted = 0 AND date BETWEEN :from AND :to
"""
REFERRAL_SQL = """
SELECT case_id, agency_type FROM referrals WHERE deleted = 0 AND referred_on BETWEEN :from AND :to
"""
CASE_LOOKUP_SQL = """
SELECT c.id, c.municipality, p.seq FROM cases c JOIN persons p ON p.id = c.person_id
WHERE c.deleted = 0 AND p.deleted = 0 AND c.id IN ({marks})
"""
# A gap linked to a case counts that case's person; an unlinked gap stands for itself.
GAP_SQL = """
SELECT g.municipality, coalesce(p.seq, -g.seq), g.category
FROM structural_gaps g LEFT JOIN cases c ON c.id = g.case_id AND c.deleted = 0
LEFT JOIN persons p ON p.id = c.person_id AND p.deleted = 0
WHERE g.deleted = 0 AND g.observed_on BETWEEN :from AND :to
"""


def tally(rows: Sequence[str], columns: Sequence[str], people: Sequence[int],
          weights: Sequence[int] | None = None, *, row_total: bool = True,
          pairs_unique: bool | None = None, people_unique: bool | None = None
          ) -> dict[tuple[str, str], Cell]:
    """Counts and distinct people per cell and margin, for items given as parallel sequences
    (one item: a municipality, a column, a person and a weight, default 1).

    A person with several items in one position (two cases, consultations in and out of the
    office) counts once there: people come from sets of (position, person) pairs, skipped where
    the items are already distinct per person. ``Counter`` over ``zip`` counts in C.
    ``pairs_unique`` tells that no (column, person) pair repeats and ``people_unique`` that no
    person has two items at all (the caller knows every person has one case), which saves the
    checks; with unit weights and unique people, people equal counts everywhere."""
    n = len(people)
    items: Counter[tuple[str, str]] = Counter(zip(rows, columns, strict=True))
    if weights is None:
        value: dict[tuple[str, str], int] = items
    else:  # a plain dict with a bound get: three times faster than Counter's += per item
        value = {}
        get = value.get
        for pos, w in zip(zip(rows, columns, strict=True), weights, strict=True):
            value[pos] = get(pos, 0) + w
    by_col: Counter[str] = Counter()
    by_row: Counter[str] = Counter()
    for (r, c), v in value.items():
        by_col[c] += v
        by_row[r] += v
    if weights is None and row_total and (
            people_unique if people_unique is not None else len(set(people)) == n):
        out = {pos: Cell(v, v) for pos, v in value.items()}
        out.update({(TOTAL, c): Cell(v, v) for c, v in by_col.items()})
        out.update({(r, TOTAL): Cell(v, v) for r, v in by_row.items()})
        if value:
            out[(TOTAL, TOTAL)] = Cell(n, n)
        return out
    if pairs_unique is None:
        pairs_unique = len(set(zip(columns, people, strict=True))) == n
    if pairs_unique:  # one item per person and column
        people_cell, people_col = items, Counter(columns)
    else:
        people_cell = Counter((r, c) for r, c, _p in set(zip(rows, columns, people,
                                                             strict=True)))
        people_col = Counter(c for c, _p in set(zip(columns, people, strict=True)))
    out = {pos: Cell(v, people_cell[pos]) for pos, v in value.items()}
    out.update({(TOTAL, c): Cell(v, people_col[c]) for c, v in by_col.items()})
    if row_total:
        distinct = set(people)
        if len(distinct) == n:
            people_row = Counter(rows)
        else:
            people_row = Counter(r for r, _p in set(zip(rows, people, strict=True)))
        out.update({(r, TOTAL): Cell(v, people_row[r]) for r, v in by_row.items()})
        if value:
            out[(TOTAL, TOTAL)] = Cell(sum(by_row.values()), len(distinct))
    return out


def split_tally(counts: dict[tuple[str, int], list[int]], index: int, yes: str, no: str
                ) -> dict[tuple[str, str], Cell]:
    """Cells of a two-column event table (consultations with and without outreach, ...) from
    event counts per (municipality, person): ``counts[...][0]`` events in all, ``[index]`` of them
    in column ``yes``, the rest in ``no``.

    One pass over the people with plain integer sums: :func:`tally` over one item per event
    and person costs three times as much at 100,000 consultations. A person counts once in a
    cell however many events they had there; in the Kreis total row a person with events in two
    municipalities counts once as well (the people are merged across municipalities for that)."""
    per_muni: dict[str, list[int]] = {}  # events yes, events no, people yes, people no, people
    for (muni, _person), acc in counts.items():
        n, k = acc[0], acc[index]
        m = per_muni.get(muni)
        if m is None:
            m = per_muni[muni] = [0, 0, 0, 0, 0]
        m[0] += k
        m[1] += n - k
        m[2] += k > 0
        m[3] += n > k
        m[4] += 1
    out: dict[tuple[str, str], Cell] = {}
    total = [0, 0, 0, 0, 0]
    for muni, m in per_muni.items():
        for column, events, contributors in ((yes, m[0], m[2]), (no, m[1], m[3])):
            if events:
                out[(muni, column)] = Cell(events, contributors)
        out[(muni, TOTAL)] = Cell(m[0] + m[1], m[4])
        for i in range(5):
            total[i] += m[i]
    people = {person for _muni, person in counts}
    if len(people) < len(counts):  # someone has events in two municipalities: merge them
        merged: dict[int, list[int]] = {}
        for (_muni, person), acc in counts.items():
            both = merged.setdefault(person, [0, 0])
            both[0] += acc[0]
            both[1] += acc[index]
        total[2] = sum(1 for n, k in merged.values() if k > 0)
        total[3] = sum(1 for n, k in merged.values() if n > k)
        total[4] = len(merged)
    for column, events, contributors in ((yes, total[0], total[2]), (no, total[1], total[3])):
        if events:
            out[(TOTAL, column)] = Cell(events, contributors)
    if per_muni:
        out[(TOTAL, TOTAL)] = Cell(total[0] + total[1], total[4])
    return out


def _band_age(age: int | None) -> str:
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


def _band_duration(opened: str, closed: str) -> str:
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


def _table(tid: str, title: str, unit: str, base: str, rows: list[str], columns: Iterable[str],
           cells: dict[tuple[str, str], Cell], row_total: bool = True, **kw: Any) -> Table:
    return Table(id=tid, title=title, unit=unit, base=base, rows=rows, columns=list(columns),
                 cells=cells, row_total=row_total, **kw)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an indicator set is counted.

    Counting creates about a million short-lived tuples and strings, none of them in a reference
    cycle; with the collector on, its generational passes walk the growing heap again and again,
    which took 0.3 s of 1.35 s for a year over 100,000 cases (``benchmarks/stats_bench.py``).
    Reference counting still frees everything. The collector is switched back on afterwards if it
    was on, also on error; a second thread pausing at the same time only runs slower."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def canonical(values: list[str]) -> list[str]:
    """The same strings, with equal ones as one object: every fetched row brings its own string
    objects, and dictionary lookups on identical objects skip hashing and comparing text."""
    seen: dict[str, str] = {}
    keep = seen.setdefault
    return [keep(v, v) for v in values]


def compute(conn: Any, period: Period) -> list[Table]:
    """Every indicator table of ``period``, from an open vault connection (read only)."""
    with collector_paused():
        return _compute(conn, period)


def _compute(conn: Any, period: Period) -> list[Table]:
    params = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    region_of = regions.region_map()
    parsed: dict[str, tuple[str, ...]] = {}

    def codes_of(text: str) -> tuple[str, ...]:
        got = parsed.get(text)
        if got is None:
            got = parsed[text] = tuple(dict.fromkeys(json.loads(text or "[]")))
        return got

    case_rows = conn.execute(CASE_SQL, {**params, **age_cutoffs(period.end)}).fetchall()
    (ids, a_muni, a_person, opened, closed, reason, duration, a_age, a_gender, nationality,
     a_status, rks, hfs) = (list(col) for col in zip(*case_rows, strict=True)) if case_rows \
        else ([] for _ in range(13))
    a_muni = canonical(a_muni)
    case_place: dict[str, tuple[str, int]] = dict(
        zip(ids, zip(a_muni, a_person, strict=True), strict=True))
    o_muni = list(compress(a_muni, opened))
    o_person = list(compress(a_person, opened))
    c_muni = list(compress(a_muni, closed))
    c_person = list(compress(a_person, closed))
    c_reason = list(compress(reason, closed))
    c_duration = list(compress(duration, closed))
    unknown = regions.UNKNOWN
    a_region = [region_of.get(n, unknown) if n else unknown for n in nationality]

    def lookup(case_ids: Iterable[str]) -> None:
        """Municipality and person of cases outside the active set (a consultation or referral
        dated outside its case's span)."""
        missing = [c for c in set(case_ids) if c not in case_place]
        for i in range(0, len(missing), 500):
            chunk = missing[i:i + 500]
            sql = CASE_LOOKUP_SQL.format(marks=",".join("?" * len(chunk)))
            for cid, muni, person in conn.execute(sql, chunk):
                case_place[cid] = (muni or "", person)

    long_period = (period.end - period.start).days > 62
    consultations = conn.execute(CONSULTATION_SQL.format(hint="NOT INDEXED" if long_period
                                                          else ""), params).fetchall()
    per_case: dict[str, list[int]] = {}
    for cid, place, interp in consultations:
        acc = per_case.get(cid)
        if acc is None:
            acc = per_case[cid] = [0, 0, 0]
        acc[0] += 1
        acc[1] += place in OUTREACH
        acc[2] += bool(interp)
    lookup(per_case)
    per_person: dict[tuple[str, int], list[int]] = {}  # (municipality, person) -> n, out, interp
    for cid, counts in per_case.items():
        where = case_place.get(cid)
        if where is None:
            continue  # its case is deleted
        acc = per_person.get(where)
        if acc is None:
            per_person[where] = counts
        else:  # a second case of the same person in the same municipality
            acc[0] += counts[0]
            acc[1] += counts[1]
            acc[2] += counts[2]
    by_place = split_tally(per_person, 1, "outreach", "not_outreach")
    by_interpreter = split_tally(per_person, 2, "with_interpreter", "without_interpreter")

    agency_types = {a.value for a in AgencyType}
    referral_rows = conn.execute(REFERRAL_SQL, params).fetchall()
    lookup(cid for cid, _kind in referral_rows)
    per_referral: Counter[tuple[str, str]] = Counter(
        (cid, kind if kind in agency_types else AgencyType.OTHER.value)
        for cid, kind in referral_rows if cid in case_place)
    r_rows = [case_place[cid][0] for cid, _k in per_referral]
    r_people = [case_place[cid][1] for cid, _k in per_referral]
    r_cols = [k for _cid, k in per_referral]

    categories = {g.value for g in GapCategory}
    gap_items: Counter[tuple[str, int, str]] = Counter(
        (muni or "", who, cat if cat in categories else GapCategory.OTHER.value)
        for muni, who, cat in conn.execute(GAP_SQL, params))
    g_rows = [m for m, _w, _c in gap_items]
    g_people = [w for _m, w, _c in gap_items]
    g_cols = [c for _m, _w, c in gap_items]

    active_unique = len(set(a_person)) == len(a_person)

    def case_tally(munis: list[str], columns: list[str], persons: list[int]
                 ) -> dict[tuple[str, str], Cell]:
        """A case table (closed cases are a subset of the active ones)."""
        return tally(munis, columns, persons, people_unique=active_unique or None)

    # every case counted belongs to another person (the usual case): no pair can repeat
    one_case_each = len({person for _m, person in case_place.values()}) == len(case_place)
    flow = {}  # three columns, each with its own people
    for column, munis, persons in (("opened", o_muni, o_person), ("active", a_muni, a_person),
                                   ("closed", c_muni, c_person)):
        flow.update(tally(munis, [column] * len(munis), persons, row_total=False,
                          pairs_unique=active_unique or None))

    def multi_tally(lists: list[str]) -> dict[tuple[str, str], Cell]:
        """A multi-valued case table from the JSON lists of the active cases. With one case per
        person, count (municipality, list) pairs first and expand each distinct list once."""
        if active_unique:
            value: Counter[tuple[str, str]] = Counter()
            for (muni, text), n in Counter(zip(a_muni, lists, strict=True)).items():
                for code in codes_of(text):
                    value[(muni, code)] += n
            by_col: Counter[str] = Counter()
            for (_m, code), n in value.items():
                by_col[code] += n
            out = {pos: Cell(n, n) for pos, n in value.items()}
            out.update({(TOTAL, code): Cell(n, n) for code, n in by_col.items()})
            return out
        parsed_lists = [codes_of(t) for t in lists]
        return tally([m for m, cs in zip(a_muni, parsed_lists, strict=True) for _ in cs],
                     [c for cs in parsed_lists for c in cs],
                     [p for p, cs in zip(a_person, parsed_lists, strict=True) for _ in cs],
                     row_total=False)

    # the rows: every municipality with anything to count in the period (a full scan for the
    # municipalities of all time would cost as much as the cases query itself)
    rows = sorted({*a_muni, *(m for m, _p in per_person), *r_rows, *g_rows},
                  key=lambda s: (s == "", s.casefold()))
    active, closed_group = "active", "closed"
    cases_unit = "cases"
    return [
        _table("cases", N_("Cases opened, active and closed"), cases_unit,
               N_("cases opened / active / closed in the period"), rows,
               ("opened", "active", "closed"), flow, row_total=False,
               shared={"opened": "opened", "active": active, "closed": closed_group}),
        _table("closed_by_reason", N_("Closed cases by closure reason"), cases_unit, _CLOSED,
               rows, [*(r.value for r in ClosureReason), NOT_STATED],
               case_tally(c_muni, c_reason, c_person), shared={TOTAL: closed_group}),
        _table("closed_by_duration", N_("Closed cases by duration"), cases_unit, _CLOSED, rows,
               DURATION_BANDS, case_tally(c_muni, c_duration, c_person),
               shared={TOTAL: closed_group}),
        _table("active_by_age", N_("Active cases by age at the end of the period"), cases_unit,
               _ACTIVE, rows, AGE_BANDS, case_tally(a_muni, a_age, a_person),
               shared={TOTAL: active}),
        _table("active_by_gender", N_("Active cases by gender"), cases_unit, _ACTIVE, rows,
               [g.value for g in Gender], case_tally(a_muni, a_gender, a_person),
               shared={TOTAL: active}),
        _table("active_by_region", N_("Active cases by nationality (region)"), cases_unit,
               _ACTIVE, rows, regions.order(), case_tally(a_muni, a_region, a_person),
               shared={TOTAL: active}),
        _table("active_by_residence_status", N_("Active cases by residence status"), cases_unit,
               _ACTIVE, rows, [s.value for s in ResidenceStatus],
               case_tally(a_muni, a_status, a_person), shared={TOTAL: active}),
        _table("active_by_rechtskreis", N_("Active cases by Rechtskreis involved"), cases_unit,
               _ACTIVE, rows, [r.value for r in Rechtskreis],
               multi_tally(rks), row_total=False,
               multi_valued=True, bounded_by=active),
        _table("active_by_handlungsfeld", N_("Active cases by Handlungsfeld"), cases_unit,
               _ACTIVE, rows, [h.value for h in Handlungsfeld],
               multi_tally(hfs), row_total=False,
               multi_valued=True, bounded_by=active),
        _table("referrals_by_agency_type", N_("Referrals by receiving agency type"), "referrals",
               N_("referrals made in the period"), rows, [a.value for a in AgencyType],
               tally(r_rows, r_cols, r_people, list(per_referral.values()),
                     pairs_unique=one_case_each or None),
               shared={TOTAL: "referrals"}),
        _table("consultations_by_place", N_("Consultations: outreach"), "consultations",
               N_("consultations held in the period"), rows, ("outreach", "not_outreach"),
               by_place,
               shared={TOTAL: "consultations"},
               derived={"outreach_share_pct": ("outreach", TOTAL)}),
        _table("consultations_by_interpreter", N_("Consultations: interpreter"),
               "consultations", N_("consultations held in the period"), rows,
               ("with_interpreter", "without_interpreter"),
               by_interpreter,
               shared={TOTAL: "consultations"},
               derived={"interpreter_share_pct": ("with_interpreter", TOTAL)}),
        _table("gaps_by_category", N_("Structural gaps by category"), "gaps",
               N_("structural gaps observed in the period"), rows,
               [g.value for g in GapCategory], tally(g_rows, g_cols, g_people,
                                                     list(gap_items.values())),
               shared={TOTAL: "gaps"}),
    ]


def column_label(code: str) -> str:
    """The translated label of a column or row code of any table."""
    from kimdesk.domain.codes import label
    from kimdesk.i18n import gettext

    if code in LABELS:
        return gettext(LABELS[code])
    if code in regions.LABELS:
        return gettext(regions.LABELS[code])
    return label(code)


def row_label(code: str) -> str:
    from kimdesk.i18n import gettext

    if code == TOTAL:
        return gettext(N_("Kreis total"))
    return code or gettext(N_("(municipality not stated)"))


def sql_baseline(conn: Any, period: Period) -> dict[str, list[tuple[Any, ...]]]:
    """The bare SQL aggregation the indicators rest on: per-municipality GROUP BY counts, no
    distinct people, no margins, no disclosure control. For the benchmark and for tests that
    compare published totals with direct counts."""
    params = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    active = ("c.deleted = 0 AND c.opened_on <= :to AND (c.closed_on IS NULL OR"
              " c.closed_on >= :from)")
    queries = {
        "opened": "SELECT municipality, count(*) FROM cases c WHERE c.deleted = 0 AND"
                  " c.opened_on BETWEEN :from AND :to GROUP BY 1",
        "active": f"SELECT municipality, count(*) FROM cases c WHERE {active} GROUP BY 1",
        "closed": "SELECT municipality, closure_reason, count(*) FROM cases c WHERE"
                  " c.deleted = 0 AND c.closed_on BETWEEN :from AND :to GROUP BY 1, 2",
        "gender": f"SELECT c.municipality, p.gender, count(*) FROM cases c JOIN persons p ON"
                  f" p.id = c.person_id WHERE {active} GROUP BY 1, 2",
        "age": f"SELECT c.municipality, p.birth_year, count(*) FROM cases c JOIN persons p ON"
               f" p.id = c.person_id WHERE {active} GROUP BY 1, 2",
        "nationality": f"SELECT c.municipality, json_extract(p.nationalities, '$[0]'), count(*)"
                       f" FROM cases c JOIN persons p ON p.id = c.person_id WHERE {active}"
                       f" GROUP BY 1, 2",
        "residence": f"SELECT c.municipality, p.residence_status, count(*) FROM cases c JOIN"
                     f" persons p ON p.id = c.person_id WHERE {active} GROUP BY 1, 2",
        "rechtskreise": f"SELECT c.municipality, j.value, count(*) FROM cases c,"
                        f" json_each(c.rechtskreise) j WHERE {active} GROUP BY 1, 2",
        "handlungsfelder": f"SELECT c.municipality, j.value, count(*) FROM cases c,"
                           f" json_each(c.handlungsfelder) j WHERE {active} GROUP BY 1, 2",
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
    return {name: conn.execute(sql, params).fetchall() for name, sql in queries.items()}
