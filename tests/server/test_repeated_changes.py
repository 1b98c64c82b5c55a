"""A batch that changes one record more than once: ``records`` holds its last revision, the
history every one (the planned audit trail), on both backends (:mod:`kimdesk.server.store`
writes them differently: ``COPY`` on PostgreSQL, ``executemany`` on SQLite)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import select

from kimdesk.server import db
from kimdesk.server.app import create_app
from kimdesk.sync.protocol import Change, PushRequest


def _push(service: Any, device: Any, seq: int, changes: list[Change]) -> Any:
    request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=seq, changes=changes)
    return service.push(device, request, hashlib.sha256(request.batch_id.encode()).hexdigest())


def _person(rid: str, base_rev: int, phone: str) -> Change:
    return Change(kind="persons", id=rid, base_rev=base_rev,
                  changed={"given_name": "Ayse", "family_name": "Demir", "phone": phone})


def test_a_record_changed_twice_in_one_batch_keeps_its_last_revision_and_both_in_history(
        db_url: str) -> None:
    app = create_app(db_url)
    service, engine = app.state.service, app.state.engine
    try:
        device = service.authenticate(
            service.enroll(service.create_enroll_code("Team Nord")).token)
        twice, once, stored = (str(uuid.uuid4()) for _ in range(3))
        _push(service, device, 1, [_person(stored, 0, "0")])
        receipt = _push(service, device, 2, [
            _person(twice, 0, "1"), _person(once, 0, "2"), _person(twice, 1, "3"),
            _person(stored, 1, "4"), _person(stored, 2, "5")])
        assert [(r.status, r.rev) for r in receipt.results] == [
            ("applied", 1), ("applied", 1), ("applied", 2), ("applied", 2), ("applied", 3)]
        with engine.connect() as conn:
            records = {r.id: (r.rev, r.seq, r.data) for r in conn.execute(
                select(db.records.c.id, db.records.c.rev, db.records.c.seq,
                       db.records.c.data))}
            history = sorted((r.id, r.rev, r.batch_id, r.device_id) for r in conn.execute(
                select(db.history.c.id, db.history.c.rev, db.history.c.batch_id,
                       db.history.c.device_id)))
        assert {k: v[:2] for k, v in records.items()} == {
            twice: (2, 4), once: (1, 3), stored: (3, 6)}
        assert '"phone":"3"' in records[twice][2] and '"phone":"5"' in records[stored][2]
        assert [(i, rev) for i, rev, _b, _d in history] == sorted(
            [(stored, 1), (twice, 1), (twice, 2), (once, 1), (stored, 2), (stored, 3)])
        assert {(b, d) for _i, _r, b, d in history} >= {(receipt.batch_id, device.id)}
    finally:
        engine.dispose()
