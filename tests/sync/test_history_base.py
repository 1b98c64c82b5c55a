"""Merge bases come from the server's history: devices send only the changed values.

A change carries ``base_rev``; when the record moved on since then, the server reads the record as
it stored it at ``base_rev`` from its history and merges field by field against it. ``base``
values a change still brings (older clients sent them) are not used.
"""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import delete, select

from kimdesk.domain.models import Person
from kimdesk.server import db
from kimdesk.sync.protocol import Change, PushRequest
from kimdesk.sync.store import PushCursor
from tests.sync.helpers import snapshot


def _person(dev):
    return dev.vault.people.add(Person(given_name="Ayse", family_name="Demir", phone="0201 1"))


def _edit(dev, pid, **fields):
    person = dev.vault.people.get(pid)
    dev.vault.people.update(person.model_copy(update=fields))


def test_batches_carry_no_base_values(sqlite_server, make_device):
    a = make_device(sqlite_server, "alice")
    p = _person(a)
    a.sync()
    _edit(a, p.id, phone="0201 2")
    batch = a.store.build_batch(PushCursor())
    assert batch is not None
    [change] = batch.request.changes
    assert (change.base_rev, change.changed["phone"], change.base) == (1, "0201 2", {})
    assert b"0201 1" not in batch.body  # the old value does not travel


def test_the_base_of_a_moved_record_comes_from_the_history(sqlite_server, make_device):
    a, b = make_device(sqlite_server, "a"), make_device(sqlite_server, "b")
    p = _person(a)
    a.sync()
    b.sync()
    _edit(a, p.id, phone="0201 2")
    _edit(b, p.id, address="Ruhrallee 1, Essen", phone="0201 3")
    a.sync()
    report = b.sync()
    a.sync()
    assert report.results.get("conflict") == 1
    [conflict] = b.store.conflicts()
    # base, theirs and mine: the base is the server's version 1, read from its history
    assert (conflict.field, conflict.base, conflict.theirs, conflict.mine) == (
        "phone", "0201 1", "0201 2", "0201 3")
    assert a.vault.people.get(p.id).address == "Ruhrallee 1, Essen"  # merged, no conflict
    assert snapshot(a) == snapshot(b)


def test_a_base_the_history_lost_makes_conflicts_not_silent_overwrites(sqlite_server,
                                                                       make_device):
    a, b = make_device(sqlite_server, "a"), make_device(sqlite_server, "b")
    p = _person(a)
    a.sync()
    b.sync()
    _edit(a, p.id, phone="0201 2")
    _edit(b, p.id, phone="0201 3")
    a.sync()
    # the version b's edit started from (superseded by a's push) is lost from the history
    with sqlite_server.app.state.engine.begin() as conn:
        assert conn.execute(delete(db.history)).rowcount == 1
    b.sync()
    a.sync()
    [conflict] = b.store.conflicts()
    assert (conflict.field, conflict.base, conflict.theirs, conflict.mine) == (
        "phone", None, "0201 2", "0201 3")
    assert a.vault.people.get(p.id).phone == "0201 2"


def test_a_base_sent_along_is_not_trusted(server, make_device):
    """``base`` values a device sends are not used: the base comes from the server's history
    (or counts as unknown where the history lost it). Before (a review, 2026-12-06), a sent base
    became the conflict's ``base`` as it was, unchecked: a NUL character, an object for a text
    field, a 60 MB string, stored and pulled by every device of the team."""
    a, b = make_device(server, "a"), make_device(server, "b")
    p = _person(a)
    a.sync()
    _edit(a, p.id, phone="0201 2")
    a.sync()
    device = server.service.authenticate(b.store.get("token"))
    hostile = "x\u0000" + "y" * 100_000
    request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=1, changes=[Change(
        kind="persons", id=p.id, base_rev=1, changed={"phone": "0201 3"},
        base={"phone": hostile})])
    receipt = server.service.push(device, request, hashlib.sha256(b"x").hexdigest())
    [result] = receipt.results
    [conflict] = receipt.conflicts
    assert (result.status, conflict.field, conflict.base, conflict.theirs, conflict.mine) == (
        "conflict", "phone", "0201 1", "0201 2", "0201 3")
    with server.app.state.engine.begin() as conn:
        stored = [row.base for row in conn.execute(select(db.conflicts.c.base))]
    assert stored == ['"0201 1"']
