"""Who runs Python's cyclic garbage collector, and when: paused around bulk work, and in the
desktop client on the GUI thread only.

Counting statistics, applying a sync batch and reading one on the server each create hundreds of
thousands of short-lived dicts, tuples and strings, none of them in a reference cycle. With the
collector on, its generational passes walk the growing heap again and again: 0.3 s of 1.35 s of
an indicator set over 100,000 cases, about a tenth of the server's time for a 10k-record push
(``benchmarks/``). Reference counting still frees all of it at once; the collector only exists
for cycles, and it runs again as soon as the work is done.

In the desktop client the collector must never run on a worker thread. It runs in whichever thread
happens to allocate past its threshold, and frees every unreachable cycle there, Qt widgets among
them: PySide6 6.11 then calls the widget's C++ destructor on that thread. Qt forbids that; the
widget's timers cannot be unregistered from another thread ("QObject::killTimer: Timers cannot be
stopped from another thread"), stay with the GUI thread's event dispatcher and later fire into
freed memory. That was a segmentation fault in CI, several hundred tests after the widget's own
test (a gen-2 pass on the in-process test server's worker thread had freed a closed window).
:func:`collect_on_this_thread_only` switches automatic collection off for the process, and the GUI
calls :func:`collect_due` from a timer on its own thread (``kimdesk/gui/collector.py``); the test
suite does the same between tests. The same pattern is pyqtgraph's ``GarbageCollector``.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from collections.abc import Iterator

log = logging.getLogger(__name__)

#: The thread that alone runs the collector (:func:`collect_on_this_thread_only`), or None.
_owner: threading.Thread | None = None
#: Collections that started on another thread since :func:`collect_on_this_thread_only` (a
#: stray ``gc.enable()`` or an explicit ``gc.collect()`` on a worker); the test suite fails on
#: any, the GUI logs them.
off_thread_collections: list[str] = []


def owner() -> threading.Thread | None:
    return _owner


def _watch(phase: str, info: dict[str, int]) -> None:
    if phase == "start" and _owner is not None and threading.current_thread() is not _owner:
        name = threading.current_thread().name
        off_thread_collections.append(f"generation {info.get('generation')} on {name}")
        log.warning("garbage collection on thread %s (only the GUI thread should collect)", name)


def collect_on_this_thread_only() -> None:
    """Switch automatic collection off for good; from now on only :func:`collect_due`, called on
    this thread, collects (idempotent; the first caller's thread keeps the job). Written for
    CPython 3.11-3.13's three generations (3.14's incremental collector counts differently)."""
    global _owner
    if _owner is None:
        _owner = threading.current_thread()
        gc.callbacks.append(_watch)
    gc.disable()


def collect_due() -> int:
    """On the owning thread: collect the generations whose counts passed CPython's own thresholds,
    as the automatic collector would have; returns the number of objects freed (0 elsewhere).

    Unlike CPython it collects an older generation only when the younger ones are due too, and
    it has no "long-lived objects" brake on full passes; called once a second, that is at most
    one full pass every couple of minutes under sustained allocation."""
    if _owner is not threading.current_thread():
        return 0
    if gc.isenabled():  # something switched it back on (gc.enable() in a library or a test)
        gc.disable()
    thresholds = gc.get_threshold()
    if thresholds[0] == 0:  # CPython's meaning of threshold 0: collection switched off
        return 0
    counts = gc.get_count()
    generation = -1
    for level in range(3):
        if counts[level] > thresholds[level]:
            generation = level
        else:
            break
    return gc.collect(generation) if generation >= 0 else 0


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the ``with`` block; switch it back on afterwards if it was
    on, also on error.

    The switch is process-wide. Where threads overlap (two requests on the server), only a pause
    that found the collector on switches it back on, so the collector always ends up on; a block
    that began while another pause was active may finish with the collector running, which only
    costs time. Once :func:`collect_on_this_thread_only` has run, it stays off (and the pause
    pauses nothing: the owning thread's :func:`collect_due` still runs when due, which costs far
    less than the automatic collector's passes did)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled and _owner is None:
            gc.enable()
