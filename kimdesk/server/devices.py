"""Who may sync: the server's id, one-time enrollment codes, device tokens and revocation.

Codes and tokens are stored hashed (SHA-256): a copy of the server database lets no one enroll
a device or act as one.

A device's ``last_seen`` (``kimdesk server devices``) is the time of its last request of any
kind, to within :data:`LAST_SEEN_EVERY`: an administrator looks for lost or unused laptops
there before revoking them. Until a review (2026-12-06) only a push wrote it, and a device that
only pulled (a counselor reading) showed ``null`` or a time of weeks ago, as a dead one would.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from kimdesk.server import LAST_SEEN_MINUTES, audit_trail, db
from kimdesk.server.common import Device, ServiceError, now_iso, sha256
from kimdesk.server.store import ensure_team
from kimdesk.sync.protocol import EnrollResponse, ErrorCode

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
CODE_TTL = timedelta(days=7)
#: How old a device's stored ``last_seen`` may get before a request of the device writes it
#: anew. Not on every request: whoami, pull pages, state and reference data only read, and a
#: write each (several a sync run; 200 devices syncing every 5 minutes) would put every read on
#: the write path (SQLite's one write lock; a new row version on PostgreSQL each). With 15
#: minutes a device syncing every 5 minutes writes in one run of three, with the run's first
#: request, and an administrator looking for laptops unused for days or weeks loses nothing.
LAST_SEEN_EVERY = timedelta(minutes=LAST_SEEN_MINUTES)


def server_id(engine: Engine) -> str:
    """This server database's id, created on first use (a device notices a swapped server)."""
    with engine.begin() as conn:
        row = conn.execute(
            select(db.server_meta.c.value).where(db.server_meta.c.key == "server_id")
        ).first()
        if row:
            return str(row[0])
        value = uuid.uuid4().hex
        try:
            with conn.begin_nested():
                conn.execute(insert(db.server_meta).values(key="server_id", value=value))
        except IntegrityError:
            return server_id(engine)
        return value


def create_enroll_code(engine: Engine, team: str, ttl: timedelta = CODE_TTL, *,
                       actor: str | None = None, staff_id: str | None = None,
                       actor_kind: audit_trail.Actor = audit_trail.Actor.ADMIN) -> str:
    """A one-time code for ``team``, shown to the administrator once (stored hashed); the
    audit trail names ``actor`` (default: the operating-system account) as ``actor_kind`` (the
    browser console: its account). With ``staff_id``
    the code is that staff member's: an unknown, inactive or other team's staff member is
    refused (:class:`kimdesk.server.staff.StaffRefused`), and the device it enrolls is theirs."""
    from kimdesk.server import staff

    team = staff.team_name(team)  # one line, not the database's traceback
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
    stamp = datetime.now(UTC)
    with engine.begin() as conn:
        member = staff.usable(conn, staff_id, team) if staff_id is not None else None
        ensure_team(conn, team)
        conn.execute(
            insert(db.enroll_codes).values(
                code_hash=code_hash(code, staff=member is not None),
                team=team,
                created_at=now_iso(),
                expires_at=(stamp + ttl).isoformat(),
                staff_id=member,
            )
        )
        audit_trail.append(conn, actor_kind, actor or audit_trail.admin(),
                           audit_trail.Action.ENROLL_CODE, team,
                           {"staff": [member]} if member else None,
                           detail={"expires_at": (stamp + ttl).isoformat()})
    return code


def enroll(engine: Engine, code: str, device_name: str = "", vault_id: str = ""
           ) -> EnrollResponse:
    """Spend a code: a new device of the code's team and its token (returned once)."""
    from kimdesk.server import staff

    hashes = (code_hash(code, staff=False), code_hash(code, staff=True))
    token = secrets.token_urlsafe(32)
    device_id = uuid.uuid4().hex
    with engine.begin() as conn:
        row = conn.execute(
            select(db.enroll_codes).where(db.enroll_codes.c.code_hash.in_(hashes))
        ).first()
        if row is None or row.used_at is not None:
            raise ServiceError(401, ErrorCode.INVALID_CODE, "unknown or already used code")
        if datetime.fromisoformat(row.expires_at) < datetime.now(UTC):
            raise ServiceError(401, ErrorCode.INVALID_CODE, "the code has expired")
        if row.code_hash == hashes[1] and row.staff_id is None:
            # a staff member's code whose staff member a downgrade to 0010 dropped
            raise ServiceError(401, ErrorCode.INVALID_CODE,
                               "the staff member of this code is no longer known")
        if row.staff_id is not None and not staff.still_active(conn, row.staff_id):
            # deactivated after the code was made: the code is spent by nobody
            raise ServiceError(401, ErrorCode.INVALID_CODE,
                               "the staff member of this code is no longer active")
        used = conn.execute(
            update(db.enroll_codes)
            .where(db.enroll_codes.c.code_hash == row.code_hash,
                   db.enroll_codes.c.used_at.is_(None))
            .values(used_at=now_iso(), device_id=device_id)
        )
        if used.rowcount != 1:  # a concurrent enrollment won
            raise ServiceError(401, ErrorCode.INVALID_CODE, "unknown or already used code")
        conn.execute(
            insert(db.devices).values(
                id=device_id,
                team=row.team,
                name=device_name,
                vault_id=vault_id,
                token_hash=sha256(token),
                created_at=now_iso(),
                last_batch_seq=0,
                staff_id=row.staff_id,
            )
        )
        audit_trail.append(conn, audit_trail.Actor.DEVICE, device_id, audit_trail.Action.ENROLL,
                           row.team, None, Device(device_id, row.team, 0,
                                                  row.staff_id).audit_detail())
    return EnrollResponse(
        device_id=device_id, token=token, team=row.team, server_id=server_id(engine)
    )


def revoke(engine: Engine, device_id: str, *, actor: str | None = None,
           actor_kind: audit_trail.Actor = audit_trail.Actor.ADMIN) -> bool:
    """Refuse the device's token from now on; False if it was unknown or already revoked (no
    audit row then: nothing was done). The row names ``actor`` as ``actor_kind`` (the browser
    console: its account)."""
    with engine.begin() as conn:
        return revoke_in(conn, device_id, actor=actor, actor_kind=actor_kind)


def revoke_in(conn: Connection, device_id: str, *, actor: str | None = None,
              actor_kind: audit_trail.Actor = audit_trail.Actor.ADMIN) -> bool:
    """:func:`revoke` in the caller's transaction (deactivating a staff member revokes their
    devices with it: :func:`kimdesk.server.staff.deactivate`)."""
    found = conn.execute(select(db.devices.c.team, db.devices.c.staff_id).where(
        db.devices.c.id == device_id, db.devices.c.revoked_at.is_(None))).first()
    team, member = (found[0], found[1]) if found is not None else (None, None)
    result = conn.execute(
        update(db.devices)
        .where(db.devices.c.id == device_id, db.devices.c.revoked_at.is_(None))
        .values(revoked_at=now_iso())
    )
    if not result.rowcount:
        return False
    # the staff member the device was enrolled for is named too: revoking their laptop is an
    # act about them, which ``kimdesk server audit --staff`` lists (before, only a whole
    # deactivation's row named them; a device revoked on its own was missing from their rows)
    subjects = {"devices": [device_id], **({"staff": [str(member)]} if member else {})}
    audit_trail.append(conn, actor_kind, actor or audit_trail.admin(),
                       audit_trail.Action.REVOKE, str(team or ""), subjects)
    return True


def list_devices(engine: Engine) -> list[dict[str, Any]]:
    """Every device ever enrolled (id, team, name, created, revoked, last seen: its last
    request, to within :data:`LAST_SEEN_EVERY`; the staff member it was enrolled for, id and
    name, both null for a device without one)."""
    d, s = db.devices.c, db.staff.c
    with db.reading(engine) as conn:
        rows = conn.execute(
            select(d.id, d.team, d.name, d.created_at, d.revoked_at, d.last_seen,
                   d.staff_id, s.display_name.label("staff_name"))
            .select_from(db.devices.outerjoin(db.staff, s.id == d.staff_id))
            .order_by(d.created_at, d.id)
        ).all()
    return [dict(r._mapping) for r in rows]


def authenticate(engine: Engine, token: str | None) -> Device:
    """The device a bearer token belongs to; 401 when missing, unknown or revoked."""
    if not token:
        raise ServiceError(401, ErrorCode.UNAUTHORIZED, "missing device token")
    with db.reading(engine) as conn:
        row = conn.execute(
            select(db.devices).where(db.devices.c.token_hash == sha256(token))
        ).first()
        if row is None:
            raise ServiceError(401, ErrorCode.UNAUTHORIZED, "unknown device token")
        if row.revoked_at is not None:
            raise ServiceError(401, ErrorCode.DEVICE_REVOKED, "this device has been revoked")
    if stale(row.last_seen):
        mark_seen(engine, row.id, row.last_seen)
    return Device(id=row.id, team=row.team, last_batch_seq=int(row.last_batch_seq),
                  staff_id=row.staff_id)


def stale(last_seen: str | None, now: datetime | None = None) -> bool:
    """Whether a stored ``last_seen`` is older than :data:`LAST_SEEN_EVERY` (or missing, or not
    a time at all: written anew)."""
    if not last_seen:
        return True
    try:
        seen = datetime.fromisoformat(last_seen)
    except ValueError:
        return True
    if seen.tzinfo is None:
        seen = seen.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - seen >= LAST_SEEN_EVERY


def mark_seen(engine: Engine, device_id: str, seen: str | None) -> bool:
    """Write the device's ``last_seen`` if it still holds ``seen``, without ever waiting; True
    when written.

    The request it comes with only reads, and must not wait for a writer (on SQLite under WAL a
    reader never does, ``tests/server/test_readers_never_wait.py``): so on SQLite the write
    lock is tried once, without the busy timeout, and on PostgreSQL a row locked by the device's
    own push (which writes the time itself) is skipped. Skipped, or failed for a database fault
    (a full disk, a lock, a read-only standby: tests/server/test_read_only_database.py), the
    time is written by the device's next request instead: nothing is logged, and the request
    is answered as if nothing had been tried. ``seen`` as a condition: of two server processes
    (or threads) that read the same stale time, one writes it."""
    d = db.devices.c
    if engine.dialect.name == "postgresql":
        free = (select(d.id).where(d.id == device_id, d.last_seen.is_not_distinct_from(seen))
                .with_for_update(skip_locked=True).scalar_subquery())
        statement = update(db.devices).where(d.id == free).values(last_seen=now_iso())
    else:
        statement = (update(db.devices)
                     .where(d.id == device_id, d.last_seen.is_not_distinct_from(seen))
                     .values(last_seen=now_iso()))
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:  # BEGIN IMMEDIATE fails at once instead of waiting for a writer
                # the connection's own wait is put back afterwards, as it was (set at connect
                # from ``db.SQLITE_BUSY_MS``; a constant imported here kept 20 s where a test
                # had set 100 ms, and its locked push waited 20 s)
                waits = _busy_timeout(conn, 0)
            try:
                with conn.begin():
                    return bool(conn.execute(statement).rowcount)
            finally:
                if sqlite:
                    _busy_timeout(conn, waits)
    except Exception as exc:
        from kimdesk.server.outage import diagnosis, outage_types

        if isinstance(exc, outage_types()) and diagnosis(exc) is not None:
            return False  # locked, full, gone: the next request tries again
        raise


def _busy_timeout(conn: Any, ms: int) -> int:
    """SQLite's busy timeout of the connection, set on the driver's connection (autocommit:
    through SQLAlchemy the statement would begin the transaction it is meant for); the one it
    had before."""
    driver = conn.connection.driver_connection
    before = int(driver.execute("PRAGMA busy_timeout").fetchone()[0])
    driver.execute(f"PRAGMA busy_timeout = {int(ms)}")
    return before


#: Put before a staff member's code when it is hashed for storage: a process of the release
#: before revision 0011 (a rolling upgrade; a downgrade to 0010) looks a code up by the hash of
#: the code alone, so it finds no staff code and says "unknown code", instead of spending it for
#: a device without its staff member, which deactivating them would then miss (a review,
#: 2026-12-07). Codes without a staff member are hashed as before.
STAFF_CODE_PREFIX = "staff:"


def code_hash(code: str, *, staff: bool) -> str:
    """How a code is stored: the hash of its normal form, a staff member's with
    :data:`STAFF_CODE_PREFIX` before it."""
    return sha256((STAFF_CODE_PREFIX if staff else "") + norm_code(code))


def norm_code(code: str) -> str:
    """A code as typed (any case, with or without dashes or spaces) in its stored form."""
    return "".join(ch for ch in code.upper() if ch.isalnum())
