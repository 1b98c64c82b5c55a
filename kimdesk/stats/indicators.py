"""The indicator set for one reporting period, per municipality of a Kreis (definitions in
``docs/statistics.md``; codes are stable, labels are translated where shown).

The case tables come from :mod:`kimdesk.stats.casecount`; consultations (summed per case in SQL)
and referrals are mapped to their case's municipality and person in Python, gaps come joined.
Every count carries the number of distinct people behind it (:class:`~kimdesk.stats.tables.Cell`),
which disclosure control needs; the margins (Kreis total row, total column) are computed from the
same records, so they are exact even where one person counts in several cells. The SQL is the
vault's (:mod:`kimdesk.vault.statsqueries`).

Tombstoned records (``deleted = 1``) are never counted.
"""

from __future__ import annotations

import concurrent.futures
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from kimdesk.collector import collector_paused
from kimdesk.domain.codes import AgencyType, GapCategory, Handlungsfeld, Rechtskreis
from kimdesk.i18n import N_
from kimdesk.stats import regions
from kimdesk.stats.casecount import CASE_TABLES, Places, case_cells
from kimdesk.stats.categories import (
    AGE_BANDS,
    DURATION_BANDS,
    GENDER_CODES,
    REASON_CODES,
    STATUS_CODES,
)
from kimdesk.stats.period import Period
from kimdesk.stats.tables import TOTAL, Cell, Table
from kimdesk.stats.tally import Cells, key_tally, split_tally, tally

if TYPE_CHECKING:
    from kimdesk.vault.statsqueries import StatsQueries

_ACTIVE = N_("cases active at any time in the period")
_CLOSED = N_("cases closed in the period")


def _table(tid: str, title: str, unit: str, base: str, rows: list[str], columns: Iterable[str],
           cells: dict[tuple[str, str], Cell], row_total: bool = True, **kw: Any) -> Table:
    return Table(id=tid, title=title, unit=unit, base=base, rows=rows, columns=list(columns),
                 cells=cells, row_total=row_total, **kw)


def compute(db: StatsQueries, period: Period, cases_db: StatsQueries | None = None
            ) -> list[Table]:
    """Every indicator table of ``period``, read through ``db`` (read only).

    With a second connection to the same vault in ``cases_db``, the case tables are counted on
    it in a second thread while this one reads consultations and referrals: the grouped case
    query runs in SQLite's C code, which lets go of Python's interpreter lock, so the two halves
    share two cores (``benchmarks/stats_bench.py``)."""
    with collector_paused():
        if cases_db is None:
            cases = case_cells(db, period)
            events = _event_cells(db, period, lambda: cases.places)
        else:
            with concurrent.futures.ThreadPoolExecutor(1, "kimdesk-stats") as pool:
                later = pool.submit(case_cells, cases_db, period)
                events = _event_cells(db, period, lambda: later.result().places)
                cases = later.result()
    return _tables(cases.cells, events)


#: No consultations, referrals or gaps: :func:`case_tables` builds the case tables alone.
_NO_EVENTS: dict[str, Cells] = {name: {} for name in (
    "consultations_by_place", "consultations_by_interpreter", "referrals_by_agency_type",
    "gaps_by_category")}


def case_tables(db: StatsQueries, period: Period) -> list[Table]:
    """Only the case tables (cases, closed by ..., active by ...) of ``period``: what the link
    rules compare with the period before (:mod:`kimdesk.stats.linkage`, :mod:`.flowlink`). The
    consultations, referrals and gaps are not read (nothing links them to the case tables), so
    a period before costs the case count alone, not a second whole report."""
    with collector_paused():
        cells = case_cells(db, period).cells
    return [t for t in _tables(cells, _NO_EVENTS) if t.unit == "cases"]


def case_tables_of(cells: dict[str, Cells], ids: Iterable[str]) -> list[Table]:
    """The case tables ``ids`` built from given cells (a recorded export's counts,
    :mod:`kimdesk.stats.published`); a table without cells is all zeros."""
    full, wanted = {t: cells.get(t, {}) for t in CASE_TABLES}, set(ids)
    return [t for t in _tables(full, _NO_EVENTS) if t.id in wanted]


#: Events per (municipality, person, column), counted or summed.
Items = Counter[tuple[str, Any, str]]


def _event_cells(db: StatsQueries, period: Period,
                 active_places: Callable[[], Places]) -> dict[str, Cells]:
    """The consultation, referral and gap tables. Consultations are summed per case in SQL and
    then per (municipality, person); ``active_places`` is called once they and the referrals are
    read (the case count may still be running in another thread)."""
    per_person, referrals, gaps = _event_items(db, period, active_places)

    def weighted(items: Items) -> Cells:
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


def event_keys(db: StatsQueries, period: Period, key: Callable[[str], int]) -> dict[str, Cells]:
    """The cell-key method's sums for the consultation, referral and gap tables: every cell's
    ``value`` is the sum of ``key("person:" + person)`` over the people it counts (per
    municipality and column; a margin sums its cells' people)."""
    from kimdesk.stats.casecount import case_cells

    per_person, referrals, gaps = _event_items(db, period, lambda: case_cells(db, period).places)

    def keyed(items: Iterable[tuple[str, Any, str]]) -> Cells:
        listed = list(items)
        return key_tally([m for m, _p, _c in listed], [c for _m, _p, c in listed],
                         [p for _m, p, _c in listed], [key(f"person:{p}") for _m, p, _c in listed])

    def split(index: int, yes: str, no: str) -> Cells:
        return keyed([*((m, p, yes) for (m, p), acc in per_person.items() if acc[index]),
                      *((m, p, no) for (m, p), acc in per_person.items() if acc[0] > acc[index])])

    return {"consultations_by_place": split(1, "outreach", "not_outreach"),
            "consultations_by_interpreter": split(2, "with_interpreter", "without_interpreter"),
            "referrals_by_agency_type": keyed(referrals), "gaps_by_category": keyed(gaps)}


def _event_items(db: StatsQueries, period: Period, active_places: Callable[[], Places]
                 ) -> tuple[dict[tuple[str, str], list[int]], Items, Items]:
    """Consultations summed per (municipality, person), referrals and gaps counted per
    (municipality, person, column)."""
    start, end = period.start, period.end
    per_case = {cid: counts for cid, *counts in db.consultations_per_case(start, end)}
    # the rows themselves are counted (Counter's loop is in C): codes are mapped in SQL
    per_referral: Counter[tuple[str, str]] = Counter(db.referral_types(start, end))
    gaps: Counter[tuple[str, Any, str]] = Counter(db.gap_categories(start, end))

    places = active_places()
    known = places.keys()
    missing = (per_case.keys() - known) | ({cid for cid, _k in per_referral} - known)
    places = {**places, **_look_up(db, list(missing))} if missing else places
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
    _add_remains(db, period, per_person, referrals)
    return per_person, referrals, gaps


def _add_remains(db: StatsQueries, period: Period, per_person: dict[tuple[str, str], list[int]],
                 referrals: Counter[tuple[str, Any, str]]) -> None:
    """The consultations and referrals of purged cases (kept as statistical remains, per month:
    kimdesk/vault/statsremains.py), where their person counts (``str`` of the number, as the
    live cases' places)."""
    for muni, person, *counts in db.remains_consultations(period.start, period.end):
        acc = per_person.get((muni, str(person)))
        if acc is None:
            per_person[(muni, str(person))] = counts
        else:
            acc[0] += counts[0]
            acc[1] += counts[1]
            acc[2] += counts[2]
    for muni, person, kind, k in db.remains_referrals(period.start, period.end):
        referrals[(muni, str(person), kind)] += k


def _look_up(db: StatsQueries, case_ids: list[str]) -> Places:
    """Where the cases outside the active set count (deleted ones are left out)."""
    return {cid: (muni, str(person)) for cid, muni, person in db.case_places(case_ids)}


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
