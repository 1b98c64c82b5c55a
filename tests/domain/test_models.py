"""Domain rules: validation of records and the case-phase state machine."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from pydantic import ValidationError as PydanticError

from kimdesk.domain.codes import ClosureReason, ConsentPurpose, Phase
from kimdesk.domain.models import Case, Consent, Consultation, Note, Person
from kimdesk.domain.phases import check_transition, next_phases
from kimdesk.errors import ValidationError


def test_person_keeps_original_script_and_needs_transliteration() -> None:
    p = Person(given_name="Олена", family_name="Шевченко", family_name_latin="Shevchenko")
    assert p.family_name == "Шевченко" and p.family_name_latin == "Shevchenko"
    latin = Person(given_name="Ayşe", family_name="Yılmaz")
    assert latin.family_name_latin == "Yılmaz" and latin.given_name_latin == "Ayşe"
    with pytest.raises(PydanticError, match="transliteration"):
        Person(given_name="ሳባ", family_name="ተስፋማርያም")


def test_person_codes_are_checked_against_cldr() -> None:
    p = Person(
        given_name="A",
        family_name="B",
        nationalities=["sy", "XX"],
        languages=["ar", "ku"],
        preferred_language="ar",
    )
    assert p.nationalities == ["SY", "XX"]
    with pytest.raises(PydanticError):
        Person(given_name="A", family_name="B", nationalities=["QQ"])
    with pytest.raises(PydanticError):
        Person(given_name="A", family_name="B", languages=["klingon"])
    with pytest.raises(PydanticError, match="preferred"):
        Person(given_name="A", family_name="B", languages=["ar"], preferred_language="tr")


def test_birth_date_or_only_year() -> None:
    assert Person(given_name="A", family_name="B", birth_date=date(1990, 5, 1)).birth_year == 1990
    assert Person(given_name="A", family_name="B", birth_year=1985).birth_date is None
    with pytest.raises(PydanticError):
        Person(given_name="A", family_name="B", birth_date=date(1990, 5, 1), birth_year=1991)
    with pytest.raises(PydanticError):
        Person(given_name="A", family_name="B", birth_date=date.today() + timedelta(days=3))


def test_assignment_is_validated() -> None:
    p = Person(given_name="A", family_name="B")
    with pytest.raises(PydanticError):
        p.family_name = "   "


def test_closed_case_needs_reason_and_date() -> None:
    base = {"case_number": "2026-AAAA-000001", "person_id": "p", "owner": "anna"}
    with pytest.raises(PydanticError):
        Case(**base, phase=Phase.ABSCHLUSS)
    with pytest.raises(PydanticError):
        Case(**base, closure_reason=ClosureReason.OTHER)
    ok = Case(
        **base,
        phase=Phase.ABSCHLUSS,
        closure_reason=ClosureReason.MOVED_AWAY,
        closed_on=date.today(),
    )
    assert ok.closure_reason is ClosureReason.MOVED_AWAY


def test_consent_is_specific() -> None:
    today = date.today()
    with pytest.raises(PydanticError, match="blanket"):
        Consent(person_id="p", purposes=[], given_on=today)
    with pytest.raises(PydanticError, match="recipients"):
        Consent(person_id="p", purposes=[ConsentPurpose.SHARE_WITH_AGENCY], given_on=today)
    c = Consent(
        person_id="p",
        purposes=[ConsentPurpose.CASE_MANAGEMENT],
        given_on=today,
        withdrawn_on=today + timedelta(days=10),
    )
    assert c.active_on(today) and not c.active_on(today + timedelta(days=10))


def test_consultation_answers_carry_their_form_version() -> None:
    with pytest.raises(PydanticError):
        Consultation(case_id="c", date=date.today(), answers={"q": 1})
    c = Consultation(
        case_id="c", date=date.today(), form_id="erstgespraech", form_version="3", answers={"q": 1}
    )
    assert c.form_version == "3"


def test_phase_machine() -> None:
    assert next_phases(Phase.ERSTKONTAKT) == [Phase.ASSESSMENT, Phase.ABSCHLUSS]
    check_transition(Phase.UMSETZUNG, Phase.ABSCHLUSS, ClosureReason.GOAL_REACHED)
    check_transition(Phase.ABSCHLUSS, Phase.ASSESSMENT, None)  # reopening
    with pytest.raises(ValidationError):
        check_transition(Phase.ERSTKONTAKT, Phase.UMSETZUNG, None)
    with pytest.raises(ValidationError):
        check_transition(Phase.UMSETZUNG, Phase.ABSCHLUSS, None)
    with pytest.raises(ValidationError):
        check_transition(Phase.ASSESSMENT, Phase.HILFEPLANUNG, ClosureReason.OTHER)


def test_record_ids_are_canonical_uuids() -> None:
    canonical = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    assert Note(case_id=canonical, text="x", author="a", id=canonical).id == canonical
    assert Note(case_id=canonical, text="x", author="a", id=canonical.upper()).id == canonical
    braced = "{" + canonical.replace("-", "") + "}"
    assert Note(case_id=canonical, text="x", author="a", id=braced).id == canonical
    with pytest.raises(PydanticError):
        Note(case_id=canonical, text="x", author="a", id="1b4e28ba-2fa1-11d2-883f-0016d3cca42")


def test_stamps_are_kept_in_utc_whatever_their_offset() -> None:
    """A stamp in UTC is kept as parsed (the fast path), one with another offset is converted,
    a naive one is read as UTC: the stored JSON is the same instant in UTC for all three."""
    base = {"given_name": "Test", "family_name": "Demir"}
    cases = {
        "2025-03-01T10:00:00.123456Z": "2025-03-01T10:00:00.123456Z",
        "2025-03-01T10:00:00+00:00": "2025-03-01T10:00:00Z",
        "2025-03-01T12:30:00+02:30": "2025-03-01T10:00:00Z",
        "2025-03-01T05:00:00-05:00": "2025-03-01T10:00:00Z",
        "2025-03-01T10:00:00": "2025-03-01T10:00:00Z",
    }
    for given, stored in cases.items():
        person = Person.model_validate(base | {"created_at": given, "updated_at": given})
        assert person.created_at.utcoffset() == timedelta(0), given
        assert person.model_dump(mode="json")["updated_at"] == stored, given
        assert json.loads(person.model_dump_json())["created_at"] == stored, given
