"""A sync run's pacing: push batches ramp up and taper off, and the pull of a small sync travels
while the last receipt is filed (issue 14 point 7).

Counted and ordered, never timed: the overlap tests block one side on an event the other side
sets, so the old order would wait out ``PATIENCE`` and fail.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from kimdesk.domain.models import Person
from kimdesk.sync import pacing
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.pacing import next_batch_size
from kimdesk.sync.protocol import BATCH_MAX_CHANGES, FIRST_BATCH_CHANGES
from kimdesk.sync.transport import Transport

#: Long enough for any machine; a test that waits this long has failed.
PATIENCE = 20.0


def _sizes(total: int, first: int, ceiling: int) -> list[int]:
    sizes: list[int] = []
    remaining = total
    while remaining > 0:
        size = min(remaining, next_batch_size(sizes[-1] if sizes else 0, remaining, first,
                                              ceiling))
        sizes.append(size)
        remaining -= size
    return sizes


def test_batches_ramp_up_and_taper_off():
    assert _sizes(10_000, 500, 2500) == [500, 1500, 2500, 2500, 2250, 563, 187]
    assert _sizes(1000, 500, 2500) == [500, 375, 125]
    # small runs and small ceilings are not cut up
    assert _sizes(150, 500, 2500) == [150]
    assert _sizes(600, 500, 2500) == [500, 100]
    assert _sizes(30, 2, 8) == [2, 6, 8, 8, 6]


def test_the_defaults_start_small():
    """With the shipped defaults the server starts on 200 changes, not 500, and each batch of
    the ramp is three times the last: an incremental push of 1,000 (before: [500, 375, 125],
    then [200, 400, 300, 100]) and a big one."""
    assert _sizes(1000, FIRST_BATCH_CHANGES, BATCH_MAX_CHANGES) == [200, 600, 200]
    assert _sizes(10_000, FIRST_BATCH_CHANGES, BATCH_MAX_CHANGES) == [
        200, 600, 1800, 2500, 2500, 1800, 450, 150]


def test_every_size_is_positive_and_within_the_ceiling():
    for total in (1, 7, 199, 201, 999, 4321, 25_000):
        for first, ceiling in ((500, 2500), (1, 1), (3, 50), (500, 300)):
            sizes = _sizes(total, min(first, ceiling), ceiling)
            assert sum(sizes) == total
            assert all(0 < s <= ceiling for s in sizes), (total, first, ceiling, sizes)


class Recording(Transport):
    """Real HTTP; logs the size of every batch the server took, by batch number (a batch sent
    ahead that overtook the one before it is refused and sent again: counted once; before, a
    run that overtook once under load logged [2, 6, 8, 8, 6, 2]), and makes its pull and state
    wait for the events the test hands it."""

    def __init__(self, *a: Any, **k: Any) -> None:
        super().__init__(*a, **k)
        self.taken: dict[int, int] = {}
        self.pull_asked = threading.Event()
        self.state_asked = threading.Event()
        self.pull_waits_for_state = False
        self.overlapped: list[str] = []

    @property
    def sizes(self) -> list[int]:
        return [self.taken[n] for n in sorted(self.taken)]

    def push(self, body: bytes, gz: bytes = b"", **kw: Any) -> Any:
        request = json.loads(body)
        receipt = super().push(body, gz, **kw)
        self.taken[int(request["batch_seq"])] = len(request["changes"])
        return receipt

    def pull(self, since: int, limit: int, *, own: bool = False) -> Any:
        self.pull_asked.set()
        if self.pull_waits_for_state:
            self.overlapped.append("state" if self.state_asked.wait(PATIENCE) else "none")
        return super().pull(since, limit, own=own)

    def state(self, digest: bool = True) -> Any:
        self.state_asked.set()
        return super().state(digest)


def _recording(vault: Any, server: Any) -> Recording:
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))
    store = SyncEngine(vault).store
    return Recording(store.get("server"), store.get("token"))


def test_a_push_run_is_paced(sqlite_server, make_vault, monkeypatch):
    import kimdesk.sync.pushing as push_module

    monkeypatch.setattr(push_module, "FIRST_BATCH_CHANGES", 2)
    monkeypatch.setattr(pacing, "TAIL_CHANGES", 2)
    vault = make_vault()
    transport = _recording(vault, sqlite_server)
    for letter in "abcdefghijklmnopqrstuvwx":
        vault.people.add(Person(given_name="Ada", family_name="Demir" + letter))
    engine = SyncEngine(vault, transport=transport, batch_changes=8)
    assert engine.sync().pushed == 24
    # before: [2, 8, 8, 6] (a small first batch, then full ones to the end)
    assert transport.sizes == [2, 6, 8, 6, 2]
    assert engine.store.pending_count() == 0
    engine.close()


def test_the_pull_is_asked_for_while_the_last_receipt_is_filed(sqlite_server, make_vault):
    """The last receipt is filed only once the pull's first page has been asked for: before, the
    pull started after it, so this waited out its patience."""
    vault = make_vault()
    transport = _recording(vault, sqlite_server)
    for letter in "abc":
        vault.people.add(Person(given_name="Ada", family_name="Demir" + letter))
    engine = SyncEngine(vault, transport=transport)
    apply_receipt = engine.store.apply_receipt
    order: list[str] = []

    def filing(*a: Any, **k: Any) -> Any:
        order.append("pull asked" if transport.pull_asked.wait(PATIENCE) else "pull not asked")
        return apply_receipt(*a, **k)

    engine.store.apply_receipt = filing  # type: ignore[method-assign]
    report = engine.sync()
    assert report.pushed == 3 and order == ["pull asked"]
    engine.close()


def test_with_nothing_to_push_the_pull_travels_beside_the_probe(sqlite_server, make_vault):
    """A run with nothing to push asks for the pull's first page while the probe (``whoami``)
    is under way: the probe answers only once the page was asked for. Before, the pull was asked
    for after the probe had answered, so this waited out its patience."""
    vault = make_vault()
    transport = _recording(vault, sqlite_server)
    engine = SyncEngine(vault, transport=transport)
    engine.sync()
    whoami = transport.whoami
    order: list[str] = []

    def probe() -> Any:
        order.append("pull asked" if transport.pull_asked.wait(PATIENCE) else "pull not asked")
        return whoami()

    transport.whoami = probe  # type: ignore[method-assign]
    transport.pull_asked.clear()
    report = engine.sync()
    assert order == ["pull asked"] and report.pushed == 0 and not report.resynced
    # An edit saved while the probe travels (the engine's thread waits for the probe) is
    # pushed after all; the team's state is asked for again after it, so the quick check
    # compares against the state after the push (no full resync). The pull is not asked again:
    # the receipt shows that the push alone moved the team's counter (kimdesk.sync.ownnumbers).
    counselor = vault.open_sibling()  # the GUI's own connection, say

    def probe_and_edit() -> Any:
        transport.pull_asked.wait(PATIENCE)
        counselor.people.add(Person(given_name="Ada", family_name="Demir"))
        return whoami()

    transport.whoami = probe_and_edit  # type: ignore[method-assign]
    pulls = transport.pull
    asked: list[int] = []

    def counted_pull(*a: Any, **k: Any) -> Any:
        asked.append(1)
        return pulls(*a, **k)

    transport.pull = counted_pull  # type: ignore[method-assign]
    transport.pull_asked.clear()
    report = engine.sync()
    assert report.pushed == 1 and not report.resynced and len(asked) == 1
    engine.close()


def test_a_one_page_pull_asks_for_the_team_state_with_its_page(sqlite_server, make_vault):
    """The quick divergence check's state travels with the pull's page (one round trip at the
    end of a small sync instead of two); a longer pull asks again once it is done."""
    vault = make_vault()
    transport = _recording(vault, sqlite_server)
    engine = SyncEngine(vault, transport=transport)
    engine.sync()  # the first run makes the full check; the next ones are quick
    # a colleague's push in between: this run's receipt cannot show that its push alone moved
    # the team's counter, so it pulls (kimdesk.sync.ownnumbers)
    colleague = make_vault("colleague.kdb")
    enroll(colleague, sqlite_server.url, sqlite_server.service.create_enroll_code("Team Nord"))
    colleague.people.add(Person(given_name="Olena", family_name="Koval"))
    other = SyncEngine(colleague)
    other.sync()
    other.close()
    transport.pull_waits_for_state = True
    transport.state_asked.clear()
    vault.people.add(Person(given_name="Ada", family_name="Demir"))
    report = engine.sync()
    assert report.pushed == 1 and report.pulled == 1 and not report.resynced
    assert transport.overlapped == ["state"]
    engine.close()


def test_a_batch_body_is_the_requests_own_json(sqlite_server, make_vault):
    """The body is joined from the changes' JSON (serialised once each, which also sizes the
    batch): byte for byte what the request model writes, so the server reads the same batch."""
    from kimdesk.sync.store import PushCursor

    vault = make_vault()
    enroll(vault, sqlite_server.url, sqlite_server.service.create_enroll_code("Team Nord"))
    for letter in "abc":
        vault.people.add(Person(given_name="Ayşe", family_name="Demir" + letter,
                                family_name_latin="Demir" + letter, phone="0211 1234"))
    prepared = SyncEngine(vault).store.prepare_batch(PushCursor())
    assert prepared is not None
    batch = prepared.batch
    assert batch.body == batch.request.model_dump_json().encode()
    assert len(batch.request.changes) == 3


def test_the_next_batch_is_stored_while_one_travels(sqlite_server, make_vault):
    """The first batch's answer waits until the second batch is in the outbox: before, the
    second was stored only after the first receipt (its commit waiting for the disk while the
    server had nothing to do), so this waited out its patience."""
    vault = make_vault()
    transport = _recording(vault, sqlite_server)
    for letter in "abcdef":
        vault.people.add(Person(given_name="Ada", family_name="Demir" + letter))
    engine = SyncEngine(vault, transport=transport, batch_changes=2)
    persist = engine.store.persist_batch
    stored = threading.Semaphore(0)
    order: list[str] = []

    def persisting(*a: Any, **k: Any) -> Any:
        batch = persist(*a, **k)
        stored.release()
        return batch

    push = transport.push

    def pushing(body: bytes, gz: bytes = b"", **kw: Any) -> Any:
        if not order:  # the first batch: wait for the second to be stored
            stored.acquire(timeout=PATIENCE)
            order.append("next stored" if stored.acquire(timeout=PATIENCE) else "not stored")
        return push(body, gz, **kw)

    engine.store.persist_batch = persisting  # type: ignore[method-assign]
    transport.push = pushing  # type: ignore[method-assign]
    assert engine.sync().pushed == 6
    assert order == ["next stored"]
    assert engine.store.pending_count() == 0 and engine.store.outbox() is None
    engine.close()


def test_a_renumbered_run_sends_its_stored_next_batch_again(sqlite_server, make_vault):
    """A vault restored from a backup numbers its batches wrongly: the first batch is
    renumbered, which drops the next one already stored; it is stored again under the next
    number and nothing is lost."""
    vault = make_vault()
    transport = _recording(vault, sqlite_server)
    for letter in "abcdef":
        vault.people.add(Person(given_name="Ada", family_name="Demir" + letter))
    engine = SyncEngine(vault, transport=transport, batch_changes=2)
    engine.store.set_many({"batch_seq": 41})
    report = engine.sync()
    assert report.pushed == 6
    assert engine.store.pending_count() == 0 and engine.store.outbox() is None
    assert json.loads(engine.store.get("batch_seq")) == 3
    service = sqlite_server.service
    device = service.authenticate(engine.store.get("token"))
    assert len([r for r in service.pull(device, 0).records if r.kind == "persons"]) == 6
    engine.close()


def test_a_cancelled_push_does_not_start_the_pull(sqlite_server, make_vault):
    """Cancelled while a batch travels: the run stops after its receipt without asking for the
    pull (it would wait for that page before ending)."""
    from kimdesk.sync.engine import SyncCancelled

    vault = make_vault()
    transport = _recording(vault, sqlite_server)
    for letter in "abcdef":
        vault.people.add(Person(given_name="Ada", family_name="Demir" + letter))
    engine = SyncEngine(vault, transport=transport, batch_changes=2)
    push = transport.push

    def cancelling(body: bytes, gz: bytes = b"", **kw: Any) -> Any:
        engine.cancel()
        return push(body, gz, **kw)

    transport.push = cancelling  # type: ignore[method-assign]
    try:
        engine.sync()
    except SyncCancelled:
        pass
    else:
        raise AssertionError("the run was not cancelled")
    assert not transport.pull_asked.is_set()
    transport.push = push  # type: ignore[method-assign]
    assert engine.sync().pushed >= 4  # the stored next batch and the rest go in the next run
    assert engine.store.pending_count() == 0
    engine.close()


def test_rows_saved_without_a_change_do_not_end_the_push_early(sqlite_server, make_vault,
                                                               monkeypatch):
    """A batch's window of pending rows that were all saved without a real change adds nothing;
    the batch reads on instead of ending the run with changed records still pending (small
    paced batches made such a window likelier)."""
    import kimdesk.sync.pushing as push_module

    monkeypatch.setattr(push_module, "FIRST_BATCH_CHANGES", 2)
    vault = make_vault()
    transport = _recording(vault, sqlite_server)
    people = [vault.people.add(Person(given_name="Ada", family_name="Demir" + letter))
              for letter in "abcdefghijkl"]
    engine = SyncEngine(vault, transport=transport, batch_changes=8)
    engine.sync()
    for n, person in enumerate(people):
        current = vault.people.get(person.id)
        if 2 <= n < 6:
            vault.people.update(current)  # saved, nothing changed
        else:
            vault.people.update(current.model_copy(update={"phone": f"0211 {n}"}))
    report = engine.sync()
    assert report.pushed == 8
    assert engine.store.pending_count() == 0
    engine.close()
