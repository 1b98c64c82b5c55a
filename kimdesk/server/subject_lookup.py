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

A person or case the server purged (Löschfrist or an Art. 17 request: docs/privacy.md) is found
too, by its id or (for a case purged since revision 0005) its case number, in the ``purged``
notes (which keep a keyed hash of the number, :func:`kimdesk.server.purge.case_key`): the
officer asked about a deleted client must still get what the server keeps about them (the
deletion records, the ids noted, a stale device's refused push in a receipt), and the
Auskunft says plainly that they were deleted (:mod:`kimdesk.server.subject_deleted`). Until
2026-12-07 a purged person was refused with one line, and a purged case's number matched
nothing at all.

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

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_
from kimdesk.server import db
from kimdesk.server.purge import case_key, json_field, record_field
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


@dataclass(frozen=True)
class Subject:
    """Whom an Auskunft is about: the team, the person's id (``""`` where only a case purged
    before revision 0005 is known, which kept no person), and that case's id then."""

    team: str
    person_id: str
    purged_case: str | None = None


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


def resolve(conn: Connection, ident: str, team: str | None = None) -> Subject:
    """Whom ``ident`` names: a person's id, or a case's id or number. Tombstones count: a
    deleted record keeps every field on the server until it is purged; after the purge, the
    ``purged`` notes are searched (:func:`_purged`)."""
    ident = ident.strip()
    m = placeholder(conn)
    of_team, team_args = (f" AND team = {m}", (team,)) if team is not None else ("", ())
    found: set[tuple[str, str]] = set()
    for (t,) in conn.exec_driver_sql(
            f"SELECT team FROM {db.records.name} WHERE kind = 'persons' AND id = {m}{of_team}",
            (ident, *team_args)):
        found.add((str(t), ident))
    for t, person in conn.exec_driver_sql(
            f"SELECT team, {record_field(conn, 'person_id')} FROM {db.records.name}"
            f" WHERE kind = 'cases' AND (id = {m} OR {json_field(conn, 'case_number')} = {m})"
            f"{of_team}", (ident, ident, *team_args)):
        found.add((str(t), str(person or "")))
    if len(found) == 1:
        t, person = found.pop()
        return Subject(t, person)
    if found:
        raise AmbiguousSubject(ident, len(found), sorted({t for t, _ in found}))
    subjects = _purged(conn, ident, team)
    if len(subjects) == 1:
        return subjects[0]
    if subjects:
        raise AmbiguousSubject(ident, len(subjects), sorted({s.team for s in subjects}))
    raise SubjectNotFound(ident, team)


def _purged(conn: Connection, ident: str, team: str | None) -> list[Subject]:
    """The purged persons or cases ``ident`` names (by id; a case also by its number), one
    subject per person: a person's own note and her case's note name the same person."""
    m = placeholder(conn)
    of_team, team_args = (f" AND team = {m}", (team,)) if team is not None else ("", ())
    teams = [team] if team is not None else [str(t) for (t,) in conn.exec_driver_sql(
        f"SELECT DISTINCT team FROM {db.purged.name} WHERE case_key IS NOT NULL")]
    keys = [k for t in teams if (k := case_key(conn, t, ident)) is not None] or [""]
    found: dict[tuple[str, str], Subject] = {}
    for kind, rid, t, person in conn.exec_driver_sql(
            f"SELECT kind, id, team, person_id FROM {db.purged.name}"
            f" WHERE ((kind = 'persons' AND id = {m}) OR (kind = 'cases' AND (id = {m}"
            f" OR case_key IN ({', '.join(m for _ in keys)})))){of_team}"
            " ORDER BY purged_at, kind, id", (ident, ident, *keys, *team_args)):
        if kind == "persons":
            subject = Subject(str(t), str(rid))
        elif person:
            subject = Subject(str(t), str(person))
        else:  # purged before revision 0005: the case's person is not known any more
            subject = Subject(str(t), "", str(rid))
        found.setdefault((subject.team, subject.person_id or f"case:{rid}"), subject)
    return list(found.values())


def logged(engine: Engine, ident: str, team: str | None = None) -> Subject:
    """Whom ``ident`` names (:func:`resolve`), with the export's audit row written and
    committed in a transaction of its own, before anything of the person is read (the read
    itself stays read-only: :func:`read_only`). The row names the ids resolved, never
    ``ident`` (a case number is a value of a record): the person's, or for a case purged before
    revision 0005 the case's. A deleted or purged person is found and logged too (what remains
    of them is disclosed); one not found writes no row: nothing was disclosed."""
    from kimdesk.server import audit_trail

    with engine.begin() as conn:
        check_schema(conn)
        subject = resolve(conn, ident, team)
        ids: dict[str, list[str]] = {"persons": [subject.person_id] if subject.person_id else []}
        if subject.purged_case:
            ids["cases"] = [subject.purged_case]
        audit_trail.append(conn, audit_trail.Actor.ADMIN, audit_trail.admin(),
                           audit_trail.Action.SUBJECT_EXPORT, subject.team, ids)
    return subject


def stored_server_id(conn: Connection) -> str | None:
    """The server's id as its devices know it (``/v1/hello``), read only: None on a server
    that never answered a device (:func:`kimdesk.server.devices.server_id` would create it)."""
    row = conn.exec_driver_sql(
        f"SELECT value FROM {db.server_meta.name} WHERE key = 'server_id'").first()
    return None if row is None else str(row[0])
