"""Records whose parent the server never held (a review): the server accepted a note for a case
id it did not have, and every device of the team pulled the note and kept it parked
(``sync_parked``) for good, waiting for a case that never came: a note's text that nobody could
read or delete, on every device. Now such a change is refused with a reason in the receipt
(``kimdesk/server/plausibility.py``, ``parent_problem``), on SQLite and PostgreSQL, over HTTP.

The device sends parents first and keeps a refused change pending, so a refusal strands nothing
that would be valid a batch later: a parent in the same batch or an earlier one is held; a
parent the server lost (a restored backup) is pushed again by the resync that the refused
change no longer holds off (``SyncEngine._check``).
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from kimdesk.domain.models import (
    Attachment,
    Case,
    Consent,
    Consultation,
    Goal,
    Note,
    Person,
    PhaseTransition,
    Record,
    Referral,
)
from kimdesk.server.embedded import EmbeddedServer
from tests.sync.helpers import Device, pushed

#: A word that appears in no other test: found anywhere, it is the orphan's.
MARKER = "Waisennotiz-Kranichfeld"
_LOCAL = {"id", "revision", "pending", "created_at", "updated_at"}


def _change(record: Record) -> dict[str, Any]:
    """A new record as the app pushes it (every field, base revision 0)."""
    return {"kind": record.KIND, "id": record.id, "base_rev": 0,
            "changed": record.model_dump(mode="json", exclude=_LOCAL)}


def _children(case_id: str, person_id: str) -> list[Record]:
    """One record of every kind that hangs on a case or a person."""
    day = date(2026, 1, 5)
    data = b"%PDF-1.4 " + MARKER.encode()
    return [
        Case(case_number="2026-W-1", person_id=person_id, owner="alice", opened_on=day),
        Consent(person_id=person_id, given_on=day, form="written", language="de",
                purposes=["case_management"]),
        PhaseTransition(case_id=case_id, to_phase="assessment", at=datetime.now(UTC),
                        by="alice"),
        Consultation(case_id=case_id, date=day, duration_minutes=30, summary=MARKER),
        Goal(case_id=case_id, goal=MARKER),
        Referral(case_id=case_id, agency_name="Jobcenter", agency_type="jobcenter",
                 referred_on=day),
        Note(case_id=case_id, text=MARKER),
        Attachment(case_id=case_id, consultation_id=str(uuid.uuid4()), question="q",
                   file_name="brief.pdf", media_type="application/pdf", size=len(data),
                   sha256=hashlib.sha256(data).hexdigest(),
                   content=base64.b64encode(data).decode()),
    ]


def _server_text(server: EmbeddedServer) -> str:
    with server.service.engine.connect() as conn:
        return "\n".join(str(r[0]) for r in conn.execute(text(
            "SELECT data FROM records UNION ALL SELECT data FROM record_history")))


def test_a_record_whose_parent_the_server_never_held_is_refused(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    alice = make_device(server, "alice")
    bob = make_device(server, "bob")
    orphans = _children(str(uuid.uuid4()), str(uuid.uuid4()))
    results = pushed(server, alice, [_change(r) for r in orphans])
    assert [r["status"] for r in results] == ["rejected"] * len(orphans), results
    assert [r["reason"].split(" refers")[0] for r in results] == [
        "person_id", "person_id", *["case_id"] * 6]
    assert all("the server does not hold" in r["reason"] for r in results), results

    # in the same batch, parents first: applied; a child before its parent, or under a parent
    # the batch could not store, is refused (the app keeps it pending and sends it again)
    person = Person(given_name="Olena", family_name="Kranich")
    case = Case(case_number="2026-W-2", person_id=person.id, owner="alice",
                opened_on=date(2026, 1, 5))
    early = Note(case_id=str(uuid.uuid4()), text=MARKER)
    late_case = Case(id=early.case_id, case_number="2026-W-3", person_id=person.id,
                     owner="alice", opened_on=date(2026, 1, 5))
    bad_case = _change(Case(case_number="2026-W-4", person_id=person.id, owner="alice",
                            opened_on=date(2026, 1, 5)))
    bad_case["changed"]["opened_on"] = "9999-01-01"  # refused: outside the plausible days
    under_bad = Note(case_id=bad_case["id"], text=MARKER)
    results = pushed(server, alice, [
        _change(early), _change(person), _change(case), _change(late_case), bad_case,
        _change(Note(case_id=case.id, text="Termin am Montag")), _change(under_bad)])
    assert [r["status"] for r in results] == [
        "rejected", "applied", "applied", "applied", "rejected", "applied", "rejected"], results

    # a later batch finds the case stored: the note that was too early goes now
    assert [r["status"] for r in pushed(server, alice, [_change(early)])] == ["applied"]
    bob.sync()
    assert bob.store.parked_count() == 0  # before: every orphan waited on every device
    assert bob.vault.notes.get(early.id).text == MARKER
    stored = _server_text(server)
    assert stored.count(MARKER) == 1, "an orphan's text is on the server"


def _restore(db: Path, backup: Path, server: EmbeddedServer) -> EmbeddedServer:
    """The server stopped, its database replaced by the backup, started on the same port."""
    port = server.port
    server.stop()
    for leftover in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    backup.replace(db)
    return EmbeddedServer(db, port=port).start()


def test_a_note_refused_for_a_case_the_server_lost_goes_after_the_resync(
        tmp_path: Path, make_device: Callable[..., Device]) -> None:
    """The server is restored from a backup taken before a case reached it; the device that
    holds the case (synced, not pending) writes a note. Before the refusal, the note was
    stored without its case and the device's resync sent the case after it; with the refusal
    alone, the note stayed pending for good (the divergence check waited for it to go). Now the
    run resyncs, pushes the case again, then the note: on the server, the case comes first."""
    db = tmp_path / "server.db"
    server = EmbeddedServer(db).start()
    alice = make_device(server, "alice")
    bob = make_device(server, "bob")
    alice.sync()
    bob.sync()
    with sqlite3.connect(db) as live, sqlite3.connect(tmp_path / "backup.db") as copy:
        live.backup(copy)  # the night's backup: no case yet
    person = alice.vault.people.add(Person(given_name="Olena", family_name="Kranich"))
    case = alice.vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    alice.sync()
    server = _restore(db, tmp_path / "backup.db", server)
    try:
        note = alice.vault.notes.add(Note(case_id=case.id, text=MARKER))
        alice.sync()
        assert alice.store.pending_count() == 0
        with server.service.engine.connect() as conn:
            seqs = dict(conn.execute(text(
                "SELECT id, seq FROM records WHERE id IN (:p, :c, :n)"),
                {"p": person.id, "c": case.id, "n": note.id}).all())
        assert set(seqs) == {person.id, case.id, note.id}
        assert seqs[person.id] < seqs[case.id] < seqs[note.id], seqs
        bob.sync()
        assert bob.store.parked_count() == 0
        assert bob.vault.notes.get(note.id).text == MARKER
    finally:
        server.stop()
