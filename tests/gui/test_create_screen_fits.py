"""Every text of the create screen is read whole at the default window size, in every language.

The vault's creation asks the counselor to tick "I understand that a forgotten passphrase cannot
be recovered on this computer." A check box does not wrap its text: in German, the default, the
sentence was cut at "nicht wiederherg" (a GUI review, 2026-12-06), and the box was ticked unread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QLabel

from kimdesk.i18n import UI_LANGUAGES

pytestmark = pytest.mark.gui


def _cut(widget: Any) -> bool:
    """Whether a visible label or button shows less than its text."""
    if isinstance(widget, QLabel) and widget.wordWrap():
        return widget.height() < widget.heightForWidth(widget.width())
    return widget.width() < widget.sizeHint().width()


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_no_text_of_the_create_screen_is_cut(make_window: Any, qtbot: Any, tmp_path: Path,
                                              lang: str) -> None:
    window = make_window(tmp_path / "none.kdb", lang=lang)
    window.resize(1280, 800)
    window.show_create()
    screen = window.create_screen
    qtbot.waitUntil(screen.isVisible, timeout=3000)
    qtbot.wait(50)
    widgets = [*screen.findChildren(QLabel), *screen.findChildren(QAbstractButton)]
    shown = [w for w in widgets if w.isVisible() and w.text()]
    assert shown
    cut = [(type(w).__name__, w.objectName(), w.text()) for w in shown if _cut(w)]
    assert cut == []


def test_a_click_on_the_sentence_ticks_the_box(make_window: Any, qtbot: Any,
                                               tmp_path: Path) -> None:
    window = make_window(tmp_path / "none.kdb", lang="de")
    window.show_create()
    ui = window.create_screen.ui
    qtbot.waitUntil(ui.understoodLabel.isVisible, timeout=3000)
    assert not ui.understoodCheck.isChecked()
    qtbot.mouseClick(ui.understoodLabel, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert ui.understoodCheck.isChecked()
    qtbot.mouseClick(ui.understoodLabel, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert not ui.understoodCheck.isChecked()
    assert ui.understoodCheck.accessibleName() == ui.understoodLabel.text()
