"""The server's database fails, is locked or refuses connections (a fault-injection review,
2026-12-06): the device gets a clear, retryable 503 with the protocol's error body, keeps every
pending edit and converges once the database is back, without restarting the server; the
administrator's log names what is wrong in one line, without a traceback or record data.

Before, every such fault was answered ``500 Internal Server Error`` (plain text) after a
110-line traceback ending in ``OperationalError (its text is not logged ...)``, the same line for
a stopped database, a full disk and a lock; and a team row locked elsewhere made that team's
pushes wait forever, each retry holding one of the process's 15 pooled connections, until every
team's requests failed.

Ordered, not timed: each fault is held for the whole request. The SQLite test needs nothing;
the PostgreSQL ones terminate backends and close the database to connections, so they run only
against a cluster of one's own, named by ``KIMDESK_TEST_PG_FAULTS_URL`` (the review used
``postgresql+psycopg://kimdesk@127.0.0.1:55433/kb``, a superuser role on a private cluster).
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from kimdesk.domain.models import Person
from kimdesk.server import db
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.errors import SyncError
from tests.sync.helpers import reset_pg

FAULTS_PG_URL = os.environ.get("KIMDESK_TEST_PG_FAULTS_URL", "")
#: A request that takes this long has failed (the fault is held, the answer must not wait).
PATIENCE = 30.0


class Records(logging.Handler):
    """Every log record of the loggers it is attached to."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_log() -> Iterator[Records]:
    """What the server logs: uvicorn's errors (a request's traceback) and the project's own."""
    handler = Records()
    loggers = [logging.getLogger(n) for n in ("uvicorn.error", "kimdesk")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def raw_push(url: str, token: str, seq: int) -> httpx.Response:
    """An empty batch (it still takes the team's lock) as the device sends it."""
    body = gzip.compress(json.dumps(
        {"batch_id": uuid.uuid4().hex, "batch_seq": seq, "changes": []}).encode())
    return httpx.post(url + "/v1/push", content=body, timeout=PATIENCE, headers={
        "Authorization": f"Bearer {token}", "Content-Encoding": "gzip"})


def assert_unavailable(response: httpx.Response) -> None:
    """A 503 the device retries: the protocol's error body, a hint when to, no traceback."""
    assert response.status_code == 503, (response.status_code, response.text[:200])
    assert response.json()["error"] == "unavailable"
    assert "Traceback" not in response.text and "Zelinda" not in response.text
    assert response.headers.get("retry-after", "").isdigit()


def assert_told_admin(log: Records, words: str) -> None:
    """One line that names the fault; no traceback, no personal data."""
    assert not [r for r in log.records if r.exc_info], "a traceback was logged"
    lines = [r.getMessage() for r in log.records if r.levelno >= logging.WARNING]
    assert any(words in line for line in lines), lines
    assert not [line for line in lines if "Zelinda" in line or "Quarkwood" in line]


def add_person(device: Any, family: str) -> None:
    device.vault.people.add(Person(given_name="Zelinda", family_name=family))


def test_sqlite_file_locked_by_another_process_is_a_503_the_device_retries(
        tmp_path: Path, make_device: Callable[..., Any], server_log: Records,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # the wait for the lock ends on its own; what it is does not change what must happen then
    monkeypatch.setattr(db, "SQLITE_BUSY_MS", 100, raising=False)
    db_path = tmp_path / "server.db"
    with EmbeddedServer(f"sqlite:///{db_path}") as srv:
        device = make_device(srv, "alice")
        add_person(device, "Quarkwood")
        device.sync()
        add_person(device, "Quarkwoody")
        other = sqlite3.connect(db_path, isolation_level=None)  # `sqlite3 server.db`, BEGIN
        other.execute("BEGIN EXCLUSIVE")
        try:
            assert_unavailable(raw_push(srv.url, device.store.get("token"),
                                        int(device.store.get("batch_seq", "0")) + 1))
            with pytest.raises(SyncError) as refused:
                device.sync()
            assert refused.value.retry
            assert device.store.pending_count() == 1
        finally:
            other.execute("ROLLBACK")
            other.close()
        device.sync()  # the same server process, once the lock is gone
        assert device.store.pending_count() == 0
        with db.reading(srv.service.engine) as conn:
            stored = conn.exec_driver_sql("SELECT count(*) FROM records").scalar()
        assert stored == 2
    assert_told_admin(server_log, "SQLITE_BUSY")


needs_fault_pg = pytest.mark.skipif(
    not FAULTS_PG_URL, reason="set KIMDESK_TEST_PG_FAULTS_URL to a PostgreSQL of one's own")


def _admin(url: str) -> Any:
    """A superuser connection to the cluster's maintenance database, autocommit."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                           dbname="postgres", autocommit=True)


@needs_fault_pg
@pytest.mark.postgres
def test_pg_refusing_connections_is_a_503_and_the_server_recovers_by_itself(
        make_device: Callable[..., Any], server_log: Records) -> None:
    reset_pg(FAULTS_PG_URL)
    dbname = FAULTS_PG_URL.rsplit("/", 1)[1].split("?")[0]
    with EmbeddedServer(FAULTS_PG_URL) as srv, _admin(FAULTS_PG_URL) as admin:
        device = make_device(srv, "alice")
        add_person(device, "Quarkwood")
        device.sync()
        add_person(device, "Quarkwoody")
        # the database goes away under the running server (a stop, a failover, a restart)
        admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS false')
        try:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,))
            assert_unavailable(httpx.get(srv.url + "/v1/whoami", timeout=PATIENCE, headers={
                "Authorization": f"Bearer {device.store.get('token')}"}))
            with pytest.raises(SyncError) as failed:
                device.sync()
            assert failed.value.retry
            assert device.store.pending_count() == 1
        finally:
            admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS true')
        device.sync()
        assert device.store.pending_count() == 0
        with db.reading(srv.service.engine) as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM records").scalar() == 2
    assert_told_admin(server_log, "database")


@needs_fault_pg
@pytest.mark.postgres
def test_pg_team_row_locked_elsewhere_answers_503_and_leaves_other_teams_served(
        make_device: Callable[..., Any], server_log: Records,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    monkeypatch.setattr(db, "LOCK_TIMEOUT_MS", 200, raising=False)
    reset_pg(FAULTS_PG_URL)
    with EmbeddedServer(FAULTS_PG_URL) as srv:
        nord = make_device(srv, "alice")
        sued = make_device(srv, "bob", team="Team Sued")
        for device in (nord, sued):
            add_person(device, "Quarkwood")
            device.sync()
        # an administrator's forgotten transaction, or a frozen server process mid-push
        holder = psycopg.connect(FAULTS_PG_URL.replace("postgresql+psycopg", "postgresql"))
        try:
            holder.execute("SELECT * FROM teams WHERE name = 'Team Nord' FOR UPDATE")
            token = nord.store.get("token")
            seq = int(nord.store.get("batch_seq", "0")) + 1
            with ThreadPoolExecutor(20) as pool:  # the team's devices retrying, more than
                answers = list(pool.map(  # the 15 connections of the process's pool
                    lambda _: raw_push(srv.url, token, seq), range(20)))
            for answer in answers:
                assert_unavailable(answer)
            # another team is not held up by this one's lock
            whoami = httpx.get(srv.url + "/v1/whoami", timeout=PATIENCE, headers={
                "Authorization": f"Bearer {sued.store.get('token')}"})
            assert whoami.status_code == 200
        finally:
            holder.rollback()
            holder.close()
        add_person(nord, "Quarkwoody")
        nord.sync()
        assert nord.store.pending_count() == 0
    assert_told_admin(server_log, "55P03")


def test_only_faults_of_the_database_state_are_an_outage(tmp_path: Path) -> None:
    """A bug's database error (a constraint, a missing table) stays a 500 with its traceback;
    a lock, a full disk and a failed connection are outages."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    from kimdesk.server.outage import diagnosis

    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO t VALUES (1)")
    errors: list[sqlite3.Error] = []
    for sql in ("INSERT INTO t VALUES (1)", "SELECT * FROM missing"):
        try:
            conn.execute(sql)
        except sqlite3.Error as exc:
            errors.append(exc)
    conn.close()
    unique, missing = errors
    assert diagnosis(IntegrityError("INSERT", None, unique)) is None
    assert diagnosis(OperationalError("SELECT", None, missing)) is None
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorname = "SQLITE_BUSY"
    assert "locked" in (diagnosis(OperationalError("BEGIN", None, busy)) or "")
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"
    assert "full" in (diagnosis(full) or "")
