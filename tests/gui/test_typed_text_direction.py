"""Typed text in the case view's lists reads in its own direction in Arabic and Persian (a keyboard
walk in four languages, 2026-12-07).

The counselors write notes and summaries in German. In the Arabic interface the notes list showed
"Rückruf der Kita-Leitung abwarten." as ".Rückruf der Kita-Leitung abwarten": the final stop,
a neutral character at the end of the line, took the list's right-to-left direction and stood
at the far left. Measured here where Qt draws each character of the item's text, laid out in the
list's direction: the stop stands right of the last letter, and an Arabic note stays right to
left (its first word at the right)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextLayout
from PySide6.QtWidgets import QTreeWidget, QWidget

from kimdesk.domain.models import Consultation, Note
from tests.gui.conftest import open_case, window_on_copy
from tests.gui.fit import one_line

pytestmark = pytest.mark.gui
GERMAN = "Rückruf der Kita-Leitung abwarten."
ARABIC = "اتصل بالمدرسة."
SUMMARY = "Termin bei der Ausländerbehörde vereinbart."


def drawn_x(tree: QWidget, text: str) -> dict[int, float]:
    """Where each character of ``text`` (by its index) is drawn, laid out as the list lays out
    its items: its font, its direction."""
    layout, _line = one_line(tree, text)
    flags = (QTextLayout.GlyphRunRetrievalFlag.RetrieveStringIndexes
             | QTextLayout.GlyphRunRetrievalFlag.RetrieveGlyphPositions)
    positions: dict[int, float] = {}
    for run in layout.glyphRuns(-1, -1, flags):
        for index, point in zip(run.stringIndexes(), run.positions(), strict=True):
            positions[index] = point.x()
    return positions


def item_text(tree: QTreeWidget, column: int, contains: str) -> str:
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        text = item.text(column) if item is not None else ""
        if contains in text:
            return text
    raise AssertionError(f"no row with {contains!r}")


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_typed_text_reads_in_its_own_direction(qtbot: Any, make_window: Any,
                                               demo_vault_file: Path, tmp_path: Path,
                                               lang: str) -> None:
    window = window_on_copy(qtbot, make_window, demo_vault_file, tmp_path, lang=lang)
    ws = window.workspace
    row = ws.model.row_at(0)
    assert row is not None
    case_id = row.case_id

    def add(w: Any) -> None:
        from datetime import date

        vault = w.require_vault()
        vault.notes.add(Note(case_id=case_id, text=GERMAN))
        vault.notes.add(Note(case_id=case_id, text=ARABIC))
        vault.consultations.add(Consultation(case_id=case_id, date=date(2026, 12, 3),
                                             summary=SUMMARY))

    done: list[object] = []
    window.worker.submit(add, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    view = open_case(qtbot, window, case_id)
    notes = view.tab_widgets["notes"].tree
    assert notes.layoutDirection() == Qt.LayoutDirection.RightToLeft
    view.tabs.setCurrentWidget(view.tab_widgets["notes"])
    window.grab().save(str(tmp_path / f"notes-{lang}.png"))

    german = item_text(notes, 1, GERMAN)
    x = drawn_x(notes, german)
    stop, last = german.index("."), german.index("n.")
    assert x[stop] > x[last] > x[german.index("R")], "the stop stands left of the German note"

    arabic = item_text(notes, 1, ARABIC)
    x = drawn_x(notes, arabic)
    first, stop = arabic.index(ARABIC[0]), arabic.index(".")
    assert x[first] > x[stop], "the Arabic note no longer reads right to left"

    tree = view.tab_widgets["consultations"].tree
    summary = item_text(tree, 4, SUMMARY)
    x = drawn_x(tree, summary)
    assert x[summary.index(".")] > x[summary.index("T")], "the summary's stop stands left"
