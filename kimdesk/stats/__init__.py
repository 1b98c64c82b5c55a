"""Anonymised statistics for the Land's KIM reporting: indicators per period and municipality,
disclosure control, exports (CSV, JSON, XLSX, PDF) and the structural-gap export.

No Qt here (the view is :mod:`kimdesk.gui.stats`). The entry point is :func:`build_report`::

    report = build_report(vault.conn, Period.quarter(2026, 2), min_cell=3)
    export.write(report, "q2.xlsx")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kimdesk.stats.disclosure import DEFAULT_MIN_CELL, Protection, protect
from kimdesk.stats.period import Period
from kimdesk.stats.tables import TOTAL, Cell, Table

__all__ = ["DEFAULT_MIN_CELL", "TOTAL", "Cell", "Period", "Protection", "Report", "Table",
           "build_report", "report_for_vault"]


@dataclass
class Report:
    """Everything one export shows: the period, the tables and their suppression pattern."""

    period: Period
    tables: list[Table]
    protection: Protection
    created_on: date

    @property
    def min_cell(self) -> int:
        return self.protection.min_cell

    def table(self, tid: str) -> Table:
        for t in self.tables:
            if t.id == tid:
                return t
        raise KeyError(tid)


#: Page cache of the statistics reader connection in KiB: a year over 100k cases touches most
#: pages of cases, persons and consultations, which a 64 MiB cache keeps decrypting again.
READER_CACHE_KIB = 262_144


def report_for_vault(vault: Any, period: Period, min_cell: int = DEFAULT_MIN_CELL) -> Report:
    """:func:`build_report` on a reader connection of its own (large page cache, closed after),
    so the vault's main connection keeps its cache and a GUI thread can run this."""
    conn = vault.open_reader()
    try:
        conn.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
        return build_report(conn, period, min_cell)
    finally:
        conn.close()


def build_report(conn: Any, period: Period, min_cell: int = DEFAULT_MIN_CELL) -> Report:
    """Compute every indicator of ``period`` from a vault connection and protect the export."""
    from kimdesk.stats.indicators import compute

    tables = compute(conn, period)
    return Report(period=period, tables=tables, protection=protect(tables, min_cell),
                  created_on=date.today())
