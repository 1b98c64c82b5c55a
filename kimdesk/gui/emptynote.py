"""A sentence in an empty list: what an empty white box means ("nothing recorded yet", "no case
matches the search"), in words and in the interface's language. A keyboard walk in four
languages (2026-12-07) found the case view's record lists and the case list after a search
without matches showing a white box and nothing else, which read as a list that had not loaded.

The sentence is a label on the list's viewport (a screen reader finds it), kept to the
viewport's size and shown only while the list has no rows."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel


class EmptyNote(QLabel):
    """The sentence of ``view`` while it is empty (:meth:`say`)."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view.viewport())
        self.view = view
        self.setObjectName("emptyListLabel")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setVisible(False)
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.view.viewport().rect().adjusted(12, 12, -12, -12))
        return False

    def say(self, text: str, empty: bool) -> None:
        """``text``, shown while ``empty`` (the caller knows: a lazy model may not)."""
        self.setText(text)
        self.setGeometry(self.view.viewport().rect().adjusted(12, 12, -12, -12))
        self.setVisible(empty and bool(text))
