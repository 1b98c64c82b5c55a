"""At the default window size, in every interface language, nothing is cut (issue 18.10): no
button or list header shows less than its text, the history's timestamps are whole, and a form's
client column is fully visible beside the counselor's, without scrolling sideways. Measured with
the widgets' own font metrics and size hints (tests/gui/fit.py), never by eye."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from tests.gui.conftest import wait_idle
from tests.gui.fit import cut_texts
from tests.gui.test_language_switch import case_of

pytestmark = pytest.mark.gui

DEFAULT_WIDTH = 1280


@pytest.mark.parametrize("lang", ["de", "en", "ar", "fa", "tr", "uk", "ru"])
def test_nothing_cut_at_the_default_size(qtbot: Any, demo_window: Any, lang: str,
                                         tmp_path: Any) -> None:
    window = demo_window
    assert window.width() == DEFAULT_WIDTH
    window.switch_language(lang)
    ws = window.workspace
    ws.open_case(case_of(qtbot, window, "ar"))
    view = ws.case_view
    qtbot.waitUntil(lambda: view.bundle is not None, timeout=10000)
    problems: list[str] = []
    for index in range(view.tabs.count()):
        view.tabs.setCurrentIndex(index)
        wait_idle(qtbot, window)
        QApplication.processEvents()
        problems += [f"tab {view.tabs.tabText(index)!r}: {p}" for p in cut_texts(window)]
    # the history's "when" column holds its longest date and time
    tree = view.ui.historyTree
    view.tabs.setCurrentWidget(view.ui.historyTab)
    QApplication.processEvents()
    assert tree.topLevelItemCount() > 0
    assert tree.header().sectionSize(0) >= tree.sizeHintForColumn(0)
    longest = max(tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount()))
    assert tree.header().sectionSize(0) > tree.fontMetrics().horizontalAdvance(longest)

    # a form with the client column: Arabic, or German for a counselor working in Arabic
    tab = view.forms_tab
    view.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.registry is not None, timeout=10000)
    tab.open_form("erstgespraech")
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    if lang == "ar":
        tab.client_combo.setFocus()
        qtbot.keyClick(tab.client_combo, Qt.Key.Key_D)  # "Deutsch"
        qtbot.waitUntil(lambda: tab.widget.client_language() == "de", timeout=5000)
    client = "de" if lang == "ar" else "ar"
    assert tab.widget.client_language() == client
    QApplication.processEvents()
    problems += [f"form: {p}" for p in cut_texts(window)]
    scroll = tab.widget._scroll
    assert scroll.horizontalScrollBar().maximum() == 0, "the form scrolls sideways"
    viewport = scroll.viewport()
    title = tab.widget.findChild(QWidget, "title-client")
    cells = [title, *(tab.widget.cells(p)[1] for p in ("interpreter", "residence_status"))]
    for cell in cells:
        assert cell is not None and cell.isVisible()
        left = cell.mapTo(viewport, QPoint(0, 0)).x()
        assert left >= 0 and left + cell.width() <= viewport.width(), cell.objectName()
    assert window.width() == DEFAULT_WIDTH  # nothing pushed the window wider
    if lang in ("de", "ar", "uk"):
        window.grab().save(str(tmp_path / f"form_{lang}.png"))
    assert not problems, "\n".join(problems)


def test_phase_button_text_not_covered(qtbot: Any, demo_window: Any) -> None:
    """"Phase wechseln": Fusion drew the menu arrow over the last letter; the style sheet
    removes the arrow (the menu opens on click), so the whole width is the text's."""
    window = demo_window
    window.switch_language("de")
    ws = window.workspace
    ws.open_case(ws.model.row_at(0).case_id)
    button = ws.case_view.ui.phaseButton
    qtbot.waitUntil(button.isEnabled, timeout=10000)
    text = button.text().replace("&", "")
    assert text == "Phase wechseln"
    assert button.width() >= button.fontMetrics().horizontalAdvance(text) + 8
    menu = ws.case_view.phase_menu
    seen: list[bool] = []

    def look() -> None:  # the menu runs its own event loop: look, then close it
        seen.append(menu.isVisible())
        menu.close()

    menu.aboutToShow.connect(lambda: QTimer.singleShot(0, look))
    qtbot.keyClick(button, Qt.Key.Key_Space)  # the menu still opens
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert seen == [True]
