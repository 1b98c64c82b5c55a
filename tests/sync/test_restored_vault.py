"""A vault restored from a backup whose outbox still holds a batch the server applied (its
response was lost: the laptop went offline mid-push, and the nightly backup copied the vault
before the next sync), after the device synced on for several batches and a colleague edited
the record. Restored, it resends the batch, which the server must answer from its stored
receipt. Answered ``out_of_order`` instead (as a change that kept only each device's newest
receipts did, found by a review), the engine renumbers it and the server applies it a second
time with its old base: a record the batch created comes with ``base_rev`` 0, and its old values
silently overwrite every later edit. Over HTTP, on both backends."""

from __future__ import annotations

import json
import shutil

from sqlalchemy import text

from kimdesk.domain.models import Person
from kimdesk.sync.engine import SyncEngine, Transport, enroll
from kimdesk.sync.store import PushCursor, SyncStore
from kimdesk.vault import Vault
from tests.conftest import PASSPHRASE


def _server_person(srv, pid):
    with srv.app.state.engine.connect() as conn:
        rev, data = conn.execute(text(
            "SELECT rev, data FROM records WHERE kind = 'persons' AND id = :i"), {"i": pid}).one()
        history = conn.execute(text(
            "SELECT count(*) FROM record_history WHERE id = :i"), {"i": pid}).scalar()
    return int(rev), json.loads(data), int(history)


def test_restored_vault_does_not_apply_an_applied_batch_again(server, make_device, tmp_path):
    bob = make_device(server, "bob")
    path = tmp_path / "alice-own.kdb"
    vault = Vault.create(path, PASSPHRASE, counselor="alice", team="Team Nord")
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"), device_name="alice")
    person = vault.people.add(Person(given_name="Ana", family_name="Lopes", phone="0201 1"))
    store = SyncStore(vault)
    batch = store.build_batch(PushCursor())
    assert batch is not None
    transport = Transport(server.url, store.get("token"))
    transport.push(batch.body, batch.gz)  # the server committed batch 1; the response is lost
    transport.close()
    vault.close()
    backup = tmp_path / "alice-backup.kdb"
    shutil.copy(path, backup)  # the nightly backup: batch 1 still in the outbox
    for suffix in ("-wal", "-shm"):
        if path.with_name(path.name + suffix).exists():
            shutil.copy(path.with_name(path.name + suffix),
                        backup.with_name(backup.name + suffix))

    # alice's laptop syncs on (batch 1 is answered from its receipt), then a few more syncs
    vault = Vault.open(path, PASSPHRASE)
    alice = SyncEngine(vault)
    alice.sync()
    assert alice.store.outbox() is None and alice.store.pending_count() == 0
    for n in range(6):  # more batches than a device ever resends
        vault.people.add(Person(given_name="Kim", family_name="Other" + "abcdefgh"[n]))
        alice.sync()
    # a colleague corrects the phone number, and removes nothing else
    bob.sync()
    p = bob.vault.people.get(person.id)
    bob.vault.people.update(p.model_copy(update={"phone": "0201 2"}))
    bob.sync()
    rev_before, data_before, _ = _server_person(server, person.id)
    assert data_before["phone"] == "0201 2" and rev_before == 2
    alice.close()
    vault.close()

    # alice's disk dies; the vault is restored from the backup and syncs
    restored = Vault.open(backup, PASSPHRASE)
    try:
        engine = SyncEngine(restored)
        engine.sync()
        engine.close()
        rev, data, history = _server_person(server, person.id)
        # the batch the server applied long ago must not be applied again
        assert (rev, history) == (2, 1), "batch 1 was applied a second time"
        assert data["phone"] == "0201 2", "bob's later edit was silently overwritten"
        assert restored.people.get(person.id).phone == "0201 2"
    finally:
        restored.close()
