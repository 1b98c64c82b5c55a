"""A server process pointed at a database it cannot write (a PostgreSQL hot standby, or
``default_transaction_read_only``): reads are served, writes are a retryable 503 naming the cause.

Before (noticed when ``last_seen`` came to every request, 2026-12-06): every request of a device
last seen 15 minutes ago wrote its ``last_seen`` first, the standby refused (SQLSTATE 25006,
"cannot execute UPDATE in a read-only transaction"), and the device got ``500 Internal Server
Error`` for a pull, a state or a reference request that only reads; a push got a 500 too, and
the administrator a traceback instead of the one line that says "point it at the primary".
PostgreSQL only: SQLite's read-only file is answered 503 already
(tests/server/test_review_db_faults.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, update

from kimdesk.server import db
from kimdesk.server.embedded import EmbeddedServer
from tests.server.test_review_db_faults import (
    Records,
    assert_told_admin,
    assert_unavailable,
    raw_push,
    server_log,
)
from tests.sync.helpers import backend_url

__all__ = ["server_log"]  # a fixture this module uses

pytestmark = pytest.mark.postgres


@pytest.fixture
def standby(tmp_path: Any) -> Iterator[EmbeddedServer]:
    srv = EmbeddedServer(backend_url("postgresql", tmp_path)).start()
    yield srv
    srv.stop()


def _read_only(engine: Any) -> None:
    """Every connection the engine opens from now on is read-only, as on a hot standby."""

    def connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET default_transaction_read_only = on")
        dbapi_conn.commit()

    event.listen(engine, "connect", connect)
    engine.dispose()


def test_a_read_only_database_serves_reads_and_answers_writes_503(
        standby: EmbeddedServer, server_log: Records) -> None:
    service = standby.service
    answer = service.enroll(service.create_enroll_code("Team Nord"), "Laptop Lesen")
    with service.engine.begin() as conn:  # seen long ago: the next request writes the time
        conn.execute(update(db.devices).where(db.devices.c.id == answer.device_id)
                     .values(last_seen="2026-01-01T00:00:00+00:00"))
    _read_only(service.engine)
    headers = {"Authorization": f"Bearer {answer.token}"}

    for path, params in (("/v1/changes", {"since": 0, "limit": 100}), ("/v1/state", {}),
                         ("/v1/reference", {"since": 0})):
        response = httpx.get(standby.url + path, params=params, headers=headers, timeout=30)
        assert response.status_code == 200, (path, response.status_code, response.text[:200])

    assert_unavailable(raw_push(standby.url, answer.token, 1))
    assert_told_admin(server_log, "read-only")
