"""The XLSX export: an overview sheet, then one sheet per table with a native Excel bar chart of
its Kreis totals beside it.

Sheet names are translated (a German office reads "Geschlecht", not "active_by_gender"); the
stable table codes stay in the overview's index and in the CSV and JSON. Excel refuses a workbook
whose sheet names are longer than 31 characters, contain any of ``[]:*?/\\``, begin or end with an
apostrophe, or are equal ignoring case, so :func:`sheet_names` makes every name valid however it is
translated. The chart refers to the table's cells (the Kreis total row), so it is the table's own
numbers: a suppressed total (".") is text and has no bar.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimdesk.i18n import N_, current_language, gettext, is_rtl
from kimdesk.stats.disclosure import SUPPRESSED
from kimdesk.stats.export import Progress, document, internal_notice
from kimdesk.stats.pdfchart import nice_ticks
from kimdesk.stats.tables import TOTAL

if TYPE_CHECKING:
    from kimdesk.stats import Report

_ = gettext

#: Excel's limit on a sheet name's length (in UTF-16 code units)
MAX_SHEET_NAME = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
#: names Excel keeps for itself (case-insensitive)
_RESERVED = frozenset({"history"})

#: short sheet names per table id; a table not listed gets its (translated) title
SHEETS: dict[str, str] = {
    "info": N_("Overview"),
    "cases": N_("Cases"),
    "closed_by_reason": N_("Closure reasons"),
    "closed_by_duration": N_("Duration of cases"),
    "active_by_age": N_("Age groups"),
    "active_by_gender": N_("Gender"),
    "active_by_region": N_("Nationality (region)"),
    "active_by_residence_status": N_("Residence status"),
    "active_by_rechtskreis": N_("Legal areas"),
    "active_by_handlungsfeld": N_("Fields of action"),
    "referrals_by_agency_type": N_("Referrals"),
    "consultations_by_place": N_("Outreach consultations"),
    "consultations_by_interpreter": N_("Interpreted consultations"),
    "gaps_by_category": N_("Structural gaps"),
}


def _units(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> str:
    while _units(text) > limit:
        text = text[:-1]
    return text.rstrip()


def safe_sheet_name(text: str, taken: set[str], fallback: str) -> str:
    """``text`` as a valid sheet name not in ``taken`` (lower-cased names): forbidden characters
    become spaces, apostrophes at the ends go, the name is cut to 31 units and numbered " (2)",
    " (3)", ... when it is taken. ``fallback`` (a table code) stands in for a name left empty."""
    name = " ".join(_FORBIDDEN.sub(" ", text).split()).strip("'").strip()
    name = _cut(name, MAX_SHEET_NAME).strip("'").strip() or fallback[:MAX_SHEET_NAME]
    candidate, n = name, 1
    while candidate.casefold() in taken or candidate.casefold() in _RESERVED:
        n += 1
        suffix = f" ({n})"
        candidate = _cut(name, MAX_SHEET_NAME - _units(suffix)).strip("'").strip() + suffix
    taken.add(candidate.casefold())
    return candidate


def sheet_names(doc: dict[str, Any]) -> dict[str, str]:
    """Table id (and "info") to its sheet name in the current language."""
    taken: set[str] = set()
    names = {"info": safe_sheet_name(_(SHEETS["info"]), taken, "info")}
    for t in doc["tables"]:
        text = _(SHEETS[t["id"]]) if t["id"] in SHEETS else t["title"]
        names[t["id"]] = safe_sheet_name(text, taken, t["id"])
    return names


def chart_columns(table: dict[str, Any]) -> list[int]:
    """The 0-based positions (among the table's columns) the chart shows: categories, not the
    total column or a percentage."""
    return [i for i, c in enumerate(table["columns"])
            if c["code"] != TOTAL and not c["code"].endswith("_pct")]


def _chart(ws: Any, t: dict[str, Any], header_row: int, total_row: int) -> None:
    """A horizontal bar chart of the Kreis total row, referring to the sheet's cells, to the
    right of the table."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.data_source import AxDataSource, StrRef
    from openpyxl.utils import get_column_letter

    cols = chart_columns(t)
    if not cols:
        return
    first, last = cols[0] + 2, cols[-1] + 2  # column A holds the municipalities
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = t["title"]
    chart.legend = None
    chart.add_data(Reference(ws, min_col=first, max_col=last, min_row=total_row,
                             max_row=total_row), from_rows=True, titles_from_data=False)
    # the header cells are text: a string reference (openpyxl's set_categories makes a numeric
    # one, which some spreadsheet programs show as 1, 2, 3)
    labels = Reference(ws, min_col=first, max_col=last, min_row=header_row, max_row=header_row)
    chart.series[0].cat = AxDataSource(strRef=StrRef(f=str(labels)))
    chart.series[0].graphicalProperties.solidFill = "2F6F8F"
    totals = next(r for r in t["rows"] if r["municipality"] == TOTAL)["values"]
    shown = [v for v in totals.values() if isinstance(v, int)]
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorUnit = nice_ticks(max(shown, default=0))[1]
    chart.y_axis.number_format = "0"
    chart.x_axis.scaling.orientation = "maxMin"  # the first category on top, as in the table
    chart.y_axis.crosses = "max"  # ... and the value axis still at the bottom
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width = 16
    chart.height = max(7.0, 0.6 * len(cols) + 2.5)
    ws.add_chart(chart, f"{get_column_letter(len(t['columns']) + 3)}4")


def write_xlsx(report: Report, path: Path, progress: Progress | None) -> None:
    from openpyxl import Workbook

    doc = document(report)
    names = sheet_names(doc)
    rtl = is_rtl(current_language())
    wb = Workbook()
    _info_sheet(wb.active, report, doc, names, rtl)
    total = len(doc["tables"])
    for i, t in enumerate(doc["tables"]):
        if progress:
            progress(i, total)
        _table_sheet(wb.create_sheet(names[t["id"]]), report, t, rtl)
    wb.save(path)
    if progress:
        progress(total, total)


def _info_sheet(info: Any, report: Report, doc: dict[str, Any], names: dict[str, str],
                rtl: bool) -> None:
    """Period, threshold, the statement of what was suppressed, and the index of the sheets."""
    from openpyxl.styles import Font

    info.title = names["info"]
    info.sheet_view.rightToLeft = rtl
    info.append([_(N_("KIM statistics"))])
    info["A1"].font = Font(bold=True, size=14)
    if report.internal:
        info.insert_rows(1)
        info["A1"] = internal_notice(report)
        info["A1"].font = Font(bold=True, color="C00000")
    info.append([_(N_("Period")), f"{doc['period']['from']} – {doc['period']['to']}"])
    info.append([_(N_("Created on")), doc["created_on"]])
    info.append([_(N_("Minimum cell size")), report.min_cell])
    info.append([])
    for line in doc["disclosure"]["statement"]:
        info.append([line])
    info.append([])
    info.append([_(N_("Sheet")), _(N_("Table")), _(N_("Table code"))])
    for t in doc["tables"]:
        info.append([names[t["id"]], t["title"], t["id"]])
    info.column_dimensions["A"].width = 30
    info.column_dimensions["B"].width = 60
    info.column_dimensions["C"].width = 28


def _table_sheet(ws: Any, report: Report, t: dict[str, Any], rtl: bool) -> None:
    """Title, population, (internal notice,) the header in row 4, the municipalities and the
    Kreis total below, the chart to the right."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    right = Alignment(horizontal="right")
    ws.sheet_view.rightToLeft = rtl
    ws.append([t["title"]])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([t["population"]])
    ws.append([internal_notice(report)] if report.internal else [])
    ws.append([_(N_("Municipality")), *(c["label"] for c in t["columns"])])
    for cell in ws[4]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in t["rows"]:
        ws.append([r["label"], *("" if r["values"][c["code"]] is None
                                 else r["values"][c["code"]] for c in t["columns"])])
        if r["municipality"] == TOTAL:
            for cell in ws[ws.max_row]:
                cell.font = bold
    for row in ws.iter_rows(min_row=5, min_col=2):
        for cell in row:
            if cell.value == SUPPRESSED:
                cell.alignment = right
    ws.column_dimensions["A"].width = 28
    for j in range(2, len(t["columns"]) + 2):
        ws.column_dimensions[get_column_letter(j)].width = 14
    ws.freeze_panes = "B5"
    if not t["withheld"]:
        _chart(ws, t, 4, ws.max_row)
