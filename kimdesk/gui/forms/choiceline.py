"""A radio button or check box whose text wraps.

Qt's buttons never wrap their text: a long option ("AufenthG (відомство у справах іноземців –
Ausländerbehörde)") made its column as wide as the whole line, and with the client's translation
beside it the form grew wider than the window, cutting off the client's column (issue 18.10).
Here the button keeps no text of its own (its accessible name, "question: option", is set by the
editor) and a word-wrapping label beside it carries the text; clicking the label clicks the
button, as clicking a button's own text does.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QLabel, QSizePolicy, QWidget

from kimdesk.gui.forms.bilingual import aligned


class ChoiceText(QLabel):
    """The option's text: wraps, and a click on it is a click on its button."""

    def __init__(self, text: str, button: QAbstractButton) -> None:
        super().__init__(text)
        self.button = button
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def mouseReleaseEvent(self, event: Any) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.button.isEnabled():
            self.button.click()
            self.button.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mouseReleaseEvent(event)


def choice_line(button: QAbstractButton, text: str, lang: str) -> QWidget:
    """``button`` (without text) and ``text`` in ``lang``, wrapping, in one widget."""
    line = QWidget()
    row = QHBoxLayout(line)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    label = aligned(ChoiceText(text, button), lang)
    label.setObjectName("choice-text")
    row.addWidget(label, 1)
    return line
