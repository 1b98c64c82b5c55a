"""A vault that the public passphrase "demo" opens is marked as such for as long as it is open.

A review of the traces a counselor's day leaves (2026-12-06) found that nothing said so once the
demo vault was open: it looks exactly like the real app, anyone who copies the file reads it, and
a counselor trying it could type a real client into it. The mark stands above the screens, in the
interface's language, and gone at the lock and on a real vault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from kimdesk.config import DEMO_PASSPHRASE
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock, wait_idle

pytestmark = pytest.mark.gui


def mark(window: Any) -> Any:
    return window.status.public_label


def test_the_demo_passphrase_is_marked_until_the_lock(qtbot: Any, make_window: Any,
                                                        tmp_path: Path) -> None:
    demo = tmp_path / "demo.kdb"
    with Vault.create(demo, DEMO_PASSPHRASE, counselor="demo", team="Team Nord"):
        pass
    window = make_window(demo)
    assert not mark(window).isVisible()
    unlock(qtbot, window, DEMO_PASSPHRASE)
    qtbot.waitUntil(lambda: mark(window).isVisible(), timeout=5000)
    assert 'passphrase "demo"' in mark(window).text()
    assert "never enter a real client" in mark(window).text()
    window.grab().save(str(tmp_path / "public-en.png"))

    window.switch_language("de")  # at run time: the mark follows
    qtbot.waitUntil(lambda: mark(window).text().startswith("Demo-Tresor:"), timeout=5000)
    window.switch_language("en")
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # lock
    qtbot.waitUntil(lambda: not window.unlocked, timeout=5000)
    assert not mark(window).isVisible() and mark(window).text() == ""


def test_a_real_vault_is_not_marked(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    real = tmp_path / "real.kdb"
    with Vault.create(real, PASSPHRASE, counselor="anna", team="Team Nord"):
        pass
    window = make_window(real)
    unlock(qtbot, window)
    # the worker answers in order: once a job queued now has answered, so has "public?"
    answered: list[object] = []
    window.worker.submit(lambda w: None, answered.append)
    qtbot.waitUntil(lambda: bool(answered), timeout=10000)
    wait_idle(qtbot, window)
    assert not mark(window).isVisible() and mark(window).text() == ""


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_the_mark_speaks_the_interface_language(qtbot: Any, make_window: Any, tmp_path: Path,
                                                lang: str) -> None:
    from kimdesk.i18n import gettext, set_language

    demo = tmp_path / "demo.kdb"
    with Vault.create(demo, DEMO_PASSPHRASE, counselor="demo", team="Team Nord"):
        pass
    window = make_window(demo, lang=lang)
    unlock(qtbot, window, DEMO_PASSPHRASE)
    qtbot.waitUntil(lambda: mark(window).isVisible(), timeout=5000)
    from kimdesk.gui.statusbar import PUBLIC_VAULT

    set_language(lang)
    expected = gettext(PUBLIC_VAULT)
    assert expected != PUBLIC_VAULT  # translated
    assert mark(window).text() == expected
    assert "demo" in expected  # the passphrase itself is never translated
    window.grab().save(str(tmp_path / f"public-{lang}.png"))


def test_the_lock_clears_the_last_message(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    """A message about a case ("Case 2026-…: Consultation saved.") stayed on the lock screen
    until it timed out (5-20 s): the lock shows nothing about the vault."""
    real = tmp_path / "real.kdb"
    with Vault.create(real, PASSPHRASE, counselor="anna", team="Team Nord"):
        pass
    window = make_window(real)
    unlock(qtbot, window)
    window.show_message("Case 2026-QB-000123: Consultation saved.")
    assert window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # lock
    qtbot.waitUntil(lambda: not window.unlocked, timeout=5000)
    assert window.statusBar().currentMessage() == ""
