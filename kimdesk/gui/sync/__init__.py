"""Sync in the GUI: a status indicator with "Sync now" and the conflict resolution view.

Embed in the main window (see ``docs/sync-protocol.md``, "GUI")::

    from kimdesk.gui.sync import SyncController, SyncStatusWidget

    controller = SyncController(db_worker)          # runs the engine on the database thread
    status = SyncStatusWidget(controller)           # put it into the status bar
    controller.wiped.connect(window.on_vault_wiped)  # revoked device: back to the start screen
    controller.start()                              # after unlock; controller.stop() on lock

``controller.py`` carries out :mod:`kimdesk.sync.schedule` with Qt timers and database jobs,
``widget.py`` draws its states, ``conflicts.py`` is the conflict view.
"""

from kimdesk.gui.sync.conflicts import ConflictDialog
from kimdesk.gui.sync.controller import SyncController
from kimdesk.gui.sync.widget import SyncStatusWidget

__all__ = ["ConflictDialog", "SyncController", "SyncStatusWidget"]
