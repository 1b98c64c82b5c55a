"""How big each push batch of a sync run is: small at both ends, full-sized in the middle.

A push is a pipeline of two workers: the server applies one batch while the device prepares the
next and files the receipt of the one before. Either one waits whenever the other's share of a
batch is larger, so the sizes follow from where each can start and stop:

- **ramp up**: the server can start only once the first batch is prepared, so the first batch
  is small and each following one :data:`GROWTH` times the last. Preparing a batch takes the
  device about a third of the time the server needs to apply it (1k changed records, 2026-12-05:
  28-30 us a record against 95 us on a SQLite server and 135 us on PostgreSQL), so the next one
  is ready when the server is done;
- **taper off**: the run ends when the device has filed the last receipt, and nothing overlaps
  that. Instead of a full-sized last batch, the rest is cut into a three-quarter and a quarter
  (again, down to :data:`TAIL_CHANGES`): the device files the larger one while the server
  applies the smaller.

Measured on loopback with 10k new records (``benchmarks/sync_bench.py``), the server waited about
60 ms for the second batch and the device spent about 90 ms on the last receipt alone before
this pacing (500, 2500, 2500, 2500, 2000). With a first batch of
:data:`~kimdesk.sync.protocol.FIRST_BATCH_CHANGES` (200), 10k go as 200, 600, 1800, 2500, 2500,
1800, 450, 150 and an incremental push of 1,000 as 200, 600, 200. Growing by three instead of two
(200, 400, 300, 100 before) spared the 1k push a batch's fixed cost: on a PostgreSQL server 0.151
-> 0.142 s and 0.162 -> 0.149 s (medians of 6, alternating in one run), on SQLite no change
(0.125 against 0.126 s, medians of 12). ``remaining`` is
an estimate (records edited during the run are sent too, records saved without a change are
not): pacing only shapes the run.
"""

from __future__ import annotations

from kimdesk.sync.store.outbox import OutboxStore, PreparedBatch, PushCursor

#: A batch this small or smaller is sent whole at the end (one more round trip costs more).
TAIL_CHANGES = 200
#: Each batch of the ramp is this many times the one before.
GROWTH = 3


def next_batch_size(previous: int, remaining: int, first: int, ceiling: int) -> int:
    """How many changes the next batch takes. ``previous``: the size of the batch before (0 for
    the first of a run), ``remaining``: changes still pending, ``first``: the first batch's
    size, ``ceiling``: the largest batch."""
    size = min(ceiling, first if previous <= 0 else GROWTH * previous)
    if previous > 0 and TAIL_CHANGES < remaining <= size + size // 3:
        return max(1, remaining - remaining // 4)
    return max(1, size)


class Batches:
    """A run's new batches, prepared from the outbox store one after the other and sized by
    :func:`next_batch_size`; :attr:`last` tells whether the one just prepared is, by the
    estimate, the run's last (it then asks for the team's state in its receipt)."""

    def __init__(self, store: OutboxStore, total: int, *, first: int, ceiling: int,
                 max_bytes: int = 0) -> None:
        self._store = store
        self._cursor = PushCursor()
        self._limits = {"max_bytes": max_bytes} if max_bytes else {}
        self._first, self._ceiling = first, ceiling
        self._previous, self._remaining = 0, total

    def prepare(self) -> PreparedBatch | None:
        """The next batch (not stored yet), or None when nothing is pending."""
        size = next_batch_size(self._previous, self._remaining, self._first, self._ceiling)
        batch = self._store.prepare_batch(self._cursor, **(self._limits | {"max_changes": size}))
        if batch is not None:
            self._previous = len(batch.batch.request.changes)
            self._remaining -= self._previous + batch.unchanged
        return batch

    def restart(self) -> Batches:
        """Batches resent from the outbox were acknowledged before the first new one: the
        estimate starts again from what is still pending (their records were counted in it, and
        :attr:`last` would never have come true)."""
        self._remaining = self._store.pending_count()
        return self

    @property
    def last(self) -> bool:
        """Whether the batch just prepared is the run's last by the estimate (records edited
        during the run make more; a miss costs the run one request for the team's state)."""
        return self._remaining <= 0
