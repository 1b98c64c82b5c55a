"""Every file dialog of the app: where it starts, what it leaves behind, file names it proposes.

A file dialog that opens in the process's working folder (issue 18) shows whatever folder the
app was started from, often the program's own. Every save and open dialog starts in the user's
Documents folder instead (or home, where there is none). The last folder used is deliberately not
remembered: a folder name can name a client ("Auskunft Ahmadi"), and the settings file is not
encrypted (docs/vault.md, "Files on disk").

Qt's own dialog remembers the folders anyway, in ``QtProject.conf``, when it closes. The app's
dialogs go through :func:`save_file`, :func:`open_file` and :func:`choose_folder`, which remove
that right after the dialog (:func:`forget_dialog_history`); the window removes it again at
start, at every lock and at quit, for dialogs Qt opens by itself (the print dialog's "Print to
file"). A review (2026-12-06) found the folder of a subject-access export in ``QtProject.conf``
after quitting: it was removed only at start and lock.

The desktop's native dialogs are not used (:func:`use_own_dialogs`): GTK's (GNOME, Xfce, Qt's
default there) adds every file chosen or saved to ``~/.local/share/recently-used.xbel``, which the
desktop shows as "Recent" everywhere; the Windows dialog adds it to the Recent items. The same
review found ``.../Auskunft Quxbrandt/termin-quxbrandt.pdf`` there after a handout was saved into
a folder named after the client (Xvfb with GTK 3, ``tests/gui/test_native_dialogs.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import QFileDialog, QWidget

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def start_dir() -> Path:
    """The folder every file dialog starts in."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(docs) if docs else Path.home()
    return folder if folder.is_dir() else Path.home()


def suggested(name: str) -> str:
    """``name`` made safe as a file name (any script kept, separators and control characters
    replaced), in :func:`start_dir`: the path a save dialog proposes."""
    clean = _UNSAFE.sub("-", name).strip(" .-") or "kimdesk"
    return str(start_dir() / clean)


def use_own_dialogs() -> None:
    """Qt's own file dialogs everywhere, the desktop's never (see the module's docstring); also
    for the dialogs Qt opens by itself."""
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)


#: What Qt's own file dialog keeps of the folders it showed (``QtProject.conf``, plaintext).
_DIALOG_HISTORY = ("FileDialog/history", "FileDialog/lastVisited")


def forget_dialog_history() -> None:
    """Remove the folders Qt's file dialog remembered: as each of the app's dialogs closes, at
    start, at every lock and at quit. A review (2026-12-06) found
    ``lastVisited=.../Auskunft Quistorpffel Zebulonia`` there after a subject-access export,
    outside the vault and after the wipe of a revoked device. The dialog's other state (view
    mode, column widths) names nothing and stays."""
    store = QSettings(QSettings.Scope.UserScope, "QtProject")
    for key in _DIALOG_HISTORY:
        store.remove(key)
    store.sync()


def save_file(parent: QWidget | None, caption: str, proposed: str, filters: str = "") -> str:
    """The path the counselor chose to save to ("" when cancelled)."""
    try:
        return QFileDialog.getSaveFileName(parent, caption, proposed, filters)[0]
    finally:
        forget_dialog_history()


def open_file(parent: QWidget | None, caption: str, folder: str, filters: str = "") -> str:
    """The file the counselor chose to open ("" when cancelled)."""
    try:
        return QFileDialog.getOpenFileName(parent, caption, folder, filters)[0]
    finally:
        forget_dialog_history()


def choose_folder(parent: QWidget | None, caption: str, folder: str) -> str:
    """The folder the counselor chose ("" when cancelled)."""
    try:
        return QFileDialog.getExistingDirectory(parent, caption, folder)
    finally:
        forget_dialog_history()
