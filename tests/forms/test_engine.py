"""Skip logic, calculations and validation over stored answers; drafts and consultations in a
real vault; old answers keep their form version."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimdesk.forms.checker import check_data
from kimdesk.forms.definition import Form
from kimdesk.forms.drafts import VaultDraftStore, draft_key, save_consultation
from kimdesk.forms.engine import FormState, fill_metadata, validate
from kimdesk.forms.registry import FormRegistry
from tests.forms.conftest import small

TODAY = date(2026, 3, 1)


@pytest.fixture
def form() -> Form:
    f, problems = check_data(small(), "small")
    assert f is not None, problems
    return f


def kinds(form: Form, answers: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i.path, i.kind) for i in validate(form, answers, today=TODAY)]


def test_required_constraint_and_skip_logic(form: Form) -> None:
    assert kinds(form, {}) == [("age", "required")]
    assert kinds(form, {"age": 200}) == [("age", "constraint")]
    assert kinds(form, {"age": "zwölf"}) == [("age", "type")]
    assert kinds(form, {"age": 10, "kids": "yes"}) == []  # kids irrelevant under 18: ignored
    assert kinds(form, {"age": 30, "kids": "maybe"}) == [("kids", "choice")]
    answers = {"age": 30, "kids": "yes", "child": [{"cname": "A", "cage": 40}, {}]}
    assert kinds(form, answers) == [("child.0.cage", "constraint"), ("child.1.cname", "required")]
    assert kinds(form, {"age": 30, "stray": 1}) == [("stray", "unknown")]


def test_calculation_relevance_and_cleaning(form: Form) -> None:
    answers = {"age": 30, "kids": "yes", "child": [{"cname": c} for c in "ABC"]}
    state = FormState(form, answers, today=TODAY)
    assert state.calculated(form.by_name["n"], ()) == 3.0
    assert state.relevant(form.by_name["many"], ())
    young = {"age": 12, "kids": "yes", "child": [{"cname": "A"}]}
    cleaned = FormState(form, young, today=TODAY).cleaned()
    assert cleaned == {"age": 12, "n": "0"}  # irrelevant answers dropped, as in ODK


def test_metadata_is_filled(registry: FormRegistry) -> None:
    from kimdesk.forms.xlsform import convert_pyxform_json

    result = convert_pyxform_json({"id_string": "m", "version": "1", "children": [
        {"type": "start", "name": "start"}, {"type": "end", "name": "end"},
        {"type": "today", "name": "today"}]}, default_language="de")
    assert result.definition is not None
    f, _ = check_data(result.definition.model_dump(), "m")
    assert f is not None
    answers: dict[str, Any] = {}
    fill_metadata(f, answers)
    assert set(answers) == {"start", "end", "today"} and len(answers["today"]) == 10


def test_shipped_erstgespraech_rules(registry: FormRegistry) -> None:
    form = registry.get("erstgespraech")
    base = {"consultation_date": "2026-02-20", "contact_source": "self", "place": "office",
            "interpreter": "no", "residence_status": "par24", "handlungsfelder": ["housing"],
            "urgent": "no", "wants_case_management": "no"}
    assert kinds(form, base) == []
    assert kinds(form, base | {"interpreter": "yes"}) == [("interpreter_language", "required")]
    assert kinds(form, base | {"consultation_date": "2027-01-01"}) == [
        ("consultation_date", "constraint")]
    assert kinds(form, base | {"household_size": 3, "children_count": 3}) == [
        ("children_count", "constraint")]
    state = FormState(form, base | {"handlungsfelder": ["housing", "health", "language"]})
    assert state.relevant(form.by_name["complex_note"], ())
    assert kinds(form, base | {"origin_country": "SY", "interpreter": "yes",
                               "interpreter_language": "ar"}) == []


def test_drafts_and_consultations_in_the_vault(make_vault, registry: FormRegistry) -> None:
    from kimdesk.domain.models import Person

    vault = make_vault()
    person = vault.people.add(Person(given_name="Amina", family_name="Haddad"))
    case = vault.cases.open_case(person.id)
    form = registry.get("verlauf")
    store = VaultDraftStore(vault)
    key = draft_key(case.id, form.form_id)
    store.save(key, {"form_id": "verlauf", "form_version": "1", "answers": {"duration": 45}})
    draft = store.load(key)
    assert draft is not None and draft["answers"] == {"duration": 45}
    assert store.keys() == [key]
    stored, issues = save_consultation(vault, case.id, form, {"duration": 45},
                                       draft_store=store, draft=key)
    assert stored is None and {i.field for i in issues} == {"consultation_date", "topics"}
    answers = {"consultation_date": "2026-02-20", "duration": 45, "topics": ["housing"],
               "structural_gap": "no"}
    stored, issues = save_consultation(vault, case.id, form, answers, draft_store=store,
                                       draft=key, on=date(2026, 2, 20))
    assert issues == [] and stored is not None
    assert store.load(key) is None
    again = vault.consultations.get(stored.id)
    assert (again.form_id, again.form_version) == ("verlauf", "2")
    assert again.answers == answers
    assert registry.for_consultation(again) is form


def test_old_answers_render_with_their_version(tmp_path, registry: FormRegistry) -> None:
    import copy

    import yaml

    v1 = small()
    v2 = copy.deepcopy(v1)
    v2["settings"]["version"] = "2"
    v2["survey"][0]["constraint"] = ". >= 18"
    (tmp_path / "v1.yaml").write_text(yaml.safe_dump(v1), encoding="utf-8")
    (tmp_path / "v2.yaml").write_text(yaml.safe_dump(v2), encoding="utf-8")
    reg = FormRegistry([tmp_path])

    class Stored:
        form_id, form_version = "t", "1"

    old = reg.for_consultation(Stored())
    assert old.version == "1" and validate(old, {"age": 10}) == []
    assert [i.kind for i in validate(reg.get("t"), {"age": 10})] == ["constraint"]


def test_draft_keeps_its_form_version(tmp_path, registry: FormRegistry) -> None:
    import copy

    import yaml

    from kimdesk.forms.drafts import MemoryDraftStore, draft_form, draft_payload

    v1 = small()
    v2 = copy.deepcopy(v1)
    v2["settings"]["version"] = "2"
    (tmp_path / "v1.yaml").write_text(yaml.safe_dump(v1), encoding="utf-8")
    reg = FormRegistry([tmp_path])
    store = MemoryDraftStore()
    store.save("k", draft_payload(reg.get("t"), {"age": 3}, "ar"))
    reg.install(v2, tmp_path / "synced")  # a newer version arrives while the draft waits
    assert reg.get("t").version == "2"
    assert draft_form(reg, store, "k") is reg.get("t", "1")
    assert draft_form(reg, store, "missing") is None


# -- hypothesis: malformed stored answers never crash validation ----------------------------

junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_validation_never_crashes_on_malformed_answers(registry: FormRegistry, data) -> None:
    form = registry.get(data.draw(st.sampled_from(["erstgespraech", "hilfeplan", "assessment"])))
    names = [*form.by_name, "stray"]
    answers = data.draw(st.dictionaries(st.sampled_from(names), junk, max_size=8))
    issues = validate(form, answers, today=TODAY)
    assert all(i.kind in {"required", "constraint", "type", "choice", "unknown", "error"}
               for i in issues)
    FormState(form, answers, today=TODAY).cleaned()


def test_position_and_choice_names_in_repeats() -> None:
    data = small()
    data["survey"][3:3] = [
        {"type": "calculate", "name": "nr", "calculation": "position(..)"},
        {"type": "note", "name": "kidnote",
         "label": {"de": "Kind ${nr}", "en": "Child ${nr}"}},
    ]
    data["survey"].append({"type": "calculate", "name": "kids_label",
                           "calculation": "jr:choice-name(${kids}, '${kids}')"})
    form, problems = check_data(data, "pos")
    assert form is not None, [str(p) for p in problems]
    state = FormState(form, {"age": 40, "kids": "yes", "child": [{"cname": "A"}, {"cname": "B"}]})
    assert state.calculated(form.by_name["nr"], (("child", 1),)) == 2.0
    assert state.calculated(form.by_name["kids_label"], ()) == "Ja"
    outside = small()
    outside["survey"].append({"type": "calculate", "name": "p", "calculation": "position(..)"})
    assert any("position(..) outside a repeat" in str(p) for p in check_data(outside, "x")[1])


def test_answers_render_with_their_version_after_the_file_is_gone(
        tmp_path, make_vault) -> None:
    import yaml

    from kimdesk.domain.models import Person
    from kimdesk.forms.drafts import archived_definitions

    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "t.yaml").write_text(yaml.safe_dump(small()), encoding="utf-8")
    vault = make_vault()
    person = vault.people.add(Person(given_name="Ana", family_name="Popescu"))
    case = vault.cases.open_case(person.id)
    form = FormRegistry([folder]).get("t")
    stored, issues = save_consultation(vault, case.id, form, {"age": 30})
    assert issues == [] and stored is not None
    (folder / "t.yaml").unlink()  # the definition file disappears (update, new device ...)
    registry = FormRegistry([folder])
    assert registry.ids() == []
    assert registry.add_archived(archived_definitions(vault)) == 1
    old = registry.for_consultation(vault.consultations.get(stored.id))
    assert old.version == "1" and old.definition == form.definition
