"""The consultation's title and its unrecorded duration where the vault's data goes out: the
Auskunft (JSON and the bilingual PDF) and ``kimdesk show``. A duration that was not recorded is
left out (PDF) or a dash (``show``), never "None min" or an assumed hour."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pypdf

from kimdesk.domain.models import Consultation, Person
from kimdesk.handouts.auskunft import render_auskunft
from kimdesk.vault import Vault
from kimdesk.vault.subject_access import collect
from tests.test_cli import run

TITLE = "Termin Jobcenter vorbereitet"


def _fill(vault: Vault) -> tuple[str, str]:
    person = vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    case = vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    vault.consultations.add(Consultation(case_id=case.id, date=date(2026, 2, 3), title=TITLE,
                                         summary="Unterlagen besprochen"))
    vault.consultations.add(Consultation(case_id=case.id, date=date(2026, 2, 10),
                                         duration_minutes=45, summary="Ohne Titel"))
    return person.id, case.case_number


def test_auskunft_shows_the_title_and_leaves_an_unrecorded_duration_out(vault: Vault) -> None:
    person_id, _number = _fill(vault)
    data = collect(vault, person_id)
    [case] = data["cases"]
    assert [(c["title"], c["duration_minutes"]) for c in case["consultations"]] == [
        (TITLE, None), ("", 45)]
    pdf = render_auskunft(data, "de")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert TITLE in text and "45 min" in text
    assert "None" not in text and "60 min" not in text


def test_show_prints_the_title_and_a_dash_for_no_duration(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, "pw", counselor="anna") as vault:
        _person, number = _fill(vault)
    res = run("show", "--vault", str(path), number)
    assert res.returncode == 0, res.stderr
    lines = [line.strip() for line in res.stdout.splitlines()]
    assert f"2026-02-03  {TITLE}  office  \u2014  Unterlagen besprochen" in lines
    assert "2026-02-10  office  45 min  Ohne Titel" in lines
