"""Issue #18, point 9: keyboard and accessibility.

* Alt+letter: the mnemonics (``&X``) of the menu titles are unique, and no button or label of the
  main window uses a menu title's letter (it would only move the focus instead of opening the
  menu), in every interface language, on every screen and case-view tab;
* Down in the search field moves to the first result, Enter opens the first (or current) case;
* every input of the Handout and Statistics dialogs and of the case view has an accessible name
  or a buddy label; a form's radio buttons are named "question: option".
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QMenu,
    QTabWidget,
    QWidget,
)

from kimdesk.i18n import UI_LANGUAGES
from tests.gui.conftest import unlock, wait_idle

pytestmark = pytest.mark.gui
ALT = Qt.KeyboardModifier.AltModifier
MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic(text: str) -> str:
    found = MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).casefold() if found else ""


def visible_mnemonics(window: QWidget) -> list[tuple[str, str]]:
    """(letter, text) of every visible button, buddy label, group box and tab of ``window``
    (the menu bar's own items aside)."""
    found: list[tuple[str, str]] = []
    for w in window.findChildren(QWidget):
        if not w.isVisible():
            continue
        texts: list[str] = []
        if isinstance(w, QAbstractButton) or (isinstance(w, QLabel) and w.buddy() is not None):
            texts = [w.text()]
        elif isinstance(w, QGroupBox):
            texts = [w.title()]
        elif isinstance(w, QTabWidget):
            texts = [w.tabText(i) for i in range(w.count())]
        found += [(mnemonic(t), t) for t in texts if mnemonic(t)]
    return found


def clashes(window: Any, where: str) -> list[str]:
    titles = {key: menu.title() for key, menu in window.menus.menus.items()}
    letters = [mnemonic(t) for t in titles.values()]
    problems = [f"{where}: menu titles share a letter: {sorted(titles.values())}"
                for letter in set(letters) if letters.count(letter) > 1]
    widgets = visible_mnemonics(window)
    for letter, text in widgets:
        for title in titles.values():
            if letter == mnemonic(title):
                problems.append(f"{where}: {text!r} takes Alt+{letter} from the menu {title!r}")
    own = [letter for letter, _text in widgets]
    problems += [f"{where}: {sorted(t for x, t in widgets if x == letter)} share Alt+{letter}"
                 for letter in sorted(set(own)) if own.count(letter) > 1]
    for menu in window.menus.menus.values():
        items = [mnemonic(a.text()) for a in menu.actions() if a.text()]
        problems += [f"{where}: menu {menu.title()!r} has two items with {letter!r}"
                     for letter in set(items) if letter and items.count(letter) > 1]
    return problems


@pytest.fixture
def demo_window(make_window: Any, demo_vault_file: Path, tmp_path: Path, qtbot: Any) -> Any:
    copy = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, copy)
    window = make_window(copy)
    unlock(qtbot, window)
    return window


def _open_case(qtbot: Any, window: Any, row: int = 0) -> Any:
    ws = window.workspace
    case_id = ws.model.row_at(row).case_id
    ws.open_case(case_id)
    qtbot.waitUntil(lambda: ws.case_view.case_id == case_id and ws.case_view.bundle is not None,
                    timeout=5000)
    wait_idle(qtbot, window)
    return ws.case_view


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_alt_letters_do_not_clash_with_the_menus(qtbot: Any, demo_window: Any,
                                                  lang: str) -> None:
    window = demo_window
    window.switch_language(lang)
    view = _open_case(qtbot, window)
    problems: list[str] = []
    for index in range(view.tabs.count()):
        view.tabs.setCurrentIndex(index)
        wait_idle(qtbot, window)
        problems += clashes(window, f"{lang}, tab {view.tabs.tabText(index)!r}")
    forms = view.forms_tab  # a form chosen: its own buttons join the window
    view.tabs.setCurrentWidget(forms)
    forms.combo.setCurrentIndex(forms.combo.count() - 1)
    wait_idle(qtbot, window)
    problems += clashes(window, f"{lang}, a form open")
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.unlocked, timeout=5000)
    problems += clashes(window, f"{lang}, unlock screen")
    window.show_create()
    problems += clashes(window, f"{lang}, new vault screen")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("lang", "tab", "key", "menu"), [
    ("en", "forms", Qt.Key.Key_F, "file"),  # "&Form:" took Alt+F
    ("de", "consultations", Qt.Key.Key_H, "help"),  # "&Hinzufügen…" took Alt+H
    ("tr", "person", Qt.Key.Key_A, "tools"),  # "&Aşamayı değiştir" took Alt+A (Araçlar)
])
def test_alt_letter_opens_its_menu(qtbot: Any, demo_window: Any, lang: str, tab: str,
                                   key: Qt.Key, menu: str) -> None:
    window = demo_window
    window.switch_language(lang)
    view = _open_case(qtbot, window)
    page = {"person": view.tabs.widget(0), "forms": view.forms_tab}.get(tab)
    view.tabs.setCurrentWidget(page or view.tab_widgets[tab])
    wait_idle(qtbot, window)
    # Qt gives an ambiguous Alt+letter to its owners in turn: the second press is the one that
    # only moved the focus, so every press must open the menu
    for _press in range(3):
        window.workspace.search.setFocus()
        qtbot.keyClick(window.workspace.search, key, ALT)
        qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu)
                        or not window.workspace.search.hasFocus(), timeout=3000)
        assert QApplication.activePopupWidget() is window.menus.menus[menu], \
            QApplication.focusWidget()
        qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=3000)
