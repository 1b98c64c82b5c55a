""""Sync now" when sync could not be started at the unlock: the status bar said "Sync failed"
for 5 s, with no reason and nothing to do (left open by the sync GUI review, 2026-12-06)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock

pytestmark = pytest.mark.gui


def test_sync_now_without_sync_says_why_and_what_to_do(
        make_window: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kimdesk.gui.sync as sync_gui

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("no sync widget")

    monkeypatch.setattr(sync_gui, "SyncStatusWidget", broken)
    path = tmp_path / "v.kdb"
    Vault.create(path, PASSPHRASE, counselor="c").close()
    window = make_window(path)
    unlock(qtbot, window)
    assert window.sync.controller is None
    qtbot.keyClick(window, Qt.Key.Key_F9)
    from PySide6.QtWidgets import QMessageBox

    box = window.findChild(QMessageBox, "syncUnavailable")
    assert box is not None and box.isVisible()
    said = box.text()
    box.close()
    assert "could not be started" in said and "administrator" in said, said
