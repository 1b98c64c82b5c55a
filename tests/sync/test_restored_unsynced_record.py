"""A vault restored from a backup taken before a record's first push: the record is pending on
the device with no merge base, so it travels with ``base_rev`` 0 and every field, in a batch the
server renumbers (``out_of_order``: the device's numbering went back with the backup). The
server holds the record already (the laptop pushed it after the backup, before the disk died),
and a colleague changed it since.

Before 2026-12-07 the server merged such a change with no base, which took every field the
device sent: the colleague's values were replaced by the backup's, silently (no conflict, status
``merged``), and a record the colleague had deleted came back. Now a change with ``base_rev`` 0
for a record this device created is merged three ways against the record's first revision, its
creation (docs/sync-protocol.md, "A change with no base for a record the server holds"). Over
HTTP, on both backends."""

from __future__ import annotations

import json

from sqlalchemy import text

from kimdesk.domain.models import Person
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.store import PushCursor, SyncStore
from kimdesk.vault import Vault
from tests.conftest import PASSPHRASE
from tests.sync.helpers import backup_copy, pushed


def _server_person(srv, pid):
    with srv.app.state.engine.connect() as conn:
        rev, deleted, data = conn.execute(text(
            "SELECT rev, deleted, data FROM records WHERE kind = 'persons' AND id = :i"),
            {"i": pid}).one()
    return int(rev), bool(deleted), json.loads(data)


def _server_conflicts(srv):
    with srv.app.state.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT record_id, field, base, theirs, mine FROM conflicts ORDER BY field")).all()
    return [(r[0], r[1], json.loads(r[2]), json.loads(r[3]), json.loads(r[4])) for r in rows]



def _restored_before_first_push(server, make_device, tmp_path):
    """alice adds Ana, Ben, Cem and Dan; the nightly backup copies the vault (all four
    pending, never pushed). Her laptop syncs them the next morning (revision 1 of each) and
    syncs on; bob changes Ana's phone and Ben's email and deletes Cem (Dan stays at revision
    1). The restored vault (closed), and the ids."""
    bob = make_device(server, "bob")
    path = tmp_path / "alice-own.kdb"
    vault = Vault.create(path, PASSPHRASE, counselor="alice", team="Team Nord")
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"), device_name="alice")
    ana = vault.people.add(Person(given_name="Ana", family_name="Lopes", phone="0201 1"))
    ben = vault.people.add(Person(given_name="Ben", family_name="Okoye", phone="0201 3"))
    cem = vault.people.add(Person(given_name="Cem", family_name="Aydin"))
    dan = vault.people.add(Person(given_name="Dan", family_name="Weiss"))
    vault.close()
    backup = tmp_path / "alice-backup.kdb"
    backup_copy(path, backup)

    vault = Vault.open(path, PASSPHRASE)
    alice = SyncEngine(vault)
    alice.sync()
    for n in range(3):
        vault.people.add(Person(given_name="Kim", family_name="Other" + "abc"[n]))
        alice.sync()
    alice.close()
    vault.close()
    bob.sync()
    bob.vault.people.update(bob.vault.people.get(ana.id).model_copy(update={"phone": "0201 2"}))
    bob.vault.people.update(bob.vault.people.get(ben.id).model_copy(
        update={"email": "ben@example.org"}))
    bob.vault.people.delete(cem.id)
    bob.sync()
    assert _server_person(server, ana.id)[0] == 2
    return backup, ana.id, ben.id, cem.id, dan.id


def test_a_colleague_s_edit_is_kept_where_the_restored_vault_changed_another_field(
        server, make_device, tmp_path):
    """After the restore alice changes Ana's and Dan's address. Bob's phone number, Ben's
    email and Cem's deletion stay; both addresses are taken (Dan's merged against his
    revision 1, the current one); no conflict."""
    backup, ana, ben, cem, dan = _restored_before_first_push(server, make_device, tmp_path)
    restored = Vault.open(backup, PASSPHRASE)
    try:
        for pid in (ana, dan):
            restored.people.update(restored.people.get(pid).model_copy(
                update={"address": "Hauptstr. 1"}))
        engine = SyncEngine(restored)
        report = engine.sync()
        engine.close()
        assert report.results.get("rejected", 0) == 0
        rev, _deleted, data = _server_person(server, ana)
        assert data["phone"] == "0201 2", "bob's phone number was silently overwritten"
        assert (rev, data["address"]) == (3, "Hauptstr. 1")
        assert _server_person(server, ben)[2]["email"] == "ben@example.org", \
            "bob's email was silently overwritten"
        assert _server_person(server, cem)[1], "the person bob deleted came back"
        rev, _deleted, data = _server_person(server, dan)
        assert (rev, data["address"]) == (2, "Hauptstr. 1")
        assert _server_conflicts(server) == []
        local = restored.people.get(ana)
        assert (local.phone, local.address) == ("0201 2", "Hauptstr. 1")
        assert restored.people.get(ben).email == "ben@example.org"
        assert restored.people.get(cem, include_deleted=True).deleted
        store = SyncStore(restored)
        assert store.pending_count() == 0 and store.conflicts() == []
    finally:
        restored.close()


def test_the_same_field_changed_on_both_sides_is_a_conflict_not_a_silent_win(
        server, make_device, tmp_path):
    """After the restore alice changes Ana's phone number too: a conflict (base: the number of
    revision 1, theirs: bob's, mine: hers); the server keeps bob's until the counselor
    decides, and her device shows the conflict."""
    backup, ana, _ben, _cem, _dan = _restored_before_first_push(server, make_device, tmp_path)
    restored = Vault.open(backup, PASSPHRASE)
    try:
        restored.people.update(restored.people.get(ana).model_copy(update={"phone": "0201 9"}))
        engine = SyncEngine(restored)
        engine.sync()
        engine.close()
        assert _server_person(server, ana)[2]["phone"] == "0201 2"
        assert _server_conflicts(server) == [(ana, "phone", "0201 1", "0201 2", "0201 9")]
        assert [(c.record_id, c.field) for c in SyncStore(restored).conflicts()] == [
            (ana, "phone")]
    finally:
        restored.close()


def test_a_new_record_and_a_resent_batch_are_unchanged(server, make_device):
    """The usual ``base_rev`` 0, a record the server does not hold, applies as sent; the same
    batch sent again is answered from its receipt, with no new revision."""
    alice = make_device(server, "alice")
    person = alice.vault.people.add(Person(given_name="Ana", family_name="Lopes"))
    batch = alice.store.build_batch(PushCursor())
    assert batch is not None and batch.request.changes[0].base_rev == 0
    first = alice.engine.transport.push(batch.body, batch.gz)
    again = alice.engine.transport.push(batch.body, batch.gz)
    assert [(r.status, r.rev, r.same) for r in first.results] == [("applied", 1, True)]
    assert again.model_dump() == first.model_dump()
    assert _server_person(server, person.id)[0] == 1


def test_no_base_for_another_device_s_record_counts_as_an_unknown_base(server, make_device):
    """A change with ``base_rev`` 0 of a record another device created (this device never
    wrote or saw a version of it): every field it sends that differs from the server's is a
    conflict with base null, as when the history no longer holds a base."""
    alice, bob = make_device(server, "alice"), make_device(server, "bob")
    person = bob.vault.people.add(Person(given_name="Ana", family_name="Lopes", phone="0201 1"))
    bob.sync()
    results = pushed(server, alice, [{
        "kind": "persons", "id": person.id, "base_rev": 0,
        "changed": {"given_name": "Ana", "family_name": "Lopes", "phone": "0201 9"}}])
    assert [r["status"] for r in results] == ["conflict"]
    assert _server_person(server, person.id)[2]["phone"] == "0201 1"
    assert _server_conflicts(server) == [(person.id, "phone", None, "0201 1", "0201 9")]
