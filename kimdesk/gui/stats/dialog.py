"""The statistics window: choose a period, see each indicator table with a chart, preview what
disclosure control will suppress, export (CSV, JSON, XLSX, PDF) through a progress dialog, and
export the structural gaps for the Lenkungsgruppe.

The numbers come from :mod:`kimdesk.stats` (no Qt there); the grid and chart are drawn by
:mod:`kimdesk.gui.stats.tableview`. All slow work goes through :class:`kimdesk.gui.jobs.
BackgroundJob` on the main window's worker: the report on its vault lane (a reader connection of
its own, see :func:`kimdesk.stats.report_for_vault`), files on its files lane, because writing a
PDF takes about a second and the vault lane should stay free. Opened on a bare Vault (tests,
scripts), the window lends that vault to a worker of its own and stops it when it closes.

The preview shows the counselor (who may see every record anyway) which cells will be suppressed
and why, and on request their true values; an export never contains either.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QCloseEvent, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from kimdesk.gui.filedialogs import save_file, suggested
from kimdesk.gui.jobs import BackgroundJob, failure_message, show_failure
from kimdesk.gui.naming import named, tab_leaves
from kimdesk.gui.stats import tableview
from kimdesk.gui.stats.periodpicker import PeriodControls
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import N_, gettext
from kimdesk.stats import DEFAULT_MIN_CELL, Period, Report, report_for_vault
from kimdesk.stats.cellkey import METHODS
from kimdesk.stats.published import publish
from kimdesk.stats.tables import Table

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

_ = gettext

EXPORT_SUFFIXES = (".csv", ".json", ".xlsx", ".pdf")
GAP_SUFFIXES = (".csv", ".json", ".xlsx")


class StatisticsDialog(QDialog):
    """The statistics view. ``source`` is the main window's DbWorker (jobs run on its threads) or
    an open Vault (lent to a worker of the window's own; for tests and scripts)."""

    report_ready = Signal(object)
    export_done = Signal(str)

    def __init__(self, source: DbWorker | Vault | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statistics_dialog")
        self.source = source
        self.report: Report | None = None
        self.preview_values = False
        self._jobs: list[BackgroundJob[Any]] = []
        self._own_worker: DbWorker | None = None
        self._own_worker_stopped = False
        self._generation = 0  # counts closings: a report computed for a closed window is dropped
        self.resize(1100, 720)
        self._build()
        self.retranslate()
        self.periods.kind_changed()
        hub = getattr(parent, "hub", None)  # the main window's LanguageHub: follow its switches
        if hub is not None and hasattr(hub, "changed"):
            # a bound slot: Qt ends the connection with the window (a lambda outlived the
            # closed, deleted dialog and raised on the next language switch)
            hub.changed.connect(self.retranslate)

    # -- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        top = QHBoxLayout()
        self.periods = PeriodControls()
        self.kind, self.year, self.part = self.periods.kind, self.periods.year, self.periods.part
        self.date_from, self.date_to = self.periods.date_from, self.periods.date_to
        self.min_cell = named(QSpinBox(), "min_cell")
        self.min_cell.setRange(1, 50)
        self.min_cell.setValue(DEFAULT_MIN_CELL)
        self.method = named(QComboBox(), "method")  # suppression or the cell-key method
        for method in METHODS:
            self.method.addItem("", method)
        self.method.currentIndexChanged.connect(
            lambda: self.min_cell.setEnabled(self.method.currentData() == "suppression"))
        self.min_cell_label = QLabel()
        self.calculate = named(QPushButton(), "calculate")
        self.calculate.clicked.connect(self.compute)
        for w in (*self.periods.widgets(), self.method, self.min_cell_label, self.min_cell,
                  self.calculate):
            top.addWidget(w)
        self.min_cell_label.setBuddy(self.min_cell)
        top.addStretch(1)

        self.status = named(QLabel(), "status")
        self.status.setWordWrap(True)
        self.show_values = named(QCheckBox(), "show_values")
        self.show_values.toggled.connect(self._toggle_values)
        self.legend = named(QLabel(), "legend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        self.tables = named(QListWidget(), "table_list")
        self.tables.currentRowChanged.connect(self._show_table)
        self.chart = QChart()
        self.chart.legend().hide()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart_view = named(QChartView(self.chart), "chart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)
        self.grid = tab_leaves(named(QTableWidget(), "grid"))
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
        self.export_button = named(QPushButton(), "export")
        self.export_button.clicked.connect(self.choose_export)
        self.gaps_button = named(QPushButton(), "export_gaps")
        self.gaps_button.clicked.connect(self.choose_gap_export)
        self.with_descriptions = named(QCheckBox(), "with_descriptions")
        self.close_button = named(QPushButton(), "close")
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

    def retranslate(self, *_lang: object) -> None:
        self.setWindowTitle(_(N_("Statistics for the Land's reporting")))
        self.min_cell_label.setText(_(N_("Minimum &cell size:")))
        for widget, name in ((self.tables, N_("Tables")),
                             (self.grid, N_("Values of the table")),
                             (self.method, N_("Disclosure control"))):
            widget.setAccessibleName(_(name))  # screen readers (issue 18.9)
        self.method.setItemText(0, _(N_("Suppression")))
        self.method.setItemText(1, _(N_("Cell-key perturbation")))
        self.calculate.setText(_(N_("&Calculate")))
        self.show_values.setText(_(N_("Show suppressed values (preview only)")))
        self.legend.setText(tableview.legend_html())
        self.export_button.setText(_(N_("&Export…")))
        self.gaps_button.setText(_(N_("Structural &gaps for the Lenkungsgruppe…")))
        self.with_descriptions.setText(_(N_("with descriptions (names removed)")))
        self.close_button.setText(_(N_("Close")))
        self.periods.retranslate()
        if self.report is not None:
            self._fill_list()

    # -- the period and the report --------------------------------------------------------------
    def period(self) -> Period:
        return self.periods.period()

    def set_period(self, period: Period) -> None:
        """Select a period in the controls (custom unless it is a month, quarter or year)."""
        self.periods.set_period(period)

    def compute(self) -> None:
        if self.kind.currentData() == "custom":
            problem = self.date_from.check() or self.date_to.check()
            if problem:  # a date typed that is no date: say so, keep what was typed
                self.status.setText(problem)
                return
        try:
            period = self.period()
        except ValueError:
            self.status.setText(_(N_("The period ends before it starts.")))
            return
        k, method = self.min_cell.value(), self.method.currentData()
        self.status.setText(_(N_("Calculating…")))
        self.calculate.setEnabled(False)
        generation = self._generation

        def arrived(report: Report) -> None:
            if generation == self._generation:
                self.set_report(report)

        self._start(BackgroundJob(self, self.worker(),
                                  lambda w: report_for_vault(w.require_vault(), period, k,
                                                             internal=period.kind is None,
                                                             method=method),
                                  key="statistics").success(arrived).failure(self._failed))

    def _failed(self, exc: Exception) -> None:
        self.calculate.setEnabled(True)
        self.status.setText(_(N_("Failed: {error}")).format(error=failure_message(exc)))

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
        if p.method == "cell-key":
            self.status.setText(_(N_("{period}: every count is perturbed by the cell-key method "
                                     "(at most ±2; no 1 or 2 is published).")).format(
                period=f"{report.period.start.isoformat()} – {report.period.end.isoformat()}"))
        self.status.setText(" ".join([self.status.text(), *tableview.report_notes(self.report)]))
        self._fill_list()
        self.report_ready.emit(report)

    def _fill_list(self) -> None:
        assert self.report is not None
        row = max(self.tables.currentRow(), 0)
        self.tables.blockSignals(True)
        self.tables.clear()
        for t in self.report.tables:
            n = self.report.protection.suppressed_cells(t)
            self.tables.addItem(tableview.list_item(_(t.title), n))
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
        tableview.fill_grid(self.grid, self.report, table, self.preview_values)
        tableview.draw_chart(self.chart, self.report, table)

    # -- exports ---------------------------------------------------------------------------------
    def choose_export(self) -> None:
        if self.report is None:
            return
        filters = ";;".join([_(N_("Excel workbook (*.xlsx)")), _(N_("PDF report (*.pdf)")),
                             _(N_("CSV (*.csv)")), _(N_("JSON (*.json)"))])
        name = suggested(f"{_(N_('KIM statistics'))} {self.report.period.label}.xlsx")
        path = save_file(self, _(N_("Export statistics")), name, filters)
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> BackgroundJob[Any]:
        """Write the current report to ``path`` (format from the suffix) with a progress
        dialog; returns the running job (``export_done`` tells when the file is written).

        Through :func:`kimdesk.stats.published.publish` on the vault lane, as the CLI does: the
        file appears only once its record is committed, so a record the vault refuses leaves no
        published file behind (docs/statistics.md, "File and record together"). Writing a PDF
        holds the vault lane about a second; the progress dialog is up meanwhile."""
        if self.report is None:
            raise RuntimeError("no report computed yet")
        report = self.report
        if path.suffix.lower() not in EXPORT_SUFFIXES:
            path = path.with_suffix(".xlsx")
        fmt = path.suffix.lstrip(".").lower()
        return self._write_file(
            lambda w: publish(w.require_vault(), report, path, fmt, progress=w.progress), path,
            _(N_("Writing the statistics…")), None)

    def choose_gap_export(self) -> None:
        filters = ";;".join([_(N_("Excel workbook (*.xlsx)")), _(N_("CSV (*.csv)")),
                             _(N_("JSON (*.json)"))])
        path = save_file(self, _(N_("Export structural gaps")),
                         suggested(f"{_(N_('Structural gaps'))}.xlsx"), filters)
        if path:
            self.export_gaps_to(Path(path))

    def export_gaps_to(self, path: Path) -> None:
        """The gap export for the Lenkungsgruppe (no person, no case link) for the chosen
        period: the gaps are read on the vault lane, the file is written on the files lane
        through the progress dialog; ``export_done`` tells when it is."""
        from kimdesk.stats.gaps import gap_document, write_gap_document
        from kimdesk.vault.statsqueries import StatsQueries

        period = self.period()
        descriptions = self.with_descriptions.isChecked()
        k = self.min_cell.value()
        if path.suffix.lower() not in GAP_SUFFIXES:
            path = path.with_suffix(".xlsx")
        detail = f"{path.suffix.lstrip('.')} {period.start}..{period.end}"

        def audit(vault: Vault) -> None:
            with vault.transaction():
                vault.audit.record("export", "structural_gaps", detail=detail)

        def read(w: DbWorker) -> dict[str, Any]:
            return gap_document(StatsQueries.of(w.require_vault()), period,
                                with_descriptions=descriptions, min_cell=k)

        generation = self._generation

        def write(doc: dict[str, Any]) -> None:
            if generation != self._generation:
                return  # the window closed while the gaps were read

            def produce(w: DbWorker) -> None:
                w.progress(0, 1)
                write_gap_document(doc, path)

            self._write_file(produce, path, _(N_("Writing the structural gaps…")), audit)

        self._start(BackgroundJob(self, self.worker(), read).success(write).failure(self._failed))

    def _write_file(self, produce: Callable[[DbWorker], object], path: Path, label: str,
                    record: Callable[[Vault], None] | None) -> BackgroundJob[Any]:
        """Run ``produce`` with a progress dialog: on the files lane when it writes a file alone
        and ``record`` audits it in the vault afterwards; on the vault lane when it records the
        file itself (``record`` None: :func:`~kimdesk.stats.published.publish`). Then
        ``export_done``."""
        def written(_result: object) -> None:
            self.status.setText(" ".join([_(N_("Written to {path}.")).format(path=str(path)),
                                          *tableview.report_notes(self.report)]))
            if record is None:
                self.export_done.emit(str(path))
            else:
                self._audit(record, then=lambda: self.export_done.emit(str(path)))

        def failed(exc: Exception) -> None:
            QMessageBox.warning(self, _(N_("Export failed")), failure_message(exc))

        job = BackgroundJob(self, self.worker(), produce, uses_vault=record is None)
        job.with_progress_dialog(label, name="export_progress").success(written).failure(failed)
        job.cancelled(lambda: self.status.setText(_(N_("Export cancelled."))))
        return self._start(job)

    def _audit(self, record: Callable[[Vault], None], then: Callable[[], None]) -> None:
        """Record the export in the vault (as the CLI does), then call ``then``, unless the
        window closed meanwhile: its signals were gone ("Signal source has been deleted")."""
        generation = self._generation  # counts closings

        def answered(exc: Exception | None) -> None:
            if generation == self._generation:
                if exc is not None:
                    show_failure(self, exc)
                then()

        if self._own_worker_stopped and self.source is not None \
                and not isinstance(self.source, DbWorker):
            # written in the instant the window closed: its worker is gone, the lent vault
            # belongs to this thread alone again, and a written export is always recorded
            record(self.source)
            then()
            return
        BackgroundJob(self, self.worker(), lambda w: record(w.require_vault())) \
            .success(lambda _none: answered(None)).failure(answered).run_in_background()

    # -- the jobs and the worker they run on -----------------------------------------------------
    def worker(self) -> DbWorker:
        """The main window's worker, or (opened on a bare Vault) one of this window's own."""
        if isinstance(self.source, DbWorker):
            return self.source
        if self._own_worker is None:
            self._own_worker = DbWorker()
            self._own_worker.vault = self.source
            self._own_worker_stopped = False
        return self._own_worker

    def _start(self, job: BackgroundJob[Any]) -> BackgroundJob[Any]:
        self._jobs = [j for j in self._jobs if not j.finished]
        self._jobs.append(job)
        return job.run_in_background()

    def _stop_jobs(self) -> None:
        """Cancel this window's jobs and wait while an export still runs (its half-written file is
        removed by the atomic writer; the main window rejects every dialog when it locks)."""
        self._generation += 1
        for job in self._jobs:
            job.cancel()
        for job in self._jobs:
            if not job.uses_vault:
                job.wait(30_000)
        self._jobs.clear()
        if self._own_worker is not None:
            self._own_worker.stop(close_vault=False)  # the vault is the caller's
            self._own_worker = None
            self._own_worker_stopped = True

    def done(self, result: int) -> None:
        self._stop_jobs()
        self.report = None  # the figures go with the window (e.g. when the vault locks)
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop_jobs()
        super().closeEvent(event)


def open_statistics(parent: QWidget | None = None, source: DbWorker | Vault | None = None,
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
