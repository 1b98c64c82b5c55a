"""Writing a protected report: CSV and JSON for machines (stable codes), XLSX for people (one sheet
a table with its chart, :mod:`kimdesk.stats.xlsx`), PDF with charts (:mod:`kimdesk.stats.pdf`).

Every format is built from :func:`document`, the one place that reads the protection pattern, so
no writer can publish an unprotected number by accident. Each export carries its statement of what
was suppressed and why. Nothing here can reach a person record: a report holds only counts,
municipality names and codes.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kimdesk.i18n import N_, current_language, gettext
from kimdesk.stats import Report
from kimdesk.stats.cellkey import MAX_DEVIATION, SMALLEST_PUBLISHED, VARIANCE
from kimdesk.stats.disclosure import SUPPRESSED
from kimdesk.stats.labels import column_label, row_label
from kimdesk.stats.tables import Table
from kimdesk.vault.files import atomic_file, output_folder

FORMATS = ("csv", "json", "xlsx", "pdf")
FORMAT_VERSION = 1
CSV_COLUMNS = ("table", "municipality", "category", "value")

Progress = Callable[[int, int], None]

_ = gettext


def statement(report: Report) -> list[str]:
    """What was suppressed and why, as translated sentences."""
    p = report.protection
    lines = [internal_notice(report)] if report.internal else []
    if report.source and report.source.get("kind") == "server":
        lines.append(_(N_("Counted on the sync server over the cases of the teams {teams}. "
                          "Teams share no person records: a person with cases in two teams "
                          "counts in each.")).format(teams=", ".join(report.source["teams"])))
    if p.method == "cell-key":
        return [*lines,
                _(N_("Every count is perturbed by the cell-key method (as in the 2022 census): it "
                     "deviates from the true count by at most {d}, the same way wherever the "
                     "same records are counted; zeros stay 0 and no count is published as 1 or "
                     "2. Totals are perturbed on their own, so a table need not add up."))
                .format(d=MAX_DEVIATION),
                _(N_("The export contains no names, no identifiers, no dates of persons and no "
                     "free text; municipalities and codes only."))]
    lines += [
        _(N_("Counts resting on fewer than {n} people are not published (primary suppression)."))
        .format(n=report.min_cell),
        _(N_("Further cells are suppressed so that no suppressed number can be narrowed down to "
             "fewer than {n} possible values from totals or from the other tables of this "
             "export (secondary suppression). Zeros are published; a suppressed cell is never "
             "0.")).format(n=report.min_cell + 1),
        _(N_('Suppressed cells are shown as "." (dot). Which of them are primary is not stated, '
             "because that would narrow their values.")),
        _(N_("The export contains no names, no identifiers, no dates of persons and no free "
             "text; municipalities and codes only.")),
    ]
    for table in report.tables:
        if table.id in p.withheld:
            lines.append(_(N_("{table}: withheld entirely, because its cells could otherwise be "
                              "recomputed.")).format(table=_(table.title)))
        else:
            n = p.suppressed_cells(table)
            if n:
                lines.append(_(N_("{table}: {n} cells suppressed.")).format(
                    table=_(table.title), n=n))
    return lines


def internal_notice(report: Report) -> str:
    """The mark of an export of a span that is not a reporting period (docs/statistics.md,
    "Period rule")."""
    return _(N_("FOR INTERNAL USE ONLY, NOT FOR PUBLICATION: {start} to {end} is not a month, "
                "quarter or year. Exports of overlapping spans can be subtracted from each other "
                "to single out people.")).format(start=report.period.start.isoformat(),
                                                  end=report.period.end.isoformat())


def columns_of(table: Table) -> list[str]:
    return [*table.all_columns, *table.derived]


def value_of(report: Report, table: Table, row: str, column: str) -> int | float | str | None:
    p = report.protection
    if table.id in p.withheld:
        return SUPPRESSED
    if column in table.derived:
        return p.shown_derived(table, row, column)
    return p.shown(table, row, column)


def document(report: Report) -> dict[str, Any]:
    """The whole export as plain data (what the JSON file holds)."""
    p = report.protection
    return {
        "format": "kimdesk-statistics",
        "format_version": FORMAT_VERSION,
        "period": {"from": report.period.start.isoformat(), "to": report.period.end.isoformat(),
                   "label": report.period.label},
        "created_on": report.created_on.isoformat(),
        "language": current_language(),
        "internal_use_only": report.internal,
        "source": report.source or {"kind": "vault", "server_id": None, "teams": []},
        "disclosure": {
            "method": p.method,
            "min_cell": report.min_cell,
            "symbol": SUPPRESSED,
            "statement": statement(report),
            "suppressed_cells": {t.id: (None if t.id in p.withheld else p.suppressed_cells(t))
                                 for t in report.tables},
            "withheld_tables": sorted(p.withheld),
            **({"cell_key": {"max_deviation": MAX_DEVIATION, "variance": VARIANCE,
                             "smallest_published": SMALLEST_PUBLISHED}}
               if p.method == "cell-key" else {}),
        },
        "tables": [
            {
                "id": t.id,
                "title": _(t.title),
                "unit": t.unit,
                "population": _(t.base),
                "multi_valued": t.multi_valued,
                "withheld": t.id in p.withheld,
                "columns": [{"code": c, "label": column_label(c)} for c in columns_of(t)],
                "rows": [
                    {"municipality": r, "label": row_label(r),
                     "values": {c: value_of(report, t, r, c) for c in columns_of(t)}}
                    for r in t.all_rows
                ],
            }
            for t in report.tables
        ],
    }


def write(report: Report, path: str | os.PathLike[str], fmt: str | None = None,
          progress: Progress | None = None,
          before_rename: Callable[[], None] | None = None) -> Path:
    """Write the report; the format follows ``fmt`` or the file suffix. The file appears
    atomically (temporary file, then rename), so a cancelled export leaves nothing half-written.
    ``before_rename`` runs when the complete file is on disk under its temporary name (see
    :func:`~kimdesk.vault.files.atomic_file`): an export for publication is recorded there
    (:func:`kimdesk.stats.published.publish`)."""
    target = Path(path)
    fmt = (fmt or target.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    writers: dict[str, Callable[[Report, Path, Progress | None], None]] = {
        "csv": _write_csv, "json": _write_json}
    if fmt == "pdf":
        from kimdesk.stats.pdf import write_pdf

        writers["pdf"] = write_pdf
    if fmt == "xlsx":
        from kimdesk.stats.xlsx import write_xlsx

        writers["xlsx"] = write_xlsx
    writer = writers[fmt]
    output_folder(target)
    with atomic_file(target, before_rename=before_rename) as temp:
        writer(report, temp, progress)
    return target


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress:
        progress(done, total)


def csv_rows(report: Report) -> list[tuple[str, str, str, str]]:
    """Long format, one number a line: ``table, municipality, category, value``. Two pseudo
    tables carry the period (``_meta``) and the disclosure statement (``_disclosure``)."""
    doc = document(report)
    rows: list[tuple[str, str, str, str]] = [
        ("_meta", "", "format_version", str(FORMAT_VERSION)),
        ("_meta", "", "period_from", doc["period"]["from"]),
        ("_meta", "", "period_to", doc["period"]["to"]),
        ("_meta", "", "created_on", doc["created_on"]),
        ("_meta", "", "internal_use_only", "true" if report.internal else "false"),
        ("_disclosure", "", "method", report.protection.method),
        ("_disclosure", "", "min_cell", str(report.min_cell)),
        ("_disclosure", "", "symbol", SUPPRESSED),
    ]
    rows += [("_disclosure", "", "statement", line) for line in doc["disclosure"]["statement"]]
    for t in doc["tables"]:
        for r in t["rows"]:
            for c in t["columns"]:
                v = r["values"][c["code"]]
                rows.append((t["id"], r["municipality"], c["code"], "" if v is None else str(v)))
    return rows


def _write_csv(report: Report, path: Path, progress: Progress | None) -> None:
    _tick(progress, 0, 1)
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(CSV_COLUMNS)
    out.writerows(csv_rows(report))
    path.write_text(buf.getvalue(), encoding="utf-8-sig")  # the BOM makes Excel read UTF-8
    _tick(progress, 1, 1)


def _write_json(report: Report, path: Path, progress: Progress | None) -> None:
    _tick(progress, 0, 1)
    path.write_text(json.dumps(document(report), ensure_ascii=False, indent=1), "utf-8")
    _tick(progress, 1, 1)
