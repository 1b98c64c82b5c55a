"""An empty list says so, in the interface's language (a keyboard walk in four languages,
2026-12-07): the goals and structural gaps of a case without any, and the case list after a
search without matches, showed a white box and nothing else, which read as a list that had not
loaded. An empty vault's case list says how to create the first case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel

from tests.gui.conftest import open_case, wait_idle, window_on_copy

pytestmark = pytest.mark.gui
EMPTY = "Nothing recorded yet. “Add…” below records the first one."
NO_MATCH = "No case matches the search and the filters."
NO_CASES = "No cases yet. New case (Ctrl+N) creates the first one."


def said(view: Any) -> list[str]:
    """The texts of the visible labels on a list's viewport."""
    return [label.text() for label in view.viewport().findChildren(QLabel)
            if label.isVisible() and label.text()]


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
        open_case(qtbot, window, case.case_id)
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


@pytest.mark.parametrize("lang", ["de", "ar", "uk"])
def test_a_search_without_matches_says_so(qtbot: Any, make_window: Any, demo_vault_file: Path,
                                          tmp_path: Path, lang: str) -> None:
    from PySide6.QtCore import Qt

    from kimdesk.i18n import gettext, language

    window = window_on_copy(qtbot, make_window, demo_vault_file, tmp_path, lang=lang)
    ws = window.workspace
    with language(lang):
        sentence = gettext(NO_MATCH)
    assert sentence != NO_MATCH
    assert said(ws.table) == []
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(ws.search, "zzqxy")
    qtbot.waitUntil(lambda: ws.model.rowCount() == 0 and said(ws.table) == [sentence],
                    timeout=10000)
    window.grab().save(str(tmp_path / f"no-match-{lang}.png"))
    qtbot.keyClick(ws.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(ws.search, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: ws.model.rowCount() > 0, timeout=10000)
    wait_idle(qtbot, window)
    assert said(ws.table) == []


def test_an_empty_vault_says_how_to_begin(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    from kimdesk.i18n import gettext, language
    from kimdesk.vault import Vault
    from tests.gui.conftest import PASSPHRASE, unlock

    path = tmp_path / "empty.kdb"
    with Vault.create(path, PASSPHRASE, counselor="a.becker", team="Team Nord"):
        pass
    window = make_window(path, lang="de")
    unlock(qtbot, window)
    with language("de"):
        sentence = gettext(NO_CASES)
    assert sentence != NO_CASES
    qtbot.waitUntil(lambda: said(window.workspace.table) == [sentence], timeout=10000)
