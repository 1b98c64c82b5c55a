"""``kimdesk server subject-export`` about a deleted client (docs/privacy.md, "Auskunft about a
deleted person"): a purged person is found by person id, case id and case number, a tombstoned
one by its id, a person with one purged case by that case's number; the file says plainly that
they were deleted, when, on which basis and what remains (the deletion records, the ids noted,
a stale device's refused push in its receipt), and holds none of their data. Real devices sync
through a real server on 127.0.0.1, SQLite and PostgreSQL; the command runs in its own process.
The server keeps a keyed hash of a purged case's number, never the number (a raw scan of the
database). Until 2026-12-07 the purged person was refused with one line and the case number
matched nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from kimdesk.domain.models import Note, Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.vault.purge import PurgeOrder, purge_cases, purge_person
from tests.rawscan import files_holding
from tests.sync.helpers import Device
from tests.test_cli import run

GONE = {"name": "Quirinella", "address": "Loeschweg-Quastel 7", "note": "Loeschnotiz-Quastel",
        "stale": "Veraltet-Quastel-Notiz"}
HALF = {"name": "Halbwegs", "note": "Halbnotiz-Kennwort"}
ORDER = PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="alice", reason="subject_request",
                   on=date(2026, 4, 1))


def _person(device: Device, markers: dict[str, str]) -> tuple[str, str, str]:
    vault = device.vault
    person = vault.people.add(Person(given_name=markers["name"], family_name="Testperson",
                                     address=markers.get("address", "")))
    case = vault.cases.open_case(person.id, opened_on=date(2026, 3, 2))
    vault.notes.add(Note(case_id=case.id, text=markers["note"]))
    return person.id, case.id, case.case_number


def _export(server: EmbeddedServer, ident: str, out: Path, lang: str = "en"
            ) -> tuple[str, dict[str, Any], Path]:
    res = run("server", "subject-export", ident, "-o", str(out), "--db", server.db_url,
              lang=lang)
    assert res.returncode == 0, res.stderr
    assert res.stderr == "" and "Traceback" not in res.stdout
    [path] = out.iterdir()
    return res.stdout, json.loads(path.read_text("utf-8")), path


def _exports_logged(server: EmbeddedServer) -> list[str]:
    """The subjects of every Auskunft row in the server's audit trail."""
    with server.service.engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(text(
            "SELECT subjects FROM audit_trail WHERE action = 'subject_export' ORDER BY seq"))]


def test_a_deleted_client_is_found_and_the_export_says_what_remains(
        server: EmbeddedServer, make_device: Callable[..., Device], tmp_path: Path) -> None:
    alice = make_device(server, "alice")
    bob = make_device(server, "bob")
    gone, gone_case, gone_number = _person(alice, GONE)
    marked, _marked_case, _ = _person(alice, {"name": "Markiert", "note": "Markiert-Notiz"})
    half, half_case, half_number = _person(alice, HALF)
    kept_case = alice.vault.cases.open_case(half, opened_on=date(2026, 5, 4))
    alice.sync()
    bob.sync()
    purge_person(alice.vault, gone, ORDER)
    purge_cases(alice.vault, [half_case], ORDER)
    alice.vault.people.delete(marked)  # a tombstone: every field kept until it is purged
    alice.sync()
    # bob had not pulled the deletion and edits her note: refused, and his receipt says so
    [note] = bob.vault.notes.where("case_id = ?", (gone_case,))
    bob.vault.notes.update(note.model_copy(update={"text": GONE["stale"]}))
    bob.sync()

    # the purged person: by person id, case id and case number, each the same answer
    answers = {}
    for ident in (gone, gone_case, gone_number):
        stdout, data, path = _export(server, ident, tmp_path / ident)
        answers[ident] = data
        # the number is known only where it was asked by (the server keeps its hash)
        assert path.name == (f"server-auskunft-{gone_number}.json" if ident == gone_number
                             else f"server-auskunft-{gone[:8]}.json")
        assert "was deleted on 2026-04-01 (Art. 17 DSGVO)" in stdout
        assert [m for m in GONE.values() if m in stdout] == []
    data = answers[gone_number]
    assert data["auskunft"]["person_id"] == gone
    assert data["person"] is None and data["cases"] == []
    status = data["status"]
    assert (status["state"], status["deleted_on"], status["legal_basis"], status["reason"]) == (
        "purged", "2026-04-01", "Art. 17 DSGVO", "subject_request")
    assert [(c["case_id"], c["case_number"]) for c in status["deleted_cases"]] == [
        (gone_case, gone_number)]
    assert "gelöscht" in status["statement"]["de"] and "2026-04-01" in status["statement"]["de"]
    assert {(r["kind"], r["id"]) for r in data["deleted_records"]} >= {
        ("persons", gone), ("cases", gone_case), ("notes", note.id)}
    assert {d["deletion_record"]["data"]["target_id"] for d in data["deletions"]
            if "deletion_record" in d} == {gone, gone_case}
    # what remains: bob's refused push of her note, named in his stored receipt
    [receipt] = data["receipts"]
    assert receipt["sent_by"]["device_name"] == "bob"
    assert [(r["id"], r["status"]) for r in receipt["results"]] == [(note.id, "rejected")]
    assert data["versions_of_deleted_records"] == [] == data["records_naming_deleted_cases"]
    for other in (gone, gone_case):
        again = answers[other]
        assert again["status"]["deleted_cases"][0]["case_number"] is None
        again["status"]["deleted_cases"][0]["case_number"] = gone_number
        same = ("auskunft", "status", "deleted_records")
        assert {k: v for k, v in again.items() if k not in same} == {
            k: v for k, v in data.items() if k not in same}
        assert [(r["kind"], r["id"]) for r in again["deleted_records"]] == [
            (r["kind"], r["id"]) for r in data["deleted_records"]]
        assert again["status"]["statement"] == data["status"]["statement"]
    # each export of what remains of her is in the server's audit trail, by her id alone
    exported = _exports_logged(server)
    assert len(exported) == 3 and all(gone in row and gone_number not in row for row in exported)
    # raw bytes: nothing of her data in what was written, nothing of another person
    needles = [m.encode() for m in (*GONE.values(), *HALF.values(), "Markiert")]
    assert [p for ident in answers for p in files_holding(tmp_path / ident, needles)] == []

    # German on the terminal too
    german, _, _ = _export(server, gone_number, tmp_path / "de", lang="de")
    assert "am 2026-04-01 gelöscht" in german and "Löschnachweise" in german, german

    # the tombstone: listed whole, marked deleted
    stdout, data, _ = _export(server, marked, tmp_path / "marked")
    assert data["status"]["state"] == "deleted" and data["person"]["deleted"] is True
    assert data["person"]["data"]["given_name"] == "Markiert"
    assert "marked deleted" in stdout

    # a person with one purged case, asked by that case's number: the living person, and the
    # deleted case named with its number
    stdout, data, _ = _export(server, half_number, tmp_path / "half")
    assert data["status"]["state"] == "present" and data["person"]["id"] == half
    assert [c["id"] for c in data["cases"]] == [kept_case.id]
    assert [c["case_number"] for c in data["status"]["deleted_cases"]] == [half_number]
    assert "Cases of theirs deleted: 1 " in stdout


def test_a_case_purged_before_its_number_was_noted(
        server: EmbeddedServer, make_device: Callable[..., Device], tmp_path: Path) -> None:
    """A case purged by a release before revision 0005 kept no number or person: its id still
    finds the deletion, its number says nothing matches (the number is gone with the data)."""
    alice = make_device(server, "alice")
    _gone, gone_case, gone_number = _person(alice, GONE)
    alice.sync()
    purge_cases(alice.vault, [gone_case], ORDER)
    alice.sync()
    with server.service.engine.begin() as conn:
        conn.execute(text("UPDATE purged SET case_key = NULL, person_id = NULL"))
    stdout, data, path = _export(server, gone_case, tmp_path / "old")
    assert path.name == f"server-auskunft-{gone_case[:8]}.json"
    assert data["status"]["state"] == "purged" and data["auskunft"]["case_id"] == gone_case
    assert "The case was deleted on 2026-04-01" in stdout
    [logged] = _exports_logged(server)  # by the case's id: no person is known any more
    assert gone_case in logged and gone_number not in logged
    refused = run("server", "subject-export", gone_number, "-o", str(tmp_path / "no"),
                  "--db", server.db_url)
    assert refused.returncode != 0 and "Nothing on the server matches" in refused.stderr
