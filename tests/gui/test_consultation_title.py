"""Issue 18, item 6: a consultation has a title, and its duration may be unknown. By keys: the
consultation dialog (Ctrl+T) takes a title, leaves the duration empty (no 60 prefilled), refuses
a duration of 0 and an over-long title with translated messages beside the fields, and saves;
the case's list shows the title and a dash for the duration, the vault holds None; a raw byte
scan of every file the session wrote finds the title only inside the encrypted vault."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit

from kimdesk.domain.models import Person
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock, wait_idle
from tests.gui.test_no_plaintext import scan, user_folders  # noqa: F401

pytestmark = pytest.mark.gui
TITLE = "Termin Jobcenter vorbereitet"
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def _dialog(qtbot: Any, window: Any) -> Any:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(QDialog, "dialog_consultations") is not None
                    and window.findChild(QDialog, "dialog_consultations").isVisible())
    return window.findChild(QDialog, "dialog_consultations")


def test_title_typed_duration_left_empty(qtbot: Any, make_window: Any, tmp_path: Path,
                                         user_folders: dict[str, Path]) -> None:  # noqa: F811
    path = user_folders["data"] / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="a.becker", team="Team Nord") as vault:
        person = vault.people.add(Person(given_name="Olena", family_name="Petrenko"))
        case = vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    window = make_window(path)
    unlock(qtbot, window)
    ws = window.workspace
    ws.open_case(case.id)
    view = ws.case_view
    qtbot.waitUntil(lambda: view.bundle is not None, timeout=5000)

    dialog = _dialog(qtbot, window)
    form = dialog.form
    title, minutes = form.inputs["title"], form.inputs["duration_minutes"]
    assert isinstance(minutes, QLineEdit) and minutes.text() == ""  # no assumed hour
    # a duration of 0 and a title of 201 characters are refused beside their fields
    minutes.setFocus()
    qtbot.keyClicks(minutes, "0")
    title.setFocus()
    qtbot.keyClicks(title, "x" * 201)
    qtbot.keyClick(title, Qt.Key.Key_Return)  # Enter saves (the dialog's default button)
    assert dialog.isVisible()
    assert form.errors["duration_minutes"].text() == "Enter a number between 1 and 720."
    assert form.errors["title"].text() == "At most 200 characters, please."
    qtbot.keyClicks(minutes, "x")  # letters do not go in (digits only)
    assert minutes.text() == "0"
    qtbot.keyClick(minutes, Qt.Key.Key_Backspace)
    title.selectAll()
    qtbot.keyClicks(title, TITLE)
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "consultation-title-dialog.png"))
    qtbot.keyClick(title, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    wait_idle(qtbot, window)

    tree = view.tab_widgets["consultations"].tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=5000)
    headers = [tree.headerItem().text(i) for i in range(tree.columnCount())]
    assert headers == ["Date", "Title", "Place", "Duration", "Summary"]
    row = tree.topLevelItem(0)
    assert (row.text(1), row.text(3)) == (TITLE, "\u2014")
    view.tabs.setCurrentWidget(view.tab_widgets["consultations"])
    window.grab().save(str(SHOTS / "consultation-title-list.png"))
    [stored] = window.worker.vault.consultations.for_case(case.id)
    assert (stored.title, stored.duration_minutes) == (TITLE, None)

    # the title lives only in the encrypted vault (no cache, draft file or log outside it)
    window.close()
    window.worker.stop()
    assert scan([tmp_path], {TITLE}) == []
    with Vault.open(path, PASSPHRASE) as vault:  # and it is there
        [stored] = vault.consultations.for_case(case.id)
        assert (stored.title, stored.duration_minutes) == (TITLE, None)
