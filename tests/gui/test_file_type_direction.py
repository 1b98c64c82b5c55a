"""A file type in a right-to-left sentence reads "(.ics)" (a keyboard walk in four languages,
2026-12-07): the agenda's "Export to calendar (.ics)…" button showed "…(ics.)" in Arabic and
Persian, the stop after the letters, and the export dialog's sentence the same. Measured where Qt
draws each character of the texts, laid out in the widgets' direction."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from tests.gui.conftest import wait_idle
from tests.gui.test_typed_text_direction import drawn_x

pytestmark = pytest.mark.gui


def reads_ics(widget: QWidget, text: str) -> bool:
    """Whether "(.ics)" in ``text`` is drawn left to right: "(", ".", "i", "c", "s", ")"."""
    start = text.index(".ics")
    x = drawn_x(widget, text)  # laid out with the widget's font and direction
    xs = [x[start - 1], *(x[start + i] for i in range(4))]
    return xs == sorted(xs)


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_ics_reads_left_to_right(qtbot: Any, demo_window: Any, lang: str) -> None:
    from kimdesk.gui.appointments.export import IcsExportDialog

    window = demo_window
    window.switch_language(lang)
    wait_idle(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.appointments.dialog is not None
                    and window.appointments.dialog.isVisible(), timeout=10000)
    dialog = window.appointments.dialog
    button = dialog.export_button
    assert button.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert reads_ics(button, button.text().replace("&", ""))
    export = IcsExportDialog(window.worker, dialog)
    qtbot.addWidget(export)
    intro = next(label for label in export.findChildren(QLabel) if ".ics" in label.text())
    assert reads_ics(intro, intro.text())
    export.close()
    dialog.close()
    QApplication.processEvents()
