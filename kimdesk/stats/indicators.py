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

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
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

CASE_SQL = """
SELECT c.municipality, p.seq, c.opened_on, c.closed_on, c.closure_reason, p.birth_date,
       p.birth_year, p.gender, p.nationalities, p.residence_status, c.rechtskreise,
       c.handlungsfelder
FROM cases c JOIN persons p ON p.id = c.person_id
WHERE c.deleted = 0 AND p.deleted = 0 AND c.opened_on <= :to
  AND (c.closed_on IS NULL OR c.closed_on >= :from)
"""
CONSULTATION_SQL = f"""
SELECT c.municipality, p.seq, count(*),
       sum(k.place IN ({", ".join(repr(p) for p in OUTREACH)})), sum(k.interpreter_used != 0)
FROM consultations k JOIN cases c ON c.id = k.case_id JOIN persons p ON p.id = c.person_id
WHERE k.deleted = 0 AND c.deleted = 0 AND p.deleted = 0 AND k.date BETWEEN :from AND :to
GROUP BY k.case_id
"""
REFERRAL_SQL = """
SELECT c.municipality, p.seq, r.agency_type, count(*)
FROM referrals r JOIN cases c ON c.id = r.case_id JOIN persons p ON p.id = c.person_id
WHERE r.deleted = 0 AND c.deleted = 0 AND p.deleted = 0 AND r.referred_on BETWEEN :from AND :to
GROUP BY r.case_id, r.agency_type
"""
# A gap linked to a case counts that case's person; an unlinked gap stands for itself.
GAP_SQL = """
SELECT g.municipality, coalesce(p.seq, -g.seq), g.category, count(*)
FROM structural_gaps g LEFT JOIN cases c ON c.id = g.case_id AND c.deleted = 0
LEFT JOIN persons p ON p.id = c.person_id AND p.deleted = 0
WHERE g.deleted = 0 AND g.observed_on BETWEEN :from AND :to
GROUP BY g.municipality, coalesce(p.seq, -g.seq), g.category
"""
MUNICIPALITY_SQL = """
SELECT municipality FROM cases WHERE deleted = 0
UNION SELECT municipality FROM structural_gaps WHERE deleted = 0
"""


class _Counts:
    """Counts and distinct people per cell; margins from the same items."""

    def __init__(self, row_total: bool) -> None:
        self.row_total = row_total
        self.value: Counter[tuple[str, str]] = Counter()
        self.people: defaultdict[tuple[str, str], set[int]] = defaultdict(set)

    def add(self, row: str, column: str, person: int, n: int = 1) -> None:
        positions = [(row, column), (TOTAL, column)]
        if self.row_total:
            positions += [(row, TOTAL), (TOTAL, TOTAL)]
        for pos in positions:
            self.value[pos] += n
            self.people[pos].add(person)

    def cells(self) -> dict[tuple[str, str], Cell]:
        return {pos: Cell(v, len(self.people[pos])) for pos, v in self.value.items()}


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


def municipalities(conn: Any) -> list[str]:
    """Every municipality that has a case or a gap, the period's tables all have the same rows."""
    names = {row[0] or "" for row in conn.execute(MUNICIPALITY_SQL)}
    return sorted(names, key=lambda s: (s == "", s.casefold()))


def _table(tid: str, title: str, unit: str, base: str, rows: list[str], columns: Iterable[str],
           counts: _Counts, **kw: Any) -> Table:
    return Table(id=tid, title=title, unit=unit, base=base, rows=rows, columns=list(columns),
                 cells=counts.cells(), row_total=counts.row_total, **kw)


def compute(conn: Any, period: Period) -> list[Table]:
    """Every indicator table of ``period``, from an open vault connection (read only)."""
    params = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    start, end = params["from"], params["to"]
    rows = municipalities(conn)
    region_of = regions.region_map()
    parsed: dict[str, list[str]] = {}

    def codes_of(text: str) -> list[str]:
        got = parsed.get(text)
        if got is None:
            got = parsed[text] = list(dict.fromkeys(json.loads(text or "[]")))
        return got

    flow = _Counts(row_total=False)
    reason = _Counts(row_total=True)
    duration = _Counts(row_total=True)
    age = _Counts(row_total=True)
    gender = _Counts(row_total=True)
    region = _Counts(row_total=True)
    residence = _Counts(row_total=True)
    legal = _Counts(row_total=False)
    fields = _Counts(row_total=False)
    genders = {g.value for g in Gender}
    statuses = {s.value for s in ResidenceStatus}
    reasons = {r.value for r in ClosureReason}
    for (muni, person, opened, closed, why, born, born_year, sex, nats, status, rks,
         hfs) in conn.execute(CASE_SQL, params):
        muni = muni or ""
        flow.add(muni, "active", person)
        if opened >= start:
            flow.add(muni, "opened", person)
        if closed is not None and closed <= end:
            flow.add(muni, "closed", person)
            reason.add(muni, why if why in reasons else NOT_STATED, person)
            duration.add(muni, _band_duration(opened, closed), person)
        age.add(muni, _band_age(age_on(period.end, born, born_year)), person)
        gender.add(muni, sex if sex in genders else NOT_STATED, person)
        first = codes_of(nats)
        region.add(muni, region_of.get(first[0], regions.UNKNOWN) if first else regions.UNKNOWN,
                   person)
        residence.add(muni, status if status in statuses else ResidenceStatus.UNKNOWN.value,
                      person)
        for code in codes_of(rks):
            legal.add(muni, code, person)
        for code in codes_of(hfs):
            fields.add(muni, code, person)

    place = _Counts(row_total=True)
    interpreter = _Counts(row_total=True)
    for muni, person, n, outreach, interp in conn.execute(CONSULTATION_SQL, params):
        muni = muni or ""
        for counts, column, k in ((place, "outreach", outreach),
                                  (place, "not_outreach", n - outreach),
                                  (interpreter, "with_interpreter", interp),
                                  (interpreter, "without_interpreter", n - interp)):
            if k:
                counts.add(muni, column, person, k)

    referrals = _Counts(row_total=True)
    agency_types = {a.value for a in AgencyType}
    for muni, person, kind, n in conn.execute(REFERRAL_SQL, params):
        referrals.add(muni or "", kind if kind in agency_types else AgencyType.OTHER.value,
                      person, n)

    gaps = _Counts(row_total=True)
    categories = {g.value for g in GapCategory}
    for muni, who, category, n in conn.execute(GAP_SQL, params):
        gaps.add(muni or "", category if category in categories else GapCategory.OTHER.value,
                 who, n)

    active, closed_group = "active", "closed"
    cases_unit = "cases"
    return [
        _table("cases", N_("Cases opened, active and closed"), cases_unit,
               N_("cases opened / active / closed in the period"), rows,
               ("opened", "active", "closed"), flow,
               shared={"opened": "opened", "active": active, "closed": closed_group}),
        _table("closed_by_reason", N_("Closed cases by closure reason"), cases_unit, _CLOSED,
               rows, [*(r.value for r in ClosureReason), NOT_STATED], reason,
               shared={TOTAL: closed_group}),
        _table("closed_by_duration", N_("Closed cases by duration"), cases_unit, _CLOSED, rows,
               DURATION_BANDS, duration, shared={TOTAL: closed_group}),
        _table("active_by_age", N_("Active cases by age at the end of the period"), cases_unit,
               _ACTIVE, rows, AGE_BANDS, age, shared={TOTAL: active}),
        _table("active_by_gender", N_("Active cases by gender"), cases_unit, _ACTIVE, rows,
               [g.value for g in Gender], gender, shared={TOTAL: active}),
        _table("active_by_region", N_("Active cases by nationality (region)"), cases_unit,
               _ACTIVE, rows, regions.order(), region, shared={TOTAL: active}),
        _table("active_by_residence_status", N_("Active cases by residence status"), cases_unit,
               _ACTIVE, rows, [s.value for s in ResidenceStatus], residence,
               shared={TOTAL: active}),
        _table("active_by_rechtskreis", N_("Active cases by Rechtskreis involved"), cases_unit,
               _ACTIVE, rows, [r.value for r in Rechtskreis], legal, multi_valued=True,
               bounded_by=active),
        _table("active_by_handlungsfeld", N_("Active cases by Handlungsfeld"), cases_unit,
               _ACTIVE, rows, [h.value for h in Handlungsfeld], fields, multi_valued=True,
               bounded_by=active),
        _table("referrals_by_agency_type", N_("Referrals by receiving agency type"), "referrals",
               N_("referrals made in the period"), rows, [a.value for a in AgencyType],
               referrals, shared={TOTAL: "referrals"}),
        _table("consultations_by_place", N_("Consultations: outreach"), "consultations",
               N_("consultations held in the period"), rows, ("outreach", "not_outreach"),
               place, shared={TOTAL: "consultations"},
               derived={"outreach_share_pct": ("outreach", TOTAL)}),
        _table("consultations_by_interpreter", N_("Consultations: interpreter"),
               "consultations", N_("consultations held in the period"), rows,
               ("with_interpreter", "without_interpreter"), interpreter,
               shared={TOTAL: "consultations"},
               derived={"interpreter_share_pct": ("with_interpreter", TOTAL)}),
        _table("gaps_by_category", N_("Structural gaps by category"), "gaps",
               N_("structural gaps observed in the period"), rows,
               [g.value for g in GapCategory], gaps, shared={TOTAL: "gaps"}),
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


Progress = Callable[[int, int], None]


def table_by_id(tables: Sequence[Table], tid: str) -> Table:
    for t in tables:
        if t.id == tid:
            return t
    raise KeyError(tid)
