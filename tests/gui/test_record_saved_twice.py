"""The same entry saved twice before the first save's answer (left open by the review of
2026-12-07): she saves a note, opens it again from the list (which still shows what was read
before) and saves a correction, all while the vault lane is busy. The second save, built on the
same read as the first, was refused for the first one's revision and came back as "changed
meanwhile on another device", although the only change was her own.

Real vault files, the real window, the editors driven by keys; the order is made by holding the
vault lane, never by timing.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from kimdesk.domain.models import Goal
from kimdesk.gui.records import RecordDialog
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE
from tests.gui.test_edit_during_sync import (  # noqa: F401 (fixtures)
    CTRL,
    NOTE_TEXT,
    Boxes,
    Colleague,
    boxes,
    open_only_case,
    open_window,
    stored,
    team,
)
from tests.gui.test_lock_after_save import vault_lane_held
from tests.gui.test_refused_elsewhere import status_messages
from tests.gui.test_save_interleavings import Team, answered
from tests.sync.helpers import sqlite_server  # noqa: F401 (fixture of team)

pytestmark = pytest.mark.gui


def edit_and_save(qtbot: Any, view: Any, key: str, field: str, text: str) -> None:
    """The list's first entry of ``key`` opened, ``text`` typed at the end of ``field``, Save."""
    view.tabs.setCurrentWidget(view.tab_widgets[key])
    dialog = view.edit_record(key, 0)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    editor = dialog.form.inputs[field]
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_End, CTRL)
    qtbot.keyClicks(editor, text)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert not dialog.isVisible()


def no_editor_back(view: Any) -> bool:
    return not [d for d in view.findChildren(RecordDialog) if d.isVisible()]


def test_a_note_saved_twice_before_the_answer_is_stored_without_a_refusal(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    path, _colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    shown = status_messages(window)
    with vault_lane_held(window):
        edit_and_save(qtbot, view, "notes", "text", " - Termin 14 Uhr")
        edit_and_save(qtbot, view, "notes", "text", " - Termin 15 Uhr")
    answered(qtbot, window)
    assert not any("meanwhile" in m for m in shown), shown
    assert boxes.texts == [] and no_editor_back(view)
    window.worker.stop()
    assert stored(path, "notes", ids["note"]).text == NOTE_TEXT + " - Termin 15 Uhr"


def test_two_saves_of_one_goal_keep_both_inputs(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """The first save changed the steps, the second (opened from the list before the first's
    answer, so with the old steps) the person responsible: both are stored, the second save does
    not write the old steps back."""
    path, _colleague, ids = team
    with Vault.open(path, PASSPHRASE) as vault:
        goal = vault.goals.add(Goal(case_id=ids["case"], goal="Sprachkurs B1 abschließen"))
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    with vault_lane_held(window):
        edit_and_save(qtbot, view, "goals", "steps", "Anmeldung VHS Quarzweg")
        edit_and_save(qtbot, view, "goals", "responsible", "Frau Quellbach")
    answered(qtbot, window)
    assert boxes.texts == [] and no_editor_back(view)
    window.worker.stop()
    now = stored(path, "goals", goal.id)
    assert (now.steps, now.responsible) == ("Anmeldung VHS Quarzweg", "Frau Quellbach")


def test_a_colleague_s_change_between_her_two_saves_still_refuses_the_second(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """Only her own write is written on top of: a change pulled between the two saves (written
    here on the sync lane's second connection, as sync writes) still refuses the second save,
    whose entries come back in its editor."""
    path, _colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])

    def pulled(w: Any) -> None:
        other = w.require_vault().open_sibling()
        try:
            note = other.notes.get(ids["note"])
            other.notes.update(note.model_copy(update={"text": "vom Kollegen"}))
        finally:
            other.close()

    with vault_lane_held(window):
        edit_and_save(qtbot, view, "notes", "text", " - Termin 14 Uhr")
        window.worker.submit(pulled)
        edit_and_save(qtbot, view, "notes", "text", " - Termin 15 Uhr")
    answered(qtbot, window)
    qtbot.waitUntil(lambda: not no_editor_back(view), timeout=10000)
    again = next(d for d in view.findChildren(RecordDialog) if d.isVisible())
    assert again.form.inputs["text"].toPlainText().endswith(" - Termin 15 Uhr")
    again.reject()
    window.worker.stop()
    assert stored(path, "notes", ids["note"]).text == "vom Kollegen"
