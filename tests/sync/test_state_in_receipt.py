"""The engine's use of the team state that the last receipt brings (``POST /v1/push?state=
true``, kimdesk/sync/engine.py), and the acknowledgement's fast path for a resolving change
(kimdesk/sync/store/outbox.py); found by a review of both."""

from __future__ import annotations

import json
from typing import Any

from kimdesk.domain.models import Person
from kimdesk.sync.store import PushCursor
from tests.sync.test_own_numbers import _add, _colleagues, _engine, _names


def test_a_colleague_between_the_commit_and_the_state_read_is_pulled(
        server: Any, make_vault: Any, monkeypatch: Any) -> None:
    """The receipt's state is read after the commit, outside the lock: a colleague's push
    that lands in between moves its number past the receipts, so the run pulls after all
    (and asks the state afresh), without a resync."""
    from kimdesk.server import push as server_push

    alice, transport, bob = _colleagues(server, make_vault)
    read = server_push.team_state
    armed = [bob.sync]

    def colleague_first(*a: Any, **k: Any) -> Any:
        if armed:
            armed.pop()()
        return read(*a, **k)

    monkeypatch.setattr(server_push, "team_state", colleague_first)
    transport.pulls = transport.states = 0
    report = alice.sync()
    assert not armed  # the colleague pushed between alice's commit and her state
    assert report.pushed == 1 and report.pulled == 1 and not report.resynced
    assert transport.pulls == 1 and transport.states == 1
    assert "Olena" in _names(alice.vault)
    alice.close()
    bob.close()


def test_a_resolution_acknowledged_on_the_fast_path_closes_the_conflict(
        server: Any, make_device: Any) -> None:
    """A change that resolves a conflict comes back stored as sent: the fast path (no reads)
    must still mark the conflict resolved (no test covered it: removing those two lines from
    ``OutboxStore._acknowledge`` left the suite green)."""
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    p = a.vault.people.add(Person(given_name="Test", family_name="Demir"))
    a.sync()
    b.sync()
    a.vault.people.update(a.vault.people.get(p.id).model_copy(update={"phone": "1"}))
    b.vault.people.update(b.vault.people.get(p.id).model_copy(update={"phone": "2"}))
    b.sync()
    a.sync()
    [conflict] = a.store.conflicts()
    a.store.resolve(conflict.id, "3")
    batch = a.store.build_batch(PushCursor())
    receipt = a.engine.transport.push(batch.body, batch.gz)
    assert [(r.status, r.same) for r in receipt.results] == [("applied", True)]
    reads: list[str] = []
    a.vault.conn.set_trace_callback(
        lambda sql: reads.append(sql) if sql.lstrip().upper().startswith("SELECT") else None)
    try:
        a.store.apply_receipt(batch, receipt)
    finally:
        a.vault.conn.set_trace_callback(None)
    assert not any("revision" in s for s in reads)  # the fast path
    assert a.store.conflicts() == [] and a.store.conflicts(status="resolving") == []
    assert a.store.pending_count() == 0


def test_a_run_that_resends_a_stored_batch_still_gets_the_state_with_its_receipts(
        server: Any, make_vault: Any) -> None:
    """After a crash with a batch in the outbox, the run resends it and pushes the edits made
    since: the estimate of the last batch counted the stored batch's records too, so no batch
    asked for the state and the run asked for it separately; now the estimate starts again
    after the resent batches."""
    alice, transport = _engine(server, make_vault("alice.kdb"))
    alice.sync()
    _add(alice.vault, "Amal", "Bilal")
    alice.store.build_batch(PushCursor())  # stored, never sent (the app was closed)
    _add(alice.vault, "Chana")
    _asks_nothing_after_its_push(alice, transport, pushed=3)


def test_a_record_saved_without_a_change_does_not_cost_the_state(
        server: Any, make_vault: Any) -> None:
    """A record saved without a real change is pending but never sent (marked unchanged while
    the batch is built): the estimate counted it, so the real last batch did not ask for the
    state, and the run asked for it separately; now it counts as done."""
    alice, transport = _engine(server, make_vault("alice.kdb"))
    saved = alice.vault.people.add(Person(given_name="Saved", family_name="Nummer"))
    alice.sync()
    alice.vault.people.update(alice.vault.people.get(saved.id))  # opened and saved, no change
    _add(alice.vault, "Amal")
    _asks_nothing_after_its_push(alice, transport, pushed=1)


def _asks_nothing_after_its_push(alice: Any, transport: Any, *, pushed: int) -> None:
    """Alice's next run pushes ``pushed`` records and asks for neither a page nor the state:
    its last batch asked for the state in its receipt."""
    transport.pulls = transport.states = 0
    report = alice.sync()
    assert report.pushed == pushed and not report.resynced
    assert (transport.pulls, transport.states) == (0, 0), "the state was asked for separately"
    alice.close()


def test_with_state_keeps_every_stored_receipt_valid_json() -> None:
    """Receipts stored by ``receipt_json`` and those rewritten by a purge
    (``json.dumps``) end in ``}``: the splice yields valid JSON for both."""
    from kimdesk.server.push import with_state
    from kimdesk.sync.protocol import PushReceipt, TeamState

    state = TeamState(count=3, digest="", seq=9)
    for text in ('{"batch_id":"b","batch_seq":1,"results":[],"conflicts":[],"server_seq":0}',
                 json.dumps({"batch_id": "b", "batch_seq": 1, "results": [], "conflicts": [],
                             "server_seq": 0}, ensure_ascii=False, separators=(",", ":"))):
        assert PushReceipt.model_validate_json(with_state(text, state)).state == state


def test_a_failing_state_read_does_not_fail_a_committed_push(
        server: Any, make_vault: Any, monkeypatch: Any) -> None:
    """The state is an extra, read on a second connection after the batch committed: when that
    read fails (a pool timeout, a statement timeout, a dropped connection), the receipt should
    go out without it (the device then asks as before), not as a 500 for a batch the server
    has stored (the counselor saw a failed sync, and the batch waited in the outbox)."""
    from sqlalchemy.exc import OperationalError

    from kimdesk.server import push as server_push

    alice, _ = _engine(server, make_vault("alice.kdb"))
    alice.sync()
    _add(alice.vault, "Amal")

    def failing(*a: Any, **k: Any) -> Any:
        raise OperationalError("SELECT count(*) ...", {}, Exception("canceling statement"))

    monkeypatch.setattr(server_push, "team_state", failing)
    report = alice.sync()
    assert report.pushed == 1 and alice.store.outbox() is None
    alice.close()
