"""Handout dialog: template and languages -> PDF preview (QtPdf) -> print or save.

Why the preview is the PDF itself (not a QTextDocument mock-up): what the counselor sees is exactly
what the printer gets, shaped and ordered by the same engine as the CLI. Rendering (about 20-40 ms
warm, a few hundred ms cold while fonts load) is a :class:`kimdesk.gui.jobs.BackgroundJob` on the
worker's files lane (it needs no vault), never on the GUI thread; a newer request supersedes an
older one, so quickly flipping through languages never shows a stale preview. Opened without the
main window's worker (a blank handout, a bare Vault in tests and scripts), the dialog runs a
worker of its own, lends it the vault if there is one, and stops it when it closes.

Printing rasterises each PDF page at the printer's resolution with ``QPdfDocument.render``, which
works for every printer driver, and goes through the native ``QPrintDialog``.

The bundled Noto fonts are registered with ``QFontDatabase``
(:func:`kimdesk.gui.fonts.register_fonts`) so the language names in the combo boxes (ትግርኛ, پښتو)
draw with the same faces as the paper.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QCloseEvent, QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kimdesk.gui.fonts import register_fonts
from kimdesk.gui.jobs import BackgroundJob, failure_message
from kimdesk.gui.naming import named
from kimdesk.gui.worker import DbWorker
from kimdesk.handouts.data import HandoutData
from kimdesk.handouts.fonts import UNPRINTABLE_NOTE
from kimdesk.handouts.templates import LANGUAGES, load_texts
from kimdesk.i18n import N_, current_language, gettext

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

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
    "counselor": N_("Your name"),
    "appointment_date": N_("Appointment date"),
    "appointment_time": N_("Appointment time"),
    "appointment_place": N_("Appointment place"),
    "counselor_phone": N_("Your phone number"),
    "office_hours": N_("Your office hours"),
}
DEBOUNCE_MS = 250


def _second_for(lang: str) -> str:
    """The language printed beside the client's: German for the offices, English beside German."""
    return "de" if lang != "de" else "en"


def _render(request: tuple[str, str, str | None, HandoutData, str]) -> tuple[bytes, int, bool]:
    """Lay out and render one handout (Qt-free core code; on the files lane). Returns the PDF,
    the thread it was made on (the tests check that this is not the GUI thread) and whether a
    typed value prints "[…]" (letters no bundled font has)."""
    from kimdesk.handouts.render import prepare, render_pdf

    template, lang, second, data, layout = request
    prepared = prepare(template, lang, second, data, layout=layout)
    return render_pdf(prepared), threading.get_ident(), prepared.unprintable


class HandoutDialog(QDialog):
    """Non-modal dialog; :attr:`pdf` holds the bytes of the current preview."""

    rendered = Signal()  # a new preview is shown (tests and callers may wait for it)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, data: HandoutData | None = None,
                 worker: DbWorker | None = None) -> None:
        super().__init__(parent)
        register_fonts()
        self.setObjectName("handoutDialog")
        self.setWindowTitle(_("Handout"))
        self.resize(980, 760)
        self.data = data or HandoutData()
        #: whether the worker holds a vault that keeps her own details (:meth:`keep_details`)
        self.keeps_contact = False
        self.pdf: bytes | None = None
        self.render_threads: set[int] = set()
        self.worker = worker if worker is not None else DbWorker()
        self._own_worker = worker is None
        self._preview: BackgroundJob[tuple[bytes, int, bool]] | None = None
        self._buffer: QBuffer | None = None
        self._document = QPdfDocument(self)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.regenerate)
        self._build()
        self._fill_languages(self.data.preferred_language)
        self._schedule()

    # -- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.template_box = named(QComboBox(), "handoutTemplate")
        for template_id, name in TEMPLATE_NAMES.items():
            self.template_box.addItem(_(name), template_id)
        self.lang_box = named(QComboBox(), "handoutLanguage")
        self.second_box = named(QComboBox(), "handoutSecondLanguage")
        self.layout_box = named(QComboBox(), "handoutLayout")
        self.layout_box.addItem(_("Side by side"), "side")
        self.layout_box.addItem(_("One after the other"), "stacked")
        self.draft_label = named(QLabel(), "handoutDraftNote")
        self.status_label = named(QLabel(), "handoutStatus")
        self.script_label = named(QLabel(), "handoutScriptNote")
        for label in (self.draft_label, self.script_label, self.status_label):
            label.setWordWrap(True)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # long German labels
        # Each input is named for screen readers: Qt names a combo box by its current value
        # ("Deutsch"), not by the label beside it (issue 18.9).
        for caption, box in ((_("Template"), self.template_box),
                             (_("Client's language"), self.lang_box),
                             (_("Second language"), self.second_box),
                             (_("Layout"), self.layout_box)):
            box.setAccessibleName(caption)
            form.addRow(caption, box)
        # Details typed here (the appointment, the counselor's name, phone and office hours),
        # printed where the template has a field for them, else a line to fill in by hand; her
        # own details are kept in the vault for the next sheet (:meth:`keep_details`).
        self.detail_edits: dict[str, QLineEdit] = {}
        for name, caption in DETAIL_FIELDS.items():
            edit = named(QLineEdit(), f"handoutDetail_{name}")
            edit.textChanged.connect(self._schedule)
            self.detail_edits[name] = edit
            edit.setAccessibleName(_(caption))
            form.addRow(_(caption), edit)
        self._form = form
        self.print_button = named(QPushButton(_("Print…")), "handoutPrint")
        self.save_button = named(QPushButton(_("Save as PDF…")), "handoutSave")
        close = named(QPushButton(_("Close")), "handoutClose")
        for button in (self.print_button, self.save_button):
            button.setEnabled(False)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_document)
        close.clicked.connect(self.close)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.draft_label)
        side.addWidget(self.script_label)
        side.addWidget(self.status_label)
        side.addStretch(1)
        side.addWidget(self.print_button)
        side.addWidget(self.save_button)
        side.addWidget(close)
        self.view = named(QPdfView(self), "handoutPreview")
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
        self.second_box.setCurrentIndex(self.second_box.findData(_second_for(first)))
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
        for name, edit in self.detail_edits.items():  # the case's next appointment, editable
            if not edit.text() and data.values.get(name):
                edit.setText(data.values[name])
        if data.preferred_language in LANGUAGES:
            # the second language follows unless the counselor chose one: with the case read
            # after the dialog opened (the main window's path), an Arabic client's sheet in a
            # German interface came out Arabic beside English, not German (a review, 2026-12-07)
            before, second = self.lang_box.currentData(), self.second_box.currentData()
            self.lang_box.setCurrentIndex(self.lang_box.findData(data.preferred_language))
            if second in (_second_for(before), data.preferred_language):
                self.second_box.setCurrentIndex(
                    self.second_box.findData(_second_for(data.preferred_language)))
        self._schedule()

    def show_error(self, exc: BaseException) -> None:
        """In the dialog's status line, translated (never the exception's raw text)."""
        text = failure_message(exc)
        self.status_label.setText(text)
        self.failed.emit(text)

    # -- rendering -----------------------------------------------------------------------------
    def _schedule(self, *_args: object) -> None:
        self.status_label.setText(_("Preparing the preview…"))
        self._timer.start()

    @Slot()
    def regenerate(self) -> None:
        """Start rendering the current choice on the worker's files lane."""
        template, lang, second = self.selection()
        self.layout_box.setEnabled(second is not None and second != lang)
        texts = load_texts(lang)
        self.draft_label.setText(_("Draft translation: not yet reviewed.") if texts.is_draft
                                 else "")
        data = replace(self.data, values={**self.data.values, **self.details()})
        request = (template, lang, second, data, str(self.layout_box.currentData()))
        job = BackgroundJob(self, self.worker, lambda _w: _render(request), uses_vault=False,
                            key=("handout preview", id(self)))
        job.success(lambda result: self._on_rendered(job, *result))
        job.failure(lambda exc: self._on_failed(job, exc))
        self._preview = job.run_in_background()

    def _on_failed(self, job: BackgroundJob[tuple[bytes, int, bool]], error: Exception) -> None:
        if job is not self._preview:
            return  # superseded by a newer choice
        self.pdf = None
        self.print_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.show_error(error)

    def _on_rendered(self, job: BackgroundJob[tuple[bytes, int, bool]], pdf: bytes, thread: int,
                     unprintable: bool) -> None:
        self.render_threads.add(thread)
        if job is not self._preview:
            return  # superseded by a newer choice
        self.pdf = pdf
        self.script_label.setText(_(UNPRINTABLE_NOTE) if unprintable else "")
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
        from kimdesk.gui.filedialogs import save_file, suggested

        title = self.template_box.currentText() or template
        name = suggested(f"{title} {lang}{'-' + second if second else ''}.pdf")
        path = save_file(self, _("Save handout"), name, _("PDF files (*.pdf)"))
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
        # A path has no spaces to wrap at: a zero-width space after each separator, dash
        # and underscore lets the label break a long name instead of cutting it off; the
        # tooltip holds the path as it is.
        breakable = re.sub(r"([/\\_-])", "\\1\u200b", str(path))
        self.status_label.setText(_("Saved: {path}").format(path=breakable))
        self.status_label.setToolTip(str(path))
        self.keep_details()

    @Slot()
    def print_document(self) -> None:
        from kimdesk.gui.filedialogs import run_print_dialog

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.windowTitle())
        dialog = QPrintDialog(printer, self)
        if run_print_dialog(dialog):  # its "Print to file" file dialog fitted and forgotten
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
        self.keep_details()

    def keep_details(self) -> None:
        """After a sheet was saved or printed: the name, phone number and office hours she typed
        as her own are kept in the vault and offered on the next sheet of her cases
        (:mod:`kimdesk.vault.contact`); only what differs from what the sheet was filled with,
        and only with a vault (a blank sheet's dialog has none). On a colleague's case the name
        field holds the colleague's: not kept."""
        from kimdesk.vault.contact import KEYS, keep_contact

        typed = {name: value for name, value in self.details().items()
                 if name in KEYS and value != self.data.values.get(name, "")
                 and (self.data.own_case or name != "counselor")}
        if not (self.keeps_contact and typed):
            return
        self.data = replace(self.data, values={**self.data.values, **typed})
        self.worker.submit(lambda w: keep_contact(w.require_vault(), typed),
                           on_error=lambda exc: log.warning(
                               "handout details not kept: %s", type(exc).__name__))

    def _stop(self) -> None:
        """The dialog is closing: drop the preview on its way and end a worker of its own (a
        closed dialog is not reopened; :func:`open_handout_dialog` deletes it on close)."""
        self._timer.stop()
        preview, self._preview = self._preview, None
        if preview is not None:
            preview.cancel()
            preview.wait(5000)
        if self._own_worker:
            self.worker.stop(close_vault=False)  # a lent vault is the caller's to close

    def done(self, result: int) -> None:
        # Qt 6 closes a dialog from done() but hides that close event from closeEvent
        self._stop()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop()
        super().closeEvent(event)


def open_handout_dialog(parent: QWidget | None = None,
                        source: DbWorker | Vault | HandoutData | None = None,
                        case_id: str | None = None) -> HandoutDialog:
    """Open the handout dialog (non-modal) and return it.

    ``source`` is the main window's :class:`~kimdesk.gui.worker.DbWorker` (the case is read on
    its thread), an open Vault (lent to the dialog's own worker, which never closes it), ready
    :class:`HandoutData`, or None for a blank handout. ``case_id`` names the case for the first
    two."""
    from kimdesk.handouts.data import load_case_data

    worker = source if isinstance(source, DbWorker) else None
    lent = None if isinstance(source, DbWorker | HandoutData) else source
    dialog = HandoutDialog(parent, source if isinstance(source, HandoutData) else None, worker)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if lent is not None:
        dialog.worker.vault = lent
    dialog.keeps_contact = worker is not None or lent is not None
    if case_id and (worker is not None or lent is not None):
        dialog.status_label.setText(_("Reading the case…"))
        BackgroundJob(dialog, dialog.worker,
                      lambda w: load_case_data(w.require_vault(), case_id)) \
            .success(dialog.set_data).failure(dialog.show_error).run_in_background()
    dialog.show()
    return dialog
