"""The case list model: knows every matching case's number, loads rows only when shown.

``set_result`` swaps in a new ``seq`` list (from
:meth:`kimdesk.vault.caselist.CaseList.matching_seqs`, run on the database worker) in one model
reset, cheap even for 200,000 cases; ``data()`` for a row whose page is not loaded asks the worker
for that page (256 rows) and shows an empty cell until the page arrives a moment later. Pages are
kept in a small LRU cache, so memory stays flat while scrolling through the whole list.
:meth:`clear` (auto-lock) drops everything.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QIcon

from kimdesk.domain.codes import Phase
from kimdesk.gui.labels import code_label
from kimdesk.gui.lang import format_date, ltr
from kimdesk.i18n import N_, gettext
from kimdesk.vault.caselist import COLUMNS, CaseRow

HEADERS = {
    "case_number": N_("Case number"),
    "name": N_("Name"),
    "name_latin": N_("Name (Latin script)"),
    "phase": N_("Phase"),
    "owner": N_("Case manager"),
    "opened_on": N_("Opened"),
    "review_on": N_("Review"),
}

PAGE = 256
#: Rows read with a query's first answer: a screenful (a page of 256 rows took 2-13 ms at 200k
#: cases, 64 rows 0.5 ms); the rest of the first page is read when it is scrolled to.
FIRST_SCREEN = 64
MAX_PAGES = 64
#: Roles :meth:`CaseTableModel.data` answers; the marker roles show a saved draft.
_MARKER_ROLES = (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole,
                 Qt.ItemDataRole.AccessibleDescriptionRole)
_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole,
          Qt.ItemDataRole.ForegroundRole, *_MARKER_ROLES)

Index = QModelIndex | QPersistentModelIndex
#: fetch_page(generation, page, seqs) asks the worker for rows; the answer goes to add_page.
PageFetcher = Callable[[int, int, list[int]], None]


class CaseTableModel(QAbstractTableModel):
    #: The user clicked a header: column, descending. The controller re-runs the query.
    sort_requested = Signal(int, bool)

    def __init__(self, fetch_page: PageFetcher | None = None) -> None:
        super().__init__()
        self._fetch_page = fetch_page
        self._seqs: array[int] = array("q")
        self._pages: OrderedDict[int, dict[int, CaseRow]] = OrderedDict()
        self._requested: set[int] = set()
        self._partial: set[int] = set()  # loaded pages holding only their first rows
        self.generation = 0
        self.today = date.today().isoformat()
        self.drafts: set[str] = set()  # ids of cases with a saved draft (marked in the list)
        self._draft_icon: QIcon | None = None

    # -- content -------------------------------------------------------------------------------
    def set_fetcher(self, fetch_page: PageFetcher) -> None:
        self._fetch_page = fetch_page

    def set_result(self, seqs: array[int], first_page: dict[int, CaseRow] | None = None,
                   drafts: set[str] | None = None) -> None:
        """Show a new result (one reset); ``first_page`` avoids a blank first screen, ``drafts``
        names the cases with a saved draft."""
        from kimdesk.gui import qtfix

        qtfix.check()
        self.beginResetModel()
        self.generation += 1
        self.today = date.today().isoformat()
        self._seqs = seqs
        self._pages.clear()
        self._requested.clear()
        self._partial.clear()
        if first_page is not None:
            self._pages[0] = first_page
            if len(first_page) < min(PAGE, len(seqs)):
                self._partial.add(0)  # only the first screen: the rest is read when shown
        if drafts is not None:
            self.drafts = set(drafts)
        self.endResetModel()

    def extend_result(self, generation: int, seqs: array[int]) -> bool:
        """The whole result after its first page (:meth:`set_result` showed that alone): the rows
        past it are appended, the loaded pages stay. False, and nothing changed, when the result
        was replaced meanwhile or ``seqs`` does not start with the rows shown (the vault changed
        between the two queries: the caller then shows ``seqs`` anew)."""
        shown = len(self._seqs)
        if generation != self.generation or seqs[:shown] != self._seqs:
            return False
        if len(seqs) > shown:
            self.beginInsertRows(QModelIndex(), shown, len(seqs) - 1)
            self._seqs = seqs
            self.endInsertRows()
        return True

    def add_page(self, generation: int, page: int, rows: dict[int, CaseRow]) -> None:
        """A page the worker loaded; ignored if the result changed meanwhile."""
        if generation != self.generation:
            return
        self._requested.discard(page)
        self._partial.discard(page)
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        first = page * PAGE
        last = min(first + PAGE, len(self._seqs)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def clear(self) -> None:
        """Forget every row (the vault was locked)."""
        self.set_result(array("q"), drafts=set())

    def set_drafts(self, drafts: set[str]) -> None:
        """Which cases have a saved draft: their first column gets the draft marker."""
        if drafts != self.drafts:
            self.drafts = set(drafts)
            self._marker_changed()

    def mark_draft(self, case_id: str, has_draft: bool) -> None:
        """One case got or lost its last draft (the Forms tab saved or discarded one)."""
        if has_draft != (case_id in self.drafts):
            (self.drafts.add if has_draft else self.drafts.discard)(case_id)
            self._marker_changed()

    def _marker_changed(self) -> None:
        if self._seqs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._seqs) - 1, 0))

    def _draft_marker(self, role: int, row: CaseRow) -> Any:
        """The draft marker of the first column: an icon, and a tooltip and accessible text
        that say it in words."""
        from kimdesk.gui.lockdraft import MSG_DRAFT_TIP, draft_icon

        if role == Qt.ItemDataRole.DecorationRole:
            if self._draft_icon is None:
                self._draft_icon = draft_icon()
            return self._draft_icon
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.case_number}\n{gettext(MSG_DRAFT_TIP)}"
        return gettext(MSG_DRAFT_TIP)

    def page_seqs(self, page: int) -> list[int]:
        return list(self._seqs[page * PAGE:(page + 1) * PAGE])

    def row_at(self, row: int) -> CaseRow | None:
        """The loaded row, or None (and a page request) when it is not loaded yet."""
        if not 0 <= row < len(self._seqs):
            return None
        page = row // PAGE
        rows = self._pages.get(page)
        if rows is None:
            if page not in self._requested and self._fetch_page is not None:
                self._requested.add(page)
                self._fetch_page(self.generation, page, self.page_seqs(page))
            return None
        self._pages.move_to_end(page)
        found = rows.get(self._seqs[row])
        if (found is None and page in self._partial and page not in self._requested
                and self._fetch_page is not None):
            self._requested.add(page)
            self._fetch_page(self.generation, page, self.page_seqs(page))
        return found

    def row_of_case(self, case_id: str) -> int:
        """Row of a loaded case, or -1."""
        for page, rows in self._pages.items():
            for seq, row in rows.items():
                if row.case_id == case_id:
                    base = page * PAGE
                    for i, s in enumerate(self._seqs[base:base + PAGE]):
                        if s == seq:
                            return base + i
        return -1

    # -- Qt model API --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._seqs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return gettext(HEADERS[COLUMNS[section][0]])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in _ROLES:
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        if role in _MARKER_ROLES:
            if index.column() == 0 and row.case_id in self.drafts:
                return self._draft_marker(role, row)
            if role != Qt.ItemDataRole.ToolTipRole:
                return None
        if role == Qt.ItemDataRole.ForegroundRole:
            # A review date that has come (open cases only) shows in red, like the filter.
            due = (COLUMNS[index.column()][0] == "review_on" and row.review_on
                   and row.phase != "abschluss" and row.review_on <= self.today)
            return QColor("#b00020") if due else None
        if role == Qt.ItemDataRole.UserRole:
            return row.case_id
        key = COLUMNS[index.column()][0]
        if key == "case_number":
            return ltr(row.case_number)
        if key == "name":
            return row.display_name
        if key == "name_latin":
            return row.name_latin
        if key == "phase":
            return code_label(Phase, row.phase)
        if key == "owner":
            return row.owner
        if key == "opened_on":
            return format_date(row.opened_on)
        return format_date(row.review_on)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_requested.emit(column, order == Qt.SortOrder.DescendingOrder)

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._seqs:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._seqs) - 1, len(COLUMNS) - 1))
