"""Bringing a server database to the latest Alembic revision, safely from several instances.

Every instance runs this at start-up; on PostgreSQL an advisory lock makes the second instance
wait until the first has finished, on SQLite the file's write lock does the same.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from kimdesk.server import db

SCRIPT_LOCATION = str(Path(__file__).resolve().parent / "alembic")
_PG_LOCK = 0x4B494D44  # "KIMD"


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
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK})
            conn.commit()
        try:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
                conn.execute(text(f"SET lock_timeout = {int(db.LOCK_TIMEOUT_MS)}"))
                conn.commit()  # back in the pool with a request's lock timeout
