"""Typing dates (issue #18, point 1): the new case's birth date, the case's review date and a form's
date question take ``15.03.1988``, ``15.3.88`` and ``150388`` typed by key clicks, Tab leaves the
field, a date that is no date keeps what was typed and says so beside the field, the calendar
opens at today (or the field's date), and the stored values are right."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kimdesk.gui.datefield import DateField, Years, field_order, parse_date
from tests.gui.conftest import unlock, wait_idle

pytestmark = pytest.mark.gui

SPELLINGS = ["15.03.1988", "15.3.88", "150388"]


# -- the rules, without widgets ------------------------------------------------------------------
@pytest.mark.parametrize("text", [*SPELLINGS, "15031988", "15/3/1988", " 15 3 88 "])
def test_spellings_of_one_birth_date(text: str) -> None:
    assert parse_date(text, "dMy", Years.PAST, date(2026, 12, 3)) == date(1988, 3, 15)


def test_two_digit_years() -> None:
    today = date(2026, 12, 3)
    past = [parse_date(t, "dMy", Years.PAST, today) for t in ("1.1.05", "3.12.26", "4.12.26")]
    assert past == [date(2005, 1, 1), date(2026, 12, 3), date(1926, 12, 4)]  # never after today
    future = [parse_date(t, "dMy", Years.FUTURE, today) for t in ("1.1.30", "1.1.06", "1.1.05")]
    assert future == [date(2030, 1, 1), date(2006, 1, 1), date(2105, 1, 1)]
    near = [parse_date(t, "dMy", Years.NEAR, today) for t in ("1.1.75", "1.1.76", "1.1.30")]
    assert near == [date(2075, 1, 1), date(1976, 1, 1), date(2030, 1, 1)]


@pytest.mark.parametrize("text", ["31.02.1988", "15.13.88", "1503", "15.03", "15.03.198",
                                  "15.3.88x", "gestern", "1.2.3.4"])
def test_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text, "dMy", Years.PAST, date(2026, 12, 3))


def test_locale_orders() -> None:
    assert field_order("dd.MM.yyyy") == "dMy" and field_order("M/d/yyyy") == "Mdy"
    assert field_order("yyyy/M/d") == "yMd" and field_order("d\u200f/M\u200f/yyyy") == "dMy"
    assert parse_date("1988/3/15", "yMd") == date(1988, 3, 15)
    assert parse_date("880315", "yMd", Years.PAST) == date(1988, 3, 15)
    assert parse_date("\u0661\u0665/\u0663/\u0661\u0669\u0668\u0668", "dMy") == date(1988, 3, 15)


# -- in the real window --------------------------------------------------------------------------
def _type_date(qtbot: Any, field: DateField, text: str) -> None:
    """Click into the field, replace what it holds by typing, leave with Tab."""
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Tab)


def _active_dialog(qtbot: Any, window: Any, name: str) -> Any:
    qtbot.waitUntil(lambda: window.findChild(QDialog, name) is not None
                    and window.findChild(QDialog, name).isVisible())
    dialog = window.findChild(QDialog, name)
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def test_new_case_birth_date_typed(qtbot: Any, make_window: Any, demo_vault_file: Path,
                                   tmp_path: Path) -> None:
    copy = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, copy)
    window = make_window(copy, lang="de")
    unlock(qtbot, window)
    window.duplicate_answer = True
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = _active_dialog(qtbot, window, "newCaseDialog")
    form = dialog.person_form
    field = form.inputs["birth_date"]
    assert isinstance(field, DateField) and field.text() == "" and field.value() is None
    for text in SPELLINGS:
        _type_date(qtbot, field, text)
        assert QApplication.focusWidget() is form.inputs["gender"], text  # Tab left the field
        assert field.text() == "15.03.1988", text
        assert field.value() == date(1988, 3, 15)
        assert not form.errors["birth_date"].isVisible()

    # A date that is no date: the text stays, the message stands beside the field, no saving.
    qtbot.keyClicks(form.inputs["given_name"], "Olena")
    qtbot.keyClicks(form.inputs["family_name"], "Datumtest")
    _type_date(qtbot, field, "31.02.1988")
    assert field.text() == "31.02.1988"
    error = form.errors["birth_date"]
    assert error.isVisible()
    assert error.text() == "Das ist kein gültiges Datum. Geben Sie es so ein: 15.03.1988."
    dialog.grab().save(str(tmp_path / "newcase-invalid.png"))
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and field.text() == "31.02.1988"

    # Corrected (the short spelling), the message goes at once; saved, the person has the date.
    _type_date(qtbot, field, "15.3.88")
    assert not error.isVisible()
    dialog.grab().save(str(tmp_path / "newcase-valid.png"))
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    view = window.workspace.case_view
    qtbot.waitUntil(lambda: view.bundle is not None
                    and view.bundle.person.family_name == "Datumtest", timeout=10000)
    assert view.bundle.person.birth_date == date(1988, 3, 15)
    assert view.person_form.inputs["birth_date"].text() == "15.03.1988"


def test_empty_date_and_calendar(qtbot: Any, make_window: Any, demo_vault_file: Path,
                                 tmp_path: Path) -> None:
    copy = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, copy)
    window = make_window(copy, lang="de")
    unlock(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = _active_dialog(qtbot, window, "newCaseDialog")
    field = dialog.person_form.inputs["birth_date"]
    _type_date(qtbot, field, "")  # an optional date may stay empty
    assert field.value() is None and not dialog.person_form.errors["birth_date"].isVisible()

    # F4 opens the calendar at today's month, not at January 1900.
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClick(field, Qt.Key.Key_F4)
    popup = field.popup
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    calendar = popup.calendar
    today = date.today()
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year, today.month)
    popup.grab().save(str(tmp_path / "calendar-today.png"))
    qtbot.keyClick(calendar.focusWidget() or calendar, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not popup.isVisible())
    assert field.text() == ""

    # With a date typed, it opens at that date; Enter takes the day chosen with the arrow keys.
    _type_date(qtbot, field, "150388")
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClick(field, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(popup.isVisible)
    assert (calendar.yearShown(), calendar.monthShown()) == (1988, 3)
    table = calendar.focusWidget() or calendar
    qtbot.keyClick(table, Qt.Key.Key_Right)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not popup.isVisible())
    assert field.value() == date(1988, 3, 16) and field.text() == "16.03.1988"
    dialog.reject()


def test_review_date_and_form_date_typed(qtbot: Any, make_window: Any, demo_vault_file: Path,
                                         tmp_path: Path) -> None:
    copy = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, copy)
    window = make_window(copy, lang="de")
    unlock(qtbot, window)
    ws = window.workspace
    case_id = ws.model.row_at(0).case_id
    ws.open_case(case_id)
    view = ws.case_view
    qtbot.waitUntil(lambda: view.case_id == case_id and view.bundle is not None, timeout=5000)
    wait_idle(qtbot, window)

    # "Überprüfung am": two-digit years lean to the future.
    year = date.today().year + 2
    review = view.case_form.inputs["review_on"]
    assert isinstance(review, DateField)
    for text in (f"15.03.{year}", f"15.3.{year % 100:02d}", f"1503{year % 100:02d}"):
        _type_date(qtbot, review, text)
        assert review.value() == date(year, 3, 15), text
        assert review.text() == f"15.03.{year}"
        assert QApplication.focusWidget() is not review
    view.grab().save(str(tmp_path / "caseview-review.png"))
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: view.bundle.case.review_on == date(year, 3, 15), timeout=5000)

    # A form's date question ("Ankunft in Deutschland", not after today: read as past).
    tab = view.forms_tab
    assert tab is not None
    qtbot.waitUntil(lambda: tab.registry is not None and tab.combo.count() > 1, timeout=10000)
    tab.open_form("erstgespraech")
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    view.tabs.setCurrentWidget(tab)
    widget = tab.widget
    arrival = widget.editor("arrival_date")
    assert isinstance(arrival, DateField)
    for text in SPELLINGS:
        _type_date(qtbot, arrival, text)
        assert widget.answers().get("arrival_date") == "1988-03-15", text
        assert arrival.text() == "15.03.1988"
        assert QApplication.focusWidget() is not arrival
    _type_date(qtbot, arrival, "31.02.1988")
    assert arrival.text() == "31.02.1988"
    message = widget._rows["arrival_date"].message
    assert message is not None and message.isVisible()
    assert message.text().startswith("Das ist kein gültiges Datum.")
    view.grab().save(str(tmp_path / "form-invalid.png"))
    _type_date(qtbot, arrival, "15.3.88")
    assert not message.isVisible() and widget.answers().get("arrival_date") == "1988-03-15"


def test_english_dates_are_day_first(qtbot: Any) -> None:
    from kimdesk.gui.lang import LanguageHub

    hub = LanguageHub()
    hub.apply("en")
    try:
        holder = QWidget()
        qtbot.addWidget(holder)
        field = DateField(holder, years=Years.PAST)
        after = QLineEdit(holder)
        column = QVBoxLayout(holder)
        column.addWidget(field)
        column.addWidget(after)
        holder.show()
        holder.activateWindow()
        qtbot.waitUntil(holder.isActiveWindow)
        _type_date(qtbot, field, "15/3/88")
        assert field.value() == date(1988, 3, 15) and field.text() == "15/03/1988"
        assert QApplication.focusWidget() is after
    finally:
        hub.apply("en")
