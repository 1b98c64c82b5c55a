"""The indicator set for one reporting period, per municipality of a Kreis (definitions in
``docs/statistics.md``; codes are stable, labels are translated where shown).

The cases active in the period are grouped by municipality in SQL and their categories counted from
one string per municipality (:func:`case_cells`); consultations (summed per case in SQL) and
referrals are mapped to their case's municipality and person in Python, gaps come joined. Every
count carries the number of distinct people behind it (:class:`~kimdesk.stats.tables.Cell`),
which disclosure control needs; the margins (Kreis total row, total column) are computed from the
same records, so they are exact even where one person counts in several cells.

Tombstoned records (``deleted = 1``) are never counted.
"""

from __future__ import annotations

import concurrent.futures
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import compress, repeat
from typing import Any

from kimdesk.collector import collector_paused
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

#: Joins the free-form values of a municipality's cases in the grouped case query: the ASCII unit
#: separator, which neither a JSON text nor a country code holds (checked: a value holding it
#: sends the count row by row).
SEPARATOR = "\x1f"


def _in(codes: Iterable[str]) -> str:
    return ", ".join(f"'{c}'" for c in codes)


#: The codes of each single-valued case category, in a fixed order; the last code of each is
#: where an unknown or missing value goes.
REASON_CODES = (*(r.value for r in ClosureReason if r.value != NOT_STATED), NOT_STATED)
GENDER_CODES = tuple(g.value for g in Gender)
STATUS_CODES = tuple(s.value for s in ResidenceStatus)

#: Age bands as (the age a person must not have reached, band), youngest first: a person born
#: after the day ``age`` years before the period's end is younger than ``age``.
AGE_LIMITS = ((0, "unknown"), (18, "under_18"), (27, "18_26"), (45, "27_44"), (65, "45_64"))

#: How a category code is written into the SQL (as itself, or as its letter).
Spelling = Callable[[str], str]


def _text(code: str) -> str:
    """A code as an SQL string literal (the codes are identifiers: no quotes inside)."""
    return f"'{code}'"


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


def _letter_of(category: str) -> Spelling:
    letters = LETTERS[category]
    return lambda code: f"'{letters[code]}'"


def _pick(expr: str, codes: Sequence[str], lit: Spelling) -> str:
    """``expr`` as one of ``codes``; anything else (NULL too) as the last code."""
    whens = " ".join(f"WHEN '{c}' THEN {lit(c)}" for c in codes[:-1])
    return f"CASE {expr} {whens} ELSE {lit(codes[-1])} END"


def _age_band_sql(column: str, suffix: str, lit: Spelling = _text) -> str:
    """The age band of ``column`` (a birth date or a birth year) compared with the cut-off
    parameters of :func:`age_cutoffs`: plain comparisons on a stored column, because SQLite
    evaluates a computed age again for every band it is compared with (50 ms at 100k cases)."""
    whens = " ".join(f"WHEN {column} > :age{limit}{suffix} THEN {lit(band)}"
                     for limit, band in AGE_LIMITS)
    return f"CASE {whens} ELSE {lit('65_plus')} END"


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


#: Cases active in the period (and not tombstoned), with the parameters :from and :to.
ACTIVE = ("c.deleted = 0 AND c.opened_on <= :to AND (c.closed_on IS NULL OR"
          " c.closed_on >= :from)")


def _case_sql(lit: Callable[[str], Spelling], where: str = "") -> str:
    """Every case active in the period with its categories, computed in SQL (C speed), each
    category spelt by ``lit(category)(code)``: the code itself for the row-wise count, one
    letter for the grouped one. The Python functions _band_age / age_on / _band_duration define
    the same bands and a test checks both agree. Reason and duration are NULL for cases not
    closed in the period."""
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
         CASE WHEN p.birth_date > '' THEN {_age_band_sql("p.birth_date", "", lit("age"))}
              WHEN p.birth_year IS NOT NULL THEN {_age_band_sql("p.birth_year", "_y", lit("age"))}
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
#: The codes of the multi-valued case tables, each list column with its table.
MULTI_CODES = {"active_by_rechtskreis": ("rechtskreise", tuple(r.value for r in Rechtskreis)),
               "active_by_handlungsfeld": ("handlungsfelder",
                                           tuple(h.value for h in Handlungsfeld))}


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
GAP_SQL = f"""
SELECT coalesce(g.municipality, ''), coalesce(p.seq, -g.seq),
       CASE WHEN g.category IN ({_in(g.value for g in GapCategory)}) THEN g.category
            ELSE '{GapCategory.OTHER.value}' END
FROM structural_gaps g LEFT JOIN cases c ON c.id = g.case_id AND c.deleted = 0
LEFT JOIN persons p ON p.id = c.person_id AND p.deleted = 0
WHERE g.deleted = 0 AND g.observed_on BETWEEN :from AND :to
"""



def tally(rows: Sequence[str], columns: Sequence[str], people: Sequence[Any],
          weights: Sequence[int] | None = None, *, row_total: bool = True
          ) -> dict[tuple[str, str], Cell]:
    """Counts and distinct people per cell and margin, for items given as parallel sequences
    (one item: a municipality, a column, a person and a weight, default 1).

    A person with several items in one position (two cases, consultations in and out of the
    office) counts once there: people come from sets of (position, person) pairs, skipped where
    the items are already distinct per person. ``Counter`` over ``zip`` counts in C. With unit
    weights and unique people, people equal counts everywhere."""
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
    if weights is None and row_total and len(set(people)) == n:
        out = {pos: Cell(v, v) for pos, v in value.items()}
        out.update({(TOTAL, c): Cell(v, v) for c, v in by_col.items()})
        out.update({(r, TOTAL): Cell(v, v) for r, v in by_row.items()})
        if value:
            out[(TOTAL, TOTAL)] = Cell(n, n)
        return out
    if len(set(zip(columns, people, strict=True))) == n:  # one item per person and column
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


def split_tally(counts: dict[tuple[str, Any], list[int]], index: int, yes: str, no: str,
                unique_people: bool | None = None) -> dict[tuple[str, str], Cell]:
    """Cells of a two-column event table (consultations with and without outreach, ...) from
    event counts per (municipality, person): ``counts[...][0]`` events in all, ``[index]`` of them
    in column ``yes``, the rest in ``no``.

    One pass over the people with plain integer sums: :func:`tally` over one item per event
    and person costs three times as much at 100,000 consultations. A person counts once in a
    cell however many events they had there; in the Kreis total row a person with events in two
    municipalities counts once as well (the people are merged across municipalities for that;
    ``unique_people`` tells that nobody has events in two, which saves the check)."""
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
    if unique_people is None:
        unique_people = len({person for _muni, person in counts}) == len(counts)
    if not unique_people:  # someone has events in two municipalities: merge them
        merged: dict[Any, list[int]] = {}
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


Cells = dict[tuple[str, str], Cell]
#: Where each case counts: its id -> (municipality, person). The person is the ``persons.seq``
#: as text, an identity only compared with others.
Places = dict[str, tuple[str, str]]

#: The case tables, in the order :func:`case_cells` returns them.
CASE_TABLES = ("cases", "closed_by_reason", "closed_by_duration", "active_by_age",
               "active_by_gender", "active_by_region", "active_by_residence_status",
               "active_by_rechtskreis", "active_by_handlungsfeld")
#: Whether a case table has a total column (its columns partition the cases).
ROW_TOTAL = {tid: tid not in ("cases", "active_by_rechtskreis", "active_by_handlungsfeld")
             for tid in CASE_TABLES}


@dataclass
class CaseCount:
    """The case tables' cells and where each active case counts."""

    cells: dict[str, Cells]
    places: Places


def compute(conn: Any, period: Period, cases_conn: Any = None) -> list[Table]:
    """Every indicator table of ``period``, from an open vault connection (read only).

    With a second connection to the same vault in ``cases_conn``, the case tables are counted on
    it in a second thread while this one reads consultations and referrals: the grouped case
    query runs in SQLite's C code, which lets go of Python's interpreter lock, so the two halves
    share two cores (``benchmarks/stats_bench.py``)."""
    params = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    long_period = (period.end - period.start).days > 62
    with collector_paused():
        if cases_conn is None:
            cases = case_cells(conn, params, period.end)
            events = _event_cells(conn, params, long_period, lambda: cases.places)
        else:
            with concurrent.futures.ThreadPoolExecutor(1, "kimdesk-stats") as pool:
                later = pool.submit(case_cells, cases_conn, params, period.end)
                events = _event_cells(conn, params, long_period, lambda: later.result().places)
                cases = later.result()
    return _tables(cases.cells, events)


def case_cells(conn: Any, params: dict[str, str], end: date, *, grouped: bool = True
               ) -> CaseCount:
    """The cells of every case table (:data:`CASE_TABLES`).

    Grouped (the default): SQLite groups the active cases by municipality and hands over each
    municipality's categories as strings of one letter per case, which ``Counter`` counts in C;
    no Python object per case and category is made. Reading 68,000 rows of 13 columns into
    Python took as long as all the counting. This counts cases; where one person has several
    active cases (a reopened case, cases in two municipalities), those people's cases are also
    counted row by row with distinct people, and their contributors replace the cases' count in
    the cells they touch.

    ``grouped=False`` counts every case row by row, the definition the grouped count is tested
    against."""
    query = {**params, **age_cutoffs(end)}
    if grouped:
        groups = conn.execute(CASE_GROUPED_SQL, query).fetchall()
        count = _grouped_case_cells(groups)
        if count is not None:
            persons = [person for _muni, person in count.places.values()]
            if len(set(persons)) < len(persons):
                shared = [int(p) for p, k in Counter(persons).items() if k > 1]
                rows = conn.execute(CASE_ROWS_SQL, {**query, "persons": json.dumps(shared)})
                _correct(count.cells, _row_case_cells(rows).cells)
            return count
        # else a separator inside a value: count row by row
    return _row_case_cells(conn.execute(CASE_ROWS_SQL, {**query, "persons": None}))


def _correct(cells: dict[str, Cells], shared: dict[str, Cells]) -> None:
    """Distinct people in the cells that people with several cases touch: ``shared`` holds
    those people's cases counted with distinct people; in ``cells`` they count once per case."""
    for tid, parts in shared.items():
        table = cells[tid]
        for pos, part in parts.items():
            cell = table[pos]
            table[pos] = Cell(cell.value, cell.contributors - part.value + part.contributors)


def _parse_codes() -> Callable[[str], tuple[str, ...]]:
    """The codes of a JSON list (each once), parsed once per distinct text."""
    parsed: dict[str, tuple[str, ...]] = {}

    def codes_of(text: str) -> tuple[str, ...]:
        got = parsed.get(text)
        if got is None:
            got = parsed[text] = tuple(dict.fromkeys(json.loads(text or "[]")))
        return got
    return codes_of


def _with_margins(value: dict[tuple[str, str], int], row_total: bool) -> Cells:
    """Cells of counts where every case is another person (contributors = count), with the
    Kreis total row and, in a partition table, the total column."""
    out = {pos: Cell(n, n) for pos, n in value.items() if n}
    by_col: Counter[str] = Counter()
    by_row: Counter[str] = Counter()
    for (r, c), n in value.items():
        by_col[c] += n
        by_row[r] += n
    out.update({(TOTAL, c): Cell(n, n) for c, n in by_col.items() if n})
    if row_total:
        out.update({(r, TOTAL): Cell(n, n) for r, n in by_row.items() if n})
        grand = sum(by_row.values())
        if grand:
            out[(TOTAL, TOTAL)] = Cell(grand, grand)
    return out


def _grouped_case_cells(groups: list[tuple[Any, ...]]) -> CaseCount | None:
    """Case table cells from :data:`CASE_GROUPED_SQL`'s rows (None if a free-form value held
    the separator, so that its parts no longer line up with the cases)."""
    decode = {category: {letter: code for code, letter in letters.items()}
              for category, letters in LETTERS.items()}
    region_of = regions.region_map()
    unknown = regions.UNKNOWN
    value: dict[str, dict[tuple[str, str], int]] = {tid: {} for tid in CASE_TABLES}
    places: Places = {}
    for (muni, n, n_opened, n_closed, reasons, durations, ages, genders, statuses,
         nationalities, ids, people, *listed) in groups:
        flow = value["cases"]
        flow[(muni, "opened")], flow[(muni, "active")], flow[(muni, "closed")] = (
            n_opened, n, n_closed)
        for tid, category, letters in (("closed_by_reason", "reason", reasons),
                                       ("closed_by_duration", "duration", durations),
                                       ("active_by_age", "age", ages),
                                       ("active_by_gender", "gender", genders),
                                       ("active_by_residence_status", "status", statuses)):
            names = decode[category]
            table = value[tid]
            for letter, k in Counter(letters or "").items():
                table[(muni, names[letter])] = k
        countries = nationalities.split(SEPARATOR)
        if len(countries) != n:
            return None
        table = value["active_by_region"]
        for nationality, k in Counter(countries).items():
            pos = (muni, region_of.get(nationality, unknown) if nationality else unknown)
            table[pos] = table.get(pos, 0) + k
        for (tid, (_column, codes)), lists in zip(MULTI_CODES.items(), listed, strict=True):
            # a code's JSON token, quotes included, occurs once in each list that holds it
            value[tid].update(((muni, code), lists.count(f'"{code}"')) for code in codes)
        places.update(zip(ids.split(","), zip(repeat(muni), people.split(",")), strict=True))
    return CaseCount({tid: _with_margins(v, ROW_TOTAL[tid]) for tid, v in value.items()},
                     places)


def _row_case_cells(case_rows: Iterable[tuple[Any, ...]]) -> CaseCount:
    """Case table cells counted case by case, with distinct people in every cell."""
    rows = list(case_rows)
    (ids, a_muni, a_person, opened, closed, reason, duration, a_age, a_gender, nationality,
     a_status, rks, hfs) = (list(col) for col in zip(*rows, strict=True)) if rows \
        else ([] for _ in range(13))
    region_of = regions.region_map()
    unknown = regions.UNKNOWN
    codes_of = _parse_codes()
    c_muni, c_person = list(compress(a_muni, closed)), list(compress(a_person, closed))
    flow: Cells = {}  # three columns, each with its own people
    for column, munis, persons in ((("opened", list(compress(a_muni, opened)),
                                     list(compress(a_person, opened))),
                                    ("active", a_muni, a_person),
                                    ("closed", c_muni, c_person))):
        flow.update(tally(munis, [column] * len(munis), persons, row_total=False))

    def multi(lists: list[str]) -> Cells:
        parsed = [codes_of(t) for t in lists]
        return tally([m for m, cs in zip(a_muni, parsed, strict=True) for _ in cs],
                     [c for cs in parsed for c in cs],
                     [p for p, cs in zip(a_person, parsed, strict=True) for _ in cs],
                     row_total=False)

    a_region = [region_of.get(n, unknown) if n else unknown for n in nationality]
    return CaseCount({
        "cases": flow,
        "closed_by_reason": tally(c_muni, list(compress(reason, closed)), c_person),
        "closed_by_duration": tally(c_muni, list(compress(duration, closed)), c_person),
        "active_by_age": tally(a_muni, a_age, a_person),
        "active_by_gender": tally(a_muni, a_gender, a_person),
        "active_by_region": tally(a_muni, a_region, a_person),
        "active_by_residence_status": tally(a_muni, a_status, a_person),
        "active_by_rechtskreis": multi(rks),
        "active_by_handlungsfeld": multi(hfs),
    }, {cid: (muni, str(person)) for cid, muni, person in zip(ids, a_muni, a_person,
                                                               strict=True)})


def _event_cells(conn: Any, params: dict[str, str], long_period: bool,
                 active_places: Callable[[], Places]) -> dict[str, Cells]:
    """The consultation, referral and gap tables. Consultations are summed per case in SQL and
    then per (municipality, person); ``active_places`` is called once they and the referrals are
    read (the case count may still be running in another thread)."""
    index = "consultations_stats" if long_period else "consultations_date"
    per_case = {cid: counts for cid, *counts in
                conn.execute(CONSULTATION_SQL.format(index=index), params)}
    # the rows themselves are counted (Counter's loop is in C): codes are mapped in SQL
    per_referral: Counter[tuple[str, str]] = Counter(conn.execute(REFERRAL_SQL, params))
    gaps: Counter[tuple[str, Any, str]] = Counter(conn.execute(GAP_SQL, params))

    places = active_places()
    known = places.keys()
    missing = (per_case.keys() - known) | ({cid for cid, _k in per_referral} - known)
    places = {**places, **_look_up(conn, list(missing))} if missing else places
    per_person: dict[tuple[str, str], list[int]] = {}  # (municipality, person) -> sums
    for cid, counts in per_case.items():
        where = places.get(cid)
        if where is None:
            continue  # its case is deleted
        acc = per_person.get(where)
        if acc is None:
            per_person[where] = counts
        else:  # a second case of the same person in the same municipality
            acc[0] += counts[0]
            acc[1] += counts[1]
            acc[2] += counts[2]
    referrals: Counter[tuple[str, Any, str]] = Counter()
    for (cid, kind), k in per_referral.items():
        where = places.get(cid)
        if where is not None:
            referrals[(*where, kind)] += k

    def weighted(items: Counter[tuple[str, Any, str]]) -> Cells:
        return tally([m for m, _p, _c in items], [c for _m, _p, c in items],
                     [p for _m, p, _c in items], list(items.values()))

    unique = len({person for _muni, person in per_person}) == len(per_person)
    return {
        "consultations_by_place": split_tally(per_person, 1, "outreach", "not_outreach",
                                              unique),
        "consultations_by_interpreter": split_tally(per_person, 2, "with_interpreter",
                                                    "without_interpreter", unique),
        "referrals_by_agency_type": weighted(referrals),
        "gaps_by_category": weighted(gaps),
    }


def _look_up(conn: Any, case_ids: list[str]) -> Places:
    """Where the cases outside the active set count (deleted ones are left out)."""
    found: Places = {}
    for i in range(0, len(case_ids), 500):
        chunk = case_ids[i:i + 500]
        sql = CASE_LOOKUP_SQL.format(marks=",".join("?" * len(chunk)))
        found.update((cid, (muni, str(person))) for cid, muni, person in conn.execute(sql, chunk))
    return found


def _tables(cases: dict[str, Cells], events: dict[str, Cells]) -> list[Table]:
    # the rows: every municipality with anything to count in the period (a full scan for the
    # municipalities of all time would cost as much as the cases query itself)
    munis = {r for cells in (*cases.values(), *events.values()) for r, _c in cells}
    munis.discard(TOTAL)
    rows = sorted(munis, key=lambda s: (s == "", s.casefold()))
    active, closed_group = "active", "closed"
    cases_unit = "cases"
    return [
        _table("cases", N_("Cases opened, active and closed"), cases_unit,
               N_("cases opened / active / closed in the period"), rows,
               ("opened", "active", "closed"), cases["cases"], row_total=False,
               shared={"opened": "opened", "active": active, "closed": closed_group}),
        _table("closed_by_reason", N_("Closed cases by closure reason"), cases_unit, _CLOSED,
               rows, REASON_CODES, cases["closed_by_reason"], shared={TOTAL: closed_group}),
        _table("closed_by_duration", N_("Closed cases by duration"), cases_unit, _CLOSED, rows,
               DURATION_BANDS, cases["closed_by_duration"], shared={TOTAL: closed_group}),
        _table("active_by_age", N_("Active cases by age at the end of the period"), cases_unit,
               _ACTIVE, rows, AGE_BANDS, cases["active_by_age"], shared={TOTAL: active}),
        _table("active_by_gender", N_("Active cases by gender"), cases_unit, _ACTIVE, rows,
               GENDER_CODES, cases["active_by_gender"], shared={TOTAL: active}),
        _table("active_by_region", N_("Active cases by nationality (region)"), cases_unit,
               _ACTIVE, rows, regions.order(), cases["active_by_region"],
               shared={TOTAL: active}),
        _table("active_by_residence_status", N_("Active cases by residence status"), cases_unit,
               _ACTIVE, rows, STATUS_CODES, cases["active_by_residence_status"],
               shared={TOTAL: active}),
        _table("active_by_rechtskreis", N_("Active cases by Rechtskreis involved"), cases_unit,
               _ACTIVE, rows, [r.value for r in Rechtskreis], cases["active_by_rechtskreis"],
               row_total=False, multi_valued=True, bounded_by=active),
        _table("active_by_handlungsfeld", N_("Active cases by Handlungsfeld"), cases_unit,
               _ACTIVE, rows, [h.value for h in Handlungsfeld],
               cases["active_by_handlungsfeld"], row_total=False, multi_valued=True,
               bounded_by=active),
        _table("referrals_by_agency_type", N_("Referrals by receiving agency type"), "referrals",
               N_("referrals made in the period"), rows, [a.value for a in AgencyType],
               events["referrals_by_agency_type"], shared={TOTAL: "referrals"}),
        _table("consultations_by_place", N_("Consultations: outreach"), "consultations",
               N_("consultations held in the period"), rows, ("outreach", "not_outreach"),
               events["consultations_by_place"], shared={TOTAL: "consultations"},
               derived={"outreach_share_pct": ("outreach", TOTAL)}),
        _table("consultations_by_interpreter", N_("Consultations: interpreter"),
               "consultations", N_("consultations held in the period"), rows,
               ("with_interpreter", "without_interpreter"),
               events["consultations_by_interpreter"], shared={TOTAL: "consultations"},
               derived={"interpreter_share_pct": ("with_interpreter", TOTAL)}),
        _table("gaps_by_category", N_("Structural gaps by category"), "gaps",
               N_("structural gaps observed in the period"), rows,
               [g.value for g in GapCategory], events["gaps_by_category"],
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
