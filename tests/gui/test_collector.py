"""The cyclic collector runs on the GUI thread only: a closed window freed while a worker thread
allocates is destroyed later, on the GUI thread (kimdesk/collector.py has the CI crash this
prevents)."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget


class _Window(QWidget):
    """A closed window in a reference cycle, with a running timer (as the idle watcher has)."""

    def __init__(self) -> None:
        super().__init__()
        self.me = self
        self.timer = QTimer(self)
        self.timer.start(3_600_000)


def test_worker_thread_never_destroys_a_widget(qtbot: Any) -> None:
    from kimdesk.gui import collector
    from kimdesk.gui.app import application

    application()
    assert collector._COLLECTOR is not None and collector._COLLECTOR._timer.isActive()
    assert not gc.isenabled()  # automatic collection off: only the GUI thread collects
    destroyed_on: list[int] = []
    window = _Window()
    # runs on the thread that frees the wrapper (and with it the C++ window)
    weakref.finalize(window, lambda: destroyed_on.append(threading.get_ident()))
    alive = weakref.ref(window)
    del window  # now garbage, reachable only through its own cycle

    def allocate() -> None:
        # 200,000 live containers: far past every generation's threshold, so an automatic
        # collector would run here, on this thread, several times
        junk: list[list[int]] = [[] for _ in range(200_000)]
        del junk

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert destroyed_on == [] and alive() is not None
    gc.collect()  # what the GUI thread's timer does once it is due
    assert destroyed_on == [threading.get_ident()]
    assert alive() is None


def test_the_gui_timer_collects_what_is_due(qtbot: Any) -> None:
    from kimdesk.gui import collector

    guard = collector.install()
    freed_before = guard.freed
    for _ in range(2000):  # past generation 0's threshold (700), each a cycle
        node: list[Any] = []
        node.append(node)
    del node
    qtbot.waitUntil(lambda: guard.freed >= freed_before + 2000, timeout=5000)
