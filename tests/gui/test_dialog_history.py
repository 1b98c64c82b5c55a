"""Qt's own file dialog remembers the folders it showed in ``QtProject.conf``, in plaintext, and
a folder name can name a client. A review (2026-12-06) found
``lastVisited=.../Auskunft Quistorpffel Zebulonia`` there, outside the vault and after the wipe of
a revoked device. The window removes it at start and at every lock; a second review the same day
found it after quitting, so the app's dialogs remove it as they close and the window at quit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QStandardPaths, Qt

from kimdesk.vault import Vault
from tests.conftest import PASSPHRASE
from tests.gui.conftest import unlock
from tests.gui.test_keyboard_day import When
from tests.gui.test_no_plaintext import scan

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


def _walk_into(qtbot: Any, folder: Path, name: str = "") -> When:
    """In the file dialog once it is up: into ``folder`` (as a double click does), then the file
    ``name`` in it (or the folder itself) and Enter."""
    from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

    def walk() -> None:
        dialog: Any = QApplication.activeModalWidget()
        dialog.setDirectory(str(folder))
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        edit.setText(str(folder / name) if name else str(folder))
        qtbot.keyClick(edit, Qt.Key.Key_Return)

    return When(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog), walk)


def _traces(root: Path, *skip: Path) -> list[str]:
    """The files under ``root`` (the exports in ``skip`` excepted) that name the client."""
    return [hit for hit in scan([root], {"Quistorpffel"})
            if not any(hit.startswith(str(folder)) for folder in skip)]


def test_a_real_export_leaves_no_folder_name_once_its_dialog_closes(
        qt_settings_here: Path, demo_window: Any, qtbot: Any, tmp_path: Path) -> None:
    """The Auskunft through Qt's own folder dialog, into a folder that names the client: nothing
    of it stays in QtProject.conf while the vault is open (a crash would leave it there), nor
    after quitting (the window removed it only at start and lock)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from kimdesk.gui.auskunft import export_subject

    window = demo_window
    folder = tmp_path / "Documents" / NAME
    folder.mkdir(parents=True)
    walked = _walk_into(qtbot, folder)
    told = When(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox),
                lambda: QApplication.activeModalWidget().accept())  # type: ignore[union-attr]
    export_subject(window, window.worker, window.workspace.model.row_at(0).case_id)
    qtbot.waitUntil(lambda: walked.done and told.done, timeout=30000)
    assert list(folder.glob("auskunft-*.json"))
    assert qt_settings_here.exists()  # the dialog wrote its state
    assert _traces(tmp_path, folder) == []  # the export done, the vault still open
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert _traces(tmp_path, folder) == []


def test_a_dialog_qt_opens_by_itself_is_forgotten_at_quit(
        qt_settings_here: Path, demo_window: Any, qtbot: Any, tmp_path: Path) -> None:
    """A file dialog that is not the app's own (the print dialog's "Print to file" opens one)
    leaves its folders in QtProject.conf; quitting removes them as locking does."""
    from PySide6.QtWidgets import QFileDialog

    window = demo_window
    folder = tmp_path / "Documents" / NAME
    folder.mkdir(parents=True)
    walked = _walk_into(qtbot, folder, "print.pdf")
    QFileDialog.getSaveFileName(window, "Print to file", str(tmp_path))
    qtbot.waitUntil(lambda: walked.done, timeout=10000)
    assert _traces(tmp_path)  # Qt's dialog remembered the folder
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert _traces(tmp_path) == []
