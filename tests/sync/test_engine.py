"""The engine's state machine, backoff, cancel, automatic sync and the TLS rule."""

from __future__ import annotations

import random
import threading

import pytest

from kimdesk.domain.models import Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.autosync import AutoSync
from kimdesk.sync.engine import (
    Backoff,
    Offline,
    SyncCancelled,
    SyncEngine,
    SyncError,
    SyncState,
    check_server_url,
    enroll,
)


def test_backoff_grows_with_jitter_and_caps():
    b = Backoff(base=1.0, cap=30.0, rng=random.Random(3))
    delays = [b.next_delay() for _ in range(8)]
    for n, d in enumerate(delays, start=1):
        ceiling = min(30.0, 2 ** (n - 1))
        assert ceiling / 2 <= d <= ceiling
    assert len(set(delays)) == len(delays)  # jittered
    b.reset()
    assert b.next_delay() <= 1.0


def test_plain_http_only_on_loopback():
    assert check_server_url("http://127.0.0.1:8765/") == "http://127.0.0.1:8765"
    assert check_server_url("http://localhost:1").startswith("http://localhost")
    assert check_server_url("https://kim.example.org").startswith("https://")
    for bad in ("http://kim.example.org", "http://10.0.0.5:8765", "ftp://127.0.0.1"):
        with pytest.raises(SyncError):
            check_server_url(bad)


def test_states_offline_and_cancel(tmp_path, make_vault):
    server = EmbeddedServer(tmp_path / "s.db").start()
    vault = make_vault()
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))
    for i in range(5):
        vault.people.add(Person(given_name="A", family_name="Demir" + "abcde"[i]))
    states: list[SyncState] = []
    engine = SyncEngine(vault, on_state=lambda p: states.append(p.state), batch_changes=2)

    # cancel after the first batch: the batch already in flight (sent before the first receipt
    # was applied) is acknowledged if its receipt is in, or else cut off and kept in the outbox
    # (since Cancel ends a request in flight: kimdesk/sync/deadline.py); the rest stays
    # pending, nothing half-applied
    def cancel_after_first(p):
        states.append(p.state)
        if p.state is SyncState.PUSHING and p.done:
            engine.cancel()

    engine.on_state = cancel_after_first
    with pytest.raises(SyncCancelled):
        engine.sync()
    pending, outbox = engine.store.pending_count(), engine.store.outbox()
    assert (pending, outbox is None) in ((1, True), (3, False)), (pending, outbox)
    engine.on_state = lambda p: states.append(p.state)
    states.clear()
    engine.sync()
    assert states[0] is SyncState.CHECKING and SyncState.PUSHING in states
    assert SyncState.PULLING in states and states[-1] is SyncState.IDLE
    server.stop()
    with pytest.raises(Offline):
        engine.sync()
    assert engine.state is SyncState.OFFLINE
    engine.close()


def test_autosync_syncs_when_server_becomes_reachable(tmp_path, make_vault):
    server = EmbeddedServer(tmp_path / "s.db").start()
    port = server.port
    vault = make_vault()
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))
    server.stop()
    vault.people.add(Person(given_name="A", family_name="Demir"))
    engine = SyncEngine(vault)
    reports = []
    synced = threading.Event()

    def on_report(report, error):
        reports.append((report, error))
        if report is not None:
            synced.set()

    auto = AutoSync(engine, interval=60, probe_interval=0.1, on_report=on_report)
    auto.start()
    try:
        deadline = threading.Event()
        deadline.wait(0.5)
        assert engine.state is SyncState.OFFLINE and isinstance(reports[0][1], Offline)
        server = EmbeddedServer(tmp_path / "s.db", port=port).start()
        assert synced.wait(15)
        assert reports[-1][0].pushed == 1
    finally:
        auto.stop()
        server.stop()
        engine.close()


def test_addresses_and_codes_an_administrator_hands_out_are_read_as_meant(
        tmp_path, make_vault) -> None:
    """An administrator's review (2026-12-06): an address with the protocol's /v1 was refused
    as "404 not_found", port 99999 as "Connection refused", a code typed short got pydantic's
    English, and https:// to the plain server port OpenSSL's "WRONG_VERSION_NUMBER"."""
    from kimdesk.sync.errors import Offline

    assert check_server_url("https://kim.example.org/v1/") == "https://kim.example.org"
    assert check_server_url("https://kim.example.org/kim/v1") == "https://kim.example.org/kim"
    with pytest.raises(SyncError) as port:
        check_server_url("http://127.0.0.1:99999")
    assert "1 to 65535" in port.value.translated()
    server = EmbeddedServer(tmp_path / "s.db").start()
    try:
        vault = make_vault()
        with pytest.raises(SyncError) as short:
            enroll(vault, server.url, "x")
        assert "K7QM-2XPA-9RTD" in short.value.translated()
        code = server.service.create_enroll_code("Team Nord")
        with pytest.raises(Offline) as tls:
            enroll(vault, server.url.replace("http://", "https://"), code)
        assert "HTTPS" in tls.value.translated() and "SSL" not in tls.value.translated()
        enroll(vault, server.url + "/v1", code)  # the code still works: nothing was spent
    finally:
        server.stop()
