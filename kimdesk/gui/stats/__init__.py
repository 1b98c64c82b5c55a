"""The statistics view (issue 7). Entry point for the main window's ``stats`` hook::

    from kimdesk.gui.stats import open_statistics
    dialog = open_statistics(parent, worker)        # worker: kimdesk.gui.worker.DbWorker

See docs/statistics.md ("In the app") for the rest of the API.
"""

from __future__ import annotations

from kimdesk.gui.stats.dialog import StatisticsDialog, open_statistics

__all__ = ["StatisticsDialog", "open_statistics"]
