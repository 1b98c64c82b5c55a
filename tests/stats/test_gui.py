"""The statistics view offscreen: period choice, tables and charts, the suppression preview,
exports through the progress dialog, the gap export; opened from the main window's hook too."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.gui

from kimdesk.stats import Period  # noqa: E402
from tests.stats.conftest import periods  # noqa: E402


@pytest.fixture
def dialog(qtbot: Any, stats_vault: object) -> Any:
    from kimdesk.gui.stats import open_statistics
    from kimdesk.i18n import set_language

    set_language("en")
    d = open_statistics(None, stats_vault,  # type: ignore[arg-type]
                        period=Period.year(date.today().year - 1))
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.report is not None, timeout=10_000)
    return d


def test_view_shows_tables_chart_and_preview(dialog: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    d = dialog
    assert d.kind.currentData() == "year"
    assert d.tables.count() == len(d.report.tables)
    assert "cells will be suppressed" in d.status.text()
    # find a table with a primary-suppressed cell and look at it
    for i, t in enumerate(d.report.tables):
        if any(d.report.protection.kind(t, r, c) == "primary"
               for r in t.all_rows for c in t.all_columns):
            d.tables.setCurrentRow(i)
            break
    kinds = {d.grid.item(i, j).data(Qt.ItemDataRole.UserRole)
             for i in range(d.grid.rowCount()) for j in range(d.grid.columnCount())
             if d.grid.item(i, j) is not None}
    assert "primary" in kinds
    texts = [d.grid.item(i, j).text() for i in range(d.grid.rowCount())
             for j in range(d.grid.columnCount()) if d.grid.item(i, j)]
    assert "." in texts
    d.show_values.setChecked(True)
    texts = [d.grid.item(i, j).text() for i in range(d.grid.rowCount())
             for j in range(d.grid.columnCount()) if d.grid.item(i, j)]
    assert any(t.startswith(". (") for t in texts)
    assert d.chart.series() and d.chart.series()[0].count() == 1
    assert not d.chart_view.grab().isNull()
    d.grab().save(str(tmp_path / "stats.png"))


def test_period_choice(dialog: Any) -> None:
    d = dialog
    q = periods()[1]
    d.set_period(q)
    assert d.period() == q
    m = Period.month(2025, 7)
    d.set_period(m)
    assert d.period() == m and d.part.isVisible()
    custom = Period(date(2025, 2, 3), date(2025, 5, 6))
    d.set_period(custom)
    assert d.period() == custom and d.date_from.isVisible() and not d.year.isVisible()


def test_export_through_progress_dialog(qtbot: Any, dialog: Any, tmp_path: Path) -> None:
    d = dialog
    for suffix in ("xlsx", "pdf", "json"):
        with qtbot.waitSignal(d.export_done, timeout=20_000):
            d.export_to(tmp_path / f"out.{suffix}")
        assert (tmp_path / f"out.{suffix}").stat().st_size > 500
    doc = json.loads((tmp_path / "out.json").read_text())
    assert doc["disclosure"]["min_cell"] == d.min_cell.value()
    events = d.source.conn.execute("SELECT detail FROM audit_events WHERE action = 'export'"
                                   " AND subject_kind = 'statistics'").fetchall()
    assert any(e[0].startswith("json ") for e in events)


def test_gap_export_from_the_view(qtbot: Any, dialog: Any, tmp_path: Path) -> None:
    d = dialog
    d.with_descriptions.setChecked(False)
    with qtbot.waitSignal(d.export_done, timeout=20_000):
        d.export_gaps_to(tmp_path / "gaps.json")
    doc = json.loads((tmp_path / "gaps.json").read_text())
    assert doc["format"] == "kimdesk-structural-gaps"
    assert all("description" not in e for e in doc["entries"])


def test_recompute_with_other_threshold(qtbot: Any, dialog: Any) -> None:
    d = dialog
    before = len(d.report.protection.primary)
    d.min_cell.setValue(6)
    d.compute()
    qtbot.waitUntil(lambda: d.report.min_cell == 6, timeout=10_000)
    assert len(d.report.protection.primary) > before


def test_opens_through_the_db_worker(qtbot: Any, stats_vault: Any, tmp_path: Path) -> None:
    """The main window calls ``open_statistics(window, worker)``: the report is computed on the
    worker thread."""
    from kimdesk.gui.stats import open_statistics
    from kimdesk.gui.worker import DbWorker

    worker = DbWorker()
    worker.vault = stats_vault
    try:
        d = open_statistics(None, worker)
        qtbot.addWidget(d)
        qtbot.waitUntil(lambda: d.report is not None, timeout=10_000)
        assert d.period() == Period.last_full_quarter()
        with qtbot.waitSignal(d.export_done, timeout=20_000):
            d.export_gaps_to(tmp_path / "gaps.csv")
        assert (tmp_path / "gaps.csv").read_text("utf-8-sig").startswith("category,")
        done: list[int] = []
        worker.submit(lambda w: len(w.require_vault().conn.execute(
            "SELECT 1 FROM audit_events WHERE subject_kind = 'structural_gaps'").fetchall()),
            done.append)
        qtbot.waitUntil(lambda: bool(done), timeout=5_000)
        assert done[0] >= 1
        d.close()
    finally:
        worker.vault = None  # the module fixture closes it
        worker.stop()


def test_reject_during_export_cancels_cleanly(qtbot: Any, dialog: Any, tmp_path: Path) -> None:
    """The main window rejects every dialog when it locks: a running export stops, no partial
    file stays behind, the figures are dropped."""
    from PySide6.QtCore import Qt

    d = dialog
    d.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # qtbot closes it at the end
    job = d.export_to(tmp_path / "locked.pdf")
    d.reject()
    assert not job.is_running()
    assert d.report is None
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".kimdesk-")]
    assert not leftovers


def test_follows_the_main_windows_language(qtbot: Any, stats_vault: Any) -> None:
    from PySide6.QtWidgets import QWidget

    from kimdesk.gui.lang import LanguageHub
    from kimdesk.gui.stats import StatisticsDialog

    parent = QWidget()
    qtbot.addWidget(parent)
    parent.hub = LanguageHub()  # type: ignore[attr-defined]
    d = StatisticsDialog(stats_vault, parent)
    try:
        parent.hub.apply("de")  # type: ignore[attr-defined]
        assert d.calculate.text() == "&Berechnen"
        parent.hub.apply("ar")  # type: ignore[attr-defined]
        assert d.kind.itemText(0) == "شهر"
    finally:
        parent.hub.apply("en")  # type: ignore[attr-defined]
        d.close()


def test_export_thread_writes_in_the_ui_language(qtbot: Any, dialog: Any,
                                                 tmp_path: Path) -> None:
    from kimdesk.i18n import language

    with language("de"), qtbot.waitSignal(dialog.export_done, timeout=20_000):
        dialog.export_to(tmp_path / "de.json")
    doc = json.loads((tmp_path / "de.json").read_text())
    assert doc["language"] == "de"
    assert doc["tables"][0]["columns"][0]["label"] != "opened"


def test_a_failed_export_is_shown_translated(qtbot: Any, dialog: Any, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The message box names the file and says what went wrong in the user's language, not the
    operating system's raw error text."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _parent, title, text, *a: shown.append((title, text)))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    dialog.export_to(blocker / "out.json")
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    # the file and the reason, both translated (kimdesk.vault.files.output_folder, 2026-12-07)
    assert shown == [("Export failed", f"Cannot write {blocker / 'out.json'}: a part of the path "
                                       "is a file, not a folder")]


def test_custom_period_is_for_internal_use_only(qtbot: Any, dialog: Any, tmp_path: Path,
                                                 ) -> None:
    """The period rule in the view: a custom span is computed and exported, but marked for
    internal use (status line and every file); a quarter is not."""
    from PySide6.QtCore import Qt

    d = dialog
    assert not d.report.internal
    qtbot.keyClick(d.kind, Qt.Key.Key_End)  # the last kind: custom period
    assert d.kind.currentData() == "custom"
    # one day less than the quarter, typed into the date field in its own format
    from datetime import timedelta

    from kimdesk.gui.lang import format_date

    end = d.date_to.value()
    assert end is not None
    qtbot.keyClick(d.date_to, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(d.date_to, format_date(end - timedelta(days=1)))
    qtbot.keyClick(d.date_to, Qt.Key.Key_Tab)
    assert d.date_to.value() == end - timedelta(days=1)
    before = d.report
    qtbot.mouseClick(d.calculate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.report is not before, timeout=10_000)
    assert d.report.internal and d.report.period.kind is None
    assert "not a reporting period" in d.status.text()
    assert "internal use only" in d.status.text()
    d.resize(1100, 700)
    d.grab().save(str(tmp_path / "internal.png"))
    with qtbot.waitSignal(d.export_done, timeout=20_000):
        d.export_to(tmp_path / "custom.json")
    doc = json.loads((tmp_path / "custom.json").read_text("utf-8"))
    assert doc["internal_use_only"] is True
    assert doc["disclosure"]["statement"][0].startswith("FOR INTERNAL USE ONLY")
    qtbot.keyClick(d.kind, Qt.Key.Key_Home)  # month
    before = d.report
    qtbot.mouseClick(d.calculate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.report is not before, timeout=10_000)
    assert not d.report.internal and "internal" not in d.status.text()


def test_an_export_is_recorded_and_a_changed_period_warns(qtbot: Any, demo_vault: Any,
                                                         tmp_path: Path) -> None:
    """The window's export goes through the same recording as the command line (the audit
    entry and what was published, docs/statistics.md "Published exports"); the same month
    computed again after a late entry says in the status line, before and after exporting,
    that it was exported before with other numbers."""
    from kimdesk.gui.stats import open_statistics
    from kimdesk.i18n import set_language
    from tests.stats.test_link import _person

    set_language("en")
    month = Period.month(date.today().year - 1, 3)
    d = open_statistics(None, demo_vault, period=month)
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.report is not None, timeout=10_000)
    assert "exported before" not in d.status.text()
    with qtbot.waitSignal(d.export_done, timeout=20_000):
        d.export_to(tmp_path / "march.json")
    rows = demo_vault.conn.execute("SELECT period_from, method, min_cell, format FROM"
                                   " stats_exports").fetchall()
    assert rows == [(month.start.isoformat(), "suppression", 3, "json")]
    _person(demo_vault, 900, "par24", "UA", "female", month.start, "Verl")  # a late entry
    before = d.report
    d.compute()
    qtbot.waitUntil(lambda: d.report is not before, timeout=10_000)
    assert d.report is not None and d.report.reexport is not None
    assert "exported before" in d.status.text()
    with qtbot.waitSignal(d.export_done, timeout=20_000):
        d.export_to(tmp_path / "march-again.json")
    assert "exported before" in d.status.text()
    assert demo_vault.conn.execute("SELECT count(*) FROM stats_exports").fetchone()[0] == 2
