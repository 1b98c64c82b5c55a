"""A push looks its stored records up by id through the ``(kind, id)`` index, also on a new
PostgreSQL server whose tables were never analysed (issue 14 point 7).

PostgreSQL plans from table statistics, which autovacuum gathers about a minute after the first
writes and again only after a table grew by a tenth. Without them, ``kind = ? AND id IN (...)``
was planned as "every record of the kind, filtered": a 10k push of new records spent 1.1 s
reading records there, against 13 ms on SQLite. The plan is read with ``EXPLAIN ANALYZE``:
counted rows, not time.
"""

from __future__ import annotations

import uuid

from kimdesk.server import db
from kimdesk.server.db import make_engine
from kimdesk.server.migrate import upgrade
from kimdesk.server.store import RECORD_COLUMNS, insert_rows, select_by_ids
from tests.server.plans import rows_read, statements


def test_records_are_looked_up_by_index_before_any_analyse(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        ids = [str(uuid.uuid4()) for _ in range(3000)]
        with engine.begin() as conn:
            insert_rows(conn, db.records, RECORD_COLUMNS, [
                ("cases", rid, "Team Nord", 1, n, False, '{"x": 1}', "2025-01-01", "d", "", "")
                for n, rid in enumerate(ids)])
        wanted = ids[:20]
        with engine.connect() as conn:
            with statements(conn) as seen:
                found = select_by_ids(conn, db.records.name, "kind, id", ("cases",), wanted)
            assert sorted(r[1] for r in found) == sorted(wanted)
            if conn.dialect.name != "postgresql":
                return  # SQLite always plans these through the index
            read = sum(rows_read(conn, sql, params) for sql, params in seen)
            # 20 wanted; before, the plan read every one of the 3000 cases and filtered them
            assert read <= 2 * len(wanted), read
    finally:
        engine.dispose()


def test_a_reference_with_a_nul_character_is_no_server_error(db_url: str) -> None:
    """A ``person_id`` with a NUL character (PostgreSQL's text cannot hold one) in a change's
    fields: the lookup of referenced records skips it (no such record can be stored) instead of
    failing the request; the change is decided like any reference to an unknown record."""
    import hashlib

    from kimdesk.server.app import create_app
    from kimdesk.sync.protocol import Change, PushRequest

    app = create_app(db_url)
    service, engine = app.state.service, app.state.engine
    try:
        device = service.authenticate(service.enroll(service.create_enroll_code("T")).token)
        rid = str(uuid.uuid4())
        request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=1, changes=[Change(
            kind="cases", id=rid, base_rev=0,
            changed={"case_number": "K-1", "person_id": "a\x00b", "owner": "x", "team": "T"})])
        receipt = service.push(device, request, hashlib.sha256(b"x").hexdigest())
        assert [r.id for r in receipt.results] == [rid]
    finally:
        engine.dispose()
