"""Handout dialog: template and languages -> PDF preview (QtPdf) -> print or save.

Why the preview is the PDF itself (not a QTextDocument mock-up): what the counselor sees is exactly
what the printer gets, shaped and ordered by the same engine as the CLI. Rendering (about 20-40 ms
warm, a few hundred ms cold while fonts load) runs on a one-thread pool, never on the GUI thread;
a newer request supersedes an older one, so quickly flipping through languages never shows a stale
preview. Printing rasterises each PDF page at the printer's resolution with ``QPdfDocument.render``,
which works for every printer driver, and goes through the native ``QPrintDialog``.

The bundled Noto fonts are registered with ``QFontDatabase`` (:func:`register_fonts`) so the
language names in the combo boxes (ትግርኛ, پښتو) draw with the same faces as the paper.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QRect,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QFontDatabase, QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kimdesk.handouts.data import HandoutData
from kimdesk.handouts.templates import LANGUAGES, load_texts
from kimdesk.i18n import N_, current_language, gettext

_ = gettext
log = logging.getLogger(__name__)

#: Template ids with their names in the interface language.
TEMPLATE_NAMES: dict[str, str] = {
    "appointment": N_("Appointment confirmation"),
    "documents": N_("Document checklist"),
    "consent": N_("Consent form"),
    "goals": N_("Goal agreement"),
    "referral": N_("Referral sheet"),
    "contact": N_("Case manager contact card"),
}
#: Values the vault does not hold, typed in the dialog (value name -> field label).
DETAIL_FIELDS: dict[str, str] = {
    "appointment_date": N_("Appointment date"),
    "appointment_time": N_("Appointment time"),
    "appointment_place": N_("Appointment place"),
    "counselor_phone": N_("Your phone number"),
    "office_hours": N_("Your office hours"),
}
DEBOUNCE_MS = 250
_font_families: list[str] | None = None
_fonts_lock = threading.Lock()


def register_fonts() -> list[str]:
    """Add the bundled Noto fonts to Qt once per process; returns their family names.

    The desktop client may call this at start-up too, so every widget can draw Tigrinya or
    Pashto with no system font installed."""
    global _font_families
    from kimdesk.handouts.fonts import font_files

    with _fonts_lock:
        if _font_families is None:
            families: list[str] = []
            for path in font_files():
                font_id = QFontDatabase.addApplicationFont(str(path))
                if font_id < 0:
                    log.warning("Qt could not load the font %s", path)
                    continue
                families += [f for f in QFontDatabase.applicationFontFamilies(font_id)
                             if f not in families]
            _font_families = families
        return list(_font_families)


W = TypeVar("W", bound=QObject)


def _named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


class _Signals(QObject):
    done = Signal(int, object, object)  # request id, pdf bytes, error


class _RenderJob(QRunnable):
    """Lays out and renders one handout on the pool thread (Qt-free core code only)."""

    def __init__(self, request: int, args: tuple[str, str, str | None, HandoutData, str],
                 signals: _Signals) -> None:
        super().__init__()
        self.request, self.args, self.signals = request, args, signals
        self.thread_id: int | None = None

    def run(self) -> None:
        from kimdesk.handouts.render import prepare, render_pdf

        self.thread_id = threading.get_ident()
        template, lang, second, data, layout = self.args
        try:
            pdf = render_pdf(prepare(template, lang, second, data, layout=layout))
        except Exception as exc:  # shown in the dialog, never raised into Qt
            self.signals.done.emit(self.request, None, exc)
            return
        self.signals.done.emit(self.request, pdf, None)


class HandoutDialog(QDialog):
    """Non-modal dialog; :attr:`pdf` holds the bytes of the current preview."""

    rendered = Signal()  # a new preview is shown (tests and callers may wait for it)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, data: HandoutData | None = None) -> None:
        super().__init__(parent)
        register_fonts()
        self.setObjectName("handoutDialog")
        self.setWindowTitle(_("Handout"))
        self.resize(980, 760)
        self.data = data or HandoutData()
        self.pdf: bytes | None = None
        self.render_threads: set[int] = set()
        self._requests = itertools.count(1)
        self._latest = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_rendered)
        self._buffer: QBuffer | None = None
        self._document = QPdfDocument(self)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.regenerate)
        self._build()
        self._fill_languages(self.data.preferred_language)
        self._schedule()

    # -- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.template_box = _named(QComboBox(), "handoutTemplate")
        for template_id, name in TEMPLATE_NAMES.items():
            self.template_box.addItem(_(name), template_id)
        self.lang_box = _named(QComboBox(), "handoutLanguage")
        self.second_box = _named(QComboBox(), "handoutSecondLanguage")
        self.layout_box = _named(QComboBox(), "handoutLayout")
        self.layout_box.addItem(_("Side by side"), "side")
        self.layout_box.addItem(_("One after the other"), "stacked")
        self.draft_label = _named(QLabel(), "handoutDraftNote")
        self.status_label = _named(QLabel(), "handoutStatus")
        for label in (self.draft_label, self.status_label):
            label.setWordWrap(True)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # long German labels
        form.addRow(_("Template"), self.template_box)
        form.addRow(_("Client's language"), self.lang_box)
        form.addRow(_("Second language"), self.second_box)
        form.addRow(_("Layout"), self.layout_box)
        # Details the vault does not know (the appointment, the counselor's phone): typed here,
        # printed where the template has a field for them, else a line to fill in by hand.
        self.detail_edits: dict[str, QLineEdit] = {}
        for name, caption in DETAIL_FIELDS.items():
            edit = _named(QLineEdit(), f"handoutDetail_{name}")
            edit.textChanged.connect(self._schedule)
            self.detail_edits[name] = edit
            form.addRow(_(caption), edit)
        self._form = form
        self.print_button = _named(QPushButton(_("Print…")), "handoutPrint")
        self.save_button = _named(QPushButton(_("Save as PDF…")), "handoutSave")
        close = _named(QPushButton(_("Close")), "handoutClose")
        for button in (self.print_button, self.save_button):
            button.setEnabled(False)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_document)
        close.clicked.connect(self.close)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.draft_label)
        side.addWidget(self.status_label)
        side.addStretch(1)
        side.addWidget(self.print_button)
        side.addWidget(self.save_button)
        side.addWidget(close)
        self.view = _named(QPdfView(self), "handoutPreview")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self._document)
        layout = QHBoxLayout(self)
        panel = QWidget()
        panel.setLayout(side)
        panel.setMaximumWidth(340)
        layout.addWidget(panel)
        layout.addWidget(self.view, 1)
        for box in (self.template_box, self.lang_box, self.second_box, self.layout_box):
            box.currentIndexChanged.connect(self._schedule)
        self.template_box.currentIndexChanged.connect(self._show_details)
        self._show_details()

    def _show_details(self, *_args: object) -> None:
        """Offer only the detail fields the chosen template prints."""
        from kimdesk.handouts.templates import HandoutError, load_template

        try:
            used = {b.value for b in load_template(self.template_box.currentData()).blocks}
        except HandoutError:
            used = set()
        for name, edit in self.detail_edits.items():
            self._form.setRowVisible(edit, name in used)

    def details(self) -> dict[str, str]:
        return {name: edit.text().strip() for name, edit in self.detail_edits.items()
                if edit.text().strip()}

    def _fill_languages(self, preferred: str | None) -> None:
        self.lang_box.blockSignals(True)
        self.second_box.blockSignals(True)
        self.second_box.addItem(_("none"), None)
        for lang in LANGUAGES:
            name = f"{load_texts(lang).name} ({lang})"
            self.lang_box.addItem(name, lang)
            self.second_box.addItem(name, lang)
        first = preferred if preferred in LANGUAGES else current_language()
        self.lang_box.setCurrentIndex(max(0, self.lang_box.findData(first)))
        self.second_box.setCurrentIndex(self.second_box.findData("de" if first != "de" else "en"))
        self.lang_box.blockSignals(False)
        self.second_box.blockSignals(False)

    # -- choices -------------------------------------------------------------------------------
    def choose(self, template: str | None = None, lang: str | None = None,
               second: str | bool | None = False, layout: str | None = None) -> None:
        """Select template, languages and layout by code (``second=None``: no second language;
        ``layout``: ``side`` or ``stacked``)."""
        if layout is not None:
            self.layout_box.setCurrentIndex(self.layout_box.findData(layout))
        if template is not None:
            self.template_box.setCurrentIndex(self.template_box.findData(template))
        if lang is not None:
            self.lang_box.setCurrentIndex(self.lang_box.findData(lang))
        if second is not False:
            self.second_box.setCurrentIndex(self.second_box.findData(second))
        self._schedule()

    def selection(self) -> tuple[str, str, str | None]:
        return (self.template_box.currentData(), self.lang_box.currentData(),
                self.second_box.currentData())

    def set_data(self, data: HandoutData) -> None:
        """Case data arrived (from the database worker): fill in and re-render."""
        self.data = data
        if data.preferred_language in LANGUAGES:
            self.lang_box.setCurrentIndex(self.lang_box.findData(data.preferred_language))
        self._schedule()

    def show_error(self, exc: BaseException) -> None:
        text = exc.translated() if hasattr(exc, "translated") else str(exc)
        self.status_label.setText(text)
        self.failed.emit(text)

    # -- rendering -----------------------------------------------------------------------------
    def _schedule(self, *_args: object) -> None:
        self.status_label.setText(_("Preparing the preview…"))
        self._timer.start()

    @Slot()
    def regenerate(self) -> None:
        """Start rendering the current choice on the pool thread."""
        template, lang, second = self.selection()
        self.layout_box.setEnabled(second is not None and second != lang)
        texts = load_texts(lang)
        self.draft_label.setText(_("Draft translation: not yet reviewed.") if texts.is_draft
                                 else "")
        self._latest = next(self._requests)
        data = replace(self.data, values={**self.data.values, **self.details()})
        layout = str(self.layout_box.currentData())
        job = _RenderJob(self._latest, (template, lang, second, data, layout), self._signals)
        self._jobs = getattr(self, "_jobs", {})
        self._jobs[self._latest] = job
        self._pool.start(job)

    @Slot(int, object, object)
    def _on_rendered(self, request: int, pdf: bytes | None, error: Exception | None) -> None:
        job = self._jobs.pop(request, None)
        if job is not None and job.thread_id is not None:
            self.render_threads.add(job.thread_id)
        if request != self._latest:
            return  # superseded by a newer choice
        if error is not None or pdf is None:
            self.pdf = None
            self.print_button.setEnabled(False)
            self.save_button.setEnabled(False)
            self.show_error(error or RuntimeError("no PDF"))
            return
        self.pdf = pdf
        self._document.close()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer
        self.status_label.setText("")
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.rendered.emit()

    @property
    def page_count(self) -> int:
        return int(self._document.pageCount())

    def render_page(self, page: int, dpi: float = 96.0) -> QImage:
        size = self._document.pagePointSize(page)
        pixels = QSize(round(size.width() * dpi / 72.0), round(size.height() * dpi / 72.0))
        return self._document.render(page, pixels)

    # -- output --------------------------------------------------------------------------------
    @Slot()
    def save_document(self) -> None:
        template, lang, second = self.selection()
        suggested = f"{template}-{lang}{'-' + second if second else ''}.pdf"
        path, _filter = QFileDialog.getSaveFileName(self, _("Save handout"), suggested,
                                                    _("PDF files (*.pdf)"))
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        from kimdesk.handouts.render import write_pdf

        if self.pdf is None:
            return
        try:
            write_pdf(self.pdf, path)
        except Exception as exc:
            self.show_error(exc)
            return
        self.status_label.setText(_("Saved: {path}").format(path=str(path)))

    @Slot()
    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.windowTitle())
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Paint every page at the printer's resolution (also used by tests with a PDF printer)."""
        if self.pdf is None or self.page_count == 0:
            return
        painter = QPainter()
        if not painter.begin(printer):
            self.show_error(RuntimeError(_("The printer could not be started.")))
            return
        try:
            dpi = min(printer.resolution(), 300)
            for page in range(self.page_count):
                if page:
                    printer.newPage()
                image = self.render_page(page, dpi)
                area = painter.viewport()
                size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRect(area.x(), area.y(), size.width(), size.height()), image)
        finally:
            painter.end()

    def closeEvent(self, event: Any) -> None:
        self._timer.stop()
        self._latest = -1  # drop results still on their way
        self._pool.waitForDone(5000)
        super().closeEvent(event)


def open_handout_dialog(parent: QWidget | None = None, source: Any = None,
                        case_id: str | None = None) -> HandoutDialog:
    """Open the handout dialog (non-modal) and return it.

    ``source`` is the main window's :class:`~kimdesk.gui.worker.DbWorker` (the case is read on
    its thread), an open Vault (read right here), ready :class:`HandoutData`, or None for a blank
    handout. ``case_id`` names the case for the first two."""
    from kimdesk.handouts.data import load_case_data

    dialog = HandoutDialog(parent, source if isinstance(source, HandoutData) else None)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if case_id and hasattr(source, "submit"):
        dialog.status_label.setText(_("Reading the case…"))
        source.submit(lambda worker: load_case_data(worker.vault, case_id), dialog.set_data,
                      dialog.show_error)
    elif case_id and hasattr(source, "cases"):
        dialog.set_data(load_case_data(source, case_id))
    dialog.show()
    return dialog
