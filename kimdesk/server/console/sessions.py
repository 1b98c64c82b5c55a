"""A signed-in browser: a random 256-bit session id in a cookie, its SHA-256 in
``console_sessions`` (revision 0013).

Server-side, so that signing out, a disabled account and an expired session end it on the
server, not only in the browser. Only the hash is stored: a copy of the database (a backup)
holds no id a browser could present. A session ends after :data:`IDLE` without a request and
:data:`LONGEST` after the sign-in, whichever is first; an ended one is deleted when it is
presented, and any ended one with every new sign-in.

``now`` is given by the caller (the app's clock, :attr:`kimdesk.server.console.app.Console.now`):
the tests set the clock instead of sleeping.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, or_, select, update

from kimdesk.server import db

IDLE = timedelta(minutes=30)
LONGEST = timedelta(hours=8)
#: 32 random bytes: 256 bits.
ID_BYTES = 32


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def create(conn: Connection, account: str, now: datetime) -> str:
    """A new session of ``account``; its id (goes into the cookie only, never stored)."""
    s = db.console_sessions.c
    conn.execute(delete(db.console_sessions).where(or_(
        s.last_seen_at < (now - IDLE).isoformat(), s.created_at < (now - LONGEST).isoformat())))
    session_id = secrets.token_urlsafe(ID_BYTES)
    stamp = now.isoformat()
    conn.execute(insert(db.console_sessions).values(
        id_hash=id_hash(session_id), account=account, created_at=stamp, last_seen_at=stamp))
    return session_id


def current(conn: Connection, session_id: str | None, now: datetime) -> str | None:
    """The account of a session that has not ended (and the session marked as seen now);
    None for a missing, unknown or ended one (deleted then)."""
    if not session_id:
        return None
    s = db.console_sessions.c
    key = id_hash(session_id)
    row = conn.execute(select(s.account, s.created_at, s.last_seen_at)
                       .where(s.id_hash == key)).first()
    if row is None:
        return None
    if (now - datetime.fromisoformat(row.last_seen_at) >= IDLE
            or now - datetime.fromisoformat(row.created_at) >= LONGEST):
        conn.execute(delete(db.console_sessions).where(s.id_hash == key))
        return None
    conn.execute(update(db.console_sessions).where(s.id_hash == key)
                 .values(last_seen_at=now.isoformat()))
    return str(row.account)


def end(conn: Connection, session_id: str) -> None:
    """Sign out: the session is deleted."""
    conn.execute(delete(db.console_sessions)
                 .where(db.console_sessions.c.id_hash == id_hash(session_id)))
