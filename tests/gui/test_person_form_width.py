"""The case's person form fits its pane at the smallest window size: no field runs off its edge.

A walk through a counselor's day at the smallest window size (2026-12-08) found the Ukrainian
person form wider than its scroll area: every input was cut at the right, the birth date's
calendar button and the gender box's arrow lay out of sight behind a horizontal scroll bar. The
residence status box asked for the width of its longest entry (522 px in Ukrainian), and a combo
box does not shrink below what it asks. Checked in every interface language: at the window's
smallest size with a case open, the form is no wider than the pane shows and no scroll bar
across is needed; a choice keeps its whole text in its list and its tooltip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QScrollArea, QWidget

from kimdesk.i18n import UI_LANGUAGES
from tests.gui.conftest import open_case, window_on_copy

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_the_person_form_fits_its_pane_at_the_smallest_size(qtbot: Any, make_window: Any,
                                                            demo_vault_file: Path,
                                                            tmp_path: Path, lang: str) -> None:
    window = window_on_copy(qtbot, make_window, demo_vault_file, tmp_path, lang=lang)
    case = window.workspace.model.row_at(0)
    assert case is not None
    open_case(qtbot, window, case.case_id)
    window.resize(window.minimumSizeHint())
    qtbot.wait(50)
    scroll: Any = window.findChild(QScrollArea, "personScroll")
    host: Any = window.findChild(QWidget, "personHost")
    viewport = scroll.viewport()
    assert host.width() <= viewport.width(), (lang, host.width(), viewport.width())
    assert not scroll.horizontalScrollBar().isVisible(), lang
    combos = [c for c in host.findChildren(QComboBox) if c.isVisibleTo(host)]
    assert combos
    for combo in combos:  # the whole text of the choice shown is there to read
        if combo.currentText():
            assert combo.currentText() in combo.toolTip() or \
                combo.fontMetrics().horizontalAdvance(combo.currentText()) < combo.width(), \
                (lang, combo.objectName(), combo.currentText())
