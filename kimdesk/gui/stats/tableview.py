"""One statistics table on screen: the grid with its suppressed cells marked, and a bar chart of
the published Kreis totals.

Kept apart from the window (:mod:`kimdesk.gui.stats.dialog`) because it is pure drawing: it gets a
report and a table and fills the widgets it is given, so it never needs the vault or a thread.
"""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QHorizontalBarSeries, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QListWidgetItem, QTableWidget, QTableWidgetItem

from kimdesk.i18n import N_, gettext, ngettext
from kimdesk.stats import Report
from kimdesk.stats.disclosure import SUPPRESSED
from kimdesk.stats.labels import column_label, row_label
from kimdesk.stats.tables import TOTAL, Table

_ = gettext

PRIMARY_COLOUR = QColor("#f4c7c3")  # fewer than min_cell people
SECONDARY_COLOUR = QColor("#fce8b2")  # suppressed to protect another cell
BAR_COLOUR = QColor("#2f6f8f")


def legend_html() -> str:
    """The colour key shown beside the table, in the interface language."""
    return (
        f'<span style="background:{PRIMARY_COLOUR.name()}">&nbsp;{SUPPRESSED}&nbsp;</span> '
        + _(N_("fewer than the minimum")) + " &nbsp; "
        f'<span style="background:{SECONDARY_COLOUR.name()}">&nbsp;{SUPPRESSED}&nbsp;</span> '
        + _(N_("protects another cell")))


def list_item(title: str, suppressed: int) -> QListWidgetItem:
    """A table in the list: its title and, in words, how many of its cells are suppressed
    (the bare "(24 .)" said nothing to a reader who does not know that "." marks a suppressed
    cell, issue 18.10); the tooltip explains the mark."""
    if not suppressed:
        return QListWidgetItem(title)
    item = QListWidgetItem(ngettext("{title} ({n} cell suppressed)",
                                    "{title} ({n} cells suppressed)", suppressed).format(
        title=title, n=suppressed))
    item.setToolTip(ngettext(
        "{n} cell of this table is suppressed: it is published as \"{mark}\", so that no one "
        "can be recognised from a small number.",
        "{n} cells of this table are suppressed: they are published as \"{mark}\", so that no "
        "one can be recognised from a small number.", suppressed).format(
        n=suppressed, mark=SUPPRESSED))
    return item


def fill_grid(grid: QTableWidget, report: Report, table: Table, show_values: bool) -> None:
    """The table as published, suppressed cells coloured; ``show_values`` adds their true value
    in brackets (the preview for the counselor, never exported). Each cell's suppression kind is
    kept in its ``UserRole`` data."""
    p = report.protection
    columns = [*table.all_columns, *table.derived]
    grid.clear()
    grid.setRowCount(len(table.all_rows))
    grid.setColumnCount(len(columns))
    grid.setHorizontalHeaderLabels([column_label(c) for c in columns])
    grid.setVerticalHeaderLabels([row_label(r) for r in table.all_rows])
    for i, r in enumerate(table.all_rows):
        for j, c in enumerate(columns):
            if c in table.derived:
                value = p.shown_derived(table, r, c)
                item = QTableWidgetItem("–" if value is None else str(value))
            else:
                item = _count_cell(report, table, r, c, show_values)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.setItem(i, j, item)
    grid.resizeColumnsToContents()


def _count_cell(report: Report, table: Table, row: str, column: str,
                show_values: bool) -> QTableWidgetItem:
    p = report.protection
    kind = p.kind(table, row, column)
    text = str(p.shown(table, row, column))
    if kind and show_values:
        text = f"{SUPPRESSED} ({table.cell(row, column).value})"
    item = QTableWidgetItem(text)
    if kind == "primary":
        item.setBackground(QBrush(PRIMARY_COLOUR))
        item.setToolTip(_(N_("Suppressed: fewer than {k} people.")).format(k=report.min_cell))
    elif kind in ("secondary", "withheld"):
        item.setBackground(QBrush(SECONDARY_COLOUR))
        item.setToolTip(_(N_("Suppressed so that a small cell cannot be recomputed from totals.")))
    item.setData(Qt.ItemDataRole.UserRole, kind)
    return item


def draw_chart(chart: QChart, report: Report, table: Table) -> None:
    """Horizontal bars of the published Kreis totals (a suppressed total has no bar)."""
    p = report.protection
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)
    chart.setTitle(_(table.title))
    bars = QBarSet(_(N_("Kreis total")))
    labels = []
    for c in reversed(table.columns):
        shown = p.shown(table, TOTAL, c)
        bars.append(float(shown) if isinstance(shown, int) else 0.0)
        labels.append(f"{column_label(c)} ({shown})")
    bars.setColor(BAR_COLOUR)
    series = QHorizontalBarSeries()
    series.append(bars)
    chart.addSeries(series)
    axis_y = QBarCategoryAxis()
    axis_y.append(labels)
    axis_x = QValueAxis()
    axis_x.setLabelFormat("%d")
    axis_x.setMin(0)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_y)
    series.attachAxis(axis_x)


def report_notes(report: Report | None) -> list[str]:
    """What the window's status line adds about a report: a custom span (the period rule of
    docs/statistics.md), a period exported before with other numbers ("Published exports")."""
    from kimdesk.stats.published import reexport_warning

    out = []
    if report is not None and report.internal:
        out.append(_(N_("A custom period is not a reporting period: its export is marked for "
                        "internal use only, not for publication.")))
    if report is not None and report.reexport is not None:
        out.append(reexport_warning(report))
    return out
