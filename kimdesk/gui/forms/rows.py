"""The widgets of one rendered field, and the change-only updates live validation makes to them.

Refreshing after every keystroke touches Qt only where something changed: cheaper, and PySide6
6.12 on Python 3.11 leaks a reference to None on every call of a void Qt method (the interpreter
aborts after a few thousand such calls). So a row remembers what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from kimdesk.forms.definition import Field
from kimdesk.forms.engine import Scope


class NoteText:
    """A note label, its template and the text last shown (so unchanged text is not re-laid)."""

    def __init__(self, label: QLabel, template: str) -> None:
        self.label = label
        self.template = template
        self.shown: str | None = None


class Row:
    """The widgets of one rendered field in one scope."""

    def __init__(self, f: Field, scope: Scope) -> None:
        self.field = f
        self.scope = scope
        self.widgets: list[QWidget] = []  # shown/hidden together by skip logic
        self.editor: QWidget | None = None
        self.message: QLabel | None = None
        self.client_message: QLabel | None = None
        self.counselor_cell: QWidget | None = None
        self.client_cell: QWidget | None = None
        self.note_labels: list[NoteText] = []  # notes may show answers through ${field}
        self.client_value: QLabel | None = None  # combo selections echoed in client language
        self.setter: Callable[[Any], None] | None = None
        # cascading selects: show only the offered choices (ids of Choice objects)
        self.filter_options: Callable[[set[int]], None] | None = None
        self.offered: set[int] | None = None
        # What is shown now (see the module docstring: no Qt call when nothing changes).
        self.visible = True  # Qt widgets start shown
        self.messages: dict[int, str] = {}

    def set_visible(self, visible: bool) -> None:
        if visible == self.visible:
            return  # see the module docstring: no Qt call when nothing changes
        self.visible = visible
        for w in self.widgets:
            w.setVisible(visible)

    def show_message(self, label: QLabel | None, text: str) -> None:
        if label is None or self.messages.get(id(label)) == text:
            return
        self.messages[id(label)] = text
        label.setText(text)
        label.setVisible(bool(text))
