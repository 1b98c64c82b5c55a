"""Issue 18, help: F1 on each screen and in each dialog opens that screen's manual page, in the
interface language (English with a visible note where a language has no pages yet); Help → About
names the version, KIMdesk's licence and the third-party components with theirs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from kimdesk.gui.help import HelpWindow
from kimdesk.gui.helpdocs import PAGES, help_dir, load_page
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui
CTRL, SHIFT, ALT = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier,
                    Qt.KeyboardModifier.AltModifier)
NONE = Qt.KeyboardModifier.NoModifier


def _visible_help() -> list[HelpWindow]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, HelpWindow) and w.isVisible()]


def _f1(qtbot: Any, fallback: QWidget) -> HelpWindow:
    """Press F1 where the keyboard is; the help window that opens."""
    qtbot.keyClick(QApplication.focusWidget() or fallback, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: bool(_visible_help()), timeout=3000)
    [help_window] = _visible_help()
    qtbot.waitUntil(help_window.isActiveWindow, timeout=3000)  # usable, even beside a dialog
    return help_window


def _close(qtbot: Any, widget: QWidget) -> None:
    qtbot.keyClick(QApplication.focusWidget() or widget, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not widget.isVisible(), timeout=3000)


def _dialog(name: str) -> QWidget | None:
    return next((w for w in QApplication.topLevelWidgets()
                 if w.objectName() == name and w.isVisible()), None)


def _open_case_by_keys(qtbot: Any, window: Any) -> Any:
    ws = window.workspace
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(ws.search, "Kassem")
    qtbot.keyClick(ws.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.case_view.bundle is not None, timeout=5000)
    wait_idle(qtbot, window)
    return ws.case_view


#: (keys that open the dialog, its object name, needs an open case, page, section, German title)
DIALOGS = [
    ((Qt.Key.Key_N, CTRL), "newCaseDialog", False, "newcase", "", "Neuer Fall"),
    ((Qt.Key.Key_Comma, CTRL), "settingsDialog", False, "settings", "", "Einstellungen"),
    ((Qt.Key.Key_S, CTRL | SHIFT), "statistics_dialog", False, "statistics", "", "Statistik"),
    ((Qt.Key.Key_F9, SHIFT), "connectDialog", False, "sync", "",
     "Synchronisation und Serververbindung"),
    ((Qt.Key.Key_P, CTRL), "handoutDialog", True, "handouts", "", "Handzettel"),
    ((Qt.Key.Key_T, CTRL), "dialog_consultations", True, "case", "consultations",
     "Fallansicht"),
]


@pytest.mark.parametrize(("keys", "name", "needs_case", "page", "section", "title"), DIALOGS,
                         ids=[d[1] for d in DIALOGS])
def test_f1_in_a_dialog_opens_its_page(qtbot: Any, demo_window: Any, keys: Any, name: str,
                                       needs_case: bool, page: str, section: str,
                                       title: str) -> None:
    window = demo_window
    window.switch_language("de")
    if needs_case:
        _open_case_by_keys(qtbot, window)
    qtbot.keyClick(window, *keys)
    qtbot.waitUntil(lambda: _dialog(name) is not None, timeout=5000)
    dialog = _dialog(name)
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    help_window = _f1(qtbot, dialog)
    assert help_window.parentWidget() is dialog  # a modal dialog's own child: not blocked
    assert help_window.page is not None
    assert (help_window.page.name, help_window.section) == (page, section)
    assert help_window.page.title == title and help_window.page.lang == "de"
    assert help_window.windowTitle().startswith(title)
    assert not help_window.note.isVisible()
    if section:  # the section is what the page shows first
        heading = help_window.page.sections[section]
        assert help_window.browser.textCursor().block().text() == heading == "Beratungen"
    _close(qtbot, help_window)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)  # the keyboard is back in the dialog
    _close(qtbot, dialog)


def test_f1_on_each_screen_and_tab(qtbot: Any, demo_window: Any, tmp_path: Path) -> None:
    window = demo_window
    window.switch_language("de")
    seen: list[tuple[str, str, str]] = []

    def f1() -> None:
        help_window = _f1(qtbot, window)
        assert help_window.page is not None
        seen.append((help_window.page.name, help_window.section, help_window.page.title))
        if len(seen) == 1:
            help_window.grab().save(str(tmp_path / "help-de.png"))
        _close(qtbot, help_window)
        qtbot.waitUntil(window.isActiveWindow, timeout=3000)

    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)  # the case list
    f1()
    view = _open_case_by_keys(qtbot, window)
    for number in (1, 2, 3, 4):  # Person and case, Forms, Consultations, Goals
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{number}"), ALT)
        qtbot.waitUntil(lambda: view.isAncestorOf(QApplication.focusWidget()), timeout=3000)
        f1()
    view.tabs.setCurrentWidget(view.ui.historyTab)
    view.ui.historyTab.setFocus()
    f1()
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)  # locked: the unlock screen
    qtbot.waitUntil(lambda: not window.unlocked, timeout=5000)
    f1()
    qtbot.keyClick(window.unlock_screen.passphrase, Qt.Key.Key_N, ALT)  # "&Neuer Tresor…"
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.create_screen)
    f1()
    assert seen == [
        ("cases", "", "Fallliste"),
        ("case", "person", "Fallansicht"),
        ("forms", "", "Formulare"),
        ("case", "consultations", "Fallansicht"),
        ("case", "goals", "Fallansicht"),
        ("case", "history", "Fallansicht"),
        ("unlock", "", "Tresor entsperren"),
        ("create", "", "Neuen Tresor anlegen"),
    ]


def test_settings_retention_tab_and_english_and_fallback(qtbot: Any, demo_window: Any) -> None:
    window = demo_window
    qtbot.keyClick(window, Qt.Key.Key_Comma, CTRL)
    qtbot.waitUntil(lambda: _dialog("settingsDialog") is not None, timeout=5000)
    dialog = _dialog("settingsDialog")
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)
    tabs = dialog.ui.tabs  # type: ignore[attr-defined]
    tabs.tabBar().setFocus()
    for _tab in range(tabs.count()):
        if tabs.currentWidget() is dialog.ui.retentionTab:  # type: ignore[attr-defined]
            break
        qtbot.keyClick(tabs.tabBar(), Qt.Key.Key_Right)
    assert tabs.currentWidget() is dialog.ui.retentionTab  # type: ignore[attr-defined]
    help_window = _f1(qtbot, dialog)
    assert help_window.page is not None
    assert (help_window.page.name, help_window.page.title) == (
        "retention", "Deletion periods (Löschfristen)")
    _close(qtbot, help_window)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    _close(qtbot, dialog)
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    # Ukrainian has no pages yet: the English page, and a note in Ukrainian that says so.
    window.switch_language("uk")
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    help_window = _f1(qtbot, window)
    assert help_window.page is not None
    assert help_window.page.title == "Case list" and help_window.page.fallback
    assert help_window.note.isVisible()
    assert "English" not in help_window.note.text() and help_window.note.text()


def test_manual_links_lead_to_every_page(qtbot: Any, demo_window: Any) -> None:
    """Help → Manual (Alt+H, M) opens the index; Tab to a link and Enter follow it, offline."""
    window = demo_window
    qtbot.keyClick(window, Qt.Key.Key_H, ALT)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_M)
    qtbot.waitUntil(lambda: bool(_visible_help()), timeout=3000)
    [help_window] = _visible_help()
    assert help_window.page is not None and help_window.page.name == "index"
    browser = help_window.browser
    browser.setFocus()
    for _link in range(12):  # the Auskunft page, the one screen without a dialog of its own
        qtbot.keyClick(browser, Qt.Key.Key_Tab)
        if browser.textCursor().charFormat().anchorHref() == "auskunft.md":
            break
    qtbot.keyClick(browser, Qt.Key.Key_Return)
    assert help_window.page.name == "auskunft"
    assert help_window.page.title == "Auskunft (Art. 15 DSGVO)"


def test_every_page_exists_in_german_and_english() -> None:
    for lang in ("de", "en"):
        for name in PAGES:
            assert (help_dir() / lang / f"{name}.md").is_file(), (lang, name)
            page = load_page(name, lang)
            assert page.title and not page.fallback and "{#" not in page.markdown
    assert set(load_page("case", "de").sections) == set(load_page("case", "en").sections) == {
        "person", "consultations", "goals", "referrals", "consents", "gaps", "notes", "history"}


def test_about_lists_the_components_and_their_licences(qtbot: Any, demo_window: Any,
                                                       tmp_path: Path) -> None:
    from importlib import metadata

    window = demo_window
    qtbot.keyClick(window, Qt.Key.Key_H, ALT)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_A)
    qtbot.waitUntil(lambda: _dialog("aboutDialog") is not None, timeout=3000)
    about = _dialog("aboutDialog")
    assert about is not None
    about.grab().save(str(tmp_path / "about.png"))
    heading = about.findChild(QWidget, "aboutHeading")
    assert f"KIMdesk {metadata.version('kimdesk')}" in heading.text()  # type: ignore[union-attr]
    text = about.browser.toPlainText()  # type: ignore[attr-defined]
    assert "EUPL-1.2" in text
    lines = text.splitlines()  # a table's cells come one per line: name, version, licence
    expected = {"PySide6": "LGPL-3.0", "Qt": "LGPL-3.0", "SQLCipher": "BSD-3-Clause",
                "reportlab": "BSD", "fastapi": "MIT", "SQLAlchemy": "MIT", "babel": "BSD-3-Clause",
                ("Noto Sans, Noto Naskh Arabic, Noto Sans Ethiopic, Noto Sans Georgian, "
                 "Noto Sans Armenian, Noto Sans Hebrew"): "OFL-1.1",
                "pydantic": "MIT", "sqlcipher3": "Zlib", "psycopg": "LGPL-3.0",
                "argon2-cffi": "MIT", "Argon2 reference code": "CC0-1.0 OR Apache-2.0"}
    names = [line.casefold() for line in lines]
    for name, licence in expected.items():
        assert name.casefold() in names, name
        assert licence in lines[names.index(name.casefold()) + 2], name
    assert "?" not in text  # every component names a licence


def test_open_help_follows_a_language_switch(qtbot: Any, demo_window: Any) -> None:
    """The help window stays open beside the main window; switching the interface language in
    the settings reloads its page, at its section, in the new language (it kept English)."""
    from tests.gui.test_language_switch import choose_language_in_settings

    window = demo_window
    view = _open_case_by_keys(qtbot, window)
    view.tabs.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_T, CTRL)  # the consultation editor: its section
    qtbot.waitUntil(lambda: _dialog("dialog_consultations") is not None, timeout=5000)
    dialog = _dialog("dialog_consultations")
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    help_window = _f1(qtbot, dialog)
    assert help_window.page is not None and help_window.page.lang == "en"
    assert (help_window.page.name, help_window.section) == ("case", "consultations")
    _close(qtbot, help_window)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    _close(qtbot, dialog)
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    # F1 on the case list, then back to the main window with the help window left open
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    help_window = _f1(qtbot, window)
    english = help_window.browser.toPlainText()
    assert help_window.page is not None and help_window.page.title == "Case list"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    choose_language_in_settings(qtbot, window, "de")
    assert help_window.isVisible()
    assert help_window.page.lang == "de" and help_window.page.title == load_page("cases",
                                                                                 "de").title
    assert help_window.browser.toPlainText() != english
    assert help_window.windowTitle().startswith(load_page("cases", "de").title)
    assert "manual" not in help_window.windowTitle()  # the title's own words are German too
    # a language without pages: the English page and the note, in that language
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    choose_language_in_settings(qtbot, window, "uk")
    assert help_window.page.fallback and help_window.note.isVisible()
    assert help_window.isRightToLeft() is False
