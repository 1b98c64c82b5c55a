"""The command-line contract (``kimdesk server ...``, ``kimdesk enroll``, ``kimdesk sync``) and
the embedded local server the app starts when no server is configured."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

from kimdesk.domain.models import Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.store import SyncStore
from tests.conftest import PASSPHRASE


def _kimdesk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kimdesk.cli", *args], capture_output=True,
                          text=True, env={**os.environ, "KIMDESK_LANG": "en", **(env or {})},
                          timeout=120)


def test_cli_enroll_sync_revoke(tmp_path, make_vault):
    db = f"sqlite:///{tmp_path / 'srv.db'}"
    out = _kimdesk("server", "enroll-code", "--team", "Team Nord", "--db", db)
    assert out.returncode == 0, out.stderr
    code = out.stdout.strip().splitlines()[-1]
    assert len(code) == 14 and code.count("-") == 2
    vault = make_vault("cli.kdb")
    p = vault.people.add(Person(given_name="Ayse", family_name="Demir"))
    vault.cases.open_case(p.id, opened_on=date(2025, 3, 1))
    path = vault.path
    vault.close()
    env = {"KIMDESK_PASSPHRASE": PASSPHRASE}
    with EmbeddedServer(db) as server:
        out = _kimdesk("enroll", "--vault", str(path), "--server", server.url, "--code", code,
                       env=env)
        assert out.returncode == 0 and "Team Nord" in out.stdout, out.stderr
        out = _kimdesk("enroll", "--vault", str(path), "--server", "http://example.org",
                       "--code", code, env=env)
        assert out.returncode != 0 and "https://" in out.stderr  # plain http off loopback
        out = _kimdesk("sync", "--vault", str(path), env=env)
        assert out.returncode == 0 and "3 sent" in out.stdout, out.stderr
        device = server.service.list_devices()[0]["id"]
    out = _kimdesk("server", "revoke", device, "--db", db)
    assert out.returncode == 0, out.stderr
    with EmbeddedServer(db) as server:
        from kimdesk.vault import Vault

        with Vault.open(path, PASSPHRASE) as v:
            SyncStore(v).set_many({"server": server.url})
        out = _kimdesk("sync", "--vault", str(path), env=env)
    assert out.returncode != 0 and "removed from the server" in out.stderr
    assert "not been synced" in out.stderr  # said plainly (a review: it said "revoked" only)
    assert not path.exists()


def test_server_run_refuses_plain_http_off_loopback(tmp_path):
    out = _kimdesk("server", "run", "--host", "0.0.0.0", "--db", f"sqlite:///{tmp_path}/x.db")
    assert out.returncode == 2 and "TLS" in out.stderr


def test_alembic_schema_matches_tables(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kimdesk.server.db import make_engine, metadata
    from kimdesk.server.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    upgrade(engine)  # idempotent: a second instance starting finds nothing to do
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
