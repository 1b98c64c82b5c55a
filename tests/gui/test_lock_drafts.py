"""Issue #18, point 3 and "a visible marker on drafts": locking keeps unsaved edits as an encrypted
draft in the vault and brings them back after unlock with a notice, the case that was open opens
again; cases and forms with a saved draft are marked."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, wait_idle
from tests.gui.test_no_plaintext import scan, user_folders  # noqa: F401 (a fixture)

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
#: What the counselor types (ASCII only: qtbot.keyClicks): unique enough for a byte scan.
PHONE = "+49 5241 8830177"
SUMMARY = "Wohnungssuche Quintessa besprochen"
NEXT_STEPS = "Anmeldung Sprachkurs Zyrtekbogen"


class FakeClock:
    """The idle watcher's clock: moves only when the test says so (no waiting on wall time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def window_at_default(qtbot: Any, user_folders: dict[str, Path],  # noqa: F811
                      demo_vault_file: Path) -> Iterator[Any]:
    """The main window on a demo vault at the default place; data, config, cache and temp
    folders redirected into the test's folder (scanned afterwards)."""
    from kimdesk.config import default_vault_path
    from kimdesk.gui.app import build_window

    path = default_vault_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_vault_file, path)
    window = build_window(argparse.Namespace(vault=None, lang="en"), delay_base=0.05)
    window.show()  # closed below, after the unsaved edits are marked clean (not by qtbot)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    yield window
    if window._workspace is not None:
        window._workspace.case_view.person_form.mark_clean()
        window._workspace.case_view.case_form.mark_clean()
    for widget in QApplication.topLevelWidgets():
        if widget is not window and widget.isVisible():
            widget.close()
    window.close()
    window.worker.stop()


def unlock_by_keys(qtbot: Any, window: Any) -> None:
    screen = window.unlock_screen
    qtbot.waitUntil(lambda: screen.button.isEnabled(), timeout=5000)
    screen.passphrase.setFocus()
    qtbot.keyClicks(screen.passphrase, PASSPHRASE)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.unlocked, timeout=15000)
    qtbot.waitUntil(lambda: window.workspace.queries_done > 0, timeout=10000)
    wait_idle(qtbot, window)


def open_first_case(qtbot: Any, window: Any) -> str:
    """The first case of the list, opened from the keyboard (Enter on its row)."""
    ws = window.workspace
    ws.table.setFocus()
    ws.table.setCurrentIndex(ws.model.index(0, 0))
    qtbot.keyClick(ws.table, Qt.Key.Key_Return)
    case_id = ws.model.row_at(0).case_id
    qtbot.waitUntil(lambda: ws.case_view.case_id == case_id, timeout=5000)
    wait_idle(qtbot, window)
    return str(case_id)


def replace_field(qtbot: Any, widget: Any, text: str) -> None:
    """Select what the input holds and type over it."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(widget, text)


def stored_meta(path: Path) -> dict[str, str]:
    """Every device-local document of the (closed) vault, read with the passphrase."""
    with Vault.open(path, PASSPHRASE) as vault:
        return dict(vault.conn.execute("SELECT key, value FROM vault_meta").fetchall())


def test_idle_lock_keeps_unsaved_edits_as_an_encrypted_draft_and_brings_them_back(
        qtbot: Any, window_at_default: Any, user_folders: dict[str, Path],  # noqa: F811
        tmp_path: Path) -> None:
    from kimdesk.config import default_vault_path

    window = window_at_default
    clock = FakeClock()
    window.idle.clock = clock
    unlock_by_keys(qtbot, window)
    case_id = open_first_case(qtbot, window)
    view = window.workspace.case_view
    email_before = view.bundle.person.email

    # The counselor types a phone number and starts a consultation (Ctrl+T), then walks away.
    replace_field(qtbot, view.person_form.inputs["phone"], PHONE)
    assert view.dirty
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_T, CTRL)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=5000)
    dialog: Any = QApplication.activeModalWidget()
    assert dialog is not None and dialog.objectName() == "dialog_consultations"
    qtbot.keyClicks(dialog.form.inputs["summary"], SUMMARY)

    # The idle timer, driven by the fake clock: one tick short of the timeout nothing happens ...
    timeout_s = window.idle.timeout_ms / 1000
    clock.now += timeout_s - 0.001
    assert window.idle.check() is False and window.unlocked
    # ... at the timeout the vault locks.
    clock.now += 0.001
    assert window.idle.check() is True
    assert not window.unlocked
    wait_idle(qtbot, window)
    assert window.worker.vault is None
    assert not dialog.isVisible()
    assert "without input" in window.unlock_screen.error.text()
    assert "encrypted draft" in window.unlock_screen.error.text()
    window.grab().save(str(tmp_path / "locked-with-draft.png"))

    # The draft is in the vault (readable with the passphrase) and in no file in plaintext:
    # a raw byte scan of the data, config, cache and temp folders (the vault file included).
    path = default_vault_path()
    meta = stored_meta(path)
    draft = meta[f"case.draft.{case_id}"]
    assert PHONE in draft and SUMMARY in draft
    assert case_id in meta["gui.resume"]
    assert scan(list(user_folders.values()), {PHONE, SUMMARY, "8830177", "Quintessa"}) == []

    # Unlock by keys: the case is open again, the typed text is back, a notice says so.
    window.activateWindow()
    unlock_by_keys(qtbot, window)
    qtbot.waitUntil(lambda: view.case_id == case_id, timeout=10000)
    qtbot.waitUntil(lambda: view.notice.isVisible(), timeout=10000)
    assert view.person_form.inputs["phone"].text() == PHONE
    assert view.dirty and view.ui.saveButton.isEnabled()
    assert "from before the lock are back" in view.notice.text()
    assert "Changed elsewhere" not in view.notice.text()
    assert view.person_form.inputs["email"].text() == (email_before or "")
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=5000)
    dialog = QApplication.activeModalWidget()
    assert dialog.objectName() == "dialog_consultations"
    assert dialog.form.inputs["summary"].toPlainText() == SUMMARY
    window.grab().save(str(tmp_path / "restored.png"))
    dialog.grab().save(str(tmp_path / "restored-dialog.png"))
    wait_idle(qtbot, window)

    # Back on screen, the stored copy is gone; saving stores the edits.
    qtbot.keyClick(dialog.form.inputs["summary"], Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_S, CTRL)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: view.bundle.person.phone == PHONE, timeout=5000)
    assert not view.notice.isVisible()
    window.lock()
    wait_idle(qtbot, window)
    assert f"case.draft.{case_id}" not in stored_meta(path)


def test_a_draft_of_a_case_changed_by_sync_meanwhile_keeps_both(
        qtbot: Any, window_at_default: Any, tmp_path: Path) -> None:
    """Sync changed the case while the vault was locked: inputs the counselor did not touch
    show the new stored value; where both changed, the draft stays in the field and the notice
    names the stored value."""
    from kimdesk.config import default_vault_path

    window = window_at_default
    unlock_by_keys(qtbot, window)
    case_id = open_first_case(qtbot, window)
    view = window.workspace.case_view
    replace_field(qtbot, view.person_form.inputs["phone"], PHONE)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)  # Ctrl+L keeps the draft too, without asking
    qtbot.waitUntil(lambda: not window.unlocked)
    wait_idle(qtbot, window)

    # Meanwhile (as a sync would) the phone and the e-mail address change in the vault.
    with Vault.open(default_vault_path(), PASSPHRASE) as vault:
        case = vault.cases.get(case_id)
        person = vault.people.get(case.person_id)
        with vault.transaction():
            vault.people.update(person.model_copy(update={
                "phone": "+49 30 1234567", "email": "neu@example.org"}))

    unlock_by_keys(qtbot, window)
    qtbot.waitUntil(lambda: view.case_id == case_id and view.notice.isVisible(), timeout=10000)
    assert view.person_form.inputs["phone"].text() == PHONE  # the draft
    assert view.person_form.inputs["email"].text() == "neu@example.org"  # sync's, untouched
    assert "Changed elsewhere meanwhile" in view.notice.text()
    assert "Phone (stored now: +49 30 1234567)" in view.notice.text()
    window.grab().save(str(tmp_path / "restored-changed.png"))


def test_forms_tab_form_reopens_and_drafts_are_marked(
        qtbot: Any, window_at_default: Any, tmp_path: Path) -> None:
    """A form open at the lock opens again with its answers; the form and the case carry the
    draft marker (icon, "(draft)", tooltip) until the form is saved."""
    window = window_at_default
    unlock_by_keys(qtbot, window)
    case_id = open_first_case(qtbot, window)
    ws = window.workspace
    view = ws.case_view
    tab = view.forms_tab
    assert tab is not None
    row = ws.model.row_of_case(case_id)
    first = ws.model.index(row, 0)
    assert ws.model.data(first, Qt.ItemDataRole.DecorationRole) is None  # no draft yet
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # the Forms tab
    assert view.tabs.currentWidget() is tab
    qtbot.waitUntil(lambda: tab.registry is not None and tab.combo.count() > 1, timeout=10000)
    index = tab.combo.findData("verlauf")
    assert "(draft)" not in tab.combo.itemText(index)
    tab.combo.setFocus()
    while tab.combo.currentIndex() != index:
        qtbot.keyClick(tab.combo, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    editor = tab.widget.editor("next_steps")
    editor.setFocus()
    qtbot.keyClicks(editor, NEXT_STEPS)

    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    qtbot.waitUntil(lambda: not window.unlocked)
    wait_idle(qtbot, window)
    assert tab.widget is None

    unlock_by_keys(qtbot, window)
    qtbot.waitUntil(lambda: view.case_id == case_id, timeout=10000)
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    assert view.tabs.currentWidget() is tab
    assert tab.widget is not None
    assert tab.widget.answers().get("next_steps") == NEXT_STEPS
    assert tab.status.text() == "Draft restored."
    # The markers: the form in the list of forms, the case in the case list.
    qtbot.waitUntil(lambda: "verlauf" in tab.drafted, timeout=5000)
    index = tab.combo.findData("verlauf")
    assert tab.combo.itemText(index).endswith("(draft)")
    assert not tab.combo.itemIcon(index).isNull()
    assert "draft" in tab.combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: ws.model.row_of_case(case_id) >= 0, timeout=5000)
    first = ws.model.index(ws.model.row_of_case(case_id), 0)
    qtbot.waitUntil(lambda: ws.model.data(first, Qt.ItemDataRole.DecorationRole) is not None,
                    timeout=5000)
    assert "draft is saved" in ws.model.data(first, Qt.ItemDataRole.ToolTipRole)
    assert "draft is saved" in ws.model.data(first, Qt.ItemDataRole.AccessibleDescriptionRole)
    other = ws.model.index(ws.model.row_of_case(case_id), 1)
    assert ws.model.data(other, Qt.ItemDataRole.DecorationRole) is None
    window.grab().save(str(tmp_path / "draft-markers.png"))
