"""Why the last sync failed, in the interface's language after a switch: the reason stayed in
the language it was first said in until the next run (left open by the sync GUI review,
2026-12-06). Real vault, a server that went away, the real controller and widget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kimdesk.i18n import language
from tests.gui.test_review_sync_gui import unanswered_probes, worker  # noqa: F401
from tests.sync.helpers import enrolled_then_offline

pytestmark = pytest.mark.gui

GERMAN = "ist nicht erreichbar"
ENGLISH = "cannot be reached"


def test_the_offline_reason_follows_a_language_switch(
        qtbot: Any, worker: Any, make_vault: Any, tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kimdesk.gui.sync import SyncController, SyncStatusWidget

    probes = unanswered_probes(monkeypatch)
    vault, _port = enrolled_then_offline(make_vault, tmp_path)
    worker.vault = vault
    with language("de"):
        controller = SyncController(worker, probe_ms=100)
        widget = SyncStatusWidget(controller)
        qtbot.addWidget(widget)
        controller.start()
        qtbot.waitUntil(lambda: controller.state == "offline", timeout=10000)
        qtbot.waitUntil(lambda: GERMAN in widget.label.toolTip(), timeout=10000)
    with language("en"):
        widget.retranslate()
        switched = widget.label.toolTip()
        drawn: list[str] = []  # what the next probes draw
        controller.state_changed.connect(
            lambda state, _d, _t, message: drawn.append(message) if state == "offline" else None)
        seen = len(probes)
        qtbot.waitUntil(lambda: len(probes) >= seen + 2 and bool(drawn), timeout=20000)
        controller.stop()
    assert ENGLISH in switched and GERMAN not in switched, switched
    assert drawn and all(ENGLISH in m and GERMAN not in m for m in drawn), drawn


def test_a_refusal_shown_behind_details_follows_a_language_switch(
        qtbot: Any, worker: Any) -> None:  # noqa: F811
    """A failure that is not a run's (reading the conflicts failed): its reason too."""
    from kimdesk.gui.sync import SyncController, SyncStatusWidget
    from kimdesk.vault.errors import VaultLocked

    with language("de"):
        controller = SyncController(worker)
        widget = SyncStatusWidget(controller)
        qtbot.addWidget(widget)
        controller.schedule.start(enrolled=True, conflicts=0)
        controller._job_failed(VaultLocked())
        german = widget.label.toolTip()
    with language("en"):
        widget.retranslate()
        english = widget.label.toolTip()
        with language("de"):
            widget.retranslate()
        again = widget.label.toolTip()
    assert german and english and german != english, (german, english)
    assert again == german
