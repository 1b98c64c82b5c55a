"""Purging old cases under the Löschfrist does not change the indicator counts of past reporting
periods: purged cases count through their statistical remains (kimdesk/vault/statsremains.py),
which hold no personal field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kimdesk.domain.retention import add_months
from kimdesk.stats import Period
from kimdesk.stats.casecount import case_cells
from kimdesk.stats.indicators import compute
from kimdesk.stats.tables import Cell
from kimdesk.vault.purge import PurgeOrder, purge_cases
from kimdesk.vault.retention import apply_retention
from kimdesk.vault.statsqueries import StatsQueries
from tests.stats.test_indicators import _people_with_several_cases

#: Tables whose people may change (never their values): a structural gap stays when its case is
#: purged, without the case, so it then counts as a person of its own.
PEOPLE_MAY_CHANGE = {"gaps_by_category"}


def reporting_periods(first: date, last: date) -> list[Period]:
    """Every month, quarter and year from ``first`` to ``last``, and one span of whole months."""
    out: list[Period] = []
    for year in range(first.year, last.year + 1):
        out.append(Period.year(year))
        out += [Period.quarter(year, q) for q in range(1, 5)]
        out += [Period.month(year, m) for m in range(1, 13)]
    out.append(Period(date(first.year, 3, 1), date(last.year, 2, 28)))
    return out


def snapshot(vault: Any, periods: list[Period]) -> dict[tuple[str, str], dict[Any, Cell]]:
    db = StatsQueries.of(vault)
    out: dict[tuple[str, str], dict[Any, Cell]] = {}
    for period in periods:
        for table in compute(db, period):
            out[(period.label, table.id)] = dict(table.cells)
    return out


def assert_unchanged(before: dict[tuple[str, str], dict[Any, Cell]],
                     after: dict[tuple[str, str], dict[Any, Cell]]) -> None:
    changed = []
    for key, cells in before.items():
        now = after[key]
        if key[1] in PEOPLE_MAY_CHANGE:
            cells = {pos: c.value for pos, c in cells.items()}  # type: ignore[misc]
            now = {pos: c.value for pos, c in now.items()}  # type: ignore[misc]
        if cells != now:
            changed.append(key)
    assert changed == []


def test_past_periods_keep_their_counts_when_cases_are_purged(make_vault: Any) -> None:
    from kimdesk.demo.generator import fill

    vault = make_vault(municipality="Verl")
    fill(vault, 400, seed=13)
    _people_with_several_cases(vault, 5)  # people whose cases are purged one at a time
    closed = sorted(c.closed_on for c in vault.cases.where("closed_on IS NOT NULL"))
    opened = min(c.opened_on for c in vault.cases.where())
    periods = reporting_periods(opened, date.today())
    before = snapshot(vault, periods)
    assert sum(c.value for c in before[(str(date.today().year - 1), "cases")].values()) > 0

    # half of the closed cases first (people with a later case stay), then every closed case
    for today in (add_months(closed[len(closed) // 2], 36), date(2100, 1, 1)):
        result = apply_retention(vault, today, ordered_by="anna")
        assert result.deleted_cases > 0
        assert_unchanged(before, snapshot(vault, periods))
    assert vault.cases.where("closed_on IS NOT NULL") == []
    assert vault.conn.execute("SELECT count(*) FROM stats_cases").fetchone()[0] == len(closed)
    # grouped and row by row still agree, with remains, people linked and unlinked
    db = StatsQueries.of(vault)
    for period in (Period.month(2026, 1), Period.year(2025), Period.year(2026)):
        assert case_cells(db, period).cells == case_cells(db, period, grouped=False).cells


def _person(vault: Any, name: str, born: date) -> Any:
    from kimdesk.domain.models import Person

    return vault.people.add(Person(given_name=name, family_name="Remains",
                                   given_name_latin=name, family_name_latin="Remains",
                                   birth_date=born, gender="female", nationalities=["SY"],
                                   residence_status="duldung", municipality="Verl"))


def test_a_purged_person_is_never_taken_for_a_new_one(make_vault: Any) -> None:
    """The remains keep the living person's number while they have a case, and an opaque one
    after they are purged: a new person who gets the same local number counts on their own."""
    from kimdesk.domain.codes import ClosureReason, Phase

    vault = make_vault(municipality="Verl")
    person = _person(vault, "Amina", date(1990, 5, 17))
    old = vault.cases.open_case(person.id, opened_on=date(2025, 1, 10), phase=Phase.ABSCHLUSS,
                                closed_on=date(2025, 3, 2), closure_reason=ClosureReason.MOVED_AWAY)
    current = vault.cases.open_case(person.id, opened_on=date(2025, 2, 1))
    seq = vault.conn.execute("SELECT seq FROM persons WHERE id = ?", (person.id,)).fetchone()[0]
    order = PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="anna")
    period = Period.quarter(2025, 1)

    def active() -> Cell:
        return next(t for t in compute(StatsQueries.of(vault), period)
                    if t.id == "cases").cell("Verl", "active")

    assert active() == Cell(2, 1)

    assert purge_cases(vault, [old.id], order).remains == 1
    assert vault.conn.execute("SELECT person FROM stats_cases").fetchall() == [(seq,)]
    assert active() == Cell(2, 1)  # still one person behind both cases
    # linked to a living person, the remains are theirs: the Auskunft lists them
    from kimdesk.vault.subject_access import collect

    listed = collect(vault, person.id)["statistical_remains"]
    assert [(c["opened"], c["closed"]) for c in listed["cases"]] == [("2025-01", "2025-03")]

    purge_cases(vault, [current.id], order)
    key = vault.conn.execute("SELECT DISTINCT person FROM stats_cases").fetchall()
    assert len(key) == 1 and key[0][0] < 0
    newcomer = _person(vault, "Berfin", date(1985, 1, 1))
    assert vault.conn.execute("SELECT seq FROM persons WHERE id = ?",
                              (newcomer.id,)).fetchone()[0] == seq  # the number came back
    vault.cases.open_case(newcomer.id, opened_on=date(2025, 2, 15))
    assert active() == Cell(3, 2)


@pytest.mark.parametrize("born", [date(1990, 5, 17), None])
def test_remains_hold_no_personal_field(make_vault: Any, born: date | None) -> None:
    from kimdesk.domain.codes import ClosureReason, Phase
    from kimdesk.domain.models import Consultation, Note, Referral

    vault = make_vault(municipality="Verl")
    person = _person(vault, "Zeynep", born or date(1990, 1, 1))
    if born is None:
        vault.conn.execute("UPDATE persons SET birth_date = NULL, birth_year = 1990")
    case = vault.cases.open_case(person.id, opened_on=date(2025, 1, 10), phase=Phase.ABSCHLUSS,
                                 closed_on=date(2025, 9, 2), closure_reason=ClosureReason.OTHER,
                                 rechtskreise=["sgb2"])
    vault.consultations.add(Consultation(case_id=case.id, date=date(2025, 2, 20),
                                         duration_minutes=30, place="home",
                                         interpreter_used=True, language="ar"))
    vault.referrals.add(Referral(case_id=case.id, agency_type="jobcenter",
                                 agency_name="Jobcenter Verl", referred_on=date(2025, 3, 4)))
    vault.notes.add(Note(case_id=case.id, text="Zeynep wohnt bei ihrer Schwester"))
    purge_cases(vault, [case.id], PurgeOrder(legal_basis="§ 84 SGB X", ordered_by="anna"))

    cases = vault.conn.execute("SELECT * FROM stats_cases").fetchall()
    events = vault.conn.execute("SELECT * FROM stats_events ORDER BY kind").fetchall()
    assert [row[1:] for row in cases] == [
        ("Verl", -1, "2025-01", "2025-09", "other", "6_12m", born and "1990-05",
         None if born else 1990, "female", "western_asia", "duldung", '["sgb2"]', "[]")]
    assert [row[1:] for row in events] == [("consultation", "2025-02", "Verl", -1, "", 1, 1, 1),
                                           ("referral", "2025-03", "Verl", -1, "jobcenter", 1,
                                            0, 0)]
    text = repr(cases + events)
    for word in ("Zeynep", "Remains", "Schwester", "Jobcenter Verl", case.id, person.id,
                 case.case_number, "1990-05-17", "SY", "2025-01-10", "2025-09-02"):
        assert word not in text


def test_a_version_6_vault_gets_the_remains_tables(tmp_path: Any) -> None:
    import shutil
    from pathlib import Path

    from kimdesk.vault import Vault
    from kimdesk.vault.migrations import LATEST, schema_version

    copy = tmp_path / "v6.kdb"
    shutil.copy(Path(__file__).resolve().parent.parent / "fixtures" / "vault_v6.kdb", copy)
    with Vault.open(copy, "fixture-v1") as vault:
        assert schema_version(vault.conn) == LATEST >= 7
        case = vault.cases.where()[0]
        period = Period(case.opened_on, case.opened_on)
        before = snapshot(vault, [period])
        purge_cases(vault, [case.id], PurgeOrder(legal_basis="§ 84 SGB X", ordered_by="anna"))
        assert vault.conn.execute("SELECT count(*) FROM stats_cases").fetchone()[0] == 1
        month = Period.month(case.opened_on.year, case.opened_on.month)
        assert snapshot(vault, [month])[(month.label, "cases")] == {
            pos: c for pos, c in before[(period.label, "cases")].items()}
