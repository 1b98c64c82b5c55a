"""What the server's statistics exports published (table ``stats_exports``, revision 0010).

The device records every export it publishes and protects the next period, and a second export
of the same period, against what was published (:mod:`kimdesk.stats.published`,
docs/statistics.md, "Published exports"). ``kimdesk server stats`` now does the same with its
own record: the same columns as the vault's table, loaded into the statistics' projection
(:meth:`kimdesk.vault.statsprojection.StatsProjection.add_exports`), so that
:func:`kimdesk.stats.build_report` reads them as a vault's, unchanged. Until 2026-12-07 the
server recorded nothing: a second export of a period after an edit went out without a warning
and without keeping the earlier pattern, and the next period was protected by its base pattern
only.

Only an export of the whole Kreis for a reporting period, not marked internal, is recorded (a
selection of teams or municipalities is always internal: docs/statistics.md, "Differencing two
selections"). The server's record and a vault's are separate memories: an export made on a
device is not known to the server, nor the other way round (docs/statistics.md).

Unlike a vault, the server's database has more than one user at a time: two exports (two
administrators, a cron job beside a person) may be computed at once, and a push may change the
data between them. An export is therefore recorded only if the records it was computed against
are still all there are (:func:`publish`'s ``seen``, checked under a lock in the record's
transaction); else :class:`RecordedMeanwhile`, and :func:`publish_current` computes it again,
as if it had been run after the other one (review of 2026-12-07: before, the second of two
exports of a period computed at once, after a late entry, went out without the re-export's
warning and without the first one's pattern).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import DBAPIError

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_
from kimdesk.server import db
from kimdesk.server.common import now_iso
from kimdesk.stats import Report
from kimdesk.stats.published import digest, publishable, record_of
from kimdesk.vault.statsexports import COLUMNS

#: Writes the export's audit rows in the caller's transaction; ``withdrawn``: the file did not
#: appear after all.
AuditRows = Callable[[Connection, bool], None]
#: The recorded exports a report was computed against (:func:`recorded`).
Seen = Sequence[tuple[Any, ...]]

#: PostgreSQL advisory lock class ("KIMS"): one export at a time checks and writes its record
#: (SQLite: its one write lock, taken by ``BEGIN IMMEDIATE``).
_PG_LOCK = 0x4B494D53
#: How often :func:`publish_current` computes an export again before it gives up.
ATTEMPTS = 3


class RecordedMeanwhile(KimdeskError):
    """Another export was recorded (or withdrawn) after this one was computed: it is computed
    again against that record; after :data:`ATTEMPTS` the command says so."""

    def __init__(self) -> None:
        super().__init__(N_("Other statistics exports were recorded on the server while this one "
                            "was being computed, each time. No file was written; run the "
                            "command again when no other export is running."))


class RecordRefused(KimdeskError):
    """The database refused the export's record for a reason that is no outage (a trigger, a
    constraint an administrator added): no file, one line naming the error's code, never its
    text (it may quote a value)."""

    def __init__(self, code: str) -> None:
        super().__init__(N_("The server database refused the record of this export ({code}), so "
                            "no file was written. Check the table stats_exports (a trigger or a "
                            "constraint added to it) and run the command again."), code=code)


def recorded(conn: Connection) -> list[tuple[Any, ...]]:
    """Every recorded export, oldest first, as the vault's ``stats_exports`` columns (without
    ``seq``)."""
    t = db.stats_exports.c
    return [tuple(r) for r in conn.execute(select(*(t[c] for c in COLUMNS)).order_by(t.seq))]


def publish(engine: Engine, report: Report, path: str | os.PathLike[str], fmt: str,
            audit: AuditRows, seen: Seen | None = None) -> Path:
    """Write ``report`` so that a published file always has its record, as the device does
    (:func:`kimdesk.stats.published.publish`): the file under a temporary name, flushed; then
    the record (a reporting period of the whole Kreis, not internal) and the audit rows,
    committed; then the rename. A failure before the commit leaves neither; a rename that fails
    after it takes the record back and says so in the audit trail. ``seen``: the records
    ``report`` was computed against; if others are there now, :class:`RecordedMeanwhile` and
    no file. A record the database refuses for a reason that is no outage:
    :class:`RecordRefused` and no file."""
    from kimdesk.stats.export import write

    seq: list[int | None] = []

    def record() -> None:
        try:
            with engine.begin() as conn:
                if seen is not None and publishable(report):
                    _serialise(conn)
                    if recorded(conn) != [tuple(r) for r in seen]:
                        raise RecordedMeanwhile()
                seq.append(_add(conn, report, fmt))
                audit(conn, False)
        except DBAPIError as exc:
            raise _refused(exc) from None

    try:
        return write(report, path, fmt, before_rename=record)
    except BaseException:
        if seq:
            with engine.begin() as conn:
                if seq[0] is not None:
                    conn.execute(delete(db.stats_exports).where(db.stats_exports.c.seq == seq[0]))
                audit(conn, True)
        raise


def _add(conn: Connection, report: Report, fmt: str) -> int | None:
    """Record the export if it is published; its ``seq`` (None: internal, not recorded)."""
    if not publishable(report):
        return None
    period = report.period
    record = record_of(report)
    result = conn.execute(insert(db.stats_exports).values(
        period_from=period.start.isoformat(), period_to=period.end.isoformat(),
        method=report.protection.method, min_cell=report.min_cell,
        exported_at=now_iso(), format=fmt, digest=digest(record["published"]),
        record=json.dumps(record, ensure_ascii=False, separators=(",", ":"))))
    key = result.inserted_primary_key
    return int(key[0]) if key else None


def publish_current(engine: Engine, build: Callable[[], tuple[Report, Seen | None]],
                    path: str | os.PathLike[str], fmt: str,
                    audit_of: Callable[[Report], AuditRows]) -> tuple[Report, Path]:
    """:func:`publish` the report ``build`` computes (with the records it was computed
    against); computed again while another export is recorded meanwhile, at most
    :data:`ATTEMPTS` times. The report published and its file."""
    for attempt in range(ATTEMPTS):
        report, seen = build()
        try:
            return report, publish(engine, report, path, fmt, audit_of(report), seen)
        except RecordedMeanwhile:
            if attempt + 1 == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _serialise(conn: Connection) -> None:
    """PostgreSQL: one export's check and record at a time, until the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_PG_LOCK,))


def _refused(exc: DBAPIError) -> BaseException:
    """An outage as it is (the command's database fault handler names it); any other refusal
    of the record as :class:`RecordRefused` with the error's code (SQLSTATE, SQLite's name)."""
    from kimdesk.server.outage import diagnosis, error_code

    return exc if diagnosis(exc) is not None else RecordRefused(error_code(exc))
