"""With the current version only in ``records`` and superseded ones moved into ``record_history``
inside the database, the privacy rules still hold in the same push, on both backends: a removed
attachment's file is scrubbed from every superseded version (also those the batch wrote and
superseded itself), a purge leaves no version anywhere (nor in the purging batch's own stored
receipt), and concurrent pushes store every revision once, with its device, batch and time."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from kimdesk.server.app import create_app
from kimdesk.sync.protocol import Change, PushRequest
from tests.sync.helpers import case_changes
from tests.sync.helpers import service_push as _push


@pytest.fixture
def served(db_url: str) -> Iterator[tuple[Any, Any]]:
    """The server's service and engine on ``db_url`` (both backends), disposed afterwards."""
    app = create_app(db_url)
    yield app.state.service, app.state.engine
    app.state.engine.dispose()


def _stored_attachment(service: Any, device: Any, data: bytes) -> tuple[str, str]:
    """A new attachment with the file ``data``, pushed by ``device`` as its batch 1: (case id,
    attachment id)."""
    case, rid = str(uuid.uuid4()), str(uuid.uuid4())
    _push(service, device, 1, [*case_changes(case), _attachment(rid, case, 0, **_file(data))])
    return case, rid


def _device(service: Any) -> Any:
    """A device enrolled in Team Nord."""
    return service.authenticate(service.enroll(service.create_enroll_code("Team Nord")).token)


def _file(data: bytes) -> dict[str, Any]:
    return {"content": base64.b64encode(data).decode(), "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def _attachment(rid: str, case: str, base_rev: int, **changed: Any) -> Change:
    fields = {"case_id": case, "consultation_id": "c1", "question": "q", "file_name": "a.pdf",
              "media_type": "application/pdf"}
    return Change(kind="attachments", id=rid, base_rev=base_rev, changed=fields | changed)


def _all_text(engine: Any, receipts: bool = True) -> str:
    with engine.connect() as conn:
        parts = [str(r[0]) for r in conn.execute(text(
            "SELECT data FROM records UNION ALL SELECT data FROM record_history"
            " UNION ALL SELECT base || theirs || mine FROM conflicts"
            + (" UNION ALL SELECT receipt FROM batches" if receipts else "")))]
    return "\n".join(parts)


def _versions(engine: Any) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return sorted((str(i), int(r)) for i, r in conn.execute(text(
            "SELECT id, rev FROM records UNION ALL SELECT id, rev FROM record_history")))


def test_removed_attachments_leave_no_file_in_any_version(served: Any) -> None:
    service, engine = served
    device = _device(service)
    case = str(uuid.uuid4())
    one, two, three = (os.urandom(50) for _ in range(3))
    stored, fresh = str(uuid.uuid4()), str(uuid.uuid4())
    _push(service, device, 1, [*case_changes(case), _attachment(stored, case, 0, **_file(one))])
    # one batch: the stored attachment gets a new file and is removed; a new attachment is
    # created with a file and removed
    receipt = _push(service, device, 2, [
        _attachment(stored, case, 1, **_file(two)),
        _attachment(stored, case, 2, deleted=True, content=""),
        _attachment(fresh, case, 0, **_file(three)),
        _attachment(fresh, case, 1, deleted=True, content=""),
    ])
    assert [r.status for r in receipt.results] == ["applied"] * 4
    everything = _all_text(engine, receipts=False)  # receipts: see the purge test
    for data in (one, two, three):
        assert base64.b64encode(data).decode() not in everything
    # every version once: stored 1..3, fresh 1..2 (and the case and person, 1)
    assert [v for v in _versions(engine) if v[0] in (stored, fresh)] == sorted(
        [(stored, 1), (stored, 2), (stored, 3), (fresh, 1), (fresh, 2)])


def test_a_removed_attachment_leaves_no_file_in_receipts_or_conflicts(served: Any) -> None:
    """Two devices replace the same attachment's file at once: the second push is a conflict on
    ``content``, so its stored receipt (the record as merged, and the conflict's three values)
    and the ``conflicts`` table hold all three files. Removing the attachment scrubbed only the
    history: the files stayed in ``batches`` and ``conflicts`` for good, and in the removing
    batch's own receipt when an earlier change of it was merged. The conflict stayed open."""
    service, engine = served
    a, b = _device(service), _device(service)
    one, two, three = (os.urandom(60) for _ in range(3))
    case, rid = _stored_attachment(service, a, one)
    _push(service, b, 1, [_attachment(rid, case, 1, **_file(two))])
    request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=2,
                          changes=[_attachment(rid, case, 1, **_file(three))])
    clash = service.push(a, request, "clash")
    assert [r.status for r in clash.results] == ["conflict"]
    everything = _all_text(engine)
    assert all(base64.b64encode(d).decode() in everything for d in (one, two, three))
    # one batch: a rename on a stale base (merged: its result carries the stored file),
    # then the removal
    removed = _push(service, b, 2, [_attachment(rid, case, 2, file_name="b.pdf"),
                                    _attachment(rid, case, 4, deleted=True, content="")])
    assert [r.status for r in removed.results] == ["merged", "applied"]
    assert removed.results[0].data is not None and removed.results[0].data["content"] == ""
    everything = _all_text(engine)  # records, history, conflicts and stored receipts
    for data in (one, two, three):
        assert base64.b64encode(data).decode() not in everything
    # the receipts still answer a resend: same batch, same result, now the tombstone it is
    # (the file's size and checksum would not fit an empty file: the device could not
    # apply the result, and every sync would fail on it)
    again = service.push(a, request, "clash")
    assert again.batch_id == clash.batch_id and [r.status for r in again.results] == [
        "conflict"]
    assert again.results[0].deleted and again.results[0].data is not None
    assert again.results[0].data["content"] == "" and again.results[0].data["deleted"]
    # the conflict on the file is closed, with a change number devices pull
    with engine.connect() as conn:
        status, seq = conn.execute(text(
            "SELECT status, seq FROM conflicts WHERE record_id = :i AND field = 'content'"),
            {"i": rid}).one()
    assert status == "resolved" and seq > clash.results[0].seq


def _setup_case(service: Any, engine: Any) -> tuple[Any, str, str, str, str]:
    device = _device(service)
    person, case, note = (str(uuid.uuid4()) for _ in range(3))
    secret = "Abschiebungsandrohung-" + uuid.uuid4().hex
    _push(service, device, 1, [
        Change(kind="persons", id=person, base_rev=0,
               changed={"given_name": "Ayse", "family_name": secret,
                        "family_name_latin": "Demir"}),
        Change(kind="cases", id=case, base_rev=0, changed={
            "case_number": "K-1", "person_id": person, "owner": "anna",
            "opened_on": "2020-01-01"}),
        Change(kind="notes", id=note, base_rev=0, changed={"case_id": case,
                                                           "text": secret + " 1"}),
    ])
    _push(service, device, 2, [
        Change(kind="notes", id=note, base_rev=1, changed={"text": secret + " 2"}),
        Change(kind="notes", id=note, base_rev=2, changed={"text": secret + " 3"}),
    ])
    return device, person, case, note, secret


def _deletion(rid: str, person: str) -> Change:
    return Change(kind="deletions", id=rid, base_rev=0, changed={
        "target_kind": "persons", "target_id": person, "deleted_on": "2026-01-01",
        "legal_basis": "Art. 17 DSGVO", "ordered_by": "anna", "reason": "subject_request"})


def test_a_purge_after_edits_leaves_no_version(served: Any) -> None:
    """records, record_history, conflicts: nothing of the purged person, case and note, also
    the version the purging batch superseded inside the database."""
    service, engine = served
    device, person, _case, note, secret = _setup_case(service, engine)
    deletion = str(uuid.uuid4())
    _push(service, device, 3, [
        Change(kind="notes", id=note, base_rev=3, changed={"text": secret + " 4"}),
        _deletion(deletion, person)])
    assert secret not in _all_text(engine, receipts=False)
    assert {i for i, _ in _versions(engine)} == {deletion}


def test_the_receipt_of_the_purging_batch_keeps_no_purged_data(served: Any) -> None:
    """The receipt of the batch that carries the deletion was stored in ``batches`` after the
    purge had scrubbed the earlier receipts: a record of the purged case that the same batch
    wrote and the server merged (its data in the receipt) stayed there, for idempotent replays,
    with no Löschfrist (found by a review). Now the receipt, sent and stored, leaves the purged
    records out, as the scrubbed earlier receipts do; a resend gets the same answer."""
    service, engine = served
    _first, person, _case, note, secret = _setup_case(service, engine)
    other = _device(service)
    # another device's edit started from revision 2: merged with the stored text
    request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=1, changes=[
        Change(kind="notes", id=note, base_rev=2, changed={"author": "bob"}),
        _deletion(str(uuid.uuid4()), person)])
    payload = hashlib.sha256(request.batch_id.encode()).hexdigest()
    receipt = service.push(other, request, payload)
    assert [(r.kind, r.status) for r in receipt.results] == [("deletions", "applied")]
    assert secret not in receipt.model_dump_json()
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT receipt FROM batches WHERE batch_id = :b"),
                              {"b": receipt.batch_id}).scalar_one()
    assert secret not in stored and note not in stored
    assert service.push(other, request, payload) == receipt  # the resend's answer


def test_concurrent_pushes_store_every_version_once(served: Any) -> None:
    """Two devices of one team (and one of another team) push edits of shared records at
    the same time, through one engine's pool (PostgreSQL: separate sessions, the team row's
    lock; SQLite: the write lock). Every revision 1..n of every record is stored exactly
    once across records + record_history, with its device, batch and time."""
    import threading

    service, engine = served
    code = service.create_enroll_code
    a, b = (service.authenticate(service.enroll(code("Team Nord")).token) for _ in "ab")
    c = service.authenticate(service.enroll(code("Team Süd")).token)
    ids = [str(uuid.uuid4()) for _ in range(5)]
    _push(service, a, 1, [Change(kind="persons", id=i, base_rev=0, changed={
        "given_name": "A", "family_name": "B"}) for i in ids])
    errors: list[BaseException] = []

    def run(device: Any, first: int, field: str, rids: list[str]) -> None:
        try:
            for n in range(12):
                _push(service, device, first + n, [Change(
                    kind="persons", id=i, base_rev=1, changed={field: f"{field}{n}"})
                    for i in rids])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(a, 2, "phone", ids)),
               threading.Thread(target=run, args=(b, 1, "email", ids)),
               threading.Thread(target=run, args=(c, 1, "phone", [str(uuid.uuid4())]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, rev, batch_id, written_at FROM records WHERE team = 'Team Nord'"
            " UNION ALL SELECT id, rev, batch_id, at FROM record_history"
            " WHERE team = 'Team Nord'")).all()
    versions: dict[str, list[int]] = {}
    for rid, rev, batch, at in rows:
        assert batch and at, (rid, rev)
        versions.setdefault(str(rid), []).append(int(rev))
    # every revision once, none missing (how many there are depends on the interleaving:
    # an edit from a stale base may be a no-op or a conflict)
    assert set(versions) == set(ids)
    assert {k: sorted(v) for k, v in versions.items()} == {
        k: list(range(1, max(v) + 1)) for k, v in versions.items()}
    assert all(max(v) > 12 for v in versions.values()), versions


# -- a removed attachment keeps no file (found by a review of the change above) ----------------

def _files_marks(engine: Any) -> dict[str, bool]:
    with engine.connect() as conn:
        return {str(b): bool(f) for b, f in conn.execute(text(
            "SELECT batch_id, files FROM batches"))}


def test_a_removal_racing_a_new_file_stores_a_tombstone_without_it(served: Any) -> None:
    """Device A removes an attachment (a tombstone from its base rev 1) while device B replaced
    the file (rev 2). Before, ``content`` became a conflict (theirs: B's file, mine: ""), the
    stored file stayed and ``deleted`` was taken from A: a tombstone in ``records`` that carried
    B's file, served by every pull. Removal wins over the file."""
    service, engine = served
    a = _device(service)
    b = _device(service)
    one, two = os.urandom(60), os.urandom(60)
    _case, rid = _stored_attachment(service, a, one)
    _push(service, b, 1, [Change(kind="attachments", id=rid, base_rev=1,
                                 changed=_file(two))])
    # what the app sends on removal (AttachmentRepository.delete): deleted and content
    removed = _push(service, a, 2, [Change(kind="attachments", id=rid, base_rev=1,
                                           changed={"deleted": True, "content": ""})])
    assert removed.results[0].deleted
    with engine.connect() as conn:
        deleted = conn.execute(text(
            "SELECT deleted FROM records WHERE id = :i"), {"i": rid}).scalar_one()
    assert deleted
    assert base64.b64encode(two).decode() not in _all_text(engine), \
        "the removed attachment's file is still in records (a tombstone with content)"


def test_a_tombstone_that_does_not_name_the_file_drops_it(served: Any) -> None:
    """A tombstone that does not name ``content`` (an older or a tampered client: only
    ``deleted`` changed) was merged into the stored record, whose file stayed."""
    service, engine = served
    a = _device(service)
    one = os.urandom(60)
    _case, rid = _stored_attachment(service, a, one)
    removed = _push(service, a, 2, [Change(kind="attachments", id=rid, base_rev=1,
                                           changed={"deleted": True})])
    assert removed.results[0].status == "applied" and removed.results[0].deleted
    assert base64.b64encode(one).decode() not in _all_text(engine)


def test_a_scrubbed_receipt_is_no_longer_marked_as_carrying_files(served: Any) -> None:
    """Once a receipt's files are emptied it carries none: ``batches.files`` is cleared, so later
    removals in the team do not read it again under the team lock (before, the set of marked
    receipts only grew)."""
    service, engine = served
    a = _device(service)
    b = _device(service)
    one = os.urandom(60)
    case, rid = _stored_attachment(service, a, one)
    _push(service, b, 1, [_attachment(rid, case, 1, file_name="b.pdf")])
    merged = _push(service, a, 2, [Change(kind="attachments", id=rid, base_rev=1,
                                          changed={"question": "q2"})])
    assert merged.results[0].status == "merged"
    assert merged.results[0].data is not None and merged.results[0].data["content"]
    _push(service, b, 2, [_attachment(rid, case, 3, deleted=True, content="")])
    assert base64.b64encode(one).decode() not in _all_text(engine)
    assert _files_marks(engine)[merged.batch_id] is False, \
        "a receipt scrubbed of every file is still marked as carrying files"


def test_a_stale_new_file_does_not_land_in_the_removed_attachments_tombstone(served: Any) -> None:
    """A device that had not seen the removal replaces the file (base rev 1). The base's content
    was scrubbed to "" in the history, so it equals theirs (the tombstone's ""): the merge took
    mine, and the removed attachment's tombstone carried a new file, in ``records`` and sent to
    every device by pull; nothing scrubbed it (that push removes nothing)."""
    service, engine = served
    a = _device(service)
    b = _device(service)
    one, two = os.urandom(60), os.urandom(60)
    _case, rid = _stored_attachment(service, a, one)
    _push(service, a, 2, [Change(kind="attachments", id=rid, base_rev=1,
                                 changed={"deleted": True, "content": ""})])
    late = _push(service, b, 1, [Change(kind="attachments", id=rid, base_rev=1,
                                        changed=_file(two))])
    with engine.connect() as conn:
        deleted, data = conn.execute(text(
            "SELECT deleted, data FROM records WHERE id = :i"), {"i": rid}).one()
    assert deleted, late.results
    assert base64.b64encode(two).decode() not in data, \
        "a removed attachment's tombstone holds a file"


def test_a_conflict_opened_in_the_removing_batch_is_closed(served: Any) -> None:
    """Batch: a stale file replacement (a conflict on content), then the removal of the same
    attachment. The conflict the batch itself opened was not in the database yet when the
    removal closed the stored ones: it stayed open, values emptied, on a removed attachment
    (found by a review)."""
    service, engine = served
    a = _device(service)
    b = _device(service)
    one, two, three = (os.urandom(60) for _ in range(3))
    _case, rid = _stored_attachment(service, a, one)
    _push(service, b, 1, [Change(kind="attachments", id=rid, base_rev=1,
                                 changed=_file(two))])
    receipt = _push(service, a, 2, [
        Change(kind="attachments", id=rid, base_rev=1, changed=_file(three)),
        Change(kind="attachments", id=rid, base_rev=3,
               changed={"deleted": True, "content": ""})])
    assert [r.status for r in receipt.results] == ["conflict", "applied"]
    assert base64.b64encode(three).decode() not in _all_text(engine)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT status FROM conflicts WHERE record_id = :i AND field = 'content'"),
            {"i": rid}).all()
    assert rows and all(r[0] == "resolved" for r in rows), rows
    # the receipt tells the removing device (it does not pull its own batch's numbers)
    assert {c.status for c in receipt.conflicts} == {"resolved"}


def test_a_record_changed_many_times_in_one_batch_is_refused_beyond_three(served: Any) -> None:
    """Each change of a record the batch changed again was parsed and answered with the whole
    record, and each version it superseded went into the history: 5,000 copies of one change to
    an attachment of 10 MB (half a megabyte sent) meant 50 GB in the server's memory and receipt,
    and as many versions in the history when the copies alternate a field (found by two
    reviews). Beyond three changes of one record a batch is refused, before any parsing."""
    service, engine = served
    device = _device(service)
    data = os.urandom(30_000)
    case, rid = _stored_attachment(service, device, data)
    receipt = _push(service, device, 2, [
        _attachment(rid, case, 1 + n, question=f"q{n % 2}") for n in range(40)])
    assert [r.status for r in receipt.results] == ["applied"] * 3 + ["rejected"] * 37
    assert "more than 3 times" in receipt.results[3].reason
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT receipt FROM batches WHERE batch_id = :b"),
                              {"b": receipt.batch_id}).scalar_one()
        versions = conn.execute(text("SELECT count(*) FROM record_history WHERE id = :i"),
                                {"i": rid}).scalar_one()
    assert len(stored) < 4 * 40_000  # at most three copies of the file (base64), not 40
    assert versions == 3  # the stored one and the two the batch superseded itself
