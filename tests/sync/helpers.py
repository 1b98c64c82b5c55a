"""Shared fixtures for the sync and server tests: real servers on 127.0.0.1, real vaults.

``db_url`` is SQLite always and PostgreSQL too when ``KIMDESK_TEST_PG_URL`` is set; with
``KIMDESK_REQUIRE_PG=1`` a missing PostgreSQL is a failure, not a skip.
"""

from __future__ import annotations

import gzip
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.store import SyncStore

PG_URL = os.environ.get("KIMDESK_TEST_PG_URL", "")
REQUIRE_PG = os.environ.get("KIMDESK_REQUIRE_PG") == "1"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def reset_pg(url: str) -> None:
    """Empty the test database (tables of an earlier test, the alembic version)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def backend_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("KIMDESK_REQUIRE_PG=1 but KIMDESK_TEST_PG_URL is not set")
        pytest.skip("no PostgreSQL (set KIMDESK_TEST_PG_URL)")
    reset_pg(PG_URL)
    return PG_URL


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request.param, tmp_path)


@pytest.fixture
def server(db_url: str) -> Iterator[EmbeddedServer]:
    srv = EmbeddedServer(db_url).start()
    yield srv
    srv.stop()


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[EmbeddedServer]:
    srv = EmbeddedServer(f"sqlite:///{tmp_path / 'server.db'}").start()
    yield srv
    srv.stop()


class Device:
    """A vault enrolled with a server, and its engine."""

    def __init__(self, vault: Any, engine: SyncEngine) -> None:
        self.vault = vault
        self.engine = engine
        self.store: SyncStore = engine.store

    def sync(self) -> Any:
        return self.engine.sync()


@pytest.fixture
def make_device(make_vault: Callable[..., Any]) -> Iterator[Callable[..., Device]]:
    made: list[Device] = []

    def factory(srv: EmbeddedServer, name: str, team: str = "Team Nord", **kw: Any) -> Device:
        vault = make_vault(f"{name}.kdb", counselor=name, team=team)
        code = srv.service.create_enroll_code(team)
        enroll(vault, srv.url, code, device_name=name)
        device = Device(vault, SyncEngine(vault, **kw))
        made.append(device)
        return device

    yield factory
    for d in made:
        d.engine.close()


def enrolled_then_offline(make_vault: Callable[..., Any], tmp_path: Path) -> tuple[Any, int]:
    """A vault enrolled with a server that is gone since (its port closed): the vault and the
    port it had."""
    server = EmbeddedServer(tmp_path / "srv.db").start()
    vault = make_vault("o.kdb")
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))
    port = server.port
    server.stop()
    return vault, port


def snapshot(device: Device) -> dict[tuple[str, str], dict[str, Any]]:
    """Every record of a vault without local metadata (revision, pending)."""
    return {(k, i): d for k, i, d in device.store.iter_records()}


def pushed(server: EmbeddedServer, device: Device,
           changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Push raw ``changes`` as the device's next batch (its own numbering), gzip-compressed as
    the app sends them; the receipt's results."""
    seq = int(device.store.get("batch_seq", "0")) + 1
    device.store.set_many({"batch_seq": seq})
    body = gzip.compress(json.dumps(
        {"batch_id": uuid.uuid4().hex, "batch_seq": seq, "changes": changes}).encode())
    r = httpx.post(server.url + "/v1/push", content=body, timeout=60, headers={
        "Authorization": f"Bearer {device.store.get('token')}", "Content-Encoding": "gzip"})
    assert r.status_code == 200, r.text
    return list(r.json()["results"])


def service_push(service: Any, device: Any, seq: int, changes: list[Any]) -> Any:
    """A batch of ``changes`` straight to a ``SyncService`` (no HTTP), as batch ``seq``."""
    import hashlib

    from kimdesk.sync.protocol import PushRequest

    request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=seq, changes=changes)
    return service.push(device, request, hashlib.sha256(request.batch_id.encode()).hexdigest())


def person_change(rid: str, base_rev: int, phone: str) -> Any:
    """A person's change from ``base_rev``, the phone number telling the versions apart."""
    from kimdesk.sync.protocol import Change

    return Change(kind="persons", id=rid, base_rev=base_rev,
                  changed={"given_name": "Ayse", "family_name": "Demir", "phone": phone})


def migrate_to(conn: Any, revision: str, *, down: bool = False) -> None:
    """The server database on ``conn`` upgraded (or ``down``-graded) to an Alembic revision."""
    from alembic import command

    from kimdesk.server.migrate import alembic_config

    config = alembic_config()
    config.attributes["connection"] = conn
    (command.downgrade if down else command.upgrade)(config, revision)
    conn.commit()
