"""The divergence check (CommCare's state hash): does this device hold what the server holds?

After a run with nothing pending, the device compares its record count and the team's change
number with the server's (``GET /v1/state?digest=false``) and, once a day or when those disagree,
a digest of every ``kind/id/rev`` on both ends (0.1 s of CPU per 20k records on each, the server
hashing while the device does). Any loss on the server (a restored backup, records deleted behind
its back) moves the count or puts the change number below the device's cursor; the caller then
resyncs in full (docs/sync-protocol.md, "Divergence check").

A state whose change number is above the cursor was read after a colleague pushed (between the
run's last page and the state): its count and digest count records this device has not pulled,
and say nothing about divergence. Before 2026-12-06 such a race made the device pull the whole
team again (a fault-injection review: 22 of 450 syncs of three busy devices). The device now
pulls what came (``catch_up``) and asks again, once; raced again, the next run checks (a full
check that is due stays due). A server that lost changes answers a number below the cursor, or
equal to it after the catch-up, and is caught in the same run.

A full check that agrees, like a full resync, proves the vault holds every record the server
holds: a record parked for a parent found on neither side is then dropped and counted
(:mod:`kimdesk.vault.sync.parked`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from kimdesk.sync.protocol import TeamState
from kimdesk.sync.store import SyncStore
from kimdesk.sync.transport import Transport


def diverged(store: SyncStore, transport: Transport, *, full_due: Callable[[], bool],
             now: float, catch_up: Callable[[], None],
             asked: Future[TeamState] | None = None,
             on_drop: Callable[[int], None] | None = None) -> bool:
    """Whether the device must resync in full. ``full_due``: whether the daily full check is
    due; ``now``: the clock, noted when a full check agrees; ``catch_up``: pulls what came since
    the cursor; ``asked``: the team's state (count and number) already asked for in the run;
    ``on_drop``: told how many parked records an agreeing full check dropped."""
    for last in (False, True):
        cursor = int(store.get("cursor", "0") or 0)
        if not full_due():
            server = (asked.result() if asked is not None and not asked.cancelled()
                      else transport.state(digest=False))
            asked = None
            if server.count == store.synced_count() and server.seq == cursor:
                return False
        if full_due() or server.seq <= cursor:
            # the quick check disagreed, or the daily full check is due
            with ThreadPoolExecutor(1, thread_name_prefix="kimdesk-check") as asker:
                full = asker.submit(transport.state)  # the server hashes meanwhile
                count, digest = store.digest()
                server = full.result()
            if (count, digest) == (server.count, server.digest):
                store.set_many({"full_check_at": repr(now)})
                gone = store.drop_orphans()  # a parent on neither side will not come
                if on_drop is not None and gone:
                    on_drop(gone)
                return False
            if server.seq <= cursor:
                return True
        if last:
            return False
        catch_up()
    return False
