"""Counts and times use the interface's digits, as its dates do (a keyboard walk in four
languages, 2026-12-07). In Arabic a consultation's row read "٢٠٢٦/١١/٨ … 30 دقيقة", the status
bar "١٢٠ من ٨٥" beside "26 مراجعة مستحقة", the history "٢٠٢٦/١٢/٧ 09:16", the retention page
"0 حالة مستحقة للحذف" under "٢٠٢٦/١٢/٧": two kinds of digits on one screen. Checked here that
no ASCII digit is left in those texts in Arabic and Persian (Arabic-Indic and Persian digits)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.gui.conftest import open_case, window_on_copy

pytestmark = pytest.mark.gui
ASCII_DIGIT = re.compile(r"[0-9]")


def column(tree: Any, col: int) -> list[str]:
    return [tree.topLevelItem(row).text(col) for row in range(tree.topLevelItemCount())]


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_counts_and_times_in_the_interface_digits(qtbot: Any, make_window: Any,
                                                  demo_vault_file: Path, tmp_path: Path,
                                                  lang: str) -> None:
    window = window_on_copy(qtbot, make_window, demo_vault_file, tmp_path, lang=lang)
    ws = window.workspace
    view = ws.case_view
    reminder = window.status.reminder_label
    qtbot.waitUntil(reminder.isVisible, timeout=10000)  # the demo has reviews due today
    seen: dict[str, list[str]] = {"reminder": [reminder.text().split(">")[1].split("<")[0]]}
    for row in range(10):  # a case with a consultation whose duration is recorded
        case = ws.model.row_at(row)
        assert case is not None
        open_case(qtbot, window, case.case_id)
        durations = [d for d in column(view.tab_widgets["consultations"].tree, 3) if d != "—"]
        if durations:
            seen["durations"] = durations
            break
    seen["history"] = column(view.ui.historyTree, 0)
    dialog = window.open_settings()
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    dialog.ui.tabs.setCurrentWidget(dialog.ui.retentionTab)
    qtbot.waitUntil(lambda: bool(dialog.ui.retentionSummary.text()), timeout=10000)
    seen["retention"] = [dialog.ui.retentionPolicy.text(), dialog.ui.retentionSummary.text()]
    dialog.reject()
    assert all(seen.get(k) for k in ("reminder", "durations", "history", "retention")), seen
    ascii_left = {k: [t for t in texts if ASCII_DIGIT.search(t)] for k, texts in seen.items()}
    assert not any(ascii_left.values()), ascii_left
