"""Background synchronisation without Qt: a thread that carries out :mod:`kimdesk.sync.schedule`.

The thread has no rules of its own: it feeds every event (start, "sync now", a timer that ran out,
the end of a run, a probe's answer, stop) to :class:`SyncSchedule` and does what the decision says
(run the engine, probe, wait N seconds, or wait for a request). The GUI's controller
(``kimdesk/gui/sync/controller.py``) is the other driver of the same machine, with Qt timers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kimdesk.sync.engine import Progress, SyncEngine, SyncReport
from kimdesk.sync.errors import SyncError
from kimdesk.sync.schedule import (
    PROBE_INTERVAL,
    RUNNING,
    SYNC_INTERVAL,
    Action,
    Backoff,
    Decision,
    SyncSchedule,
    SyncState,
)
from kimdesk.sync.transport import probe_server


class AutoSync:
    """Background synchronisation: syncs at start, when :meth:`request` is called and every
    ``interval`` seconds; while offline it probes the server every ``probe_interval`` seconds
    and syncs as soon as it answers; failures back off with jitter (:class:`Backoff`).

    ``run_on_vault_thread(fn)`` must run ``fn`` on the thread that owns the vault and return its
    result (a GUI would pass its database worker); by default the loop's own thread runs it,
    which is right when nothing else uses the vault (CLI, tests). ``probe(server) -> bool`` is
    :func:`kimdesk.sync.transport.probe_server` unless a test passes its own."""

    def __init__(
        self,
        engine: SyncEngine,
        *,
        interval: float = SYNC_INTERVAL,
        probe_interval: float = PROBE_INTERVAL,
        backoff: Backoff | None = None,
        run_on_vault_thread: Callable[[Callable[[], Any]], Any] | None = None,
        on_report: Callable[[SyncReport | None, SyncError | None], None] | None = None,
        probe: Callable[[str], bool] = probe_server,
        schedule: SyncSchedule | None = None,
    ) -> None:
        self.engine = engine
        self.schedule = schedule or SyncSchedule(interval=interval,
                                                 probe_interval=probe_interval, backoff=backoff)
        self.run_on_vault_thread = run_on_vault_thread or (lambda fn: fn())
        self.on_report = on_report
        self.probe = probe
        self._server = ""
        self._lock = threading.Lock()  # the schedule is fed from the loop and from stop()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        shown = engine.on_state

        def on_state(progress: Progress) -> None:  # the engine's steps, on the vault thread
            if progress.state in RUNNING:
                self._tell(lambda s: s.step(progress.state))
            if shown is not None:
                shown(progress)

        engine.on_state = on_state

    @property
    def state(self) -> SyncState:
        return self.schedule.state

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="kimdesk-sync", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """"Sync now"."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop scheduling, cancel a run under way at its next step, and end the thread."""
        with self._lock:
            self._stop.set()
            self.schedule.stop()
        self.engine.cancel()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- the loop ------------------------------------------------------------------------------
    def _tell(self, event: Callable[[SyncSchedule], Decision]) -> Decision:
        with self._lock:
            return event(self.schedule)

    def _loop(self) -> None:
        store = self.engine.store
        enrolled, self._server, conflicts = self.run_on_vault_thread(
            lambda: (store.enrolled, store.get("server"), len(store.conflicts())))
        with self._lock:
            if self._stop.is_set():
                return
            decision = self.schedule.start(enrolled=enrolled, conflicts=conflicts)
        while not self._stop.is_set():
            decision = self._follow(decision)

    def _follow(self, decision: Decision) -> Decision:
        """Carry out one decision; returns the next."""
        if decision.action is Action.NOTHING or decision.delay > 0:
            waited = self.schedule.seconds_until_due()
            requested = self._wake.wait(None if decision.action is Action.NOTHING else waited)
            self._wake.clear()
            if self._stop.is_set():
                return decision
            return self._tell(SyncSchedule.request if requested else SyncSchedule.timer_due)
        if decision.action is Action.PROBE:
            reachable = self.probe(self._server)
            return self._tell(lambda s: s.probed(reachable))
        return self._run()

    def _run(self) -> Decision:
        try:
            report = self.run_on_vault_thread(self.engine.sync)
        except SyncError as exc:
            error = exc
            if self.on_report:
                self.on_report(None, error)
            return self._tell(lambda s: s.run_failed(error))
        if self.on_report:
            self.on_report(report, None)
        return self._tell(lambda s: s.finished(report.conflicts))
