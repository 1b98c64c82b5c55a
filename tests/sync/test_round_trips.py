"""The round trips and commits of one sync run (issue 14 point 7: a small push should not cost
half a second): what overlaps, what waits, what is committed without waiting for the disk.

Counted and ordered, never timed: each test blocks one side on an event the other side sets.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kimdesk.domain.models import Person
from kimdesk.sync.engine import Offline, SyncEngine, enroll
from kimdesk.sync.transport import Transport

#: Long enough for any machine; a test that waits this long has failed.
PATIENCE = 20.0


class ProbeWaitsForBatch(Transport):
    """A transport whose probe (``whoami``) answers only once the engine has started preparing
    the first batch, and which logs the order of probe answers and pushes."""

    def __init__(self, *a: Any, **k: Any) -> None:
        super().__init__(*a, **k)
        self.preparing = threading.Event()
        self.events: list[str] = []
        self.refuse = False

    def whoami(self) -> dict[str, str]:
        self.events.append("probe asked")
        self.events.append("overlapped" if self.preparing.wait(PATIENCE) else "waited")
        if self.refuse:
            raise Offline("The sync server cannot be reached: {reason}", reason="test")
        answer = super().whoami()
        self.events.append("probe answered")
        return answer

    def push(self, body: bytes, gz: bytes = b"", **kw: Any) -> Any:
        self.events.append("push")
        return super().push(body, gz, **kw)


def _engine(vault: Any, transport: ProbeWaitsForBatch) -> SyncEngine:
    engine = SyncEngine(vault, transport=transport)
    prepare = engine.store.prepare_batch

    def preparing(*a: Any, **k: Any) -> Any:
        transport.preparing.set()
        return prepare(*a, **k)

    engine.store.prepare_batch = preparing  # type: ignore[method-assign]
    return engine


def _enrolled(vault: Any, server: Any, transport: type[Transport] = ProbeWaitsForBatch) -> Any:
    """Enroll ``vault`` and return a transport of the given kind with its server and token."""
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))
    store = SyncEngine(vault).store
    return transport(store.get("server"), store.get("token"))


def test_probe_travels_while_the_first_batch_is_prepared(sqlite_server, make_vault):
    vault = make_vault()
    transport = _enrolled(vault, sqlite_server)
    for i in range(3):
        vault.people.add(Person(given_name="Ada", family_name="Demir" + "abc"[i]))
    engine = _engine(vault, transport)
    report = engine.sync()
    assert report.pushed == 3
    # the probe was still open when the batch was prepared, and answered before the first push
    assert transport.events[:4] == ["probe asked", "overlapped", "probe answered", "push"]
    engine.close()


def test_a_refused_probe_stores_and_sends_nothing(sqlite_server, make_vault):
    vault = make_vault()
    transport = _enrolled(vault, sqlite_server)
    vault.people.add(Person(given_name="Ada", family_name="Demir"))
    transport.refuse = True
    engine = _engine(vault, transport)
    with pytest.raises(Offline):
        engine.sync()
    assert "push" not in transport.events
    assert engine.store.outbox() is None  # nothing promised to the server
    assert engine.store.pending_count() == 1
    transport.refuse = False
    assert engine.sync().pushed == 1
    engine.close()


def test_last_sync_is_committed_without_waiting_for_the_disk(sqlite_server, make_vault):
    """Only ``last_sync`` (shown, never relied on) is committed with ``synchronous = NORMAL``;
    the connection is back at FULL afterwards, so every other commit still waits for fsync."""
    vault = make_vault()
    enroll(vault, sqlite_server.url, sqlite_server.service.create_enroll_code("Team Nord"))
    vault.people.add(Person(given_name="Ada", family_name="Demir"))
    statements: list[str] = []
    vault.conn.set_trace_callback(statements.append)
    engine = SyncEngine(vault)
    try:
        engine.sync()
    finally:
        vault.conn.set_trace_callback(None)
        engine.close()
    relaxed = [i for i, s in enumerate(statements) if s == "PRAGMA synchronous = NORMAL"]
    assert len(relaxed) == 1
    window = statements[relaxed[0]:]
    restored = window.index("PRAGMA synchronous = FULL")
    written = [s for s in window[:restored] if s.startswith("INSERT INTO sync_state")]
    assert written and all("last_sync" in s for s in written)
    assert int(vault.conn.execute("PRAGMA synchronous").fetchone()[0]) == 2  # FULL


class PageLog(Transport):
    """Real HTTP; logs the page size each pull asks for."""

    def __init__(self, *a: Any, **k: Any) -> None:
        super().__init__(*a, **k)
        self.limits: list[int] = []

    def pull(self, since: int, limit: int, *, own: bool = False) -> Any:
        self.limits.append(limit)
        return super().pull(since, limit, own=own)


def test_pull_pages_grow_from_the_small_first_one(sqlite_server, make_vault, monkeypatch):
    """The first page is small so that applying it starts early; each next page, fetched while
    one is applied, is twice the last (up to the page size): a page that takes as long to fetch
    as the one before took to apply keeps the client from waiting (a full-sized second page
    after the small first one left it waiting for the server)."""
    import kimdesk.sync.engine as engine_module

    monkeypatch.setattr(engine_module, "FIRST_PAGE", 2)
    writer, reader = make_vault("w.kdb"), make_vault("r.kdb")
    enroll(writer, sqlite_server.url, sqlite_server.service.create_enroll_code("Team Nord"))
    log = _enrolled(reader, sqlite_server, PageLog)
    for letter in "abcdefghijklmnopqrstuvwxy":
        writer.people.add(Person(given_name="Ada", family_name="Demir" + letter))
    pusher = SyncEngine(writer)
    assert pusher.sync().pushed == 25
    puller = SyncEngine(reader, transport=log, page_size=16)
    assert puller.sync().pulled == 25
    assert log.limits == [2, 4, 8, 16]
    pusher.close()
    puller.close()
