"""Guard against a reference-count bug of PySide6 6.12 on Python 3.11.

Measured here (``tests/gui/test_qtfix.py``): with PySide6 6.12.0 on CPython 3.11, every call of a
Qt method that returns ``None``, ``True`` or ``False`` to Python (``QLabel.setText``,
``beginResetModel``, ``QModelIndex.isValid`` ...) drops one reference to that singleton without
having taken it; the binding seems to assume the immortal singletons of Python 3.12+. After some
tens of thousands of calls CPython aborts with "none_dealloc: deallocating None" — an hour of use,
or a few seconds of a benchmark. PySide6 6.11.3 does not have the bug.

Until the dependency is pinned below 6.12 (or Python moves to 3.12+), :class:`RefcountGuard` tops
the three singletons up from a keep-alive list whenever their count falls below a floor, checked
by a timer and before heavy model resets. Each lost reference costs 8 bytes of that list, a few MB
over a working day. The guard switches itself off where the bug is absent or objects are immortal.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer

FLOOR = 150_000
TOP_UP = 300_000


def bug_present() -> bool:
    """Probe once: does a void Qt call lose a reference to None?"""
    if sys.version_info >= (3, 12):
        return False  # None, True and False are immortal
    from PySide6.QtCore import QObject as _Probe

    probe = _Probe()
    before = sys.getrefcount(None)
    for _ in range(20):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 10


class RefcountGuard(QObject):
    """Keeps None, True and False referenced enough that the lost references never free them."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 100) -> None:
        super().__init__(parent)
        self._keep: list[object] = []
        self.active = bug_present()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        if self.active:
            self.check()
            self._timer.start(interval_ms)

    def check(self) -> None:
        if not self.active:
            return
        for singleton in (None, True, False):
            if sys.getrefcount(singleton) < FLOOR:
                self._keep.extend([singleton] * TOP_UP)

    @property
    def held(self) -> int:
        return len(self._keep)


_GUARD: RefcountGuard | None = None


def install() -> RefcountGuard:
    """One guard per process (idempotent)."""
    global _GUARD
    if _GUARD is None:
        _GUARD = RefcountGuard()
    return _GUARD


def check() -> None:
    if _GUARD is not None:
        _GUARD.check()
