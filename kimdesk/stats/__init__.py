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
from typing import TYPE_CHECKING, Any

from kimdesk.i18n import N_
from kimdesk.stats.disclosure import DEFAULT_MIN_CELL, Protection, protect
from kimdesk.stats.period import Period
from kimdesk.stats.tables import TOTAL, Cell, Table

if TYPE_CHECKING:
    from kimdesk.stats.published import Reexport
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
    #: the period was exported before with other numbers (docs/statistics.md, "Published
    #: exports"): the command line and the window warn
    reexport: Reexport | None = None
    #: where the counted records are (the JSON export's ``source``): ``kind`` "vault" (one
    #: vault's records) or "server" (the sync server's, of the ``teams`` named), ``server_id``
    #: (the server's id, None for a vault). Set by :func:`report_for_vault` and
    #: :func:`kimdesk.server.stats.report_for_server`.
    source: dict[str, Any] | None = None

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
                     internal: bool = False, method: str = "suppression") -> Report:
    """:func:`build_report` on two reader connections of its own (large page cache, closed
    after), so the vault's main connection keeps its cache, a GUI thread can run this, and the
    case tables are counted on the second core (:func:`~kimdesk.stats.indicators.compute`)."""
    from kimdesk.stats.cellkey import vault_secret
    from kimdesk.vault.statsqueries import StatsQueries

    secret = vault_secret(vault) if method == "cell-key" else None
    with (StatsQueries.reader(vault, READER_CACHE_KIB) as db,
          StatsQueries.reader(vault, READER_CACHE_KIB) as cases_db):
        report = build_report(db, period, min_cell, cases_db=cases_db, internal=internal,
                              method=method, secret=secret)
    report.source = {"kind": "vault", "server_id": None,
                     "teams": [vault.meta.team] if vault.meta.team else []}
    return report


def build_report(db: StatsQueries, period: Period, min_cell: int = DEFAULT_MIN_CELL, *,
                 cases_db: StatsQueries | None = None, internal: bool = False,
                 method: str = "suppression", secret: bytes | None = None) -> Report:
    """Compute every indicator of ``period`` through a vault's statistics queries and protect the
    export; ``cases_db``, a second connection to the same vault, lets the case tables be counted
    in parallel. A span that is not a month, quarter or year needs ``internal`` (the report is
    then marked for internal use only), else :class:`NotAReportingPeriod`. ``method``
    "cell-key" perturbs instead of suppressing, with record keys from ``secret``
    (:mod:`kimdesk.stats.cellkey`; ``min_cell`` does not apply)."""
    from kimdesk.stats.indicators import compute
    from kimdesk.stats.published import compare, earlier_pattern

    if period.kind is None and not internal:
        raise NotAReportingPeriod(period.label)
    tables = compute(db, period, cases_db)
    # earlier exports of this period (a reporting period only: nothing else is published)
    earlier = db.exports_of(period.start, period.end) if period.kind and not internal else []
    if method == "cell-key":
        protection = _cell_key_protection(db, period, tables, secret)
    elif method == "suppression":
        keep, changed = earlier_pattern(earlier, tables, min_cell)
        protection = protect(tables, min_cell, *_period_before(db, period, min_cell),
                             keep=keep, changed=changed)
    else:
        raise ValueError(f"unknown method {method!r}")
    report = Report(period=period, tables=tables, protection=protection,
                    created_on=date.today(), internal=internal)
    report.reexport = compare(earlier, report)
    return report


def _period_before(db: StatsQueries, period: Period, min_cell: int
                   ) -> tuple[list[Table] | None, tuple[list[Table], Protection] | None]:
    """The link rules (docs/statistics.md): the case tables of the period of the same kind
    just before (the stock rule reads their stock tables alone, :func:`~.linkage.churn`), and
    they with their pattern, which :func:`protect` of ``period`` protects against: what its
    recorded exports published (:func:`~.published.before`; no count at all), or, where it
    was not exported from this vault, its *base pattern*: that period's own protection against
    the stocks of the period before it, without the flow link (that would reach back to the
    first month); two more case counts, no consultations."""
    from kimdesk.stats.indicators import case_tables
    from kimdesk.stats.published import before as recorded

    before = period.previous()
    if before is None:
        return None, None
    published = recorded(db, before)
    if published is not None:
        return published[0], published
    tables = case_tables(db, before)
    earlier = before.previous()
    earlier_tables = case_tables(db, earlier) if earlier is not None else None
    return tables, (tables, protect(tables, min_cell, earlier_tables))


def _cell_key_protection(db: StatsQueries, period: Period, tables: list[Table],
                         secret: bytes | None) -> Protection:
    """The cell-key method's published values: the record keys' sums per cell (a second,
    row-by-row count) pick each count's deviation."""
    from kimdesk.stats import cellkey
    from kimdesk.stats.casecount import case_keys
    from kimdesk.stats.disclosure import collect_values
    from kimdesk.stats.indicators import event_keys

    if not secret:
        raise ValueError("the cell-key method needs the deployment's secret")
    key = cellkey.record_keys(secret)
    sums = {**case_keys(db, period, key), **event_keys(db, period, key)}
    return Protection(min_cell=cellkey.SMALLEST_PUBLISHED, values=collect_values(tables),
                      method="cell-key", perturbed=cellkey.perturb(tables, sums))
