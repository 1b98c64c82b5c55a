"""Quitting while the vault lane is busy (issue 18.10: "quitting takes 4 s with no feedback"):
the window does not freeze behind queued work, says why it waits, and still saves the draft and
closes the vault before it goes. Counted by the order of events, never timed."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import PASSPHRASE, wait_idle

pytestmark = pytest.mark.gui


def test_quit_does_not_block_on_a_slow_job(qtbot: Any, demo_window: Any) -> None:
    window = demo_window
    ws = window.workspace
    case_id = ws.model.row_at(0).case_id
    ws.open_case(case_id)
    tab = ws.case_view.forms_tab
    qtbot.waitUntil(lambda: tab.registry is not None and tab.combo.count() > 1, timeout=10000)
    tab.open_form("verlauf")
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    wait_idle(qtbot, window)
    editor = tab.widget.editor("next_steps")
    editor.setFocus()
    qtbot.keyClicks(editor, "Termin beim Jobcenter")  # an unsaved form: a draft at the close

    events: list[str] = []
    started, gate = threading.Event(), threading.Event()

    def slow(_w: Any) -> None:  # a sync run or an offline probe holding the vault lane
        started.set()
        gate.wait(5)
        events.append("job ended")

    window.worker.submit(slow)
    assert started.wait(5)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    events.append("close returned")
    assert events == ["close returned"]  # the GUI thread did not wait for the job
    assert window.isVisible() and window.closer.waits == 1
    assert window.statusBar().currentMessage() == \
        "Closing… saving your work and closing the vault."
    assert not window.stack.isEnabled()
    assert window.worker.vault is not None  # closed only after the queued work
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert window.isVisible() and window.closer.waits == 1  # a second Ctrl+Q: same close

    gate.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert events == ["close returned", "job ended"]
    assert window.worker.vault is None

    from kimdesk.forms.drafts import VaultDraftStore
    from kimdesk.vault.vault import Vault

    with Vault.open(window.vault_path, PASSPHRASE) as vault:  # the draft landed before closing
        keys = VaultDraftStore(vault).keys()
    assert any(key.startswith(f"{case_id}:verlauf") for key in keys)


def test_quit_when_idle_closes_at_once(qtbot: Any, demo_window: Any) -> None:
    window = demo_window
    wait_idle(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible() and window.closer.waits == 0
    assert window.worker.vault is None


def test_the_wait_names_the_sync(demo_window: Any) -> None:
    from kimdesk.gui.closing import MSG_CLOSING_SYNC
    from kimdesk.sync.schedule import SyncState

    controller = demo_window.sync_controller
    assert controller is not None
    controller.schedule.state = SyncState.OFFLINE  # probing an unreachable server
    assert demo_window.closer.reason() == MSG_CLOSING_SYNC
