"""Statistical remains on the server (*statistische Restdaten*): what a case purged on the server
leaves for ``kimdesk server stats``, so that the Löschfrist does not change past periods'
figures there either (docs/planned.md section 5; the device's are
:mod:`kimdesk.vault.statsremains`, docs/privacy.md "Statistics after a purge").

Written in the purge's own transaction (:func:`keep`, called by
:func:`kimdesk.server.purge.purge`), by the device's own SQL: the purged case's current records
are projected into a vault database in memory (:class:`~kimdesk.vault.statsprojection.
StatsProjection`) and :func:`~kimdesk.vault.statsremains.write_remains` runs there; its rows are
stored with the team. They hold no name, no id, no free text and months only, like the device's.
The person is a number: while the person lives, the projection's number of them (a SHA-256 number
of their id, :func:`~kimdesk.vault.statsprojection.stable_seq`), so that a person counts once
in a cell where an old and a current case of theirs meet; once the person is purged, a random
negative number (random, not "the lowest minus one" as on the device: two purges in two server
processes at once cannot then give two people the same number).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kimdesk.server import db
from kimdesk.server.store import select_by_ids

# The projection (SQLCipher, the vault's migrations) is imported where it is used: the server's
# push imports this module through its purge, and most pushes purge nothing.


def keep(conn: Connection, team: str, keys: Sequence[tuple[str, str]],
         person_id: str | None) -> int:
    """Store the remains of the cases among ``keys`` (what a purge is about to delete) and,
    when ``person_id`` is purged with them, cut the link of all remains of theirs. Returns the
    number of cases that left remains (a tombstoned case leaves none: it was not counted)."""
    case_ids = [i for k, i in keys if k == "cases"]
    written = 0
    if case_ids:
        written = _write(conn, team, keys, case_ids)
    if person_id is not None:
        unlink(conn, team, person_id)
    return written


def _write(conn: Connection, team: str, keys: Sequence[tuple[str, str]],
           case_ids: list[str]) -> int:
    from kimdesk.vault.statsprojection import (
        KINDS,
        REMAINS_CASE_COLUMNS,
        REMAINS_EVENT_COLUMNS,
        StatsProjection,
    )

    found: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    ids = [i for k, i in keys if k in KINDS]
    rows = select_by_ids(conn, db.records.name, "kind, data", list(KINDS), ids)
    for kind, data in rows:
        found[kind].append(json.loads(data))
    persons = {str(c.get("person_id")) for c in found["cases"]} - {i for k, i in keys
                                                                   if k == "persons"}
    found["persons"] += [json.loads(d) for _k, d in select_by_ids(
        conn, db.records.name, "kind, data", ["persons"], sorted(persons))]
    with StatsProjection() as projection:
        for kind in KINDS:
            projection.add(kind, found[kind])
        cases, events = projection.remains(case_ids)
    if cases:
        conn.execute(insert(db.stats_remains_cases), [
            {"team": team, **dict(zip(REMAINS_CASE_COLUMNS, row, strict=True))} for row in cases])
    if events:
        conn.execute(insert(db.stats_remains_events), [
            {"team": team, **dict(zip(REMAINS_EVENT_COLUMNS, row, strict=True))}
            for row in events])
    return len(cases)


def unlink(conn: Connection, team: str, person_id: str) -> None:
    """Give a purged person's remains a number no living person has (negative, random)."""
    from kimdesk.vault.statsprojection import stable_seq

    key = -1 - secrets.randbits(62)
    for table in (db.stats_remains_cases, db.stats_remains_events):
        conn.execute(update(table).where(table.c.team == team,
                                         table.c.person == stable_seq(person_id))
                     .values(person=key))


def rows(conn: Connection, teams: Sequence[str]
         ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The remains of ``teams``: the case rows and the event rows, in the projection's columns."""
    from kimdesk.vault.statsprojection import REMAINS_CASE_COLUMNS, REMAINS_EVENT_COLUMNS

    out = []
    for table, columns in ((db.stats_remains_cases, REMAINS_CASE_COLUMNS),
                           (db.stats_remains_events, REMAINS_EVENT_COLUMNS)):
        query = select(*(table.c[c] for c in columns)).where(table.c.team.in_(list(teams)))
        out.append([tuple(r) for r in conn.execute(query)])
    return out[0], out[1]


def of_person(conn: Connection, team: str, person_id: str) -> dict[str, list[dict[str, Any]]]:
    """The remains still linked to a living person of ``team`` (their purged cases while the
    person stays): part of the server's Auskunft (Art. 15 DSGVO), since the link makes them
    theirs, as the device's Auskunft lists its own
    (:func:`kimdesk.vault.statsremains.remains_of`)."""
    from kimdesk.vault.statsprojection import stable_seq

    out: dict[str, list[dict[str, Any]]] = {}
    for key, table in (("cases", db.stats_remains_cases), ("events", db.stats_remains_events)):
        shown = [c for c in table.c if c.name not in ("rid", "team", "person")]
        query = (select(*shown).where(table.c.team == team,
                                      table.c.person == stable_seq(person_id))
                 .order_by(table.c.rid))
        out[key] = [dict(row._mapping) for row in conn.execute(query)]
    return out
