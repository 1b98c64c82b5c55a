"""The controller that drives sync from the GUI: Qt timers and database jobs carrying out the
decisions of :class:`kimdesk.sync.schedule.SyncSchedule`.

The rules (when to sync, back off, probe, stop) are the schedule's, the same as the CLI's
:class:`kimdesk.sync.autosync.AutoSync`; this module only runs what the schedule asks for and
reports the states for the status widget to draw. Every vault access runs as a job on the
application's database worker (:class:`kimdesk.gui.worker.DbWorker`). The runs go to its
``sync`` lane, on a vault object of their own (``require_sync_vault()``: a second connection),
so a long first sync never holds up a search or a save on the vault lane; the short jobs (read
the state, conflicts, the probe) stay on the vault lane. The engine's progress comes from the
sync thread through a Qt signal carrying only strings and ints (queued to the GUI thread), and is
checked there by the schedule before the widget sees it.

The reachability probe while offline (``/v1/hello``: no token, no vault) is a job on that same
database worker, scheduled by the machine and bounded by
:data:`kimdesk.sync.transport.PROBE_TIMEOUT`. Not a thread of its own, because:

* its answer comes back on the GUI thread through the worker's ``on_done``, which passes only job
  ids between threads; the former bare thread emitted a Qt signal from a thread Qt does not
  know, the very pattern the worker avoids (PySide6's cross-thread object emissions crash);
* the schedule starts a probe only while offline, when no run is going on, and one queued before
  a lock ends before the vault is closed; the schedule ignores its answer once the state moved on;
* the worker thread already does the network I/O of every run (with a 30 s timeout); a probe
  holds it for at most a few seconds, only while offline, when no run is going on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from kimdesk.sync.engine import Progress, SyncEngine
from kimdesk.sync.errors import DeviceRevoked, Offline
from kimdesk.sync.protocol import ConflictInfo
from kimdesk.sync.schedule import (
    PROBE_INTERVAL,
    RUNNING,
    SYNC_INTERVAL,
    Action,
    Decision,
    SyncSchedule,
    SyncState,
)
from kimdesk.sync.transport import probe_server
from kimdesk.vault.sync import Refusal

log = logging.getLogger(__name__)

#: States whose message (why: the error) is shown, in the tooltip and behind "Details…".
EXPLAINED = frozenset({SyncState.ERROR, SyncState.OFFLINE, SyncState.REVOKED})


def _vault(w: Any) -> Any:
    """The worker's open vault; :class:`~kimdesk.vault.errors.VaultLocked` (a translated
    message) when it was locked before the job ran, instead of an AttributeError on None."""
    vault = getattr(w, "vault", None)
    if vault is None:
        from kimdesk.vault.errors import VaultLocked

        raise VaultLocked()
    return vault


def _user_message(exc: BaseException, server: str = "") -> str:
    """What the status widget's tooltip may say: KIMdesk's own translated message, else the
    generic one (:func:`kimdesk.gui.jobs.failure_message`); never the exception's text. An
    unreachable server is named by its host: the transport's message quotes the network
    library ("[Errno 111] Connection refused"), in English under every language."""
    from kimdesk.gui.sync.connect import failure_text
    from kimdesk.sync.identity import server_host

    return failure_text(exc, server_host(server) if server else "")


def _titles(vault: Any, conflicts: list[ConflictInfo]) -> dict[str, str]:
    """Record id -> what the counselor knows it by: a person's name, a case's number (the
    conflict view said "persons 3f2a9c1b"). A record gone meanwhile keeps no title."""
    from kimdesk.vault.errors import VaultError

    titles: dict[str, str] = {}
    for c in conflicts:
        if c.record_id in titles or c.kind not in ("persons", "cases"):
            continue
        try:
            if c.kind == "persons":
                titles[c.record_id] = vault.people.get(c.record_id).display_name
            else:
                titles[c.record_id] = vault.cases.get(c.record_id).case_number
        except VaultError:
            continue
    return titles


class Worker(Protocol):
    def submit(self, job: Callable[[Any], Any], on_done: Callable[[Any], None] | None = ...,
               on_error: Callable[[Exception], None] | None = ..., *,
               lane: Any = ...) -> int: ...


class SyncController(QObject):
    """Drives sync for the unlocked vault. Signals carry plain values only."""

    #: state, done, total, message (see :class:`kimdesk.sync.schedule.SyncState`)
    state_changed = Signal(str, int, int, str)
    #: after every run: last successful sync (ISO, "" if never), open conflicts
    finished = Signal(str, int)
    #: the server revoked this device; the vault file has been wiped
    wiped = Signal()
    #: the address of the server the vault syncs with ("" when not enrolled), after start()
    server_changed = Signal(str)
    #: how many records hold a change the server refused (read at start and after every
    #: run: kept in the vault, so it stays across restarts until each is resolved)
    refused_changed = Signal(int)
    #: the engine's progress, emitted on the database thread, received on the GUI thread
    _stepped = Signal(str, int, int, str)

    def __init__(self, worker: Worker, *, interval_ms: int = int(SYNC_INTERVAL * 1000),
                 probe_ms: int = int(PROBE_INTERVAL * 1000),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.schedule = SyncSchedule(interval=interval_ms / 1000, probe_interval=probe_ms / 1000)
        self.last_sync = ""
        self.conflicts = 0
        self.refused = 0
        self._engine: SyncEngine | None = None
        self._server = ""
        #: the revocation that wiped the vault (None until then): its message can say that
        #: deletions must be carried out again (the window shows it, :mod:`windowsync`)
        self.wiped_by: DeviceRevoked | None = None
        # why the device is offline, kept while the probes go unanswered
        self._offline_reason: BaseException | None = None
        #: the failure message drawn last and its error: made again in the current language
        #: after a switch (:meth:`explain`)
        self._reason: tuple[str, BaseException] | None = None
        self._generation = 0  # start()/stop() count: answers to an older start are dropped
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._timer_due)
        self._stepped.connect(self._on_step)

    @property
    def state(self) -> SyncState:
        return self.schedule.state

    @property
    def running(self) -> bool:
        return self.schedule.running

    # -- public API ----------------------------------------------------------------------------
    def start(self) -> None:
        """After unlock: read the sync state and sync once if enrolled."""
        self._generation += 1
        generation = self._generation

        def job(w: Any) -> tuple[str, str, int, int]:
            from kimdesk.sync.store import SyncStore

            store = SyncStore(_vault(w))
            return (store.get("server") if store.enrolled else "", store.get("last_sync"),
                    len(store.conflicts()), len(store.refusals()))

        def started(result: tuple[str, str, int, int]) -> None:
            if generation == self._generation:
                self._started(result)

        self.worker.submit(job, started, self._job_failed)

    def stop(self) -> None:
        """Before lock: stop timers and cancel a running sync at its next step."""
        self._generation += 1
        self._apply(self.schedule.stop())
        self._drop_engine()

    def restart(self) -> None:
        """After (re-)enrolling: drop the engine (it holds the old token) and start as after an
        unlock, which syncs at once. The stop is not drawn: start() draws the next state."""
        self._generation += 1
        self._timer.stop()
        self.schedule.stop()
        self._drop_engine()
        self.start()

    def _drop_engine(self) -> None:
        """Cancel the engine's run and close its connections once that run has ended: a job on
        the sync lane, which runs after the run in flight. Dropped unclosed (until 2026-12-06),
        every lock or re-enrolment left its kept-alive connection to the server open until
        the garbage collector or the server's idle timeout ended it."""
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.cancel()
            self.worker.submit(lambda _w: engine.close(), lane="sync")

    @property
    def server(self) -> str:
        """The address the vault syncs with, as read at the last start ("" if not enrolled)."""
        return self._server

    def sync_now(self) -> None:
        self._apply(self.schedule.request())

    def cancel(self) -> None:
        if self._engine is not None:
            self._engine.cancel()

    def load_conflicts(self, on_done: Callable[[list[ConflictInfo], dict[str, str]], None]
                       ) -> None:
        """``on_done(conflicts, titles)``; titles: record id -> name or case number."""
        def job(w: Any) -> tuple[list[ConflictInfo], dict[str, str]]:
            from kimdesk.sync.store import SyncStore

            vault = _vault(w)
            conflicts = SyncStore(vault).conflicts()
            return conflicts, _titles(vault, conflicts)

        self.worker.submit(job, lambda result: on_done(*result), self._job_failed)

    def load_refusals(self, on_done: Callable[[list[Refusal]], None]) -> None:
        """``on_done(refusals)``: the changes the server refused, each with its case number and
        the server's reason (:mod:`kimdesk.vault.sync.refusals`)."""
        def job(w: Any) -> list[Refusal]:
            from kimdesk.sync.store import SyncStore

            return SyncStore(_vault(w)).refusals()

        def done(refusals: list[Refusal]) -> None:
            self._refused(len(refusals))
            on_done(refusals)

        self.worker.submit(job, done, self._job_failed)

    def _refused(self, count: int) -> None:
        self.refused = count
        self.refused_changed.emit(count)

    def resolve(self, choices: dict[str, Any], on_done: Callable[[Any], None] | None = None
                ) -> None:
        """Resolve conflicts (conflict id -> chosen value), then sync."""
        def job(w: Any) -> int:
            from kimdesk.sync.store import SyncStore

            store = SyncStore(_vault(w))
            for conflict_id, value in choices.items():
                store.resolve(conflict_id, value)
            return len(store.conflicts())

        def done(left: int) -> None:
            self.conflicts = self.schedule.conflicts = left
            if on_done:
                on_done(left)
            self.sync_now()

        self.worker.submit(job, done, self._job_failed)

    # -- carrying out the schedule's decisions ---------------------------------------------------
    def explain(self, message: str) -> str:
        """``message`` as drawn, in the current language: a failure's reason is made again from
        its error. After a language switch it stayed in the old language until the next run
        (a review, 2026-12-06)."""
        if self._reason is None or message != self._reason[0]:
            return message
        text = _user_message(self._reason[1], self._server)
        self._reason = (text, self._reason[1])
        return text

    def _said(self, reason: BaseException | None) -> str:
        """The message of a failure, remembered with its error for :meth:`explain`."""
        if reason is None:
            return ""
        message = _user_message(reason, self._server)
        self._reason = (message, reason)
        return message

    def _apply(self, decision: Decision, reason: BaseException | None = None) -> None:
        """Draw the new state and do what the schedule decided (an ignored event: nothing).
        ``reason``: the failure that led here (its message goes with the state)."""
        if decision.ignored:
            return
        state = self.schedule.state
        if reason is None and state is SyncState.OFFLINE:
            # the reason stays while offline: the probe timer's own moves (offline -> offline)
            # said nothing, and the tooltip went blank until the probe answered
            reason = self._offline_reason
        message = self._said(reason) if state in EXPLAINED else ""
        self.state_changed.emit(str(state), 0, 0, message)
        self._timer.stop()
        if decision.action is Action.NOTHING:
            return
        if decision.delay > 0:
            self._timer.start(max(1, round(decision.delay * 1000)))
        elif decision.action is Action.SYNC:
            self.worker.submit(self._run, self._done, self._failed, lane="sync")
        else:
            server = self._server
            self.worker.submit(lambda _w: probe_server(server), self._probed,
                               lambda _exc: self._probed(False))

    def _started(self, result: tuple[str, str, int, int]) -> None:
        self._server, self.last_sync, self.conflicts, refused = result
        self.server_changed.emit(self._server)
        self._apply(self.schedule.start(enrolled=bool(self._server), conflicts=self.conflicts))
        self._refused(refused)  # after the state: a locked one showed none

    def _timer_due(self) -> None:
        self._apply(self.schedule.timer_due())

    def _probed(self, reachable: bool) -> None:
        self._apply(self.schedule.probed(reachable), self._offline_reason)

    def _run(self, w: Any) -> tuple[str, int, int]:
        """On the sync lane, with its own connection. A revoked device: the engine wipes the
        files through that connection; :meth:`_failed` then closes the vault lane's."""
        vault = w.require_sync_vault()
        engine = self._engine
        if engine is None or engine.vault is not vault:
            if engine is not None:
                engine.close()  # the last unlock's: its vault connection is closed
            engine = self._engine = SyncEngine(vault, on_state=self._progress)
        report = engine.sync()
        return engine.last_sync, report.conflicts, len(report.refused)

    def _progress(self, p: Progress) -> None:  # sync thread -> queued signal
        self._stepped.emit(str(p.state), int(p.done), int(p.total), str(p.message))

    @Slot(str, int, int, str)
    def _on_step(self, state: str, done: int, total: int, message: str) -> None:
        """A step of the run under way; its end comes with the job's answer (_done/_failed)."""
        phase = SyncState(state)
        if phase not in RUNNING or self.schedule.step(phase).ignored:
            return
        self.state_changed.emit(state, done, total, message)

    def _done(self, result: tuple[str, int, int]) -> None:
        self.last_sync, self.conflicts, refused = result
        decision = self.schedule.finished(self.conflicts)
        self._apply(decision)
        if not decision.ignored:
            self._refused(refused)
            self.finished.emit(self.last_sync, self.conflicts)

    def _failed(self, exc: Exception) -> None:
        from kimdesk.gui.worker import where

        log.warning("sync run failed: %s", where(exc.__cause__ or exc))
        self._offline_reason = exc if isinstance(exc, Offline) else None
        if isinstance(exc, DeviceRevoked):
            self.wiped_by = exc
            self._drop_engine()
            self._server = ""
            self.server_changed.emit("")
            self._apply(self.schedule.run_failed(exc), exc)
            # The engine shredded the files through the sync lane's connection; the vault
            # lane's is closed next, then the window hears of it (even after a stop: the
            # vault file is gone either way).
            self.worker.submit(lambda w: w.close_vault(), lambda _r: self.wiped.emit(),
                               lambda _e: self.wiped.emit())
            return
        decision = self.schedule.run_failed(exc)
        self._apply(decision, exc)
        if not decision.ignored and self.schedule.state is not SyncState.DISABLED:
            self.finished.emit(self.last_sync, self.conflicts)

    def wipe_finished(self, left: list[str]) -> DeviceRevoked | None:
        """The window tried the wipe again once every connection was closed: ``left``, the
        files still there. The state says how the wipe ended (files left or none), keeping
        the count of lost deletions. None when no revocation wiped the vault here."""
        if self.wiped_by is None:
            return None
        self.wiped_by = DeviceRevoked.wiped(left, self.wiped_by.lost)
        self.state_changed.emit(str(self.schedule.state), 0, 0, self._said(self.wiped_by))
        return self.wiped_by

    def _job_failed(self, exc: Exception) -> None:
        """A job that is not a run failed (reading the sync state, conflicts): the state stays,
        the reason goes into the tooltip (and the type into the log, never the message)."""
        log.warning("sync job failed: %s", type(exc).__name__)
        self.state_changed.emit(str(self.schedule.state), 0, 0, self._said(exc))
