"""The server's audit trail: who on the server side did what with whose data.

Accountability (Art. 5 (2) DSGVO) and logging (Art. 32 DSGVO, § 78a SGB X) for what the
device's own log cannot see: a device's pushes and the case ids each pull page delivered
("who received case X"), and the administrators' commands (enrolling, revoking, publishing,
a Löschfrist run, ``orphans --remove``, emptying receipts, ``subject-export``, and listing
the trail itself with ``kimdesk server audit``).

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
- **a chain per team** (revision 0008), hashed by the device's function
  (:func:`kimdesk.domain.auditchain.event_hash`): a team's rows are numbered 1, 2, 3 ... in
  ``n`` under a lock of that team only (PostgreSQL: a transaction-level advisory lock on the
  team's name, taken as the last step of the action; SQLite: its one write lock). Before, one
  chain and one lock for the whole server made every process's pushes and pull pages of every
  team wait for each other's commits, a quarter of the saturated throughput
  (docs/deployment.md, "The audit trail"). The server's own rows (team "", such as emptied
  receipts) are a chain too. Rows written before revision 0008 (``n`` NULL) stay the one chain
  they were, numbered by ``seq``.
- **sealed daily**: the daily run appends a ``seal`` row to the server's chain that names every
  chain's newest row (:func:`seal`) and logs the server chain's head
  (:mod:`kimdesk.server.retention`). A chain cut off at its newest end is still a valid chain:
  the seals find what was cut before them, the logged head (``verify(head=...)``) what was cut
  or rewritten in the server's chain itself.
- **append-only**: triggers refuse UPDATE, DELETE (and TRUNCATE), revision 0006.

:func:`verify` finds an altered row, a deleted row and a gap in every chain.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, insert, select

from kimdesk.domain.auditchain import GENESIS, event_hash
from kimdesk.server import db
from kimdesk.server.common import now_iso

#: PostgreSQL advisory lock class ("KIMA"); the second key is the hash of the team's name, so
#: each chain has its own lock (another team's name with the same hash only shares it).
_PG_LOCK = 0x4B494D41
#: The team of the server's own chain (its rows concern no one team), which the seals go to.
SERVER_CHAIN = ""


class Actor(StrEnum):
    DEVICE = "device"
    STAFF = "staff"  # planned: a person acting in the console (a device's staff member is
    # named in its rows' ``detail`` as ``staff``: kimdesk.server.common.Device.audit_detail)
    ADMIN = "admin"  # a ``kimdesk server`` command
    CONSOLE = "console"  # the browser console: ``actor_id`` is the console account's name
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
    SEAL = "seal"  # the daily run: every chain's newest row, named in the server's chain
    AUDIT_READ = "audit_read"  # kimdesk server audit: the trail itself listed
    STAFF_ADD = "staff_add"  # kimdesk server staff add: the id, never the name
    STAFF_DEACTIVATE = "staff_deactivate"  # ... staff deactivate (their devices revoked too)
    # the browser console (kimdesk/server/console/), in the server's chain: the account's name
    # and the browser's address, never a password, TOTP code or session id
    CONSOLE_ACCOUNT_ADD = "console_account_add"  # kimdesk server console-user add
    CONSOLE_LOGIN = "console_login"
    CONSOLE_LOGIN_FAILED = "console_login_failed"  # detail: why (password, totp, throttled ...)
    CONSOLE_LOGOUT = "console_logout"


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
    """Append a row to ``team``'s chain in the caller's transaction (call it as the action's
    last statement); its hash. A failure raises and so fails the action."""
    t = db.audit_trail.c
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_PG_LOCK, team))
    last = conn.execute(select(t.n, t.hash).where(t.team == team, t.n.is_not(None))
                        .order_by(t.n.desc()).limit(1)).first()
    n, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
    content = {"seq": str(n), "at": now_iso(), "actor_kind": Actor(actor_kind).value,
               "actor_id": actor_id, "action": Action(action).value, "team": team,
               "subjects": _text(subjects(subject_ids or {})), "detail": _text(detail or {})}
    digest = event_hash(prev, content)
    # ``seq`` only orders the rows: from a sequence on PostgreSQL (teams append side by side),
    # the next number under SQLite's one write lock
    seq = (func.nextval("audit_trail_seq") if postgres
           else select(func.coalesce(func.max(t.seq), 0) + 1).scalar_subquery())
    conn.execute(insert(db.audit_trail).values(content | {"seq": seq, "n": n, "prev_hash": prev,
                                                          "hash": digest}))
    return digest


def seal(conn: Connection, actor: tuple[Actor, str] = (Actor.SYSTEM, "daily")) -> str:
    """Append to the server's chain a row naming every chain's newest row (team, ``n``, hash;
    the chain from before revision 0008 as ``before``: its ``seq`` and hash); its hash, the
    head to log. A row cut from a chain's newest end, or a chain rewritten, before a seal no
    longer matches what the seal names (:func:`verify`)."""
    t = db.audit_trail.c
    newest = (select(t.team, func.max(t.n).label("n")).where(t.n.is_not(None))
              .group_by(t.team).subquery())
    heads = conn.execute(select(t.team, t.n, t.hash).join(
        newest, (t.team == newest.c.team) & (t.n == newest.c.n))
        .where(t.team != SERVER_CHAIN).order_by(t.team)).all()
    detail: dict[str, Any] = {"chains": [[str(r.team), int(r.n), str(r.hash)] for r in heads]}
    before = conn.execute(select(t.seq, t.hash).where(t.n.is_(None))
                          .order_by(t.seq.desc()).limit(1)).first()
    if before is not None:
        detail["before"] = [int(before[0]), str(before[1])]
    return append(conn, actor[0], actor[1], Action.SEAL, SERVER_CHAIN, None, detail)


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
    # on the statement: Connection.execution_options would change the caller's connection
    result = conn.execute(select(t.n, t.prev_hash, t.hash, *(t[c] for c in CHAINED))
                          .order_by(t.seq).execution_options(yield_per=1000))
    yield from result


def _content(row: Any) -> dict[str, str]:
    """The chained fields of a stored row: its number in its chain as ``seq`` (``n``; for a
    row from before revision 0008 its ``seq``)."""
    content = {c: str(getattr(row, c)) for c in CHAINED}
    if row.n is not None:
        content["seq"] = str(row.n)
    return content


@dataclass(frozen=True)
class Break:
    """Where the chain breaks: the row's ``seq`` and why (``altered``: its content or hash
    changed; ``missing``: rows before it in its chain are gone; ``head_missing``: the head hash
    logged earlier is not in the trail, so rows at its newest end are gone; ``sealed``: the
    seal row ``seq`` names a chain's row that is gone or was rewritten)."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Verified:
    rows: int
    head: str
    broken: Break | None


def _seals(conn: Connection) -> dict[tuple[str | None, int], tuple[str, int]]:
    """What the seals name: (team, n) or (None, seq) for the chain from before revision 0008
    -> (hash, the seal's seq). Read before the pass over every row, which checks each named
    row as it comes by."""
    t = db.audit_trail.c
    named: dict[tuple[str | None, int], tuple[str, int]] = {}
    for seq, detail in conn.execute(select(t.seq, t.detail).where(
            t.team == SERVER_CHAIN, t.action == Action.SEAL.value).order_by(t.seq)):
        try:
            claims = json.loads(detail)
            for team, n, digest in claims.get("chains", []):
                named.setdefault((str(team), int(n)), (str(digest), int(seq)))
            if "before" in claims:
                named.setdefault((None, int(claims["before"][0])),
                                 (str(claims["before"][1]), int(seq)))
        except (ValueError, TypeError, KeyError, AttributeError):  # a seal row altered
            named.setdefault((SERVER_CHAIN, -1), ("", int(seq)))
    return named


def verify(conn: Connection, head: str | None = None) -> Verified:
    """Check every row's hash and its link in its chain, and that every row a seal names is
    still there unchanged; ``head``: a head hash logged earlier that must still be in the
    trail."""
    named = _seals(conn)
    # per chain (its team; None for the chain from before revision 0008): (prev hash, next n)
    chains: dict[str | None, tuple[str, int]] = {}
    count, seen, before = 0, head is None, GENESIS
    for row in _rows(conn):
        content = _content(row)
        seq, chain = int(row.seq), (None if row.n is None else str(row.team))
        number = seq if row.n is None else int(row.n)
        prev, expected = chains.get(chain, (GENESIS, 1))
        intact = event_hash(str(row.prev_hash), content) == row.hash
        if not intact:
            return Verified(count, prev, Break(seq, "altered"))
        # a row of an earlier release after team chains (the database taken back to it,
        # docs/deployment.md, "Upgrades") links, as that release did, to the row before it
        linked = row.prev_hash == prev or (chain is None and row.prev_hash == before)
        if not linked or (chain is not None and number != expected):
            # the row is as written, but its predecessor in the chain is not the one before
            return Verified(count, prev, Break(seq, "missing"))
        claim = named.pop((chain, number), None)
        if claim is not None and claim[0] != row.hash:
            return Verified(count, prev, Break(claim[1], "sealed"))
        chains[chain] = (str(row.hash), number + 1)
        count, before = count + 1, str(row.hash)
        seen = seen or row.hash == head
    if named:  # a sealed row that no longer exists
        return Verified(count, _head_of(chains), Break(min(s for _, s in named.values()),
                                                       "sealed"))
    if not seen:
        return Verified(count, _head_of(chains), Break(count + 1, "head_missing"))
    return Verified(count, _head_of(chains), None)


def _head_of(chains: Mapping[str | None, tuple[str, int]]) -> str:
    """The head to log: the server chain's newest row, else the chain from before 0008's."""
    for chain in (SERVER_CHAIN, None):
        if chain in chains:
            return chains[chain][0]
    return GENESIS


def head(conn: Connection) -> tuple[int, str]:
    """The number of rows and the head to log: the hash of the server chain's newest row (the
    last seal names every chain's newest row then), else of the chain from before revision
    0008, else :data:`GENESIS` for an empty trail."""
    t = db.audit_trail.c
    rows = int(conn.execute(select(func.count()).select_from(db.audit_trail)).scalar_one())
    last = conn.execute(select(t.hash).where(t.team == SERVER_CHAIN, t.n.is_not(None))
                        .order_by(t.n.desc()).limit(1)).first()
    if last is None:
        last = conn.execute(select(t.hash).where(t.n.is_(None)).order_by(t.seq.desc())
                            .limit(1)).first()
    return rows, (str(last[0]) if last else GENESIS)


def read(conn: Connection, *, team: str | None = None, ids: set[str] | None = None,
         since: str | None = None, until: str | None = None,
         staff: str | None = None) -> list[Row]:
    """The rows (oldest first) of ``team``, naming one of ``ids`` among their subjects, at or
    after ``since`` and before ``until`` (ISO time stamps, compared as text), of the staff
    member ``staff`` (an id as stored, :func:`of_staff`)."""
    t = db.audit_trail.c
    query = select(db.audit_trail).order_by(t.seq)
    if team is not None:
        query = query.where(t.team == team)
    if since:
        query = query.where(t.at >= since)
    if until:
        query = query.where(t.at < until)
    if staff is not None:
        # narrowed in SQL on both databases (the JSON is text: no JSON operator needed), then
        # matched exactly below; autoescape: the id is checked to be a UUID by the caller, but
        # a _ or % in it must not widen the match
        query = query.where(t.detail.contains(staff, autoescape=True)
                            | t.subjects.contains(staff, autoescape=True))
    out: list[Row] = []
    for r in conn.execute(query):
        named = json.loads(r.subjects)
        if ids is not None and not any(i in ids for found in named.values() for i in found):
            continue
        detail = json.loads(r.detail)
        if staff is not None and not of_staff(named, detail, staff):
            continue
        out.append(Row(int(r.seq), r.at, r.actor_kind, r.actor_id, r.action, r.team, named,
                       detail, r.hash))
    return out


def of_staff(named: Mapping[str, Any], detail: Any, staff: str) -> bool:
    """Whether a row is the staff member's (``kimdesk server audit --staff``): their devices'
    enroll, push and pull rows name them as ``detail.staff``
    (:meth:`kimdesk.server.common.Device.audit_detail`); the administrators' rows about them
    (``staff_add``, ``enroll_code --staff``, ``staff_deactivate``) among the subjects, as
    ``staff``. Another row that merely holds the id somewhere (a seal's hash cannot; a future
    field might) is not theirs."""
    if isinstance(detail, Mapping) and detail.get("staff") == staff:
        return True
    return staff in named.get("staff", [])
