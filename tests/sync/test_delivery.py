"""Batches are idempotent: a batch delivered twice, or resent after its response was lost,
changes nothing the second time and returns the same receipt."""

from __future__ import annotations

import gzip
import json
from datetime import date

import httpx
import pytest

from kimdesk.domain.models import Note, Person
from kimdesk.server import db
from kimdesk.sync.engine import SyncEngine, SyncError, Transport
from kimdesk.sync.store import PushCursor
from tests.sync.helpers import snapshot


def _fill(vault, n=3):
    for i in range(n):
        family = "Person" + "abcdefghijklmnopqrstuvwxyz"[i % 26]
        p = vault.people.add(Person(given_name="Test", family_name=family))
        c = vault.cases.open_case(p.id, opened_on=date(2025, 1, 1))
        vault.notes.add(Note(case_id=c.id, text=f"note {i}"))


def _server_counts(srv):
    """(records, versions): the versions stored are the current ones (``records``) and the
    superseded ones (``record_history``); a batch applied twice would add versions."""
    from sqlalchemy import func, select

    with srv.app.state.engine.connect() as conn:
        records = conn.execute(select(func.count()).select_from(db.records)).scalar()
        history = conn.execute(select(func.count()).select_from(db.history)).scalar()
    return records, records + history


class LosingTransport(Transport):
    """Real HTTP; the first ``lose`` push responses are dropped after the server committed."""

    def __init__(self, *args, lose=1, **kw):
        super().__init__(*args, **kw)
        self.lose = lose
        self.bodies: list[bytes] = []

    def push(self, body, gz=b"", **kw):
        receipt = super().push(body, gz, **kw)
        self.bodies.append(body)
        if self.lose:
            self.lose -= 1
            raise SyncError("response lost")
        return receipt


def test_same_batch_twice_same_receipt(server, make_device):
    a = make_device(server, "alice")
    _fill(a.vault)
    batch = a.store.build_batch(PushCursor())
    t = a.engine.transport
    first = t.push(batch.body)
    before = _server_counts(server)
    second = t.push(batch.body)
    assert second == first
    assert _server_counts(server) == before
    # the same batch id with a different payload is refused, not applied
    other = batch.request.model_copy(update={"changes": batch.request.changes[:1]})
    with pytest.raises(SyncError) as err:
        t.push(other.model_dump_json().encode())
    assert "batch_reused" in str(err.value)


def test_lost_response_is_resent_not_duplicated(server, make_device):
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    _fill(a.vault, 5)
    lossy = LosingTransport(server.url, a.store.get("token"), lose=1)
    engine = SyncEngine(a.vault, transport=lossy, batch_changes=4)
    with pytest.raises(SyncError):
        engine.sync()
    assert a.store.outbox() is not None  # the batch waits for its receipt
    assert a.store.pending_count() == 20
    engine.sync()
    assert lossy.bodies[0] == lossy.bodies[1]  # the same batch went out again
    assert a.store.pending_count() == 0 and a.store.outbox() is None
    records, versions = _server_counts(server)
    assert records == 20 and versions == 20  # nothing applied twice
    b.sync()
    assert snapshot(a) == snapshot(b)


def test_edit_while_batch_in_flight_is_kept(server, make_device):
    a = make_device(server, "alice")
    p = a.vault.people.add(Person(given_name="Ana", family_name="Lopes"))
    batch = a.store.build_batch(PushCursor())
    receipt = a.engine.transport.push(batch.body)
    # the counselor edits the person before the receipt is applied
    a.vault.people.update(a.vault.people.get(p.id).model_copy(update={"phone": "123"}))
    a.store.apply_receipt(batch, receipt)
    assert a.vault.people.get(p.id).phone == "123"
    assert a.store.pending_count() == 1
    a.sync()
    b_view = server.service.pull(server.service.authenticate(a.store.get("token")), 0)
    [rec] = [r for r in b_view.records if r.id == p.id]
    assert rec.data["phone"] == "123" and rec.rev == 2


def test_out_of_order_batch_is_409_and_engine_recovers(server, make_device):
    a = make_device(server, "alice")
    _fill(a.vault, 1)
    batch = a.store.build_batch(PushCursor())
    skipped = batch.request.model_copy(update={"batch_seq": 7})
    response = httpx.post(
        server.url + "/v1/push",
        content=gzip.compress(skipped.model_dump_json().encode()),
        headers={"Authorization": f"Bearer {a.store.get('token')}",
                 "Content-Encoding": "gzip"},
    )
    assert response.status_code == 409
    assert response.json() == {"error": "out_of_order",
                               "detail": "expected batch 1, got 7", "expected": 1}
    # a vault restored from an old backup numbers its batches wrongly: the engine renumbers
    a.store.set_many({"batch_seq": 41})
    a.vault.conn.execute("DELETE FROM sync_outbox")
    a.sync()
    assert a.store.pending_count() == 0
    assert json.loads(a.store.get("batch_seq")) == 1


def test_crash_with_two_batches_in_the_outbox(server, make_device):
    """Killed after the next batch was stored and sent but before the last receipt was applied
    (the pipelined engine's widest window): both batches are resent in order, each answered from
    its stored receipt; nothing is lost or applied twice."""
    a = make_device(server, "alice", batch_changes=4)
    _fill(a.vault, 4)  # 4 persons, 4 cases, 4 transitions, 4 notes: several batches
    cursor = PushCursor()
    first = a.store.build_batch(cursor, max_changes=4)
    a.engine.transport.push(first.body, first.gz)  # the server committed; the receipt is lost
    second = a.store.build_batch(cursor, max_changes=4)
    a.engine.transport.push(second.body, second.gz)
    assert [r[0] for r in a.vault.conn.execute(
        "SELECT batch_seq FROM sync_outbox ORDER BY batch_seq")] == [1, 2]
    before = _server_counts(server)
    report = a.sync()
    assert a.store.pending_count() == 0 and a.store.outbox() is None
    assert report.batches >= 4
    records, versions = _server_counts(server)
    assert records == 16 and records - before[0] == 8
    assert versions == records  # every record has exactly one revision: nothing applied twice


def test_renumbering_drops_a_later_stored_batch(server, make_device):
    """A vault restored from a backup, with two batches in its outbox that the server never saw,
    numbered 1 and 2 where the server expects 2: the first becomes batch 2, the second (which
    would collide with that number) is dropped and its records travel again in a new batch."""
    a = make_device(server, "alice")
    _fill(a.vault, 2)
    a.sync()
    assert json.loads(a.store.get("batch_seq")) == 1
    _fill(a.vault, 2)
    with a.vault.transaction():
        a.store.put("batch_seq", 0)  # the restored vault's counter
    cursor = PushCursor()
    a.store.build_batch(cursor, max_changes=3)
    a.store.build_batch(cursor, max_changes=3)
    assert [r[0] for r in a.vault.conn.execute(
        "SELECT batch_seq FROM sync_outbox ORDER BY batch_seq")] == [1, 2]
    a.sync()
    assert a.store.pending_count() == 0 and a.store.outbox() is None
    records, versions = _server_counts(server)
    assert records == 16 and versions == 16


def _reads(vault) -> list[str]:
    """Start recording the statements that read (``SELECT``) on this vault."""
    reads: list[str] = []
    vault.conn.set_trace_callback(
        lambda sql: reads.append(sql) if sql.lstrip().upper().startswith("SELECT") else None)
    return reads


def test_an_acknowledged_edit_reads_nothing_unless_edited_in_flight(server, make_device):
    """Acknowledging a batch read every record's revision (and, for a batch resent from the
    outbox, every record's merge base, its whole JSON), though only a record edited again in
    flight needs them; the others are marked clean by one ``UPDATE`` guarded by the revision
    sent."""
    a = make_device(server, "alice")
    people = [a.vault.people.add(Person(given_name="Test", family_name="Family" + "abcdef"[i]))
              for i in range(6)]
    a.sync()
    for i, p in enumerate(people):
        a.vault.people.update(a.vault.people.get(p.id).model_copy(update={"phone": f"{i}"}))
    batch = a.store.build_batch(PushCursor())
    receipt = a.engine.transport.push(batch.body, batch.gz)
    reads = _reads(a.vault)
    try:
        a.store.apply_receipt(batch, receipt)
    finally:
        a.vault.conn.set_trace_callback(None)
    assert reads == []
    assert a.store.pending_count() == 0
    rows = a.vault.conn.execute("SELECT data FROM sync_base WHERE kind = 'persons'").fetchall()
    assert len(rows) == 6 and all(data is None for (data,) in rows)  # each row is its base

    # again, acknowledged from the outbox as after a restart (the record as sent is no longer
    # in memory), with one record edited while the batch travelled: only that one's base is
    # read, its edit stays pending on top of the server's version, the others are clean
    for i, p in enumerate(people):
        a.vault.people.update(a.vault.people.get(p.id).model_copy(update={"phone": f"x{i}"}))
    a.store.build_batch(PushCursor())
    stored = a.store.outbox()
    assert stored is not None and not stored.full
    receipt = a.engine.transport.push(stored.body, stored.gz)
    edited = people[2].id
    a.vault.people.update(a.vault.people.get(edited).model_copy(update={"email": "a@b.de"}))
    reads = _reads(a.vault)
    try:
        a.store.apply_receipt(stored, receipt)
    finally:
        a.vault.conn.set_trace_callback(None)
    base_reads = [sql for sql in reads if "sync_base" in sql]  # traced with its values
    assert len(base_reads) == 1 and f"id IN ('{edited}')" in base_reads[0], base_reads
    assert a.store.pending_count() == 1
    a.sync()
    view = server.service.pull(server.service.authenticate(a.store.get("token")), 0)
    stored_data = {r.id: r.data for r in view.records if r.kind == "persons"}
    assert (stored_data[edited]["phone"], stored_data[edited]["email"]) == ("x2", "a@b.de")
    assert [stored_data[p.id]["phone"] for p in people] == [f"x{i}" for i in range(6)]
