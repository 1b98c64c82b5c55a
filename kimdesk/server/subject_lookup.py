"""Who the server's Auskunft is about, and a connection that cannot change the database.

``kimdesk server subject-export PERSON`` (:mod:`kimdesk.server.subject_access`) is asked by a
data-protection officer for one person. The server keeps no search index and decrypts nothing:
its records are the team copies the devices sent, so a person is found by what the records
themselves name: the person's id, a case's id, or a case's number (``data.case_number``). Names
are not looked up: the officer has the case number or id from the counselor's device, whose
``kimdesk subject-export`` finds a person by name.

A case number is unique within a team (the device's tag is part of it) but two teams' devices
could write the same one; then, or when what was given fits two persons, the lookup refuses
and asks for ``--team`` or the person id, instead of answering about the wrong person.

A person or case the server purged (Löschfrist or an Art. 17 request: docs/privacy.md) is not
found, and the message says when and on which legal basis it was deleted: the deletion record
holds no personal data, and "deleted on ..." is the answer the officer needs then.

Reading is read-only by construction, not by care: SQLite's file is opened read-only
(:func:`read_only_url`, ``mode=ro``), with ``PRAGMA query_only`` and a deferred transaction that
never takes the write lock (:func:`read_only`); on PostgreSQL the transaction is ``READ ONLY``
and ``REPEATABLE READ`` (every category is read from one snapshot, so a push arriving meanwhile
cannot show a record in one place and not in another; SQLite's transaction is one snapshot
too). A statement that would write fails instead. Opened read-write, SQLite would also have
copied its log into the file and deleted the log when this was the last connection to close
(measured: the server's empty ``-wal`` was gone after an export); read-only it touches neither.
On a database no process has open, SQLite creates the empty ``-wal`` and ``-shm`` files a reader
needs beside it and leaves them (the server uses them at its next start). The schema is not
migrated here either (the other server commands do): a database of an older schema is refused
with the fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_
from kimdesk.server import db
from kimdesk.server.purge import json_field
from kimdesk.server.store import placeholder


class SubjectNotFound(KimdeskError):
    """No person or case on the server has what was given as its id or case number."""

    def __init__(self, ident: str, team: str | None) -> None:
        if team is None:
            super().__init__(N_("Nothing on the server matches \"{ident}\" (a person id, a case "
                                "id or a case number)."), ident=ident)
        else:
            super().__init__(N_("Nothing of team {team} on the server matches \"{ident}\" (a "
                                "person id, a case id or a case number)."), ident=ident,
                             team=team)


class AmbiguousSubject(KimdeskError):
    """What was given names cases of several persons (a case number two teams both use)."""

    exit_code = 2

    def __init__(self, ident: str, count: int, teams: list[str]) -> None:
        super().__init__(N_("\"{ident}\" matches {count} persons on the server (teams: {teams}); "
                            "give --team or the person id."), ident=ident, count=count,
                         teams=", ".join(teams))


class SubjectPurged(KimdeskError):
    """The person or case was purged: only its deletion record is left, no data about them."""

    def __init__(self, ident: str, day: str, basis: str) -> None:
        super().__init__(N_("The server holds nothing about \"{ident}\" any more: it was deleted "
                            "on {day} ({basis}). Only the deletion record is kept, without "
                            "personal data."), ident=ident, day=day, basis=basis)


class SchemaNotCurrent(KimdeskError):
    """The database is not at this release's schema; the export does not migrate it."""

    def __init__(self, current: str | None, head: str | None) -> None:
        super().__init__(N_("The server database is at schema {current}, this release reads "
                            "{head}. The Auskunft changes nothing in the database: upgrade it "
                            "first (kimdesk server run, or any other kimdesk server command, "
                            "does), then ask again."), current=current or "-", head=head or "-")


def read_only_url(url: str) -> str:
    """``url`` for opening it read-only: a SQLite file as a ``file:`` URI with ``mode=ro``;
    other URLs as they are (:func:`read_only` makes PostgreSQL's transaction read-only)."""
    from urllib.parse import quote

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # no URL at all: refused where it is opened, in one line
    path = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" \
            or path.startswith("file:"):
        return url
    return f"sqlite:///file:{quote(str(Path(path).resolve()))}?mode=ro&uri=true"


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """One transaction that can only read, over one snapshot (see the module's docstring)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                                postgresql_readonly=True) as conn:
            yield conn
            conn.rollback()
        return
    with db.reading(engine) as conn:  # a deferred BEGIN: never SQLite's write lock
        conn.exec_driver_sql("PRAGMA query_only = ON")
        try:
            yield conn
        finally:
            conn.rollback()
            conn.exec_driver_sql("PRAGMA query_only = OFF")  # the pooled connection as it was
            conn.rollback()


def check_schema(conn: Connection) -> None:
    """Refuse a database that is not at this release's newest Alembic revision (an empty one
    too: ``--db`` pointing at the wrong file)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from kimdesk.server.migrate import alembic_config

    current = MigrationContext.configure(conn).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current != head:
        raise SchemaNotCurrent(current, head)


def resolve(conn: Connection, ident: str, team: str | None = None) -> tuple[str, str]:
    """(team, person id) of the person ``ident`` names: their id, or a case's id or number.
    Tombstones count: a deleted record keeps every field on the server until it is purged."""
    ident = ident.strip()
    m = placeholder(conn)
    of_team, team_args = (f" AND team = {m}", (team,)) if team is not None else ("", ())
    found: set[tuple[str, str]] = set()
    for (t,) in conn.exec_driver_sql(
            f"SELECT team FROM {db.records.name} WHERE kind = 'persons' AND id = {m}{of_team}",
            (ident, *team_args)):
        found.add((str(t), ident))
    for t, person in conn.exec_driver_sql(
            f"SELECT team, {json_field(conn, 'person_id')} FROM {db.records.name}"
            f" WHERE kind = 'cases' AND (id = {m} OR {json_field(conn, 'case_number')} = {m})"
            f"{of_team}", (ident, ident, *team_args)):
        found.add((str(t), str(person or "")))
    if len(found) == 1:
        return found.pop()
    if found:
        raise AmbiguousSubject(ident, len(found), sorted({t for t, _ in found}))
    _purged(conn, ident, team)
    raise SubjectNotFound(ident, team)


def _purged(conn: Connection, ident: str, team: str | None) -> None:
    """Raise :class:`SubjectPurged` when ``ident`` is a person or case the server purged."""
    m = placeholder(conn)
    of_team, team_args = (f" AND team = {m}", (team,)) if team is not None else ("", ())
    row = conn.exec_driver_sql(
        f"SELECT deletion_id, purged_at FROM {db.purged.name} WHERE id = {m}"
        f" AND kind IN ('persons', 'cases'){of_team} ORDER BY purged_at",
        (ident, *team_args)).first()
    if row is None:
        return
    deletion = conn.exec_driver_sql(
        f"SELECT data FROM {db.records.name} WHERE kind = 'deletions' AND id = {m}",
        (row[0],)).first()
    data = json.loads(deletion[0]) if deletion is not None else {}
    raise SubjectPurged(ident, str(data.get("deleted_on") or str(row[1])[:10]),
                        str(data.get("legal_basis") or "-"))


def stored_server_id(conn: Connection) -> str | None:
    """The server's id as its devices know it (``/v1/hello``), read only: None on a server
    that never answered a device (:func:`kimdesk.server.devices.server_id` would create it)."""
    row = conn.exec_driver_sql(
        f"SELECT value FROM {db.server_meta.name} WHERE key = 'server_id'").first()
    return None if row is None else str(row[0])
