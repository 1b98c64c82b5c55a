"""The cyclic garbage collector runs on the GUI thread only (why: ``kimdesk/collector.py``).

Python would otherwise collect in whichever thread allocates past the threshold: the vault, files
and sync lanes, and the threads of the sync engine. A closed window freed there is destroyed on
that thread, its timers stay registered with the GUI thread and later fire into freed memory.
Here automatic collection is off, and a timer on the GUI thread collects what is due, by CPython's
own generation thresholds. Between two ticks garbage cycles wait at most a second; everything
else is still freed at once by reference counting.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QTimer

from kimdesk.collector import collect_due, collect_on_this_thread_only, owner

#: How often the GUI thread collects what is due (ms).
INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    """Owns the timer; create it on the GUI thread (:func:`install`)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        collect_on_this_thread_only()
        if owner() is not threading.current_thread():
            raise RuntimeError("the garbage collector already belongs to another thread")
        self.freed = 0  # objects freed by this collector's passes (for tests)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(interval_ms)

    def collect(self) -> int:
        freed = collect_due()
        self.freed += freed
        return freed


_COLLECTOR: GuiThreadCollector | None = None


def install() -> GuiThreadCollector:
    """One collector per process (idempotent); call it on the GUI thread with the application."""
    global _COLLECTOR
    if _COLLECTOR is None:
        _COLLECTOR = GuiThreadCollector()
    return _COLLECTOR
