r"""The Windows machine policy (``HKLM\Software\Policies\KIMdesk``, through a fake registry with
winreg's functions) in the desktop app, as ``tests/gui/test_policy_gui.py`` checks the file's:
its values win over the counselor's settings, Settings shows them read-only, and a broken key is
named there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kimdesk import config
from tests.gui.conftest import unlock
from tests.winreg_fake import REG_DWORD, REG_SZ, FakeRegistry

pytestmark = pytest.mark.gui


def test_settings_follow_the_registry_policy(qtbot: Any, make_window: Any, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from kimdesk.gui.settings import AppSettings
    from kimdesk.vault import Vault
    from tests.gui.conftest import PASSPHRASE

    registry = FakeRegistry()
    monkeypatch.setattr(config, "POLICY_REGISTRY", registry)
    monkeypatch.setattr(config, "POLICY_FILE", tmp_path / "missing.ini")
    settings = AppSettings(tmp_path / "mine.ini")
    settings.idle_minutes = 30
    settings.language = "ar"
    assert settings.idle_minutes == 30 and settings.language == "ar"
    registry.set("Language", "en", REG_SZ).set("IdleLockMinutes", 3, REG_DWORD)
    registry.set("Server", "https://kim.kreis.example", REG_SZ)
    assert settings.idle_minutes == 3 and settings.language == "en"  # the policy's wins
    Vault.create(tmp_path / "w.kdb", PASSPHRASE, counselor="anna").close()
    window = make_window(tmp_path / "w.kdb")
    assert not window.unlock_screen.ui.languageCombo.isEnabled()
    unlock(qtbot, window)
    assert window.idle.timeout_ms == 3 * 60_000
    dialog = window.open_settings()
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert not dialog.ui.languageCombo.isEnabled() and dialog.ui.idleSpin.maximum() == 3
    assert "Set by your administrator." in dialog.policy_note.text()
    server = dialog.findChild(type(dialog.policy_note), "policyServer")
    # the address on a read-only line of its own below the sentence (its buddy)
    assert server is not None and server.buddy().text() == "https://kim.kreis.example"
    dialog.reject()
    registry.set("Demo", "0", REG_SZ)  # broken: nothing of it applies, the note names the key
    dialog = window.open_settings()
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    note = dialog.policy_note.text()
    assert r"HKLM\Software\Policies\KIMdesk" in note and "Demo is REG_SZ, not REG_DWORD" in note
    assert dialog.ui.languageCombo.isEnabled()  # the counselor's choice again
    dialog.grab().save(str(tmp_path / "settings-registry-broken.png"))
    dialog.reject()
