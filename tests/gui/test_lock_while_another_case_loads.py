"""A lock (Ctrl+L, or the idle lock) that comes after she pressed Enter on another case and before
that case was read (left open by the review of 2026-12-07): after unlock the case she had left
came back, not the one she had asked for.

Real vault files, the real window driven by keys; the order is made by holding the vault lane
(everything pressed meanwhile queues behind it), never by timing.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.gui.conftest import wait_idle
from tests.gui.test_edit_during_sync import Boxes, boxes, open_window  # noqa: F401 (fixtures)
from tests.gui.test_lock_after_save import lock_by_key, vault_lane_held
from tests.gui.test_lock_drafts import unlock_by_keys
from tests.gui.test_no_plaintext import user_folders  # noqa: F401 (fixture of two_cases)
from tests.gui.test_refused_elsewhere import open_by_keys, team, two_cases  # noqa: F401
from tests.gui.test_save_interleavings import Team
from tests.sync.helpers import sqlite_server  # noqa: F401 (fixture of team)

pytestmark = pytest.mark.gui


def test_a_lock_while_another_case_loads_brings_that_case_back(
        qtbot: Any, make_window: Any, two_cases: Team, boxes: Boxes) -> None:  # noqa: F811
    """Case A on screen, Enter on case B, Ctrl+L before B was read: after unlock A was shown."""
    path, _colleague, ids = two_cases
    window = open_window(qtbot, make_window, path)
    view = open_by_keys(qtbot, window, ids["case"])
    with vault_lane_held(window):
        open_by_keys(qtbot, window, ids["case_b"], wait=False)
        lock_by_key(qtbot, window)
    wait_idle(qtbot, window)
    unlock_by_keys(qtbot, window)
    view = window.workspace.case_view
    qtbot.waitUntil(lambda: view.case_id is not None, timeout=10000)
    wait_idle(qtbot, window)
    assert view.case_id == ids["case_b"]
    assert boxes.texts == []
