"""The divergence check: the full digest once a day, count and change number in between, and
the full digest at once when either disagrees (a server restored from a backup)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from kimdesk.domain.models import Person
from kimdesk.server import pull
from kimdesk.sync.protocol import FULL_CHECK_SECONDS


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def digests(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every state the server computes: True for a full digest, False for count only."""
    asked: list[bool] = []
    original = pull.team_state

    def counted(engine: Any, device: Any, *, digest: bool = True) -> Any:
        asked.append(digest)
        return original(engine, device, digest=digest)

    monkeypatch.setattr(pull, "team_state", counted)
    return asked


def _person(vault: Any, name: str) -> Person:
    return vault.people.add(Person(given_name=name, family_name="Check", birth_year=1990,
                                   municipality="Verl", birth_date=date(1990, 1, 2)))


def test_the_full_digest_runs_once_a_day(server: Any, make_device: Any,
                                         digests: list[bool]) -> None:
    clock = Clock()
    a = make_device(server, "alice", clock=clock)
    _person(a.vault, "Amal")
    for _ in range(3):
        assert not a.sync().resynced
        clock.now += 3600
    assert digests == [True, False, False]
    clock.now += FULL_CHECK_SECONDS
    a.sync()
    assert digests[-1] is True
    a.sync()
    assert digests[-1] is False


def test_a_server_restored_from_a_backup_is_noticed_between_full_checks(
        server: Any, make_device: Any, digests: list[bool]) -> None:
    """Same count, older revisions and an older change number: the change number gives it
    away, the full check runs at once and the resync sends the newer revision again."""
    clock = Clock()
    a = make_device(server, "alice", clock=clock)
    person = _person(a.vault, "Amal")
    a.sync()
    person.family_name = "Restored"
    a.vault.people.update(person)
    a.sync()
    with server.app.state.engine.begin() as conn:  # the backup of before the edit
        conn.execute(text("UPDATE records SET rev = rev - 1, data = :old WHERE id = :id"),
                     {"old": '{"id": "' + person.id + '"}', "id": person.id})
        conn.execute(text("UPDATE teams SET change_seq = change_seq - 1"))
    clock.now += 60
    report = a.sync()
    assert report.resynced
    assert digests[-2:] == [False, True]
    with server.app.state.engine.connect() as conn:
        data = conn.execute(text("SELECT data FROM records WHERE id = :id"),
                            {"id": person.id}).scalar_one()
    assert "Restored" in data


def _colleague_pushes(a: Any) -> None:
    """Alice adds a person and pushes: the team's change number moves past bob's cursor."""
    _person(a.vault, "Neu")
    a.sync()


@pytest.mark.parametrize("full", [False, True])
def test_a_colleagues_push_during_the_check_is_no_divergence(
        server: Any, make_device: Any, full: bool) -> None:
    """A colleague pushes after this device's pull and before the team's state is read: the
    state counts a record the device has not pulled yet. Before (a fault-injection review,
    2026-12-06), the counts disagreed, the full digest disagreed too, and the device pulled the
    whole team again (22 of 450 syncs of three busy devices). The check waits for the next run
    instead, and the colleague's record comes with the next pull."""
    clock = Clock()
    a = make_device(server, "alice", clock=clock)
    b = make_device(server, "bob", clock=clock)
    for i in range(5):
        _person(a.vault, f"Amal{'abcde'[i]}")
    a.sync()
    b.sync()
    clock.now += 60 + (FULL_CHECK_SECONDS if full else 0)
    transport = b.engine.transport
    state, pull = transport.state, transport.pull
    pulled = threading.Event()
    armed = [True]

    def pull_then_tell(*args: Any, **kw: Any) -> Any:
        try:
            return pull(*args, **kw)
        finally:
            pulled.set()

    def colleague_first(*args: Any, **kw: Any) -> Any:
        if armed[0]:  # asked beside the first page: read after it, and after a colleague's push
            armed[0] = False
            assert pulled.wait(30)
            _colleague_pushes(a)
        return state(*args, **kw)

    transport.pull, transport.state = pull_then_tell, colleague_first
    report = b.sync()
    # the colleague's record is pulled at once, and the state asked again agrees
    assert not armed[0] and not report.resynced and report.pulled == 1
    assert b.store.synced_count() == a.store.synced_count() == 6
    assert not b.sync().resynced


@pytest.mark.parametrize("full", [False, True])
def test_a_server_that_lost_a_record_is_caught_even_when_a_colleague_pushed(
        server: Any, make_device: Any, full: bool) -> None:
    """The other side (a review of the fix): the server lost one of bob's records, and a
    colleague pushes between bob's pull and his state read. The state then says nothing about
    divergence; bob pulls the colleague's record, asks again, and resyncs in the same run."""
    clock = Clock()
    a = make_device(server, "alice", clock=clock)
    b = make_device(server, "bob", clock=clock)
    a.sync()
    lost = _person(b.vault, "Lost")
    b.sync()  # alice never pulls it (her own check would push it back)
    with server.app.state.engine.begin() as conn:  # deleted behind the server's back
        conn.execute(text("DELETE FROM records WHERE id = :id"), {"id": lost.id})
    clock.now += 60 + (FULL_CHECK_SECONDS if full else 0)
    transport = b.engine.transport
    state, armed = transport.state, [True]

    def colleague_first(*args: Any, **kw: Any) -> Any:
        if armed[0]:
            armed[0] = False
            _colleague_pushes(a)
        return state(*args, **kw)

    transport.state = colleague_first
    report = b.sync()
    assert not armed[0] and report.resynced
    with server.app.state.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM records WHERE id = :id"),
                            {"id": lost.id}).scalar_one() == 1
