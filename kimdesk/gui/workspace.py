"""The workspace: case list (search, filters, lazy table) beside the case view.

Built on the first unlock, not at start-up (it pulls in the domain models and the vault's search
code, which the unlock screen does not need).
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QHeaderView, QWidget

from kimdesk.domain import codes
from kimdesk.gui.casemodel import FIRST_SCREEN, PAGE, CaseTableModel
from kimdesk.gui.caseview import CaseView
from kimdesk.gui.emptynote import EmptyNote
from kimdesk.gui.fitting import fit_filter_combo, fit_header
from kimdesk.gui.fonts import register_fonts
from kimdesk.gui.forms_generated.ui_workspace import Ui_Workspace
from kimdesk.gui.labels import code_label
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import N_, gettext
from kimdesk.vault.caselist import CaseFilter, CaseList

if TYPE_CHECKING:
    from kimdesk.gui.mainwindow import MainWindow

_ = gettext
SEARCH_DEBOUNCE_MS = 150
SELECT_DELAY_MS = 250
SEARCH_AUDIT_DELAY_MS = 1000
#: What the empty case list says (kimdesk.gui.emptynote): nothing matches; the vault is empty.
NO_MATCH = N_("No case matches the search and the filters.")
NO_CASES = N_("No cases yet. New case (Ctrl+N) creates the first one.")


class Workspace(QWidget):
    """Case list (search, filters, lazy table) beside the case view."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        register_fonts()  # client names in every script (Tigrinya drew as boxes without it)
        self.window_ = window
        self.worker = window.worker
        self.me = ""
        self.team = ""
        self.total = 0
        self.last_query_ms = 0.0
        self.last_model_ms = 0.0
        self.last_total_ms = 0.0  # keystroke to the first screen of results
        self.last_list_ms = 0.0  # keystroke to the whole list (scroll bar, count)
        self.first_pages_done = 0
        self.queries_done = 0  # whole answers shown
        self._total_stale = True  # the number of all cases changes only when cases are added
        self.ui = Ui_Workspace()
        self.ui.setupUi(self)
        self.search = self.ui.searchEdit
        self.table = self.ui.caseTable
        # Down / Enter in the search field reach the results (issue 18.9): what to do with the
        # first row once the answer to the query typed so far is in
        self._queries_asked = self._queries_answered = 0  # superseded ones never answer
        self._after_query: str = ""  # "", "focus" (Down) or "open" (Enter)
        self.search.installEventFilter(self)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_query)
        self._sort_column = -1
        self._descending = False
        self._selected: str | None = None
        self._select_timer = QTimer(self)
        self._select_timer.setSingleShot(True)
        self._select_timer.setInterval(SELECT_DELAY_MS)
        self._select_timer.timeout.connect(self._open_selected)
        self._audit_length = 0  # the search waiting for its audit entry (its length)
        self._audit_timer = QTimer(self)
        self._audit_timer.setSingleShot(True)
        self._audit_timer.setInterval(SEARCH_AUDIT_DELAY_MS)
        self._audit_timer.timeout.connect(self.flush_search_audit)
        self.model = CaseTableModel(self._fetch_page)
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
        # Connected after the indicator is set: setting it sorts, and a sort queries. Built at
        # unlock, that query ran before the Löschfristen and read a 200k list a second time.
        self.model.sort_requested.connect(self._sort)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        for column, width in enumerate((150, 150, 150, 160, 80, 90)):
            self.table.setColumnWidth(column, width)
        fit_header(header)  # no header text cut, in any language (issue 18.10)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.activated.connect(self._activated)
        self.empty_note = EmptyNote(self.table)
        self.case_view = CaseView(self.worker)
        self.case_view.setObjectName("caseView")
        self.ui.detailStack.addWidget(self.case_view)
        self.case_view.case_changed.connect(self._case_changed)
        self.case_view.drafts_changed.connect(self.model.mark_draft)
        self.case_view.status_message.connect(window.show_message)
        splitter = self.ui.splitter
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self._fill_filters()
        for combo in self._filter_combos():
            combo.currentIndexChanged.connect(lambda _i: self.run_query())
            combo.currentTextChanged.connect(combo.setToolTip)  # the whole text, if it is cut
        self.ui.reviewCheck.toggled.connect(lambda _c: self.run_query())
        self.ui.newCaseButton.clicked.connect(window.new_case)
        self._pending_select: str | None = None

    # -- filters -------------------------------------------------------------------------------
    def _filter_combos(self) -> tuple[QComboBox, ...]:
        return (self.ui.phaseCombo, self.ui.scopeCombo, self.ui.rechtskreisCombo,
                self.ui.handlungsfeldCombo)

    def _fill_filters(self) -> None:
        """(Re)fill the filter lists in the current language, keeping each one's choice."""
        lists: list[tuple[QComboBox, list[tuple[str, str]], type[StrEnum] | None]] = [
            (self.ui.phaseCombo, [("", N_("All phases")), ("open", N_("All open cases"))]
             + [(p.value, "") for p in codes.Phase], codes.Phase),
            (self.ui.scopeCombo, [("all", N_("All cases")), ("mine", N_("My cases")),
                                  ("team", N_("My team's cases"))], None),
            (self.ui.rechtskreisCombo, [("", N_("All legal domains"))]
             + [(r.value, "") for r in codes.Rechtskreis], codes.Rechtskreis),
            (self.ui.handlungsfeldCombo, [("", N_("All fields of action"))]
             + [(h.value, "") for h in codes.Handlungsfeld], codes.Handlungsfeld),
        ]
        for combo, items, enum in lists:
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for code, text in items:
                label = _(text) if text or enum is None else code_label(enum, code)
                combo.addItem(label, code)
            index = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
            fit_filter_combo(combo)

    def current_filter(self) -> CaseFilter:
        return CaseFilter(
            text=self.search.text(),
            phase=self.ui.phaseCombo.currentData() or "",
            rechtskreis=self.ui.rechtskreisCombo.currentData() or "",
            handlungsfeld=self.ui.handlungsfeldCombo.currentData() or "",
            scope=self.ui.scopeCombo.currentData() or "all",
            needs_review=self.ui.reviewCheck.isChecked(),
            sort_column=self._sort_column,
            descending=self._descending,
            me=self.me,
            team=self.team,
        )

    def reset_filters(self) -> None:
        """Every filter back to "all" and an empty search, without running a query per change."""
        for combo in self._filter_combos():
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.ui.reviewCheck.blockSignals(True)
        self.ui.reviewCheck.setChecked(False)
        self.ui.reviewCheck.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._debounce.stop()

    # -- querying ------------------------------------------------------------------------------
    def _sort(self, column: int, descending: bool) -> None:
        self._sort_column, self._descending = column, descending
        if self.window_.unlocked:
            self.run_query()

    def run_query(self) -> None:
        """Run the current search and filters on the worker; older queued queries are dropped.

        In two steps, so a keystroke shows its answer at once even when it matches every case of
        a 200,000-case vault: first the first screen (:data:`PAGE` rows, through ``LIMIT``), then
        the rest of the list (the numbers of every match, for the scroll bar and the count). A
        newer keystroke stops the second step where it is (issue 18: 30-120 ms for a one-letter
        search, which every following keystroke waited for)."""
        self._debounce.stop()
        if not self.window_.unlocked:
            return
        flt = self.current_filter()
        started = time.perf_counter()
        count_all = self._total_stale
        self._queries_asked += 1
        asked = self._queries_asked

        def job(w: DbWorker) -> tuple[Any, dict[int, Any], int, float, set[str]]:
            from kimdesk.vault.drafts import cases_with_drafts

            t0 = time.perf_counter()
            cases = CaseList(w.require_vault())
            seqs = cases.first_seqs(flt, PAGE + 1)
            first = cases.page(seqs[:FIRST_SCREEN])
            total = -2  # more than a page: counted with the rest of the list
            if len(seqs) <= PAGE:
                # An unfiltered list is every case: no second count needed.
                total = len(seqs) if flt.unfiltered else (cases.total() if count_all else -1)
            query_ms = (time.perf_counter() - t0) * 1000
            return seqs, first, total, query_ms, cases_with_drafts(w.require_vault())

        def done(result: tuple[Any, dict[int, Any], int, float, set[str]]) -> None:
            seqs, first, total, query_ms, drafts = result
            t0 = time.perf_counter()
            self.model.set_result(seqs[:PAGE], first, drafts)
            self.last_model_ms = (time.perf_counter() - t0) * 1000
            self.last_query_ms = query_ms
            self.last_total_ms = (time.perf_counter() - started) * 1000
            self.first_pages_done += 1
            self._say_if_empty()
            self._reselect()
            self._queries_answered = asked
            if asked == self._queries_asked and self._after_query:
                self._from_search(self._after_query)
            if total == -2:
                self._read_rest(flt, asked, count_all, started)
            else:
                self._list_complete(flt, total, started)

        self.worker.submit(job, done, self.window_.show_error, key="case-query")

    def _read_rest(self, flt: CaseFilter, asked: int, count_all: bool, started: float) -> None:
        """The second step of :meth:`run_query`: every match, appended to the first screen."""
        generation = self.model.generation

        def newer() -> bool:  # read on the worker's thread: one int, no lock needed
            return self._queries_asked != asked

        def job(w: DbWorker) -> tuple[Any, int]:
            if newer():
                return None, -1
            cases = CaseList(w.require_vault())
            seqs = cases.matching_seqs_unless(flt, newer)
            if seqs is None:
                return None, -1
            total = len(seqs) if flt.unfiltered else (cases.total() if count_all else -1)
            return seqs, total

        def done(result: tuple[Any, int]) -> None:
            seqs, total = result
            if seqs is None or newer():
                return
            if not self.model.extend_result(generation, seqs):
                self.model.set_result(seqs)
            self._reselect()
            self._list_complete(flt, total, started)

        self.worker.submit(job, done, self.window_.show_error, key="case-query-rest")

    def _list_complete(self, flt: CaseFilter, total: int, started: float) -> None:
        """The whole answer is in the list: counts, and the search's audit entry."""
        self.last_list_ms = (time.perf_counter() - started) * 1000
        if total >= 0:
            self.total = total
            self._total_stale = False
        self.queries_done += 1
        self._say_if_empty()
        self.window_.update_counts()
        if flt.text.strip():
            self._audit_search(len(flt.text.strip()))

    def refresh_drafts(self) -> None:
        """Re-read which cases have a saved draft (the marker in the list)."""
        from kimdesk.vault.drafts import cases_with_drafts

        if self.window_.unlocked:
            self.worker.submit(lambda w: cases_with_drafts(w.require_vault()),
                               self.model.set_drafts, lambda exc: None)

    def _audit_search(self, length: int) -> None:
        """Searches are audited like the CLI's (the length, never the text), once the typing
        rests (:data:`SEARCH_AUDIT_DELAY_MS`): a burst of keystrokes is one search. Written at
        once, each entry (a durable commit) held up the next keystroke's query behind it."""
        self._audit_length = length
        self._audit_timer.start()

    def flush_search_audit(self) -> None:
        """Write the search's audit entry now (before the vault closes: lock, quit)."""
        self._audit_timer.stop()
        length, self._audit_length = self._audit_length, 0
        if not length or not self.window_.unlocked:
            return

        def job(w: DbWorker) -> None:
            vault = w.require_vault()
            with vault.transaction():
                vault.audit.record("search", "cases", detail=f"{length} characters")

        self.worker.submit(job, None, lambda exc: None, key="audit-search")

    def _fetch_page(self, generation: int, page: int, seqs: list[int]) -> None:
        def job(w: DbWorker) -> dict[int, Any]:
            return CaseList(w.require_vault()).page(seqs)

        self.worker.submit(job, lambda rows: self.model.add_page(generation, page, rows),
                           lambda exc: None)

    # -- from the search field to the results --------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down in the search field moves to the first result, Enter opens the first (or the
        selected) case; the Tab key needed seven presses to get there."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                return False
            action = {Qt.Key.Key_Down: "focus", Qt.Key.Key_Return: "open",
                      Qt.Key.Key_Enter: "open"}.get(Qt.Key(event.key()), "")
            if action:
                if self._debounce.isActive() or self._queries_answered < self._queries_asked:
                    self._after_query = action  # the list still shows an older search
                    if self._debounce.isActive():
                        self.run_query()
                else:
                    self._from_search(action)
                return True
        return super().eventFilter(watched, event)

    def _from_search(self, action: str) -> None:
        self._after_query = ""
        if self.model.rowCount() == 0:
            return
        current = self.table.currentIndex()
        row = current.row() if current.isValid() and action == "open" else 0
        self.table.setFocus()
        self.table.setCurrentIndex(self.model.index(row, 0))
        if action == "open":
            self._activated(self.model.index(row, 0))

    # -- selection -----------------------------------------------------------------------------
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """Open the selected case once the selection rests: walking the list with the arrow keys
        must not open (and audit as read) every case passed on the way."""
        case_id = self.model.data(current, Qt.ItemDataRole.UserRole) if current.isValid() else None
        self._selected = case_id
        if case_id and case_id != self.case_view.requested_id:
            self._select_timer.start()

    def _open_selected(self) -> None:
        if self._selected and self._selected != self.case_view.requested_id:
            self.open_case(self._selected)

    def _activated(self, index: QModelIndex) -> None:
        case_id = self.model.data(index, Qt.ItemDataRole.UserRole)
        self._select_timer.stop()
        if case_id:
            self.open_case(case_id)
            self.case_view.tabs.setFocus()

    def open_case(self, case_id: str) -> bool:
        """Show the case (asked for already: nothing to do). The case on screen asked for again
        while another one loads is read again, and the other's answer dropped: it was ignored,
        and the other case came up after all (a review, 2026-12-07)."""
        if case_id == self.case_view.requested_id:
            return True
        if not self.case_view.confirm_discard():
            return False
        self.ui.detailStack.setCurrentWidget(self.case_view)
        self.case_view.load(case_id)
        return True

    def close_case(self) -> bool:
        if not self.case_view.confirm_discard():
            return False
        self.case_view.clear()
        self.ui.detailStack.setCurrentIndex(0)
        self.table.clearSelection()
        return True

    def select_case(self, case_id: str) -> None:
        """Open a case and select its row once the list shows it."""
        self._pending_select = case_id
        self.open_case(case_id)
        self._reselect()

    def _reselect(self) -> None:
        if self._pending_select is None:
            return
        row = self.model.row_of_case(self._pending_select)
        if row >= 0:
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(row)
            self.table.selectionModel().blockSignals(False)
            self._pending_select = None

    def _case_changed(self, case_id: str) -> None:
        self._pending_select = case_id
        self._total_stale = True
        self.run_query()

    # -- lock and language ---------------------------------------------------------------------
    def clear(self) -> None:
        """Forget everything shown (auto-lock): list, search text, case view."""
        self.flush_search_audit()  # queued before the vault closes
        self._select_timer.stop()
        self._selected = None
        self.reset_filters()
        self.model.clear()
        self.case_view.clear()
        self.ui.detailStack.setCurrentIndex(0)
        self.total = 0
        self._total_stale = True

    def _say_if_empty(self) -> None:
        """An empty list says why: nothing matches, or (unfiltered) the vault has no case."""
        filtered = not self.current_filter().unfiltered
        self.empty_note.say(_(NO_MATCH if filtered or self.total else NO_CASES),
                            self.model.rowCount() == 0)

    def retranslate(self) -> None:
        self.ui.retranslateUi(self)
        self._fill_filters()
        self.model.retranslate()
        fit_header(self.table.horizontalHeader())
        self.case_view.retranslate()
        self._say_if_empty()
