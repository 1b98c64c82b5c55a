"""``kimdesk server devices`` shows when a device last made any request, not only its last push
(a review, 2026-12-06): a counselor's laptop that only pulls looked dead to the administrator
who looks there for lost or unused laptops. Written at most once in ``LAST_SEEN_EVERY`` a
device, never waiting for a lock; SQLite and PostgreSQL, over a real server on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, update

from kimdesk.server import db, devices
from kimdesk.server.embedded import EmbeddedServer
from tests.test_cli import run

#: Long enough for any machine; shorter than the lock timeouts (20 s) a wait would run into.
PATIENCE = 10.0


def _enrolled(server: EmbeddedServer, name: str) -> tuple[str, str]:
    """A new device of Team Nord: its id and token."""
    service = server.service
    answer = service.enroll(service.create_enroll_code("Team Nord"), name)
    return answer.device_id, answer.token


def _get(server: EmbeddedServer, token: str, path: str, **params: Any) -> httpx.Response:
    response = httpx.get(server.url + path, params=params, timeout=PATIENCE,
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response


def _last_seen(server: EmbeddedServer, device_id: str) -> str | None:
    listed = {d["id"]: d for d in server.service.list_devices()}
    value = listed[device_id]["last_seen"]
    return None if value is None else str(value)


def _age(value: str | None) -> timedelta:
    assert value is not None
    return datetime.now(UTC) - datetime.fromisoformat(value)


def _set_last_seen(engine: Engine, device_id: str, value: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(update(db.devices).where(db.devices.c.id == device_id)
                     .values(last_seen=value))


@pytest.fixture
def writes(server: EmbeddedServer) -> Iterator[list[str]]:
    """The statements that write a device's ``last_seen`` while the test runs."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE DEVICES"):
            seen.append(statement)

    engine = server.service.engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_device_that_only_pulls_is_seen(server: EmbeddedServer, writes: list[str]) -> None:
    """A counselor's laptop that never pushed: its first pull shows in ``last_seen`` (before:
    ``null`` for good), and its next requests within ``LAST_SEEN_EVERY`` write nothing."""
    device_id, token = _enrolled(server, "Laptop Lesen")
    assert _last_seen(server, device_id) is None
    _get(server, token, "/v1/changes", since=0, limit=1000)
    assert _age(_last_seen(server, device_id)) < timedelta(minutes=1)
    assert len(writes) == 1
    for path in ("/v1/whoami", "/v1/state", "/v1/reference", "/v1/changes"):
        _get(server, token, path)
    assert len(writes) == 1, writes


@pytest.mark.parametrize("path", ["/v1/whoami", "/v1/changes", "/v1/state", "/v1/reference"])
def test_a_stale_time_is_written_anew_by_any_request(server: EmbeddedServer, path: str,
                                                     writes: list[str]) -> None:
    """A time older than ``LAST_SEEN_EVERY`` (the device's last push, three weeks ago) is
    written anew by whatever the device asks; one just under it is left alone."""
    device_id, token = _enrolled(server, "Laptop")
    engine = server.service.engine
    weeks = (datetime.now(UTC) - timedelta(days=21)).isoformat().replace("+00:00", "Z")
    _set_last_seen(engine, device_id, weeks)
    _get(server, token, path)
    assert _age(_last_seen(server, device_id)) < timedelta(minutes=1)

    recent = (datetime.now(UTC) - devices.LAST_SEEN_EVERY + timedelta(seconds=30)).isoformat()
    _set_last_seen(engine, device_id, recent)
    writes.clear()
    _get(server, token, path)
    assert _last_seen(server, device_id) == recent
    assert writes == []


def test_of_two_server_processes_one_writes(server: EmbeddedServer) -> None:
    """Two processes on one database that both read the same stale time: the write is
    conditional on it, so the second finds it changed and writes nothing."""
    device_id, _token = _enrolled(server, "Laptop")
    engine = server.service.engine
    assert devices.mark_seen(engine, device_id, None)
    assert not devices.mark_seen(engine, device_id, None)
    first = _last_seen(server, device_id)
    assert first is not None
    assert devices.mark_seen(engine, device_id, first)


def test_a_held_lock_is_not_waited_for(server: EmbeddedServer) -> None:
    """While a lock that the write needs is held (SQLite: a push of another device holds the
    database's write lock; PostgreSQL: the device's own push holds its row), a pull is answered
    at once and the time is left for later; once the lock is gone, the next request writes
    it."""
    device_id, token = _enrolled(server, "Laptop")
    engine = server.service.engine
    holder = engine.raw_connection()
    try:
        cursor = holder.cursor()
        if engine.dialect.name == "sqlite":
            holder.driver_connection.isolation_level = None
            cursor.execute("BEGIN IMMEDIATE")
        else:
            cursor.execute("SELECT id FROM devices WHERE id = %s FOR UPDATE", (device_id,))
        answered = threading.Event()

        def pull() -> None:
            _get(server, token, "/v1/changes", since=0)
            answered.set()

        started = time.monotonic()
        thread = threading.Thread(target=pull, daemon=True)
        thread.start()
        assert answered.wait(PATIENCE), "the pull waited for the lock"
        assert time.monotonic() - started < PATIENCE
        assert _last_seen(server, device_id) is None
    finally:
        holder.rollback()
        holder.close()
    _get(server, token, "/v1/state", digest="false")
    assert _age(_last_seen(server, device_id)) < timedelta(minutes=1)



def test_the_administrators_list_shows_a_device_that_only_pulls(server: EmbeddedServer) -> None:
    """``kimdesk server devices``, as municipal IT runs it: the laptop that only pulled has a
    time (before: ``null``), and the command's help says what the time is."""
    reader_id, reader = _enrolled(server, "Lesen")
    _get(server, reader, "/v1/changes", since=0)
    listed = run("server", "devices", "--db", server.db_url)
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert _age(rows[reader_id]["last_seen"]) < timedelta(minutes=1)
    helped = run("server", "devices", "--help")
    assert "last_seen" in helped.stdout and "15 minutes" in helped.stdout, helped.stdout
