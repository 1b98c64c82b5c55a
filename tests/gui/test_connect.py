"""Issue #18, point 4: Tools → "Connect to server…" by keyboard against a real server on
127.0.0.1: the server's identity is shown, the vault enrolls, the first sync runs with progress,
the server has the vault's records and the status bar names the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from kimdesk.gui.sync.connect import ConnectDialog, Step
from kimdesk.server.embedded import EmbeddedServer
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedServer]:
    srv = EmbeddedServer(tmp_path / "server.db").start()
    yield srv
    srv.stop()


@pytest.fixture
def window(demo_window: Any) -> Any:
    return demo_window


def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _open_dialog(qtbot: Any, window: Any) -> ConnectDialog:
    """Alt+T opens Tools, C its "Connect to server…"."""
    qtbot.keyClick(window, Qt.Key.Key_T, ALT)
    menu = window.menus.menus["tools"]
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    qtbot.keyClick(menu, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ConnectDialog),
                    timeout=3000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ConnectDialog)
    qtbot.waitUntil(lambda: dialog.address.hasFocus(), timeout=3000)
    return dialog


def _server_records(srv: EmbeddedServer) -> int:
    from sqlalchemy import func, select

    from kimdesk.server import db

    with srv.app.state.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(db.records)).scalar() or 0)


def _vault_records(qtbot: Any, window: Any) -> int:
    found: list[int] = []

    def job(w: Any) -> int:
        from kimdesk.sync.store import SyncStore

        store = SyncStore(w.require_vault())
        return sum(1 for _ in store.iter_records())

    window.worker.submit(job, found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=10000)
    return found[0]


def _check_server(qtbot: Any, dialog: Any, server: EmbeddedServer) -> None:
    """Type the server's address, Tab, a fresh code for Team Nord, Return ("Check server"), and
    wait until the dialog shows what the server showed."""
    qtbot.keyClicks(_focus(), server.url)
    qtbot.keyClick(_focus(), Qt.Key.Key_Tab)
    qtbot.keyClicks(_focus(), server.service.create_enroll_code("Team Nord"))
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)  # "Check server"
    qtbot.waitUntil(lambda: dialog.step is Step.IDENTIFIED, timeout=10000)


def test_connect_by_keyboard_and_first_sync(qtbot: Any, window: Any,
                                            server: EmbeddedServer) -> None:
    status = window.sync_status
    qtbot.waitUntil(lambda: status.label.text() == "Not enrolled for sync", timeout=5000)
    assert not status.server_label.isVisible()
    dialog = _open_dialog(qtbot, window)
    _check_server(qtbot, dialog, server)
    shown = dialog.identity_label.text()
    assert f"Server: 127.0.0.1:{server.port}" in shown
    assert "Unencrypted connection, allowed only to this computer." in shown
    assert server.service.server_id() in shown
    assert _server_records(server) == 0  # nothing sent before "Connect"
    dialog.grab().save(str(Path(window.settings.path).parent / "connect_identity.png"))
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)  # "Connect"
    qtbot.waitUntil(lambda: dialog.step is Step.DONE, timeout=120000)
    assert dialog.message.text() == (f"Connected with 127.0.0.1:{server.port} (team Team Nord)."
                                     " The first sync is complete.")
    dialog.grab().save(str(Path(window.settings.path).parent / "connect_done.png"))
    wait_idle(qtbot, window)
    records = _vault_records(qtbot, window)
    assert records > 300 and _server_records(server) == records
    assert status.label.text() == "Synced"
    assert status.server_label.isVisible()
    assert status.server_label.text() == f"Server: 127.0.0.1:{server.port}"
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)  # "Close"
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    assert window.settings.server_url == server.url
    window.grab().save(str(Path(window.settings.path).parent / "connect_window.png"))
    # Settings names the server; there is no address field that would pretend to move sync
    settings = window.open_settings()
    assert settings.ui.serverStatus.text() == "This vault syncs with the server at this address:"
    assert settings.ui.serverAddress.text() == server.url
    settings.reject()


@pytest.mark.parametrize(("address", "code", "expected"), [
    ("http://kim.kreis-guetersloh.example", "", "The server address must use https://"),
    ("http://127.0.0.1:1", "", "The server 127.0.0.1:1 cannot be reached."),
    (None, "AAAA-BBBB-CCCC", "The server did not accept this one-time code"),
])
def test_connect_errors_are_clear(qtbot: Any, window: Any, server: EmbeddedServer,
                                  address: str | None, code: str, expected: str) -> None:
    dialog = _open_dialog(qtbot, window)
    qtbot.keyClicks(_focus(), address or server.url)
    qtbot.keyClick(_focus(), Qt.Key.Key_Tab)
    qtbot.keyClicks(_focus(), code)
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    if address is None:  # a real server: its identity first, then the wrong code
        qtbot.waitUntil(lambda: dialog.step is Step.IDENTIFIED, timeout=10000)
        qtbot.keyClick(_focus(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.message.text() != "" and
                        dialog.step is Step.IDENTIFIED and dialog.message.property("error"),
                        timeout=10000)
    else:
        qtbot.waitUntil(lambda: dialog.step is Step.EDIT and bool(dialog.message.text()),
                        timeout=10000)
    assert dialog.message.text().startswith(expected), dialog.message.text()
    assert dialog.message.property("error") is True
    assert window.sync_status.label.text() == "Not enrolled for sync"
    assert _server_records(server) == 0
    qtbot.keyClick(_focus(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)


def test_the_demo_vault_is_not_connected(qtbot: Any, make_window: Any, server: EmbeddedServer,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo window's Tools -> Connect with a real code: refused in words, nothing sent or
    received (its passphrase is public; tests/sync/test_demo_vault_sync.py)."""
    from kimdesk.cli.demo import DEMO_PASSPHRASE, ensure_demo_vault
    from tests.gui.conftest import unlock

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    window = make_window(ensure_demo_vault())
    unlock(qtbot, window, DEMO_PASSPHRASE)
    dialog = _open_dialog(qtbot, window)
    _check_server(qtbot, dialog, server)
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)  # "Connect"
    qtbot.waitUntil(lambda: bool(dialog.message.property("error")), timeout=10000)
    assert dialog.message.text().startswith("This is the demo vault"), dialog.message.text()
    assert window.sync_status.label.text() == "Not enrolled for sync"
    assert _server_records(server) == 0
    qtbot.keyClick(_focus(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
