"""Bringing a server database to the latest Alembic revision, safely from several instances.

Every instance runs this at start-up; on PostgreSQL an advisory lock makes the second instance
wait until the first has finished, on SQLite the file's write lock does the same.

Both say so in the log: a server that waits for another process's migration, and one that
migrates, write a line each (before, a start that waited looked like a start that hung, and an
administrator could not tell a long migration from a stuck one; a review, 2026-12-06).
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from kimdesk.server import db

SCRIPT_LOCATION = str(Path(__file__).resolve().parent / "alembic")
_PG_LOCK = 0x4B494D44  # "KIMD"

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def upgrade(engine: Engine) -> None:
    config = alembic_config()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # a migration waits as long as it must: for another instance's migration, and for
            # the locks of requests an older release's processes still serve; a request's lock
            # timeout (kimdesk.server.db.LOCK_TIMEOUT_MS) would stop the server from starting
            conn.execute(text("SET lock_timeout = 0"))
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                {"k": _PG_LOCK}).scalar():
                log.warning("waiting for another server process to finish migrating the "
                            "database (PostgreSQL advisory lock %d)", _PG_LOCK)
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK})
                log.warning("the other server process is done; checking the database schema")
            conn.commit()
        try:
            config.attributes["connection"] = conn
            current = MigrationContext.configure(conn).get_current_revision()
            head = ScriptDirectory.from_config(config).get_current_head()
            if current != head:
                log.warning("migrating the database schema from %s to %s; requests wait "
                            "until it is done", current or "an empty database", head)
            command.upgrade(config, "head")
            conn.commit()
            if current != head:
                log.warning("database schema migrated to %s", head)
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
                conn.execute(text(f"SET lock_timeout = {int(db.LOCK_TIMEOUT_MS)}"))
                conn.commit()  # back in the pool with a request's lock timeout
