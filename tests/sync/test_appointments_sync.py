"""Appointments travel with the case (issue 18): a next appointment set on one device is in the
other device's agenda after a sync; an implausible one (a time of day that is none, a place
longer than the model allows) is refused by the server with a reason, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from kimdesk.domain.models import Person, new_id
from kimdesk.vault.appointments import agenda, set_next_appointment

DAY = date(2026, 12, 7)


def test_appointment_syncs_and_implausible_ones_are_refused(server: Any,
                                                            make_device: Any) -> None:
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    person = a.vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    case = a.vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    a.sync()
    b.sync()
    set_next_appointment(a.vault, case.id, DAY, "10:15", "Jobcenter Bielefeld, Raum 2")
    a.sync()
    b.sync()
    [entry] = agenda(b.vault, DAY, DAY)
    assert (entry.case_id, entry.time, entry.place) == (
        case.id, "10:15", "Jobcenter Bielefeld, Raum 2")

    # a device that bypasses the model (forged rows) is refused per change
    stored = a.vault.cases.get(case.id)
    for n, bad in enumerate(({"next_appointment_time": "25:99"},
                             {"next_appointment_place": "x" * 5000})):
        forged = stored.model_copy(update=bad | {
            "id": new_id(), "case_number": f"2026-FORGED-{n}", "revision": 1, "pending": True})
        with a.vault.transaction():
            a.vault.cases.insert_many([forged])
        report = a.sync()
        assert report.results.get("rejected") == n + 1, bad  # a refused change stays pending
    b.sync()
    [entry] = agenda(b.vault, DAY, DAY)
    assert (entry.time, entry.place) == ("10:15", "Jobcenter Bielefeld, Raum 2")
