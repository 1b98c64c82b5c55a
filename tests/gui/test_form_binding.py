"""Forms connected to the case (issue 18, item 6), in the real window: the Erstgespräch opens
prefilled from the case, a refused save shows the first invalid question, a saved form changes
the case and appears in the timeline with its title."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit, QRadioButton, QWidget

from kimdesk.gui.datefield import DateField

pytestmark = pytest.mark.gui

SHOTS = Path(os.environ.get("KIMDESK_SHOTS", "/tmp/kimdesk-shots"))


def _pick_case(qtbot: Any, window: Any) -> tuple[str, Any, Any]:
    """A demo case with nationality, a known residence status, Rechtskreise (not yet the
    Einbürgerungsbehörde's) and Handlungsfelder, still open."""
    found: list[Any] = []

    def job(w: Any) -> Any:
        vault = w.require_vault()
        for case in vault.cases.where():
            person = vault.people.get(case.person_id)
            if (person.nationalities and person.residence_status != "unknown"
                    and case.rechtskreise and "stag" not in case.rechtskreise
                    and case.handlungsfelder and case.phase != "abschluss"):
                return case.id, case, person
        return None

    window.worker.submit(job, found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=10000)
    assert found[0] is not None
    return found[0]


def _press(qtbot: Any, widget: Any, path: str, choice: str) -> None:
    editor = widget.editor(path)
    button = editor.findChild(QRadioButton, f"choice:{choice}") or editor.findChild(
        QCheckBox, f"choice:{choice}")
    assert button is not None, (path, choice)
    qtbot.keyClick(button, Qt.Key.Key_Space)


def _shown_choice(editor: QWidget) -> Any:
    """The choice a select_one editor shows: the checked radio button or the combo's item."""
    combo = editor if isinstance(editor, QComboBox) else editor.findChild(QComboBox)
    if combo is not None:
        return combo.currentData()
    checked = [b for b in editor.findChildren(QRadioButton) if b.isChecked()]
    return checked[0].objectName().removeprefix("choice:") if checked else None


def _in_view(widget: Any, editor: QWidget) -> bool:
    """Whether the editor lies inside the visible part of the form's scroll area."""
    area = widget._scroll
    top = editor.mapTo(area.widget(), QPoint(0, 0)).y()
    shown = area.verticalScrollBar().value()
    return shown <= top and top + editor.height() <= shown + area.viewport().height()


def _focus_inside(editor: QWidget) -> bool:
    focused = QApplication.focusWidget()
    return focused is editor or (focused is not None and editor.isAncestorOf(focused))


def test_erstgespraech_is_connected_to_the_case(qtbot: Any, demo_window: Any) -> None:
    window = demo_window
    ws = window.workspace
    case_id, case, person = _pick_case(qtbot, window)
    ws.open_case(case_id)
    view = ws.case_view
    tab = view.forms_tab
    view.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.registry is not None and tab.combo.count() > 1, timeout=10000)
    qtbot.keyClicks(tab.combo, "Initial")  # the combo's keyboard search opens the form
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    w = tab.widget

    # prefilled from the case and person
    assert _shown_choice(w.editor("origin_country")) == person.nationalities[0]
    assert _shown_choice(w.editor("residence_status")) == person.residence_status
    for code in case.rechtskreise:
        assert w.editor("rechtskreise").findChild(QCheckBox, f"choice:{code}").isChecked()
    assert not w.editor("rechtskreise").findChild(QCheckBox, "choice:stag").isChecked()
    SHOTS.mkdir(parents=True, exist_ok=True)
    w.form_body().grab().save(str(SHOTS / "binding-prefilled.png"))

    # fill the top by keys, leave "wants case management" (at the bottom) unanswered
    day = date.today() - timedelta(days=1)
    field = w.editor("consultation_date")
    field = field if isinstance(field, DateField) else field.findChild(DateField)
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(field, day.strftime("%d%m%y"))  # digits only: read in the locale's order
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert field.value() == day
    minutes = w.editor("duration")
    qtbot.mouseClick(minutes, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(minutes, "50")
    for path, choice in (("contact_source", "jobcenter"), ("place", "office"),
                         ("interpreter", "no"), ("urgent", "no")):
        _press(qtbot, w, path, choice)
    bottom = w.editor("wants_case_management")
    assert not _in_view(w, bottom)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "Does the person want case management?" in tab.status.text()
    qtbot.waitUntil(lambda: _focus_inside(bottom), timeout=3000)
    assert _in_view(w, bottom)
    assert w.message("wants_case_management")
    window.grab().save(str(SHOTS / "binding-first-error.png"))

    # answer it, add a Rechtskreis and a summary, save
    _press(qtbot, w, "wants_case_management", "no")
    _press(qtbot, w, "rechtskreise", "stag")
    summary = w.editor("summary")
    summary = summary if isinstance(summary, QLineEdit) else summary.findChild(QWidget)
    qtbot.keyClicks(summary, "Needs a flat")
    before = len(view.tab_widgets["consultations"].records)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Consultation saved." in tab.status.text(), timeout=10000)
    qtbot.waitUntil(lambda: len(view.tab_widgets["consultations"].records) == before + 1,
                    timeout=10000)
    assert "stag" in view.bundle.case.rechtskreise
    listing = view.case_form.inputs["rechtskreise"]
    checked = [listing.item(i).data(Qt.ItemDataRole.UserRole) for i in range(listing.count())
               if listing.item(i).checkState() == Qt.CheckState.Checked]
    assert "stag" in checked
    tree = view.tab_widgets["consultations"].tree
    texts = [tree.topLevelItem(i).text(4) for i in range(tree.topLevelItemCount())]
    row = texts.index("Needs a flat")
    # the form's title is the consultation's title (issue 18.6), in its own column
    assert tree.topLevelItem(row).text(1) == "Initial interview / clearing"
    assert tree.topLevelItem(row).text(3) == "50 min"
    assert view.tab_widgets["consultations"].records[row].date == day
    view.tabs.setCurrentWidget(view.tab_widgets["consultations"])
    window.grab().save(str(SHOTS / "binding-timeline.png"))
