"""Alembic environment: runs on the connection handed over by :func:`kimdesk.server.migrate`."""

from __future__ import annotations

from alembic import context

from kimdesk.server.db import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic revision --autogenerate` by hand
    from kimdesk.server.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///autogen.db")
    connection = engine.connect()
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
if config.attributes.get("connection") is None:  # pragma: no cover
    connection.commit()
