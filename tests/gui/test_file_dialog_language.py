"""Qt's own file dialog (the app never uses the desktop's, :mod:`kimdesk.gui.filedialogs`) speaks
the interface language. Qt 6 renamed two of its labels to "&Look in:" and "Files of &type:", and
PySide6's ``qtbase`` catalogs translate the new names only for German: in Arabic, Persian,
Turkish, Ukrainian and Russian the open and save dialogs showed "Look in:" and "Files of type:"
in English beside translated buttons (a review, 2026-12-07). Our own small Qt catalog
(``resources/translations/qt``) supplies them; each dialog is opened for real, offscreen, and its
widgets are read, and a screenshot of each lands in ``build/screenshots/``."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLabel

from kimdesk.gui import filedialogs
from kimdesk.gui.lang import LanguageHub
from tests.gui.fit import cut_texts
from tests.gui.test_dialog_history import qt_settings_here  # noqa: F401  (a fixture)
from tests.gui.test_keyboard_day import When

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"

#: The "Look in" label in each language (Qt's own words; ours where Qt's catalog lacks them).
LOOK_IN = {
    "de": "&Suchen in:", "en": "&Look in:", "ar": "ا&عثر في:", "fa": "&جستجو در:",
    "tr": "Ara&ma konumu:", "uk": "&Перегляд в:", "ru": "&Перейти к:",
}
ENGLISH = {"&Look in:", "File &name:", "Files of &type:", "&Open", "&Save", "Cancel"}


@pytest.fixture
def hub(qapp: Any) -> Iterator[LanguageHub]:
    hub = LanguageHub()
    filedialogs.use_own_dialogs()
    yield hub
    hub.apply("en")  # Qt's English catalog and ours (none) instead of the language tested


def _in_the_dialog(qtbot: Any, open_it: Any, name: str, read: Any) -> None:
    """Open a file dialog through the app's own function, call ``read`` with it once it shows,
    save its screenshot as ``build/screenshots/<name>.png``, then cancel it."""

    def inspect() -> None:
        dialog: Any = QApplication.activeModalWidget()
        read(dialog)
        SHOTS.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(SHOTS / f"{name}.png"))
        dialog.reject()

    shown = When(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog), inspect)
    open_it()
    qtbot.waitUntil(lambda: shown.done, timeout=10000)


def _texts_of_the_dialog(qtbot: Any, open_it: Any, name: str) -> dict[str, str]:
    """Open a dialog through the app's own function; read its labels and buttons, then cancel."""
    seen: dict[str, str] = {}

    def read(dialog: Any) -> None:
        for label in dialog.findChildren(QLabel):
            seen[label.objectName()] = label.text()
        box = dialog.findChild(QDialogButtonBox, "buttonBox")
        for button in box.buttons():
            seen[str(box.standardButton(button).name)] = button.text()

    _in_the_dialog(qtbot, open_it, name, read)
    return seen


@pytest.mark.parametrize("lang", list(LOOK_IN))
def test_the_open_and_save_dialogs_speak_the_interface_language(
        lang: str, hub: LanguageHub, qtbot: Any, tmp_path: Path,
        qt_settings_here: Path) -> None:  # noqa: F811
    hub.apply(lang)
    opened = _texts_of_the_dialog(
        qtbot, lambda: filedialogs.open_file(None, "KIMdesk", str(tmp_path), "PDF (*.pdf)"),
        f"file-open-{lang}")
    saved = _texts_of_the_dialog(
        qtbot, lambda: filedialogs.save_file(None, "KIMdesk", str(tmp_path / "a.pdf"),
                                             "PDF (*.pdf)"),
        f"file-save-{lang}")
    for seen in (opened, saved):
        assert seen["lookInLabel"] == LOOK_IN[lang]
        assert {"lookInLabel", "fileNameLabel", "fileTypeLabel", "Cancel"} <= seen.keys()
        if lang != "en":
            assert not ENGLISH & set(seen.values()), seen
    assert opened["Open"] != saved["Save"]
    if lang != "en":
        assert not ENGLISH & {opened["Open"], saved["Save"]}


def test_our_qt_catalogs_are_compiled_from_their_sources() -> None:
    """The checked-in ``.qm`` files are what ``pyside6-lrelease`` makes of the ``.ts`` beside
    them (``python tools/build_qt_translations.py`` writes them again)."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_qt_translations as build
    finally:
        sys.path.remove(str(ROOT / "tools"))
    files = build.ts_files()
    assert {f.stem for f in files} == {f"kimdesk_qt_{lang}" for lang in ("ar", "fa", "tr", "uk",
                                                                           "ru")}
    for ts_file in files:
        assert ts_file.with_suffix(".qm").read_bytes() == build.compiled(ts_file), ts_file


def _file_list_seen(qtbot: Any, open_it: Any, name: str) -> list[str]:
    """Open a dialog through the app's own function, in its detail view; what is cut in its
    file list's header (:func:`tests.gui.fit.cut_texts`, and a section that reaches past the
    list's visible width), then cancel. A screenshot lands in ``build/screenshots/``."""
    from PySide6.QtWidgets import QTreeView

    problems: list[str] = []

    def read(dialog: Any) -> None:
        dialog.setViewMode(QFileDialog.ViewMode.Detail)
        QApplication.processEvents()
        view = dialog.findChild(QTreeView, "treeView")
        header = view.header()
        problems.extend(cut_texts(view))
        for section in range(header.count()):
            end = header.sectionViewportPosition(section) + header.sectionSize(section)
            if not header.sectionViewportPosition(section) >= 0 or \
                    end > view.viewport().width():
                problems.append(f"section {section} at {header.sectionViewportPosition(section)}"
                                f"..{end}, outside 0..{view.viewport().width()}")

    _in_the_dialog(qtbot, open_it, name, read)
    return problems


@pytest.mark.parametrize("lang", list(LOOK_IN))
def test_the_file_list_shows_its_column_headers_whole(
        lang: str, hub: LanguageHub, qtbot: Any, tmp_path: Path,
        qt_settings_here: Path) -> None:  # noqa: F811
    """Qt sizes the file list's columns for English ("10/29/81 02:02PM" for the date):
    "Değiştirilme Tarihi" lost its last letter in Turkish (a review, 2026-12-07), and
    "Дата изменения" fits no better. Every header is whole and inside the list, in the open,
    save and folder dialogs of every language; with the bundled fonts, as after an unlock
    (without them, DejaVu Sans here, it was cut as well)."""
    from kimdesk.gui.fonts import register_fonts

    register_fonts()
    hub.apply(lang)
    folder = str(tmp_path)
    for name, open_it in (
            ("open", lambda: filedialogs.open_file(None, "KIMdesk", folder, "PDF (*.pdf)")),
            ("save", lambda: filedialogs.save_file(None, "KIMdesk", folder + "/a.pdf", "")),
            ("folder", lambda: filedialogs.choose_folder(None, "KIMdesk", folder))):
        assert _file_list_seen(qtbot, open_it, f"file-list-{name}-{lang}") == [], (name, lang)


@pytest.mark.parametrize("lang", list(LOOK_IN))
def test_the_print_to_file_dialog_shows_its_column_headers_whole(
        lang: str, hub: LanguageHub, qtbot: Any, tmp_path: Path,
        qt_settings_here: Path) -> None:  # noqa: F811
    """The handout's "Print…" opens Qt's print dialog, whose "..." beside the output file opens
    Qt's own file dialog by itself (``QFileDialog::getSaveFileName`` in Qt's
    ``qprintdialog_unix.cpp``), not through :func:`filedialogs.save_file`: its columns were
    English-sized, "Değiştirilme Tarihi" cut as in the app's own dialogs before
    :func:`filedialogs.fit_file_list`. Clicked for real, through the handout dialog's own print
    path: every header whole and inside the list, and the folder it showed is not left in
    ``QtProject.conf`` once the print dialog is closed."""
    from PySide6.QtPrintSupport import QPrintDialog
    from PySide6.QtWidgets import QComboBox, QToolButton, QTreeView

    from kimdesk.gui.fonts import register_fonts
    from tests.handouts.test_gui import open_dialog

    register_fonts()
    hub.apply(lang)
    handout = open_dialog(qtbot)
    problems: list[str] = []
    seen: list[QFileDialog] = []

    def read(files: Any) -> None:
        seen.append(files)
        files.setViewMode(QFileDialog.ViewMode.Detail)
        QApplication.processEvents()
        view = files.findChild(QTreeView, "treeView")
        header = view.header()
        problems.extend(cut_texts(view))
        for section in range(header.count()):
            start = header.sectionViewportPosition(section)
            if not start >= 0 or start + header.sectionSize(section) > view.viewport().width():
                problems.append(f"section {section} at {start}, outside the list")
        SHOTS.mkdir(parents=True, exist_ok=True)
        files.grab().save(str(SHOTS / f"file-list-print-{lang}.png"))
        files.reject()

    def to_file(printing: Any) -> None:
        printers = printing.findChild(QComboBox, "printers")
        printers.setCurrentIndex(printers.count() - 1)  # Qt lists "Print to File (PDF)" last
        printing.grab().save(str(SHOTS / f"print-dialog-{lang}.png"))
        browse = printing.findChild(QToolButton, "fileBrowser")
        assert browse.isEnabled()
        When(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog), lambda: read(
            QApplication.activeModalWidget()))
        browse.click()  # runs the file dialog's own loop until read() closes it
        printing.reject()

    printed = When(lambda: isinstance(QApplication.activeModalWidget(), QPrintDialog),
                   lambda: to_file(QApplication.activeModalWidget()))
    handout.print_button.click()
    qtbot.waitUntil(lambda: printed.done, timeout=10000)
    assert len(seen) == 1, "no file dialog"
    assert problems == [], lang
    store = qt_settings_here.read_text("utf-8") if qt_settings_here.exists() else ""
    assert "lastVisited" not in store and "history" not in store, store


@pytest.mark.parametrize("lang", list(LOOK_IN))
def test_the_file_list_dates_read_as_the_apps_dates(
        lang: str, hub: LanguageHub, qtbot: Any, tmp_path: Path,
        qt_settings_here: Path) -> None:  # noqa: F811
    """The file list's "Date Modified" read "22:03 2026 12 7" in Arabic (a review, 2026-12-07):
    Qt writes it in the system's locale (``QLocale::system()``, "C" here: "7 12 2026 22:03";
    on a German desktop "07.12.26 22:03" in any interface language), not the interface's. Each
    cell reads as the app writes every other date and time (the case history's): the
    interface's own short date with a four-digit year and its digits, then "HH:mm"; in Arabic
    and Persian drawn as their readers read it, right to left: day, month, year, then the time;
    and whole in its column."""
    import os
    from datetime import datetime

    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QTreeView

    from kimdesk.gui.fonts import register_fonts
    from kimdesk.gui.lang import format_clock, format_date
    from tests.gui.fit import right_to_left

    register_fonts()
    hub.apply(lang)
    made = tmp_path / "Termin.pdf"
    made.write_bytes(b"%PDF-1.4\n")
    stamp = datetime(2026, 12, 7, 22, 3).timestamp()  # local time, as the column shows it
    os.utime(made, (stamp, stamp))
    day, clock = format_date(datetime(2026, 12, 7).date()), format_clock(22, 3)
    seen: dict[str, Any] = {}

    def read(dialog: Any) -> None:
        dialog.setViewMode(QFileDialog.ViewMode.Detail)
        view = dialog.findChild(QTreeView, "treeView")
        model = view.model()
        qtbot.waitUntil(lambda: model.rowCount(view.rootIndex()) > 0, timeout=5000)
        index = model.index(0, 3, view.rootIndex())
        option = QStyleOptionViewItem()
        view.itemDelegateForIndex(index).initStyleOption(option, index)
        room = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
        parts = [p for p in re.split(r"[^\d:]+", option.text) if p]  # any script's digits
        seen.update(name=model.index(0, 0, view.rootIndex()).data(), text=option.text,
                    needed=view.fontMetrics().horizontalAdvance(option.text),
                    room=view.header().sectionSize(3) - (option.rect.width() - room.width()),
                    parts=parts, drawn=right_to_left(view, option.text, parts))

    _in_the_dialog(qtbot, lambda: filedialogs.open_file(None, "KIMdesk", str(tmp_path), ""),
                   f"file-list-dates-{lang}", read)
    assert seen["name"] == "Termin.pdf"
    assert seen["text"] == f"{day} {clock}", seen["text"]
    assert seen["needed"] <= seen["room"], seen
    if lang in ("ar", "fa"):
        assert not re.search("[0-9]", seen["text"])
        parts = seen["parts"]
        assert seen["drawn"] == (
            parts if lang == "ar" else [parts[2], parts[1], parts[0], parts[3]])  # fa: y/M/d
