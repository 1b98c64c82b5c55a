"""A record deleted before the server ever had it does not travel (2026-12-07).

A tombstone keeps every field of the record (its row stays, marked deleted, until a purge), and
a record the server never acknowledged has no merge base, so its tombstone went out whole: a
note a counselor typed and deleted again before the next sync reached the server and, as a
tombstone with its full text, every device of her team. And a deleted note the server had
refused (too large) was refused again as a tombstone at every run: pending for good, listed as
refused. Now a deletion of a record the server never had (no merge base, in no batch still
waiting for its receipt) is not sent: the record is clean at once, on this device alone. Real
servers on 127.0.0.1 (SQLite and PostgreSQL), real vaults; the server's database read for the
note's words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select, text

from kimdesk.domain.models import Note, Person
from kimdesk.server import db
from kimdesk.server.embedded import EmbeddedServer
from tests.sync.helpers import Device

MARKER = "Versehentlich-Notiert-Quendelhof"
LONG = f"{MARKER} " + "Gesprächsnotiz " * 5000  # over the server's 64 KiB a record


def _server_text(server: EmbeddedServer) -> str:
    if server.db_url.startswith("sqlite"):
        path = Path(server.db_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")).decode(
            "utf-8", "replace")
    with server.service.engine.connect() as conn:
        return "\n".join(str(r[0]) for r in conn.execute(text(
            "SELECT data FROM records UNION ALL SELECT data FROM record_history"
            " UNION ALL SELECT receipt FROM batches")))


def _on_server(server: EmbeddedServer, record_id: str) -> bool:
    with server.service.engine.connect() as conn:
        return conn.execute(select(db.records.c.id).where(db.records.c.id == record_id)
                            ).first() is not None


def _case(device: Device) -> str:
    person = device.vault.people.add(Person(given_name="Olena", family_name="Kranich"))
    return device.vault.cases.open_case(person.id, opened_on=date(2026, 1, 5)).id


def test_a_note_deleted_before_any_sync_never_leaves_the_device(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    alice = make_device(server, "alice")
    bob = make_device(server, "bob")
    case_id = _case(alice)
    note = alice.vault.notes.add(Note(case_id=case_id, text=f"{MARKER}: falscher Fall"))
    alice.vault.notes.delete(note.id)
    report = alice.sync()
    assert report.refused == [] and alice.store.pending_count() == 0
    assert not _on_server(server, note.id)  # before: its tombstone, with the text
    assert MARKER not in _server_text(server)
    bob.sync()
    assert bob.vault.conn.execute("SELECT 1 FROM notes WHERE id = ?", (note.id,)).fetchone() \
        is None
    assert alice.sync().pushed == 0  # nothing left to send


def test_a_refused_note_deleted_is_no_longer_refused(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    alice = make_device(server, "alice")
    note = alice.vault.notes.add(Note(case_id=_case(alice), text=LONG))
    assert [r.record_id for r in alice.sync().refused] == [note.id]
    alice.vault.notes.delete(note.id)
    report = alice.sync()
    assert report.refused == [], report.refused  # before: refused again, for good
    assert alice.store.pending_count() == 0
    assert MARKER not in _server_text(server)


def test_a_note_the_server_has_is_deleted_there_too(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    alice = make_device(server, "alice")
    bob = make_device(server, "bob")
    case_id = _case(alice)
    note = alice.vault.notes.add(Note(case_id=case_id, text="Termin am Montag"))
    alice.sync()
    bob.sync()
    alice.vault.notes.delete(note.id)
    alice.sync()
    bob.sync()
    assert bob.vault.notes.get(note.id, include_deleted=True).deleted  # the tombstone went
