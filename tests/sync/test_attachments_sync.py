"""Attachments travel as their own record kind (issue 16, item 8): a file stored on one device is
on the second device after a sync, byte for byte; its removal and its case's purge reach the
second device and the server; an over-size file is refused by the server with a reason. On
SQLite and PostgreSQL, over a real server on 127.0.0.1."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy import text

from kimdesk.domain.attachment_bytes import encode
from kimdesk.domain.models import Consultation, Person
from kimdesk.sync.store import PushCursor
from kimdesk.vault.purge import PurgeOrder, purge_cases


def _case_with_consultation(vault: Any) -> tuple[str, str]:
    person = vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    case = vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    consultation = vault.consultations.add(Consultation(case_id=case.id, date=date(2026, 2, 3)))
    return case.id, consultation.id


def _server_count(server: Any, kind: str, rid: str) -> int:
    engine = server.service.engine
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM records WHERE kind = :k AND id = :i"),
                         {"k": kind, "i": rid}).scalar()
        h = conn.execute(text("SELECT count(*) FROM record_history WHERE id = :i"),
                         {"i": rid}).scalar()
    return int(n or 0) + int(h or 0)


def test_attachment_syncs_is_removed_and_purged_on_both_devices(server: Any,
                                                                make_device: Any) -> None:
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    case_id, cid = _case_with_consultation(a.vault)
    photo = os.urandom(3 * 1024 * 1024 + 17)  # larger than one push batch's bound (4 MiB b64)
    letter = b"%PDF-1.4 Bescheid"
    pid = a.vault.attachments.store(case_id=case_id, consultation_id=cid, question="pic",
                                    file_name="pass.jpg", media_type="image/jpeg",
                                    content=photo).id
    lid = a.vault.attachments.store(case_id=case_id, consultation_id=cid, question="doc",
                                    file_name="bescheid.pdf", media_type="application/pdf",
                                    content=letter).id
    a.sync()
    b.sync()
    infos = {i.id: i for i in b.vault.attachments.for_consultation(cid)}
    assert set(infos) == {pid, lid}
    assert b.vault.attachments.content(pid) == photo
    assert infos[pid].sha256 == hashlib.sha256(photo).hexdigest()
    assert b.vault.attachments.content(lid) == letter
    assert b.vault.conn.execute("SELECT typeof(content) FROM attachments WHERE id = ?",
                                (pid,)).fetchone()[0] == "blob"
    assert not a.store.tables.records.pending_count()

    # removed on bob's device: gone (bytes too) on alice's after a sync
    b.vault.attachments.remove(lid)
    b.sync()
    a.sync()
    assert [i.id for i in a.vault.attachments.for_consultation(cid)] == [pid]
    assert a.vault.attachments.get(lid, include_deleted=True).content == ""
    with server.service.engine.connect() as conn:  # the server keeps no old copy either
        texts = [r[0] for r in conn.execute(text(
            "SELECT data FROM records WHERE id = :i UNION ALL"
            " SELECT data FROM record_history WHERE id = :i"), {"i": lid})]
    # the current version (a tombstone) and the superseded one, its file scrubbed
    assert len(texts) == 2 and not any(base64.b64encode(letter).decode() in t for t in texts)

    # the case purged on alice's device: bob's copy and the server's go too
    purge_cases(a.vault, [case_id], PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="anna"))
    a.sync()
    b.sync()
    assert b.vault.conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
    assert _server_count(server, "attachments", pid) == 0


def test_over_size_attachment_is_refused_by_the_server(server: Any, make_device: Any) -> None:
    a = make_device(server, "alice")
    case_id, cid = _case_with_consultation(a.vault)
    a.sync()
    big = b"\0" * (10 * 1024 * 1024 + 1)
    change = {"kind": "attachments", "id": str(uuid.uuid4()), "base_rev": 0, "changed": {
        "case_id": case_id, "consultation_id": cid, "question": "pic", "file_name": "big.bin",
        "media_type": "application/octet-stream", "size": 12, "sha256": "0" * 64,
        "content": base64.b64encode(big).decode()}}
    body = gzip.compress(json.dumps({"batch_id": uuid.uuid4().hex, "batch_seq": 99,
                                     "changes": [change]}).encode())
    token = a.store.get("token")
    r = httpx.post(server.url + "/v1/push", content=body, timeout=120,
                   headers={"Authorization": f"Bearer {token}", "Content-Encoding": "gzip"})
    if r.status_code == 409:  # the batch number the server expects
        expected = r.json()["expected"]
        body = gzip.compress(json.dumps({"batch_id": uuid.uuid4().hex, "batch_seq": expected,
                                         "changes": [change]}).encode())
        r = httpx.post(server.url + "/v1/push", content=body, timeout=120,
                       headers={"Authorization": f"Bearer {token}",
                                "Content-Encoding": "gzip"})
    assert r.status_code == 200, r.text
    [result] = r.json()["results"]
    assert result["status"] == "rejected"
    assert "attachment too large (10485761 bytes; at most 10485760 bytes" in result["reason"]


def test_pull_pages_stop_before_the_attachment_that_overflows_them(
        sqlite_server: Any, make_device: Any, monkeypatch: Any) -> None:
    """A page holds attachments up to ``PULL_PAGE_BYTES`` (lowered here): three files of
    60 kB under a 100 kB bound come in three pages, none lost."""
    from kimdesk.server import pull

    monkeypatch.setattr(pull, "PULL_PAGE_BYTES", 100_000)
    a = make_device(sqlite_server, "alice")
    b = make_device(sqlite_server, "bob")
    case_id, cid = _case_with_consultation(a.vault)
    files = [os.urandom(60_000) for _ in range(3)]
    ids = [a.vault.attachments.store(case_id=case_id, consultation_id=cid, question="doc",
                                     file_name=f"f{n}.bin", media_type="", content=f).id
           for n, f in enumerate(files)]
    a.sync()
    report = b.sync()
    assert report.pages >= 3
    assert [b.vault.attachments.content(i) for i in ids] == files


def test_a_resent_batch_whose_receipt_lost_the_file_is_applied(server: Any,
                                                               make_device: Any) -> None:
    """A stored receipt whose file was emptied (the attachment was removed since) still answers
    a resend of its batch (a lost response; a restored vault). Its merged result was the
    attachment as it was then, not removed, with ``content`` "": size and sha256 named a file,
    the device could not apply it, the batch stayed in the outbox and every sync failed on it
    (found by a review). The result is now the tombstone the attachment is."""
    from kimdesk.sync.engine import Transport
    from kimdesk.sync.errors import SyncError
    from kimdesk.sync.store import PushCursor

    alice = make_device(server, "alice")
    bob = make_device(server, "bob")
    case_id, cid = _case_with_consultation(alice.vault)
    aid = alice.vault.attachments.store(case_id=case_id, consultation_id=cid, question="doc",
                                        file_name="bescheid.pdf", media_type="application/pdf",
                                        content=b"%PDF-1.4 Bescheid").id
    alice.sync()
    bob.sync()
    # bob renames the file; alice, not pulled yet, changes the question: merged on the server,
    # so her receipt carries the record with its file
    rec = bob.vault.attachments.get(aid)
    bob.vault.attachments.update(rec.model_copy(update={"file_name": "b.pdf"}))
    bob.sync()
    rec = alice.vault.attachments.get(aid)
    alice.vault.attachments.update(rec.model_copy(update={"question": "letter"}))
    batch = alice.store.build_batch(PushCursor())
    assert batch is not None
    transport = Transport(server.url, alice.store.get("token"))
    first = transport.push(batch.body, batch.gz)  # committed; the response is lost
    transport.close()
    assert [r.status for r in first.results] == ["merged"]
    assert first.results[0].data is not None and first.results[0].data["content"]

    bob.sync()
    bob.vault.attachments.remove(aid)  # alice's stored receipt has its file emptied
    bob.sync()

    failures = 0
    for _ in range(3):  # alice comes back: the batch is resent, answered from the receipt
        try:
            alice.sync()
        except SyncError:
            failures += 1
    assert failures == 0 and alice.store.outbox() is None
    tomb = alice.vault.attachments.get(aid, include_deleted=True)
    assert tomb.deleted and tomb.content == ""


def _replace(device: Any, aid: str, data: bytes) -> None:
    rec = device.vault.attachments.get(aid)
    device.vault.attachments.update(rec.model_copy(update={
        "content": encode(data), "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest()}))


def _status(device: Any, aid: str) -> list[str]:
    return [r[0] for r in device.vault.conn.execute(
        "SELECT status FROM sync_conflicts WHERE record_id = ? AND field = 'content'", (aid,))]


def test_the_removing_device_learns_that_its_removal_closed_the_conflict(
        server: Any, make_device: Any) -> None:
    """Alice and Bob replace the same file at once (a conflict on content, on both devices);
    Alice then removes the attachment. Her push closes the conflict with a change number of her
    batch, which her device counts as its own and does not pull (kimdesk/sync/ownnumbers.py):
    the closing never reached her vault, and the conflict stayed open there for good (found by
    a review). The receipt carries it now."""
    alice, bob = make_device(server, "alice"), make_device(server, "bob")
    case_id, cid = _case_with_consultation(alice.vault)
    aid = alice.vault.attachments.store(case_id=case_id, consultation_id=cid, question="doc",
                                        file_name="a.pdf", media_type="application/pdf",
                                        content=os.urandom(200)).id
    alice.sync()
    bob.sync()
    _replace(alice, aid, os.urandom(200))
    _replace(bob, aid, os.urandom(200))
    alice.sync()
    bob.sync()  # bob's push: a conflict on content
    alice.sync()  # alice pulls it
    assert _status(alice, aid) == ["open"] and _status(bob, aid) == ["open"]

    alice.vault.attachments.remove(aid)
    report = alice.sync()
    bob.sync()
    assert _status(bob, aid) == ["resolved"]  # bob pulls the closing
    assert _status(alice, aid) == ["resolved"], report


def test_a_removed_attachment_leaves_no_file_in_the_merge_base(sqlite_server: Any,
                                                               make_device: Any) -> None:
    """The counselor removes a synced attachment while offline. The ``attachments_keep_base``
    trigger (UPDATE OF pending, 0 -> 1) copies the old row, file included (kd_base64), into
    ``sync_base``, where it stayed until the server acknowledged the removal (days, for an
    offline device; found by a review). The push still sends the empty content, and the server
    keeps no file."""
    from pathlib import Path

    from tests.vault.pages import plaintext

    alice = make_device(sqlite_server, "alice")
    case_id, cid = _case_with_consultation(alice.vault)
    marker = b"REMOVED-FILE-" + os.urandom(8).hex().encode()
    data = os.urandom(3000) + marker
    aid = alice.vault.attachments.store(case_id=case_id, consultation_id=cid, question="doc",
                                        file_name="a.pdf", media_type="application/pdf",
                                        content=data).id
    alice.sync()
    alice.vault.attachments.remove(aid)  # offline: not pushed yet
    assert alice.vault.attachments.get(aid, include_deleted=True).content == ""
    (base,) = alice.vault.conn.execute(
        "SELECT data FROM sync_base WHERE kind = 'attachments' AND id = ?", (aid,)).fetchone()
    assert encode(data)[:200] not in (base or ""), "the removed file is in sync_base"
    alice.vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert encode(data)[100:300].encode() not in plaintext(Path(alice.vault.path),
                                                           alice.vault._key)
    prepared = alice.store.prepare_batch(PushCursor())  # what the push will send
    assert prepared is not None
    [change] = prepared.batch.request.changes
    assert change.changed.get("content") == "" and change.changed.get("deleted") is True
    alice.sync()
    with sqlite_server.service.engine.connect() as conn:
        texts = [r[0] for r in conn.execute(text(
            "SELECT data FROM records WHERE id = :i UNION ALL"
            " SELECT data FROM record_history WHERE id = :i"), {"i": aid})]
    assert texts and not any(encode(data)[:200] in t for t in texts)


def test_pull_pages_stop_at_their_bytes_without_attachments_too(
        sqlite_server: Any, make_device: Any, monkeypatch: Any) -> None:
    """Only attachments counted towards a page's bytes: 5,000 long notes made one page of up to
    320 MiB, more than a device reads (64 MiB as it arrives), and the team's devices could not
    pull it ever again. Lowered here: 30 notes of ~8 kB under a 50 kB bound come in several
    pages, none lost."""
    from kimdesk.domain.models import Note
    from kimdesk.server import pull

    monkeypatch.setattr(pull, "PULL_PAGE_BYTES", 50_000)
    a = make_device(sqlite_server, "alice")
    b = make_device(sqlite_server, "bob")
    case_id, _cid = _case_with_consultation(a.vault)
    texts = [(f"{n} " + "Termin beim Jobcenter, Unterlagen nachreichen. " * 170).strip()
             for n in range(30)]
    ids = [a.vault.notes.add(Note(case_id=case_id, text=t)).id for t in texts]
    a.sync()
    report = b.sync()
    assert report.pages >= 5, report
    assert [b.vault.notes.get(i).text for i in ids] == texts
