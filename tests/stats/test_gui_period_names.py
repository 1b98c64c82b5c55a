"""The statistics window names months and quarters in the interface language (the GUI walk of
2026-12-07 found "Q3" in Arabic and Persian: Latin letters a reader of those scripts may not
know), and follows a language switch."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.gui

from kimdesk.i18n import set_language  # noqa: E402


@pytest.mark.parametrize(("lang", "third"), [("de", "3. Quartal"), ("ar", "الربع الثالث"),
                                             ("fa", "سه‌ماههٔ سوم"), ("tr", "3. çeyrek"),
                                             ("uk", "3-й квартал"), ("ru", "3-й квартал"),
                                             ("en", "3rd quarter")])
def test_quarters_are_named_in_the_interface_language(qtbot: Any, lang: str,
                                                      third: str) -> None:
    from PySide6.QtCore import Qt

    from kimdesk.gui.stats import StatisticsDialog

    set_language(lang)
    try:
        d = StatisticsDialog(None)
        qtbot.addWidget(d)
        d.kind.setCurrentIndex(d.kind.findData("quarter"))
        names = [d.part.itemText(i) for i in range(d.part.count())]
        assert len(names) == 4 and names[2] == third
        assert not any(name.startswith("Q") for name in names if lang in ("ar", "fa"))
        d.kind.setFocus()
        qtbot.keyClick(d.kind, Qt.Key.Key_Up)  # by keys to "Month": twelve names, none a number
        assert d.kind.currentData() == "month"
        assert d.part.count() == 12 and not d.part.itemText(0).isdigit()
    finally:
        set_language("en")


def test_a_language_switch_renames_the_quarters(qtbot: Any) -> None:
    from kimdesk.gui.stats import StatisticsDialog

    set_language("de")
    try:
        d = StatisticsDialog(None)
        qtbot.addWidget(d)
        d.kind.setCurrentIndex(d.kind.findData("quarter"))
        d.part.setCurrentIndex(1)
        set_language("ar")
        d.retranslate()
        assert d.part.itemText(1) == "الربع الثاني" and d.part.currentIndex() == 1
    finally:
        set_language("en")
