"""When to sync: the Qt-free state machine behind automatic sync, shared by the CLI and the GUI.

Modelled on :mod:`kimdesk.domain.phases` (a declared table of allowed moves; anything else
raises) and on Electrum's UI-free wizard: the machine decides, its drivers only carry out.
:class:`kimdesk.sync.autosync.AutoSync` (a thread, for the CLI and tests) and
``kimdesk.gui.sync.SyncController`` (Qt timers) feed it events and do what the returned
:class:`Decision` says: sync now, wait N seconds, probe the server in N seconds, or nothing.
Neither keeps a rule of its own about backoff, probing or stopping.

States (:class:`SyncState`) and the events that move between them ("=": declared harmless, the
event is ignored; "-": illegal, raises :class:`IllegalTransition`)::

    from \\ event      start         sync now  timer due  a run's end*  probe answer   stop
    disabled          checking or   =         -          -             =              stopped
    revoked           disabled (not =         -          -             =              =
    stopped           enrolled)     =         =          = **          =              =
    idle, conflict    -             checking  checking   -             =              stopped
    error             -             checking  checking   -             =              stopped
    offline           -             checking  (probe)    -             checking or    stopped
                                                                       (probe again)
    checking,         -             =         -          see below     =              stopped
    pushing, pulling

    * from checking/pushing/pulling: step -> checking|pushing|pulling (the engine's progress,
      :data:`ALLOWED`); finished -> idle|conflict (sync again after ``interval``); cancelled ->
      idle|conflict (likewise); failed -> error (retry after the backoff delay when the error
      says retrying may help, else wait for "Sync now"); offline -> offline (probe after
      ``probe_interval``); not enrolled -> disabled; revoked -> revoked (nothing more).
    ** a run under way when sync stopped still ends; only "revoked" is taken then (the vault
       is gone whatever the state says).

The engine (:class:`kimdesk.sync.engine.SyncEngine`) checks its own progress against the same
:data:`ALLOWED` table, so a run cannot report a step the scheduler would refuse.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from kimdesk.sync.errors import DeviceRevoked, NotEnrolled, Offline, SyncCancelled, SyncError

#: Seconds between two syncs while everything is fine.
SYNC_INTERVAL = 300.0
#: Seconds between two reachability probes while offline.
PROBE_INTERVAL = 15.0
#: The backoff after failed runs: the first retry within 2.5-5 s, doubling up to 5-10 minutes.
#: (The shipped GUI's values; a failing server is retried no more often than every 5 minutes once
#: the failures pile up, so a fleet of devices does not hammer a server that is being repaired.)
BACKOFF_BASE = 5.0
BACKOFF_CAP = 600.0


class SyncState(StrEnum):
    DISABLED = "disabled"  # not enrolled with a server (or never started): nothing to do
    IDLE = "idle"
    CHECKING = "checking"
    PUSHING = "pushing"
    PULLING = "pulling"
    CONFLICT = "conflict"  # idle, with conflicts waiting for the counselor
    ERROR = "error"
    OFFLINE = "offline"
    REVOKED = "revoked"  # the server revoked this device; its vault has been wiped
    STOPPED = "stopped"  # the driver stopped (the GUI locks the vault); start() begins again


_S = SyncState
#: A run is under way in these states.
RUNNING = frozenset({_S.CHECKING, _S.PUSHING, _S.PULLING})
#: How a run can end.
_ENDS = frozenset({_S.IDLE, _S.CONFLICT, _S.ERROR, _S.OFFLINE, _S.DISABLED, _S.REVOKED})
#: Where start() leads: a first run, or nothing when the vault is not enrolled.
_STARTS = frozenset({_S.CHECKING, _S.DISABLED})

#: Every move the machine (and the engine, for its own progress) may make.
ALLOWED: dict[SyncState, frozenset[SyncState]] = {
    _S.DISABLED: _STARTS | {_S.STOPPED},
    _S.STOPPED: _STARTS | {_S.REVOKED},
    _S.REVOKED: _STARTS,  # a new vault unlocked after the wipe
    _S.IDLE: frozenset({_S.CHECKING, _S.STOPPED}),
    _S.CONFLICT: frozenset({_S.CHECKING, _S.STOPPED}),
    _S.ERROR: frozenset({_S.CHECKING, _S.STOPPED}),
    _S.OFFLINE: frozenset({_S.OFFLINE, _S.CHECKING, _S.STOPPED}),
    _S.CHECKING: _ENDS | {_S.CHECKING, _S.PUSHING, _S.STOPPED},
    # pulling -> pushing: a full resync re-sends what the server lacks
    _S.PUSHING: _ENDS | {_S.PUSHING, _S.PULLING, _S.STOPPED},
    _S.PULLING: _ENDS | {_S.PULLING, _S.PUSHING, _S.STOPPED},
}


class Event(StrEnum):
    START = "start"
    SYNC_REQUESTED = "sync requested"
    TIMER_DUE = "timer due"
    STEP = "step"
    RUN_FINISHED = "run finished"
    RUN_CANCELLED = "run cancelled"
    RUN_FAILED = "run failed"
    RUN_OFFLINE = "offline"
    RUN_NOT_ENROLLED = "not enrolled"
    RUN_REVOKED = "revoked"
    PROBE_REACHABLE = "probe reachable"
    PROBE_UNREACHABLE = "probe unreachable"
    STOP = "stop"


_RUN_ENDS = (Event.STEP, Event.RUN_FINISHED, Event.RUN_CANCELLED, Event.RUN_FAILED,
             Event.RUN_OFFLINE, Event.RUN_NOT_ENROLLED)
_OFF = frozenset({_S.DISABLED, _S.STOPPED, _S.REVOKED})
_RESTING = frozenset({_S.IDLE, _S.CONFLICT, _S.ERROR, _S.OFFLINE})

#: The states each event is taken in (where it leads is checked against :data:`ALLOWED`).
TAKES: dict[Event, frozenset[SyncState]] = {
    Event.START: _OFF,
    Event.SYNC_REQUESTED: _RESTING,
    Event.TIMER_DUE: _RESTING,
    **{event: RUNNING for event in _RUN_ENDS},
    Event.RUN_REVOKED: RUNNING | {_S.STOPPED},
    Event.PROBE_REACHABLE: frozenset({_S.OFFLINE}),
    Event.PROBE_UNREACHABLE: frozenset({_S.OFFLINE}),
    Event.STOP: frozenset(SyncState) - {_S.STOPPED, _S.REVOKED},
}

#: Events that change nothing in these states. They come late, not wrong: a second click on
#: "Sync now", a probe that answers after the state moved on, a run stopped under way that
#: still reports its end, a timer that fired as the driver stopped.
IGNORED: dict[Event, frozenset[SyncState]] = {
    Event.SYNC_REQUESTED: RUNNING | _OFF,
    Event.TIMER_DUE: frozenset({_S.STOPPED}),
    Event.PROBE_REACHABLE: frozenset(SyncState) - {_S.OFFLINE},
    Event.PROBE_UNREACHABLE: frozenset(SyncState) - {_S.OFFLINE},
    Event.STOP: frozenset({_S.STOPPED, _S.REVOKED}),
    **{event: frozenset({_S.STOPPED}) for event in _RUN_ENDS},
}


class IllegalTransition(RuntimeError):
    """A driver sent an event the current state does not take: a bug in the driver."""

    def __init__(self, current: SyncState, event: Event, target: SyncState | None = None) -> None:
        where = f" (to {target.value})" if target is not None else ""
        super().__init__(f"sync cannot take '{event.value}' in state '{current.value}'{where}")
        self.current = current
        self.event = event
        self.target = target


def check_transition(current: SyncState, target: SyncState, event: Event = Event.STEP) -> None:
    """Raise :class:`IllegalTransition` unless ``current -> target`` is in :data:`ALLOWED`."""
    if target not in ALLOWED[current]:
        raise IllegalTransition(current, event, target)


class Action(StrEnum):
    SYNC = "sync"  # run the engine
    PROBE = "probe"  # ask the server whether it is reachable (no vault, no token)
    NOTHING = "nothing"  # wait for an event (start, "Sync now")


@dataclass(frozen=True)
class Decision:
    """What the driver does next: ``action`` after ``delay`` seconds (0: now). With a delay the
    driver sets one timer and calls :meth:`SyncSchedule.timer_due` when it fires; any new
    decision replaces that timer. ``ignored``: the event changed nothing, leave timers alone."""

    action: Action
    delay: float = 0.0
    ignored: bool = False


_IGNORED = Decision(Action.NOTHING, ignored=True)


class Backoff:
    """Truncated exponential backoff with jitter (delays in seconds): the n-th failure in a row
    waits a random time between half and all of ``min(cap, base * 2**(n-1))``. The jitter keeps
    devices that failed together from retrying together; keeping half the ceiling keeps the
    delay growing. ``rng`` is injectable so tests see fixed numbers."""

    def __init__(self, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP,
                 rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0
        self.rng = rng or random.Random()

    def ceiling(self, failures: int) -> float:
        return min(self.cap, self.base * (2 ** (failures - 1)))

    def next_delay(self) -> float:
        self.failures += 1
        ceiling = self.ceiling(self.failures)
        return self.rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0


class SyncSchedule:
    """The automatic-sync state machine. Not thread-safe: one driver thread feeds it (AutoSync
    holds a lock around it; the GUI uses it from the GUI thread only).

    ``clock`` (monotonic seconds) is injectable for tests; :attr:`due_at` says when the timer of
    the last timed decision runs out."""

    def __init__(self, *, interval: float = SYNC_INTERVAL,
                 probe_interval: float = PROBE_INTERVAL, backoff: Backoff | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.probe_interval = probe_interval
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.state = SyncState.DISABLED
        self.conflicts = 0
        self.due_at: float | None = None

    @property
    def running(self) -> bool:
        return self.state in RUNNING

    def seconds_until_due(self) -> float | None:
        """Seconds left on the timer, ``None`` when nothing is timed."""
        return None if self.due_at is None else max(0.0, self.due_at - self.clock())

    # -- the events ----------------------------------------------------------------------------
    def start(self, *, enrolled: bool, conflicts: int = 0) -> Decision:
        """The vault is open (after unlock; AutoSync's start): sync at once if enrolled."""
        if not enrolled:
            return self._move(Event.START, _S.DISABLED, Decision(Action.NOTHING))
        if not self._accepts(Event.START, _S.CHECKING):
            return _IGNORED
        self.backoff.reset()
        self.conflicts = conflicts
        return self._enter(_S.CHECKING, Decision(Action.SYNC))

    def request(self) -> Decision:
        """"Sync now" (a click, F9, after resolving conflicts, ``AutoSync.request``)."""
        return self._move(Event.SYNC_REQUESTED, _S.CHECKING, Decision(Action.SYNC))

    def timer_due(self) -> Decision:
        """The timer of the last timed decision ran out: probe while offline, else sync."""
        if self.state is _S.OFFLINE:
            return self._move(Event.TIMER_DUE, _S.OFFLINE, Decision(Action.PROBE))
        return self._move(Event.TIMER_DUE, _S.CHECKING, Decision(Action.SYNC))

    def step(self, phase: SyncState) -> Decision:
        """The engine moved on within a run (checking, pushing, pulling)."""
        if phase not in RUNNING and not self._ignores(Event.STEP):
            raise IllegalTransition(self.state, Event.STEP, phase)
        return self._move(Event.STEP, phase, Decision(Action.NOTHING))

    def finished(self, conflicts: int) -> Decision:
        """A run completed; sync again after the interval."""
        target = _S.CONFLICT if conflicts else _S.IDLE
        if not self._accepts(Event.RUN_FINISHED, target):
            return _IGNORED
        self.backoff.reset()
        self.conflicts = conflicts
        return self._enter(target, Decision(Action.SYNC, self.interval))

    def cancelled(self) -> Decision:
        """The counselor cancelled the run: back to rest, the next sync at the usual time."""
        target = _S.CONFLICT if self.conflicts else _S.IDLE
        return self._move(Event.RUN_CANCELLED, target, Decision(Action.SYNC, self.interval))

    def failed(self, *, retry: bool) -> Decision:
        """A run failed; retried after the backoff delay only when the error says it may help
        (a refused request waits for "Sync now")."""
        if not self._accepts(Event.RUN_FAILED, _S.ERROR):
            return _IGNORED
        if not retry:
            return self._enter(_S.ERROR, Decision(Action.NOTHING))
        return self._enter(_S.ERROR, Decision(Action.SYNC, self.backoff.next_delay()))

    def offline(self) -> Decision:
        """The server could not be reached: probe it after ``probe_interval``."""
        return self._move(Event.RUN_OFFLINE, _S.OFFLINE,
                          Decision(Action.PROBE, self.probe_interval))

    def not_enrolled(self) -> Decision:
        return self._move(Event.RUN_NOT_ENROLLED, _S.DISABLED, Decision(Action.NOTHING))

    def revoked(self) -> Decision:
        """The server revoked this device (the engine wiped the vault): nothing more to do."""
        return self._move(Event.RUN_REVOKED, _S.REVOKED, Decision(Action.NOTHING))

    def run_failed(self, error: BaseException) -> Decision:
        """The event for a run that raised ``error``: the one mapping of errors to events."""
        if isinstance(error, DeviceRevoked):
            return self.revoked()
        if isinstance(error, NotEnrolled):
            return self.not_enrolled()
        if isinstance(error, SyncCancelled):
            return self.cancelled()
        if isinstance(error, Offline):
            return self.offline()
        return self.failed(retry=error.retry if isinstance(error, SyncError) else True)

    def probed(self, reachable: bool) -> Decision:
        """A probe's answer: sync at once when the server is back, else probe again later."""
        if reachable:
            return self._move(Event.PROBE_REACHABLE, _S.CHECKING, Decision(Action.SYNC))
        return self._move(Event.PROBE_UNREACHABLE, _S.OFFLINE,
                          Decision(Action.PROBE, self.probe_interval))

    def stop(self) -> Decision:
        """Stop scheduling (the driver cancels a run under way; its end is ignored)."""
        return self._move(Event.STOP, _S.STOPPED, Decision(Action.NOTHING))

    # -- the mechanics -------------------------------------------------------------------------
    def _ignores(self, event: Event) -> bool:
        return self.state in IGNORED.get(event, frozenset())

    def _accepts(self, event: Event, target: SyncState) -> bool:
        """False for a declared no-op (:data:`IGNORED`); raises for an event the state does not
        take (:data:`TAKES`) or a move :data:`ALLOWED` does not have."""
        if self._ignores(event):
            return False
        if self.state not in TAKES[event]:
            raise IllegalTransition(self.state, event)
        check_transition(self.state, target, event)
        return True

    def _enter(self, target: SyncState, decision: Decision) -> Decision:
        self.state = target
        timed = decision.action is not Action.NOTHING and decision.delay > 0
        self.due_at = self.clock() + decision.delay if timed else None
        return decision

    def _move(self, event: Event, target: SyncState, decision: Decision) -> Decision:
        return self._enter(target, decision) if self._accepts(event, target) else _IGNORED
