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
