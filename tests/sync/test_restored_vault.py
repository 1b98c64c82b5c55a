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

import pytest
from sqlalchemy import text

from kimdesk.domain.models import Person
from kimdesk.sync.engine import SyncEngine, Transport, enroll
from kimdesk.sync.store import PushCursor, SyncStore
from kimdesk.vault import Vault
from tests.conftest import PASSPHRASE
from tests.sync.helpers import backup_copy


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


def _emptied(srv) -> int:
    """Every stored receipt made older than the server keeps them, and the daily run's
    retention applied: how many it emptied."""
    from datetime import UTC, date, datetime, timedelta

    from kimdesk.server.retention import apply

    old = (datetime.now(UTC) - timedelta(days=31)).isoformat().replace("+00:00", "Z")
    with srv.app.state.engine.begin() as conn:
        conn.execute(text("UPDATE batches SET created_at = :t"), {"t": old})
    return apply(srv.app.state.engine, date.today()).receipts_emptied



def _restored_with_an_applied_batch(server, make_device, tmp_path):
    """alice's batch 1 (persons Ana and Ben, new) is applied, its answer lost; she edits Ana's
    email, and the nightly backup copies the vault (batch 1 in the outbox, the email pending).
    Her laptop syncs on for weeks (batch 1 answered from its receipt, the email in batch 2, six
    more batches); bob corrects both phone numbers; the server empties the receipts. The
    restored vault (closed), and the ids of Ana and Ben."""
    bob = make_device(server, "bob")
    path = tmp_path / "alice-own.kdb"
    vault = Vault.create(path, PASSPHRASE, counselor="alice", team="Team Nord")
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"), device_name="alice")
    ana = vault.people.add(Person(given_name="Ana", family_name="Lopes", phone="0201 1"))
    ben = vault.people.add(Person(given_name="Ben", family_name="Okoye", phone="0201 3"))
    store = SyncStore(vault)
    batch = store.build_batch(PushCursor())
    assert batch is not None
    transport = Transport(server.url, store.get("token"))
    transport.push(batch.body, batch.gz)  # the server committed batch 1; the response is lost
    transport.close()
    vault.people.update(vault.people.get(ana.id).model_copy(update={"email": "ana@example.org"}))
    vault.close()
    backup = tmp_path / "alice-backup.kdb"
    backup_copy(path, backup)

    vault = Vault.open(path, PASSPHRASE)
    alice = SyncEngine(vault)
    alice.sync()
    assert alice.store.outbox() is None and alice.store.pending_count() == 0
    for n in range(6):
        vault.people.add(Person(given_name="Kim", family_name="Other" + "abcdefgh"[n]))
        alice.sync()
    alice.close()
    vault.close()
    bob.sync()
    for pid, phone in ((ana.id, "0201 2"), (ben.id, "0201 4")):
        bob.vault.people.update(bob.vault.people.get(pid).model_copy(update={"phone": phone}))
    bob.sync()
    assert _emptied(server) == 9  # alice's 8 batches, bob's one
    return backup, ana.id, ben.id


def test_an_expired_batch_is_dropped_and_nothing_is_applied_twice_or_lost(
        server, make_device, tmp_path):
    backup, ana, ben = _restored_with_an_applied_batch(server, make_device, tmp_path)
    before = {pid: _server_person(server, pid) for pid in (ana, ben)}
    assert before[ana][0] == 3 and before[ana][1]["email"] == "ana@example.org"
    assert before[ben][0] == 2

    restored = Vault.open(backup, PASSPHRASE)
    try:
        # after the restore, before its first sync, alice edits Ana's address and adds a client
        restored.people.update(restored.people.get(ana).model_copy(
            update={"address": "Hauptstr. 1"}))
        new = restored.people.add(Person(given_name="Eda", family_name="Yilmaz"))
        engine = SyncEngine(restored)
        report = engine.sync()
        engine.close()
        assert report.resynced
        # Ben: batch 1's creation not applied again, bob's phone kept, the vault holds it too
        assert _server_person(server, ben) == before[ben]
        assert restored.people.get(ben).phone == "0201 4"
        # Ana: one new revision, her address only; bob's phone and the email kept
        rev, data, history = _server_person(server, ana)
        assert (rev, history) == (4, 3), "batch 1 was applied a second time"
        assert (data["phone"], data["email"], data["address"]) == (
            "0201 2", "ana@example.org", "Hauptstr. 1")
        local = restored.people.get(ana)
        assert (local.phone, local.email, local.address) == (
            "0201 2", "ana@example.org", "Hauptstr. 1")
        assert _server_person(server, new.id)[0] == 1  # the new client reached the server
        store = SyncStore(restored)
        assert store.outbox() is None and store.pending_count() == 0
        assert not store.resync_due and store.conflicts() == []
        with server.app.state.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM conflicts")).scalar() == 0
    finally:
        restored.close()


def test_an_older_app_keeps_the_expired_batch_and_applies_nothing(
        server, make_device, tmp_path, monkeypatch):
    """An app of before this error (``batch_expired`` unknown to it) meets a 409 it does not
    know: a refusal with the server's words, the run ends, the batch stays in its outbox and
    its changes on the device, and nothing is applied on the server, run after run, until the
    app is updated."""
    from kimdesk.sync.errors import BatchExpired, ServerRefused
    from kimdesk.sync.transport import Transport as Current

    backup, ana, ben = _restored_with_an_applied_batch(server, make_device, tmp_path)
    before = {pid: _server_person(server, pid) for pid in (ana, ben)}
    answer = Current._raise

    def older(response):  # what the earlier _raise did with a 409 it did not know
        try:
            answer(response)
        except BatchExpired:
            body = response.json()
            raise ServerRefused(
                "The sync server refused a request of this device. Your changes stay on this "
                "device. If syncing again does not help, tell your administrator. For the "
                "administrator: {detail}",
                detail=f"{response.status_code} {body['error']} {body['detail']}") from None

    monkeypatch.setattr(Current, "_raise", staticmethod(older))
    restored = Vault.open(backup, PASSPHRASE)
    try:
        engine = SyncEngine(restored)
        for _run in range(2):
            with pytest.raises(ServerRefused) as refused:
                engine.sync()
            assert "409 batch_expired" in refused.value.translated()
            assert not refused.value.retry
            assert engine.store.outbox() is not None and engine.store.pending_count() == 2
        engine.close()
        assert {pid: _server_person(server, pid) for pid in (ana, ben)} == before
    finally:
        restored.close()


def test_an_edit_before_the_owed_resync_is_merged_not_forced(server, make_device, tmp_path):
    """The run that dropped the expired batch ends before its full pull (the network went): the
    resync stays owed. Ben, whom the batch created and who was not edited since, gets a new phone
    number on the device meanwhile; bob had changed it on the server. The next run merges the
    edit against the batch's version (revision 1): a conflict, bob's number kept until the
    counselor decides, not overwritten; then the owed pull runs."""
    from kimdesk.sync.errors import Offline

    backup, _ana, ben = _restored_with_an_applied_batch(server, make_device, tmp_path)
    restored = Vault.open(backup, PASSPHRASE)
    try:
        store = SyncStore(restored)
        transport = Transport(server.url, store.get("token"))
        pull = transport.pull
        calls: list[int] = []

        def offline_once(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise Offline("The sync server cannot be reached: {reason}", reason="test")
            return pull(*args, **kwargs)

        transport.pull = offline_once  # type: ignore[method-assign]
        engine = SyncEngine(restored, transport=transport)
        with pytest.raises(Offline):
            engine.sync()
        assert engine.store.outbox() is None and engine.store.resync_due
        restored.people.update(restored.people.get(ben).model_copy(update={"phone": "0201 9"}))
        report = engine.sync()
        engine.close()
        assert report.resynced and not engine.store.resync_due
        _rev, data, _history = _server_person(server, ben)
        assert data["phone"] == "0201 4", "bob's number was overwritten"
        with server.app.state.engine.connect() as conn:
            mine = conn.execute(text("SELECT mine FROM conflicts WHERE record_id = :i"),
                                {"i": ben}).scalars().all()
        assert mine == ['"0201 9"']
        assert [c.record_id for c in engine.store.conflicts()] == [ben]
    finally:
        restored.close()


def test_a_change_the_server_refused_then_does_not_stay_on_the_device_unseen(
        server, make_device):
    """The expired batch held a change the server refused (a birth date before 1900, which the
    app's forms do not offer); its reason was in the emptied receipt. The device cannot tell,
    marks the record clean, and the full pull writes the server's version over it although the
    revision is the one it knows. Left as it was (the pull skipped a revision it knew), the
    refused date stayed on this device alone, clean, every check agreeing (same revision), and
    reading the person failed on its birth year."""
    from datetime import date

    alice = make_device(server, "alice")
    person = alice.vault.people.add(Person(given_name="Ana", family_name="Lopes"))
    alice.sync()
    alice.vault.people.update(alice.vault.people.get(person.id).model_copy(
        update={"birth_date": date(1850, 3, 17)}))
    batch = alice.store.build_batch(PushCursor())
    assert batch is not None
    transport = Transport(server.url, alice.store.get("token"))
    receipt = transport.push(batch.body, batch.gz)  # refused; the answer is lost
    transport.close()
    assert receipt.results[0].status == "rejected"
    assert _emptied(server) == 2
    report = alice.sync()
    assert report.resynced
    assert alice.vault.people.get(person.id).birth_date is None
    assert alice.store.pending_count() == 0 and alice.store.outbox() is None
    rev, data, _history = _server_person(server, person.id)
    assert rev == 1 and data["birth_date"] is None
