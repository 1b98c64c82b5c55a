"""The sync schedule driven by hand: no Qt, no network, no vault (a fake clock and seeded jitter),
and AutoSync carrying it out with a fake engine and a fake probe."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kimdesk.i18n import N_
from kimdesk.sync.autosync import AutoSync
from kimdesk.sync.engine import Progress
from kimdesk.sync.errors import (
    DeviceRevoked,
    NotEnrolled,
    Offline,
    ServerRefused,
    SyncCancelled,
    SyncError,
)
from kimdesk.sync.schedule import (
    ALLOWED,
    IGNORED,
    TAKES,
    Action,
    Backoff,
    Decision,
    Event,
    IllegalTransition,
    SyncSchedule,
    SyncState,
    check_transition,
)

S = SyncState


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def machine(**kw: Any) -> SyncSchedule:
    kw.setdefault("backoff", Backoff(base=5.0, cap=600.0, rng=random.Random(7)))
    return SyncSchedule(interval=300.0, probe_interval=15.0, clock=FakeClock(), **kw)


def running(m: SyncSchedule, conflicts: int = 0) -> SyncSchedule:
    assert m.start(enrolled=True, conflicts=conflicts) == Decision(Action.SYNC)
    return m


# -- the declared tables ---------------------------------------------------------------------------
def test_tables_cover_every_state_and_event() -> None:
    assert set(ALLOWED) == set(SyncState)
    assert set(TAKES) == set(Event)
    for event, ignored in IGNORED.items():
        assert not ignored & TAKES[event], event  # a state either takes an event or ignores it


def test_the_engine_steps_are_checked_against_the_table() -> None:
    check_transition(S.IDLE, S.CHECKING)
    check_transition(S.PULLING, S.PUSHING)  # a full resync re-sends what the server lacks
    with pytest.raises(IllegalTransition):
        check_transition(S.IDLE, S.PUSHING)
    with pytest.raises(IllegalTransition):
        check_transition(S.OFFLINE, S.PULLING)
    assert S.PULLING in ALLOWED[S.PUSHING] and S.CHECKING not in ALLOWED[S.PULLING]


# -- the rules -------------------------------------------------------------------------------------
def test_a_clean_run_then_the_interval() -> None:
    m = running(machine())
    assert m.state is S.CHECKING and m.running
    for phase in (S.CHECKING, S.PUSHING, S.PUSHING, S.PULLING, S.PULLING):
        assert m.step(phase) == Decision(Action.NOTHING)
        assert m.state is phase
    assert m.finished(conflicts=0) == Decision(Action.SYNC, 300.0)
    assert m.state is S.IDLE and m.due_at == 1300.0
    m.clock.now += 100
    assert m.seconds_until_due() == 200.0
    assert m.timer_due() == Decision(Action.SYNC)
    assert m.state is S.CHECKING and m.due_at is None
    assert m.finished(conflicts=2) == Decision(Action.SYNC, 300.0)
    assert m.state is S.CONFLICT


def test_backoff_grows_with_jitter_up_to_the_cap_and_resets_after_success() -> None:
    m = running(machine())
    delays = []
    for failures in range(1, 11):
        decision = m.failed(retry=True)
        assert m.state is S.ERROR and decision.action is Action.SYNC
        ceiling = min(600.0, 5.0 * 2 ** (failures - 1))
        assert ceiling / 2 <= decision.delay <= ceiling
        delays.append(decision.delay)
        assert m.timer_due() == Decision(Action.SYNC)
    assert delays[-1] >= 300.0  # capped: 300..600 from the 8th failure on
    assert all(d <= 600.0 for d in delays)
    assert len(set(delays)) == len(delays)  # jittered
    assert m.finished(conflicts=0).delay == 300.0
    m.timer_due()
    assert m.failed(retry=True).delay <= 5.0  # back to the first step


def test_same_seed_same_delays() -> None:
    def run() -> list[float]:
        m = running(machine(backoff=Backoff(rng=random.Random(42))))
        out = []
        for _ in range(5):
            out.append(m.failed(retry=True).delay)
            m.timer_due()
        return out

    assert run() == run()


def test_a_refused_request_waits_for_sync_now() -> None:
    m = running(machine())
    error = ServerRefused(N_("The sync server refused the request: {detail}"), detail="413")
    assert m.run_failed(error) == Decision(Action.NOTHING)
    assert m.state is S.ERROR and m.due_at is None
    assert m.request() == Decision(Action.SYNC)
    assert m.state is S.CHECKING


def test_offline_probe_reachable_then_sync() -> None:
    m = running(machine())
    assert m.step(S.CHECKING).action is Action.NOTHING
    assert m.run_failed(Offline(N_("The sync server cannot be reached: {reason}"),
                                reason="refused")) == Decision(Action.PROBE, 15.0)
    assert m.state is S.OFFLINE and m.due_at == 1015.0
    assert m.timer_due() == Decision(Action.PROBE)  # the timer ran out: probe now
    assert m.probed(False) == Decision(Action.PROBE, 15.0)
    assert m.state is S.OFFLINE
    assert m.timer_due() == Decision(Action.PROBE)
    assert m.probed(True) == Decision(Action.SYNC)
    assert m.state is S.CHECKING
    m.step(S.PUSHING)
    m.step(S.PULLING)
    assert m.finished(conflicts=0) == Decision(Action.SYNC, 300.0)
    assert m.state is S.IDLE
    assert m.backoff.failures == 0  # going offline is not a failure that backs off


def test_sync_now_while_offline_skips_the_probe_and_a_late_probe_is_ignored() -> None:
    m = running(machine())
    m.offline()
    assert m.request() == Decision(Action.SYNC)
    assert m.probed(False).ignored and m.state is S.CHECKING
    assert m.probed(True).ignored


def test_disabled_when_not_enrolled() -> None:
    m = machine()
    assert m.state is S.DISABLED
    assert m.start(enrolled=False) == Decision(Action.NOTHING)
    assert m.state is S.DISABLED and not m.running
    assert m.request().ignored and m.state is S.DISABLED
    with pytest.raises(IllegalTransition):
        m.timer_due()
    with pytest.raises(IllegalTransition):
        m.finished(conflicts=0)
    # enrolled later (the next unlock), and un-enrolled while a run was under way
    running(m)
    assert m.run_failed(NotEnrolled(N_("Sync was cancelled."))) == Decision(Action.NOTHING)
    assert m.state is S.DISABLED


def test_stop_while_running_ignores_the_end_of_that_run() -> None:
    m = running(machine(), conflicts=1)
    m.step(S.PUSHING)
    assert m.stop() == Decision(Action.NOTHING)
    assert m.state is S.STOPPED and not m.running
    # the run stops at its next step boundary and still reports; nothing of it counts
    assert m.step(S.PUSHING).ignored
    assert m.run_failed(SyncCancelled(N_("Sync was cancelled."))).ignored
    assert m.finished(conflicts=0).ignored
    assert m.failed(retry=True).ignored and m.backoff.failures == 0
    assert m.request().ignored and m.timer_due().ignored and m.stop().ignored
    assert m.state is S.STOPPED and m.due_at is None
    # unlocked again
    assert m.start(enrolled=True) == Decision(Action.SYNC)
    assert m.state is S.CHECKING


def test_cancel_returns_to_rest_and_the_usual_interval() -> None:
    m = running(machine(), conflicts=3)
    m.step(S.PUSHING)
    assert m.cancelled() == Decision(Action.SYNC, 300.0)
    assert m.state is S.CONFLICT


def test_a_revoked_device_stops_for_good() -> None:
    m = running(machine())
    m.step(S.PUSHING)
    revoked = DeviceRevoked(N_("This device has been revoked by the administrator."))
    assert m.run_failed(revoked) == Decision(Action.NOTHING)
    assert m.state is S.REVOKED and not m.running
    assert m.request().ignored and m.stop().ignored and m.probed(True).ignored
    with pytest.raises(IllegalTransition):
        m.timer_due()
    assert m.state is S.REVOKED
    # a new vault, unlocked after the wipe, starts afresh
    assert m.start(enrolled=False) == Decision(Action.NOTHING)
    assert m.state is S.DISABLED


def test_revoked_after_stop_still_counts() -> None:
    m = running(machine())
    m.stop()
    assert m.revoked() == Decision(Action.NOTHING)
    assert m.state is S.REVOKED


@pytest.mark.parametrize(("setup", "event"), [
    ("idle", lambda m: m.finished(conflicts=0)),
    ("idle", lambda m: m.step(S.PUSHING)),
    ("idle", lambda m: m.start(enrolled=True)),
    ("idle", lambda m: m.offline()),
    ("offline", lambda m: m.offline()),
    ("running", lambda m: m.timer_due()),
    ("running", lambda m: m.step(S.IDLE)),
    ("running", lambda m: m.start(enrolled=True)),
    ("disabled", lambda m: m.revoked()),
    ("disabled", lambda m: m.not_enrolled()),
])
def test_illegal_transitions_raise(setup: str, event: Callable[[SyncSchedule], Decision]) -> None:
    m = machine()
    if setup != "disabled":
        running(m)
    if setup == "idle":
        m.finished(conflicts=0)
    elif setup == "offline":
        m.offline()
    before = m.state
    with pytest.raises(IllegalTransition):
        event(m)
    assert m.state is before  # nothing half-done


def test_an_unexpected_exception_is_a_retryable_failure() -> None:
    m = running(machine())
    decision = m.run_failed(RuntimeError("boom"))
    assert m.state is S.ERROR and decision.action is Action.SYNC and decision.delay > 0


# -- AutoSync carries it out -----------------------------------------------------------------------
@dataclass
class FakeStore:
    enrolled: bool = True

    def get(self, key: str, default: str = "") -> str:
        return "https://kim.example.org" if key == "server" and self.enrolled else default

    def conflicts(self) -> list[Any]:
        return []


@dataclass
class FakeEngine:
    """Plays the engine: each sync() takes the next outcome (an exception or a conflict count);
    ``block`` makes a run wait until cancelled."""

    outcomes: list[Any] = field(default_factory=list)
    store: FakeStore = field(default_factory=FakeStore)
    on_state: Callable[[Progress], None] | None = None
    block: bool = False
    runs: int = 0
    _cancel: threading.Event = field(default_factory=threading.Event)
    started: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._cancel.set()

    def sync(self) -> Any:
        self._cancel.clear()
        self.runs += 1
        assert self.on_state is not None
        self.on_state(Progress(S.CHECKING))
        self.on_state(Progress(S.PUSHING, 1, 2))
        self.started.set()
        if self.block:
            self._cancel.wait(10)
            raise SyncCancelled(N_("Sync was cancelled."))
        outcome = self.outcomes.pop(0) if self.outcomes else 0
        if isinstance(outcome, Exception):
            raise outcome
        self.on_state(Progress(S.PULLING))
        return type("Report", (), {"conflicts": outcome})()


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("timed out")


def test_autosync_offline_probe_reachable_sync() -> None:
    offline = Offline(N_("The sync server cannot be reached: {reason}"), reason="refused")
    engine = FakeEngine(outcomes=[offline, 0])
    answers = iter([False, False, True])
    probes: list[str] = []
    reports: list[tuple[Any, SyncError | None]] = []

    def probe(server: str) -> bool:
        probes.append(server)
        return next(answers)

    auto = AutoSync(engine, interval=60, probe_interval=0.01, probe=probe,  # type: ignore[arg-type]
                    on_report=lambda r, e: reports.append((r, e)))
    auto.start()
    try:
        wait_for(lambda: len(reports) == 2)
        assert isinstance(reports[0][1], Offline) and reports[1][1] is None
        assert probes == ["https://kim.example.org"] * 3 and engine.runs == 2
        assert auto.state is S.IDLE
    finally:
        auto.stop()


def test_autosync_disabled_when_not_enrolled() -> None:
    engine = FakeEngine(store=FakeStore(enrolled=False))
    auto = AutoSync(engine, probe=lambda s: True)  # type: ignore[arg-type]
    auto.start()
    try:
        auto.request()  # ignored: nothing to sync with
        threading.Event().wait(0.1)
        assert auto.state is S.DISABLED and engine.runs == 0
    finally:
        auto.stop()
    assert auto.state is S.STOPPED


def test_autosync_stop_while_running() -> None:
    engine = FakeEngine(block=True)
    auto = AutoSync(engine, probe=lambda s: True)  # type: ignore[arg-type]
    auto.start()
    assert engine.started.wait(5)
    assert auto.state is S.PUSHING  # the engine's steps reach the schedule
    auto.stop()
    assert auto._thread is not None and not auto._thread.is_alive()
    assert auto.state is S.STOPPED and engine.runs == 1


def test_autosync_revoked_runs_no_more() -> None:
    revoked = DeviceRevoked(N_("This device has been revoked by the administrator."))
    engine = FakeEngine(outcomes=[revoked])
    auto = AutoSync(engine, probe=lambda s: True)  # type: ignore[arg-type]
    auto.start()
    try:
        wait_for(lambda: auto.state is S.REVOKED)
        auto.request()
        threading.Event().wait(0.1)
        assert engine.runs == 1 and auto.state is S.REVOKED
    finally:
        auto.stop()
    assert auto.state is S.REVOKED


def test_autosync_backs_off_after_failures() -> None:
    broken = SyncError(N_("The sync server failed ({status}); will retry."), status=503)
    engine = FakeEngine(outcomes=[broken, broken, 0])
    backoff = Backoff(base=0.01, cap=0.02, rng=random.Random(1))
    auto = AutoSync(engine, interval=60, backoff=backoff,  # type: ignore[arg-type]
                    probe=lambda s: True)
    auto.start()
    try:
        wait_for(lambda: engine.runs == 3 and auto.state is S.IDLE)
        assert backoff.failures == 0  # reset by the success
    finally:
        auto.stop()
