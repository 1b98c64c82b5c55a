"""iCalendar export (issue 18): valid RFC 5545 read back by an independent parser, and no client
data in the file unless the counselor chose it (raw byte scan)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import icalendar

from kimdesk.domain.models import Person
from kimdesk.ics import IcsChoice, calendar_bytes, fold
from kimdesk.vault.appointments import agenda, set_next_appointment

DAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _agenda(vault: Any) -> tuple[list[Any], set[bytes]]:
    first = vault.people.add(Person(given_name="Zuleykha", family_name="Brandtmöller"))
    second = vault.people.add(Person(given_name="Oleksandr", family_name="Шевченко",
                                     family_name_latin="Shevchenko"))
    a = vault.cases.open_case(first.id, review_on=DAY)
    b = vault.cases.open_case(second.id)
    set_next_appointment(vault, a.id, DAY, "09:30", "Hausbesuch Lindenstraße 4, Bielefeld")
    set_next_appointment(vault, b.id, DAY)
    entries = agenda(vault, DAY, DAY)
    secrets = {s.encode() for s in ("Zuleykha", "Brandtmöller", "Oleksandr", "Шевченко",
                                    "Shevchenko", "Lindenstra", a.case_number, b.case_number,
                                    a.id, b.id, first.id, second.id)}
    return entries, secrets


def _events(data: bytes) -> list[Any]:
    calendar = icalendar.Calendar.from_ical(data)
    return [c for c in calendar.walk("VEVENT")]


def test_default_export_names_nobody(vault: Any) -> None:
    entries, secrets = _agenda(vault)
    data = calendar_bytes(entries, IcsChoice(title="KIM appointment"), now=NOW)
    assert [s for s in secrets if s in data] == []
    events = _events(data)
    assert sorted(str(e["SUMMARY"]) for e in events) == ["KIM appointment"] * 2  # no review
    timed = next(e for e in events if isinstance(e.decoded("DTSTART"), datetime))
    assert timed.decoded("DTSTART") == datetime(2026, 12, 7, 9, 30)  # floating local time
    assert timed.decoded("DTSTART").tzinfo is None
    assert (timed.decoded("DTEND") - timed.decoded("DTSTART")).total_seconds() == 3600
    allday = next(e for e in events if not isinstance(e.decoded("DTSTART"), datetime))
    assert allday.decoded("DTSTART") == DAY
    assert "LOCATION" not in timed
    assert all(line.endswith(b"\r") or not line for line in data.split(b"\n"))


def test_chosen_fields_go_in_and_survive_escaping_and_folding(vault: Any) -> None:
    entries, _secrets = _agenda(vault)
    choice = IcsChoice(title="KIM-Termin", review_title="KIM Überprüfung", case_number=True,
                       name=True, place=True)
    data = calendar_bytes(entries, choice, now=NOW)
    events = _events(data)
    summaries = sorted(str(e["SUMMARY"]) for e in events)
    numbers = sorted(e.case_number for e in entries if e.kind == "appointment")
    assert summaries[0].startswith(f"KIM Überprüfung {entries[-1].case_number}: Brandtmöller")
    assert f"KIM-Termin {numbers[0]}" in " ".join(summaries)
    assert "Шевченко, Oleksandr" in " ".join(summaries)
    timed = next(e for e in events if "LOCATION" in e)
    assert str(timed["LOCATION"]) == "Hausbesuch Lindenstraße 4, Bielefeld"  # comma escaped
    assert b"Lindenstra\xc3\x9fe 4\\, Bielefeld" in data.replace(b"\r\n ", b"")
    # the UID is stable across exports and does not carry the case id
    again = _events(calendar_bytes(entries, choice))
    assert {str(e["UID"]) for e in again} == {str(e["UID"]) for e in events}


def test_lines_fold_at_75_octets_without_splitting_characters() -> None:
    line = "SUMMARY:" + "Ü" * 100
    folded = fold(line)
    parts = folded.split(b"\r\n")
    assert all(len(p) <= 75 for p in parts)
    assert b"".join(p[1:] if i else p for i, p in enumerate(parts)).decode() == line
