"""Anonymised statistics for the Land's KIM reporting: indicators per period and municipality,
disclosure control, exports (CSV, JSON, XLSX, PDF) and the structural-gap export.

No Qt and no SQL here (the view is :mod:`kimdesk.gui.stats`, the queries are the vault's:
:mod:`kimdesk.vault.statsqueries`). The entry point is :func:`report_for_vault`::

    report = report_for_vault(vault, Period.quarter(2026, 2), min_cell=3)
    export.write(report, "q2.xlsx")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from kimdesk.i18n import N_
from kimdesk.stats.disclosure import DEFAULT_MIN_CELL, Protection, protect
from kimdesk.stats.period import Period
from kimdesk.stats.tables import TOTAL, Cell, Table

if TYPE_CHECKING:
    from kimdesk.vault.statsqueries import StatsQueries
    from kimdesk.vault.vault import Vault

__all__ = ["DEFAULT_MIN_CELL", "TOTAL", "Cell", "NotAReportingPeriod", "Period", "Protection",
           "Report", "Table", "build_report", "report_for_vault"]


class NotAReportingPeriod(ValueError):
    """A span that is not a month, a quarter or a year was to be exported for publication
    (the period rule of docs/statistics.md); it may be computed for internal use only."""

    msgid = N_("Only a month, a quarter or a year can be exported for publication. Another "
               "span is for internal use only (mark it so), because two exports of overlapping "
               "spans, subtracted, single out people.")


@dataclass
class Report:
    """Everything one export shows: the period, the tables and their suppression pattern."""

    period: Period
    tables: list[Table]
    protection: Protection
    created_on: date
    #: not a reporting period: every output says "for internal use only, not for publication"
    internal: bool = False

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


def report_for_vault(vault: Vault, period: Period, min_cell: int = DEFAULT_MIN_CELL, *,
                     internal: bool = False) -> Report:
    """:func:`build_report` on two reader connections of its own (large page cache, closed
    after), so the vault's main connection keeps its cache, a GUI thread can run this, and the
    case tables are counted on the second core (:func:`~kimdesk.stats.indicators.compute`)."""
    from kimdesk.vault.statsqueries import StatsQueries

    with (StatsQueries.reader(vault, READER_CACHE_KIB) as db,
          StatsQueries.reader(vault, READER_CACHE_KIB) as cases_db):
        return build_report(db, period, min_cell, cases_db=cases_db, internal=internal)


def build_report(db: StatsQueries, period: Period, min_cell: int = DEFAULT_MIN_CELL, *,
                 cases_db: StatsQueries | None = None, internal: bool = False) -> Report:
    """Compute every indicator of ``period`` through a vault's statistics queries and protect the
    export; ``cases_db``, a second connection to the same vault, lets the case tables be counted
    in parallel. A span that is not a month, quarter or year needs ``internal`` (the report is
    then marked for internal use only), else :class:`NotAReportingPeriod`."""
    from kimdesk.stats.indicators import compute

    if period.kind is None and not internal:
        raise NotAReportingPeriod(period.label)
    tables = compute(db, period, cases_db)
    return Report(period=period, tables=tables, protection=protect(tables, min_cell),
                  created_on=date.today(), internal=internal)
