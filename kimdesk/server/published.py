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
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from kimdesk.server import db
from kimdesk.server.common import now_iso
from kimdesk.stats import Report
from kimdesk.stats.published import digest, publishable, record_of

#: Writes the export's audit rows in the caller's transaction; ``withdrawn``: the file did not
#: appear after all.
AuditRows = Callable[[Connection, bool], None]


def recorded(conn: Connection) -> list[tuple[Any, ...]]:
    """Every recorded export, oldest first, as the vault's ``stats_exports`` columns (without
    ``seq``)."""
    t = db.stats_exports.c
    return [tuple(r) for r in conn.execute(
        select(t.period_from, t.period_to, t.method, t.min_cell, t.exported_at, t.format,
               t.digest, t.record).order_by(t.seq))]


def publish(engine: Engine, report: Report, path: str | os.PathLike[str], fmt: str,
            audit: AuditRows) -> Path:
    """Write ``report`` so that a published file always has its record, as the device does
    (:func:`kimdesk.stats.published.publish`): the file under a temporary name, flushed; then
    the record (a reporting period of the whole Kreis, not internal) and the audit rows,
    committed; then the rename. A failure before the commit leaves neither; a rename that fails
    after it takes the record back and says so in the audit trail."""
    from kimdesk.stats.export import write

    seq: list[int | None] = []

    def record() -> None:
        with engine.begin() as conn:
            seq.append(_add(conn, report, fmt))
            audit(conn, False)

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
