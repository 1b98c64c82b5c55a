"""The push half of a sync run: batches sent in order, each next one prepared meanwhile.

A mixin of :class:`kimdesk.sync.engine.SyncEngine` (which holds the run's state, the store and
the transport); kept in its own module because the pipeline and its error paths (a batch
renumbered for a restored vault, one answered ``batch_expired``, a cancel) are one idea of
their own. Batch sizes come from :mod:`kimdesk.sync.pacing`, the outbox from
:mod:`kimdesk.sync.store.outbox`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from kimdesk.i18n import N_
from kimdesk.sync.errors import BatchExpired, OutOfOrder, SyncError
from kimdesk.sync.ownnumbers import OwnNumbers
from kimdesk.sync.pacing import Batches
from kimdesk.sync.protocol import (
    BATCH_MAX_CHANGES,
    FIRST_BATCH_CHANGES,
    PushReceipt,
    TeamState,
)
from kimdesk.sync.report import SyncReport
from kimdesk.sync.schedule import SyncState
from kimdesk.sync.store import OutboxBatch, PreparedBatch, SyncStore

if TYPE_CHECKING:
    from kimdesk.sync.transport import Transport


class PushSteps:
    """The push steps of a run (see the module docstring); the engine provides the rest."""

    if TYPE_CHECKING:
        store: SyncStore
        batch_changes: int | None
        batch_bytes: int | None
        _cancel: threading.Event

        @property
        def transport(self) -> Transport: ...
        def _enter(self, state: SyncState, done: int = 0, total: int = 0,
                   message: str = "") -> None: ...
        def _check_cancel(self) -> None: ...
        def _full_check_due(self) -> bool: ...
        def _resync(self, report: SyncReport,
                    force: set[tuple[str, str]] | None = None) -> int: ...

    def _push_all(self, report: SyncReport, probe: Future[dict[str, str]] | None = None,
                  on_last: Callable[[TeamState | None], None] | None = None,
                  numbers: OwnNumbers | None = None) -> None:
        """Send batches in order (the server takes them one after the other) and keep the server
        busy: the next batch is prepared while one is in flight. Once a receipt has proven the
        batch numbering (the run's first batch, which a restored vault may have to renumber), each
        next batch is sent as soon as it is stored, before the receipt of the one before: the
        server reads and parses it while it applies that one, and starts on it the moment that
        one is committed, without waiting for a round trip (:func:`_sent_ahead`). Batch sizes
        ramp up and taper off (:mod:`kimdesk.sync.pacing`). The outbox holds at most the two
        batches in flight (both resent in order after a crash); a prepared batch is promised to
        nobody until it is stored. A cancel cuts off the batches in flight too; a stored batch
        not acknowledged goes first in the next run.
        ``probe``: the authentication request still under way; the first batch is prepared
        meanwhile, but nothing is stored or sent before it has answered. ``on_last``: called
        when the last receipt is in, before it is applied (the pull starts meanwhile), with the
        team's state that receipt brought (asked for on the batch sent as the last one, when the
        quick check is due), and at once, with None, if there is nothing to push (the pull
        travels beside the probe); not if cancelled.
        ``numbers`` follows the receipts (:mod:`kimdesk.sync.ownnumbers`)."""
        total = self.store.pending_count()
        ceiling = self.batch_changes or BATCH_MAX_CHANGES
        batches = Batches(self.store, total, first=min(ceiling, FIRST_BATCH_CHANGES),
                          ceiling=ceiling, max_bytes=self.batch_bytes or 0)
        transport = self.transport
        # the quick divergence check after the run needs the team's state: the last batch asks
        # for it in its receipt (one request fewer; on a mobile line, a round trip)
        quick = on_last is not None and not self._full_check_due()
        asks: set[str] = set()  # the batches that asked for the team's state (by id)

        def send(batch: OutboxBatch) -> Future[PushReceipt]:
            if quick and batches.last:
                asks.add(batch.request.batch_id)
            return sender.submit(transport.push, batch.body, batch.gz,
                                 state=quick and batches.last)

        stored = self.store.outbox()
        prepared = batches.prepare() if stored is None else None
        if stored is None and prepared is None and on_last and not self._cancel.is_set():
            on_last(None)  # a read: nothing is stored or sent for the push before the probe
        if probe is not None:
            probe.result()  # raises when the server refused this device or cannot be reached
        self._enter(SyncState.PUSHING, 0, total)
        with ThreadPoolExecutor(2, thread_name_prefix="kimdesk-push") as sender:
            self._resend_stored(stored, sender, report, total, numbers)
            self._check_cancel()
            if self.store.resync_due:  # a stored batch was answered batch_expired
                self._resync(report, self.store.resync_force())
                self.store.resync_done()
            if prepared is None:  # after resent batches, the first new one is built now
                prepared = (batches.restart() if stored else batches).prepare()
            if prepared is None:
                return
            self._pipeline(batches, send, prepared, report, total, numbers, on_last, asks)

    def _pipeline(self, batches: Batches, send: Callable[[OutboxBatch], Future[PushReceipt]],
                  prepared: PreparedBatch, report: SyncReport, total: int,
                  numbers: OwnNumbers | None,
                  on_last: Callable[[TeamState | None], None] | None,
                  asks: set[str]) -> None:
        """The new batches of :meth:`_push_all`, from the first one ``prepared``; ``asks``:
        the ids of those sent asking for the team's state (asked again if sent again)."""
        batch = self.store.persist_batch(prepared)
        in_flight = send(batch)
        following = None
        if (prepared_next := batches.prepare()) is not None:
            # the next batch is stored while this one travels: its commit waits for the disk
            # while the server works, not between a receipt and the next request
            following = self.store.persist_batch(prepared_next)
        ahead: Future[PushReceipt] | None = None  # the request of ``following``, if sent
        was_ahead = False  # whether ``batch`` went before the receipt of the one before it
        while True:
            sent_as = batch.request.batch_id
            batch, receipt = self._receipt(batch, in_flight, numbers, ahead=was_ahead,
                                           state=sent_as in asks)
            renumbered = batch.request.batch_id != sent_as
            if following is not None and renumbered:
                # renumbered (a restored vault): the outbox dropped the next batch; sent
                # ahead under its old number, the server refused it (never applied)
                if ahead is not None:
                    _settled(ahead)
                    ahead = None
                following = self.store.persist_batch(PreparedBatch(following))
            if following is not None and not self._cancel.is_set():
                in_flight = ahead if ahead is not None else send(following)
                was_ahead = ahead is not None
            else:
                following = None  # a stored batch not answered goes first in the next run
                if on_last is not None and not self._cancel.is_set():
                    on_last(receipt.state)
            ahead = None
            self._acknowledge(batch, receipt, report, total)
            if following is None:
                self._check_cancel()
                return
            batch, following = following, None
            if not self._cancel.is_set() and (prepared_next := batches.prepare()) is not None:
                following = self.store.persist_batch(prepared_next)
                # the numbering is proven: two batches in flight; not behind a batch already
                # refused for overtaking, whose second sending would come after this one
                if not renumbered and not _overtaken(in_flight):
                    ahead = send(following)

    def _resend_stored(self, stored: OutboxBatch | None, sender: ThreadPoolExecutor,
                       report: SyncReport, total: int, numbers: OwnNumbers | None) -> None:
        """Batches left in the outbox by an interrupted run go first, one by one, in order (the
        server answers those it has from their stored receipts)."""
        while stored is not None:
            self._check_cancel()
            stored, receipt = self._receipt(
                stored, sender.submit(self.transport.push, stored.body, stored.gz), numbers)
            self._acknowledge(stored, receipt, report, total)
            stored = self.store.outbox()

    def _acknowledge(self, batch: OutboxBatch, receipt: PushReceipt, report: SyncReport,
                     total: int) -> None:
        report.accepted += self.store.apply_receipt(batch, receipt)
        report.batches += 1
        report.pushed += len(batch.request.changes)
        for result in receipt.results:
            report.results[result.status] = report.results.get(result.status, 0) + 1
        self._enter(SyncState.PUSHING, report.pushed, max(total, report.pushed))

    def _receipt(self, batch: OutboxBatch, in_flight: Future[PushReceipt],
                 numbers: OwnNumbers | None = None, *, ahead: bool = False,
                 state: bool = False) -> tuple[OutboxBatch, PushReceipt]:
        """The receipt of the batch in flight, followed by ``numbers``, which may then spare
        the run its pull (:mod:`kimdesk.sync.ownnumbers`). ``ahead``: the batch was sent before
        the receipt of the one before it (:func:`_sent_ahead`); ``state``: it asked for the
        team's state, and asks again if sent again."""
        batch, receipt = self._answer(batch, in_flight, ahead=ahead, state=state)
        if numbers is not None and receipt.server_seq < 0:
            numbers.lose()
        elif numbers is not None:
            numbers.add(receipt)
        return batch, receipt

    def _answer(self, batch: OutboxBatch, in_flight: Future[PushReceipt], *,
                ahead: bool = False, state: bool = False
                ) -> tuple[OutboxBatch, PushReceipt]:
        """The receipt of the batch in flight; a batch number the server does not expect (a
        vault restored from a backup) is renumbered and sent again; one answered ``batch_expired``
        is dropped, a resync owed (an empty receipt numbered -1: nothing acknowledged, proven).
        A batch sent ahead that reached the server before the one before it goes again as it
        is (:func:`_sent_ahead`)."""
        try:
            return batch, in_flight.result()
        except OutOfOrder as exc:
            expected = exc.expected
            if ahead and _sent_ahead(batch, expected):
                try:
                    return batch, self.transport.push(batch.body, batch.gz, state=state)
                except OutOfOrder as again:
                    expected = again.expected
        except BatchExpired:
            self.store.drop_expired(batch)
            return batch, PushReceipt(batch_id=batch.request.batch_id,
                                      batch_seq=batch.request.batch_seq, results=[],
                                      server_seq=-1)
        for _attempt in range(2):
            batch = self.store.renumber_outbox(batch, expected)
            try:
                return batch, self.transport.push(batch.body, batch.gz, state=state)
            except OutOfOrder as exc:
                expected = exc.expected
        raise SyncError(N_("The server keeps refusing the batch order."))


def _sent_ahead(batch: OutboxBatch, expected: int) -> bool:
    """Whether a batch sent before the receipt of the one before it was refused only because it
    overtook that one: the server expected that one's number. The two travel on separate
    connections (and may reach separate server processes behind a proxy); the server takes a
    device's batches strictly in order under its team's lock and refuses one out of order
    before writing anything (``409 out_of_order``), so the batch is simply sent again once the
    one before it is acknowledged. Any other expected number is the renumbering of a restored
    vault, as for a batch sent after its predecessor's receipt."""
    return expected == batch.request.batch_seq - 1


def _overtaken(request: Future[PushReceipt]) -> bool:
    """Whether the batch in flight is already answered ``409 out_of_order`` (it overtook its
    predecessor, :func:`_sent_ahead`, or a restored vault's numbering is off). It is sent again
    only once its predecessor is acknowledged: a next batch sent ahead now would reach the
    server before that second sending, be refused in turn, and so on to the end of the run
    (each batch refused once and sent twice; a review, 2026-12-07). That next batch goes after
    this one's receipt instead, and the batches after it ahead again."""
    return (request.done() and not request.cancelled()
            and isinstance(request.exception(), OutOfOrder))


def _settled(request: Future[PushReceipt]) -> None:
    """Wait for a request whose answer no longer matters (a batch sent ahead under a number
    the server refused): its outcome, an error included, is dropped."""
    try:
        request.result()
    except Exception:  # refused or cut off: nothing of it was applied
        return
