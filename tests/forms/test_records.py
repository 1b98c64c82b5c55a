"""Answers of the shipped forms become domain records: consent, case fields, closure."""

from __future__ import annotations

from datetime import date

from kimdesk.domain.codes import ClosureReason, ConsentPurpose, Handlungsfeld, Phase
from kimdesk.domain.models import Person
from kimdesk.forms.engine import validate
from kimdesk.forms.records import case_with_erstgespraech, close_case, consent_from_answers
from kimdesk.forms.registry import FormRegistry


def test_consent_erstgespraech_and_closure(make_vault, registry: FormRegistry) -> None:
    vault = make_vault()
    person = vault.people.add(Person(given_name="Mariam", family_name="Ahmadi"))
    case = vault.cases.open_case(person.id)

    consent_form = registry.get("einwilligung")
    answers = {"purposes": ["case_management", "share_with_agency", "special_categories"],
               "recipients": ["demo-jobcenter"], "data_categories": ["identity", "contact"],
               "special_categories": ["health"], "consent_form": "written",
               "confirmed": "OK", "given_on": date.today().isoformat()}
    assert validate(consent_form, answers) == []
    consent = vault.consents.add(consent_from_answers(
        consent_form, answers, person_id=person.id, case_id=case.id, language="fa"))
    assert consent.purposes == [ConsentPurpose.CASE_MANAGEMENT, ConsentPurpose.SHARE_WITH_AGENCY,
                                ConsentPurpose.SPECIAL_CATEGORIES]
    assert consent.recipients == ["Jobcenter Musterkreis"]
    assert consent.special_categories and "health" in consent.data_categories
    assert (consent.text_id, consent.text_version, consent.language) == ("einwilligung", "2",
                                                                         "fa")

    updated = vault.cases.update(case_with_erstgespraech(
        vault.cases.get(case.id), {"handlungsfelder": ["housing", "health"],
                                   "rechtskreise": ["sgb2"]}))
    assert updated.handlungsfelder == [Handlungsfeld.HOUSING, Handlungsfeld.HEALTH]

    closure = registry.get("abschluss")
    answers = {"closing_date": date.today().isoformat(), "closure_reason": "handed_over",
               "handover_agency": "demo-mbe", "goals_reached": "partly",
               "deletion_date": date(date.today().year + 1, 1, 1).isoformat()}
    assert validate(closure, answers) == []
    closed = close_case(vault, case.id, answers)
    assert closed.phase is Phase.ABSCHLUSS
    assert closed.closure_reason is ClosureReason.HANDED_OVER
