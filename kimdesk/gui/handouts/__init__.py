"""The "Handout" dialog: choose template and languages, preview the PDF, print it or save it.

Entry point for the desktop client (the main window's ``handout`` hook)::

    from kimdesk.gui.handouts import open_handout_dialog
    open_handout_dialog(parent, worker, case_id)   # worker: kimdesk.gui.worker.DbWorker

See docs/handouts.md for the other accepted sources (an open Vault, ready HandoutData, nothing
for a blank handout).
"""

from __future__ import annotations

from kimdesk.gui.fonts import register_fonts
from kimdesk.gui.handouts.dialog import HandoutDialog, open_handout_dialog

__all__ = ["HandoutDialog", "open_handout_dialog", "register_fonts"]
