"""The Auskunft's JSON names what the vault holds of the person outside the live records
(``kimdesk/vault/subject_traces.py``): deleted records, the records of a deleted case, unsaved
entries; a technical copy is left out, and nothing of another person comes in. The places sync
fills (parked records, conflicts, merge bases, the outbox) are proven with a real server in
``tests/sync/test_auskunft_complete.py``."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from kimdesk.domain.models import Note, Person
from kimdesk.vault.drafts import case_drafts, form_drafts
from kimdesk.vault.subject_access import collect


def test_deleted_records_and_unsaved_entries_are_listed_and_nobody_elses(
        make_vault: Any) -> None:
    vault = make_vault()
    her = vault.people.add(Person(given_name="Ilse", family_name="Quastholm"))
    live = vault.cases.open_case(her.id, opened_on=date(2026, 1, 5))
    old = vault.cases.open_case(her.id, opened_on=date(2025, 1, 5))
    deleted = vault.notes.add(Note(case_id=live.id, text="Gelöschte Ruppwinkelnotiz"))
    vault.notes.delete(deleted.id)
    # a case deleted in the app before purging existed: its note is not deleted itself
    under = vault.notes.add(Note(case_id=old.id, text="Notiz Vennhofer Altfall"))
    vault.cases.delete(old.id)
    case_drafts(vault).save(live.id, {"case": {"changed": {"referral_source": "Tilgauer Amt"},
                                               "base": {"referral_source": ""}}})
    form_drafts(vault).save(f"{live.id}:verlauf:new", {"form_id": "verlauf",
                                                        "answers": {"notes": "Briskformular"}})
    other = vault.people.add(Person(given_name="Olga", family_name="Fremdling"))
    theirs = vault.cases.open_case(other.id)
    vault.notes.delete(vault.notes.add(Note(case_id=theirs.id, text="Fremdnotiz")).id)
    case_drafts(vault).save(theirs.id, {"person": {"changed": {"phone": "Fremdentwurf"},
                                                   "base": {}}})

    data = collect(vault, her.id)
    assert {(r["kind"], r["id"]) for r in data["deleted_records"]} == {
        ("notes", deleted.id), ("cases", old.id), ("notes", under.id),
        *{("phase_transitions", t.id) for t in vault.transitions.where(
            "case_id = ?", (old.id,))}}
    assert [(e["source"], e["case_id"]) for e in data["unsaved_entries"]] == [
        ("lock", live.id), ("form_draft", live.id)]
    text = json.dumps(data, ensure_ascii=False)
    for marker in ("Ruppwinkelnotiz", "Vennhofer", "Tilgauer", "Briskformular"):
        assert marker in text
    assert "Fremd" not in text
    # who read or wrote her deleted note is part of the access log
    assert deleted.id in {e["record_id"] for e in data["audit"]}
    # no sync here: nothing parked, no conflict, no earlier version, nothing unsent
    assert (data["parked"], data["sync_conflicts"], data["earlier_versions"],
            data["unsent_changes"]) == ([], [], [], [])
