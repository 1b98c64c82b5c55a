"""Appointments in the desktop app (issue 18), driven by keys: the next appointment typed into the
case view, the reminder in the status bar, the day and week view (Enter opens the case), the
appointment handout prefilled from the case, and the .ics export with only what was ticked."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pypdf
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from kimdesk.gui.lang import format_date
from tests.gui.conftest import wait_idle

SHOTS = Path("/tmp/appt-shots")


def _type(qtbot: Any, widget: Any, text: str) -> None:
    """Into the field, replace what it holds by typing, leave with Tab."""
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Tab)


def _enter_appointment(qtbot: Any, window: Any) -> tuple[str, Any]:
    ws = window.workspace
    case_id = ws.model.row_at(0).case_id
    ws.open_case(case_id)
    view = ws.case_view
    qtbot.waitUntil(lambda: view.case_id == case_id and view.bundle is not None, timeout=5000)
    wait_idle(qtbot, window)
    inputs = view.case_form.inputs
    _type(qtbot, inputs["next_appointment_on"], format_date(date.today()))
    _type(qtbot, inputs["next_appointment_time"], "9.30")
    _type(qtbot, inputs["next_appointment_place"], "Room 3, Kreishaus")
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.bundle.case.next_appointment_time == "09:30", timeout=5000)
    case = view.bundle.case
    assert (case.next_appointment_on, case.next_appointment_place) == (
        date.today(), "Room 3, Kreishaus")
    return case_id, view.bundle


def test_appointment_typed_shown_in_day_and_week_and_opened(qtbot: Any, demo_window: Any,
                                                           tmp_path: Path) -> None:
    window = demo_window
    SHOTS.mkdir(exist_ok=True)
    case_id, bundle = _enter_appointment(qtbot, window)
    window.workspace.case_view.grab().save(str(SHOTS / "caseview-appointment.png"))
    # the reminder in the status bar counts it
    label = window.status.reminder_label
    qtbot.waitUntil(lambda: label.isVisible() and "appointment today" in label.text(),
                    timeout=5000)
    assert "1 appointment today" in label.text()

    # a typo in the time is refused with a message beside the field, nothing saved
    view = window.workspace.case_view
    _type(qtbot, view.case_form.inputs["next_appointment_time"], "25.99")
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.case_form.errors["next_appointment_time"].text() != "")
    assert view.case_form.errors["next_appointment_time"].text() == "Type the time like 09:30."
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    view.revert()
    window.workspace.close_case()

    # View → Appointments… by its shortcut: today's list holds the appointment
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.appointments.dialog is not None
                    and window.appointments.dialog.isVisible(), timeout=5000)
    dialog = window.appointments.dialog
    qtbot.waitUntil(lambda: any(e.case_id == case_id for e in dialog.entries), timeout=5000)
    row = next(i for i, e in enumerate(dialog.entries) if e.case_id == case_id)
    item = dialog.table.topLevelItem(row)
    assert [item.text(c) for c in range(1, 6)] == [
        "09:30", "Appointment", bundle.case.case_number, bundle.person.display_name,
        "Room 3, Kreishaus"]
    dialog.grab().save(str(SHOTS / "agenda-day.png"))

    # week view (Alt+W), a week later (Alt+Right) it is gone, back to today (Alt+O)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.week and dialog.range_label.text().startswith("Week"))
    monday = date.today() - timedelta(days=date.today().weekday())
    qtbot.waitUntil(lambda: any(e.case_id == case_id for e in dialog.entries), timeout=5000)
    assert all(monday <= e.day <= monday + timedelta(days=6) for e in dialog.entries)
    dialog.grab().save(str(SHOTS / "agenda-week.png"))
    qtbot.keyClick(dialog, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: all(e.day > monday + timedelta(days=6) for e in dialog.entries)
                    and dialog.day == date.today() + timedelta(days=7), timeout=5000)
    assert not any(e.case_id == case_id for e in dialog.entries)
    qtbot.keyClick(dialog, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: any(e.case_id == case_id for e in dialog.entries), timeout=5000)

    # no default button: the Enter that opens a row would press it too (the list passes it on)
    assert not any(b.autoDefault() or b.isDefault() for b in dialog.findChildren(QPushButton))
    # Down to the row, Enter: the case opens in the main window and the agenda closes
    row = next(i for i, e in enumerate(dialog.entries) if e.case_id == case_id)
    dialog.table.setFocus()
    qtbot.waitUntil(dialog.table.hasFocus)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Home)
    for _ in range(row):
        qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    assert dialog.table.currentItem().data(0, Qt.ItemDataRole.UserRole) == case_id
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace.case_view.case_id == case_id, timeout=5000)
    qtbot.waitUntil(lambda: window.appointments.dialog is None, timeout=5000)


def test_handout_prefilled_and_ics_export(qtbot: Any, demo_window: Any, tmp_path: Path) -> None:
    window = demo_window
    case_id, bundle = _enter_appointment(qtbot, window)
    wait_idle(qtbot, window)
    # Case → Handout… (Ctrl+P): the appointment template, prefilled from the case
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(w.objectName() == "handoutDialog" and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=5000)
    handout: Any = next(w for w in QApplication.topLevelWidgets()
                        if w.objectName() == "handoutDialog")
    edits = handout.detail_edits
    qtbot.waitUntil(lambda: edits["appointment_time"].text() == "09:30", timeout=10000)
    assert edits["appointment_place"].text() == "Room 3, Kreishaus"
    assert edits["appointment_date"].text() == date.today().strftime("%d.%m.%Y")
    assert handout.template_box.currentData() == "appointment"

    def pdf_text() -> str:
        if handout.pdf is None:
            return ""
        return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(handout.pdf)).pages)

    qtbot.waitUntil(lambda: "Room 3, Kreishaus" in pdf_text() and "09:30" in pdf_text(),
                    timeout=20000)
    SHOTS.mkdir(exist_ok=True)
    handout.grab().save(str(SHOTS / "handout-appointment.png"))
    handout.close()

    # Export to calendar: tick only the place (Alt+P), save
    agenda = window.appointments.open()
    qtbot.waitUntil(lambda: any(e.case_id == case_id for e in agenda.entries), timeout=5000)
    agenda.activateWindow()
    qtbot.waitUntil(agenda.isActiveWindow)
    qtbot.keyClick(agenda, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: _export(agenda) is not None, timeout=5000)
    export = _export(agenda)
    qtbot.waitUntil(export.isVisible)
    export.grab().save(str(SHOTS / "ics-export.png"))
    export.activateWindow()
    qtbot.waitUntil(export.isActiveWindow)
    qtbot.keyClick(export, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(export.place.isChecked)  # a mnemonic "animates" its click
    assert not export.name.isChecked()
    assert not export.case_number.isChecked()
    out = tmp_path / "kim.ics"
    with qtbot.waitSignal(export.written, timeout=10000):
        export.export_to(out)
    data = out.read_bytes()
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    mine = [e for e in events if str(e.get("LOCATION", "")) == "Room 3, Kreishaus"]
    assert len(mine) == 1 and str(mine[0]["SUMMARY"]) == "KIM appointment"
    person = bundle.person
    for secret in (person.family_name, person.given_name, person.family_name_latin,
                   bundle.case.case_number, case_id, person.id):
        assert secret.encode() not in data, secret
    assert (out.stat().st_mode & 0o077) == 0  # readable by the counselor only


def _export(agenda: Any) -> Any:
    from kimdesk.gui.appointments.export import IcsExportDialog

    return agenda.findChild(IcsExportDialog, "icsExportDialog")


def _what_column_problems(dialog: Any) -> list[str]:
    """Rows whose "What" text is wider than its column: the text's advance in the item's own
    font (the bold appointments) or else the view's, plus the style's text margins."""
    from PySide6.QtGui import QFont, QFontMetrics
    from PySide6.QtWidgets import QStyle

    table = dialog.table
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    problems = []
    for row in range(table.topLevelItemCount()):
        item = table.topLevelItem(row)
        own = item.data(2, Qt.ItemDataRole.FontRole)
        font = own if isinstance(own, QFont) else table.font()
        needed = QFontMetrics(font).horizontalAdvance(item.text(2)) + 2 * margin
        if table.columnWidth(2) < needed:
            problems.append(f"{item.text(2)!r}: {table.columnWidth(2)} < {needed}")
    return problems


def test_what_column_fits_in_german_also_after_a_switch(qtbot: Any, demo_window: Any,
                                                        tmp_path: Path) -> None:
    """ "Überprüfung fällig" was cut in the agenda's "What" column: the widths were taken from the
    English texts and a language switch rewrote the texts only. Open in English, switch to
    German in the settings (keys), then open afresh in German: every row fits."""
    from tests.gui.test_language_switch import choose_language_in_settings

    window = demo_window
    _enter_appointment(qtbot, window)  # a bold "Termin" row among the reviews (this week)
    window.activateWindow()
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_D, keys)
    qtbot.waitUntil(lambda: window.appointments.dialog is not None
                    and window.appointments.dialog.isVisible(), timeout=5000)
    dialog = window.appointments.dialog
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.keyClick(dialog, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.week, timeout=5000)
    for _week in range(12):  # a week with reviews among the appointments (the demo's dates vary)
        wait_idle(qtbot, window)
        if any(e.kind != "appointment" for e in dialog.entries):
            break
        qtbot.keyClick(dialog, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert any(e.kind != "appointment" for e in dialog.entries)
    assert not _what_column_problems(dialog)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    choose_language_in_settings(qtbot, window, "de")
    texts = {dialog.table.topLevelItem(r).text(2)
             for r in range(dialog.table.topLevelItemCount())}
    assert "Überprüfung fällig" in texts
    assert not _what_column_problems(dialog)
    dialog.grab().save(str(tmp_path / "agenda-de.png"))
    dialog.close()
    qtbot.waitUntil(lambda: window.appointments.dialog is None, timeout=5000)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_D, keys)
    qtbot.waitUntil(lambda: window.appointments.dialog is not None
                    and bool(window.appointments.dialog.entries), timeout=5000)
    assert not _what_column_problems(window.appointments.dialog)
