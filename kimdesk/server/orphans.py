"""Records on the server whose case or person it does not hold: found, and removed on request.

Since 2026-12-06 the server refuses a change whose parent (a note's case, a case's person:
:data:`kimdesk.server.plausibility.PARENTS`) it does not hold for the team. A server of before
took them: a note for a case it never had went to every device of the team, which holds it back
and, since that day, drops it (``kimdesk/vault/sync/parked.py``). On the server it stays, with
its text, in the records and their history: personal data no screen shows and no Löschfrist
reaches, because the Löschfrist runs by case. ``kimdesk server orphans`` lists them for the
administrator (kind, id, team and the missing link: no content) and ``--remove`` deletes them
with their history, their open conflicts and their results in stored receipts, as a purge does.

A record under an orphan (a note on a case whose person the server does not hold) is an orphan
too: removing only the case would leave the note hanging. Removed records are not marked
purged: the device that wrote one still holds it with its parent; its next full check finds the
record gone, it sends parent and record again, and the server takes them in that order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from kimdesk.server import audit_trail, db, purge
from kimdesk.server.plausibility import PARENTS
from kimdesk.server.store import placeholder


@dataclass(frozen=True)
class Orphan:
    """A record whose ``field`` names a parent the server does not hold for ``team``."""

    team: str
    kind: str
    id: str
    field: str


def _link(conn: Connection, field: str) -> str:
    """SQL for the parent id a child row ``c`` names (the JSON field ``field``; the column the
    database keeps of it where there is one, revision 0012)."""
    if field in db.LINK_COLUMNS:
        return f"c.{field}"
    if conn.dialect.name == "postgresql":
        return f"(c.data::json ->> '{field}')"
    return f"json_extract(c.data, '$.{field}')"


def find(conn: Connection, team: str | None = None) -> list[Orphan]:
    """Every orphan (of ``team``, or of every team), those under an orphan included, parents
    before their children."""
    m = placeholder(conn)
    found: list[Orphan] = []
    for kind, (field, parent) in PARENTS.items():
        where = f" AND c.team = {m}" if team is not None else ""
        rows = conn.exec_driver_sql(
            f"SELECT c.team, c.id FROM {db.records.name} c WHERE c.kind = {m}{where}"
            f" AND NOT EXISTS (SELECT 1 FROM {db.records.name} p WHERE p.kind = {m}"
            f" AND p.team = c.team AND p.id = {_link(conn, field)}) ORDER BY c.team, c.id",
            (kind, *([team] if team is not None else []), parent)).all()
        found += [Orphan(str(t), kind, str(i), field) for t, i in rows]
    # under an orphan case or person: found by where they hang, until nothing more comes
    known = {(o.team, o.kind, o.id) for o in found}
    fresh = found
    while fresh:
        more: list[Orphan] = []
        for kind, (field, parent) in PARENTS.items():
            for t in sorted({o.team for o in fresh}):
                ids = sorted({o.id for o in fresh if o.team == t and o.kind == parent})
                for start in range(0, len(ids), 500):
                    chunk = ids[start:start + 500]
                    for (rid,) in conn.exec_driver_sql(
                            f"SELECT c.id FROM {db.records.name} c"
                            f" WHERE c.kind = {m}"
                            f" AND c.team = {m} AND {_link(conn, field)}"
                            f" IN ({', '.join(m for _ in chunk)}) ORDER BY c.id",
                            (kind, t, *chunk)):
                        if (t, kind, str(rid)) not in known:
                            known.add((t, kind, str(rid)))
                            more.append(Orphan(t, kind, str(rid), field))
        found += more
        fresh = more
    return found


def remove(engine: Engine, team: str | None = None) -> list[Orphan]:
    """Delete every orphan (of ``team``) with its history, its conflicts and its results in
    the stored receipts, in one transaction; then SQLite's log is emptied of the old pages (as
    after a purge). Returns what went."""
    with engine.begin() as conn:
        gone = find(conn, team)
        m = placeholder(conn)
        if not gone:
            return gone
        for table in (db.records.name, db.history.name):
            conn.exec_driver_sql(
                f"DELETE FROM {table} WHERE kind = {m} AND id = {m} AND team = {m}",
                [(o.kind, o.id, o.team) for o in gone])
        teams = sorted({o.team for o in gone})
        for t in teams:
            ids = {o.id for o in gone if o.team == t}
            conn.exec_driver_sql(
                f"DELETE FROM {db.conflicts.name} WHERE team = {m} AND record_id = {m}",
                [(t, i) for i in sorted(ids)])
            purge.scrub_receipts(conn, t, ids)
        # the rows last, after every delete: the trail's lock is held to the commit, and taken
        # before another team's deletes it made a push of that team (holding its rows, waiting
        # for the lock) and this transaction wait for each other (review of 2026-12-07)
        for t in teams:
            by_kind: dict[str, list[str]] = {}
            for o in gone:
                if o.team == t:
                    by_kind.setdefault(o.kind, []).append(o.id)
            audit_trail.append(conn, audit_trail.Actor.ADMIN, audit_trail.admin(),
                               audit_trail.Action.ORPHANS_REMOVED, t, by_kind,
                               {"records": sum(len(v) for v in by_kind.values())})
    purge.flush_freed_pages(engine)
    return gone
