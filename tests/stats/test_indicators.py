"""Indicators against direct SQL counts on a real demo vault; definitions of bands and periods."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimdesk.domain.iso import country_codes
from kimdesk.stats import Period, build_report
from kimdesk.stats.categories import age_on, band_duration
from kimdesk.stats.indicators import compute
from kimdesk.stats.regions import region_map, region_of
from kimdesk.stats.tables import TOTAL, Cell
from kimdesk.vault.statsqueries import StatsQueries
from tests.stats.conftest import periods


def test_period_parsing_and_labels() -> None:
    assert Period.parse("2026") == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert Period.parse("2026-Q1") == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert Period.parse("2024-02") == Period(date(2024, 2, 1), date(2024, 2, 29))
    assert Period.parse("2026-01-05..2026-02-01").label == "2026-01-05..2026-02-01"
    assert Period.parse("2026-Q4").label == "2026-Q4"
    assert Period.month(2026, 12).label == "2026-12"
    assert Period.year(2025).label == "2025"
    assert Period.last_full_quarter(date(2026, 2, 3)) == Period.quarter(2025, 4)
    with pytest.raises(ValueError):
        Period(date(2026, 2, 1), date(2026, 1, 1))


def test_age_and_duration_bands() -> None:
    assert age_on(date(2026, 6, 30), "2008-07-01", 2008) == 17
    assert age_on(date(2026, 7, 1), "2008-07-01", 2008) == 18
    assert age_on(date(2026, 6, 30), None, 2000) == 25  # born "1 July"
    assert age_on(date(2026, 6, 30), None, None) is None
    assert band_duration("2026-01-31", "2026-04-30") == "under_3m"
    assert band_duration("2026-01-31", "2026-05-01") == "3_6m"
    assert band_duration("2025-01-01", "2026-01-01") == "12m_plus"


def test_every_country_has_a_region() -> None:
    pseudo = {"EU", "EZ", "UN", "XA", "XB"}  # CLDR groupings and pseudo-regions, not countries
    assert country_codes() - set(region_map()) == pseudo
    assert region_of("TR") == "western_asia" and region_of("PL") == "eu"
    assert region_of("UA") == "europe_other" and region_of("XX") == "stateless"
    assert region_of(None) == "unknown" and region_of("QQ") == "unknown"


@pytest.mark.parametrize("period", periods(), ids=lambda p: p.label)
def test_published_numbers_equal_direct_sql_counts(stats_vault: object, period: Period) -> None:
    conn = stats_vault.conn  # type: ignore[attr-defined]
    report = build_report(StatsQueries.of(stats_vault), period, 3,  # type: ignore[arg-type]
                          internal=period.kind is None)
    p = report.protection
    f, t = period.start.isoformat(), period.end.isoformat()
    active_sql = ("SELECT municipality, count(*) FROM cases WHERE deleted = 0 AND opened_on <= ?"
                  " AND (closed_on IS NULL OR closed_on >= ?) GROUP BY 1")
    direct = {
        "opened": dict(conn.execute("SELECT municipality, count(*) FROM cases WHERE deleted = 0"
                                    " AND opened_on BETWEEN ? AND ? GROUP BY 1", (f, t))),
        "active": dict(conn.execute(active_sql, (t, f))),
        "closed": dict(conn.execute("SELECT municipality, count(*) FROM cases WHERE deleted = 0"
                                    " AND closed_on BETWEEN ? AND ? GROUP BY 1", (f, t))),
    }
    cases = report.table("cases")
    checked = 0
    for column, counts in direct.items():
        for row in cases.all_rows:
            want = sum(counts.values()) if row == TOTAL else counts.get(row, 0)
            # a case table withheld by the flow link (docs/statistics.md) publishes nothing:
            # its counts are checked all the same
            shown = (cases.cell(row, column).value if "cases" in p.withheld
                     else p.shown(cases, row, column))
            if shown != ".":
                assert shown == want, (column, row)
                checked += 1
    assert checked
    gender = dict(conn.execute(
        "SELECT p.gender, count(*) FROM cases c JOIN persons p ON p.id = c.person_id"
        " WHERE c.deleted = 0 AND c.opened_on <= ? AND (c.closed_on IS NULL OR c.closed_on >= ?)"
        " GROUP BY 1", (t, f)))
    g = report.table("active_by_gender")
    for column in g.columns:
        if p.shown(g, TOTAL, column) != ".":
            assert p.shown(g, TOTAL, column) == gender.get(column, 0)
    rk: Counter[str] = Counter()
    for (codes,) in conn.execute("SELECT rechtskreise FROM cases WHERE deleted = 0 AND"
                                 " opened_on <= ? AND (closed_on IS NULL OR closed_on >= ?)",
                                 (t, f)):
        rk.update(set(json.loads(codes)))
    legal = report.table("active_by_rechtskreis")
    for column in legal.columns:
        if p.shown(legal, TOTAL, column) != ".":
            assert p.shown(legal, TOTAL, column) == rk[column]
    n_cons, n_out = conn.execute(
        "SELECT count(*), sum(place IN ('shelter', 'home', 'public')) FROM consultations"
        " WHERE deleted = 0 AND date BETWEEN ? AND ?", (f, t)).fetchone()
    place = report.table("consultations_by_place")
    if p.shown(place, TOTAL, TOTAL) != ".":
        assert p.shown(place, TOTAL, TOTAL) == n_cons
    if p.shown(place, TOTAL, "outreach") != ".":
        assert p.shown(place, TOTAL, "outreach") == (n_out or 0)
    (n_ref,) = conn.execute("SELECT count(*) FROM referrals WHERE deleted = 0 AND referred_on"
                            " BETWEEN ? AND ?", (f, t)).fetchone()
    ref = report.table("referrals_by_agency_type")
    if p.shown(ref, TOTAL, TOTAL) != ".":
        assert p.shown(ref, TOTAL, TOTAL) == n_ref


def test_margins_add_up_and_shared_totals_agree(stats_vault: object) -> None:
    tables = compute(StatsQueries.of(stats_vault), Period.year(date.today().year - 1))  # type: ignore[arg-type]
    by_id = {t.id: t for t in tables}
    for t in tables:
        for column in t.all_columns:
            assert sum(t.cell(r, column).value for r in t.rows) == t.cell(TOTAL, column).value
        if t.row_total:
            for row in t.all_rows:
                assert sum(t.cell(row, c).value for c in t.columns) == t.cell(row, TOTAL).value
    for tid in ("active_by_age", "active_by_gender", "active_by_region",
                "active_by_residence_status"):
        for row in by_id["cases"].all_rows:
            assert by_id[tid].cell(row, TOTAL) == by_id["cases"].cell(row, "active")


def test_deleted_records_are_not_counted(demo_vault: object) -> None:
    vault = demo_vault
    period = Period(date(2000, 1, 1), date.today())
    before = compute(StatsQueries.of(vault), period)[0]  # type: ignore[arg-type]
    vault.conn.execute("UPDATE cases SET deleted = 1 WHERE seq IN (SELECT seq FROM cases LIMIT 5)")  # type: ignore[attr-defined]
    after = compute(StatsQueries.of(vault), period)[0]  # type: ignore[arg-type]
    assert after.cell(TOTAL, "active").value == before.cell(TOTAL, "active").value - 5


def test_persons_with_two_cases_count_once_as_contributors(make_vault: object) -> None:
    from kimdesk.domain.models import Person

    vault = make_vault(municipality="Verl")  # type: ignore[operator]
    person = vault.people.add(Person(given_name="Test", family_name="Person",
                                     given_name_latin="Test", family_name_latin="Person",
                                     gender="female", nationalities=["SY"],
                                     residence_status="duldung", municipality="Verl"))
    for _ in range(3):
        vault.cases.open_case(person.id, opened_on=date(2026, 1, 10))
    t = compute(StatsQueries.of(vault), Period.month(2026, 1))[0]
    assert t.cell("Verl", "opened").value == 3
    assert t.cell("Verl", "opened").contributors == 1
    report = build_report(StatsQueries.of(vault), Period.month(2026, 1), 3)
    assert report.protection.shown(t, "Verl", "opened") == "."


@pytest.mark.parametrize("period", periods(), ids=lambda p: p.label)
def test_sql_bands_agree_with_the_python_definitions(stats_vault: object, period: Period) -> None:
    from kimdesk.stats.categories import band_age

    conn = stats_vault.conn  # type: ignore[attr-defined]
    f, t = period.start.isoformat(), period.end.isoformat()
    ages: Counter[str] = Counter()
    durations: Counter[str] = Counter()
    for opened, closed, born, year in conn.execute(
            "SELECT c.opened_on, c.closed_on, p.birth_date, p.birth_year FROM cases c JOIN"
            " persons p ON p.id = c.person_id WHERE c.deleted = 0 AND c.opened_on <= ? AND"
            " (c.closed_on IS NULL OR c.closed_on >= ?)", (t, f)):
        ages[band_age(age_on(period.end, born, year))] += 1
        if closed and closed <= t:
            durations[band_duration(opened, closed)] += 1
    tables = {x.id: x for x in compute(StatsQueries.of(stats_vault), period)}  # type: ignore[arg-type]
    assert {c: tables["active_by_age"].cell(TOTAL, c).value for c in ages} == dict(ages)
    assert {c: tables["closed_by_duration"].cell(TOTAL, c).value
            for c in durations} == dict(durations)


def test_a_person_with_two_cases_counts_once_in_every_table(make_vault: object) -> None:
    from kimdesk.domain.models import Consultation, Person

    vault = make_vault(municipality="Verl")  # type: ignore[operator]
    person = vault.people.add(Person(given_name="Test", family_name="Person",
                                     given_name_latin="Test", family_name_latin="Person",
                                     gender="female", nationalities=["SY"], birth_year=1990,
                                     residence_status="duldung", municipality="Verl"))
    other = vault.people.add(Person(given_name="Other", family_name="Person",
                                    given_name_latin="Other", family_name_latin="Person",
                                    gender="male", nationalities=["UA"],
                                    residence_status="par24", municipality="Verl"))
    cases = [vault.cases.open_case(p, opened_on=date(2026, 1, 10), rechtskreise=["sgb2", "sgb8"])
             for p in (person.id, person.id, other.id)]
    for case in cases:
        for place in ("office", "home"):
            vault.consultations.add(Consultation(case_id=case.id, date=date(2026, 1, 20),
                                                 duration_minutes=30, place=place,
                                                 interpreter_used=False, language="de"))
    tables = {t.id: t for t in compute(StatsQueries.of(vault), Period.month(2026, 1))}
    legal = tables["active_by_rechtskreis"]
    assert legal.cell("Verl", "sgb2") == Cell(3, 2)
    assert legal.cell(TOTAL, "sgb8") == Cell(3, 2)
    gender = tables["active_by_gender"]
    assert gender.cell("Verl", "female") == Cell(2, 1)
    assert gender.cell("Verl", TOTAL) == Cell(3, 2)
    by_place = tables["consultations_by_place"]
    assert by_place.cell("Verl", "outreach") == Cell(3, 2)
    assert by_place.cell(TOTAL, TOTAL) == Cell(6, 2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Verl", "Werther", ""]), st.integers(1, 6),
                          st.booleans()), max_size=40))
def test_split_tally_equals_counting_every_event(events: list[tuple[str, int, bool]]) -> None:
    """The one-pass two-column tally agrees with the general :func:`tally` over one item per
    event, including people with events in two municipalities (counted once in the total row)."""
    from kimdesk.stats.tally import split_tally, tally

    counts: dict[tuple[str, int], list[int]] = {}
    for muni, person, outreach in events:
        acc = counts.setdefault((muni, person), [0, 0])
        acc[0] += 1
        acc[1] += outreach
    expected = tally([m for m, _p, _o in events],
                     ["outreach" if o else "not_outreach" for _m, _p, o in events],
                     [p for _m, p, _o in events])
    assert split_tally(counts, 1, "outreach", "not_outreach") == expected


@settings(max_examples=200, deadline=None)
@given(end=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
       born=st.one_of(st.none(), st.dates(date(1920, 1, 1), date(2045, 12, 31))),
       year=st.one_of(st.none(), st.integers(1920, 2045)))
def test_sql_age_cutoffs_agree_with_age_on(end: date, born: date | None,
                                            year: int | None) -> None:
    """The SQL compares stored birth dates with cut-off dates instead of computing ages; on
    every day (29 February included) it gives the band of :func:`age_on`."""
    import sqlite3

    from kimdesk.stats.categories import band_age
    from kimdesk.vault.statsqueries import age_band_sql, age_cutoffs

    sql = (f"SELECT CASE WHEN b > '' THEN {age_band_sql('b', '')} WHEN y IS NOT NULL THEN"
           f" {age_band_sql('y', '_y')} ELSE 'unknown' END FROM (SELECT :b AS b, :y AS y)")
    text = born.isoformat() if born else None
    with sqlite3.connect(":memory:") as conn:
        (band,) = conn.execute(sql, {"b": text, "y": year, **age_cutoffs(end)}).fetchone()
    assert band == band_age(age_on(end, text, year))


def _displayed(tables: list) -> dict:
    return {(t.id, r, c): t.cell(r, c) for t in tables for r in t.all_rows
            for c in t.all_columns}


@pytest.mark.parametrize("period", periods(), ids=lambda p: p.label)
def test_grouped_case_count_equals_counting_row_by_row(stats_vault: object,
                                                       period: Period) -> None:
    from kimdesk.stats.casecount import case_cells

    db = StatsQueries.of(stats_vault)  # type: ignore[arg-type]
    grouped = case_cells(db, period)
    rows = case_cells(db, period, grouped=False)
    assert grouped.cells == rows.cells
    assert grouped.places == rows.places
    assert sum(c.value for c in grouped.cells["cases"].values()) > 0


def _people_with_several_cases(vault: object, seed: int) -> None:
    """Twelve people with one to three cases each, in two municipalities (and none stated),
    opened, reopened and closed around January 2026, with consultations and referrals."""
    import random

    from kimdesk.domain.codes import ClosureReason, Phase
    from kimdesk.domain.models import Consultation, Person, Referral

    rnd = random.Random(seed)
    for i in range(12):
        person = vault.people.add(Person(  # type: ignore[attr-defined]
            given_name=f"P{i}", family_name="Test", given_name_latin=f"P{i}",
            family_name_latin="Test", gender=rnd.choice(["female", "male", "diverse"]),
            nationalities=[rnd.choice(["SY", "UA", "TR", "DE"])],
            birth_year=rnd.choice([1960, 1990, 2010, None]),
            residence_status=rnd.choice(["duldung", "par24", "eu"])))
        for _ in range(rnd.randint(1, 3)):
            opened = date(2025, 12, rnd.randint(1, 31))
            fields: dict = {"municipality": rnd.choice(["Verl", "Werther", ""]),
                            "opened_on": opened,
                            "rechtskreise": rnd.sample(["sgb2", "sgb8", "asylblg"],
                                                       rnd.randint(0, 2)),
                            "handlungsfelder": rnd.sample(["housing", "language"],
                                                          rnd.randint(0, 2))}
            if rnd.random() < 0.5:
                fields.update(phase=Phase.ABSCHLUSS, closed_on=date(2026, 1, rnd.randint(1, 31)),
                              closure_reason=rnd.choice(list(ClosureReason)))
            case = vault.cases.open_case(person.id, **fields)  # type: ignore[attr-defined]
            for _ in range(rnd.randint(0, 3)):
                vault.consultations.add(Consultation(  # type: ignore[attr-defined]
                    case_id=case.id, date=date(2026, 1, rnd.randint(1, 31)),
                    duration_minutes=30, place=rnd.choice(["office", "home", "shelter"]),
                    interpreter_used=rnd.random() < 0.5, language="ar"))
            if rnd.random() < 0.5:
                vault.referrals.add(Referral(  # type: ignore[attr-defined]
                    case_id=case.id, agency_type=rnd.choice(["jobcenter", "youth_office"]),
                    agency_name="Amt", referred_on=date(2026, 1, rnd.randint(1, 31))))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_people_with_several_cases_count_once_either_way(make_vault: object, seed: int) -> None:
    """The grouped count with its correction for people with several cases, in one thread or
    two, equals the row-by-row count of distinct people in every cell."""
    from kimdesk.stats.casecount import case_cells

    vault = make_vault(municipality="Verl")  # type: ignore[operator]
    _people_with_several_cases(vault, seed)
    period = Period.month(2026, 1)
    db = StatsQueries.of(vault)
    grouped = case_cells(db, period)
    assert grouped.cells == case_cells(db, period, grouped=False).cells
    # the correction was needed: some cell has fewer people than cases
    assert any(c.contributors < c.value for cells in grouped.cells.values()
               for c in cells.values())
    with StatsQueries.reader(vault) as second:
        assert _displayed(compute(db, period, second)) == _displayed(compute(db, period))


def test_a_separator_inside_a_value_falls_back_to_counting_rows(make_vault: object) -> None:
    from kimdesk.stats.casecount import case_cells

    vault = make_vault(municipality="Verl")  # type: ignore[operator]
    _people_with_several_cases(vault, 4)
    vault.conn.execute("""UPDATE persons SET nationalities = '["S\x1fY"]'""")
    period = Period.month(2026, 1)
    db = StatsQueries.of(vault)
    got = case_cells(db, period)
    assert got.cells == case_cells(db, period, grouped=False).cells
    assert got.cells["active_by_region"][(TOTAL, "unknown")].value > 0


def test_a_v3_vault_gets_the_statistics_index_and_counts_through_it(tmp_path: object) -> None:
    import shutil
    from pathlib import Path

    from kimdesk.vault import Vault
    from kimdesk.vault.statsqueries import CONSULTATION_SQL

    copy = Path(str(tmp_path)) / "v3.kdb"
    shutil.copy(Path(__file__).resolve().parent.parent / "fixtures" / "vault_v3.kdb", copy)
    with Vault.open(copy, "fixture-v1") as v:
        plan = " ".join(str(r[3]) for r in v.conn.execute(
            "EXPLAIN QUERY PLAN " + CONSULTATION_SQL.format(index="consultations_stats"),
            {"from": "2000-01-01", "to": "2100-01-01"}))
        assert "COVERING INDEX consultations_stats" in plan
        period = Period(date(2000, 1, 1), date.today())
        tables = {t.id: t for t in compute(StatsQueries.of(v), period)}
        assert tables["consultations_by_place"].cell(TOTAL, TOTAL).value == 1
