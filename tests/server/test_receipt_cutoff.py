"""The moment before which stored push receipts are emptied (:func:`kimdesk.server.receipts.
cutoff`) is exactly ``days`` before now, whatever the server's time zone: ``today`` is a local
date (``date.today()``), so its time of day must be the local one. Before, the UTC time of day
was put on the local date: a server at UTC+1 running after local midnight emptied receipts a
day early, one west of UTC a day late."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from kimdesk.server.receipts import cutoff


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(("tz", "now", "local_today"), [
    ("Europe/Berlin", datetime(2026, 12, 7, 23, 30, tzinfo=UTC), date(2026, 12, 8)),
    ("Etc/GMT-14", datetime(2026, 12, 7, 12, 0, tzinfo=UTC), date(2026, 12, 8)),
    ("Etc/GMT+12", datetime(2026, 12, 7, 6, 0, tzinfo=UTC), date(2026, 12, 6)),
    ("UTC", datetime(2026, 12, 7, 6, 0, tzinfo=UTC), date(2026, 12, 7)),
])
def test_the_cutoff_is_the_days_before_now_in_any_time_zone(zone, tz, now, local_today):
    zone(tz)
    assert now.astimezone().date() == local_today  # what date.today() says there
    assert cutoff(local_today, 30, now) == now.replace(month=11).isoformat(
        timespec="microseconds").replace("+00:00", "Z")
