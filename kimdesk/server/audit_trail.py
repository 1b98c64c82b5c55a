"""The server's audit trail: who on the server side did what with whose data.

Accountability (Art. 5 (2) DSGVO) and logging (Art. 32 DSGVO, § 78a SGB X) for what the
device's own log cannot see: a device's pushes and the case ids each pull page delivered
("who received case X"), and the administrators' commands (enrolling, revoking, publishing,
a Löschfrist run, ``orphans --remove``, emptying receipts, ``subject-export``).

Rules (docs/planned.md, section 3; docs/privacy.md, "The server's audit trail"):

- **ids and counts only**: ``subjects`` holds record ids by kind, ``detail`` codes and counts;
  never a value of a record (not even a case number: ``subject-export`` writes the ids it
  resolved, not what the administrator typed).
- **in the transaction of the action**: :func:`append` takes the caller's connection, so a
  failed audit write rolls the action back. A pull page is the exception: it is read in a
  transaction that never writes (on SQLite a reader must not wait for a writer,
  :func:`kimdesk.server.db.reading`), so its row is written in a transaction of its own after
  the read and before the page is answered; if the row cannot be written the page is not sent.
  An empty page delivers nothing and writes no row.
- **one chain** over the whole server, hashed by the device's function
  (:func:`kimdesk.domain.auditchain.event_hash`). Rows are numbered 1, 2, 3 ... under one lock
  (PostgreSQL: a transaction-level advisory lock, taken as the last step of the action so that
  teams' pushes wait for each other only for the commit; SQLite: its one write lock).
- **append-only**: triggers refuse UPDATE, DELETE (and TRUNCATE), revision 0006.

:func:`verify` finds an altered row, a deleted row and a gap; a chain cut off at its newest end
is still a valid chain, so the daily Löschfrist run logs the head's hash
(:mod:`kimdesk.server.retention`) and ``verify(head=...)`` checks that the logged hash is
still in the chain.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, insert, select

from kimdesk.domain.auditchain import GENESIS, event_hash
from kimdesk.server import db
from kimdesk.server.common import now_iso

#: PostgreSQL advisory lock that numbers the trail's rows one after the other ("KIMA").
_PG_LOCK = 0x4B494D41


class Actor(StrEnum):
    DEVICE = "device"
    STAFF = "staff"  # planned: a person behind a device (docs/planned.md)
    ADMIN = "admin"  # a ``kimdesk server`` command
    CONSOLE = "console"  # planned: the browser console
    SYSTEM = "system"  # the server itself: the daily Löschfrist run


class Action(StrEnum):
    PUSH = "push"
    PULL = "pull"
    ENROLL_CODE = "enroll_code"
    ENROLL = "enroll"
    REVOKE = "revoke"
    PUBLISH = "publish"
    PURGE = "purge"  # a case deleted by its Löschfrist
    RECEIPTS_EMPTIED = "receipts_emptied"
    ORPHANS_REMOVED = "orphans_removed"
    SUBJECT_EXPORT = "subject_export"
    STATS_EXPORT = "stats_export"  # kimdesk server stats: one row per team counted


#: The fields the hash covers, in the stored row.
CHAINED = ("seq", "at", "actor_kind", "actor_id", "action", "team", "subjects", "detail")


def admin() -> str:
    """The operating-system account that runs a ``kimdesk server`` command: the administrator
    as the server can know them (no staff accounts exist yet, docs/planned.md)."""
    try:
        return getpass.getuser()
    except Exception:  # no name for the uid (a container): said as such
        return "unknown"


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def subjects(by_kind: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Ids by kind, each list sorted and without repeats; kinds without ids left out."""
    return {k: sorted(set(ids)) for k, ids in sorted(by_kind.items()) if ids}


def append(conn: Connection, actor_kind: Actor, actor_id: str, action: Action, team: str,
           subject_ids: Mapping[str, Iterable[str]] | None = None,
           detail: Mapping[str, Any] | None = None) -> str:
    """Append a row in the caller's transaction (call it as the action's last statement);
    its hash. A failure raises and so fails the action."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
    last = conn.execute(select(db.audit_trail.c.seq, db.audit_trail.c.hash)
                        .order_by(db.audit_trail.c.seq.desc()).limit(1)).first()
    seq, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
    content = {"seq": str(seq), "at": now_iso(), "actor_kind": Actor(actor_kind).value,
               "actor_id": actor_id, "action": Action(action).value, "team": team,
               "subjects": _text(subjects(subject_ids or {})), "detail": _text(detail or {})}
    digest = event_hash(prev, content)
    conn.execute(insert(db.audit_trail).values(content | {"seq": seq, "prev_hash": prev,
                                                          "hash": digest}))
    return digest


@dataclass(frozen=True)
class Row:
    seq: int
    at: str
    actor_kind: str
    actor_id: str
    action: str
    team: str
    subjects: dict[str, list[str]]
    detail: dict[str, Any]
    hash: str


def _rows(conn: Connection) -> Iterator[Any]:
    t = db.audit_trail.c
    result = conn.execution_options(yield_per=1000).execute(
        select(t.prev_hash, t.hash, *(t[c] for c in CHAINED)).order_by(t.seq))
    yield from result


@dataclass(frozen=True)
class Break:
    """Where the chain breaks: the row's ``seq`` and why (``altered``: its content or hash
    changed; ``missing``: rows before it are gone; ``head_missing``: the head hash logged
    earlier is not in the chain, so rows at its newest end are gone)."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Verified:
    rows: int
    head: str
    broken: Break | None


def verify(conn: Connection, head: str | None = None) -> Verified:
    """Check every row's hash and link; ``head``: a head hash logged earlier that must still be
    in the chain."""
    prev, expected, count, seen = GENESIS, 1, 0, head is None
    for row in _rows(conn):
        content = {c: str(getattr(row, c)) for c in CHAINED}
        seq = int(row.seq)
        if seq != expected:
            return Verified(count, prev, Break(expected, "missing"))
        if row.prev_hash != prev or event_hash(prev, content) != row.hash:
            return Verified(count, prev, Break(seq, "altered"))
        prev, expected, count = str(row.hash), seq + 1, count + 1
        seen = seen or prev == head
    if not seen:
        return Verified(count, prev, Break(expected, "head_missing"))
    return Verified(count, prev, None)


def head(conn: Connection) -> tuple[int, str]:
    """The number of rows and the newest row's hash (:data:`GENESIS` for an empty trail)."""
    last = conn.execute(select(db.audit_trail.c.seq, db.audit_trail.c.hash)
                        .order_by(db.audit_trail.c.seq.desc()).limit(1)).first()
    return (int(last[0]), str(last[1])) if last else (0, GENESIS)


def read(conn: Connection, *, team: str | None = None, ids: set[str] | None = None,
         since: str | None = None, until: str | None = None) -> list[Row]:
    """The rows (oldest first) of ``team``, naming one of ``ids`` among their subjects, at or
    after ``since`` and before ``until`` (ISO time stamps, compared as text)."""
    t = db.audit_trail.c
    query = select(db.audit_trail).order_by(t.seq)
    if team is not None:
        query = query.where(t.team == team)
    if since:
        query = query.where(t.at >= since)
    if until:
        query = query.where(t.at < until)
    out: list[Row] = []
    for r in conn.execute(query):
        named = json.loads(r.subjects)
        if ids is not None and not any(i in ids for found in named.values() for i in found):
            continue
        out.append(Row(int(r.seq), r.at, r.actor_kind, r.actor_id, r.action, r.team, named,
                       json.loads(r.detail), r.hash))
    return out
