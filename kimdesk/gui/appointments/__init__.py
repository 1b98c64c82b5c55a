"""Appointments in the desktop app (issue 18; docs/gui.md, "Appointments").

The next appointment itself is edited in the case view (date, time, place: three fields of the
case form, :data:`kimdesk.gui.records.CASE_FIELDS`). This package adds what is not one case:

- View → "Appointments…" (Ctrl+Shift+D): :class:`~kimdesk.gui.appointments.dialog.AgendaDialog`,
  the day and week view with the reviews due; a row opens its case;
- the reminder in the status bar after every unlock and every saved case change: how many
  appointments are today and how many reviews are due (overdue included); a link opens the view;
- "Export to calendar (.ics)…" in the view: :mod:`kimdesk.gui.appointments.export`.

:class:`AppointmentsHook` attaches all of it to the main window with one line there, so the
window's module does not grow (it is at the 500-line limit).
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from kimdesk.gui.lang import format_int
from kimdesk.gui.menus import ActionSpec
from kimdesk.gui.worker import where
from kimdesk.i18n import N_, gettext, ngettext
from kimdesk.vault.appointments import DueToday, due_today

if TYPE_CHECKING:
    from kimdesk.gui.appointments.dialog import AgendaDialog
    from kimdesk.gui.appointments.export import IcsExportDialog
    from kimdesk.gui.mainwindow import MainWindow

log = logging.getLogger(__name__)

__all__ = ["AppointmentsHook", "reminder_text"]


def reminder_text(due: DueToday) -> str:
    """"2 appointments today · 1 review due", translated; empty when nothing is due."""
    parts = []
    if due.appointments:
        parts.append(ngettext("{n} appointment today", "{n} appointments today",
                              due.appointments).format(n=format_int(due.appointments)))
    if due.reviews:
        parts.append(ngettext("{n} review due", "{n} reviews due",
                              due.reviews).format(n=format_int(due.reviews)))
    return " · ".join(parts)


class AppointmentsHook:
    """The main window's appointments command, reminder and agenda window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: AgendaDialog | None = None
        self._watching = False
        self.action = window.menus.add(ActionSpec(
            "appointments", "view", N_("&Appointments…"), "Ctrl+Shift+D", self.open))
        window.unlock_screen.unlocked.connect(self._unlocked)
        window.create_screen.created.connect(self._unlocked)
        window.status.reminder_label.linkActivated.connect(lambda _link: self.open())
        window.hub.changed.connect(self._retranslate)

    # -- reminder ------------------------------------------------------------------------------
    def _unlocked(self, _meta: Any) -> None:
        if not self._watching:  # the workspace exists from the first unlock on
            self.window.workspace.case_view.case_changed.connect(lambda _id: self.remind())
            self._watching = True
        self.remind()

    def remind(self) -> None:
        if self.window.unlocked:
            self.window.worker.submit(lambda w: due_today(w.require_vault()), self._show_due,
                                      self._reminder_failed, key="appointments-reminder")

    def _show_due(self, due: DueToday) -> None:
        if not self.window.unlocked:
            return  # an answer that arrived after locking
        text = reminder_text(due)
        self.window.status.show_reminder(
            f'<a href="agenda">{html.escape(text)}</a>' if text else "")
        self.window.status.reminder_label.setAccessibleName(text)

    @staticmethod
    def _reminder_failed(exc: Exception) -> None:
        log.error("appointments reminder failed: %s", where(exc))

    # -- the agenda window ---------------------------------------------------------------------
    def open(self) -> AgendaDialog | None:
        """View → "Appointments…": the agenda of today (one window, raised if open)."""
        if not self.window.unlocked:
            return None
        if self.dialog is None:
            from kimdesk.gui.appointments.dialog import AgendaDialog  # not on the start-up path

            dialog = AgendaDialog(self.window.worker, self.window)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(self._forget)
            dialog.open_requested.connect(self.open_case)
            dialog.export_requested.connect(self.open_export)
            self.dialog = dialog
            dialog.load()
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.dialog.table.setFocus()
        return self.dialog

    def _forget(self, *_args: Any) -> None:
        self.dialog = None

    def open_case(self, case_id: str) -> None:
        """A row was opened: the case comes up in the main window, the agenda closes."""
        if self.window.unlocked and self.window.workspace.open_case(case_id):
            if self.dialog is not None:
                self.dialog.close()
            self.window.activateWindow()
            self.window.workspace.case_view.setFocus()

    def open_export(self) -> IcsExportDialog | None:
        if self.dialog is None:
            return None
        from kimdesk.gui.appointments.export import IcsExportDialog

        export = IcsExportDialog(self.window.worker, self.dialog)
        export.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        export.setWindowModality(Qt.WindowModality.WindowModal)
        export.written.connect(self._written)
        export.open()
        return export

    def _written(self, path: str) -> None:
        if self.dialog is not None:
            self.dialog.status_label.setText(gettext("Saved: {path}").format(path=path))

    def _retranslate(self, *_args: Any) -> None:
        if self.dialog is not None:
            self.dialog.retranslate()
        self.remind()
