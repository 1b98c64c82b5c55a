"""Every text of the unlock screen is read whole at the default window size, in every language.

The screen's title, one line in 18 pt on a card at most 520 px wide, was cut in Persian: "قفل
گاوصندوق پرونده‌های خود را باز کنید" needs 495 px and had 476, and showed "... باز کنب" (a
keyboard walk in four languages, 2026-12-07). It wraps now, as the create screen's title does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel

from kimdesk.i18n import UI_LANGUAGES
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE
from tests.gui.test_create_screen_fits import _cut

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_no_text_of_the_unlock_screen_is_cut(make_window: Any, qtbot: Any, tmp_path: Path,
                                              lang: str) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="a.becker", team="Team Nord"):
        pass
    window = make_window(path, lang=lang)
    window.resize(1280, 800)
    screen = window.unlock_screen
    qtbot.waitUntil(screen.isVisible, timeout=3000)
    widgets = [*screen.findChildren(QLabel), *screen.findChildren(QAbstractButton)]
    shown = [w for w in widgets if w.isVisible() and w.text()]
    assert screen.ui.titleLabel in shown
    cut = [(type(w).__name__, w.objectName(), w.text()) for w in shown if _cut(w)]
    window.grab().save(str(tmp_path / f"unlock-{lang}.png"))
    assert cut == []
