"""The link rule: the export of a reporting period is protected against the export of the period
of the same kind just before it (docs/statistics.md, "Link rule").

A cell of a stock table (``active_by_*``: cases active in the period by age, gender, region,
residence status, Rechtskreis, Handlungsfeld) of period P minus the same cell of P-1 is the number
of people of that category who came (opened in P) minus those who left (closed in P-1): a cell of
an "opened by residence status" table that nobody protected. Where nobody left (a published 0),
the difference *is* the newcomers' categories: over 30 consecutive months of two 300-case demo
vaults, 1,377 such cells of 1 or 2 people were readable, and in 61 municipality rows one or two
newcomers showed their residence status, region or Rechtskreis with certainty (53 of them a single
person). So a non-zero cell of P whose difference to P-1 is 1 to ``min_cell - 1`` is suppressed in
P as a primary cell (and protected like any other). P-1's export could not know P yet, so the
later export is the one that protects the pair; a series of monthly (or quarterly) exports is
protected pair by pair. Not covered: periods further apart and periods of another kind (a month
against its quarter), see docs/statistics.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from kimdesk.stats.tables import Key, Table

STOCK_PREFIX = "active_by_"


def churn(tables: Sequence[Table], previous: Sequence[Table]) -> dict[Key, int]:
    """For every non-zero category cell of a stock table: how far it moved since the previous
    period (0 when it did not; a row or table the previous period lacks counts as zeros)."""
    before = {t.id: t for t in previous}
    out: dict[Key, int] = {}
    for t in tables:
        if not t.id.startswith(STOCK_PREFIX):
            continue
        old = before.get(t.id)
        for r in t.all_rows:
            for c in t.columns:
                v = t.cell(r, c).value
                if v > 0:
                    out[t.key(r, c)] = abs(v - (old.cell(r, c).value if old else 0))
    return out
