"""Stored push receipts kept only as long as a device may still need them.

A receipt (``batches.receipt``) answers a batch the device sends again because the answer was
lost, and it can hold a merged record's data and a conflict's values (docs/privacy.md, "Server
storage"). Kept for good, that is personal data stored without an end (storage limitation,
Art. 5 (1)(e) GDPR). Deleting the rows was tried and reverted: a vault restored from a backup
resent a batch the server had applied long before, and with its row gone the batch was
renumbered and applied a second time, over a colleague's later edit
(tests/sync/test_restored_vault.py).

So a receipt older than :data:`RECEIPT_DAYS` is **emptied**, not deleted: the row keeps the
batch's device, id, number, hash and stored time, and its receipt becomes :data:`EMPTIED` (the
empty text: a receipt is always a JSON object, so it cannot be mistaken for one). The same batch
sent again is then answered ``409 batch_expired`` (:func:`expired`), never applied again; the
app drops it and pulls the team again in full (:mod:`kimdesk.sync.engine`). The emptying runs
in the server's daily retention run and with ``kimdesk server retention apply``
(:func:`kimdesk.server.retention.apply`). Every reader of receipts (purge, attachment removal,
the server's Auskunft) finds nothing in an emptied one.

Why 30 days: a device resends a batch at its next sync, minutes or days later; a laptop away
for four weeks still gets its receipt. One older than that is answered with the error, which
today's app handles without losing anything (docs/sync-protocol.md, "Expired receipts").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_
from kimdesk.server import audit_trail, db
from kimdesk.server.common import ServiceError
from kimdesk.server.store import placeholder
from kimdesk.sync.protocol import ErrorCode

#: Days a stored receipt keeps its content (``KIMDESK_RECEIPT_DAYS`` or ``kimdesk server
#: retention apply --receipt-days`` sets another, at least :data:`MIN_DAYS`).
RECEIPT_DAYS = 30
MIN_DAYS = 1
#: An emptied receipt: the row stays (id, device, number, hash, time), the content goes.
EMPTIED = ""


def receipt_days(text: str | None) -> int:
    """The days from ``KIMDESK_RECEIPT_DAYS`` (unset or empty: :data:`RECEIPT_DAYS`); a value
    that is no whole number of at least :data:`MIN_DAYS` is refused in one line."""
    if text is None or not text.strip():
        return RECEIPT_DAYS
    try:
        days = int(text.strip())
    except ValueError:
        days = 0
    if days < MIN_DAYS:
        raise KimdeskError(N_("KIMDESK_RECEIPT_DAYS must be a whole number of days, at least "
                              "1 (it is {value})."), value=text.strip()[:40])
    return days


def cutoff(today: date, days: int, now: datetime | None = None) -> str:
    """The stored time before which a receipt is emptied on ``today``: ``days`` before the
    current time of day on that day, in the stored form (ISO 8601, ``Z``).

    ``today`` is a local date (``date.today()``, ``--today``), so the time of day is the local
    one too: combined with the UTC time of day, a server east of UTC (Europe/Berlin after
    midnight, before 01:00 UTC) emptied receipts up to a day early (29 days), one west of UTC
    a day late (tests/server/test_receipt_cutoff.py)."""
    clock = (now or datetime.now(UTC)).astimezone()  # the server's local time of day
    moment = datetime.combine(today, clock.timetz()) - timedelta(days=days)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def empty_old(engine: Engine, today: date, days: int = RECEIPT_DAYS, *,
              actor: tuple[audit_trail.Actor, str] = (audit_trail.Actor.SYSTEM, "retention")
              ) -> int:
    """Empty every receipt stored more than ``days`` before ``today``; how many were. One
    statement in one transaction. On SQLite ``secure_delete`` zeroes the freed space in the
    file; the old page images in its log go with the checkpoint the retention run makes after
    it (:func:`kimdesk.server.purge.flush_freed_pages`), on PostgreSQL with its ``VACUUM``."""
    with engine.begin() as conn:
        m = placeholder(conn)
        emptied = conn.exec_driver_sql(
            f"UPDATE {db.batches.name} SET receipt = {m}, files = {m}"
            f" WHERE created_at < {m} AND receipt <> {m}",
            (EMPTIED, False, cutoff(today, days), EMPTIED)).rowcount
        if emptied:
            audit_trail.append(conn, *actor, audit_trail.Action.RECEIPTS_EMPTIED, "",
                               detail={"older_than_days": days, "receipts": int(emptied)})
    return int(emptied or 0)


def expired(stored_at: str) -> ServiceError:
    """The answer to a batch sent again whose receipt was emptied: applied long ago, never
    again (an app that knows the code drops the batch and pulls in full)."""
    return ServiceError(409, ErrorCode.BATCH_EXPIRED,
                        f"batch applied at {stored_at}; its receipt is no longer kept: an "
                        "up-to-date KIMdesk drops the batch and syncs in full")
