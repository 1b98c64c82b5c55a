"""What each export published, kept in the vault, and what the next exports make of it
(docs/statistics.md, "Published exports").

The Land holds the exports themselves, not what KIMdesk would compute for them today. So when a
report of a reporting period is written (``kimdesk stats -o``, the statistics window's *Export*:
both call :func:`publish`), the vault keeps a record of it (table ``stats_exports``,
:mod:`kimdesk.vault.statsexports`): the period, method and threshold, every published number as
the file shows it (``"."`` where suppressed), and the case tables' counts as they were (the
suppressed ones too: the starting point of the flow link's moves, never exported). Then

- the export of the period after it is protected against that record (:func:`before`): the
  pattern actually published, with the numbers actually published, instead of the *base
  pattern* recomputed from today's data, which leaves out what the period's own flow pass added
  (those numbers could be pinned) and is wrong where the data changed since;
- a second export of the same period is compared with the first (:func:`compare`): a reader
  holding both subtracts them and reads the people an edit added or moved, so every output of
  it warns (:class:`Reexport`).

No Qt, no SQL here.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimdesk.stats.disclosure import SUPPRESSED, Protection, collect_values
from kimdesk.stats.period import Period
from kimdesk.stats.tables import Cell, Key, Table

if TYPE_CHECKING:
    from kimdesk.stats import Report
    from kimdesk.stats.export import Progress
    from kimdesk.vault.statsexports import ExportRow
    from kimdesk.vault.statsqueries import StatsQueries
    from kimdesk.vault.vault import Vault

RECORD_VERSION = 1
Position = tuple[str, str, str]  # table id, row, column


def numbers(report: Report) -> dict[Position, int | str]:
    """Every published number of the report, as its files show it: a count, or ``"."``
    (derived percentages are left out: they follow from these)."""
    p = report.protection
    out: dict[Position, int | str] = {}
    for t in report.tables:
        for r in t.all_rows:
            for c in t.all_columns:
                if t.id in p.withheld:
                    out[(t.id, r, c)] = SUPPRESSED
                else:
                    out[(t.id, r, c)] = p.shown(t, r, c)
    return out


def _listed(found: dict[Position, Any]) -> dict[str, list[list[Any]]]:
    """Non-zero entries per table, as JSON lists ``[row, column, value]`` in a stable order."""
    out: dict[str, list[list[Any]]] = {}
    for (tid, r, c), v in sorted(found.items()):
        if v != 0:
            out.setdefault(tid, []).append([r, c, v])
    return out


def record_of(report: Report) -> dict[str, Any]:
    """The record kept of an export (JSON-able): published numbers (zeros left out), the case
    tables' counts (zeros left out), the withheld tables."""
    counts = {(t.id, r, c): t.cell(r, c).value for t in report.tables if t.unit == "cases"
              for r in t.all_rows for c in t.all_columns}
    return {"version": RECORD_VERSION, "period": report.period.label,
            "withheld": sorted(report.protection.withheld),
            "case_tables": [t.id for t in report.tables if t.unit == "cases"],
            "published": _listed(numbers(report)), "counts": _listed(counts)}


def digest(published: dict[str, list[list[Any]]]) -> str:
    """SHA-256 of the published numbers: equal for two exports publishing the same."""
    text = json.dumps(published, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def publishable(report: Report) -> bool:
    """Only an export of a reporting period not marked internal is recorded as published."""
    return report.period.kind is not None and not report.internal


def record_export(vault: Vault, report: Report, fmt: str) -> None:
    """An export of ``report`` is being published: record it in the audit log (action
    ``export``, subject ``statistics``, format and period, no figures) and, for a reporting
    period, what it published (:mod:`kimdesk.vault.statsexports`), in one transaction.
    :func:`publish` does this before the file appears (docs/statistics.md, "File and record
    together"); alone, it records a file written elsewhere (tests)."""
    _record(vault, report, fmt)


def _record(vault: Vault, report: Report, fmt: str) -> int | None:
    """:func:`record_export`; returns the record's ``seq`` (None: an internal export, audited
    only)."""
    from kimdesk.vault import statsexports

    period = report.period
    with vault.transaction():
        vault.audit.record("export", "statistics", detail=f"{fmt} {period.start}..{period.end}")
        if not publishable(report):
            return None
        record = record_of(report)
        statsexports.add(vault, period.start, period.end, report.protection.method,
                         report.min_cell, fmt, digest(record["published"]),
                         json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        return statsexports.last_seq(vault)


def publish(vault: Vault, report: Report, path: str | os.PathLike[str], fmt: str,
            progress: Progress | None = None) -> Path:
    """Write ``report`` to ``path`` so that a published file always has its record
    (docs/statistics.md, "Published exports"): the file is written under a temporary name and
    flushed to disk, then the export is recorded (audit entry and record, committed), then
    the file is renamed into place. A failure before the commit (the writer, a full disk, the
    record) leaves neither the file nor a record; a rename that fails after it takes the record
    back (and audits that). Only a crash between the commit and the rename can leave a record
    without a file: that is the harmless side, the next period is then protected against an
    export the Land never got (as if it had), never left exposed to one it got unrecorded."""
    from kimdesk.stats.export import write

    seq: list[int | None] = []
    try:
        return write(report, path, fmt, progress,
                     before_rename=lambda: seq.append(_record(vault, report, fmt)))
    except BaseException:
        if seq and seq[0] is not None:
            _withdraw(vault, report, fmt, seq[0])
        raise


def _withdraw(vault: Vault, report: Report, fmt: str, seq: int) -> None:
    """Take back the record of an export whose file did not appear; the audit log (append
    only) says so."""
    from kimdesk.vault import statsexports

    period = report.period
    with vault.transaction():
        statsexports.remove(vault, seq)
        vault.audit.record("export", "statistics",
                           detail=f"{fmt} {period.start}..{period.end} not written, withdrawn")


def _positions(listed: dict[str, list[list[Any]]]) -> dict[Position, Any]:
    return {(tid, r, c): v for tid, rows in listed.items() for r, c, v in rows}


@dataclass(frozen=True)
class Reexport:
    """This period was exported before with other numbers: ``exported_at`` (UTC, ISO) of the
    latest such export, ``differing`` published numbers (a count against another count or a
    ``"."``), ``earlier`` exports of the period in all."""

    exported_at: str
    differing: int
    earlier: int


def compare(rows: Sequence[ExportRow], report: Report) -> Reexport | None:
    """The latest earlier export of the same period that published a number which today's
    data no longer give: the data changed since. Against a suppression export today's true
    counts are compared with the numbers it published (a "." is left out: another threshold,
    or the pattern, is not an edit; what this report suppresses because of the change counts
    too); a cell-key export is compared with this report's perturbed numbers when this one is
    a cell-key export too (the same records give the same numbers). None when there is none."""
    counts = {(t.id, r, c): t.cell(r, c).value for t in report.tables
              for r in t.all_rows for c in t.all_columns}
    perturbed = report.protection.method == "cell-key"
    mine = numbers(report) if perturbed else {}
    for row in reversed(rows):
        if row.method != "suppression" and not perturbed:
            continue
        now = counts if row.method == "suppression" else mine
        theirs = _positions(json.loads(row.record)["published"])
        differing = sum(1 for k in now.keys() | theirs.keys()
                        if theirs.get(k, 0) != SUPPRESSED and now.get(k, 0) != SUPPRESSED
                        and now.get(k, 0) != theirs.get(k, 0))
        if differing:
            return Reexport(row.exported_at, differing, len(rows))
    return None


def earlier_pattern(rows: Sequence[ExportRow], tables: Sequence[Table], min_cell: int
                    ) -> tuple[set[Key], dict[Key, int]]:
    """What earlier suppression exports of this same period mean for a new one at ``min_cell``
    (:func:`~kimdesk.stats.disclosure.protect`'s ``keep`` and ``changed``): the numbers any of
    them at this threshold or a lower one suppressed (a higher threshold's pattern contains
    this one's: the threshold rule), and for each number one of them published, how far
    today's count is from it (only where today's count is not 0: a zero is published)."""
    keep: set[Key] = set()
    changed: dict[Key, int] = {}
    for row in rows:
        if row.method != "suppression":
            continue
        lower = row.min_cell <= min_cell
        record = json.loads(row.record)
        shown, withheld = _positions(record["published"]), set(record["withheld"])
        for t in tables:
            if t.id in withheld:
                continue  # nothing of it was published: nothing to subtract
            for r in t.all_rows:
                for c in t.all_columns:
                    k, now, then = t.key(r, c), t.cell(r, c).value, shown.get((t.id, r, c), 0)
                    if now == 0:
                        continue
                    if then == SUPPRESSED:
                        if lower:
                            keep.add(k)
                    elif now != then:
                        changed[k] = min(changed.get(k, abs(now - then)), abs(now - then))
    return keep, changed


def reexport_warning(report: Report) -> str:
    """The translated warning of a report whose period was exported before with other numbers
    (:attr:`Report.reexport`)."""
    from kimdesk.i18n import N_, gettext

    found = report.reexport
    assert found is not None
    return gettext(N_(
        "Warning: this period was exported before ({date}) and {n} published numbers differ "
        "now, because the data changed since. A reader holding both exports can subtract them "
        "and single out the people an edit added or changed; this export therefore also "
        "suppresses what the earlier one suppressed and every number that changed by fewer "
        "than {k}. Publish one export per period; send a correction as a new export of the "
        "whole series and tell the Land so.")).format(
        date=found.exported_at[:10], n=found.differing, k=report.min_cell)


def before(db: StatsQueries, period: Period) -> tuple[list[Table], Protection] | None:
    """The period's recorded suppression exports as the next period's link rules take them
    (:func:`as_published`); None when it has none."""
    rows = [r for r in db.exports_of(period.start, period.end) if r.method == "suppression"]
    if not rows:
        return None
    return as_published([json.loads(r.record) for r in rows], [r.min_cell for r in rows])


def as_published(records: Sequence[dict[str, Any]], min_cells: Sequence[int]
                 ) -> tuple[list[Table], Protection]:
    """Recorded exports of one period (oldest first) as one export: the case tables with the
    counts of the latest, and as its pattern the numbers every one of them suppressed (a reader
    holding two versions knows what either published), its threshold the lowest of theirs."""
    from kimdesk.stats.indicators import case_tables_of

    cells: dict[str, dict[tuple[str, str], Cell]] = {}
    for tid, listed in records[-1]["counts"].items():
        cells[tid] = {(r, c): Cell(v, v) for r, c, v in listed}
    tables = case_tables_of(cells, records[-1]["case_tables"])
    hidden: set[Key] | None = None
    for record in records:
        shown, withheld = _positions(record["published"]), set(record["withheld"])
        mine = {t.key(r, c) for t in tables if t.id not in withheld
                for r in t.all_rows for c in t.all_columns
                if shown.get((t.id, r, c)) == SUPPRESSED}
        hidden = mine if hidden is None else hidden & mine
    withheld_all = set.intersection(*(set(r["withheld"]) for r in records))
    # no levels: what was published is what the reader holds, whatever threshold the next
    # export is computed at (the flow link takes ``suppressed`` at every level)
    return tables, Protection(min_cell=min(min_cells), secondary=hidden or set(),
                              values=collect_values(tables),
                              withheld={t.id for t in tables if t.id in withheld_all})
