"""The interface's machine-made translations are marked as drafts where a language is chosen.

Arabic, Persian, Turkish, Ukrainian and Russian are complete but not yet read by a native
speaker; until 2026-12-06 nothing said so, and a counselor could take a wording for checked.
The unlock screen's and the settings' language choosers name each draft as one, in its own
language, and the entries are not cut."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox

from kimdesk import i18n
from kimdesk.gui.lang import DRAFT_MARKS, LANGUAGE_NAMES

pytestmark = pytest.mark.gui


def _entries(combo: QComboBox) -> dict[str, str]:
    return {combo.itemData(i): combo.itemText(i) for i in range(combo.count())}


def _check(combo: QComboBox) -> None:
    entries = _entries(combo)
    assert set(entries) == set(i18n.UI_LANGUAGES)
    for lang, text in entries.items():
        assert text.startswith(LANGUAGE_NAMES[lang])
        assert (DRAFT_MARKS.get(lang, "\0") in text) == (lang not in ("de", "en")), text
    # the longest entry fits: the combo is at least as wide as it asks to be
    assert combo.width() >= combo.sizeHint().width(), (combo.width(), combo.sizeHint().width())


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_the_unlock_screen_marks_draft_translations(qtbot: Any, make_window: Any,
                                                    demo_vault_file: Path, lang: str) -> None:
    window = make_window(demo_vault_file, lang=lang)
    qtbot.waitUntil(lambda: window.unlock_screen.isVisible(), timeout=10000)
    _check(window.unlock_screen.ui.languageCombo)


def test_the_settings_mark_draft_translations(qtbot: Any, demo_window: Any) -> None:
    dialog = demo_window.open_settings()
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    _check(dialog.ui.languageCombo)
    dialog.reject()
