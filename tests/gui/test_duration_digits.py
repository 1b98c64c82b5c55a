"""A consultation's duration takes the digits the counselor's keyboard types (a walk through a
counselor's day in Arabic at the smallest window size, 2026-12-08). The list beside it shows
"٤٥ دقيقة" and the date field reads "٣/١٢/٢٠٢٦", but the duration's line took only ASCII digits:
with an Arabic (or Persian) keyboard layout "٤٥" was dropped key by key without a word, and the
field of a saved consultation read "45" among Arabic-Indic digits. Checked: native digits typed
are kept and saved as the number, and a recorded duration is shown in the interface's digits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import open_case, wait_idle, window_on_copy

pytestmark = pytest.mark.gui


def type_layout_text(widget: Any, text: str) -> None:
    """What a keyboard layout delivers for each key: an event carrying the typed character
    (QTest's keyClicks takes only Latin-1)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


@pytest.mark.parametrize(("lang", "typed"), [("ar", "٤٥"), ("fa", "۴۵")])
def test_native_digits_typed_into_the_duration_are_kept(qtbot: Any, make_window: Any,
                                                        demo_vault_file: Path, tmp_path: Path,
                                                        lang: str, typed: str) -> None:
    window = window_on_copy(qtbot, make_window, demo_vault_file, tmp_path, lang=lang)
    case = window.workspace.model.row_at(0)
    assert case is not None
    view = open_case(qtbot, window, case.case_id)
    tree = view.tab_widgets["consultations"].tree
    before = tree.topLevelItemCount()
    window.menus.actions["consultation"].trigger()  # Case -> Add consultation... (Ctrl+T)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=10000)
    dialog: Any = QApplication.activeModalWidget()
    duration = dialog.form.inputs["duration_minutes"]
    duration.setFocus()
    type_layout_text(duration, typed)
    assert duration.text() == typed, f"the field holds {duration.text()!r} of {typed!r}"
    dialog.form.inputs["summary"].setPlainText("Sprachkurs")
    dialog.accept()
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == before + 1, timeout=10000)
    wait_idle(qtbot, window)
    assert view.bundle is not None
    assert 45 in [c.duration_minutes for c in view.bundle.records["consultations"]]
    # the saved one opened again: its duration in the interface's digits, as the list shows it
    tree.setCurrentItem(tree.topLevelItem(0))
    view.tab_widgets["consultations"].edit_button.click()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() not in (None, dialog),
                    timeout=10000)
    again: Any = QApplication.activeModalWidget()
    assert again.form.inputs["duration_minutes"].text() == typed
    again.reject()
