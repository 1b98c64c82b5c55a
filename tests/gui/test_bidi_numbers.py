"""Case numbers in Arabic and Persian read left to right as one unit (issue 18): in a
right-to-left list "2026-F084-000059" showed as "F084-000059-2026" (the letters start a run of
their own that the bidi algorithm moves before the year). The number is wrapped in a
left-to-right isolate (U+2066 ... U+2069) wherever a right-to-left interface shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from kimdesk.gui.lang import LRI, PDI
from tests.gui.conftest import wait_idle
from tests.gui.test_language_switch import choose_language_in_settings

pytestmark = pytest.mark.gui


def test_case_number_is_an_ltr_unit_in_arabic(qtbot: Any, demo_window: Any,
                                               tmp_path: Path) -> None:
    window = demo_window
    ws = window.workspace
    number = ws.model.row_at(0).case_number
    assert ws.model.data(ws.model.index(0, 0)) == number  # English: the plain number
    choose_language_in_settings(qtbot, window, "ar")
    shown = ws.model.data(ws.model.index(0, 0))
    assert shown == f"{LRI}{number}{PDI}"
    # the case view's line under the name, by keys: Ctrl+F, the number, Enter
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(ws.search, number)
    qtbot.keyClick(ws.search, Qt.Key.Key_Return)
    view = ws.case_view
    qtbot.waitUntil(lambda: view.bundle is not None
                    and view.bundle.case.case_number == number, timeout=5000)
    wait_idle(qtbot, window)
    assert f"{LRI}{number}{PDI}" in view.ui.subtitleLabel.text()
    window.grab().save(str(tmp_path / "bidi-ar.png"))
    # the agenda's rows too (Ctrl+Shift+D), whichever rows the demo has this week
    from kimdesk.gui.appointments.dialog import entry_texts
    from kimdesk.vault.appointments import APPOINTMENT, AgendaEntry

    entry = AgendaEntry(APPOINTMENT, view.bundle.case.opened_on, "09:30", "", "id", number,
                        "name", "")
    assert entry_texts(entry)[3] == f"{LRI}{number}{PDI}"
    # back to German: no isolates where the text runs left to right anyway
    choose_language_in_settings(qtbot, window, "de")
    assert ws.model.data(ws.model.index(0, 0)) == number
    assert view.ui.subtitleLabel.text().startswith(number)
