"""A push touches its team's row twice: one locking read, one write of the counter (issue 14,
found by benchmarks/server_load.py).

Under load a server process is bound by Python's interpreter lock, and every statement is a
round trip after which the thread waits for that lock again; the statements between taking
the team's lock and committing are the time every other device of the team waits. The push
used to read the team row, then lock it, then write back the unchanged counter (a no-op
``UPDATE`` that also left a dead row version per push), and write it once more at the end.
Counted, not timed."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from kimdesk.server import db
from kimdesk.server.app import create_app
from kimdesk.sync.protocol import Change, PushRequest


def _push(service, device, seq: int, ids: list[str], phone: str):
    request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=seq, changes=[
        Change(kind="persons", id=rid, base_rev=seq - 1,
               changed={"given_name": "Ayse", "family_name": "Demir", "phone": phone})
        for rid in ids])
    return service.push(device, request, hashlib.sha256(request.batch_id.encode()).hexdigest())


@contextmanager
def _enrolled(db_url: str) -> Iterator[tuple[Any, Any, str]]:
    """The server's service and engine, and the token of a device enrolled in Team Nord."""
    app = create_app(db_url)
    service, engine = app.state.service, app.state.engine
    try:
        yield service, engine, service.enroll(service.create_enroll_code("Team Nord")).token
    finally:
        engine.dispose()


def test_a_push_locks_and_writes_the_team_row_once_each(db_url: str) -> None:
    with _enrolled(db_url) as (service, engine, token):
        device = service.authenticate(token)
        ids = [str(uuid.uuid4()) for _ in range(5)]
        assert {r.status for r in _push(service, device, 1, ids, "1").results} == {"applied"}
        statements: list[str] = []

        def seen(_conn, _cursor, statement: str, *_args: object) -> None:
            statements.append(" ".join(statement.split()).lower())

        event.listen(engine, "before_cursor_execute", seen)
        try:
            device = service.authenticate(token)
            receipt = _push(service, device, 2, ids, "2")
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert {r.status for r in receipt.results} == {"applied"}
        on_team = [s for s in statements if " teams" in s]
        assert len(on_team) == 2, on_team
        assert on_team[0].startswith("select") and on_team[1].startswith("update")
        with engine.connect() as conn:
            head = conn.execute(select(db.teams.c.change_seq)
                                .where(db.teams.c.name == "Team Nord")).scalar_one()
        assert head == 10 == receipt.server_seq


def test_the_bulk_update_finds_rows_by_key_not_by_reading_every_record(db_url: str) -> None:
    """PostgreSQL: the planner knew nothing of the copied batch and hashed every record of the
    server for each batch's ``UPDATE ... FROM`` (one sequential scan of ``records`` per batch,
    growing with the server, not the batch). Counted in the push's own transaction."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite updates row by row through the primary key")
    with _enrolled(db_url) as (service, engine, token):
        device = service.authenticate(token)
        ids = [str(uuid.uuid4()) for _ in range(300)]
        _push(service, device, 1, ids, "1")
        scans: list[int] = []

        def count(conn, cursor, statement: str, *_args: object) -> None:
            if statement.lstrip().lower().startswith(("set local enable_hash", "update records")):
                with cursor.connection.cursor() as probe:
                    probe.execute("SELECT seq_scan FROM pg_stat_xact_user_tables"
                                  " WHERE relname = 'records'")
                    row = probe.fetchone()
                    scans.append(int(row[0]) if row else 0)

        event.listen(engine, "before_cursor_execute", count)
        event.listen(engine, "after_cursor_execute", count)
        try:
            receipt = _push(service, device, 2, ids, "2")
        finally:
            event.remove(engine, "before_cursor_execute", count)
            event.remove(engine, "after_cursor_execute", count)
        assert {r.status for r in receipt.results} == {"applied"}
        assert len(scans) == 2, scans  # before and after the one bulk update
        assert scans[1] == scans[0], "the bulk update read the whole records table"
