"""The main window's side of sync: :mod:`kimdesk.gui.sync` built on the first unlock, started after
every unlock and stopped before every lock; and the clean-up of the local sync server that older
versions ran (:mod:`kimdesk.sync.localcopy`).

:mod:`kimdesk.gui.sync` is imported on the first unlock, not at start-up: the unlock screen paints
without it (``benchmarks/gui_bench.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from kimdesk.gui.settings import AppSettings
from kimdesk.gui.statusbar import StatusArea
from kimdesk.gui.worker import DbWorker, where
from kimdesk.i18n import N_, gettext

if TYPE_CHECKING:
    from kimdesk.gui.sync import SyncController, SyncStatusWidget

log = logging.getLogger(__name__)

#: "Sync now" when sync could not be started at the unlock (the case work goes on without it).
NO_SYNC = N_("Sync could not be started in this session. Lock and unlock the vault or restart "
             "KIMdesk; if this stays, tell your administrator (the log file says why).")


class WindowSync:
    """Owns the sync controller and its status-bar widget for ``parent`` (the main window)."""

    def __init__(self, parent: QWidget, worker: DbWorker, settings: AppSettings,
                 status: StatusArea, *, on_wiped: Callable[[], None],
                 on_error: Callable[[Exception], None]) -> None:
        self.parent = parent
        self.worker = worker
        self.settings = settings
        self.status = status
        self.on_wiped = on_wiped
        self.on_error = on_error
        self.controller: SyncController | None = None
        self.widget: SyncStatusWidget | None = None

    def start(self) -> None:
        """After unlock: build the controller once, forget a retired server's enrollment, sync."""
        if self.controller is None:
            self.controller = self._build()
            if self.controller is None:
                return
        self._forget_retired_server()
        self.controller.start()  # queued after that job on the same worker

    def _build(self) -> SyncController | None:
        from kimdesk.gui.sync import SyncController, SyncStatusWidget

        try:
            controller = SyncController(self.worker, parent=self.parent)
            widget = SyncStatusWidget(controller, self.parent)
        except Exception as exc:  # the case work goes on without sync; the log says where
            log.error("sync status unavailable: %s", where(exc))
            return None
        widget.setObjectName("syncStatus")
        self.status.add_permanent(widget)
        controller.wiped.connect(self.on_wiped)
        self.widget = widget
        return controller

    def retranslate(self) -> None:
        """The status-bar indicator in the current language."""
        if self.widget is not None:
            self.widget.retranslate()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    @property
    def server(self) -> str:
        """The address the open vault syncs with ("" when not enrolled or not known yet)."""
        return self.controller.server if self.controller is not None else ""

    def restart(self) -> SyncController | None:
        """After enrolling: sync with the new server now (the controller built if need be)."""
        if self.controller is None:
            self.controller = self._build()
        if self.controller is not None:
            self.controller.restart()
        return self.controller

    def tell_wiped(self, left: list[str]) -> bool:
        """After a wipe, tried once more by the window with every connection closed (``left``:
        the files still there): when its message says more than "deleted" (files left, or
        deletions that never reached the server, to be carried out again elsewhere), that
        message in a box that stays until it is read; the status bar's message went after 5 s
        and the label's tooltip needs a mouse. Not modal-blocking: the window goes on to its
        start screen behind it. Before (a review), a first wipe that left a file and a retry
        that removed it dropped the lost deletions' count, and a retry that failed too showed
        the files without it."""
        from kimdesk.sync.errors import DeviceRevoked
        from kimdesk.vault.errors import WIPED

        said = self.controller.wipe_finished(left) if self.controller is not None else None
        if said is None:  # no revocation seen here: the files alone
            said = DeviceRevoked.wiped(left, 0)
        if said.message == WIPED:
            return False
        self._tell(said.translated(), "wipedMessage")
        return True

    def _tell(self, text: str, name: str) -> None:
        """``text`` in a warning box that stays until it is read, without blocking the window."""
        box = QMessageBox(QMessageBox.Icon.Warning, gettext("KIMdesk"), text,
                          QMessageBox.StandardButton.Ok, self.parent)
        box.setObjectName(name)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()

    def open_connect(self) -> QDialog:
        """Tools → "Connect to server…" (:mod:`kimdesk.gui.sync.connect`). The address is
        prefilled with the current server, else the one typed last (an address typed into the
        Settings of earlier versions included: it never was a sync target)."""
        from kimdesk.gui.sync.connect import ConnectDialog, Step

        current = self.server
        dialog = ConnectDialog(self.parent, self.worker, self.restart,
                               address=current or self.settings.server_url, current=current)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)

        def finished(_result: int) -> None:
            if dialog.step is Step.DONE and dialog.identity is not None:
                self.settings.server_url = dialog.identity.url

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def sync_now(self) -> None:
        """Tools → "Sync now" (F9). Without a controller (it could not be built: the log says
        why) a box says so; it said "Sync failed" with no reason (a review)."""
        if self.controller is None:
            # a box, not the status bar: at 1280 px the bar held no more than "... tell your
            # administrator (the log" in German, Russian and Ukrainian (the rest under the case
            # count), and for 5 s only (a review, 2026-12-06)
            self._tell(gettext(NO_SYNC), "syncUnavailable")
            return
        if self.worker.vault is None and not self.worker.busy:
            return  # locked: nothing to sync (the action is disabled anyway)
        try:
            self.controller.sync_now()
        except Exception as exc:
            log.error("sync failed to start: %s", where(exc))
            self.on_error(exc)

    def retire_local_server(self, vault_folder: Path) -> None:
        """Shred the plaintext server file an earlier version kept beside the vault; its server
        id is remembered so that the vault enrolled with it is un-enrolled at unlock."""
        from kimdesk.sync.localcopy import retire_local_server

        try:
            server_id = retire_local_server(vault_folder)
        except OSError as exc:
            log.warning("old local server file not removed: %s", type(exc).__name__)
            return
        if server_id:
            self.settings.retired_servers = self.settings.retired_servers | {server_id}

    def _forget_retired_server(self) -> None:
        retired = self.settings.retired_servers
        if not retired:
            return

        def job(w: DbWorker) -> bool:
            from kimdesk.sync.localcopy import forget_retired_server

            return forget_retired_server(w.require_vault(), retired)

        self.worker.submit(job, None, self.on_error)
