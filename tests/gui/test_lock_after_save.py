"""The vault locks right after a save was asked for, before the save ran, and the save is then
refused (the record was changed meanwhile by sync): what the counselor typed comes back as a lock
draft after unlock. A save that goes through is not brought back (nothing doubled).

Before, the inputs counted as saved from the moment the save was queued, so the lock's draft took
nothing, and the refusal arrived on the lock screen: the typed work was in neither the vault nor
the draft (2026-12-06).

The order is made by holding the vault lane, not by timing: a job that waits for the test runs
first, so Ctrl+S and Ctrl+L both happen while the save is still queued behind it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from kimdesk.gui.records import RecordDialog
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock, wait_idle
from tests.gui.test_edit_during_sync import (  # noqa: F401 (fixtures)
    CTRL,
    HER_ADDITION,
    NOTE_TEXT,
    Boxes,
    Colleague,
    boxes,
    open_only_case,
    open_window,
    press,
    save_by_key,
    stored,
    sync_by_key,
    team,
    type_over,
    typing_into_the_note,
)
from tests.gui.test_lock_drafts import stored_meta
from tests.gui.test_no_plaintext import scan
from tests.sync.helpers import sqlite_server  # noqa: F401 (fixture of team)

pytestmark = pytest.mark.gui

PHONE = "0521 7730991"
NEW_NOTE = "Rueckruf Wohnungsamt Kiebitzweg"


@contextlib.contextmanager
def vault_lane_held(window: Any) -> Iterator[None]:
    """Everything queued on the vault lane inside the block runs only after it."""
    holding, release = threading.Event(), threading.Event()

    def hold(_w: Any) -> None:
        holding.set()
        assert release.wait(60)

    window.worker.submit(hold)
    assert holding.wait(10)
    try:
        yield
    finally:
        release.set()


def lock_by_key(qtbot: Any, window: Any) -> None:
    press(qtbot, window, Qt.Key.Key_L, CTRL)
    assert not window.unlocked


def client_files(path: Path, tmp_path: Path) -> list[Path]:
    """Her vault's files and the window's settings (the server and the colleague are not hers)."""
    return [p for p in tmp_path.iterdir() if p.name.startswith((path.name, "settings"))]


def test_a_save_refused_after_the_lock_comes_back_and_one_that_went_through_does_not(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],  # noqa: F811
        boxes: Boxes, tmp_path: Path) -> None:  # noqa: F811
    """She types a phone number and presses Ctrl+S, adds a note and saves it, then locks, all
    before the saves ran. The colleague's pulled e-mail address makes the person's save refused;
    the note's save goes through. After unlock: her phone number is back in its field (unsaved),
    the note is there once, and no editor of it comes back."""
    path, colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    type_over(qtbot, view.person_form.inputs["phone"], PHONE)
    colleague.edit("people", ids["person"], email="mira.neu@example.org")
    sync_by_key(qtbot, window)
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        assert not view.dirty  # the save is queued
        press(qtbot, window, Qt.Key.Key_N, CTRL | Qt.KeyboardModifier.ShiftModifier)
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, RecordDialog) and dialog.kind.key == "notes"
        qtbot.keyClicks(dialog.form.inputs["text"], NEW_NOTE)
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        assert not dialog.isVisible()
        lock_by_key(qtbot, window)
    wait_idle(qtbot, window)
    assert window.worker.vault is None
    draft = stored_meta(path).get(f"case.draft.{ids['case']}", "")
    assert PHONE in draft, "the refused save's entries are neither stored nor in the draft"
    assert boxes.texts == []  # the refusal did not open a box over the lock screen
    assert "kept as an encrypted draft" in window.unlock_screen.error.text()
    assert NEW_NOTE not in draft  # stored: not kept twice
    assert scan(client_files(path, tmp_path), {PHONE, NEW_NOTE, "Quellbach"}) == []

    unlock(qtbot, window)
    qtbot.waitUntil(lambda: view.case_id == ids["case"] and view.notice.isVisible(),
                    timeout=10000)
    assert view.person_form.inputs["phone"].text() == PHONE
    assert view.person_form.inputs["email"].text() == "mira.neu@example.org"
    assert view.dirty and "from before the lock are back" in view.notice.text()
    assert not [d for d in view.findChildren(RecordDialog) if d.isVisible()]
    assert [n.text for n in view.tab_widgets["notes"].records].count(NEW_NOTE) == 1
    save_by_key(qtbot, window)
    assert not view.dirty and boxes.texts == []
    window.worker.stop()
    person = stored(path, "people", ids["person"])
    assert (person.phone, person.email) == (PHONE, "mira.neu@example.org")
    with Vault.open(path, PASSPHRASE) as vault:
        assert [n.text for n in vault.notes.where()].count(NEW_NOTE) == 1
        assert vault.get_meta(f"case.draft.{ids['case']}", "") == ""


def test_a_note_save_refused_after_the_lock_reopens_its_editor(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],  # noqa: F811
        boxes: Boxes) -> None:  # noqa: F811
    """She adds to a note the colleague changed meanwhile (pulled), saves it and locks before
    the save ran: after unlock the note's editor is open again with her text on the stored note,
    and the notice names the colleague's version."""
    path, colleague, ids = team
    window, view, dialog = typing_into_the_note(qtbot, make_window, team)
    theirs = NOTE_TEXT + " (Bert: erledigt)"
    colleague.edit("notes", ids["note"], text=theirs)
    sync_by_key(qtbot, window)
    with vault_lane_held(window):
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        assert not dialog.isVisible()
        lock_by_key(qtbot, window)
    wait_idle(qtbot, window)
    assert HER_ADDITION.strip() in stored_meta(path).get(f"case.draft.{ids['case']}", ""), \
        "the refused note is neither stored nor in the draft"
    assert boxes.texts == []

    unlock(qtbot, window)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in view.findChildren(RecordDialog)),
                    timeout=10000)
    again = next(d for d in view.findChildren(RecordDialog) if d.isVisible())
    assert again.existing is not None and again.existing.text == theirs
    assert again.form.inputs["text"].toPlainText() == NOTE_TEXT + HER_ADDITION
    assert "(Bert: erledigt)" in view.notice.text()
