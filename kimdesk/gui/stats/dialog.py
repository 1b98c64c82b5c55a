"""The statistics window: choose a period, see each indicator table with a chart, preview what
disclosure control will suppress, export (CSV, JSON, XLSX, PDF) through a progress dialog, and
export the structural gaps for the Lenkungsgruppe.

The numbers come from :mod:`kimdesk.stats` (no Qt there). The report is computed on the main
window's database worker thread (a reader connection of its own, see
:func:`kimdesk.stats.report_for_vault`); files are written on a short-lived thread, because writing
a PDF takes about a second and the database thread should stay free.

The preview shows the counselor (who may see every record anyway) which cells will be suppressed
and why, and on request their true values; an export never contains either.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QMargins, QObject, Qt, QThread, Signal
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kimdesk.i18n import N_, current_language, gettext, language
from kimdesk.stats import DEFAULT_MIN_CELL, Period, Report, report_for_vault
from kimdesk.stats.disclosure import SUPPRESSED
from kimdesk.stats.labels import column_label, row_label
from kimdesk.stats.tables import TOTAL, Table

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

_ = gettext

PRIMARY_COLOUR = QColor("#f4c7c3")  # fewer than min_cell people
SECONDARY_COLOUR = QColor("#fce8b2")  # suppressed to protect another cell
KINDS = ("month", "quarter", "year", "custom")
KIND_LABELS = {"month": N_("Month"), "quarter": N_("Quarter"), "year": N_("Year"),
               "custom": N_("Custom period")}


W = TypeVar("W", bound=QWidget)


def _named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


class Cancelled(Exception):
    """The user cancelled an export in the progress dialog."""


class _FileJob(QThread):
    """Writes one export file off the GUI thread; ``progress(done, total)`` and ``finished_ok``
    / ``failed`` come back by signal. Cancelling makes the writer's next progress call raise, and
    the atomic writer leaves no partial file."""

    progress = Signal(int, int)
    finished_ok = Signal(str)
    failed = Signal(object)

    def __init__(self, produce: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._produce = produce
        # the UI language lives in a context variable, which a new thread does not inherit
        self._language = current_language()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def _tick(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        self.progress.emit(done, total)

    def run(self) -> None:
        try:
            with language(self._language):
                path = self._produce(self._tick)
        except Exception as exc:
            self.failed.emit(exc)
            return
        self.finished_ok.emit(str(path))


class StatisticsDialog(QDialog):
    """The statistics view. ``source`` is the main window's DbWorker (jobs run on its thread) or
    an open Vault (computed right here; for tests and scripts)."""

    report_ready = Signal(object)
    export_done = Signal(str)

    def __init__(self, source: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statistics_dialog")
        self.source = source
        self.report: Report | None = None
        self.preview_values = False
        self._jobs: list[_FileJob] = []
        self.resize(1100, 720)
        self._build()
        self.retranslate()
        self._kind_changed()
        hub = getattr(parent, "hub", None)  # the main window's LanguageHub: follow its switches
        if hub is not None and hasattr(hub, "changed"):
            hub.changed.connect(lambda _lang: self.retranslate())

    # -- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        top = QHBoxLayout()
        self.kind = _named(QComboBox(), "period_kind")
        for kind in KINDS:
            self.kind.addItem("", kind)
        self.kind.setCurrentIndex(KINDS.index("quarter"))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.year = _named(QSpinBox(), "period_year")
        self.year.setRange(2000, 2100)
        default = Period.last_full_quarter()
        self.year.setValue(default.start.year)
        self.part = _named(QComboBox(), "period_part")
        self.date_from = _named(QDateEdit(), "date_from")
        self.date_to = _named(QDateEdit(), "date_to")
        self.date_from.setCalendarPopup(True)
        self.date_to.setCalendarPopup(True)
        self.date_from.setDate(QDate(default.start.year, default.start.month, 1))
        self.date_to.setDate(QDate(default.end.year, default.end.month, default.end.day))
        self.min_cell = _named(QSpinBox(), "min_cell")
        self.min_cell.setRange(1, 50)
        self.min_cell.setValue(DEFAULT_MIN_CELL)
        self.min_cell_label = QLabel()
        self.calculate = _named(QPushButton(), "calculate")
        self.calculate.clicked.connect(self.compute)
        for w in (self.kind, self.year, self.part, self.date_from, self.date_to,
                  self.min_cell_label, self.min_cell, self.calculate):
            top.addWidget(w)
        self.min_cell_label.setBuddy(self.min_cell)
        top.addStretch(1)

        self.status = _named(QLabel(), "status")
        self.status.setWordWrap(True)
        self.show_values = _named(QCheckBox(), "show_values")
        self.show_values.toggled.connect(self._toggle_values)
        self.legend = _named(QLabel(), "legend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        self.tables = _named(QListWidget(), "table_list")
        self.tables.currentRowChanged.connect(self._show_table)
        self.chart = QChart()
        self.chart.legend().hide()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart_view = _named(QChartView(self.chart), "chart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)
        self.grid = _named(QTableWidget(), "grid")
        self.grid.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.chart_view)
        right.addWidget(self.grid)
        right.setSizes([260, 420])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.tables)
        split.addWidget(right)
        split.setSizes([260, 840])

        buttons = QHBoxLayout()
        self.export_button = _named(QPushButton(), "export")
        self.export_button.clicked.connect(self.choose_export)
        self.gaps_button = _named(QPushButton(), "export_gaps")
        self.gaps_button.clicked.connect(self.choose_gap_export)
        self.with_descriptions = _named(QCheckBox(), "with_descriptions")
        self.close_button = _named(QPushButton(), "close")
        self.close_button.clicked.connect(self.close)
        for button in (self.export_button, self.gaps_button, self.with_descriptions):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        self.export_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        info = QHBoxLayout()
        info.addWidget(self.status, 1)
        info.addWidget(self.legend)
        info.addWidget(self.show_values)
        layout.addLayout(info)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

    def retranslate(self) -> None:
        self.setWindowTitle(_(N_("Statistics for the Land's reporting")))
        for i, kind in enumerate(KINDS):
            self.kind.setItemText(i, _(KIND_LABELS[kind]))
        self.min_cell_label.setText(_(N_("Minimum &cell size:")))
        self.calculate.setText(_(N_("&Calculate")))
        self.show_values.setText(_(N_("Show suppressed values (preview only)")))
        self.legend.setText(
            f'<span style="background:{PRIMARY_COLOUR.name()}">&nbsp;{SUPPRESSED}&nbsp;</span> '
            + _(N_("fewer than the minimum")) + " &nbsp; "
            f'<span style="background:{SECONDARY_COLOUR.name()}">&nbsp;{SUPPRESSED}&nbsp;</span> '
            + _(N_("protects another cell")))
        self.export_button.setText(_(N_("&Export…")))
        self.gaps_button.setText(_(N_("Structural &gaps for the Lenkungsgruppe…")))
        self.with_descriptions.setText(_(N_("with descriptions (names removed)")))
        self.close_button.setText(_(N_("Close")))
        self._fill_parts()
        if self.report is not None:
            self._fill_list()

    def _fill_parts(self) -> None:
        kind = self.kind.currentData()
        keep = self.part.currentIndex()
        self.part.clear()
        if kind == "month":
            from babel.dates import get_month_names

            from kimdesk.i18n import current_language

            names = get_month_names("wide", locale=current_language())
            for m in range(1, 13):
                self.part.addItem(names[m], m)
            self.part.setCurrentIndex(keep if 0 <= keep < 12 else
                                      Period.last_full_quarter().end.month - 1)
        elif kind == "quarter":
            for q in range(1, 5):
                self.part.addItem(f"Q{q}", q)
            default = (Period.last_full_quarter().start.month - 1) // 3
            self.part.setCurrentIndex(keep if 0 <= keep < 4 else default)

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self._fill_parts()
        self.part.setVisible(kind in ("month", "quarter"))
        self.year.setVisible(kind != "custom")
        self.date_from.setVisible(kind == "custom")
        self.date_to.setVisible(kind == "custom")

    # -- the period and the report --------------------------------------------------------------
    def period(self) -> Period:
        kind = self.kind.currentData()
        if kind == "month":
            return Period.month(self.year.value(), int(self.part.currentData()))
        if kind == "quarter":
            return Period.quarter(self.year.value(), int(self.part.currentData()))
        if kind == "year":
            return Period.year(self.year.value())
        f, t = self.date_from.date(), self.date_to.date()
        return Period(date(f.year(), f.month(), f.day()), date(t.year(), t.month(), t.day()))

    def set_period(self, period: Period) -> None:
        """Select a period in the controls (custom unless it is a month, quarter or year)."""
        label = period.label
        if ".." in label:
            self.kind.setCurrentIndex(KINDS.index("custom"))
            self.date_from.setDate(QDate(period.start.year, period.start.month, period.start.day))
            self.date_to.setDate(QDate(period.end.year, period.end.month, period.end.day))
            return
        self.year.setValue(period.start.year)
        if "-Q" in label:
            self.kind.setCurrentIndex(KINDS.index("quarter"))
            self.part.setCurrentIndex((period.start.month - 1) // 3)
        elif "-" in label:
            self.kind.setCurrentIndex(KINDS.index("month"))
            self.part.setCurrentIndex(period.start.month - 1)
        else:
            self.kind.setCurrentIndex(KINDS.index("year"))

    def compute(self) -> None:
        try:
            period = self.period()
        except ValueError:
            self.status.setText(_(N_("The period ends before it starts.")))
            return
        k = self.min_cell.value()
        self.status.setText(_(N_("Calculating…")))
        self.calculate.setEnabled(False)
        if hasattr(self.source, "submit"):
            self.source.submit(lambda w: report_for_vault(w.require_vault(), period, k),
                               self.set_report, self._failed, key="statistics")
        else:
            try:
                self.set_report(report_for_vault(self.source, period, k))
            except Exception as exc:
                self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        self.calculate.setEnabled(True)
        self.status.setText(_(N_("Failed: {error}")).format(error=exc))

    def set_report(self, report: Report) -> None:
        self.report = report
        self.calculate.setEnabled(True)
        self.export_button.setEnabled(True)
        p = report.protection
        shown = sum(p.suppressed_cells(t) for t in report.tables)
        self.status.setText(_(N_(
            "{period}: {cells} cells will be suppressed ({primary} with fewer than {k} people, "
            "{secondary} to protect them).")).format(
            period=f"{report.period.start.isoformat()} – {report.period.end.isoformat()}",
            cells=shown, primary=len(p.primary), secondary=len(p.secondary), k=report.min_cell))
        self._fill_list()
        self.report_ready.emit(report)

    def _fill_list(self) -> None:
        assert self.report is not None
        row = max(self.tables.currentRow(), 0)
        self.tables.blockSignals(True)
        self.tables.clear()
        for t in self.report.tables:
            n = self.report.protection.suppressed_cells(t)
            self.tables.addItem(f"{_(t.title)} ({n} {SUPPRESSED})" if n else _(t.title))
        self.tables.blockSignals(False)
        self.tables.setCurrentRow(min(row, len(self.report.tables) - 1))
        self._show_table(self.tables.currentRow())

    def _toggle_values(self, on: bool) -> None:
        self.preview_values = on
        self._show_table(self.tables.currentRow())

    def current_table(self) -> Table | None:
        if self.report is None or not 0 <= self.tables.currentRow() < len(self.report.tables):
            return None
        return self.report.tables[self.tables.currentRow()]

    def _show_table(self, index: int) -> None:
        table = self.current_table()
        if table is None or self.report is None:
            return
        p = self.report.protection
        columns = [*table.all_columns, *table.derived]
        self.grid.clear()
        self.grid.setRowCount(len(table.all_rows))
        self.grid.setColumnCount(len(columns))
        self.grid.setHorizontalHeaderLabels([column_label(c) for c in columns])
        self.grid.setVerticalHeaderLabels([row_label(r) for r in table.all_rows])
        for i, r in enumerate(table.all_rows):
            for j, c in enumerate(columns):
                if c in table.derived:
                    value = p.shown_derived(table, r, c)
                    text = "–" if value is None else str(value)
                    item = QTableWidgetItem(text)
                else:
                    kind = p.kind(table, r, c)
                    true = table.cell(r, c).value
                    text = str(p.shown(table, r, c))
                    if kind and self.preview_values:
                        text = f"{SUPPRESSED} ({true})"
                    item = QTableWidgetItem(text)
                    if kind == "primary":
                        item.setBackground(QBrush(PRIMARY_COLOUR))
                        item.setToolTip(_(N_("Suppressed: fewer than {k} people.")).format(
                            k=self.report.min_cell))
                    elif kind in ("secondary", "withheld"):
                        item.setBackground(QBrush(SECONDARY_COLOUR))
                        item.setToolTip(_(N_(
                            "Suppressed so that a small cell cannot be recomputed from totals.")))
                    item.setData(Qt.ItemDataRole.UserRole, kind)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.grid.setItem(i, j, item)
        self.grid.resizeColumnsToContents()
        self._draw_chart(table)

    def _draw_chart(self, table: Table) -> None:
        """Horizontal bars of the published Kreis totals (a suppressed total has no bar)."""
        assert self.report is not None
        p = self.report.protection
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        self.chart.setTitle(_(table.title))
        bars = QBarSet(_(N_("Kreis total")))
        labels = []
        for c in reversed(table.columns):
            shown = p.shown(table, TOTAL, c)
            bars.append(float(shown) if isinstance(shown, int) else 0.0)
            labels.append(f"{column_label(c)} ({shown})")
        bars.setColor(QColor("#2f6f8f"))
        series = QHorizontalBarSeries()
        series.append(bars)
        self.chart.addSeries(series)
        axis_y = QBarCategoryAxis()
        axis_y.append(labels)
        axis_x = QValueAxis()
        axis_x.setLabelFormat("%d")
        axis_x.setMin(0)
        self.chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        self.chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_y)
        series.attachAxis(axis_x)

    # -- exports ---------------------------------------------------------------------------------
    def choose_export(self) -> None:
        if self.report is None:
            return
        filters = ";;".join([_(N_("Excel workbook (*.xlsx)")), _(N_("PDF report (*.pdf)")),
                             _(N_("CSV (*.csv)")), _(N_("JSON (*.json)"))])
        name = f"kim-statistik-{self.report.period.label.replace('..', '_')}.xlsx"
        path, _filter = QFileDialog.getSaveFileName(self, _(N_("Export statistics")), name,
                                                    filters)
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> _FileJob:
        """Write the current report to ``path`` (format from the suffix) with a progress
        dialog; returns the running job (tests wait on ``finished_ok``)."""
        from kimdesk.stats.export import write

        if self.report is None:
            raise RuntimeError("no report computed yet")
        report = self.report
        if path.suffix.lower() not in (".csv", ".json", ".xlsx", ".pdf"):
            path = path.with_suffix(".xlsx")
        detail = f"{path.suffix.lstrip('.')} {report.period.start}..{report.period.end}"
        return self._run_file_job(lambda tick: write(report, path, progress=tick),
                                  _(N_("Writing the statistics…")), ("statistics", detail))

    def choose_gap_export(self) -> None:
        filters = ";;".join([_(N_("Excel workbook (*.xlsx)")), _(N_("CSV (*.csv)")),
                             _(N_("JSON (*.json)"))])
        path, _filter = QFileDialog.getSaveFileName(
            self, _(N_("Export structural gaps")), "kim-bruchstellen.xlsx", filters)
        if path:
            self.export_gaps_to(Path(path))

    def export_gaps_to(self, path: Path) -> None:
        """The gap export for the Lenkungsgruppe (no person, no case link) for the chosen
        period: the gaps are read on the database thread (the vault is used by that thread only),
        the file is written through the progress dialog; ``export_done`` tells when it is."""
        from kimdesk.stats.gaps import gap_document, write_gap_document
        from kimdesk.vault.statsqueries import StatsQueries

        period = self.period()
        descriptions = self.with_descriptions.isChecked()
        k = self.min_cell.value()
        if path.suffix.lower() not in (".csv", ".json", ".xlsx"):
            path = path.with_suffix(".xlsx")
        detail = f"{path.suffix.lstrip('.')} {period.start}..{period.end}"

        def read(vault: Vault) -> dict[str, Any]:
            return gap_document(StatsQueries.of(vault), period, with_descriptions=descriptions,
                                min_cell=k)

        def write(doc: dict[str, Any]) -> None:
            self._run_file_job(lambda tick: (tick(0, 1), write_gap_document(doc, path))[1],
                               _(N_("Writing the structural gaps…")),
                               ("structural_gaps", detail))

        if hasattr(self.source, "submit"):
            self.source.submit(lambda w: read(w.require_vault()), write, self._failed)
        else:
            write(read(self.source))

    def _audit(self, kind: str, detail: str) -> None:
        """Record the export in the vault's audit log, as the CLI does (on the database thread
        when there is one: the vault is not shared between threads)."""
        def record(vault: Vault) -> None:
            with vault.transaction():
                vault.audit.record("export", kind, detail=detail)

        if hasattr(self.source, "submit"):
            self.source.submit(lambda w: record(w.require_vault()))
        elif self.source is not None:
            record(self.source)

    def _run_file_job(self, produce: Any, label: str,
                      audit: tuple[str, str] | None = None) -> _FileJob:
        dialog = QProgressDialog(label, _(N_("Cancel")), 0, 100, self)
        dialog.setObjectName("export_progress")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        job = _FileJob(produce, self)
        self._jobs.append(job)
        job.finished.connect(lambda: self._jobs.remove(job) if job in self._jobs else None)
        job.progress.connect(
            lambda done, total: dialog.setValue(int(100 * done / max(total, 1))))
        dialog.canceled.connect(job.cancel)

        def ok(path: str) -> None:
            dialog.setValue(100)
            dialog.close()
            self.status.setText(_(N_("Written to {path}.")).format(path=path))
            if audit is not None:
                self._audit(*audit)
            self.export_done.emit(path)

        def failed(exc: object) -> None:
            dialog.close()
            if isinstance(exc, Cancelled):
                self.status.setText(_(N_("Export cancelled.")))
            else:
                QMessageBox.warning(self, _(N_("Export failed")), str(exc))

        job.finished_ok.connect(ok)
        job.failed.connect(failed)
        dialog.show()
        job.start()
        return job

    def _stop_job(self) -> None:
        """Cancel running exports and wait for their threads (a QThread must not be destroyed
        while it runs, not even in the instant after its last signal; the main window rejects
        every dialog when it locks)."""
        for job in list(self._jobs):
            job.cancel()
            job.wait(30_000)

    def done(self, result: int) -> None:
        self._stop_job()
        self.report = None  # the figures go with the window (e.g. when the vault locks)
        super().done(result)

    def closeEvent(self, event: Any) -> None:
        self._stop_job()
        super().closeEvent(event)


def open_statistics(parent: QWidget | None = None, source: Any = None,
                    period: Period | None = None, compute: bool = True) -> StatisticsDialog:
    """Open the statistics window (non-modal) and return it.

    ``source``: the main window's :class:`~kimdesk.gui.worker.DbWorker` (the report is computed
    on its thread) or an open :class:`~kimdesk.vault.Vault`. ``period`` preselects a period
    (default: the last full quarter); ``compute`` starts the calculation at once."""
    dialog = StatisticsDialog(source, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if period is not None:
        dialog.set_period(period)
    dialog.show()
    if compute and source is not None:
        dialog.compute()
    return dialog
