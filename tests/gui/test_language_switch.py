"""Switching the interface language while a form is open (issue 18.5): every visible string
follows the switch (menus, the form's title in the list and on the form, the sync status), the
client's column stays in the client's language, and that language can be chosen on the form."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from kimdesk.i18n import gettext, language
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui

UI_ORDER = ["de", "en", "ar", "fa", "tr", "uk", "ru"]


def in_lang(msgid: str, lang: str) -> str:
    with language(lang):
        return gettext(msgid)


def case_of(qtbot: Any, window: Any, preferred: str) -> str:
    """A demo case whose person prefers ``preferred``."""
    found: list[str] = []

    def job(w: Any) -> str:
        vault = w.require_vault()
        person = vault.people.where("preferred_language = ?", (preferred,))[0]
        return str(vault.cases.where("person_id = ?", (person.id,))[0].id)

    window.worker.submit(job, found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=10000)
    return found[0]


def choose_language_in_settings(qtbot: Any, window: Any, lang: str) -> None:
    """File → Settings (Ctrl+,), Tab to the language combo, Down to ``lang``, Enter."""
    from kimdesk.gui.settings import SettingsDialog

    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(SettingsDialog) is not None
                    and window.findChild(SettingsDialog).isVisible(), timeout=5000)
    dialog = window.findChild(SettingsDialog)
    combo = dialog.ui.languageCombo
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog, timeout=3000)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    # the page tabs have the focus; Tab goes to the language (its mnemonic is per language)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert combo.hasFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(UI_ORDER.index(lang)):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == lang
    qtbot.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    dialog.deleteLater()
    QApplication.processEvents()
    wait_idle(qtbot, window)


def title_text(widget: QWidget, name: str) -> str:
    cell = widget.findChild(QWidget, name)
    if cell is None:
        return ""
    return " ".join(label.text() for label in cell.findChildren(QLabel))


def test_language_switch_with_an_open_form(qtbot: Any, demo_window: Any) -> None:
    window = demo_window
    ws = window.workspace
    ws.open_case(case_of(qtbot, window, "ar"))
    view = ws.case_view
    tab = view.forms_tab
    qtbot.waitUntil(lambda: tab.registry is not None and tab.combo.isEnabled(), timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # the Forms tab
    assert view.tabs.currentWidget() is tab
    qtbot.keyClick(tab, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # "Fo&rm:"
    assert tab.combo.hasFocus()
    qtbot.keyClicks(tab.combo, "Init")  # "Initial interview / clearing"
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    form = tab.form
    assert form is not None and form.form_id == "erstgespraech"
    # the person prefers Arabic: the client column is Arabic, and the chooser says so
    assert tab.widget.client_language() == "ar"
    assert tab.client_combo.currentData() == "ar"
    assert tab.client_combo.accessibleName() == "Client language"
    assert form.title("ar") in title_text(tab.widget, "title-client")

    for lang in ("de", "ar", "uk"):
        choose_language_in_settings(qtbot, window, lang)
        assert window.hub.lang == lang
        menus = [m.title() for m in window._menus.values()]
        assert menus == [in_lang(t, lang) for t in ("&File", "&Case", "&View", "&Tools",
                                                     "&Help")]
        # the form's title in the list and on the form, in the new language
        assert tab.combo.currentText() == form.title(lang)
        assert tab.combo.itemText(0) == in_lang("Choose a form…", lang)
        assert form.title(lang) in title_text(tab.widget, "title-counselor")
        assert tab.label.text() == in_lang("Fo&rm:", lang)
        assert tab.client_combo.accessibleName() == in_lang("Client language", lang)
        # the sync status bar in the new language
        sync = window.sync_status
        assert sync is not None
        assert sync.label.text() == in_lang("Not enrolled for sync", lang)
        assert sync.sync_button.text() == in_lang("Sync now", lang)
        assert sync.last.text().startswith(in_lang("Last sync: {when}", lang).split("{")[0])
        # the client column: hidden only while the counselor works in Arabic too
        if lang == "ar":
            assert tab.widget.client_language() is None
            assert tab.widget.cells("interpreter")[1] is None
        else:
            assert tab.widget.client_language() == "ar"
            assert form.title("ar") in title_text(tab.widget, "title-client")
            client_cell = tab.widget.cells("interpreter")[1]
            assert client_cell is not None and client_cell.isRightToLeft()
        assert tab.client_combo.currentData() == (None if lang == "ar" else "ar")

    # the client language chosen on the form, by keys: English for this client
    choose_language_in_settings(qtbot, window, "de")
    assert tab.client_label.text() == "Sprache des &Klienten:"
    qtbot.keyClick(tab, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert tab.client_combo.hasFocus()
    qtbot.keyClicks(tab.client_combo, "En")  # "English": each language named in itself
    qtbot.waitUntil(lambda: tab.widget.client_language() == "en", timeout=5000)
    assert form.title("en") in title_text(tab.widget, "title-client")
    assert tab.widget.cells("interpreter")[0].isLeftToRight()
    window.switch_language("en")


def test_client_language_default() -> None:
    """The person's preferred language if the form has it, else the form's second language."""
    from kimdesk.forms.registry import FormRegistry
    from kimdesk.gui.formstab import default_client_language

    form = FormRegistry().get("erstgespraech")
    assert default_client_language(form, "fa") == "fa"
    assert default_client_language(form, "sq") == form.languages[1] == "en"
    assert default_client_language(form, None) == "en"
