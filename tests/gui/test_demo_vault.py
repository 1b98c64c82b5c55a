"""Issue #18, point 7: ``kimdesk --demo`` opens the demo vault, its own file, created on first use;
the hint "the passphrase is demo" shows on it alone, and demo use never touches the real vault or
its failed-unlock count."""

from __future__ import annotations

import argparse
import hashlib
import stat
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE
from tests.gui.test_no_plaintext import user_folders  # noqa: F401 (a fixture)

pytestmark = pytest.mark.gui


def start(qtbot: Any, monkeypatch: pytest.MonkeyPatch, *argv: str) -> Any:
    """``kimdesk ARGV`` through the CLI entry; the GUI start builds the window (as ``run_app``
    does) and returns instead of entering the event loop."""
    from kimdesk.cli import entry, gui
    from kimdesk.gui.app import build_window

    windows: list[Any] = []

    def start_gui(args: argparse.Namespace) -> int:
        windows.append(build_window(args, delay_base=0.02))
        return 0

    monkeypatch.setattr(gui, "start_gui", start_gui)
    assert entry.run(["--lang", "en", *argv]) == 0
    [window] = windows
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return window


def type_passphrase(qtbot: Any, window: Any, text: str) -> None:
    screen = window.unlock_screen
    qtbot.waitUntil(lambda: screen.button.isEnabled(), timeout=10000)
    screen.passphrase.setFocus()
    screen.passphrase.selectAll()
    qtbot.keyClicks(screen.passphrase, text)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)


def close(window: Any) -> None:
    window.close()
    window.worker.stop()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_flag_opens_its_own_vault_and_never_touches_the_real_one(
        qtbot: Any, monkeypatch: pytest.MonkeyPatch, user_folders: dict[str, Path],  # noqa: F811
        tmp_path: Path) -> None:
    from kimdesk.cli.demo import DEMO_CASES, DEMO_PASSPHRASE
    from kimdesk.config import default_vault_path, demo_vault_path
    from kimdesk.gui.settings import AppSettings

    real = default_vault_path()
    real.parent.mkdir(parents=True, exist_ok=True)
    with Vault.create(real, PASSPHRASE, counselor="anna", team="Team Nord"):
        pass
    real_before = digest(real)
    AppSettings().failed_unlocks = 1  # one wrong try at the real vault earlier today

    # First use: the demo vault is created in its own file, in its own private folder.
    window = start(qtbot, monkeypatch, "--demo")
    demo = demo_vault_path()
    assert demo.is_file() and demo != real
    assert demo.is_relative_to(user_folders["data"]) and demo.parent != real.parent
    assert stat.S_IMODE(demo.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(demo.stat().st_mode) == 0o600
    screen = window.unlock_screen
    assert screen.path == demo.absolute()
    assert screen.passphrase.placeholderText() == 'Demo vault: the passphrase is "demo"'
    assert screen.failures == 0  # the real vault's count is not the demo's
    window.grab().save(str(tmp_path / "demo-unlock.png"))

    # A wrong try and then "demo", typed: counted on the demo vault only.
    type_passphrase(qtbot, window, "dmeo")
    qtbot.waitUntil(lambda: screen.failures == 1, timeout=10000)
    assert "Wrong passphrase" in screen.error.text()
    type_passphrase(qtbot, window, DEMO_PASSPHRASE)
    qtbot.waitUntil(lambda: window.unlocked, timeout=15000)
    qtbot.waitUntil(lambda: window.workspace.total == DEMO_CASES, timeout=15000)
    assert window.meta.counselor == "demo"
    close(window)
    settings = AppSettings()
    assert settings.failed_unlocks == 1  # neither raised by the wrong try nor reset by "demo"
    assert settings.last_vault in ("", str(real))
    assert digest(real) == real_before

    # Second use: the same demo vault, not created again.
    demo_before = digest(demo)
    window = start(qtbot, monkeypatch, "--demo")
    assert window.unlock_screen.path == demo.absolute()
    close(window)
    assert digest(demo) == demo_before

    # Without --demo: the real vault, no hint, and its own count (a wrong "demo" counts there).
    window = start(qtbot, monkeypatch)
    screen = window.unlock_screen
    assert screen.path == real.absolute()
    assert screen.passphrase.placeholderText() == ""
    assert screen.failures == 1
    window.grab().save(str(tmp_path / "real-unlock.png"))
    type_passphrase(qtbot, window, DEMO_PASSPHRASE)
    qtbot.waitUntil(lambda: screen.failures == 2, timeout=10000)
    assert AppSettings().failed_unlocks == 2
    close(window)
    assert digest(real) == real_before


def test_demo_and_vault_together_is_a_usage_error(user_folders: dict[str, Path],  # noqa: F811
                                                  tmp_path: Path) -> None:
    from kimdesk.cli import entry
    from kimdesk.cli.common import UsageError
    from kimdesk.config import demo_vault_path

    with pytest.raises(UsageError) as raised:
        entry.run(["--lang", "en", "--demo", "--vault", str(tmp_path / "real.kdb")])
    assert raised.value.translated() == "--demo opens the demo vault; leave out --vault."
    assert not demo_vault_path().exists() and not (tmp_path / "real.kdb").exists()
