"""Parked records hold personal data no screen shows (a review): a note pulled before its case
waits in ``sync_parked``, as the server sent it. They are the person's like any record: in the
Auskunft, gone with a purge of their case or person (also when the case itself is parked), and
dropped and counted once a full sync shows their parent is on neither side, instead of waiting
for good (``kimdesk/vault/sync/parked.py``). Real SQLCipher vaults; deletion is proven as the
purge tests prove it, by reading every decrypted page of the file with the key."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kimdesk.domain.models import Case, Note, Person, Record
from kimdesk.server import plausibility
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.protocol import PullPage, RemoteRecord
from kimdesk.sync.store import SyncStore
from kimdesk.vault.purge import PurgeOrder, purge_person
from kimdesk.vault.subject_access import collect
from kimdesk.vault.sync.parked import PARENT_OF, summary
from tests.sync.helpers import Device, pushed
from tests.vault.pages import plaintext

MARKER = "Kranichfeld-Geheimnotiz"
ORDER = PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="anna", reason="subject_request")


def _remote(record: Record, **extra: Any) -> RemoteRecord:
    """``record`` as a server sends it; ``extra`` fields make it one this version cannot read
    (a newer client's field), so it is parked whether its parent is here or not."""
    data = record.model_dump(mode="json", exclude={"revision", "pending"}) | extra
    return RemoteRecord(kind=record.KIND, id=record.id, rev=1, seq=1, deleted=False, data=data)


def _receive(vault: Any, *records: RemoteRecord) -> None:
    store = SyncStore(vault)
    store.apply_page(PullPage(records=list(records), next_cursor=store.cursor + 1, more=False))


def _decrypted(vault: Any) -> bytes:
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return plaintext(Path(vault.path), vault._key)


def _parked(vault: Any) -> set[str]:
    return {r[0] for r in vault.conn.execute("SELECT id FROM sync_parked")}


def _hers(vault: Any) -> tuple[Person, Note, Note]:
    """A person with a case here, a case of hers from a newer app version (parked: a field this
    version does not know), a note on that case (parked: its case is not here), and somebody
    else's note parked too: (the person, her parked note, the other note)."""
    person = vault.people.add(Person(given_name="Olena", family_name="Kranich"))
    vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    # a case of hers from a newer app version (parked: a field this version does not know),
    # and a note on that case (parked: its case is not here)
    later = Case(case_number="2026-P-9", person_id=person.id, owner="bob",
                 opened_on=date(2026, 2, 1))
    note = Note(case_id=later.id, text=f"{MARKER} Termin beim Amt")
    stranger = Note(case_id=str(uuid.uuid4()), text="Fremde Notiz Wiesengrund")
    _receive(vault, _remote(later, kommt_spaeter=1), _remote(note), _remote(stranger))
    assert _parked(vault) == {later.id, note.id, stranger.id}
    return person, note, stranger


def test_parked_records_are_in_the_auskunft(make_vault: Any) -> None:
    vault = make_vault()
    person, note, _stranger = _hers(vault)
    later = note.case_id
    auskunft = collect(vault, person.id)
    assert {(p["kind"], p["id"]) for p in auskunft["parked"]} == {
        ("cases", later), ("notes", note.id)}
    assert any(p["data"].get("text", "").startswith(MARKER) for p in auskunft["parked"])


def test_parked_records_go_with_the_purge_of_their_person(make_vault: Any) -> None:
    vault = make_vault()
    person, _note, stranger = _hers(vault)
    assert MARKER.encode() in _decrypted(vault)  # the scan finds it while it is there
    purge_person(vault, person.id, ORDER)
    # before: the parked case went (it names the person), the note parked under it stayed
    assert _parked(vault) == {stranger.id}
    assert MARKER.encode() not in _decrypted(vault)


def test_a_parked_record_whose_parent_is_on_neither_side_is_dropped_and_counted(
        make_vault: Any) -> None:
    vault = make_vault()
    person = vault.people.add(Person(given_name="Olena", family_name="Kranich"))
    case = vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    newer = Note(case_id=case.id, text="aus einer neueren Version")  # its case is here
    parked_case = Case(case_number="2026-P-8", person_id=person.id, owner="bob",
                       opened_on=date(2026, 2, 1))
    under_it = Note(case_id=parked_case.id, text="wartet auf den Fall")  # its case is parked
    orphan = Note(case_id=str(uuid.uuid4()), text=MARKER)
    orphan_case = Case(case_number="2026-P-7", person_id=str(uuid.uuid4()), owner="bob",
                       opened_on=date(2026, 2, 1))
    under_orphan = Note(case_id=orphan_case.id, text=MARKER + " zwei")
    _receive(vault, _remote(newer, kommt_spaeter=1), _remote(parked_case, kommt_spaeter=1),
             _remote(under_it), _remote(orphan), _remote(orphan_case), _remote(under_orphan))
    assert len(_parked(vault)) == 6
    waiting, dropped = summary(vault)
    assert waiting[("notes", "parent missing")] == 3 and dropped == 0, waiting

    store = SyncStore(vault)
    assert store.drop_orphans() == 3
    # what waits for an update, or for a parent that waits for one, stays
    assert _parked(vault) == {newer.id, parked_case.id, under_it.id}
    assert summary(vault)[1] == 3
    assert MARKER.encode() not in _decrypted(vault)
    assert store.drop_orphans() == 0


def test_parent_of_follows_the_schemas_foreign_keys(make_vault: Any) -> None:
    """The kinds and fields the drop looks at are the vault's foreign keys, as a new vault has
    them after every schema step (and the server refuses the same: ``plausibility.PARENTS``)."""
    vault = make_vault()
    tables = [r[0] for r in vault.conn.execute("SELECT name FROM sqlite_master"
                                                " WHERE type = 'table'")]
    found = {table: (str(fk[3]), str(fk[2])) for table in tables
             for fk in vault.conn.execute(f"PRAGMA foreign_key_list({table})")}
    assert found == PARENT_OF == plausibility.PARENTS


def test_an_orphan_an_older_server_took_is_dropped_on_every_device(
        server: EmbeddedServer, make_device: Callable[..., Device],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A server from before the refusal stored a note for a case it never had. Before, every
    device pulled it and kept it parked for good (and, its count never matching the server's,
    pulled the whole team again in every run). Now it is dropped, counted, in the run that
    pulled it: a parked record waiting for a parent on neither side makes the full check due
    at once, and that check agrees (what the device holds back counts,
    tests/sync/test_held_back_count.py): no full resync of the team any more."""
    alice = make_device(server, "alice")
    bob = make_device(server, "bob")
    with monkeypatch.context() as old_server:
        old_server.setattr(plausibility, "parent_problem", lambda *_: None, raising=False)
        orphan = Note(case_id=str(uuid.uuid4()), text=MARKER)
        change = {"kind": "notes", "id": orphan.id, "base_rev": 0,
                  "changed": {"case_id": orphan.case_id, "text": MARKER}}
        assert [r["status"] for r in pushed(server, alice, [change])] == ["applied"]
    report = bob.sync()
    assert not report.resynced and bob.store.parked_count() == 0
    assert report.dropped == 1 and summary(bob.vault)[1] == 1
    assert MARKER.encode() not in _decrypted(bob.vault)


def test_kimdesk_check_says_what_waits_and_what_was_dropped(make_vault: Any) -> None:
    """Kinds, counts and reasons only: the parked note's words are not printed."""
    from tests.conftest import PASSPHRASE
    from tests.test_cli import run

    vault = make_vault()
    person = vault.people.add(Person(given_name="Olena", family_name="Kranich"))
    case = vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    _receive(vault, _remote(Note(case_id=str(uuid.uuid4()), text=MARKER)),
             _remote(Note(case_id=case.id, text=MARKER), kommt_spaeter=1))
    assert SyncStore(vault).drop_orphans() == 1
    _receive(vault, _remote(Note(case_id=str(uuid.uuid4()), text=MARKER + " neu")))
    path = vault.path
    vault.close()
    res = run("check", "--vault", str(path), passphrase=PASSPHRASE)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert "Held back from sync: 1 received records (notes) that no screen shows yet:" \
           " parent missing" in lines, lines
    assert any(line.startswith("Held back from sync: 1 received records (notes) that no"
                               " screen shows yet: 1 validation error") for line in lines)
    assert any(line.startswith("Dropped after a full sync: 1 received records") for line in lines)
    assert MARKER not in res.stdout
