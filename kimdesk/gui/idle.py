"""Auto-lock: notice when nobody has touched keyboard or mouse for the idle timeout.

An application-wide event filter stamps the time of the last user input; a coarse timer compares.
Stamping is one ``monotonic()`` call per event, cheaper than restarting a timer on every mouse
move. The clock is an attribute (``clock``) and :meth:`IdleWatcher.check` is public, so tests
drive the lock by advancing a fake clock instead of waiting on wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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
        self.clock: Callable[[], float] = time.monotonic  # seconds; tests put a fake here
        self._last = self.clock()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_timeout(self, timeout_ms: int) -> None:
        self.timeout_ms = max(50, int(timeout_ms))
        if self._timer.isActive():
            self.start()

    def start(self) -> None:
        self._last = self.clock()
        self._timer.start(max(20, min(5000, self.timeout_ms // 5)))

    def stop(self) -> None:
        self._timer.stop()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def poke(self) -> None:
        self._last = self.clock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self._last = self.clock()
        return False

    def check(self) -> bool:
        """Emit ``idle`` (and stop) when the timeout has passed since the last input; what the
        timer calls. True when it fired."""
        if not self._timer.isActive():
            return False
        if (self.clock() - self._last) * 1000 >= self.timeout_ms:
            self._timer.stop()
            self.idle.emit()
            return True
        return False
