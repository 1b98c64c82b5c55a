"""A review of the sync GUI's new texts (2026-12-06): "Sync now" without sync said why in the
status bar, which at the default 1280 px window cannot hold it in German, Russian or Ukrainian
(1,211-1,318 px of text beside the case count): the end, "tell your administrator (the log file
says why)", was cut under the count, and all of it went after 5 s. Said in a box now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QMessageBox, QSizeGrip, QWidget

from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock

pytestmark = pytest.mark.gui


def _box(object_name: str) -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == object_name \
                and widget.isVisible():
            return widget
    return None


@pytest.mark.parametrize("lang", ["de", "ru", "uk", "ar"])
def test_sync_now_without_sync_is_read_whole_at_1280_px(
        make_window: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        lang: str) -> None:
    import kimdesk.gui.sync as sync_gui
    from kimdesk.gui.windowsync import NO_SYNC
    from kimdesk.i18n import gettext

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("no sync widget")

    monkeypatch.setattr(sync_gui, "SyncStatusWidget", broken)
    path = tmp_path / "v.kdb"
    Vault.create(path, PASSPHRASE, counselor="c").close()
    window = make_window(path, lang=lang)
    window.resize(1280, 800)
    unlock(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.wait(100)
    want = gettext(NO_SYNC)
    box = _box("syncUnavailable")
    if box is not None:  # a box wraps its text: whole, and it stays until read
        assert box.text() == want
        assert box.width() <= window.width()
        box.close()
        return
    bar = window.statusBar()
    assert bar.currentMessage() == want
    direct = Qt.FindChildOption.FindDirectChildrenOnly
    beside = [w.geometry() for w in bar.findChildren(QWidget, options=direct)
              if w.isVisible() and not isinstance(w, QSizeGrip)]
    # the message is drawn from the bar's start up to the first widget at its far end
    half = bar.width() // 2
    if bar.isRightToLeft():
        free = bar.width() - max((g.right() for g in beside if g.right() < half), default=0)
    else:
        free = min((g.left() for g in beside if g.left() > half), default=bar.width())
    assert QFontMetrics(bar.font()).horizontalAdvance(want) <= free, (lang, free)
