"""A laptop whose push was applied but whose answer never arrived (the connection dropped), then
offline for 31 days, edited on meanwhile: its outbox still holds the batch, whose receipt the
server has emptied. No backup, no restore: the device's own numbering is where the server's is.
At its next sync the batch is answered ``409 batch_expired`` and dropped; nothing may be applied
twice and nothing lost: the batch's edits (on the server since day 1), a colleague's edits of
the same records, and the edits made offline since. Over HTTP on both backends (review R2)."""

from __future__ import annotations

from kimdesk.domain.models import Person
from kimdesk.sync.engine import Transport
from kimdesk.sync.store import PushCursor
from tests.sync.test_restored_vault import _emptied, _server_person


def test_a_batch_whose_answer_was_lost_31_days_ago_loses_nothing(server, make_device):
    alice, bob = make_device(server, "alice"), make_device(server, "bob")
    ana = alice.vault.people.add(Person(given_name="Ana", family_name="Lopes", phone="0201 1"))
    alice.sync()
    bob.sync()
    # day 1: alice adds Eda and Ana's email; the push is applied, its answer lost
    alice.vault.people.update(alice.vault.people.get(ana.id).model_copy(
        update={"email": "ana@example.org"}))
    eda = alice.vault.people.add(Person(given_name="Eda", family_name="Yilmaz"))
    batch = alice.store.build_batch(PushCursor())
    assert batch is not None
    transport = Transport(server.url, alice.store.get("token"))
    transport.push(batch.body, batch.gz)
    transport.close()
    assert _server_person(server, ana.id)[1]["email"] == "ana@example.org"
    # bob works on both records; alice, offline, edits Ana's address
    bob.sync()
    for pid, phone in ((ana.id, "0201 2"), (eda.id, "0201 5")):
        bob.vault.people.update(bob.vault.people.get(pid).model_copy(update={"phone": phone}))
    bob.sync()
    alice.vault.people.update(alice.vault.people.get(ana.id).model_copy(
        update={"address": "Hauptstr. 1"}))
    assert _emptied(server) >= 1  # day 31: alice's batch 2 among them
    before_eda = _server_person(server, eda.id)

    report = alice.sync()
    assert report.resynced
    rev, data, history = _server_person(server, ana.id)
    # created, the email (day 1), bob's phone, alice's address: each once
    assert (rev, history) == (4, 3), "a change was applied twice or lost"
    assert (data["email"], data["phone"], data["address"]) == (
        "ana@example.org", "0201 2", "Hauptstr. 1")
    assert _server_person(server, eda.id) == before_eda  # created once, bob's phone kept
    local_ana, local_eda = alice.vault.people.get(ana.id), alice.vault.people.get(eda.id)
    assert (local_ana.email, local_ana.phone, local_ana.address) == (
        "ana@example.org", "0201 2", "Hauptstr. 1")
    assert local_eda.phone == "0201 5"
    assert alice.store.outbox() is None and alice.store.pending_count() == 0
    assert not alice.store.resync_due and alice.store.conflicts() == []
    bob.sync()
    assert bob.vault.people.get(ana.id).address == "Hauptstr. 1"
