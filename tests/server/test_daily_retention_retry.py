"""The server's daily Löschfrist run, when the database is unavailable at its hour: tried again
soon (not a day later), the fault named in the log by its code (a review, 2026-12-06: one
failed run postponed every due deletion by a day, logged as ``OperationalError``). Events are
counted, no time is asserted."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kimdesk.server.db import make_engine
from kimdesk.server.migrate import upgrade
from kimdesk.server.retention import DailyRetention


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30  # a bound for a hung thread, not a measurement
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(0.01)


def test_a_failed_run_is_tried_again_and_names_the_fault(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "not-yet"  # the database's folder is missing: SQLite cannot open it
    engine = make_engine(f"sqlite:///{folder / 'server.db'}")
    caplog.set_level(logging.ERROR, logger="kimdesk.server.retention")
    daily = DailyRetention(engine, retry_s=0.01).start()
    try:
        _until(lambda: daily.failures >= 2, "a failed run was not tried again")
        ready = tmp_path / "ready"  # the database is back: made elsewhere, moved in at once
        ready.mkdir()
        other = make_engine(f"sqlite:///{ready / 'server.db'}")
        upgrade(other)
        other.dispose()
        ready.rename(folder)
        _until(lambda: daily.runs > daily.failures, "no run succeeded once it was back")
        failures = daily.failures
    finally:
        daily.stop()
        engine.dispose()
    assert daily.runs == failures + 1  # one success, then it waits for the next day
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == failures
    assert all("the database file cannot be opened (SQLite SQLITE_CANTOPEN)" in line
               for line in lines), lines
