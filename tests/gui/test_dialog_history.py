"""Qt's own file dialog remembers the folders it showed in ``QtProject.conf``, in plaintext, and
a folder name can name a client. A review (2026-12-06) found
``lastVisited=.../Auskunft Quistorpffel Zebulonia`` there, outside the vault and after the wipe of
a revoked device. The window removes it at start and at every lock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QStandardPaths

from kimdesk.vault import Vault
from tests.conftest import PASSPHRASE
from tests.gui.conftest import unlock

NAME = "Auskunft Quistorpffel Zebulonia"


@pytest.fixture
def qt_settings_here(tmp_path: Path) -> Iterator[Path]:
    """QSettings of the user scope in ``tmp_path`` (never the machine's own), restored after."""
    default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path))
    yield tmp_path / "QtProject.conf"
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, default)


def _remember(folder: str) -> None:
    """What QFileDialog writes when it closes (``QFileDialogPrivate::saveSettings``)."""
    store = QSettings(QSettings.Scope.UserScope, "QtProject")
    store.setValue("FileDialog/lastVisited", f"file:///home/anna/Documents/{folder}")
    store.setValue("FileDialog/history", [f"file:///home/anna/Documents/{folder}"])
    store.setValue("FileDialog/viewMode", "Detail")
    store.sync()


def test_the_folders_a_file_dialog_showed_are_forgotten_at_start_and_lock(
        qt_settings_here: Path, make_window: Any, qtbot: Any, tmp_path: Path) -> None:
    _remember(NAME)
    assert NAME.encode() in qt_settings_here.read_bytes()
    Vault.create(tmp_path / "v.kdb", PASSPHRASE, counselor="anna").close()
    window = make_window(tmp_path / "v.kdb")
    assert NAME.encode() not in qt_settings_here.read_bytes()  # at start
    unlock(qtbot, window)
    _remember(NAME)  # a subject-access export while unlocked
    window.lock()
    assert NAME.encode() not in qt_settings_here.read_bytes()  # at lock
    assert b"viewMode" in qt_settings_here.read_bytes()  # names nothing: kept
