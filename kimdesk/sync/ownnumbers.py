"""Whether a run's own batches alone moved the team's change counter since the pull cursor.

The server numbers a batch's changes under the team's lock, as one unbroken run of numbers: its
records, the conflicts they opened, the conflicts the batch resolved. The receipt names the last
number the batch used (``server_seq``) and, for each change, the last number that change used.
When the first batch's first number follows the pull cursor, and every later batch's first
number follows the batch before it, every number between the cursor and the last receipt's went
to this device's own batches. A pull of that range would bring nothing: the server leaves a
device's own writes out of its pull, and the conflicts its batches opened came with their
receipts. So after a push the engine moves the cursor instead of asking for an empty page (the
last round trip of a small sync, and on a server with many records a query that reads every row
the push just wrote).

A receipt does not name a batch's first number, only the smallest number one of its changes
used. If that change also opened conflicts, its number is its last conflict's, above the batch's
first: the run then counts as not proven and the device pulls as before. The check can fail that
way, never the other way round.
"""

from __future__ import annotations

from kimdesk.sync.protocol import PushReceipt


class OwnNumbers:
    """The team's change numbers after ``cursor``, followed receipt by receipt."""

    def __init__(self, cursor: int) -> None:
        #: The last number proven to be this run's own (the pull cursor before any receipt).
        self.head = cursor
        self._receipts = 0
        self._broken = False

    def add(self, receipt: PushReceipt) -> None:
        """Follow one receipt, in the order the batches were sent."""
        if self._broken:
            return
        used = [r.seq for r in receipt.results if r.seq > 0]
        # a batch that numbered nothing left the counter where the last one did
        first = min(used) if used else receipt.server_seq + 1
        if first != self.head + 1 or any(n > receipt.server_seq for n in used):
            self._broken = True
            return
        self.head = receipt.server_seq
        self._receipts += 1

    def lose(self) -> None:
        """A batch answered without a receipt (``batch_expired``): nothing is proven."""
        self._broken = True

    @property
    def proven(self) -> bool:
        """At least one receipt, and every number after the cursor up to :attr:`head` went to
        this run's batches."""
        return self._receipts > 0 and not self._broken
