""""Export to calendar (.ics)": the counselor chooses what each event says, then where it goes.

Every choice starts off (issue 18: "no personal data beyond what the counselor chooses"): an
event says "KIM appointment" and its time, nothing else. The case number, the client's name and
the place are each a tick; reviews due can go along as all-day events. The choice is not
remembered: a later export starts from nothing again, so ticking "name" once does not leak names
into every later file. What is exported: every appointment from today on (not only the day or
week on screen), so the file is the counselor's whole plan. :mod:`kimdesk.ics` writes the file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from kimdesk.gui.jobs import failure_message
from kimdesk.gui.lang import ltr_within
from kimdesk.gui.naming import named
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import gettext
from kimdesk.ics import IcsChoice, calendar_bytes, write_ics
from kimdesk.vault.appointments import agenda

_ = gettext
#: The last day asked for when "every appointment from today on" is exported.
LAST_DAY = date(9999, 12, 31)


class IcsExportDialog(QDialog):
    """Window-modal over the agenda; ``written(path)`` once the file is saved."""

    written = Signal(str)
    failed = Signal(str)

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("icsExportDialog")
        self.worker = worker
        self.setWindowTitle(_("Export to calendar"))
        intro = QLabel(ltr_within(_(
            "Every appointment from today on goes into an iCalendar file (.ics) for your own "
            "calendar. Each entry says \"KIM appointment\" and its time; tick what else it may "
            "say. Whatever you tick leaves the encrypted vault with the file."), "(.ics)"))
        intro.setWordWrap(True)
        self.case_number = named(QCheckBox(_("&Case number")), "icsCaseNumber")
        self.name = named(QCheckBox(_("Client's &name")), "icsName")
        self.place = named(QCheckBox(_("&Place")), "icsPlace")
        self.reviews = named(QCheckBox(_("&Reviews due (all-day entries)")), "icsReviews")
        self.status = named(QLabel(), "icsStatus")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.choose_file)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for box in (self.case_number, self.name, self.place, self.reviews):
            layout.addWidget(box)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def choice(self) -> IcsChoice:
        return IcsChoice(title=_("KIM appointment"),
                         review_title=_("KIM review due") if self.reviews.isChecked() else "",
                         case_number=self.case_number.isChecked(), name=self.name.isChecked(),
                         place=self.place.isChecked())

    def choose_file(self) -> None:
        from kimdesk.gui.filedialogs import save_file, suggested

        path = save_file(self, _("Export to calendar"), suggested(_("KIM appointments") + ".ics"),
                         _("iCalendar files (*.ics)"))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path, today: date | None = None) -> None:
        """Read, build and write on the database worker; the dialog closes when it is done."""
        choice, first = self.choice(), today or date.today()

        def job(w: DbWorker) -> str:
            write_ics(path, calendar_bytes(agenda(w.require_vault(), first, LAST_DAY), choice))
            return str(path)

        self.status.setText(_("Exporting…"))
        self.worker.submit(job, self._done, self._failed)

    def _done(self, path: str) -> None:
        self.written.emit(path)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        text = failure_message(exc)
        self.status.setText(text)
        self.failed.emit(text)
