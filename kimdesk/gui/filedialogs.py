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

Qt's own dialog sizes its file list's columns for English ("10/29/81 02:02PM" for the date):
"Değiştirilme Tarihi" lost its last letter in Turkish (a review, 2026-12-07), "Änderungsdatum"
and "Дата изменения" were as tight. :func:`fit_file_list` widens each column to its header, in
whatever language, as the dialog shows (:func:`_file_list_fitted`), and writes its "Date Modified"
as the app writes dates (:class:`_AppDates`): Qt writes it in the system's locale, so Arabic read
"22:03 2026 12 7". The one file dialog Qt opens
by itself, the print dialog's "Print to file" "...", is fitted too (:func:`run_print_dialog`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSettings,
    QStandardPaths,
    Qt,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFileSystemModel,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from kimdesk.gui.fitting import fit_header

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


def fit_file_list(dialog: QFileDialog) -> None:
    """Every column of the dialog's file list at least as wide as its header
    (:func:`kimdesk.gui.fitting.fit_header`), and the list as wide as before: what the headers
    need more, the widest column (the file name's, 26 "w" wide) gives, down to its own header's
    width. Wider in all, the date column would reach past the list's right edge and be cut there
    instead. Widths the dialog restored from an earlier one (``QtProject.conf``) are kept where
    they fit."""
    for header in dialog.findChildren(QHeaderView):
        if header.orientation() != Qt.Orientation.Horizontal:
            continue
        before = header.length()
        fit_header(header)
        excess = header.length() - before
        shown = [s for s in range(header.count()) if not header.isSectionHidden(s)]
        if excess <= 0 or not shown:
            continue
        widest = max(shown, key=header.sectionSize)
        spare = header.sectionSize(widest) - header.sectionSizeHint(widest)
        if spare > 0:
            header.resizeSection(widest, header.sectionSize(widest) - min(excess, spare))


#: The file list's column of the time a file was last changed (``QFileSystemModel``'s fourth).
_MODIFIED = 3


class _AppDates(QStyledItemDelegate):
    """The file list's "Date Modified" as the app writes a date and time everywhere else
    (:func:`kimdesk.gui.lang.format_moment`: the interface's short date with a four-digit year
    and its digits, then "HH:mm").

    Qt's file list writes it with ``QLocale::system()``, the desktop's locale, not the
    interface's (``QLocale.setDefault``): an Arabic interface read "22:03 2026 12 7" (the "C"
    locale's "7 12 2026 22:03" with Latin digits and no separators, its parts laid out right to
    left; a review, 2026-12-07), and on a German desktop every language would read "07.12.26
    22:03" with its two-digit year. Only the text drawn changes: the model, its sorting by the
    real time, and every other column stay Qt's."""

    def initStyleOption(self, option: QStyleOptionViewItem,
                        index: QModelIndex | QPersistentModelIndex) -> None:
        from kimdesk.gui.lang import format_moment

        super().initStyleOption(option, index)
        model = index.model()
        if isinstance(model, QFileSystemModel):
            if isinstance(index, QPersistentModelIndex):
                index = model.index(index.row(), index.column(), index.parent())
            stamp = model.lastModified(index).toPython()
            if isinstance(stamp, datetime):  # not for an invalid time
                option.text = format_moment(stamp)


def date_files_as_the_app(dialog: QFileDialog) -> None:
    """:class:`_AppDates` for the "Date Modified" column of the dialog's file list."""
    for view in dialog.findChildren(QTreeView):
        if not isinstance(view.itemDelegateForColumn(_MODIFIED), _AppDates):
            view.setItemDelegateForColumn(_MODIFIED, _AppDates(view))


class _FileListFitter(QObject):
    """Fits the file list of a file dialog as it is shown, and dates its files as the app
    does: Qt's static functions build the dialog and run it in one call, and this is the
    moment between."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QFileDialog):
            date_files_as_the_app(watched)
            fit_file_list(watched)
        return False


@contextmanager
def _file_list_fitted() -> Iterator[None]:
    """:func:`fit_file_list` for the dialog opened inside. The filter watches the application's
    events only while the (modal) dialog is open, not for the app's lifetime."""
    app = QCoreApplication.instance()
    fitter = _FileListFitter()
    if app is not None:
        app.installEventFilter(fitter)
    try:
        yield
    finally:
        if app is not None:
            app.removeEventFilter(fitter)


def save_file(parent: QWidget | None, caption: str, proposed: str, filters: str = "") -> str:
    """The path the counselor chose to save to ("" when cancelled)."""
    try:
        with _file_list_fitted():
            return QFileDialog.getSaveFileName(parent, caption, proposed, filters)[0]
    finally:
        forget_dialog_history()


def open_file(parent: QWidget | None, caption: str, folder: str, filters: str = "") -> str:
    """The file the counselor chose to open ("" when cancelled)."""
    try:
        with _file_list_fitted():
            return QFileDialog.getOpenFileName(parent, caption, folder, filters)[0]
    finally:
        forget_dialog_history()


def choose_folder(parent: QWidget | None, caption: str, folder: str) -> str:
    """The folder the counselor chose ("" when cancelled)."""
    try:
        with _file_list_fitted():
            return QFileDialog.getExistingDirectory(parent, caption, folder)
    finally:
        forget_dialog_history()


def run_print_dialog(dialog: QDialog) -> bool:
    """Run Qt's print dialog; whether it was accepted. Its "..." beside the output file opens
    Qt's own file dialog by itself (``QFileDialog::getSaveFileName`` in Qt's
    ``qprintdialog_unix.cpp``), out of reach of :func:`save_file`: its columns were English-sized
    ("Değiştirilme Tarihi" cut, 2026-12-07). The same filter as for the app's dialogs fits it, for
    as long as the print dialog is open, and the folders it showed are forgotten as the print
    dialog closes, not only at the next lock or quit.

    Not a filter installed on the application for its lifetime: it would run Python for every
    event of the whole app, at every key press and repaint, to catch a dialog that one modal
    dialog opens."""
    try:
        with _file_list_fitted():
            return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        forget_dialog_history()
