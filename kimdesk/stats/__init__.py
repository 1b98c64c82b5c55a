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
    """:func:`build_report` on two reader connections of its own (large page cache, closed
    after), so the vault's main connection keeps its cache, a GUI thread can run this, and the
    case tables are counted on the second core (:func:`~kimdesk.stats.indicators.compute`)."""
    conns = [vault.open_reader(cache_kib=READER_CACHE_KIB) for _ in range(2)]
    try:
        return build_report(conns[0], period, min_cell, cases_conn=conns[1])
    finally:
        for conn in conns:
            conn.close()


def build_report(conn: Any, period: Period, min_cell: int = DEFAULT_MIN_CELL, *,
                 cases_conn: Any = None) -> Report:
    """Compute every indicator of ``period`` from a vault connection and protect the export;
    ``cases_conn``, a second connection to the same vault, lets the case tables be counted in
    parallel."""
    from kimdesk.stats.indicators import compute

    tables = compute(conn, period, cases_conn)
    return Report(period=period, tables=tables, protection=protect(tables, min_cell),
                  created_on=date.today())
