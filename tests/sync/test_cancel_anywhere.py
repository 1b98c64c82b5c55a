"""A review of Cancel against a real server (2026-12-06): cut off pushes and pulls at many points
(counted in events, not time), then sync to the end; every record is on the server and in both
vaults exactly once, with the same revisions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from kimdesk.domain.models import Note, Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync import deadline
from kimdesk.sync.errors import SyncCancelled
from tests.sync.helpers import Device, snapshot

#: The runs a device gets to reach the end despite the cancels.
MAX_RUNS = 200


def _hook(server: EmbeddedServer, name: str, victim: Callable[[], Device | None],
          every: int, counts: Counter[str]) -> None:
    """Cancel ``victim()``'s run on every ``every``-th call of the service's ``name``, before
    and after the server's work, alternately (the request is then cut off in flight: before,
    with its body read; after, with its answer not yet sent)."""
    service = server.service
    real = getattr(service, name)

    def hooked(*args: Any, **kwargs: Any) -> Any:
        counts[name] += 1
        device = victim()
        cut = device is not None and counts[name] % every == 0
        before = counts[name] % (2 * every) == 0
        if cut and before:
            device.engine.cancel()  # type: ignore[union-attr]
            counts["cancels"] += 1
        answer = real(*args, **kwargs)
        if cut and not before:
            device.engine.cancel()  # type: ignore[union-attr]
            counts["cancels"] += 1
        return answer

    setattr(service, name, hooked)


def _name(i: int) -> str:
    return "Muster" + chr(97 + i // 26) + chr(97 + i % 26)


def _until_done(device: Device, counts: Counter[str],
                before: Callable[[], None] = lambda: None) -> None:
    """Sync ``device`` until a run gets through, counting the cancelled ones; ``before`` each
    run."""
    for _ in range(MAX_RUNS):
        before()
        try:
            device.sync()
            return
        except SyncCancelled:
            counts["cancelled runs"] += 1
    pytest.fail("the device never got through")


def _server_records(server: EmbeddedServer, device: Device) -> list[tuple[str, str, int]]:
    from kimdesk.server.common import Device as ServerDevice

    dev: ServerDevice = server.service.authenticate(device.store.get("token"))
    out: list[tuple[str, str, int]] = []
    since = 0
    while True:
        page = server.service.pull(dev, since, 5000, own=True)
        out += [(r.kind, r.id, r.rev) for r in page.records]
        since = page.next_cursor
        if not page.more:
            return out


@pytest.mark.parametrize("every", [2, 3, 5])
def test_cancels_at_many_points_lose_and_double_nothing(server: EmbeddedServer,
                                                         make_device: Callable[..., Device],
                                                         every: int) -> None:
    counts: Counter[str] = Counter()
    victim: list[Device | None] = [None]
    a = make_device(server, "alice", batch_changes=15, page_size=15)
    b = make_device(server, "bob", batch_changes=15, page_size=15)
    _hook(server, "push_json", lambda: victim[0], every, counts)
    _hook(server, "pull_json", lambda: victim[0], every, counts)
    people = [a.vault.people.add(Person(given_name="Test", family_name=_name(i)))
              for i in range(120)]
    for p in people[:40]:
        case = a.vault.cases.open_case(p.id)
        a.vault.notes.add(Note(case_id=case.id, text="Erstkontakt, [Notiz] {x} \\\"ok\\\""))
    victim[0] = a
    _until_done(a, counts)
    victim[0] = b
    _until_done(b, counts)
    # both edit: b a third of the people, a another third; both cut off again
    for i, p in enumerate(people):
        dev = b if i % 3 == 0 else a if i % 3 == 1 else None
        if dev is not None:
            rec = dev.vault.people.get(p.id)
            dev.vault.people.update(rec.model_copy(update={"phone": f"0201 {i}"}))
    for dev in (b, a, b):
        victim[0] = dev
        _until_done(dev, counts)
    victim[0] = None
    a.sync()
    b.sync()

    on_server = _server_records(server, a)
    keys = Counter((k, i) for k, i, _ in on_server)
    assert max(keys.values()) == 1, "a record twice on the server"
    kinds = Counter(k for k, _, _ in on_server)
    assert kinds["persons"] == 120 and kinds["cases"] == 40 and kinds["notes"] == 40, kinds
    revs = {(k, i): r for k, i, r in on_server}
    for dev in (a, b):
        assert dev.store.pending_count() == 0 and dev.store.outbox() is None
        assert dict(((k, i), r) for k, i, r in dev.store.tables.bases.revisions()) == revs
    assert snapshot(a) == snapshot(b)
    assert sum(1 for (k, _), r in revs.items() if k == "persons" and r == 2) == 80
    assert counts["cancels"] >= 40 // every, counts
    print(dict(counts))


def test_a_cancel_between_runs_breaks_neither_the_next_run_nor_its_pooled_connections(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    """A Cancel after a run ended (the lock, a click just too late) shuts down the pooled
    connections; the next run must neither fail nor reuse one of them."""
    a = make_device(server, "alice", batch_changes=5)
    for round_ in range(6):
        for i in range(7):
            a.vault.people.add(Person(given_name="Test", family_name=_name(7 * round_ + i)))
        report = a.sync()
        assert report.pushed == 7
        a.engine.cancel()
    assert a.store.pending_count() == 0


@pytest.mark.parametrize("every", [1, 4, 9])
def test_cancels_inside_reads_and_writes_lose_and_double_nothing(
        server: EmbeddedServer, make_device: Callable[..., Device],
        monkeypatch: pytest.MonkeyPatch, every: int) -> None:
    """Cancel from the socket layer itself: on every ``every``-th read or write of the device's
    streams (headers, a body half read, a batch half sent), with notes of 20 KB so that answers
    take many reads."""
    counts: Counter[str] = Counter()
    victim: list[Device | None] = [None]
    real_read, real_write = deadline.GuardedStream.read, deadline.GuardedStream.write

    # the n-th cancelled run of a device is cut at its (n * every)-th read or write: the cut
    # walks through every point of a run until a run gets through
    target = [every]

    def tick() -> None:
        counts["io"] += 1
        counts["run io"] += 1
        if victim[0] is not None and counts["run io"] == target[0]:
            counts["cancels"] += 1
            target[0] += every
            victim[0].engine.cancel()

    def read(self: deadline.GuardedStream, max_bytes: int, timeout: float | None = None
             ) -> bytes:
        tick()
        return real_read(self, max_bytes, timeout)

    def write(self: deadline.GuardedStream, buffer: bytes, timeout: float | None = None
              ) -> None:
        tick()
        real_write(self, buffer, timeout)

    monkeypatch.setattr(deadline.GuardedStream, "read", read)
    monkeypatch.setattr(deadline.GuardedStream, "write", write)
    a = make_device(server, "alice", batch_changes=10, page_size=10)
    b = make_device(server, "bob", batch_changes=10, page_size=10)
    people = [a.vault.people.add(Person(given_name="Test", family_name=_name(i)))
              for i in range(30)]
    for i, p in enumerate(people):
        case = a.vault.cases.open_case(p.id)
        a.vault.notes.add(Note(case_id=case.id, text=f"Notiz {i}, " + "Inhalt [x] " * 2000))
    def until_done(dev: Device) -> None:
        victim[0], target[0] = dev, every

        def restart_count() -> None:
            counts["run io"] = 0

        _until_done(dev, counts, restart_count)

    for dev in (a, b):
        until_done(dev)
    for i, p in enumerate(people):
        dev = b if i % 2 else a
        rec = dev.vault.people.get(p.id)
        dev.vault.people.update(rec.model_copy(update={"phone": f"0201 {i}"}))
    for dev in (b, a, b):
        until_done(dev)
    victim[0] = None
    a.sync()
    b.sync()
    on_server = _server_records(server, a)
    assert max(Counter((k, i) for k, i, _ in on_server).values()) == 1
    revs = {(k, i): r for k, i, r in on_server}
    for dev in (a, b):
        assert dev.store.pending_count() == 0 and dev.store.outbox() is None
        assert dict(((k, i), r) for k, i, r in dev.store.tables.bases.revisions()) == revs
    assert snapshot(a) == snapshot(b)
    assert sum(1 for (k, _), r in revs.items() if k == "persons" and r == 2) == 30
    print(dict(counts))
