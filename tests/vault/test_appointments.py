"""Appointments (issue 18): the next appointment on the case, the day and week agenda with the
reviews due, the reminder count, and that appointments go with the case (purge, Auskunft,
migration from schema 8)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kimdesk.domain.codes import ClosureReason, Phase
from kimdesk.domain.models import Case, Person
from kimdesk.vault import Vault
from kimdesk.vault.appointments import (
    APPOINTMENT,
    REVIEW,
    DueToday,
    agenda,
    due_today,
    set_next_appointment,
    week_of,
)
from kimdesk.vault.migrations import LATEST, schema_version
from kimdesk.vault.purge import PurgeOrder, purge_cases
from kimdesk.vault.subject_access import collect

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MONDAY = date(2026, 12, 7)


def _case(vault: Vault, family: str, **fields: Any) -> Case:
    person = vault.people.add(Person(given_name="Test", family_name=family))
    return vault.cases.open_case(person.id, opened_on=date(2026, 1, 5), **fields)


def test_time_is_normalised_and_checked() -> None:
    base = {"case_number": "1", "person_id": "p", "owner": "o",
            "next_appointment_on": MONDAY}
    assert Case(**base, next_appointment_time="9.30").next_appointment_time == "09:30"
    assert Case(**base, next_appointment_time="1415").next_appointment_time == "14:15"
    for bad in ("25:00", "half past", "9:75"):
        with pytest.raises(ValidationError, match="not a time of day"):
            Case(**base, next_appointment_time=bad)
    with pytest.raises(ValidationError, match="need its date"):
        Case(**(base | {"next_appointment_on": None}), next_appointment_place="Room 3")
    with pytest.raises(ValidationError):
        Case(**base, next_appointment_place="x" * 201)


def test_day_and_week_list_appointments_and_reviews_in_order(vault: Vault) -> None:
    early = _case(vault, "Early")
    late = _case(vault, "Late")
    untimed = _case(vault, "Untimed")
    nextweek = _case(vault, "Nextweek")
    _case(vault, "Review", review_on=MONDAY)
    closed = _case(vault, "Closed", review_on=MONDAY)
    vault.cases.transition(closed.id, Phase.ABSCHLUSS, closure_reason=ClosureReason.GOAL_REACHED)
    set_next_appointment(vault, late.id, MONDAY, "14:00", "Office room 3")
    set_next_appointment(vault, early.id, MONDAY, "9:30", "Jobcenter")
    set_next_appointment(vault, untimed.id, MONDAY)
    set_next_appointment(vault, nextweek.id, date(2026, 12, 14), "10:00")

    day = agenda(vault, MONDAY, MONDAY)
    assert [(e.kind, e.family_name, e.time, e.place) for e in day] == [
        (APPOINTMENT, "Early", "09:30", "Jobcenter"),
        (APPOINTMENT, "Late", "14:00", "Office room 3"),
        (APPOINTMENT, "Untimed", "", ""),
        (REVIEW, "Review", "", ""),  # the closed case's review is no reminder
    ]
    assert week_of(date(2026, 12, 10)) == (MONDAY, date(2026, 12, 13))
    assert [e.family_name for e in agenda(vault, *week_of(date(2026, 12, 13)))] == [
        "Early", "Late", "Untimed", "Review"]
    assert [e.family_name for e in agenda(vault, *week_of(date(2026, 12, 14)))] == ["Nextweek"]

    assert due_today(vault, MONDAY) == DueToday(appointments=3, reviews=1)
    # a review missed last week is still due; a cleared appointment is gone
    set_next_appointment(vault, late.id, None)
    assert due_today(vault, date(2026, 12, 8)) == DueToday(appointments=0, reviews=1)
    assert [e.family_name for e in agenda(vault, MONDAY, MONDAY)
            if e.kind == APPOINTMENT] == ["Early", "Untimed"]


def test_purge_removes_the_appointment_and_auskunft_lists_it(vault: Vault) -> None:
    kept = _case(vault, "Kept")
    gone = _case(vault, "Gone")
    set_next_appointment(vault, kept.id, MONDAY, "10:00", "Office Kept")
    set_next_appointment(vault, gone.id, MONDAY, "11:00", "Home visit Gone")

    data = collect(vault, kept.person_id)
    [case] = data["cases"]
    assert (case["next_appointment_on"], case["next_appointment_time"],
            case["next_appointment_place"]) == ("2026-12-07", "10:00", "Office Kept")
    assert "Home visit Gone" not in json.dumps(data)
    # and the bilingual Auskunft PDF says it (German side)
    import io

    import pypdf

    from kimdesk.handouts.auskunft import render_auskunft

    pdf = render_auskunft(data, "de")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Nächster Termin" in text and "10:00, Office Kept" in text

    purge_cases(vault, [gone.id], PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="t",
                                             reason="counselor", on=MONDAY))
    assert [e.family_name for e in agenda(vault, MONDAY, MONDAY)] == ["Kept"]
    assert vault.conn.execute("SELECT count(*) FROM cases WHERE next_appointment_place = ?",
                              ("Home visit Gone",)).fetchone()[0] == 0


def test_vault_of_schema_8_upgrades_and_takes_appointments(tmp_path: Path) -> None:
    copy = tmp_path / "v8.kdb"
    shutil.copy(FIXTURES / "vault_v8.kdb", copy)
    with Vault.open(copy, "fixture-v1") as v:
        assert schema_version(v.conn) == LATEST
        [case] = v.cases.where()
        assert case.next_appointment_on is None and case.next_appointment_time == ""
        set_next_appointment(v, case.id, MONDAY, "08:15", "Büro")
        assert [(e.case_number, e.time) for e in agenda(v, MONDAY, MONDAY)] == [
            (case.case_number, "08:15")]
        indexes = {r[0] for r in v.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "cases_appointment" in indexes
        assert v.integrity_check() == []
