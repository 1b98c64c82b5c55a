"""Giving the keyboard back to the window under a dialog once the dialog closes (issue #18, 2).

Closing a dialog (Escape, Cancel, OK, or a message box's button) hides its window; Qt then leaves
it to the window system to activate another window. Where nothing does (no window manager, some
kiosk and remote-desktop sessions, the offscreen platform), no KIMdesk window is active afterwards:
the main window still shows, but its window shortcuts (Ctrl+Q, Ctrl+L, F9 ...) and every key go
nowhere, and the counselor is left in front of a window that ignores them. :class:`FocusReturn`
watches the application's focus: when the focus leaves a dialog because the dialog was hidden
and no window took over, it activates the window the dialog belongs to; that window's own focus
widget (the field the counselor was in) gets the focus back.

A dialog that is still visible (the counselor switched to another program) is left alone, so
KIMdesk never steals the focus from another application.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from shiboken6 import isValid


class FocusReturn(QObject):
    """Installed once per application (:func:`install`)."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.returned = 0  # how often it gave the focus back (tests count it)
        app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if old is None or new is not None:
            return
        dialog = old.window()
        owner = dialog.parentWidget()
        if owner is None or dialog is owner.window():
            return
        target = owner.window()
        # After this event: the window system may still activate something by itself.
        QTimer.singleShot(0, lambda: self._give_back(dialog, target))

    def _give_back(self, dialog: QWidget, target: QWidget) -> None:
        if isValid(dialog) and dialog.isVisible():
            return  # still open: the counselor went to another program
        if QApplication.activeWindow() is not None or not isValid(target):
            return  # the window system activated a window itself
        if target.isVisible():
            target.activateWindow()
            target.raise_()
            self.returned += 1


_INSTALLED: FocusReturn | None = None


def install() -> FocusReturn | None:
    """Once per process (idempotent); None without a QApplication."""
    global _INSTALLED
    app = QApplication.instance()
    if _INSTALLED is None and isinstance(app, QApplication):
        _INSTALLED = FocusReturn(app)
    return _INSTALLED
