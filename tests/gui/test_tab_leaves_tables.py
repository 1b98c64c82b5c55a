"""Tab leaves a table (a keyboard walk in four languages, 2026-12-07).

Qt's table views move Tab from cell to cell (``tabKeyNavigation``, on by default for
``QTableView`` and ``QTableWidget``), and wrap from the last cell to the first: once the case
list had the keyboard, 40 presses of Tab stayed in it and the case view beside it, the filters
and "New case" were out of reach by Tab; the statistics grid and the list of refused changes
held Tab the same way. Arrow keys move between cells, Tab moves on to the next input."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

from kimdesk.vault.sync import Refusal
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui
PRESSES = 5  # Tab and Shift+Tab: each has to leave the table within these


def leaves(qtbot: Any, table: QAbstractItemView, key: Qt.Key) -> bool:
    """Whether ``key`` (Tab or Backtab) takes the keyboard out of ``table`` within a few presses
    (the table holding at least two cells, so a cell-to-cell move is possible)."""
    table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(table.hasFocus, timeout=5000)
    table.setCurrentIndex(table.model().index(0, 0))
    for _press in range(PRESSES):
        widget: QWidget | None = QApplication.focusWidget()
        assert widget is not None
        qtbot.keyClick(widget, key)
        if QApplication.focusWidget() is not table:
            return True
    return False


def test_tab_leaves_the_case_list(qtbot: Any, demo_window: Any) -> None:
    table = demo_window.workspace.table
    assert table.model().rowCount() > 1 and table.model().columnCount() > 1
    assert leaves(qtbot, table, Qt.Key.Key_Tab)
    assert leaves(qtbot, table, Qt.Key.Key_Backtab)
    # the way on from the list: Tab reaches the open case's inputs
    qtbot.keyClick(demo_window.workspace.search, Qt.Key.Key_Return)
    view = demo_window.workspace.case_view
    qtbot.waitUntil(lambda: view.bundle is not None, timeout=10000)
    wait_idle(qtbot, demo_window)
    table.setFocus(Qt.FocusReason.TabFocusReason)
    for _press in range(60):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if view.isAncestorOf(QApplication.focusWidget()):
            break
    assert view.isAncestorOf(QApplication.focusWidget()), QApplication.focusWidget()


def test_tab_leaves_the_statistics_grid(qtbot: Any, demo_window: Any) -> None:
    from kimdesk.gui.stats import open_statistics

    dialog = open_statistics(demo_window, demo_window.worker)
    qtbot.addWidget(dialog)
    reports: list[Any] = []
    dialog.report_ready.connect(reports.append)
    qtbot.waitUntil(lambda: bool(reports), timeout=60000)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    grid = dialog.grid
    assert grid.rowCount() > 1 and grid.columnCount() > 1
    assert leaves(qtbot, grid, Qt.Key.Key_Tab)
    assert leaves(qtbot, grid, Qt.Key.Key_Backtab)
    dialog.close()


def test_tab_leaves_the_refused_list(qtbot: Any) -> None:
    from kimdesk.gui.sync.refused import RefusedDialog

    refusals = [Refusal(kind="note", record_id=f"n{i}", revision=1, reason="too large",
                        at="2026-12-07T08:00:00+00:00", case_number=f"2026-8415-00000{i}")
                for i in range(3)]
    dialog = RefusedDialog(refusals)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    assert leaves(qtbot, dialog.table, Qt.Key.Key_Tab)
    assert leaves(qtbot, dialog.table, Qt.Key.Key_Backtab)
