"""Auto-lock: notice when nobody has touched keyboard or mouse for the idle timeout.

An application-wide event filter stamps the time of the last user input; a coarse timer compares.
Stamping is one ``monotonic()`` call per event, cheaper than restarting a timer on every mouse
move.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

_INPUT = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.InputMethod,
}


class IdleWatcher(QObject):
    """Emits ``idle`` once when no input arrived for ``timeout_ms`` while running."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timeout_ms = timeout_ms
        self._last = time.monotonic()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_timeout(self, timeout_ms: int) -> None:
        self.timeout_ms = max(50, int(timeout_ms))
        if self._timer.isActive():
            self.start()

    def start(self) -> None:
        self._last = time.monotonic()
        self._timer.start(max(20, min(5000, self.timeout_ms // 5)))

    def stop(self) -> None:
        self._timer.stop()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def poke(self) -> None:
        self._last = time.monotonic()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self._last = time.monotonic()
        return False

    def _check(self) -> None:
        if (time.monotonic() - self._last) * 1000 >= self.timeout_ms:
            self._timer.stop()
            self.idle.emit()
