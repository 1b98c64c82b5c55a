"""After a push, the pull is left out when the receipts show that this device's batches alone
moved the team's change counter since the pull cursor (kimdesk/sync/ownnumbers.py). A
colleague's push before, between or after those batches is still pulled in the same run, and
the quick divergence check still holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kimdesk.domain.models import Person
from kimdesk.sync.engine import SyncEngine, Transport, enroll
from kimdesk.sync.ownnumbers import OwnNumbers
from kimdesk.sync.protocol import ChangeResult, ChangeStatus, PushReceipt
from kimdesk.sync.store import SyncStore


def _receipt(server_seq: int, *seqs: int) -> PushReceipt:
    """A receipt whose changes name these numbers (0: the change used none)."""
    return PushReceipt(batch_id="b", batch_seq=1, server_seq=server_seq, results=[
        ChangeResult(kind="persons", id=str(i), status=ChangeStatus.APPLIED, seq=seq)
        for i, seq in enumerate(seqs)])


def test_numbers_that_all_went_to_the_runs_batches_are_proven() -> None:
    numbers = OwnNumbers(10)
    numbers.add(_receipt(13, 11, 12, 13))
    numbers.add(_receipt(15, 14, 0, 15))
    assert numbers.proven and numbers.head == 15


def test_a_batch_that_numbered_nothing_keeps_the_chain() -> None:
    numbers = OwnNumbers(10)
    numbers.add(_receipt(10, 0, 0))  # saved without a real change, or refused
    assert numbers.proven and numbers.head == 10
    numbers.add(_receipt(12, 11, 12))
    assert numbers.proven and numbers.head == 12


def test_a_number_given_to_anyone_else_breaks_the_chain() -> None:
    before = OwnNumbers(10)
    before.add(_receipt(13, 12, 13))  # 11 went to a colleague
    between = OwnNumbers(10)
    between.add(_receipt(12, 11, 12))
    between.add(_receipt(15, 14, 15))  # 13 went to a colleague
    idle = OwnNumbers(10)
    idle.add(_receipt(11, 0))  # this batch numbered nothing, yet the counter moved
    assert not (before.proven or between.proven or idle.proven)
    idle.add(_receipt(12, 12))
    assert not idle.proven  # broken stays broken


def test_a_first_change_that_opened_conflicts_counts_as_not_proven() -> None:
    """Its record took 11, its conflicts 12 and 13; its result names 13. The batch's first
    number is not in the receipt, so the run pulls as before: the check errs on that side."""
    numbers = OwnNumbers(10)
    numbers.add(_receipt(14, 13, 14))
    assert not numbers.proven


def test_no_receipt_proves_nothing() -> None:
    assert not OwnNumbers(5).proven


class Hooked(Transport):
    """Real HTTP; counts pulls and state requests, runs a colleague's sync after a push or
    before a state, and with ``old_server`` answers pushes as a server that does not know
    ``?state=true`` (no state in the receipt)."""

    def __init__(self, *a: Any, **k: Any) -> None:
        super().__init__(*a, **k)
        self.pulls = 0
        self.states = 0
        self.old_server = False
        self.after_push: list[Callable[[], Any]] = []
        self.before_state: list[Callable[[], Any]] = []

    def push(self, body: bytes, gz: bytes = b"", *, state: bool = False) -> Any:
        receipt = super().push(body, gz, state=state and not self.old_server)
        if self.after_push:
            self.after_push.pop(0)()
        return receipt

    def pull(self, since: int, limit: int, *, own: bool = False) -> Any:
        self.pulls += 1
        return super().pull(since, limit, own=own)

    def state(self, digest: bool = True) -> Any:
        self.states += 1
        if self.before_state:
            self.before_state.pop(0)()
        return super().state(digest)


def _engine(server: Any, vault: Any, **kw: Any) -> tuple[SyncEngine, Hooked]:
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))
    store = SyncStore(vault)
    transport = Hooked(store.get("server"), store.get("token"))
    return SyncEngine(vault, transport=transport, **kw), transport


def _add(vault: Any, *names: str) -> None:
    for name in names:
        vault.people.add(Person(given_name=name, family_name="Nummer"))


def _colleagues(server: Any, make_vault: Any) -> tuple[SyncEngine, Hooked, SyncEngine]:
    """Alice (with her transport) and Bob, both synced once, each with a new person to push
    (Amal and Olena)."""
    alice, transport = _engine(server, make_vault("alice.kdb"))
    bob, _ = _engine(server, make_vault("bob.kdb"))
    alice.sync()
    bob.sync()
    _add(alice.vault, "Amal")
    _add(bob.vault, "Olena")
    return alice, transport, bob


def _names(vault: Any) -> set[str]:
    return {p.given_name for p in vault.people.where()}


def test_a_push_alone_moves_the_cursor_without_a_pull(server: Any, make_vault: Any) -> None:
    alice, transport = _engine(server, make_vault("alice.kdb"))
    alice.sync()  # the first run makes the full check, which asks for the page as before
    _add(alice.vault, "Amal", "Bilal", "Chana")
    transport.pulls = transport.states = 0
    report = alice.sync()
    assert report.pushed == 3 and not report.resynced
    assert transport.pulls == 0  # before: one pull, of a page holding nothing
    # and no state request: the last receipt brought the team's state (before: one more)
    assert transport.states == 0
    assert alice.store.cursor == transport.state(False).seq
    # a colleague gets them; the next run with nothing to push pulls (nothing) and checks
    bob, _ = _engine(server, make_vault("bob.kdb"))
    assert bob.sync().pulled == 3
    again = alice.sync()
    assert transport.pulls == 1 and again.pulled == 0 and not again.resynced
    alice.close()
    bob.close()


def test_a_colleagues_push_between_the_batches_is_pulled(server: Any,
                                                          make_vault: Any) -> None:
    alice, transport = _engine(server, make_vault("alice.kdb"), batch_changes=2)
    bob, _ = _engine(server, make_vault("bob.kdb"))
    alice.sync()
    bob.sync()
    _add(alice.vault, "Amal", "Bilal", "Chana", "Dana", "Emre", "Farah")
    _add(bob.vault, "Olena")
    transport.after_push = [bob.sync]  # after alice's first batch
    report = alice.sync()
    assert report.pushed == 6 and report.pulled == 1 and not report.resynced
    assert "Olena" in _names(alice.vault)
    alice.close()
    bob.close()


def test_a_colleagues_push_after_the_last_batch_is_pulled(server: Any,
                                                          make_vault: Any) -> None:
    """A server that leaves the state out of the receipt (older than ``?state=true``): the
    team's state, asked while the last receipt is filed, names a later number than the
    receipts, so the run pulls after all, and its quick check compares a state asked afresh."""
    alice, transport, bob = _colleagues(server, make_vault)
    transport.pulls = 0
    transport.old_server = True
    transport.before_state = [bob.sync]
    report = alice.sync()
    assert report.pushed == 1 and report.pulled == 1 and not report.resynced
    assert transport.pulls == 1 and "Olena" in _names(alice.vault)
    alice.close()
    bob.close()


def test_a_colleagues_push_after_the_receipt_with_the_state_comes_with_the_next_run(
        server: Any, make_vault: Any) -> None:
    """The receipt's state is the team's right after the last batch: a colleague's push after
    the receipt is not part of this run (nothing is asked after it), and the next run pulls
    it; neither run takes it for a divergence."""
    alice, transport, bob = _colleagues(server, make_vault)
    transport.pulls = transport.states = 0
    transport.after_push = [bob.sync]
    report = alice.sync()
    assert report.pushed == 1 and report.pulled == 0 and not report.resynced
    assert (transport.pulls, transport.states) == (0, 0)
    again = alice.sync()
    assert again.pulled == 1 and not again.resynced and "Olena" in _names(alice.vault)
    alice.close()
    bob.close()


def test_a_skipped_pull_still_retries_the_parked_records(server: Any, make_vault: Any,
                                                        monkeypatch: Any) -> None:
    """A record parked by an older client applies at the next sync after the update, also when
    that sync's pull is spared: the empty page is still applied, and applying a page retries
    the parked records. Before, the record stayed parked, the count fell one short and the
    quick check sent the device into a full resync."""
    from kimdesk.vault.sync import inbox as vault_inbox

    alice, transport = _engine(server, make_vault("alice.kdb"))
    bob, _ = _engine(server, make_vault("bob.kdb"))
    alice.sync()
    bob.sync()
    _add(bob.vault, "Olena")
    bob.sync()
    apply = vault_inbox.Inbox.apply

    def older_client(self: Any, kind: str, recs: Any, checked: Any = ()) -> int:
        for rec in recs:
            self._park(rec, "a field this version does not know")
        return 0

    monkeypatch.setattr(vault_inbox.Inbox, "apply", older_client)
    alice.sync()
    monkeypatch.setattr(vault_inbox.Inbox, "apply", apply)  # the client is updated
    assert alice.store.parked_count() == 1
    _add(alice.vault, "Amal")
    transport.pulls = 0
    report = alice.sync()
    assert transport.pulls == 0 and report.pulled == 1 and not report.resynced
    assert alice.store.parked_count() == 0 and "Olena" in _names(alice.vault)
    alice.close()
    bob.close()


def test_the_team_state_reads_count_and_number_at_one_moment(server: Any, make_vault: Any,
                                                            monkeypatch: Any) -> None:
    """A colleague's push that commits while the server reads the team's state is either in
    both its count and its change number or in neither. Read in two statements, PostgreSQL's
    READ COMMITTED counted it without its number, and the device went into a full resync."""
    import threading

    from kimdesk.server import db as server_db
    from kimdesk.server import pull as server_pull

    alice, transport = _engine(server, make_vault("alice.kdb"))
    transport.old_server = True  # she asks for the state (not given with her receipt)
    bob, _ = _engine(server, make_vault("bob.kdb"))
    alice.sync()
    bob.sync()
    _add(bob.vault, "Olena")
    armed = [True]
    reading = server_db.reading

    class Colleague:
        """The state's connection; the colleague pushes just before the statement that
        counts."""

        def __init__(self, engine: Any) -> None:
            self._conn = reading(engine)

        def __enter__(self) -> Colleague:
            self._conn.__enter__()
            return self

        def __exit__(self, *exc: Any) -> Any:
            return self._conn.__exit__(*exc)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._conn, name)

        def exec_driver_sql(self, sql: str, *args: Any) -> Any:
            if armed[0] and "count(*)" in sql:
                armed[0] = False
                pushing = threading.Thread(target=bob.sync)
                pushing.start()
                pushing.join()
            return self._conn.exec_driver_sql(sql, *args)

    monkeypatch.setattr(server_pull.db, "reading", Colleague)
    _add(alice.vault, "Amal")
    report = alice.sync()
    assert not report.resynced and "Olena" in _names(alice.vault)
    alice.close()
    bob.close()
