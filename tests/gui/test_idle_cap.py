"""The idle time stays within the settings dialog's range (1 to 60 minutes) without a machine
policy too: a hand-edited settings file with ``idle_minutes=100000`` kept the app unlocked for
69 days (a review, 2026-12-07); a policy's shorter time still wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimdesk import config
from kimdesk.gui.settings import AppSettings


def test_an_edited_settings_file_cannot_stretch_the_idle_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "POLICY_FILE", tmp_path / "none.ini")  # no policy
    path = tmp_path / "mine.ini"
    settings = AppSettings(path)
    settings.idle_minutes = 100_000  # as an edited file holds it
    settings.store.sync()
    assert "100000" in path.read_text("utf-8")
    assert AppSettings(path).idle_minutes == config.IDLE_LOCK_RANGE[1]
    settings.idle_minutes = 0
    assert AppSettings(path).idle_minutes == 1
    settings.idle_minutes = 7
    assert AppSettings(path).idle_minutes == 7
