"""What the window does after unlock, counted (issue 18: unlock to the first page of a 200k list
took 2.4 s). Building the case list used to query it once while the header got its sort
indicator, before the Löschfristen ran, and once more after: the whole list read twice, and the
first time possibly with a case that was due."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import kimdesk.gui.worker as worker_module
from tests.gui.conftest import unlock

pytestmark = pytest.mark.gui


def test_unlock_reads_the_list_once_and_after_the_loeschfristen(
        qtbot: Any, make_window: Any, demo_vault_file: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    original = worker_module._Executor.run

    def run(self: Any, job_id: int) -> None:
        with self._owner._lock:
            entry = self._owner._entries.get(job_id)
        if entry is not None and self.lane == "vault":
            ran.append(getattr(entry.job, "__qualname__", ""))
        original(self, job_id)

    monkeypatch.setattr(worker_module._Executor, "run", run)
    copy = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, copy)
    window = make_window(copy)
    unlock(qtbot, window)
    queries = [i for i, name in enumerate(ran) if name.startswith("Workspace.run_query")]
    retention = [i for i, name in enumerate(ran) if "_apply_retention" in name]
    assert len(queries) == 1, ran
    assert retention and retention[0] < queries[0], ran
