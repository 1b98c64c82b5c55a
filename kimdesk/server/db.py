"""The server's tables (SQLAlchemy Core) and engine set-up for SQLite and PostgreSQL.

Why Core, not the ORM: the push path writes thousands of rows per request; Core's executemany
keeps that at a few statements per batch. The schema itself is created only by Alembic
(``kimdesk/server/alembic``); these definitions must match the latest revision (a test compares
them).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)

from kimdesk.server.checkpoints import autocheckpoint_pages

metadata = MetaData()

teams = Table(
    "teams",
    metadata,
    Column("name", String(200), primary_key=True),
    # Per-team change counter: bumped under the team row's lock, so a pull cursor never skips a
    # change committed late by a concurrent writer (the classic sequence-gap problem).
    Column("change_seq", BigInteger, nullable=False, default=0),
    Column("ref_seq", BigInteger, nullable=False, default=0),
    Column("created_at", String(40), nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("team", String(200), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("vault_id", String(64), nullable=False, default=""),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40), nullable=True),
    Column("last_batch_seq", BigInteger, nullable=False, default=0),
    Column("last_seen", String(40), nullable=True),
    # the staff member the device was enrolled for (revision 0011; NULL: enrolled before, or
    # with a code made without --staff)
    Column("staff_id", String(36), nullable=True),
    Index("devices_staff", "staff_id"),
)

#: The people behind devices (revision 0011, kimdesk/server/staff.py): a random id, the team,
#: the name shown to administrators (personal data of an employee: only ``kimdesk server staff
#: list`` and ``devices`` show it; never a record, the log or the audit trail).
staff = Table(
    "staff",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("team", String(200), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    Index("staff_team", "team"),
)

enroll_codes = Table(
    "enroll_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("team", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("used_at", String(40), nullable=True),
    Column("device_id", String(64), nullable=True),
    Column("staff_id", String(36), nullable=True),  # a code for one staff member (0011)
)

#: The JSON fields of a record that the database also keeps as indexed columns of ``records``
#: (revision 0012): the case and the person a record names.
LINK_COLUMNS = ("case_id", "person_id")


def records_by(conn: Connection, field: str, alias: str = "") -> str:
    """``records`` as the table of a query that picks records by ``field``: on SQLite, through
    the link's index where ``field`` is a link column. Without table statistics (the server
    runs no ``ANALYZE``) SQLite's planner rated ``team = ?`` or ``kind IN (...)`` as narrow as
    the link and read every record of the team, evaluating each one's JSON
    (tests/server/test_record_links.py); PostgreSQL plans from the statistics autovacuum
    gathers. ``alias``: the table's name in the query (SQLite wants it before ``INDEXED
    BY``)."""
    table = f"records {alias}" if alias else "records"
    if field in LINK_COLUMNS and conn.dialect.name == "sqlite":
        return f"{table} INDEXED BY records_{field}"
    return table


records = Table(
    "records",
    metadata,
    Column("kind", String(64), nullable=False),
    Column("id", String(64), nullable=False),
    Column("team", String(200), nullable=False),
    Column("rev", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("data", Text, nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("updated_by", String(64), nullable=False, default=""),
    # the batch that wrote this version and when the server stored it: with ``updated_by``,
    # what ``record_history`` keeps of every earlier version (it moves there when superseded)
    Column("batch_id", String(64), nullable=False, default="", server_default=""),
    Column("written_at", String(40), nullable=False, default="", server_default=""),
    # the case and the person the record names (copies of its JSON fields ``case_id`` and
    # ``person_id``, NULL where it has none; revision 0012): generated by SQLite (the indexes
    # keep them); on PostgreSQL plain columns the server writes with ``links_seq``
    # (kimdesk.server.store.LINKED_COLUMNS), filled by a trigger where another writer did not
    Column("case_id", Text, Computed(text("json_extract(data, '$.case_id')"), persisted=False)),
    Column("person_id", Text,
           Computed(text("json_extract(data, '$.person_id')"), persisted=False)),
    PrimaryKeyConstraint("kind", "id"),
    Index("records_team_seq", "team", "seq"),
    *(Index(f"records_{c}", c, sqlite_where=text(f"{c} IS NOT NULL"),
            postgresql_where=text(f"{c} IS NOT NULL")) for c in LINK_COLUMNS),
)

#: Every superseded version of a record, for merge bases (a device's edit that started from an
#: older revision), the purge and the audit. The current version is only in ``records``: a
#: push moves the stored row here before overwriting it (``store.update_records``; revision
#: 0003: before, every version was written twice, and a new record cost two rows).
history = Table(
    "record_history",
    metadata,
    Column("hid", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("id", String(64), nullable=False),
    Column("team", String(200), nullable=False),
    Column("rev", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("device_id", String(64), nullable=False, default=""),
    Column("batch_id", String(64), nullable=False, default=""),
    Column("at", String(40), nullable=False),
    # when the next version replaced it (no default: a server of a release before 0003, which
    # would still write the current version here, fails its push instead; the device retries)
    Column("superseded_at", String(40), nullable=False),
    Index("history_record", "kind", "id"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("team", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("field", String(100), nullable=False),
    Column("base", Text, nullable=False),
    Column("theirs", Text, nullable=False),
    Column("mine", Text, nullable=False),
    Column("device_id", String(64), nullable=False, default=""),
    Column("batch_id", String(64), nullable=False, default=""),
    Column("status", String(16), nullable=False, default="open"),
    Column("seq", BigInteger, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("resolved_at", String(40), nullable=True),
    Index("conflicts_team_seq", "team", "seq"),
    #: a removed attachment's conflicts (:mod:`kimdesk.server.removed_files`)
    Index("conflicts_record", "record_id"),
)

batches = Table(
    "batches",
    metadata,
    Column("device_id", String(64), nullable=False),
    Column("batch_id", String(64), nullable=False),
    Column("batch_seq", BigInteger, nullable=False),
    Column("payload_hash", String(64), nullable=False),
    Column("receipt", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    #: The receipt carries an attachment's file (a result's data or a conflict's values): what
    #: removing the attachment scrubs (:mod:`kimdesk.server.removed_files`).
    Column("files", Boolean, nullable=False),
    PrimaryKeyConstraint("device_id", "batch_id"),
)

reference = Table(
    "reference_items",
    metadata,
    Column("kind", String(32), nullable=False),
    Column("key", String(200), nullable=False),
    Column("team", String(200), nullable=False, default=""),  # "" = every team
    Column("version", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("data", Text, nullable=False),
    Column("updated_at", String(40), nullable=False),
    PrimaryKeyConstraint("kind", "key", "team"),
    Index("reference_seq", "seq"),
)

server_meta = Table(
    "server_meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

#: Records deleted under a Löschfrist or on a counselor's order (kimdesk/server/purge.py): the
#: ids only, so that a stale device can never bring them back; no personal data.
purged = Table(
    "purged",
    metadata,
    Column("kind", String(64), nullable=False),
    Column("id", String(64), nullable=False),
    Column("team", String(200), nullable=False),
    Column("deletion_id", String(64), nullable=False),
    Column("purged_at", String(40), nullable=False),
    # a purged case's number as a keyed hash, and its person (revision 0005): what an Auskunft
    # about them is asked by (kimdesk/server/purge.py, case_key)
    Column("case_key", String(64), nullable=True),
    Column("person_id", String(64), nullable=True),
    PrimaryKeyConstraint("kind", "id"),
    Index("purged_team", "team"),
    Index("purged_case_key", "case_key"),
    Index("purged_person", "person_id"),
)

#: The server's audit trail (kimdesk/server/audit_trail.py): who did what with whose data, as
#: ids and counts, never a value of a record. Append-only (revision 0006: triggers on both
#: databases, and on PostgreSQL the GRANTs of docs/deployment.md), hash-chained like the
#: device's log (kimdesk/domain/auditchain.py). ``seq`` orders the rows; ``n`` numbers a row in
#: its team's chain 1, 2, 3 ... without gaps (revision 0008; NULL: a row of the one chain before).
audit_trail = Table(
    "audit_trail",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("n", BigInteger, nullable=True),
    Column("at", String(40), nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("team", String(200), nullable=False),
    Column("subjects", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("audit_trail_chain", "team", "n", unique=True),
)

#: What each published ``kimdesk server stats`` export published (kimdesk/server/published.py,
#: revision 0010): the vault's ``stats_exports`` columns, so that the statistics read them as a
#: vault's (the next period and a re-export are protected against what was published).
stats_exports = Table(
    "stats_exports",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("period_from", String(10), nullable=False),
    Column("period_to", String(10), nullable=False),
    Column("method", String(16), nullable=False),
    Column("min_cell", Integer, nullable=False),
    Column("exported_at", String(40), nullable=False),
    Column("format", String(8), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("record", Text, nullable=False),
    Index("stats_exports_period", "period_from", "period_to"),
)

#: The statistical remains of cases purged on the server (kimdesk/server/remains.py): what the
#: device's ``stats_cases`` and ``stats_events`` hold (kimdesk/vault/statsremains.py), per team;
#: no name, no id, months only, the person as a number (revision 0007).
stats_remains_cases = Table(
    "stats_remains_cases",
    metadata,
    Column("rid", Integer, primary_key=True, autoincrement=True),
    Column("team", String(200), nullable=False),
    Column("municipality", Text, nullable=False),
    Column("person", BigInteger, nullable=False),
    Column("opened", String(7), nullable=False),
    Column("closed", String(7), nullable=True),
    Column("closure_reason", String(64), nullable=True),
    Column("duration", String(16), nullable=True),
    Column("birth_month", String(7), nullable=True),
    Column("birth_year", Integer, nullable=True),
    Column("gender", String(32), nullable=True),
    Column("region", String(64), nullable=False),
    Column("residence_status", String(64), nullable=True),
    Column("rechtskreise", Text, nullable=False),
    Column("handlungsfelder", Text, nullable=False),
    Index("stats_remains_cases_person", "team", "person"),
)

stats_remains_events = Table(
    "stats_remains_events",
    metadata,
    Column("rid", Integer, primary_key=True, autoincrement=True),
    Column("team", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    Column("municipality", Text, nullable=False),
    Column("person", BigInteger, nullable=False),
    Column("code", String(64), nullable=False),
    Column("n", Integer, nullable=False),
    Column("outreach", Integer, nullable=False),
    Column("interpreter", Integer, nullable=False),
    Index("stats_remains_events_person", "team", "person"),
)

#: The browser console's accounts and signed-in sessions (revision 0013,
#: kimdesk/server/console/): a session is stored as the hash of its id, never the id.
console_accounts = Table(
    "console_accounts",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("roles", String(200), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("totp_secret", String(64), nullable=False),
    Column("totp_last_step", BigInteger, nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("disabled_at", String(40), nullable=True),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("account", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("last_seen_at", String(40), nullable=False),
    Index("console_sessions_account", "account"),
)

DEFAULT_DB_URL = "sqlite:///kimdesk-server.db"
#: Execution option of a connection that only reads (see :func:`reading`).
READ_ONLY = "kimdesk_read_only"


def reading(engine: Engine) -> Connection:
    """A connection for a request that only reads (authentication, pull, state, reference
    data): on SQLite its transaction does not take the write lock (:func:`make_engine`)."""
    return engine.connect().execution_options(**{READ_ONLY: True})


#: Page size of a new SQLite server database (SQLite's default is 4 KiB). A stored record and its
#: history row are about a kilobyte each, so a 4 KiB page held three: every push split and wrote
#: many pages, and every commit and checkpoint copied them. With 16 KiB pages the server's CPU
#: time for a push fell by a tenth to a third (measured on loopback, three alternating runs each:
#: 10k new records 528-565 -> 446-485 ms, 10k changed 610-722 -> 575-599 ms, 1k changed 67-71 ->
#: 61-64 ms); 32 KiB was no better. SQLite fixes the size when the file gets its first page: an
#: existing database keeps its own (4 KiB before this), and everything works with either
#: (docs/deployment.md, "SQLite page size").
PAGE_BYTES = 16384


#: How long a request waits for a lock before the database is answered as unavailable (503,
#: :mod:`kimdesk.server.outage`): below the device's 30 s read timeout, so that it gets the
#: answer instead of giving up first, and finite, so that a lock held elsewhere (a forgotten
#: administrator's transaction, a frozen server process mid-push) cannot keep a pooled
#: connection per waiting request until the pool is empty and every team's requests fail (a
#: review, 2026-12-06: 15 of a team's waiting pushes emptied it; before, SQLite waited 30 s and
#: PostgreSQL for ever). Read when a connection opens.
SQLITE_BUSY_MS = 20_000
LOCK_TIMEOUT_MS = 20_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine whose transactions are safe for this server's write pattern.

    SQLite: WAL, ``synchronous=FULL`` (a receipt the client saw survives a power cut),
    ``BEGIN IMMEDIATE`` for every transaction that may write, so two writers queue on the busy
    timeout instead of failing with a lock upgrade error halfway through a batch. A connection
    from :func:`reading` begins a plain (deferred) transaction instead: under WAL a reader never
    waits for the writer. Before, every request's authentication and every pull took the write
    lock too, and waited out SQLite's busy handler (it sleeps 1, 2, 5, 10 ... ms) behind a push
    of the same or another device: a state request beside a pull took 16 ms instead of 1 ms."""
    # a statement's parameters (records' JSON) stay out of error texts and so out of the log
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": SQLITE_BUSY_MS / 1000}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            # before WAL: only a database without pages yet takes it (see PAGE_BYTES)
            cur.execute(f"PRAGMA page_size = {PAGE_BYTES}")
            page_bytes = int(cur.execute("PRAGMA page_size").fetchone()[0])
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            # the log is copied after each push instead (kimdesk/server/checkpoints.py)
            cur.execute(f"PRAGMA wal_autocheckpoint = {autocheckpoint_pages(page_bytes)}")
            cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_MS)}")
            cur.execute("PRAGMA foreign_keys = ON")
            # Freed space is zeroed: a purged record (and every older version of a record) leaves
            # no bytes behind in the file (kimdesk/server/purge.py).
            cur.execute("PRAGMA secure_delete = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            read = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _lock_timeout(dbapi_conn: Any, _record: object) -> None:
            # per session, not as a startup option: PgBouncer refuses those (a role's own
            # setting, ALTER ROLE ... SET lock_timeout, is the pooler's way: docs/deployment.md)
            cur = dbapi_conn.cursor()
            cur.execute(f"SET lock_timeout = {int(LOCK_TIMEOUT_MS)}")
            cur.close()
            dbapi_conn.commit()

    return engine
