"""The vault's record of published statistics exports (table ``stats_exports``, schema step 15;
docs/statistics.md, "Published exports"). The SQL only: what a record holds and how it is used is
:mod:`kimdesk.stats.published`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kimdesk.vault.connection import Connection
    from kimdesk.vault.vault import Vault


#: The record's columns (``seq`` aside), in :class:`ExportRow`'s order; the server's table
#: (kimdesk/server/published.py) has the same, and the statistics' projection loads them.
COLUMNS = ("period_from", "period_to", "method", "min_cell", "exported_at", "format", "digest",
           "record")
_INSERT = (f"INSERT INTO stats_exports ({', '.join(COLUMNS)})"
           f" VALUES ({', '.join('?' for _ in COLUMNS)})")


@dataclass(frozen=True)
class ExportRow:
    """One recorded export: its period, method, threshold, when and in which format, the digest
    of its published numbers and the record (JSON text)."""

    period_from: str
    period_to: str
    method: str
    min_cell: int
    exported_at: str
    format: str
    digest: str
    record: str


def insert_rows(conn: Connection, rows: Iterable[Sequence[Any]]) -> None:
    """Records kept elsewhere (the server's), in :data:`COLUMNS`, into this database's table
    (the statistics' projection)."""
    conn.executemany(_INSERT, rows)


def add(vault: Vault, period_from: date, period_to: date, method: str, min_cell: int,
        fmt: str, digest: str, record: str) -> ExportRow:
    """Record an export (inside the caller's transaction); returns the row as stored."""
    conn = vault.conn
    row = ExportRow(period_from.isoformat(), period_to.isoformat(), method, min_cell,
                    datetime.now(UTC).isoformat(timespec="seconds"), fmt, digest, record)
    conn.execute(_INSERT, tuple(getattr(row, c) for c in COLUMNS))
    return row


def last_seq(vault: Vault) -> int:
    """The ``seq`` of the newest record (inside the transaction that added it: its own)."""
    row = vault.conn.execute("SELECT max(seq) FROM stats_exports").fetchone()
    return int(row[0])


def remove(vault: Vault, seq: int) -> None:
    """Take back the record ``seq`` (inside the caller's transaction): its file was never
    written (:func:`kimdesk.stats.published.publish`)."""
    vault.conn.execute("DELETE FROM stats_exports WHERE seq = ?", (seq,))


def of_period(conn: Connection, period_from: date, period_to: date) -> list[ExportRow]:
    """Every recorded export of exactly this period, oldest first."""
    rows = conn.execute(
        f"SELECT {', '.join(COLUMNS)} FROM stats_exports"
        " WHERE period_from = ? AND period_to = ? ORDER BY seq",
        (period_from.isoformat(), period_to.isoformat())).fetchall()
    return [ExportRow(*r) for r in rows]
