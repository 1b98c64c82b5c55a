"""A form's save answered after the counselor went on to another case (left open by the review of
2026-12-07): the answer's line ("Consultation saved.", or that it was not saved) stood in the Forms
tab of the case she had gone to, as if that case's form had been saved.

Real vault files, the real window driven by keys; the order is made by holding the vault lane
(everything pressed meanwhile queues behind it), never by timing.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from PySide6.QtCore import Qt

from kimdesk.forms import drafts
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE
from tests.gui.test_edit_during_sync import Boxes, boxes, open_window  # noqa: F401 (fixtures)
from tests.gui.test_lock_after_save import vault_lane_held
from tests.gui.test_no_plaintext import user_folders  # noqa: F401 (fixture of two_cases)
from tests.gui.test_refused_elsewhere import (  # noqa: F401 (fixtures)
    NUMBER_A,
    open_by_keys,
    status_messages,
    team,
    two_cases,
)
from tests.gui.test_save_interleavings import Team, answered, fill_a_followup, form_consultations
from tests.sync.helpers import sqlite_server  # noqa: F401 (fixture of team)

pytestmark = pytest.mark.gui


def saved_while_b_loads(qtbot: Any, make_window: Any, cases: Team) -> tuple[Any, list[str]]:
    """Case A's follow-up form filled; Enter on case B, then (B not read yet) Save on A's form.
    Once all is answered, B is on screen and its Forms tab says nothing. Returns the window and
    every status bar message since the form was filled."""
    path, _colleague, ids = cases
    window = open_window(qtbot, make_window, path)
    view = open_by_keys(qtbot, window, ids["case"])
    tab = fill_a_followup(qtbot, window, view)
    shown = status_messages(window)
    with vault_lane_held(window):
        open_by_keys(qtbot, window, ids["case_b"], wait=False)
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    answered(qtbot, window)
    assert view.case_id == ids["case_b"]
    assert tab.status.text() == "", tab.status.text()
    return window, shown


def test_a_form_saved_as_she_left_the_case_is_announced_for_its_own_case(
        qtbot: Any, make_window: Any, two_cases: Team, boxes: Boxes) -> None:  # noqa: F811
    """Enter on case B, then (B not read yet, A's follow-up form still on screen) Save: B came
    first, then the save's answer, and B's Forms tab said "Consultation saved." Now the status
    bar names case A, B's tab says nothing."""
    path, _colleague, ids = two_cases
    window, shown = saved_while_b_loads(qtbot, make_window, two_cases)
    assert f"Case {NUMBER_A}: Consultation saved." in shown, shown
    window.worker.stop()
    [stored] = form_consultations(path)
    assert stored.case_id == ids["case"]


def test_a_form_not_saved_as_she_left_the_case_says_so_for_its_own_case(
        qtbot: Any, make_window: Any, two_cases: Team, boxes: Boxes,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same, with the save failing (the vault busy behind sync's write: SQLite's own error,
    injected into the save alone, since a real lock would stop the draft's write before it too).
    B's tab said why case A's form was not saved, as if it were B's. Now the status bar says case
    A's form was not saved and why, and that its answers are kept as a draft; the draft is there."""
    path, _colleague, ids = two_cases

    def busy(*_args: Any, **_kwargs: Any) -> Any:
        raise sqlcipher.OperationalError("database is locked")

    monkeypatch.setattr(drafts, "save_consultation", busy)
    window, shown = saved_while_b_loads(qtbot, make_window, two_cases)
    assert boxes.texts == []
    [line] = [m for m in shown if m.startswith(f"Case {NUMBER_A}: the form was not saved")]
    assert "The vault was busy" in line and "kept as a draft" in line, line
    window.worker.stop()
    assert form_consultations(path) == []
    with Vault.open(path, PASSPHRASE) as vault:
        kept = vault.conn.execute("SELECT count(*) FROM vault_meta WHERE key LIKE ?",
                                  (f"forms.draft.{ids['case']}:verlauf%",)).fetchone()[0]
    assert kept == 1
