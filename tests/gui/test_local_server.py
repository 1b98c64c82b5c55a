"""With no server configured the app runs the embedded sync server and the vault syncs with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock, wait_idle


def test_unlock_starts_embedded_server_and_sync_works(make_window: Any, qtbot: Any,
                                                      tmp_path: Path) -> None:
    from kimdesk.demo.generator import fill

    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna", team="Team Nord") as v:
        fill(v, 20, seed=3)
    window = make_window(path, local_server=True)
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: window.local_server is not None, timeout=30000)
    assert window.local_server.url.startswith("http://127.0.0.1:")
    controller = window.sync_controller
    qtbot.waitUntil(lambda: bool(controller._server), timeout=10000)
    window.sync_now()
    qtbot.waitUntil(lambda: bool(controller.last_sync), timeout=60000)
    wait_idle(qtbot, window)
    assert (tmp_path / "kimdesk-local-server.db").exists()
    with window.local_server.app.state.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM records WHERE kind = 'cases'")
        assert count.scalar() == 20
