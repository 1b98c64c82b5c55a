"""A server start that migrates, or waits for another process's migration, says so in the log:
before, a start waiting on the advisory lock looked like a start that hung, and a long migration
like a stuck one (left open by the database-fault review, 2026-12-06)."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import text

from kimdesk.server.db import make_engine
from kimdesk.server.migrate import _PG_LOCK, upgrade
from tests.sync.helpers import db_url  # noqa: F401 (fixture)


def test_a_migration_says_from_where_to_where(db_url: str,  # noqa: F811
                                              caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine(db_url)
    try:
        with caplog.at_level(logging.WARNING, logger="kimdesk.server.migrate"):
            upgrade(engine)
        first = [r.getMessage() for r in caplog.records]
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="kimdesk.server.migrate"):
            upgrade(engine)  # at the head already: nothing to say
        second = [r.getMessage() for r in caplog.records]
    finally:
        engine.dispose()
    assert any("migrating the database schema from an empty database" in m for m in first), first
    assert any("database schema migrated to" in m for m in first), first
    assert second == [], second


def test_a_start_waiting_for_another_migration_says_so(db_url: str,  # noqa: F811
                                                       caplog: pytest.LogCaptureFixture) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's (SQLite waits on its file lock)")
    holder = make_engine(db_url)
    engine = make_engine(db_url)
    said = threading.Event()

    class Heard(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "waiting for another server process" in record.getMessage():
                said.set()

    handler = Heard()
    logger = logging.getLogger("kimdesk.server.migrate")
    logger.addHandler(handler)
    done: list[bool] = []

    def start() -> None:
        upgrade(engine)
        done.append(True)

    try:
        with holder.connect() as other:  # another instance, migrating
            other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK})
            starting = threading.Thread(target=start)
            starting.start()
            assert said.wait(60), "no word while waiting for the lock"
            assert not done  # still waiting: the lock is held
            other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
            other.commit()
        starting.join(60)
        assert done == [True]
    finally:
        logger.removeHandler(handler)
        engine.dispose()
        holder.dispose()
