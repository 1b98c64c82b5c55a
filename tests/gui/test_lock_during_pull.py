"""The vault locks while a pulled page's transaction holds the vault's write lock: the lock's draft
is written after that transaction, not given up after the busy timeout (about 5 s) while the lock
screen claims it was kept; and a draft that cannot be written is not claimed (2026-12-06).

The long page is made by a hook, not by timing: the page, once all its records are written, waits
inside its transaction until the vault lane has got past the draft's write (before: given up) or
waits for the sync lane's job to end (after). Either way the vault lane ends up waiting for the
sync lane (the vault closes only after the sync job), and only then is the page let go.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QThread

from kimdesk.vault import drafts
from tests.gui.conftest import unlock, wait_idle
from tests.gui.test_edit_during_sync import (  # noqa: F401 (fixtures)
    Boxes,
    Colleague,
    boxes,
    open_only_case,
    open_window,
    team,
    type_over,
)
from tests.gui.test_lock_after_save import client_files, lock_by_key
from tests.gui.test_lock_drafts import open_first_case, stored_meta
from tests.gui.test_no_plaintext import scan
from tests.gui.test_save_during_pull import colleague_adds_many, hold_a_page
from tests.sync.helpers import sqlite_server  # noqa: F401 (fixture of team)

pytestmark = pytest.mark.gui

PHONE = "0521 6620884"


class WatchedGuard:
    """The worker's sync guard (held by a running sync-lane job), telling when the vault lane
    waits for it."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock
        self.vault_lane_waits = threading.Event()

    def __enter__(self) -> WatchedGuard:
        if QThread.currentThread().objectName() == "kimdesk-db":
            self.vault_lane_waits.set()
        self.lock.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.lock.release()


def test_the_lock_draft_waits_for_a_long_pulled_page(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],  # noqa: F811
        boxes: Boxes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # noqa: F811
    path, colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    colleague_adds_many(colleague)
    release = threading.Event()
    inside, held = hold_a_page(monkeypatch, release)
    guard = WatchedGuard(window.worker._sync_guard)
    monkeypatch.setattr(window.worker, "_sync_guard", guard)
    type_over(qtbot, view.person_form.inputs["phone"], PHONE)
    window.sync.sync_now()
    qtbot.waitUntil(inside.is_set, timeout=60000)
    try:
        lock_by_key(qtbot, window)
        qtbot.waitUntil(guard.vault_lane_waits.is_set, timeout=60000)
    finally:
        release.set()
    wait_idle(qtbot, window, timeout=60000)
    qtbot.waitUntil(lambda: window.worker.vault is None and not window.worker.syncing,
                    timeout=60000)
    assert held == [1]
    draft = stored_meta(path).get(f"case.draft.{ids['case']}", "")
    assert PHONE in draft, "the draft's write gave up while the page held the vault"
    assert "kept as an encrypted draft" in window.unlock_screen.error.text()
    assert boxes.texts == []
    assert scan(client_files(path, tmp_path), {PHONE, "Quellbach", "Pullmann"}) == []

    unlock(qtbot, window)
    qtbot.waitUntil(lambda: view.case_id == ids["case"] and view.notice.isVisible(),
                    timeout=10000)
    assert view.person_form.inputs["phone"].text() == PHONE and view.dirty


def test_a_draft_that_cannot_be_written_is_not_claimed(
        qtbot: Any, demo_window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The write of the draft fails (the disk is full): the lock screen says, as an error, that
    the entries could not be kept, instead of "kept as an encrypted draft"."""
    window = demo_window
    case_id = open_first_case(qtbot, window)
    view = window.workspace.case_view
    type_over(qtbot, view.person_form.inputs["phone"], PHONE)
    plain = drafts.LocalDocuments.save

    def save(self: drafts.LocalDocuments, key: str, document: dict[str, Any]) -> None:
        if self.prefix == drafts.CASE_DRAFTS:
            raise OSError(28, "No space left on device")
        plain(self, key, document)

    monkeypatch.setattr(drafts.LocalDocuments, "save", save)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not window.unlocked
    wait_idle(qtbot, window)
    label = window.unlock_screen.error
    assert "encrypted draft" not in label.text()
    assert "could not be kept" in label.text() and label.property("tone") == "error"
    assert f"case.draft.{case_id}" not in stored_meta(window.vault_path)
