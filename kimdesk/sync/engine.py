"""The client engine: one sync run (push, pull, check) for one open vault, with no Qt.

A run moves through the states of :class:`kimdesk.sync.schedule.SyncState`: ``checking`` (probe +
authenticate) -> ``pushing`` -> ``pulling`` -> ``idle``, or ``conflict`` when open conflicts wait
for the counselor, ``offline`` when the server cannot be reached, ``error`` for anything else,
``revoked`` when the server revoked this device. Each step is checked against the scheduler's
declared table (:data:`kimdesk.sync.schedule.ALLOWED`); the GUI only draws these states (see
``kimdesk/gui/sync``), the CLI prints them.

One :meth:`SyncEngine.sync` run (the probe and the first reference page are asked for while the
first batch is prepared, and the pull's first page too when there is nothing to push; nothing is
stored or sent before the probe answered):

1. resend the batch in flight, if any (a lost response: same batch id, the server answers its
   stored receipt), then build and send new batches until nothing is pending;
2. pull pages since the cursor, each applied with its cursor advance in one transaction (or,
   when the receipts show that the push alone moved the team's counter, only move the cursor:
   :mod:`kimdesk.sync.ownnumbers`);
3. fetch reference data;
4. divergence check: count and digest of ``kind/id/rev`` against the server's; on mismatch a
   full resync (pull from cursor 0, re-push what the server lacks), checked once more; also
   when a resent batch was answered ``batch_expired`` (:mod:`kimdesk.sync.store.expired`).

When to run is not decided here: :mod:`kimdesk.sync.schedule` decides, and
:class:`kimdesk.sync.autosync.AutoSync` (CLI, tests) or the GUI's controller carry it out. HTTP is
in :mod:`kimdesk.sync.transport`, the errors in :mod:`kimdesk.sync.errors`; their names are
re-exported here for the modules and tests that import them from the engine.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from kimdesk.collector import collector_paused
from kimdesk.i18n import N_
from kimdesk.sync.divergence import diverged
from kimdesk.sync.enrollment import enroll, refuse_public_vault
from kimdesk.sync.errors import (
    DeviceRevoked,
    NotEnrolled,
    Offline,
    OutOfOrder,
    ServerRefused,
    SyncCancelled,
    SyncError,
)
from kimdesk.sync.ownnumbers import OwnNumbers
from kimdesk.sync.protocol import (
    FIRST_PAGE,
    FULL_CHECK_SECONDS,
    PULL_PAGE_DEFAULT,
    ChangeStatus,
    PullPage,
    ReferencePage,
    TeamState,
)
from kimdesk.sync.pushing import PushSteps
from kimdesk.sync.report import Progress, SyncReport
from kimdesk.sync.schedule import Backoff, SyncState, check_transition
from kimdesk.sync.store import SyncStore
from kimdesk.sync.transport import Transport
from kimdesk.sync.urls import check_server_url
from kimdesk.sync.wipe import wipe_vault
from kimdesk.vault.repository import now_iso
from kimdesk.vault.vault import Vault

__all__ = [
    "Backoff", "DeviceRevoked", "NotEnrolled", "Offline", "OutOfOrder", "Progress",
    "ServerRefused", "SyncCancelled", "SyncEngine", "SyncError", "SyncReport", "SyncState",
    "Transport", "check_server_url", "enroll", "wipe_vault",
]


@dataclass
class _Ahead:
    """A run's pull asked for ahead of time: its first page and the team's state (for the quick
    divergence check; it holds if that page was the only one, or if the receipts made the page
    unnecessary: ``single_page``)."""

    page: Future[PullPage] | None = None
    state: Future[TeamState] | None = None
    single_page: bool | None = None


class SyncEngine(PushSteps):
    """Runs sync for one open vault. Use it from the thread that owns the vault."""

    def __init__(
        self,
        vault: Vault,
        *,
        transport: Transport | None = None,
        on_state: Callable[[Progress], None] | None = None,
        on_wipe: Callable[[], None] | None = None,
        batch_changes: int | None = None,
        batch_bytes: int | None = None,
        page_size: int = PULL_PAGE_DEFAULT,
        full_check_every: float = FULL_CHECK_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.vault = vault
        self.store = SyncStore(vault)
        self._transport = transport
        self.on_state = on_state
        self.on_wipe = on_wipe
        self.batch_changes = batch_changes
        self.batch_bytes = batch_bytes
        self.page_size = page_size
        self.full_check_every = full_check_every
        self._clock = clock
        self.state = SyncState.IDLE
        self.last_error: SyncError | None = None
        self._cancel = threading.Event()
        self.wiped = False

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def transport(self) -> Transport:
        if self._transport is None:
            if not self.store.enrolled:
                raise NotEnrolled(N_("This vault is not enrolled with a sync server. "
                                     "Run: kimdesk enroll --server URL --code CODE"))
            refuse_public_vault(self.vault)  # enrolled by a version that did not refuse it
            self._transport = Transport(self.store.get("server"), self.store.get("token"))
        return self._transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def cancel(self) -> None:
        """Stop at the next step boundary (between batches or pages); nothing half-applied. A
        request in flight ends at once (:meth:`Transport.cancel`): a batch whose receipt it cuts
        off stays in the outbox and is resent, a page cut off is not applied."""
        self._cancel.set()
        transport = self._transport
        if transport is not None:
            transport.cancel()

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise SyncCancelled(N_("Sync was cancelled."))

    def _enter(self, state: SyncState, done: int = 0, total: int = 0, message: str = "") -> None:
        """Move to ``state`` (checked against the declared table) and tell ``on_state``."""
        check_transition(self.state, state)
        self.state = state
        if self.on_state is not None:
            self.on_state(Progress(state, done, total, message))

    @property
    def last_sync(self) -> str:
        return self.store.get("last_sync") if not self.wiped else ""

    def open_conflicts(self) -> int:
        return len(self.store.conflicts())

    # -- the run -------------------------------------------------------------------------------
    def sync(self) -> SyncReport:
        """One complete sync run; raises :class:`SyncError` (state ``offline``/``error``)."""
        if self.wiped:
            raise DeviceRevoked(N_("This device has been revoked by the administrator."))
        self._cancel.clear()
        started = time.perf_counter()
        report = SyncReport()
        try:
            self._enter(SyncState.CHECKING)
            transport = self.transport
            transport.resume()
            if self._cancel.is_set():  # cancelled before the transport was there
                transport.cancel()
            # The probe (authentication) and the first page of reference data travel while the
            # first batch is prepared: each round trip saved is a few milliseconds of a small
            # sync. Nothing is sent or stored before the probe has answered.
            with (ThreadPoolExecutor(2, thread_name_prefix="kimdesk-probe") as asker,
                  ThreadPoolExecutor(2, thread_name_prefix="kimdesk-pull") as fetcher):
                probe = asker.submit(transport.whoami)
                ref_page = asker.submit(transport.reference,
                                        int(self.store.get("ref_cursor", "0")))
                ahead = _Ahead()
                numbers = OwnNumbers(self.store.cursor)
                try:
                    with collector_paused():  # batches and pages are bulk work
                        # the pull's first page (and the team's state) travel while the last
                        # receipt is applied
                        self._push_all(report, probe,
                                       lambda known: self._ask_ahead(fetcher, ahead,
                                                                     numbers=numbers,
                                                                     known=known),
                                       numbers)
                        if not self._moved_by_receipts(report, ahead, numbers):
                            self._pull_all(report, fetcher=fetcher, ahead=ahead)
                    self._reference(ref_page)
                finally:
                    for future in (probe, ref_page, ahead.page, ahead.state):
                        if future is not None:
                            future.cancel()
                self._check(report, ahead.state if ahead.single_page else None)
            self.store.prune_refusals()  # a resync may have made a refused record clean
            report.refused = self.store.refusals()
        except DeviceRevoked as exc:
            self._enter(SyncState.REVOKED, message="revoked")
            self.wiped = True
            # erasures that never reached the server: the counselor must carry them out again
            # (the count must never stand in the wipe's way: a vault that cannot say is wiped)
            try:
                lost = self.store.pending_count("deletions")
            except Exception:
                lost = 0
            self.close()
            left = wipe_vault(self.vault)  # said, not hidden: the vault would stay as it was
            if self.on_wipe is not None:
                self.on_wipe()
            raise DeviceRevoked.wiped(left, lost) from exc
        except Offline as exc:
            self.last_error = exc
            self._enter(SyncState.OFFLINE, message=exc.translated())
            raise
        except SyncError as exc:
            self.last_error = exc
            self._enter(SyncState.ERROR, message=exc.translated())
            raise
        except Exception as exc:
            # The type only: an exception's text can quote record values (pydantic's do) and
            # ends up in the GUI's tooltip; the cause stays chained for the caller's log.
            err = SyncError(N_("Sync failed: {reason}"), reason=type(exc).__name__)
            self.last_error = err
            self._enter(SyncState.ERROR, message=err.translated())
            raise err from exc
        self.last_error = None
        # Shown to the counselor only: a power cut may take it back to the run before.
        self.store.set_many({"last_sync": now_iso()}, durable=False)
        report.conflicts = self.open_conflicts()
        report.seconds = time.perf_counter() - started
        report.state = SyncState.CONFLICT if report.conflicts else SyncState.IDLE
        self._enter(report.state)
        return report

    def _ask_ahead(self, fetcher: ThreadPoolExecutor, ahead: _Ahead, *, own: bool = False,
                   numbers: OwnNumbers | None = None, known: TeamState | None = None) -> None:
        """Ask for the pull's first page and, when the quick divergence check is due, the
        team's state: both travel while the caller does other work (a small sync's last
        round trips). ``own``: a full resync's pull, which needs no state. Asked again (a batch
        turned up after an early ask), the earlier requests are dropped. With the quick check
        due and ``numbers`` proven, only the state (:meth:`_moved_by_receipts`), and not even
        that when the last receipt brought it (``known``: read right after that batch; used
        only when no page is asked, since a page asked now may bring later records)."""
        for earlier in (ahead.page, ahead.state):
            if earlier is not None:
                earlier.cancel()
        ahead.page = ahead.state = None
        quick = not own and not self._full_check_due()
        if not (quick and numbers is not None and numbers.proven):
            ahead.page = fetcher.submit(self.transport.pull, self.store.cursor,
                                        min(self.page_size, FIRST_PAGE), own=own)
        if quick and known is not None and ahead.page is None:
            ahead.state = Future()
            ahead.state.set_result(known)
        elif quick:
            ahead.state = fetcher.submit(self.transport.state, False)

    def _moved_by_receipts(self, report: SyncReport, ahead: _Ahead, numbers: OwnNumbers
                           ) -> bool:
        """After a push whose receipts prove that the team's changes since the cursor are all
        this device's own (:mod:`kimdesk.sync.ownnumbers`), the page the server would send is
        empty: it is applied without asking, if the team's state asked meanwhile names that same
        number (nobody pushed since; the state also serves the quick check). Applying it moves
        the cursor and retries the parked records, as every page does. Otherwise the pull runs
        (a round trip more than asking for page and state together: only when a colleague
        pushed right after the last batch)."""
        if ahead.page is not None or ahead.state is None or not numbers.proven:
            return False
        if ahead.state.result().seq != numbers.head:
            ahead.state = None
            return False
        report.pulled += self.store.apply_page(
            PullPage(records=[], next_cursor=numbers.head, more=False))
        ahead.single_page = True
        return True

    def _pull_all(self, report: SyncReport, *, seen: set[tuple[str, str]] | None = None,
                  fetcher: ThreadPoolExecutor | None = None, ahead: _Ahead | None = None,
                  force: set[tuple[str, str]] | None = None) -> None:
        """Pages in cursor order; the next page is fetched while this one is applied (each page
        is applied with its cursor advance in one transaction, so a stop resumes there). Pages
        grow from ``FIRST_PAGE``, each twice the last up to ``page_size``, so each is ready about
        when the one before is applied. ``ahead``: the first page (and the team's state)
        already asked for; ``ahead.single_page`` tells whether the state still holds after."""
        self._enter(SyncState.PULLING, report.pulled)
        own = seen is not None
        transport = self.transport
        with contextlib.ExitStack() as stack:
            if fetcher is None:
                fetcher = stack.enter_context(
                    ThreadPoolExecutor(1, thread_name_prefix="kimdesk-pull"))
            self._check_cancel()
            size = min(self.page_size, FIRST_PAGE)
            ahead = ahead or _Ahead()
            if ahead.page is None:
                self._ask_ahead(fetcher, ahead, own=own)
            assert ahead.page is not None
            coming = ahead.page
            while True:
                page = coming.result()
                ahead.single_page = ahead.single_page is None and not page.more
                if page.more:
                    size = min(self.page_size, 2 * size)
                    coming = fetcher.submit(transport.pull, page.next_cursor, size, own=own)
                report.pulled += self.store.apply_page(page, seen=seen, force=force)
                report.pages += 1
                self._enter(SyncState.PULLING, report.pulled)
                if not page.more:
                    return
                self._check_cancel()

    def _reference(self, first: Future[ReferencePage] | None = None) -> None:
        """Reference data since its cursor; ``first``: its first page, already asked for."""
        while True:
            self._check_cancel()
            page = (first.result() if first is not None
                    else self.transport.reference(int(self.store.get("ref_cursor", "0"))))
            first = None
            self.store.apply_reference(page)
            if not page.more:
                return

    def _full_check_due(self) -> bool:
        """Once a day, and at once while a parked record waits for a parent on neither side:
        an agreeing full check drops it in this run (:mod:`kimdesk.vault.sync.parked`)."""
        last = float(self.store.get("full_check_at", "0") or 0)
        return (not 0 <= self._clock() - last < self.full_check_every
                or self.store.orphans_waiting())

    def _check(self, report: SyncReport, asked: Future[TeamState] | None = None) -> None:
        """Divergence check (:mod:`kimdesk.sync.divergence`); on mismatch, a full resync.
        Changes the server refused in this run stay pending without stopping it: a note
        refused because the server lost its case (a restored backup) goes again only after
        the resync has pushed the case again (kimdesk/server/plausibility.py, parents)."""
        refused = report.results.get(ChangeStatus.REJECTED, 0)
        if self.store.pending_count() > refused or self.store.outbox() is not None:
            return  # edits arrived during the run; the next run checks
        def dropped(count: int) -> None:
            report.dropped += count

        if not diverged(self.store, self.transport, full_due=self._full_check_due,
                        now=self._clock(), catch_up=lambda: self._pull_all(report), asked=asked,
                        on_drop=dropped):
            return
        if self._resync(report):
            self._push_all(report)

    def _resync(self, report: SyncReport, force: set[tuple[str, str]] | None = None) -> int:
        """Pull the team in full (cursor 0, own writes too; ``force``: written over whatever
        revision is known here, :mod:`kimdesk.sync.store.expired`); how many records the
        server lacks (pending again)."""
        self._enter(SyncState.PULLING, message="full resync")
        report.resynced = True
        seen: set[tuple[str, str]] = set()
        self.store.set_many({"cursor": 0})
        self._pull_all(report, seen=seen, force=force)
        report.dropped = self.store.drop_orphans()  # every record the server holds is here
        return self.store.forget_unseen(seen)
