"""The statistics view's table list says in words how many cells are suppressed (issue 18.10:
"(24 .)" was unexplained), in the interface language, and its tooltip explains the mark."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.gui

from kimdesk.i18n import set_language  # noqa: E402
from kimdesk.stats import Period  # noqa: E402


@pytest.mark.parametrize(("lang", "words"), [("en", "suppressed"), ("de", "gesperrt"),
                                             ("ar", "محجوب")])
def test_suppressed_cells_in_words(qtbot: Any, stats_vault: object, lang: str,
                                   words: str) -> None:
    from kimdesk.gui.stats import open_statistics

    set_language(lang)
    try:
        d = open_statistics(None, stats_vault,  # type: ignore[arg-type]
                            period=Period.year(date.today().year - 1))
        qtbot.addWidget(d)
        qtbot.waitUntil(lambda: d.report is not None, timeout=10_000)
        report = d.report
        assert report is not None
        items = [d.tables.item(i) for i in range(d.tables.count())]
        counts = [report.protection.suppressed_cells(t) for t in report.tables]
        assert any(counts)
        for item, n in zip(items, counts, strict=True):
            assert not re.search(r"\(\d+ \.\)", item.text())  # the bare mark is gone
            if n:
                assert words in item.text() and str(n) in item.text()
                assert re.search(r'["„«]\.["“»]', item.toolTip()) and str(n) in item.toolTip()
            else:
                assert item.toolTip() == ""
    finally:
        set_language("en")
