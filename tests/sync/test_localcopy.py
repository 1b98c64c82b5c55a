"""The plaintext local-server file of earlier versions: shredded, and its vault un-enrolled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kimdesk.demo.generator import fill
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.localcopy import LEGACY_FILE, forget_retired_server, retire_local_server
from kimdesk.sync.store import SyncStore


def test_retire_and_forget(tmp_path: Path, make_vault: Any) -> None:
    vault = make_vault("v.kdb")
    fill(vault, 5, seed=1)
    legacy = tmp_path / LEGACY_FILE
    with EmbeddedServer(legacy) as server:
        enroll(vault, server.url, server.service.create_enroll_code("local"))
        SyncEngine(vault).sync()
        server_id = server.service.server_id()
    store = SyncStore(vault)
    assert store.pending_count() == 0 and store.enrolled

    assert retire_local_server(tmp_path) == server_id
    assert not list(tmp_path.glob(LEGACY_FILE + "*"))
    assert retire_local_server(tmp_path) is None

    assert not forget_retired_server(vault, {"some-other-server"})
    assert store.enrolled
    assert forget_retired_server(vault, {server_id})
    assert not store.enrolled
    assert store.cursor == 0
    pending = store.pending_count()
    assert pending == sum(r.count() for r in store.repos.values())

    # enrolling with a real server afterwards sends it everything
    with EmbeddedServer(tmp_path / "municipal.db") as server:
        enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))
        report = SyncEngine(vault).sync()
        assert report.pushed == pending
        assert store.pending_count() == 0
