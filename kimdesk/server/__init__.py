"""The municipal sync server: FastAPI + SQLAlchemy 2 + Alembic, SQLite embedded, PostgreSQL in
production. Stateless: every fact lives in the database, so instances can run side by side."""

#: Minutes a device's ``last_seen`` may lag behind its last request
#: (:data:`kimdesk.server.devices.LAST_SEEN_EVERY`). Here, not there: the help of ``kimdesk
#: server devices`` names it, and the command line does not load the server's modules to show
#: its help.
LAST_SEEN_MINUTES = 15
