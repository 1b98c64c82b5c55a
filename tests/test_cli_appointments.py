"""``kimdesk appointments list`` and ``kimdesk appointments export --ics`` as scripts run them:
real processes on a real vault file; the .ics is read back and scanned for the client's data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import icalendar

from kimdesk.domain.models import Person
from kimdesk.vault import Vault
from kimdesk.vault.appointments import set_next_appointment
from tests.test_cli import run


def _vault(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "v.kdb"
    with Vault.create(path, "pw", counselor="anna") as v:
        person = v.people.add(Person(given_name="Zuleykha", family_name="Brandtmoeller"))
        case = v.cases.open_case(person.id, review_on=date.today())
        set_next_appointment(v, case.id, date.today(), "08:45", "Hausbesuch Lindenweg 9")
        return path, {"number": case.case_number, "id": case.id}


def test_list_and_export(tmp_path: Path) -> None:
    path, case = _vault(tmp_path)
    res = run("appointments", "list", "--vault", str(path), "--week", "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [(r["kind"], r["time"], r["name"]) for r in rows] == [
        ("appointment", "08:45", "Brandtmoeller, Zuleykha"),
        ("review", "", "Brandtmoeller, Zuleykha")]

    out = tmp_path / "mine.ics"
    res = run("appointments", "export", "--vault", str(path), "--ics", str(out))
    assert res.returncode == 0, res.stderr
    data = out.read_bytes()
    for secret in ("Zuleykha", "Brandtmoeller", "Lindenweg", case["number"], case["id"]):
        assert secret.encode() not in data, secret
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(event["SUMMARY"]) == "KIM appointment"

    res = run("appointments", "export", "--vault", str(path), "--ics", str(out), "--place",
              "--case-number", "--reviews", lang="de")
    assert res.returncode == 0, res.stderr
    events = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in events) == [
        f"KIM-Termin {case['number']}", f"KIM-Überprüfung fällig {case['number']}"]
    assert b"Zuleykha" not in out.read_bytes()

    res = run("appointments", "export", "--vault", str(path), "--ics", str(tmp_path / "x.kdb"))
    assert res.returncode != 0 and "must end in .ics" in res.stderr
    assert "Traceback" not in res.stderr
