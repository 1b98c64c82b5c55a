"""Closing the statistics window right after an export was written (its audit entry still on
the way) raised "Signal source has been deleted" from the audit's answer (a review of
2026-12-06 saw it on stderr). The export is recorded all the same, and nothing is raised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.gui


def test_closing_while_the_export_is_recorded(qtbot: Any, stats_vault: Any,
                                              tmp_path: Path) -> None:
    from kimdesk.gui.stats import open_statistics
    from kimdesk.gui.worker import DbWorker

    worker = DbWorker()
    worker.vault = stats_vault
    try:
        count = "SELECT count(*) FROM audit_events WHERE subject_kind = 'statistics'"
        before: list[int] = []
        worker.submit(lambda w: w.require_vault().conn.execute(count).fetchone()[0],
                      before.append)
        qtbot.waitUntil(lambda: bool(before), timeout=5_000)
        d = open_statistics(None, worker)
        qtbot.waitUntil(lambda: d.report is not None, timeout=10_000)
        # Hold the vault lane, so the audit entry waits behind it: the window closes (and is
        # deleted) between the written file and the audit's answer, every time.
        import threading

        gate = threading.Event()
        d.export_to(tmp_path / "out.json")
        qtbot.waitUntil(lambda: "Written to" in d.status.text(), timeout=20_000)
        worker.submit(lambda w: gate.wait(10))
        d.close()  # WA_DeleteOnClose: the window goes
        qtbot.waitUntil(lambda: not _alive(d), timeout=5_000)  # deleted before the answer
        gate.set()
        after: list[int] = []
        worker.submit(lambda w: w.require_vault().conn.execute(count).fetchone()[0],
                      after.append)
        qtbot.waitUntil(lambda: bool(after), timeout=10_000)
        qtbot.wait(50)  # the audit's answer reaches the GUI thread (nothing may be raised)
        assert (tmp_path / "out.json").is_file()
        assert after[0] == before[0] + 1  # recorded all the same
    finally:
        worker.vault = None  # the module fixture closes it
        worker.stop()


def _alive(widget: Any) -> bool:
    from shiboken6 import isValid

    return bool(isValid(widget))
