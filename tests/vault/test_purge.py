"""Purge (issue 13, point 2): a purged case leaves no personal field anywhere in the vault file,
only a deletion record; a person goes with their last case; a crash leaves all or nothing."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path
from typing import Any

from kimdesk.demo.generator import fill
from kimdesk.domain.codes import GapCategory
from kimdesk.domain.models import Note, StructuralGap, deletion_id
from kimdesk.vault import Vault
from kimdesk.vault.purge import PurgeOrder, optimize_search, purge_cases, purge_person
from kimdesk.vault.search import index_text
from tests.vault.pages import plaintext

ORDER = PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="anna", reason="counselor",
                   on=date(2026, 12, 1))


def mark(vault: Vault, case_id: str, tag: str) -> set[str]:
    """Give the case's person, a note and a consultation words found nowhere else (demo names
    repeat across people), and return them with the case number."""
    case = vault.cases.get(case_id)
    person = vault.people.get(case.person_id)
    vault.people.update(person.model_copy(update={
        "given_name": f"Zuleykha{tag}", "family_name": f"Brandtmöller{tag}",
        "phone": f"0176 55501{tag}"}))
    vault.notes.add(Note(case_id=case_id, text=f"Fiktionsbescheinigung{tag} besprochen"))
    consultation = vault.consultations.for_case(case_id)[0]
    vault.consultations.update(consultation.model_copy(update={"summary": f"Kita{tag}platz"}))
    return {case.case_number, f"Zuleykha{tag}", f"Brandtmöller{tag}", f"0176 55501{tag}",
            f"Fiktionsbescheinigung{tag}", f"Kita{tag}platz"}


def single_case_people(vault: Vault) -> list[tuple[str, str]]:
    rows = vault.conn.execute(
        "SELECT id, person_id FROM cases GROUP BY person_id HAVING count(*) = 1 ORDER BY seq")
    return [(r[0], r[1]) for r in rows]


def scan(vault: Vault, needles: set[str]) -> set[str]:
    """The needles found in the decrypted pages, as written or as the search index folds them
    (lower case, diacritics off, one word at a time)."""
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = plaintext(Path(vault.path), vault._key)
    found = set()
    for needle in needles:
        # as a name: its folded words and its variant key (kimdesk/vault/namevariants.py)
        forms = {needle, *(w for w in index_text("", needle, "", "", "").split() if len(w) >= 6)}
        if any(form.encode() in data for form in forms):
            found.add(needle)
    return found


def test_purged_case_leaves_nothing_but_a_deletion_record(make_vault: Any) -> None:
    vault = make_vault()
    fill(vault, 60, seed=11)
    case_id, person_id = single_case_people(vault)[0]
    needles = mark(vault, case_id, "qx")
    other_case, _ = single_case_people(vault)[1]
    others = mark(vault, other_case, "wz")
    assert scan(vault, needles) == needles  # found before, in the decrypted pages

    report = purge_cases(vault, [case_id], ORDER)
    optimize_search(vault)
    assert report.cases == 1 and report.persons == 1
    assert report.deletions == [deletion_id("cases", case_id), deletion_id("persons", person_id)]
    assert scan(vault, needles) == set()
    assert scan(vault, others) == others  # the other case is untouched
    assert vault.search(vault.people.get(vault.cases.get(other_case).person_id).family_name)
    for table in ("cases", "persons", "consultations", "notes", "goals", "referrals",
                  "consents", "phase_transitions"):
        assert vault.conn.execute(
            f"SELECT count(*) FROM {table} WHERE id IN (?, ?)", (case_id, person_id)
        ).fetchone()[0] == 0
    for column in ("case_id",):
        for table in ("consultations", "notes", "goals", "referrals", "phase_transitions"):
            assert vault.conn.execute(
                f"SELECT count(*) FROM {table} WHERE {column} = ?", (case_id,)).fetchone()[0] == 0
    deletion = vault.deletions.get(deletion_id("cases", case_id))
    assert (deletion.target_kind, deletion.target_id, deletion.reason) == (
        "cases", case_id, "counselor")
    assert deletion.pending  # syncs, so every device purges too
    assert vault.integrity_check() == []


def test_person_with_another_case_stays(make_vault: Any) -> None:
    vault = make_vault()
    fill(vault, 30, seed=5)
    person = vault.people.where()[0]
    first = vault.cases.open_case(person.id, opened_on=date(2020, 1, 1))
    second = vault.cases.open_case(person.id, opened_on=date(2024, 1, 1))
    report = purge_cases(vault, [first.id], ORDER)
    assert report.cases == 1 and report.persons == 0
    assert vault.people.get(person.id).family_name == person.family_name
    assert vault.cases.get(second.id)
    assert purge_person(vault, person.id, ORDER).persons == 1
    assert vault.conn.execute("SELECT count(*) FROM persons WHERE id = ?",
                              (person.id,)).fetchone()[0] == 0


def test_outbox_drafts_bases_and_gaps(make_vault: Any) -> None:
    vault = make_vault()
    fill(vault, 20, seed=4)
    case_id, _person = single_case_people(vault)[0]
    keep_id, _ = single_case_people(vault)[1]
    changes = [{"kind": "cases", "id": i, "rev": 0} for i in (case_id, keep_id)]
    body = json.dumps({"batch_id": "b" * 16, "batch_seq": 1, "changes": changes})
    with vault.transaction():
        vault.conn.execute(
            "INSERT INTO sync_outbox (batch_id, batch_seq, payload, sent, created_at)"
            " VALUES (?, 1, ?, ?, '2026-01-01')",
            ("b" * 16, gzip.compress(body.encode()),
             json.dumps([["cases", case_id, 1], ["cases", keep_id, 1]])))
        vault.conn.execute("INSERT INTO sync_base (kind, id, rev, data) VALUES ('cases', ?, 3,"
                           " '{\"case_number\": \"x\"}')", (case_id,))
        vault.set_meta(f"forms.draft.{case_id}:erstgespraech:new", '{"answers": {}}')
        vault.set_meta(f"forms.draft.{keep_id}:erstgespraech:new", '{"answers": {}}')
        # the case draft kept at a lock, and the pointer that would reopen the case
        vault.set_meta(f"case.draft.{case_id}", '{"person": {"changed": {"phone": "1"}}}')
        vault.set_meta("gui.resume", json.dumps({"case_id": case_id}))
    gap_id = vault.gaps.add(StructuralGap(case_id=case_id, category=GapCategory.WAITING_TIME,
                                          description="Termine beim Jobcenter")).id
    report = purge_cases(vault, [case_id], ORDER)
    assert report.rows["drafts"] == 2 and report.rows["sync_base"] == 1
    assert not vault.get_meta(f"case.draft.{case_id}") and not vault.get_meta("gui.resume")
    # the waiting batch is dropped, not rewritten (the server would refuse a changed payload
    # under the same batch id); the kept case is still pending and goes in the next batch
    assert vault.conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0] == 0
    assert report.rows["sync_outbox"] == 1
    assert vault.get_meta(f"forms.draft.{keep_id}:erstgespraech:new")
    assert not vault.get_meta(f"forms.draft.{case_id}:erstgespraech:new")
    gap = vault.gaps.get(gap_id)
    assert gap.case_id is None and gap.pending and gap.description == "Termine beim Jobcenter"


def test_another_persons_consent_naming_the_case_stays_detached(make_vault: Any) -> None:
    from kimdesk.domain.codes import ConsentPurpose
    from kimdesk.domain.models import Consent, Person

    vault = make_vault()
    mother = vault.people.add(Person(given_name="Amina", family_name="Yusuf"))
    son = vault.people.add(Person(given_name="Idris", family_name="Yusuf"))
    case = vault.cases.open_case(son.id)
    own = vault.consents.add(Consent(person_id=son.id, case_id=case.id, given_on=date(2026, 1, 5),
                                     purposes=[ConsentPurpose.CASE_MANAGEMENT]))
    theirs = vault.consents.add(Consent(person_id=mother.id, case_id=case.id,
                                        given_on=date(2026, 1, 5),
                                        purposes=[ConsentPurpose.CASE_MANAGEMENT]))
    purge_cases(vault, [case.id], ORDER)
    assert vault.conn.execute("SELECT count(*) FROM consents WHERE id = ?",
                              (own.id,)).fetchone()[0] == 0
    kept = vault.consents.get(theirs.id)
    assert kept.person_id == mother.id and kept.case_id is None and kept.pending


def test_parked_pull_of_a_deleted_parent_is_dropped(make_vault: Any) -> None:
    from kimdesk.domain.models import Deletion, new_id
    from kimdesk.vault.purge import purge_deleted_targets

    vault = make_vault()
    absent = new_id()
    with vault.transaction():
        vault.conn.execute(
            "INSERT INTO sync_parked (kind, id, rev, data, reason) VALUES ('notes', ?, 1, ?,"
            " 'no parent')", (new_id(), json.dumps({"case_id": absent, "text": "Secretqx"})))
    vault.deletions.add(Deletion(target_kind="cases", target_id=absent,
                                 deleted_on=date(2026, 1, 2), legal_basis="Art. 17 DSGVO",
                                 ordered_by="server", reason="retention"))
    purge_deleted_targets(vault)
    assert vault.conn.execute("SELECT count(*) FROM sync_parked").fetchone()[0] == 0
