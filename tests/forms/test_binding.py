"""Bindings (issue 18, item 6): answers bound to case fields with ``bind::kimdesk:field`` survive
XLSForm, are checked, prefill from the case and are written back with the consultation."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kimdesk.domain.codes import (
    ClosureReason,
    ConsentPurpose,
    Handlungsfeld,
    Phase,
    Rechtskreis,
    ResidenceStatus,
)
from kimdesk.domain.models import Person
from kimdesk.errors import ValidationError
from kimdesk.forms.binding import Applied, bindings, consultation_fields, prefill
from kimdesk.forms.checker import check_data
from kimdesk.forms.drafts import MemoryDraftStore, save_consultation
from kimdesk.forms.registry import FormRegistry
from kimdesk.forms.xlsform import export_xlsform, import_xlsform
from tests.forms.conftest import small, texts

TODAY = date.today().isoformat()


def test_bindings_survive_the_xlsform_round_trip(registry: FormRegistry, tmp_path: Path) -> None:
    form = registry.get("erstgespraech")
    assert {t: f.name for t, f in bindings(form).items()} == {
        "consultation.date": "consultation_date", "consultation.place": "place",
        "consultation.duration_minutes": "duration",
        "consultation.interpreter_language": "interpreter_language",
        "person.nationalities": "origin_country", "person.residence_status": "residence_status",
        "case.handlungsfelder": "handlungsfelder", "case.rechtskreise": "rechtskreise",
        "consent.on_file": "consent_given", "consultation.summary": "summary"}
    xlsx = tmp_path / "e.xlsx"
    export_xlsform(form.definition, xlsx)
    sheet = openpyxl.load_workbook(xlsx, read_only=True)["survey"]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("bind::kimdesk:field")
    names = rows[0].index("name")
    bound = {row[names]: row[column] for row in rows[1:] if row[column]}
    assert bound["rechtskreise"] == "case.rechtskreise"
    result = import_xlsform(xlsx)
    assert result.errors == []
    assert result.definition is not None
    again = {r.name: r.bind for r in result.definition.survey if r.bind}
    assert again["residence_status"] == {"kimdesk:field": "person.residence_status"}
    assert result.definition == form.definition


def test_a_spreadsheet_written_by_hand_declares_a_binding(tmp_path: Path) -> None:
    md = tmp_path / "bound.md"
    md.write_text(
        "| survey |\n"
        "| | type | name | label::English (en) | bind::kimdesk:field |\n"
        "| | select_multiple legal | legal | Legal areas | case.rechtskreise |\n"
        "| choices |\n"
        "| | list_name | name | label::English (en) |\n"
        "| | legal | sgb2 | SGB II |\n"
        "| settings |\n"
        "| | form_id | version |\n"
        "| | bound | 1 |\n", encoding="utf-8")
    result = import_xlsform(md, default_language="en")
    assert result.errors == [], [str(p) for p in result.problems]
    assert result.definition is not None
    assert result.definition.survey[0].bind == {"kimdesk:field": "case.rechtskreise"}


def _bound(rows: list[dict[str, Any]], choices: dict[str, Any] | None = None) -> list[str]:
    data = small(survey=rows, choices=choices or {})
    form, problems = check_data(data, "bound.yaml")
    assert form is None
    return [f"{p.field}: {p.reason}" for p in problems if p.severity == "error"]


def test_the_checker_refuses_unknown_targets_and_wrong_types() -> None:
    errors = _bound([{"type": "text", "name": "origin", "label": texts("Herkunft"),
                      "bind": {"kimdesk:field": "person.origin"}}])
    assert len(errors) == 1
    assert errors[0].startswith("origin: unknown binding target 'person.origin'")
    assert "case.rechtskreise" in errors[0]  # the message lists what can be bound

    errors = _bound([{"type": "select_one legal", "name": "legal", "label": texts("R"),
                      "bind": {"kimdesk:field": "case.rechtskreise"}}],
                    {"legal": {"codelist": "rechtskreis"}})
    assert errors == ["legal: a 'select_one' question cannot be bound to 'case.rechtskreise'"
                      " (it takes select_multiple)"]

    errors = _bound([{"type": "select_multiple legal", "name": "legal", "label": texts("R"),
                      "bind": {"kimdesk:field": "case.rechtskreise"}}],
                    {"legal": [{"name": "sgb2", "label": texts("SGB II")},
                               {"name": "tax_law", "label": texts("Steuern")}]})
    assert errors == ["legal: the choices tax_law are not codes of 'case.rechtskreise'"]

    errors = _bound([{"type": "begin repeat", "name": "r", "label": texts("R")},
                     {"type": "integer", "name": "minutes", "label": texts("Minuten"),
                      "bind": {"kimdesk:field": "consultation.duration_minutes"}},
                     {"type": "end repeat"}])
    assert errors == ["minutes: a question inside a repeat cannot be bound to"
                      " 'consultation.duration_minutes' (one value per case)"]


def _erstgespraech(**over: Any) -> dict[str, Any]:
    answers = {"consultation_date": (date.today() - timedelta(days=2)).isoformat(), "duration": 50,
               "contact_source": "jobcenter", "place": "home", "interpreter": "yes",
               "interpreter_language": "ar", "origin_country": "SY",
               "residence_status": "humanitarian", "household_size": 3, "children_count": 1,
               "handlungsfelder": ["housing", "work_training"],
               "rechtskreise": ["sgb2", "aufenthg"],
               "urgent": "no", "wants_case_management": "yes", "consent_given": "no",
               "summary": "Sucht eine Wohnung\nfuer die Familie."}
    answers.update(over)
    return answers


def _person_case(vault: Any) -> tuple[Person, Any]:
    person = vault.people.add(Person(given_name="Mariam", family_name="Ahmadi",
                                     nationalities=["AF"]))
    case = vault.cases.open_case(person.id, rechtskreise=[Rechtskreis.SGB_II],
                                 handlungsfelder=[Handlungsfeld.HEALTH])
    return person, case


def test_an_erstgespraech_writes_the_case_and_the_consultation_together(
        make_vault: Any, registry: FormRegistry) -> None:
    vault = make_vault()
    person, case = _person_case(vault)
    form = registry.get("erstgespraech")
    store = MemoryDraftStore()
    store.save("k", {"answers": {}})
    applied: list[Applied] = []
    stored, issues = save_consultation(vault, case.id, form, _erstgespraech(), ui_language="en",
                                       draft_store=store, draft="k", applied=applied)
    assert issues == [] and stored is not None
    assert (stored.date, stored.duration_minutes) == (date.today() - timedelta(days=2), 50)
    # the form's title is the consultation's title; the bound summary its summary (issue 18.6)
    assert stored.title == "Initial interview / clearing"
    assert stored.summary == "Sucht eine Wohnung fuer die Familie."
    assert (stored.place, stored.interpreter_used, stored.interpreter_language) == (
        "home", True, "ar")
    case = vault.cases.get(case.id)
    assert case.rechtskreise == [Rechtskreis.SGB_II, Rechtskreis("aufenthg")]
    assert case.handlungsfelder == [Handlungsfeld.HEALTH, Handlungsfeld.HOUSING,
                                    Handlungsfeld("work_training")]
    person = vault.people.get(person.id)
    assert person.residence_status == ResidenceStatus("humanitarian")
    assert person.nationalities == ["SY", "AF"]
    assert applied[0].person and applied[0].case and applied[0].followup is None
    assert store.load("k") is None


def test_invalid_answers_change_nothing(make_vault: Any, registry: FormRegistry) -> None:
    vault = make_vault()
    person, case = _person_case(vault)
    form = registry.get("erstgespraech")
    stored, issues = save_consultation(vault, case.id, form,
                                       _erstgespraech(residence_status=None))
    assert stored is None and [i.field for i in issues] == ["residence_status"]
    assert vault.consultations.where() == []
    assert vault.cases.get(case.id).rechtskreise == [Rechtskreis.SGB_II]
    assert vault.people.get(person.id).nationalities == ["AF"]


def test_a_refused_closure_rolls_back_the_consultation(make_vault: Any,
                                                       registry: FormRegistry) -> None:
    vault = make_vault()
    _person, case = _person_case(vault)
    form = registry.get("abschluss")
    before_opening = (date.today() - timedelta(days=1)).isoformat()
    answers = {"closing_date": before_opening, "closure_reason": "goal_reached",
               "goals_reached": "all",
               "deletion_date": date(date.today().year + 1, 1, 1).isoformat()}
    with pytest.raises(ValidationError) as refused:
        save_consultation(vault, case.id, form, answers)
    assert refused.value.field == "case.closed_on"
    assert "cannot close before it was opened" in refused.value.translated()
    assert vault.consultations.where() == []
    assert vault.cases.get(case.id).phase is not Phase.ABSCHLUSS


def test_an_abschluss_closes_the_case(make_vault: Any, registry: FormRegistry) -> None:
    vault = make_vault()
    _person, case = _person_case(vault)
    answers = {"closing_date": TODAY, "closure_reason": "goal_reached", "goals_reached": "all",
               "deletion_date": date(date.today().year + 1, 1, 1).isoformat(),
               "summary": "Ziele erreicht."}
    stored, issues = save_consultation(vault, case.id, registry.get("abschluss"), answers,
                                       ui_language="de")
    assert issues == [] and stored is not None
    assert (stored.title, stored.summary) == ("Abschluss", "Ziele erreicht.")
    closed = vault.cases.get(case.id)
    assert (closed.phase, closed.closure_reason, closed.closed_on) == (
        Phase.ABSCHLUSS, ClosureReason.GOAL_REACHED, date.today())


def test_an_einwilligung_creates_the_consent(make_vault: Any, registry: FormRegistry) -> None:
    vault = make_vault()
    person, case = _person_case(vault)
    answers = {"purposes": ["case_management", "share_with_agency", "special_categories"],
               "recipients": ["demo-jobcenter"], "data_categories": ["identity", "contact"],
               "special_categories": ["health"], "consent_form": "written",
               "confirmed": "OK", "given_on": TODAY}
    stored, issues = save_consultation(vault, case.id, registry.get("einwilligung"), answers,
                                       language="fa")
    assert issues == [] and stored is not None
    [consent] = vault.consents.where()
    assert consent.person_id == person.id and consent.case_id == case.id
    assert consent.purposes == [ConsentPurpose.CASE_MANAGEMENT,
                                ConsentPurpose.SHARE_WITH_AGENCY,
                                ConsentPurpose.SPECIAL_CATEGORIES]
    assert consent.recipients == ["Jobcenter Musterkreis"]
    assert consent.special_categories and "health" in consent.data_categories
    assert (consent.language, consent.text_id, consent.given_on) == ("fa", "einwilligung",
                                                                     date.today())
    # an Erstgespräch saying "consent filled in: yes" now finds it and asks for nothing more
    applied: list[Applied] = []
    save_consultation(vault, case.id, registry.get("erstgespraech"),
                      _erstgespraech(consent_given="yes"), applied=applied)
    assert applied[0].followup is None


def test_consent_said_given_but_not_recorded_asks_for_the_einwilligung(
        make_vault: Any, registry: FormRegistry) -> None:
    vault = make_vault()
    _person, case = _person_case(vault)
    applied: list[Applied] = []
    save_consultation(vault, case.id, registry.get("erstgespraech"),
                      _erstgespraech(consent_given="yes"), applied=applied)
    assert applied[0].followup == "einwilligung"
    assert vault.consents.where() == []


def test_a_verlauf_takes_its_duration_from_the_answer(make_vault: Any,
                                                      registry: FormRegistry) -> None:
    vault = make_vault()
    _person, case = _person_case(vault)
    form = registry.get("verlauf")
    stored, issues = save_consultation(vault, case.id, form,
                                       {"consultation_date": TODAY, "duration": 45,
                                        "topics": ["housing"], "progress": "same"},
                                       ui_language="de")
    assert issues == [] and stored is not None
    assert stored.duration_minutes == 45
    assert (stored.title, stored.summary) == (form.title("de"), "")


def test_an_unanswered_duration_is_not_recorded_and_a_bound_title_wins(
        make_vault: Any, registry: FormRegistry) -> None:
    """Issue 18.6: no assumed 60 minutes; ``consultation.title`` fills the title (one line, at
    most 200 characters, the full answer kept in the answers)."""
    vault = make_vault()
    _person, case = _person_case(vault)
    stored, issues = save_consultation(vault, case.id, registry.get("erstgespraech"),
                                       _erstgespraech(duration=None), ui_language="de")
    assert issues == [] and stored is not None
    assert (stored.title, stored.duration_minutes) == ("Erstgespräch / Clearing", None)
    assert vault.consultations.get(stored.id).duration_minutes is None
    form, problems = check_data({
        "settings": {"form_id": "titled", "version": "1", "title": {"en": "Titled"},
                     "default_language": "en", "languages": ["en"]},
        "survey": [{"type": "text", "name": "what", "label": {"en": "What"},
                    "bind": {"kimdesk:field": "consultation.title"}}]}, "titled.yaml")
    assert form is not None and problems == []
    long = "Termin  Jobcenter\nvorbereitet " + "x" * 300
    fields = consultation_fields(form, {"what": long}, "en")
    assert fields["title"].startswith("Termin Jobcenter vorbereitet x")
    assert len(fields["title"]) == 200 and fields["title"].endswith("\u2026")
    assert consultation_fields(form, {}, "en")["title"] == "Titled"


def test_prefill_fills_only_empty_bound_answers(make_vault: Any,
                                               registry: FormRegistry) -> None:
    vault = make_vault()
    person, case = _person_case(vault)
    person = vault.people.update(person.model_copy(
        update={"residence_status": ResidenceStatus("humanitarian")}))
    form = registry.get("erstgespraech")
    filled = prefill(form, {"rechtskreise": ["sgb12"], "place": "office"}, person, case,
                     consent_on_file=True)
    assert filled == {"rechtskreise": ["sgb12"], "place": "office", "origin_country": "AF",
                      "residence_status": "humanitarian", "handlungsfelder": ["health"],
                      "consent_given": "yes"}
    # an unknown status is not offered as an answer: the counselor asks
    unknown = person.model_copy(update={"residence_status": ResidenceStatus.UNKNOWN})
    assert "residence_status" not in prefill(form, {}, unknown, case, consent_on_file=False)
