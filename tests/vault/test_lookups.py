"""The vault's small query modules: intake (returning clients), retention, device-local
documents (form drafts) and finding a case's file."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kimdesk.domain.codes import Phase
from kimdesk.domain.models import Consent, Person


def _person(**extra: Any) -> Person:
    fields: dict[str, Any] = {"given_name": "Ayşe", "family_name": "Yılmaz",
                              "given_name_latin": "Ayse", "family_name_latin": "Yilmaz"}
    return Person(**(fields | extra))


def test_intake_stores_person_and_case_and_finds_them_again(vault: Any) -> None:
    from kimdesk.vault.intake import SimilarCase, open_case_for_new_person, similar_cases

    case = open_case_for_new_person(vault, _person(birth_year=1990), {"municipality": "Verl"})
    assert case.phase is Phase.ERSTKONTAKT and case.municipality == "Verl"
    assert vault.people.get(case.person_id).family_name == "Yılmaz"
    found = similar_cases(vault, _person(given_name_latin="AYSE"))
    assert found == [SimilarCase(case.id, case.case_number, "Yılmaz, Ayşe")]
    assert similar_cases(vault, _person(birth_year=1991)) == []  # a conflicting birth year
    assert similar_cases(vault, _person(given_name_latin="Ali")) == []


def test_intake_leaves_no_person_without_a_case(vault: Any) -> None:
    from pydantic import ValidationError

    from kimdesk.vault.intake import open_case_for_new_person

    with pytest.raises(ValidationError):
        open_case_for_new_person(vault, _person(), {"no_such_field": 1})
    assert vault.people.count() == 0


def test_local_documents_stay_under_their_prefix(vault: Any) -> None:
    from kimdesk.vault.drafts import form_definitions, form_drafts

    drafts, definitions = form_drafts(vault), form_definitions(vault)
    drafts.save("c1:f:new", {"answers": {"a": "ü"}, "day": date(2026, 1, 2)})
    drafts.save("c0:f:new", {"answers": {}})
    definitions.save("f@1", {"id": "f"})
    assert drafts.load("c1:f:new") == {"answers": {"a": "ü"}, "day": "2026-01-02"}
    assert drafts.keys() == ["c0:f:new", "c1:f:new"]
    assert definitions.documents() == [{"id": "f"}] and definitions.exists("f@1")
    drafts.discard("c1:f:new")
    assert drafts.load("c1:f:new") is None and not drafts.exists("c1:f:new")
    assert drafts.keys() == ["c0:f:new"]
    assert vault.get_meta("forms.draft.c0:f:new") == '{"answers":{}}'


def test_case_file_lookups(vault: Any) -> None:
    from kimdesk.vault.casefile import case_id_of, consents_of
    from kimdesk.vault.errors import RecordNotFound

    person = vault.people.add(_person())
    case = vault.cases.open_case(person.id)
    assert case_id_of(vault, case.case_number) == case.id == case_id_of(vault, case.id)
    consent = vault.consents.add(Consent(person_id=person.id, purposes=["share_with_agency"],
                                         recipients=["Jobcenter"], given_on=date(2026, 1, 1)))
    assert [c.id for c in consents_of(vault, person.id)] == [consent.id]
    vault.cases.delete(case.id)
    with pytest.raises(RecordNotFound):
        case_id_of(vault, case.case_number)


def test_a_refused_saves_entries_are_kept_per_save_and_go_by_key(vault: Any) -> None:
    """What the desktop keeps of a save refused after the counselor left its case
    (kimdesk.gui.keptedits): one document per save, read with the lock draft oldest first,
    deleted by key only, none for a case that is gone, and purged with the case."""
    from kimdesk.vault.drafts import (
        case_drafts,
        cases_with_drafts,
        discard_kept,
        forget_case,
        keep_refused,
        kept_for,
    )
    from kimdesk.vault.intake import open_case_for_new_person

    case = open_case_for_new_person(vault, _person(), {})
    other = open_case_for_new_person(vault, _person(given_name="Lutz"), {})
    first = keep_refused(vault, case.id, {"person": {"changed": {"phone": "1"}}}, stale=True)
    second = keep_refused(vault, case.id, {"records": [{"kind": "notes"}]}, stale=False)
    assert first and second and first != second
    keep_refused(vault, other.id, {"case": {"changed": {"referral_source": "x"}}}, stale=True)
    case_drafts(vault).save(case.id, {"person": {"changed": {"phone": "2"}}})
    assert keep_refused(vault, "no-such-case", {"person": {}}, stale=True) is None

    kept = kept_for(vault, case.id)
    assert [key for key, _doc in kept] == [first, second, f"case.draft.{case.id}"]
    assert kept[0][1] == {"draft": {"person": {"changed": {"phone": "1"}}}, "stale": True}
    assert cases_with_drafts(vault) == {case.id, other.id}
    # only this case's keys, only the ones named: the lock draft stays
    assert discard_kept(vault, case.id, [first, *(k for k, _d in kept_for(vault, other.id))])
    assert [key for key, _doc in kept_for(vault, case.id)] == [second, f"case.draft.{case.id}"]
    assert len(kept_for(vault, other.id)) == 1
    assert not discard_kept(vault, case.id, [second, f"case.draft.{case.id}"])
    assert kept_for(vault, case.id) == [] and cases_with_drafts(vault) == {other.id}

    with vault.transaction():
        assert forget_case(vault, other.id) == 1
    assert kept_for(vault, other.id) == [] and cases_with_drafts(vault) == set()
