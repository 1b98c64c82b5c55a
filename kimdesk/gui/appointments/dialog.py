"""The agenda window: the counselor's appointments and the reviews due, by day or by week.

One list for both views (a week is seven days of the same rows, each row naming its day): what the
counselor scans is "what is next, with whom, where". Keyboard: Alt+D / Alt+W switch day and week,
Alt+Left / Alt+Right (or the Previous / Next buttons) step by a day or a week, Alt+O goes back to
today, Enter on a row opens the case (the window then closes, the case is in front). Names are on
screen here as in the case list; the window closes with every lock (the main window rejects open
dialogs) and is deleted then, so no name stays in memory behind the lock screen.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kimdesk.gui.fitting import fit_columns_to_items
from kimdesk.gui.jobs import failure_message
from kimdesk.gui.lang import format_date, locale, ltr, ltr_within
from kimdesk.gui.naming import named
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import N_, gettext
from kimdesk.vault.appointments import APPOINTMENT, AgendaEntry, agenda, week_of

_ = gettext

#: Column titles (msgids), in display order.
COLUMNS = (N_("Day"), N_("Time"), N_("What"), N_("Case number"), N_("Name"), N_("Place"))


def weekday(day: date) -> str:
    """The short day name in the interface locale ("Mo.", "Mon", "پنجشنبه")."""
    return locale().dayName(day.isoweekday(), QLocale.FormatType.ShortFormat)


def entry_texts(entry: AgendaEntry) -> list[str]:
    """The row of one entry, in the interface language."""
    what = _("Appointment") if entry.kind == APPOINTMENT else _("Review due")
    day = f"{weekday(entry.day)} {format_date(entry.day)}"
    return [day, entry.time, what, ltr(entry.case_number), entry.display_name, entry.place]


class AgendaDialog(QDialog):
    """Non-modal; ``open_requested(case_id)`` when the counselor opens a row's case."""

    open_requested = Signal(str)
    loaded = Signal()  # the rows of the current day or week are on screen (tests wait on it)
    export_requested = Signal()

    def __init__(self, worker: DbWorker, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agendaDialog")
        self.worker = worker
        self.day = today or date.today()
        self.entries: list[AgendaEntry] = []
        self.resize(860, 520)
        self.day_radio = named(QRadioButton(), "agendaDay")
        self.week_radio = named(QRadioButton(), "agendaWeek")
        self.day_radio.setChecked(True)
        self.prev_button = named(QPushButton(), "agendaPrevious")
        self.today_button = named(QPushButton(), "agendaToday")
        self.next_button = named(QPushButton(), "agendaNext")
        self.range_label = named(QLabel(), "agendaRange")
        self.table = named(QTreeWidget(), "agendaTable")
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAllColumnsShowFocus(True)
        self.empty_label = named(QLabel(), "agendaEmpty")
        self.status_label = named(QLabel(), "agendaStatus")
        self.export_button = named(QPushButton(), "agendaExport")
        self.close_button = named(QPushButton(), "agendaClose")
        # No default button: Enter on a row opens its case, and the list passes Enter on to the
        # dialog afterwards, which would also "press" a default button (step to the previous day).
        for button in (self.prev_button, self.today_button, self.next_button,
                       self.export_button, self.close_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        top = QHBoxLayout()
        for widget in (self.day_radio, self.week_radio, self.prev_button, self.today_button,
                       self.next_button):
            top.addWidget(widget)
        top.addWidget(self.range_label, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.export_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(bottom)
        self.day_radio.toggled.connect(lambda _on: self.load())
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(self.go_today)
        self.export_button.clicked.connect(self.export_requested)
        self.close_button.clicked.connect(self.close)
        self.table.itemActivated.connect(self._activated)
        for keys, slot in (("Alt+Left", lambda: self.step(-1)),
                           ("Alt+Right", lambda: self.step(1))):
            QShortcut(QKeySequence(keys), self).activated.connect(slot)
        self.retranslate()

    # -- navigation ----------------------------------------------------------------------------
    @property
    def week(self) -> bool:
        return self.week_radio.isChecked()

    def span(self) -> tuple[date, date]:
        return week_of(self.day) if self.week else (self.day, self.day)

    def step(self, direction: int) -> None:
        self.day += timedelta(days=7 * direction if self.week else direction)
        self.load()

    def go_today(self) -> None:
        self.day = date.today()
        self.load()

    def load(self) -> None:
        first, last = self.span()
        self._show_range()
        self.worker.submit(lambda w: agenda(w.require_vault(), first, last), self.show_entries,
                           self._failed, key=("agenda", id(self)))

    def show_entries(self, entries: list[AgendaEntry]) -> None:
        self.entries = entries
        self.table.clear()
        for entry in entries:
            item = QTreeWidgetItem(entry_texts(entry))
            item.setData(0, Qt.ItemDataRole.UserRole, entry.case_id)
            if entry.kind == APPOINTMENT:  # the appointments stand out among the reviews
                font = item.font(0)
                font.setBold(True)
                for column in range(len(COLUMNS)):
                    item.setFont(column, font)
            self.table.addTopLevelItem(item)
        fit_columns_to_items(self.table, range(len(COLUMNS) - 1))
        self.empty_label.setVisible(not entries)
        self.status_label.setText("")
        first = self.table.topLevelItem(0)
        if first is not None:
            self.table.setCurrentItem(first)
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self.status_label.setText(failure_message(exc))

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        case_id = item.data(0, Qt.ItemDataRole.UserRole)
        if case_id:
            self.open_requested.emit(str(case_id))

    def _show_range(self) -> None:
        first, last = self.span()
        if first == last:
            text = f"{weekday(first)} {format_date(first)}"
        else:
            text = _("Week {number}: {first} – {last}").format(
                number=first.isocalendar()[1], first=format_date(first), last=format_date(last))
        self.range_label.setText(text)

    # -- language ------------------------------------------------------------------------------
    def retranslate(self, *_args: Any) -> None:
        self.setWindowTitle(_("Appointments"))
        self.day_radio.setText(_("&Day"))
        self.week_radio.setText(_("&Week"))
        self.prev_button.setText(_("&Previous"))
        native = QKeySequence.SequenceFormat.NativeText
        self.prev_button.setToolTip(QKeySequence("Alt+Left").toString(native))
        self.today_button.setText(_("T&oday"))
        self.next_button.setText(_("Ne&xt"))
        self.next_button.setToolTip(QKeySequence("Alt+Right").toString(native))
        self.export_button.setText(ltr_within(_("&Export to calendar (.ics)…"), "(.ics)"))
        self.close_button.setText(_("Close"))
        self.empty_label.setText(_("No appointments and no reviews due."))
        self.table.setHeaderLabels([_(c) for c in COLUMNS])
        self.table.setAccessibleName(_("Appointments"))
        for row, entry in enumerate(self.entries):
            item = self.table.topLevelItem(row)
            if item is None:
                continue
            for column, text in enumerate(entry_texts(entry)):
                item.setText(column, text)
        # the new language's texts are longer ("Review due" -> "Überprüfung fällig")
        fit_columns_to_items(self.table, range(len(COLUMNS) - 1))
        self._show_range()
