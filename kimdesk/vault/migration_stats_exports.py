"""Schema step 15 (14 -> 15): what each statistics export published (docs/statistics.md,
"Published exports").

One local table, never synced (like step 7's statistical remains): a row per export of a
reporting period written by ``kimdesk stats -o`` or the statistics window, with the period, the
method, the threshold and, as JSON, the published numbers (``"."`` where suppressed) and the
case tables' counts at the time of the export. The export of the next period is protected
against exactly that (:mod:`kimdesk.stats.published`), and a second export of the same period
is compared with it.

Why a table and not ``vault_meta`` keys: an export is a row of a growing history (one a month,
a period exported twice keeps both, because the Land holds both), read by period; ``vault_meta``
holds single settings and drafts under a key. No personal field: municipalities, codes and
counts only. ``digest`` (SHA-256 of the published numbers) tells two identical exports apart
from two that differ without reading the JSON.
"""

from __future__ import annotations

from kimdesk.vault.connection import Connection


def step(conn: Connection) -> None:
    """The ``stats_exports`` table and its index by period."""
    conn.execute(
        "CREATE TABLE stats_exports (seq INTEGER PRIMARY KEY, period_from TEXT NOT NULL,"
        " period_to TEXT NOT NULL, method TEXT NOT NULL, min_cell INTEGER NOT NULL,"
        " exported_at TEXT NOT NULL, format TEXT NOT NULL, digest TEXT NOT NULL,"
        " record TEXT NOT NULL)")
    conn.execute("CREATE INDEX stats_exports_period ON stats_exports(period_from, period_to)")
