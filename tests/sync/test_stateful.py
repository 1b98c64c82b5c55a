"""Short CI run of the stateful sync property (the benchmark runs it long)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.sync.stateful import SyncMachine, close_shared_server


@pytest.fixture(scope="module", autouse=True)
def _server() -> Iterator[None]:
    yield
    close_shared_server()


TestSyncMachine = SyncMachine.TestCase
TestSyncMachine.settings = settings(
    max_examples=12, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
