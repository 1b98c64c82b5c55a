"""Reference data the server publishes to devices: code lists, agencies, form definitions.

Items are global (team ``""``) or for one team, versioned per item and numbered by one global
counter (``ref_seq`` on the pseudo-team row ``""``), so a device pages through them with a
cursor like through record changes.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, insert, select, update

from kimdesk.domain.models import RECORD_BY_KIND
from kimdesk.server import audit_trail, db
from kimdesk.server.common import Device, canonical_json, now_iso
from kimdesk.server.store import ensure_team, reserve_numbers
from kimdesk.sync.protocol import (
    PULL_PAGE_DEFAULT,
    PULL_PAGE_MAX,
    REFERENCE_KINDS,
    ReferenceItem,
    ReferencePage,
)


def publish_reference(engine: Engine, kind: str, key: str, data: Any, *, team: str = "",
                      deleted: bool = False) -> int:
    """Publish (or withdraw) a reference item; returns its new version."""
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"unknown reference kind {kind!r}")
    if kind == "agency" and not deleted:
        RECORD_BY_KIND["agencies"].model_validate(data)
    if kind == "retention_policy" and not deleted:  # key: a municipality, or * for the rest
        from kimdesk.domain.retention import RetentionPolicy

        # a list or a number is refused by pydantic as "not an object"; ``data | {...}`` on it
        # raised a TypeError, a traceback on the command line (2026-12-07)
        RetentionPolicy.model_validate(
            data | {"municipality": key} if isinstance(data, dict) else data)
    t = db.reference.c
    with engine.begin() as conn:
        # The global reference counter lives on a pseudo-team row, locked like a push.
        ensure_team(conn, "")
        seq = reserve_numbers(conn, "", "ref_seq", 1)
        row = conn.execute(
            select(t.version).where(t.kind == kind, t.key == key, t.team == team)
        ).first()
        version = (row.version if row else 0) + 1
        values = dict(version=version, seq=seq, deleted=deleted, data=canonical_json(data),
                      updated_at=now_iso())
        if row:
            conn.execute(update(db.reference).where(t.kind == kind, t.key == key,
                                                    t.team == team).values(**values))
        else:
            conn.execute(insert(db.reference).values(kind=kind, key=key, team=team, **values))
        # reference data is no record of a person: its key and version, not its content
        audit_trail.append(conn, audit_trail.Actor.ADMIN, audit_trail.admin(),
                           audit_trail.Action.PUBLISH, team,
                           detail={"kind": kind, "key": key, "version": version,
                                   "withdrawn": deleted})
    return version


def reference_page(engine: Engine, device: Device, since: int,
                   limit: int = PULL_PAGE_DEFAULT) -> ReferencePage:
    """The global and the device's team's items published after cursor ``since``.

    The counter first, then only the items at or below it, as for record changes
    (:func:`kimdesk.server.pull.pull_json`): an item is numbered under the counter's lock and
    the counter raised in the same transaction, so every number up to the counter read here is
    committed. Read the other way round under PostgreSQL's READ COMMITTED, an item published
    between the two statements moved the counter past it, and the device's cursor skipped it
    for good (a form, a code list or a retention policy it would never get)."""
    limit = max(1, min(limit, PULL_PAGE_MAX))
    t = db.reference.c
    with db.reading(engine) as conn:
        head = conn.execute(select(db.teams.c.ref_seq).where(db.teams.c.name == "")).scalar()
        rows = conn.execute(
            select(db.reference)
            .where(t.seq > since, t.seq <= int(head or 0), t.team.in_(["", device.team]))
            .order_by(t.seq)
            .limit(limit + 1)
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = rows[-1].seq if more else max(int(head or 0), since)
    return ReferencePage(
        items=[ReferenceItem(kind=x.kind, key=x.key, version=x.version, seq=x.seq,
                             team=x.team, data=json.loads(x.data), deleted=bool(x.deleted))
               for x in rows],
        next_cursor=int(cursor),
        more=more,
    )
