"""Auskunft (Art. 15): everything held about one person, nothing about anyone else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kimdesk.domain.models import Person
from kimdesk.vault.errors import RecordNotFound
from kimdesk.vault.subject_access import AmbiguousPerson, collect, resolve_person


def test_export_holds_every_record_of_the_person_and_no_other_name(make_vault: Any) -> None:
    from kimdesk.demo.generator import fill

    vault = make_vault()
    fill(vault, 60, seed=13)
    person_id = vault.conn.execute(
        "SELECT person_id FROM cases GROUP BY person_id ORDER BY count(*) DESC, person_id"
        " LIMIT 1").fetchone()[0]
    data = collect(vault, person_id)
    text = json.dumps(data, ensure_ascii=False)

    # every record that mentions the person, checked against the vault itself
    case_ids = {r[0] for r in vault.conn.execute(
        "SELECT id FROM cases WHERE person_id = ?", (person_id,))}
    assert {c["id"] for c in data["cases"]} == case_ids
    for table, key in (("consultations", "consultations"), ("goals", "goals"),
                       ("referrals", "referrals"), ("notes", "notes"),
                       ("phase_transitions", "phase_transitions")):
        expected = {r[0] for r in vault.conn.execute(
            f"SELECT id FROM {table} WHERE deleted = 0 AND case_id IN"
            " (SELECT id FROM cases WHERE person_id = ?)", (person_id,))}
        assert {r["id"] for c in data["cases"] for r in c[key]} == expected, table
    consents = {r[0] for r in vault.conn.execute(
        "SELECT id FROM consents WHERE deleted = 0 AND person_id = ?", (person_id,))}
    assert {c["id"] for c in data["consents"]} == consents
    assert all(c["retention"]["months"] == 36 for c in data["cases"])
    assert data["audit"] and {e["record_id"] for e in data["audit"]} <= (
        case_ids | consents | {person_id} | {r["id"] for c in data["cases"]
                                            for k in ("consultations", "goals", "referrals",
                                                      "notes", "phase_transitions",
                                                      "structural_gaps") for r in c[k]})
    # no other person's name (names of 5+ letters that this person does not share)
    me = vault.people.get(person_id)
    mine = {me.given_name, me.family_name, me.given_name_latin, me.family_name_latin}
    others = {n for p in vault.people.where("id != ?", (person_id,))
              for n in (p.given_name, p.family_name) if len(n) >= 5 and n not in mine}
    assert [n for n in others if n in text] == []
    assert me.family_name in text


def test_resolve_person(make_vault: Any) -> None:
    from kimdesk.demo.generator import fill

    vault = make_vault()
    fill(vault, 30, seed=2)
    case = vault.cases.where()[0]
    assert resolve_person(vault, case.case_number) == case.person_id
    assert resolve_person(vault, case.person_id) == case.person_id
    with pytest.raises(RecordNotFound):
        resolve_person(vault, "Nobody Anywhere")
    twins = [vault.people.add(Person(given_name=g, family_name="Okonkwo")) for g in ("Ada", "Ike")]
    for twin in twins:
        vault.cases.open_case(twin.id)
    with pytest.raises(AmbiguousPerson):
        resolve_person(vault, "Okonkwo")
    assert resolve_person(vault, "Ike Okonkwo") == twins[1].id


def test_the_pdf_lists_phase_changes_structural_gaps_and_statistical_remains(
        make_vault: Any, tmp_path: Any) -> None:
    """The JSON had them (per case ``phase_transitions`` and ``structural_gaps``, and
    ``statistical_remains``); the PDF the client receives showed the current phase only, and
    neither the gaps recorded on the case nor the remains of a purged case (review of
    2026-12-07). Both languages of the sheet name them."""
    from datetime import date

    from kimdesk.domain.codes import GapCategory, Phase
    from kimdesk.domain.models import StructuralGap
    from kimdesk.handouts.auskunft import render_auskunft
    from kimdesk.vault.purge import PurgeOrder, purge_cases
    from tests.handouts.helpers import norm, pdftotext

    vault = make_vault()
    person = vault.people.add(Person(given_name="Ilse", family_name="Quastholm"))
    gone = vault.cases.open_case(person.id, opened_on=date(2025, 1, 7), municipality="Minden")
    case = vault.cases.open_case(person.id, opened_on=date(2026, 2, 3))
    vault.cases.transition(case.id, Phase.ASSESSMENT, comment="Phasenwechsel Ostrandvermerk")
    vault.gaps.add(StructuralGap(case_id=case.id, category=GapCategory.WAITING_TIME,
                                 description="Wartezeit Kaltenmoorlücke"))
    purge_cases(vault, [gone.id], PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="anna"))
    data = collect(vault, person.id)
    assert data["statistical_remains"]["cases"]
    for lang in ("de", "ar"):
        pdf = tmp_path / f"auskunft-{lang}.pdf"
        pdf.write_bytes(render_auskunft(data, lang))
        text = norm(pdftotext(pdf))
        assert "Ostrandvermerk" in text and "Kaltenmoorlücke" in text, lang
        assert "Verlauf der Fallphasen" in text and "Festgestellte strukturelle Lücken" in text
        assert "Statistische Restdaten" in text and "Minden" in text, lang
