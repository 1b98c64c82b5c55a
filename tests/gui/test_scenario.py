"""The issue's scenario, end to end in the real window: create vault -> person and case ->
consultation -> search -> idle lock -> unlock -> data intact; then Arabic."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

from kimdesk.domain.models import Consultation
from kimdesk.gui.caseview import CaseBundle, CaseView
from tests.gui.conftest import PASSPHRASE, unlock, wait_idle

pytestmark = pytest.mark.gui


def _save(dialog: Any) -> None:
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()


def shown_bundle(view: CaseView) -> CaseBundle:
    """The case the view shows (mypy would keep ``view.bundle`` narrowed to None after an
    ``assert view.bundle is None`` further up, though the view loaded a case since)."""
    assert view.bundle is not None
    return view.bundle


def test_daily_workflow(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    path = tmp_path / "new.kdb"
    window = make_window(path)
    create = window.create_screen
    assert window.stack.currentWidget() is create  # no vault yet: the create screen
    assert "cannot recover" in create.ui.warningLabel.text() or "recover" in \
        create.ui.warningLabel.text()

    # Passphrase twice, strength shown, the warning acknowledged.
    qtbot.keyClicks(create.ui.counselorEdit, "a.becker")
    qtbot.keyClicks(create.ui.passphraseEdit, "short")
    assert create.ui.strengthBar.value() <= 1
    assert not create.ui.createButton.isEnabled()
    create.ui.passphraseEdit.setText(PASSPHRASE)
    assert create.ui.strengthBar.value() >= 3
    qtbot.keyClicks(create.ui.repeatEdit, "correct horse battery stapel")
    assert create.ui.errorLabel.text() == "The passphrases differ."
    create.ui.repeatEdit.setText(PASSPHRASE)
    assert not create.ui.createButton.isEnabled()  # the warning is not confirmed yet
    create.ui.understoodCheck.setChecked(True)
    assert create.ui.createButton.isEnabled()
    qtbot.mouseClick(create.ui.createButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.unlocked, timeout=15000)
    wait_idle(qtbot, window)
    ws = window.workspace
    assert ws.model.rowCount() == 0
    assert path.exists()

    # New case: a validation message beside the empty family name, then a valid person.
    dialog = window.new_case()
    form = dialog.person_form
    _save(dialog)
    assert dialog.isVisible()
    assert form.errors["family_name"].isVisible()
    assert form.errors["family_name"].text() == "This field must not be empty."
    qtbot.keyClicks(form.inputs["given_name"], "Olena")
    form.inputs["family_name"].setText("Petrenko")
    form.inputs["birth_date"].setDate(QDate(2100, 1, 1))
    _save(dialog)
    assert dialog.isVisible()
    assert form.errors["birth_date"].text() == "The birth date lies in the future."
    form.inputs["birth_date"].setDate(QDate(1988, 4, 2))
    form.inputs["nationalities"].setText("UA")
    form.inputs["languages"].setText("uk, de")
    form.inputs["preferred_language"].setText("uk")
    _save(dialog)
    assert not dialog.isVisible()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: ws.model.rowCount() == 1, timeout=5000)
    view = ws.case_view
    qtbot.waitUntil(lambda: view.bundle is not None, timeout=5000)
    assert view.ui.nameLabel.text() == "Petrenko, Olena"
    assert window.count_label.text() == "1 of 1 case"

    # Record a consultation (Ctrl+T) in the timeline.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(QDialog, "dialog_consultations") is not None)
    consult = window.findChild(QDialog, "dialog_consultations")
    consult.form.inputs["summary"].setPlainText("Anerkennung Berufsabschluss besprochen")
    _save(consult)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: view.tab_widgets["consultations"].tree.topLevelItemCount() == 1)
    item = view.tab_widgets["consultations"].tree.topLevelItem(0)
    assert "Anerkennung" in item.text(4)

    # Search finds the case (debounced, off the GUI thread); a miss empties the list.
    qtbot.keyClicks(ws.search, "petr")
    qtbot.waitUntil(lambda: ws.queries_done >= 4 and ws.model.rowCount() == 1, timeout=5000)
    ws.search.setText("")
    qtbot.keyClicks(ws.search, "nobody")
    qtbot.waitUntil(lambda: ws.model.rowCount() == 0, timeout=5000)
    ws.search.setText("Petrenko")
    qtbot.waitUntil(lambda: ws.model.rowCount() == 1, timeout=5000)

    # Idle lock: everything cleared, unlock screen shown.
    window.idle.set_timeout(200)
    window.idle.start()
    qtbot.waitUntil(lambda: not window.unlocked, timeout=5000)
    assert window.stack.currentWidget() is window.unlock_screen
    assert ws.model.rowCount() == 0
    assert ws.search.text() == ""
    assert view.bundle is None and view.ui.nameLabel.text() == ""
    assert view.tab_widgets["consultations"].tree.topLevelItemCount() == 0
    assert "without input" in window.unlock_screen.error.text()
    wait_idle(qtbot, window)
    assert window.worker.vault is None

    # A wrong passphrase says so and makes the next try wait.
    screen = window.unlock_screen
    screen.passphrase.setText("wrong passphrase")
    screen.button.click()
    qtbot.waitUntil(lambda: screen.failures == 1, timeout=10000)
    assert "Wrong passphrase" in screen.error.text()
    assert not screen.button.isEnabled()
    qtbot.waitUntil(lambda: screen.button.isEnabled(), timeout=5000)

    # Unlock: the data is intact.
    unlock(qtbot, window)
    assert ws.model.rowCount() == 1
    ws.open_case(ws.model.data(ws.model.index(0, 0), Qt.ItemDataRole.UserRole))
    qtbot.waitUntil(lambda: view.bundle is not None, timeout=5000)
    bundle = shown_bundle(view)
    consultations = cast(list[Consultation], bundle.records["consultations"])
    assert [c.summary for c in consultations] == ["Anerkennung Berufsabschluss besprochen"]
    assert consultations[0].date == date.today()
    assert bundle.person.languages == ["uk", "de"]

    # Arabic: right-to-left layout and translated labels, at run time.
    window.switch_language("ar")
    assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.isRightToLeft() and view.isRightToLeft()
    assert window.actions_["lock"].text() not in ("&Lock", "")
    assert view.tabs.tabText(0) != "Person and case"
    assert ws.model.headerData(0, Qt.Orientation.Horizontal) != "Case number"
    assert view.person_form.labels["family_name"].text() != "Family name"
    window.switch_language("en")
    assert QApplication.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert view.tabs.tabText(0) == "Person and case"
