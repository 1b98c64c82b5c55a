"""The machine policy in the desktop app (docs/deployment.md, "Machine policy"): ``demo = false``
refuses the demo vault at the unlock screen with one translated line; fields the policy sets are
read-only in Settings with "Set by your administrator."; the idle time is at most the policy's;
"Connect to server" offers only the policy's server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from kimdesk import config
from tests.gui.conftest import unlock, wait_idle

pytestmark = pytest.mark.gui


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    def write(text: str, mode: int = 0o644) -> Path:
        folder = tmp_path / "etc"
        folder.mkdir(exist_ok=True)
        folder.chmod(0o755)
        path = folder / "policy.ini"
        path.write_text(text, "utf-8")
        path.chmod(mode)
        monkeypatch.setattr(config, "POLICY_FILE", path)
        return path

    return write


def _public_vault(path: Path) -> Path:
    from kimdesk.vault import Vault

    Vault.create(path, config.DEMO_PASSPHRASE, counselor="demo").close()
    return path


def test_demo_refused_at_the_unlock_screen(qtbot: Any, make_window: Any, policy: Any,
                                           tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    demo = config.demo_vault_path()
    demo.parent.mkdir(parents=True)
    _public_vault(demo)
    path = policy("[app]\ndemo = false\n")
    window = make_window(demo)
    screen = window.unlock_screen
    assert not screen.button.isEnabled()  # the demo vault: refused before a passphrase
    assert "switched off" in screen.error.text() and str(path) in screen.error.text()
    assert screen.passphrase.placeholderText() == ""  # no "the passphrase is demo" hint
    window.grab().save(str(tmp_path / "demo-refused.png"))
    # any other vault the demo passphrase opens: refused after the key is checked
    other = _public_vault(tmp_path / "copy.kdb")
    screen.set_path(other)
    screen.passphrase.setFocus()
    qtbot.keyClicks(screen.passphrase, "demo")
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "switched off" in screen.error.text(), timeout=15000)
    wait_idle(qtbot, window)
    assert not window.unlocked and window.worker.vault is None
    # a broken policy refuses it too, naming the file
    policy("[app]\ndemo = true\n", mode=0o666)
    screen.set_path(demo)
    assert not screen.button.isEnabled() and "0666" in screen.error.text()


def test_settings_show_policy_fields_read_only(qtbot: Any, make_window: Any, policy: Any,
                                               tmp_path: Path) -> None:
    from kimdesk.gui.settings import AppSettings

    settings = AppSettings(tmp_path / "mine.ini")
    settings.idle_minutes = 30
    settings.language = "ar"
    policy("[app]\nlanguage = en\nidle_lock_minutes = 3\n"
           "[sync]\nserver = https://kim.kreis.example\n")
    assert settings.idle_minutes == 3 and settings.language == "en"  # the policy's wins
    settings.idle_minutes = 2
    assert settings.idle_minutes == 2  # shorter is the counselor's choice
    from kimdesk.vault import Vault
    from tests.gui.conftest import PASSPHRASE

    Vault.create(tmp_path / "w.kdb", PASSPHRASE, counselor="anna").close()
    window = make_window(tmp_path / "w.kdb")  # its own settings file: 5 minutes chosen
    assert not window.unlock_screen.ui.languageCombo.isEnabled()  # no choice on the unlock
    unlock(qtbot, window)
    assert window.idle.timeout_ms == 3 * 60_000  # the app locks after the policy's 3
    dialog = window.open_settings()
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert not dialog.ui.languageCombo.isEnabled()
    assert dialog.ui.idleSpin.maximum() == 3
    assert dialog.policy_note.isVisibleTo(dialog)
    assert "Set by your administrator." in dialog.policy_note.text()
    dialog.grab().save(str(tmp_path / "settings-policy.png"))
    dialog.ui.tabs.setCurrentWidget(dialog.ui.serverTab)
    server = dialog.findChild(type(dialog.policy_note), "policyServer")
    assert server is not None and server.isVisibleTo(dialog)
    address = server.buddy()  # the address on a read-only line of its own, not in the sentence
    assert address.text() == "https://kim.kreis.example" and address.isVisibleTo(dialog)
    dialog.grab().save(str(tmp_path / "settings-policy-server.png"))
    dialog.reject()


def test_connect_offers_only_the_policys_server(qtbot: Any, policy: Any) -> None:
    from kimdesk.gui.sync.connect import ConnectDialog
    from kimdesk.gui.worker import DbWorker

    policy("[sync]\nserver = https://kim.kreis.example\n")
    worker = DbWorker()
    try:
        dialog = ConnectDialog(None, worker, lambda: None, address="https://elsewhere.example")
        qtbot.addWidget(dialog)
        assert dialog.address.text() == "https://kim.kreis.example"
        assert dialog.address.isReadOnly()
        assert dialog.address_note.text() == "Set by your administrator."
    finally:
        worker.stop()
