"""The keyboard shortcuts box (Ctrl+/) lines its commands up in one column, in German and in
Persian (a keyboard walk in four languages, 2026-12-07).

It was "shortcut<TAB>command" lines: in German "Strg+Umschalt+N" and "Umschalt+F9" are wider
than a tab, so their commands stood a tab further than the others (4 of 17 lines out of line);
in Persian, whose shortcuts Qt writes with Persian key names ("کنترل+N"), each line took the
direction of its first letter, and the "F5", "F9" and "F1" lines stood at the left of the box,
the others at the right. Measured here on the box's own text, laid out as its label lays it
out: where each command begins."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument, QTextOption
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def command_starts(label: QLabel, commands: list[str]) -> dict[str, float]:
    """Where each command's first letter stands (its left edge in a left-to-right interface,
    its right edge in a right-to-left one), laid out with the label's font, direction, format
    and width."""
    doc = QTextDocument()
    doc.setDefaultFont(label.font())
    option = QTextOption()
    option.setTextDirection(label.layoutDirection())
    doc.setDefaultTextOption(option)
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(label.text()))
    if rich:
        doc.setHtml(label.text())
    else:
        doc.setPlainText(label.text())
    doc.setTextWidth(label.width())
    layout = doc.documentLayout()
    starts: dict[str, float] = {}
    for command in commands:
        cursor = doc.find(command)
        assert not cursor.isNull(), command
        block = cursor.block()
        line_layout = block.layout()
        pos = cursor.selectionStart() - block.position()
        line = line_layout.lineForTextPosition(pos)
        rect = layout.blockBoundingRect(block)
        answer: Any = line.cursorToX(pos)  # (x, pos): the logical start, the right edge in RTL
        starts[command] = round(rect.x() + line_layout.position().x() + float(answer[0]))
    return starts


@pytest.mark.parametrize("lang", ["de", "fa"])
def test_shortcut_commands_stand_in_one_column(qtbot: Any, demo_window: Any, lang: str,
                                                tmp_path: Any) -> None:
    window = demo_window
    window.switch_language(lang)
    wait_idle(qtbot, window)
    commands = [a.text().replace("&", "").rstrip("…") for a in window.menus.actions.values()
                if not a.shortcut().isEmpty()]
    assert len(commands) >= 15
    qtbot.keyClick(window, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox),
                    timeout=5000)
    box = QApplication.activeModalWidget()
    assert box is not None and box.objectName() == "shortcutsBox"
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert label is not None
    box.grab().save(str(tmp_path / f"shortcuts-{lang}.png"))
    starts = command_starts(label, commands)
    column = max(set(starts.values()), key=list(starts.values()).count)
    out_of_line = {c: x for c, x in starts.items() if abs(x - column) > 1}
    assert not out_of_line, (column, out_of_line)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)
