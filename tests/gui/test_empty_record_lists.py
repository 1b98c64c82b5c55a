"""An empty list of records in the case view says so, in the interface's language (a keyboard walk
in four languages, 2026-12-07: the goals and structural gaps of a case without any showed a
white box and nothing else, which read as a list that had not loaded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel

from tests.gui.conftest import wait_idle, window_on_copy

pytestmark = pytest.mark.gui
EMPTY = "Nothing recorded yet. “Add…” below records the first one."


@pytest.mark.parametrize("lang", ["de", "ar", "uk"])
def test_an_empty_list_says_so(qtbot: Any, make_window: Any, demo_vault_file: Path,
                               tmp_path: Path, lang: str) -> None:
    from kimdesk.i18n import gettext, language

    window = window_on_copy(qtbot, make_window, demo_vault_file, tmp_path, lang=lang)
    ws = window.workspace
    view = ws.case_view
    with language(lang):
        sentence = gettext(EMPTY)
    assert lang == "en" or sentence != EMPTY  # translated
    empty_seen = full_seen = 0
    for row in range(8):  # the first cases, until both kinds of list were seen
        case = ws.model.row_at(row)
        assert case is not None
        ws.open_case(case.case_id)
        qtbot.waitUntil(lambda c=case: view.bundle is not None and view.case_id == c.case_id,
                        timeout=10000)
        wait_idle(qtbot, window)
        for key, tab in view.tab_widgets.items():
            view.tabs.setCurrentWidget(tab)
            said = [label for label in tab.tree.findChildren(QLabel)
                    if label.isVisible() and label.text()]
            if tab.tree.topLevelItemCount():
                assert said == [], key
                full_seen += 1
                continue
            empty_seen += 1
            assert [label.text() for label in said] == [sentence], key
            label = said[0]
            # whole: as high as its wrapped text, and inside the window
            assert label.height() >= label.heightForWidth(label.width()), key
            top_left = label.mapTo(window, label.rect().topLeft())
            assert QRect(0, 0, window.width(), window.height()).contains(
                QRect(top_left, label.size())), key
            if empty_seen == 1:
                window.grab().save(str(tmp_path / f"empty-{lang}-{key}.png"))
        if empty_seen and full_seen:
            break
    assert empty_seen and full_seen
