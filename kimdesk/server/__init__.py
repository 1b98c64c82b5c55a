"""The municipal sync server: FastAPI + SQLAlchemy 2 + Alembic, SQLite embedded, PostgreSQL in
production. Stateless: every fact lives in the database, so instances can run side by side."""
