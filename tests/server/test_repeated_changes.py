"""A batch that changes one record more than once: ``records`` holds its last revision, the
history every earlier one (the planned audit trail), on both backends (:mod:`kimdesk.server.store`
writes them differently: ``COPY`` on PostgreSQL, ``executemany`` on SQLite)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kimdesk.server import db
from kimdesk.server.app import create_app
from tests.sync.helpers import person_change as _person
from tests.sync.helpers import service_push as _push


def test_a_record_changed_twice_in_one_batch_keeps_its_last_revision_and_both_in_history(
        db_url: str) -> None:
    app = create_app(db_url)
    service, engine = app.state.service, app.state.engine
    try:
        device = service.authenticate(
            service.enroll(service.create_enroll_code("Team Nord")).token)
        twice, once, stored = (str(uuid.uuid4()) for _ in range(3))
        first = _push(service, device, 1, [_person(stored, 0, "0")])
        receipt = _push(service, device, 2, [
            _person(twice, 0, "1"), _person(once, 0, "2"), _person(twice, 1, "3"),
            _person(stored, 1, "4"), _person(stored, 2, "5")])
        assert [(r.status, r.rev) for r in receipt.results] == [
            ("applied", 1), ("applied", 1), ("applied", 2), ("applied", 2), ("applied", 3)]
        r, h = db.records.c, db.history.c
        with engine.connect() as conn:
            records = {x.id: (x.rev, x.seq, x.data, x.batch_id, x.updated_by, x.written_at)
                       for x in conn.execute(select(r.id, r.rev, r.seq, r.data, r.batch_id,
                                                    r.updated_by, r.written_at))}
            history = sorted((x.id, x.rev, x.data, x.batch_id, x.device_id, x.at,
                              x.superseded_at)
                             for x in conn.execute(select(h.id, h.rev, h.data, h.batch_id,
                                                          h.device_id, h.at, h.superseded_at)))
        assert {k: v[:2] for k, v in records.items()} == {
            twice: (2, 4), once: (1, 3), stored: (3, 6)}
        assert '"phone":"3"' in records[twice][2] and '"phone":"5"' in records[stored][2]
        assert {v[3:5] for v in records.values()} == {(receipt.batch_id, device.id)}
        assert all(v[5] for v in records.values())
        # the history holds every superseded version once, with its batch, device and time:
        # the one stored before the batch (moved inside the database) and those the batch
        # wrote and superseded itself; the current versions are in records only
        assert [(i, rev) for i, rev, *_ in history] == sorted(
            [(stored, 1), (stored, 2), (twice, 1)])
        phones = {(i, rev): data for i, rev, data, *_ in history}
        assert '"phone":"0"' in phones[(stored, 1)] and '"phone":"4"' in phones[(stored, 2)]
        assert '"phone":"1"' in phones[(twice, 1)]
        batches = {(i, rev): (b, d) for i, rev, _data, b, d, _at, _end in history}
        assert batches[(stored, 1)] == (first.batch_id, device.id)
        assert batches[(stored, 2)] == batches[(twice, 1)] == (receipt.batch_id, device.id)
        # each version lasted from its own time until the next version's
        spans = {(i, rev): (at, end) for i, rev, _data, _b, _d, at, end in history}
        written = records[stored][5]
        assert spans[(stored, 1)][1] == spans[(stored, 2)][0] == written
        assert spans[(stored, 2)][1] == spans[(twice, 1)][1] == written
        assert spans[(stored, 1)][0] < written
    finally:
        engine.dispose()
