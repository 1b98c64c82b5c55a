"""Every section of the case view is on screen, whole, in every interface language.

The case view's nine sections ("Person und Fall" … "Verlauf") were a tab row that did not fit
the case pane at the default window size (German needed 866 px and had 737): "Notizen" was cut
and "Verlauf" hid behind two scroll arrows. Here, at the default size (1280×800, the default
splitter), each section's name must lie inside the window and inside the part of its widget that
is drawn (not under a scroll arrow, not scrolled away), its text not elided (its rendered width
against the room it is drawn in), a click on it must show its section, and the keyboard must
reach the last section and come back. The names are read from whatever shows them (a tab bar
while it is visible, else the section list), so the test measured the old tab row as well: there
it failed in German, Turkish, Ukrainian and Russian.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible, QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QListWidget,
    QStyle,
    QStyleOptionViewItem,
    QTabBar,
    QToolButton,
    QWidget,
)

from kimdesk.i18n import UI_LANGUAGES
from tests.gui.conftest import wait_idle, window_on_copy

pytestmark = pytest.mark.gui
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@dataclass
class Shown:
    """One section's name as drawn: its text, where (window coordinates), the part of its widget
    that is drawn there, and the width its text needs against the width it has."""

    text: str
    rect: QRect
    visible: QRect
    needed: int
    room: int
    widget: QWidget
    local: QRect  # ``rect`` in ``widget``'s coordinates (for the mouse)
    hidden_by: list[QRect]  # scroll arrows over the row, window coordinates


def plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _in_window(widget: QWidget, rect: QRect) -> QRect:
    return QRect(widget.mapTo(widget.window(), rect.topLeft()), rect.size())


def shown_sections(view: Any) -> list[Shown]:
    """The section names as the case view draws them: from its tab bar while that is visible
    (before 2026-12), else from its list of sections."""
    bar: QTabBar = view.tabs.tabBar()
    found: list[Shown] = []
    if bar.isVisible():
        arrows = [_in_window(b, b.rect()) for b in bar.findChildren(QToolButton) if b.isVisible()]
        for i in range(bar.count()):
            local = bar.tabRect(i)
            found.append(Shown(plain(bar.tabText(i)), _in_window(bar, local),
                               _in_window(bar, bar.rect()), bar.tabSizeHint(i).width(),
                               local.width(), bar, local, arrows))
        return found
    lists = [w for w in view.findChildren(QListWidget) if w.isVisible()
             and w.count() == view.tabs.count()]
    assert len(lists) == 1, "neither a tab bar nor a list shows the sections"
    names = lists[0]
    viewport = names.viewport()
    style = names.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, names) + 1
    for i in range(names.count()):
        index = names.model().index(i, 0)
        local = names.visualRect(index)
        option = QStyleOptionViewItem()
        option.initFrom(names)
        option.rect = local
        option.text = names.item(i).text()
        option.font = names.font()
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, names)
        needed = QFontMetrics(names.font()).horizontalAdvance(option.text) + 2 * margin
        found.append(Shown(names.item(i).text(), _in_window(viewport, local),
                           _in_window(viewport, viewport.rect()), needed, text_rect.width(),
                           viewport, local, []))
    return found


def problems_with(view: Any) -> list[str]:
    window = view.window()
    area = window.rect()
    problems: list[str] = []
    shown = shown_sections(view)
    for i, s in enumerate(shown):
        if s.text != plain(view.tabs.tabText(i)):
            problems.append(f"section {i} shows {s.text!r}, the page is {view.tabs.tabText(i)!r}")
        if not s.rect.isValid() or not area.contains(s.rect):
            problems.append(f"{s.text!r} at {s.rect} is not inside the window {area}")
        if not s.visible.contains(s.rect):
            problems.append(f"{s.text!r} at {s.rect} is cut by its widget's edge {s.visible}")
        for arrow in s.hidden_by:
            if arrow.intersects(s.rect):
                problems.append(f"{s.text!r} at {s.rect} lies under a scroll arrow {arrow}")
        if s.room < s.needed:
            problems.append(f"{s.text!r} is elided: {s.room} px for {s.needed}")
    return problems


def settle(qtbot: Any, view: Any) -> list[str]:
    """The problems once the layout has settled (a list lays its items out 100 ms after a
    resize); empty as soon as there are none."""
    with contextlib.suppress(qtbot.TimeoutError):  # reported below, with what is wrong
        qtbot.waitUntil(lambda: not problems_with(view), timeout=1500)
    QApplication.processEvents()
    return problems_with(view)


def open_case(qtbot: Any, window: Any) -> Any:
    """The first case of the list, opened with Enter as a counselor does."""
    ws = window.workspace
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    qtbot.waitUntil(lambda: ws.table.model().rowCount() > 0, timeout=5000)
    qtbot.keyClick(ws.search, Qt.Key.Key_Down)
    qtbot.waitUntil(ws.table.hasFocus, timeout=5000)
    qtbot.keyClick(ws.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.case_view.bundle is not None, timeout=10000)
    wait_idle(qtbot, window)
    return ws.case_view


def check_sections(qtbot: Any, window: Any, lang: str) -> None:
    """At the default size: every name whole, in the window, in the right order and
    direction, each one a click away from its section."""
    view = window.workspace.case_view
    assert (window.width(), window.height()) == (1280, 800), "the window is not its default size"
    assert view.tabs.count() == 9
    problems = settle(qtbot, view)
    assert not problems, f"{lang}:\n" + "\n".join(problems)
    shown = shown_sections(view)
    if lang in ("ar", "fa"):  # mirrored: the first section on the right
        assert shown[0].rect.left() > shown[1].rect.right()
        assert shown[0].rect.right() > window.width() // 2
    else:
        assert shown[0].rect.right() < shown[1].rect.left()
    for i in reversed(range(view.tabs.count())):  # a click on each name shows its section
        s = shown_sections(view)[i]
        qtbot.mouseClick(s.widget, Qt.MouseButton.LeftButton, pos=s.local.center())
        assert view.tabs.currentIndex() == i, s.text


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_every_section_whole_at_the_default_size(qtbot: Any, make_window: Any,
                                                 demo_vault_file: Path, tmp_path: Path,
                                                 lang: str) -> None:
    """Started in ``lang`` (as the settings remember it), then switched to the next language."""
    window = window_on_copy(qtbot, make_window, demo_vault_file, tmp_path, lang=lang)
    open_case(qtbot, window)
    QApplication.processEvents()
    check_sections(qtbot, window, lang)
    other = UI_LANGUAGES[(UI_LANGUAGES.index(lang) + 1) % len(UI_LANGUAGES)]
    window.switch_language(other)
    QApplication.processEvents()
    check_sections(qtbot, window, other)


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_sections_by_keyboard(qtbot: Any, demo_window: Any, lang: str) -> None:
    """Enter on a case gives the sections the keyboard; End shows the last ("Verlauf"), Home the
    first, Right the next (the left one in Arabic, mirrored) and Left goes back; Enter moves
    into the section shown; Alt+9 / Alt+1 work from anywhere; the names are in the Tab order
    after the phase button and are named for screen readers."""
    window = demo_window
    window.switch_language(lang)
    view = open_case(qtbot, window)
    names = QApplication.focusWidget()
    assert names is not None and view.isAncestorOf(names)
    history = view.ui.historyTab
    qtbot.keyClick(names, Qt.Key.Key_End)
    assert view.tabs.currentWidget() is history
    qtbot.keyClick(names, Qt.Key.Key_Home)
    assert view.tabs.currentIndex() == 0
    forward, back = ((Qt.Key.Key_Left, Qt.Key.Key_Right) if lang == "ar"
                     else (Qt.Key.Key_Right, Qt.Key.Key_Left))
    for step in range(1, view.tabs.count()):
        qtbot.keyClick(names, forward)
        assert view.tabs.currentIndex() == step
    assert view.tabs.currentWidget() is history
    qtbot.keyClick(names, back)
    assert view.tabs.currentIndex() == view.tabs.count() - 2
    qtbot.keyClick(names, Qt.Key.Key_Tab, CTRL)
    assert view.tabs.currentWidget() is history
    qtbot.keyClick(names, Qt.Key.Key_PageDown, CTRL)  # round to the first
    assert view.tabs.currentIndex() == 0
    # Enter: the keyboard goes into the section shown (the person form's first input)
    qtbot.keyClick(names, Qt.Key.Key_Return)
    focus = QApplication.focusWidget()
    assert focus is not None and view.tabs.widget(0).isAncestorOf(focus)
    # Alt+9 and Alt+1 from inside a page
    qtbot.keyClick(focus, Qt.Key.Key_9, ALT)
    assert view.tabs.currentWidget() is history
    assert shown_sections(view)[-1].text == plain(view.tabs.tabText(view.tabs.count() - 1))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1, ALT)
    assert view.tabs.currentIndex() == 0
    # Tab order: the phase button, then the section names
    view.ui.phaseButton.setFocus()
    qtbot.keyClick(view.ui.phaseButton, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is names
    # screen readers: the list and each name
    assert names.accessibleName()
    acc = QAccessible.queryAccessibleInterface(names)
    assert acc is not None and acc.text(QAccessible.Text.Name) == names.accessibleName()
    texts = [acc.child(i).text(QAccessible.Text.Name) for i in range(acc.childCount())]
    assert [plain(view.tabs.tabText(i)) for i in range(view.tabs.count())] == \
        [t for t in texts if t]


def test_sections_follow_the_code_the_width_and_the_language(qtbot: Any, demo_window: Any) -> None:
    """Pages chosen by code (``tabs.setCurrentWidget``, as the window does for Ctrl+T) are marked
    in the list; the names take as many rows as the pane's width needs (two in German at the
    default size, one in a wide pane) and the strip is as tall as they are; a language switch
    renames them."""
    window = demo_window
    window.switch_language("de")
    view = open_case(qtbot, window)
    names = next((w for w in view.findChildren(QListWidget) if w.isVisible()
                  and w.count() == view.tabs.count()), None)
    assert names is not None, "no list shows the sections"
    view.tabs.setCurrentWidget(view.tab_widgets["notes"])
    assert names.currentRow() == view.tabs.currentIndex()
    assert names.item(names.currentRow()).text() == "Notizen"
    rows = len({s.rect.top() for s in shown_sections(view)})
    assert rows == 2  # German at the default size: "Notizen" and "Verlauf" on a second row
    strip = names.height()
    window.resize(1700, 800)  # a wide pane: one row, and the strip only as tall as that
    window.workspace.ui.splitter.setSizes([700, 1000])
    QApplication.processEvents()
    assert not settle(qtbot, view)
    assert len({s.rect.top() for s in shown_sections(view)}) == 1
    assert names.height() < strip
    # the names' strip is only as tall as its rows: the page starts right below it
    gap = view.tabs.mapTo(view, QPoint(0, 0)).y() - (names.mapTo(view, QPoint(0, 0)).y()
                                                     + names.height())
    assert 0 <= gap <= 12
    window.switch_language("ru")
    assert not settle(qtbot, view)
    assert names.item(names.currentRow()).text() == "Заметки"
