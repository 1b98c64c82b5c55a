"""The conflict view packs its rows under their headers: before, the rows were spread over the
dialog's height (a band of ~75 px between the headers and the first row, and around the
sentence above), so a counselor read the headers apart from the values (a GUI review,
2026-12-06, left open then)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QLayoutItem, QWidget

from kimdesk.i18n import language
from tests.gui.test_review_sync_gui import _conflicts

pytestmark = pytest.mark.gui


def _widget(item: QLayoutItem | None) -> QWidget:
    widget = item.widget() if item is not None else None
    assert widget is not None
    return widget


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_rows_sit_under_their_headers(qtbot: Any, lang: str) -> None:
    from kimdesk.gui.sync.conflicts import ConflictDialog

    with language(lang):
        dialog = ConflictDialog(_conflicts(), titles={"a" * 32: "Ayşe Demir"})
        qtbot.addWidget(dialog)
        dialog.resize(760, 600)
        dialog.show()
        qtbot.waitExposed(dialog)
        header, first = (_widget(dialog.grid.itemAtPosition(row, 0)) for row in (0, 1))
        line = dialog.fontMetrics().height()
        gap = first.geometry().top() - header.geometry().bottom()
        intro = dialog.findChild(QLabel, "conflictIntro")
        assert intro is not None
        spare = intro.height() - intro.heightForWidth(intro.width())
    assert 0 <= gap < 2 * line, f"{gap} px between the headers and the first row"
    assert spare < line, f"{spare} px of empty band around the sentence above"
