"""Driver-level row writing and the team counters: the few statements a big push needs.

A push of 10k records was tuned to a handful of statements: plain tuples go straight to the
database driver (``executemany`` on SQLite, ``COPY`` on PostgreSQL) instead of SQLAlchemy's
per-row parameter dicts, and change numbers are reserved under the team row's lock so a pull
cursor never skips a change committed late by a concurrent writer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from kimdesk.server import db
from kimdesk.server.common import now_iso

RECORD_COLUMNS = ("kind", "id", "team", "rev", "seq", "deleted", "data", "updated_at",
                  "updated_by", "batch_id", "written_at")
#: What a PostgreSQL server writes of a record besides ``RECORD_COLUMNS``: its links (the
#: ``case_id`` and ``person_id`` of its data) and the change number they were written with
#: (revision 0012). A row whose ``links_seq`` is not its ``seq`` was written by someone who did
#: not know them (a process of an earlier release, a statement by hand): a trigger fills them
#: from the JSON then. Writing them here spares every push that parse: as columns generated
#: from the JSON they cost a push of 10k records 0.19-0.31 s more of PostgreSQL's CPU time
#: (about 13 us a record, against the index entries alone). SQLite computes them itself.
LINKED_COLUMNS = (*db.LINK_COLUMNS, "links_seq")
HISTORY_COLUMNS = ("kind", "id", "team", "rev", "data", "device_id", "batch_id", "at",
                   "superseded_at")
#: The per-session temporary table a push's updated records are copied into (PostgreSQL),
#: named after the schema revision that last changed the columns of ``records`` (0012). A
#: session can outlive a release: PgBouncer in transaction mode hands it from client to client
#: without a reset, and ``CREATE TEMP TABLE IF NOT EXISTS`` would keep a table an earlier
#: release created with other columns (found by a review). Rename it with the next such change.
INCOMING = "records_in_0012"


#: PostgreSQL: the stored versions of the incoming records (``i``) moved into the history as
#: they are superseded, when the new versions are written (their ``written_at``).
_SUPERSEDED = (f"INSERT INTO {db.history.name} ({', '.join(HISTORY_COLUMNS)})"
               " SELECT r.kind, r.id, r.team, r.rev, r.data, r.updated_by, r.batch_id,"
               f" r.written_at, i.written_at FROM {db.records.name} AS r JOIN {INCOMING} AS i"
               " ON r.kind = i.kind AND r.id = i.id")


def placeholder(conn: Connection) -> str:
    """The driver's parameter mark: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


#: Ids per ``IN (...)`` list on SQLite: well under its parameter limit.
_CHUNK = 500


def select_by_ids(conn: Connection, table: str, columns: str, kinds: Sequence[str],
                  ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """``columns`` of the rows of ``table`` whose kind is one of ``kinds`` and whose id is one
    of ``ids``, looked up through the ``(kind, id)`` index whatever the table's statistics say.

    SQLite's planner always takes the index for ``kind IN (...) AND id IN (...)``. PostgreSQL's
    does too once the table is analysed, but not before: on a new server (autovacuum analyses
    a table about a minute after its first writes, and again only after it grew by a tenth) it
    read every record of the kind and filtered them (a 10k push of new records spent 1.1 s
    there, against 13 ms on SQLite). A ``LATERAL`` lookup per id cannot be planned as a scan."""
    ids = [i for i in ids if "\x00" not in i]  # cannot be stored (PostgreSQL refuses them)
    if not ids:
        return []
    if conn.dialect.name == "postgresql":
        return [tuple(row) for row in conn.exec_driver_sql(
            f"SELECT r.* FROM unnest(%s::text[]) AS w(id), LATERAL (SELECT {columns}"
            f" FROM {table} AS t WHERE t.kind = ANY(%s::text[]) AND t.id = w.id OFFSET 0) AS r",
            (list(ids), list(kinds)),
        ).fetchall()]
    found: list[tuple[Any, ...]] = []
    kind_marks = ", ".join("?" for _ in kinds)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        # one call (iterating a result fetches row by row: 6 us a record)
        found.extend(conn.exec_driver_sql(
            f"SELECT {columns} FROM {table} WHERE kind IN ({kind_marks})"
            f" AND id IN ({', '.join('?' for _ in chunk)})", (*kinds, *chunk),
        ).fetchall())
    return found


def open_conflicts(conn: Connection, team: str, ids: Sequence[str]) -> set[str]:
    """Those of ``ids`` that are open conflicts of ``team``."""
    ids = [i for i in ids if "\x00" not in i]
    if not ids:
        return set()
    table = db.conflicts.name
    if conn.dialect.name == "postgresql":
        return {str(r[0]) for r in conn.exec_driver_sql(
            f"SELECT id FROM {table} WHERE id = ANY(%s::text[]) AND team = %s"
            " AND status = 'open'", (list(ids), team))}
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(str(r[0]) for r in conn.exec_driver_sql(
            f"SELECT id FROM {table} WHERE id IN ({', '.join('?' for _ in chunk)})"
            " AND team = ? AND status = 'open'", (*chunk, team)))
    return found


def ensure_team(conn: Connection, team: str) -> None:
    """Create the team's row (its counters) on first use."""
    exists = conn.execute(select(db.teams.c.name).where(db.teams.c.name == team)).first()
    if not exists:
        conn.execute(
            insert(db.teams).values(name=team, change_seq=0, ref_seq=0, created_at=now_iso())
        )


def lock_team(conn: Connection, team: str) -> int:
    """Lock the team row (created on first use) and return the next free change number,
    without writing: a push numbers its changes later and writes the counter once at the end.

    One statement when the team exists: under load every statement is a round trip after which
    the server's thread waits for the interpreter lock again, and the team's other devices wait
    for this transaction (benchmarks/server_load.py)."""
    stmt = select(db.teams.c.change_seq).where(db.teams.c.name == team)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    current = conn.execute(stmt).scalar()
    if current is None:
        ensure_team(conn, team)
        current = conn.execute(stmt).scalar_one()
    return int(current) + 1


def reserve_numbers(conn: Connection, team: str, column: str, count: int) -> int:
    """Lock the team row and reserve ``count`` numbers of its counter ``column``; returns the
    first one. With ``count=0`` it only takes the lock (a push numbers its changes later)."""
    col = db.teams.c[column]
    stmt = select(col).where(db.teams.c.name == team)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    current = int(conn.execute(stmt).scalar_one())
    conn.execute(update(db.teams).where(db.teams.c.name == team).values({column: current
                                                                          + count}))
    return current + 1


def linked_rows(conn: Connection, records: Mapping[tuple[str, str], tuple[Any, ...]],
                links: Mapping[tuple[str, str], tuple[Any, Any]]
                ) -> tuple[tuple[str, ...], dict[tuple[str, str], tuple[Any, ...]]]:
    """The columns a push writes of ``records`` (rows in ``RECORD_COLUMNS`` order, by kind and
    id) and the rows to write: on PostgreSQL with their ``links`` (case and person) and their
    change number as ``links_seq`` (:data:`LINKED_COLUMNS`); on SQLite as they are (there the
    link columns are generated). A record without its ``links`` goes without ``links_seq``
    too, so that the trigger fills them from its JSON: before, it was written as linked to
    nothing, under its own change number, which the trigger took for links written, and the
    purge and the Auskunft of its case would not have found it (a review)."""
    if conn.dialect.name != "postgresql":
        return RECORD_COLUMNS, dict(records)
    at = RECORD_COLUMNS.index("seq")
    return (*RECORD_COLUMNS, *LINKED_COLUMNS), {
        key: (*row, *links[key], row[at]) if key in links else (*row, None, None, None)
        for key, row in records.items()}


def update_records(conn: Connection, rows: list[tuple[Any, ...]],
                   stored: Mapping[tuple[str, str], Any],
                   columns: tuple[str, ...] = RECORD_COLUMNS) -> None:
    """Overwrite existing records (rows in ``RECORD_COLUMNS`` order, keyed by kind and id),
    their stored versions moved into ``record_history`` first (before, every version was
    written into both tables). ``stored``: the rows as the push read them under the team's
    lock (:class:`kimdesk.server.push_plan.StoredRecord`, by kind and id).

    On PostgreSQL the rows are copied into a temporary table and applied by one ``UPDATE ...
    FROM``: an ``UPDATE`` per row, even pipelined, was a fifth of a 10k push's time there. The
    stored versions are copied into the history inside the database from the same table
    (``INSERT ... SELECT``), so no record's data travels a second time. On SQLite the server
    writes the versions it read: an ``INSERT ... SELECT`` per record looked each one up once more
    and made a replayed push of 10k changed records 7 % slower (980 -> 1,048 ms, 6 runs each).
    ``columns``: the rows' columns, ``RECORD_COLUMNS`` and on PostgreSQL those of
    :func:`linked_rows`."""
    values = columns[2:]
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {INCOMING} (LIKE {db.records.name})"
            " ON COMMIT DELETE ROWS"
        )
        copy_rows(conn, INCOMING, columns, rows)
        sets = ", ".join(f"{c} = i.{c}" for c in values)
        # Each row found through the primary key, not by hashing the whole table: the planner
        # knows nothing of the temporary table and chose a hash join over every record of the
        # server for each batch (20k records: 15 ms of 44 ms for 2,500 rows, against 9 of 35;
        # it grows with the table, not with the batch). Afterwards the configured setting holds
        # again for the rest of the transaction.
        conn.exec_driver_sql(
            "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;"
            f" {_SUPERSEDED};"
            f" UPDATE {db.records.name} AS r SET {sets} FROM {INCOMING} AS i"
            " WHERE r.kind = i.kind AND r.id = i.id;"
            " SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT"
        )
        return
    mark = placeholder(conn)
    sets = ", ".join(f"{c} = {mark}" for c in values)
    at = RECORD_COLUMNS.index("written_at")
    old = [stored[(r[0], r[1])] for r in rows]
    insert_rows(conn, db.history, HISTORY_COLUMNS, [
        (o.kind, o.id, o.team, o.rev, o.data, o.updated_by, o.batch_id, o.written_at, r[at])
        for o, r in zip(old, rows, strict=True)])
    conn.exec_driver_sql(
        f"UPDATE {db.records.name} SET {sets} WHERE kind = {mark} AND id = {mark}",
        [(*r[2:], r[0], r[1]) for r in rows],
    )


def copy_rows(conn: Connection, table: str, columns: tuple[str, ...],
              rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's ``COPY ... FROM STDIN`` through psycopg, in the connection's transaction."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def insert_rows(conn: Connection, table: Table, columns: tuple[str, ...],
                rows: list[tuple[Any, ...]]) -> None:
    """Plain tuples straight to the driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    SQLAlchemy's ``conn.execute(insert(table), dicts)`` builds a parameter dict per row in Python,
    which cost a fifth of a big push's server time. On PostgreSQL even the driver's pipelined
    INSERT per row was a quarter of a 10k push of new records; COPY streams them."""
    if conn.dialect.name == "postgresql":
        copy_rows(conn, table.name, columns, rows)  # one stream, not an INSERT per row
        return
    mark = placeholder(conn)
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)})"
        f" VALUES ({', '.join(mark for _ in columns)})",
        rows,
    )
