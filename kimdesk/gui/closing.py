"""Quitting without a frozen window (issue 18.10: "quitting takes 4 s with no feedback").

The window used to close by calling :meth:`DbWorker.stop` inside ``closeEvent``, which queues
"close the vault" behind every job already on the vault lane and blocks the GUI thread until it
has run. Behind a sync run or an offline probe (both talk to the server on that lane; the probe may
wait :data:`kimdesk.sync.transport.PROBE_TIMEOUT`, 3 s, for an unreachable server, a run up to its
request timeout) the window stood still, painted nothing and gave no sign of why.

Now the first close does everything that must happen at once (forget the folders Qt's file
dialog remembered, stop the idle timer and sync, keep the window's geometry, clear the case data
from the screen, queue the draft saves) and then:

* nothing queued on the vault lane and no sync run: the vault is closed and the window closes at
  once, as before;
* otherwise the close waits, without blocking: the window stays painted, its contents disabled,
  and the status bar says "Closing…" and why (the sync with the server, or saving). The vault is
  closed by a job queued behind the others, so every draft save still lands; its answer closes the
  window for good. A second Ctrl+Q meanwhile changes nothing. A save still queued (Ctrl+S just
  before Ctrl+Q) is among them: refused, its entries are kept in the vault on the vault lane
  before the vault closes (:func:`kimdesk.gui.lockdraft.keep_refused_save`), and come back when
  the case is opened after the next start. The wait is bounded by the queued jobs themselves: a
  save waits at most ``busy_timeout`` (5 s) for the write lock, keeping its entries at most that
  again or, failing that, until the sync run the close cancelled has ended at its next step.

Nothing is cut short: a job that is running finishes (a sync run was asked to stop at its next
step by ``sync.stop()``), so no write is lost for the sake of a faster exit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication

from kimdesk.gui.filedialogs import forget_dialog_history
from kimdesk.i18n import N_, gettext

if TYPE_CHECKING:
    from kimdesk.gui.mainwindow import MainWindow

_ = gettext

MSG_CLOSING_SYNC = N_("Closing… waiting for the sync with the server to stop.")
MSG_CLOSING_SAVE = N_("Closing… saving your work and closing the vault.")


class WindowCloser:
    """The main window's ``closeEvent``: see the module's docstring."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.waiting = False  # the vault lane is being drained; the window closes after it
        self.done = False  # the vault is closed: the next close event is accepted
        self.waits = 0  # closes that had to wait for queued work (tests count them)

    def close_event(self, event: QCloseEvent) -> None:
        window = self.window
        if self.done:
            event.accept()
            return
        if self.waiting:  # Ctrl+Q again while the queue drains: the close is under way
            event.ignore()
            return
        workspace = window._workspace
        if workspace is not None and not workspace.case_view.confirm_discard():
            event.ignore()
            return
        reason = self.reason()  # before sync.stop(), which forgets the state
        forget_dialog_history()  # as at a lock: the folders a file dialog showed name clients
        window.idle.stop()
        window.settings.store.setValue("ui/geometry", window.saveGeometry())
        if workspace is not None:
            window.settings.store.setValue("ui/splitter", workspace.ui.splitter.saveState())
        window.sync.stop()
        if workspace is not None:
            workspace.clear()  # queues the open form's draft before the vault closes
            # Saves still queued are waited for (the vault closes behind them); a refused one's
            # entries are kept in the vault on the lane, and come back when the case is opened
            # after the next start. Their answers have no case view left to go to.
            workspace.case_view.stale.pending.hand_over()
        worker = window.worker
        if not worker.busy and not worker.syncing:
            worker.stop()
            self.done = True
            event.accept()
            return
        self.waiting = True
        self.waits += 1
        event.ignore()
        window.stack.setEnabled(False)
        window.menuBar().setEnabled(False)
        window.statusBar().showMessage(_(reason))  # stays until the window closes
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        worker.submit(lambda w: w.close_vault(), lambda _r: self._drained(),
                      lambda _exc: self._drained())

    @property
    def closing(self) -> bool:
        """The close is under way: the vault is closing or closed, though nobody locked it. A
        save's answer still wants the list read again (a form saved just before Ctrl+Q), which
        then met the closed vault: "The vault is locked." in a box over "Closing…" (a review,
        2026-12-07)."""
        return self.waiting or self.done

    def reason(self) -> str:
        """Why the close has to wait (a msgid): a sync run (on its own lane; closing the vault
        waits for it) or an offline probe (on the vault lane); anything else queued is saving."""
        from kimdesk.sync.schedule import SyncState

        controller = self.window.sync.controller
        if controller is not None and (controller.running
                                       or controller.state is SyncState.OFFLINE):  # a probe
            return MSG_CLOSING_SYNC
        return MSG_CLOSING_SAVE

    def _drained(self) -> None:
        """The vault is closed: end the threads (nothing is left to wait for) and close."""
        QApplication.restoreOverrideCursor()
        self.waiting = False
        self.done = True
        self.window.worker.stop()
        self.window.close()
