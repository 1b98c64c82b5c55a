"""Who may sync: the server's id, one-time enrollment codes, device tokens and revocation.

Codes and tokens are stored hashed (SHA-256): a copy of the server database lets no one enroll
a device or act as one.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from kimdesk.server import db
from kimdesk.server.common import Device, ServiceError, now_iso, sha256
from kimdesk.server.store import ensure_team
from kimdesk.sync.protocol import EnrollResponse, ErrorCode

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
CODE_TTL = timedelta(days=7)


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


def create_enroll_code(engine: Engine, team: str, ttl: timedelta = CODE_TTL) -> str:
    """A one-time code for ``team``, shown to the administrator once (stored hashed)."""
    team = team.strip()
    if not team:
        raise ValueError("team must not be empty")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
    stamp = datetime.now(UTC)
    with engine.begin() as conn:
        ensure_team(conn, team)
        conn.execute(
            insert(db.enroll_codes).values(
                code_hash=sha256(norm_code(code)),
                team=team,
                created_at=now_iso(),
                expires_at=(stamp + ttl).isoformat(),
            )
        )
    return code


def enroll(engine: Engine, code: str, device_name: str = "", vault_id: str = ""
           ) -> EnrollResponse:
    """Spend a code: a new device of the code's team and its token (returned once)."""
    code_hash = sha256(norm_code(code))
    token = secrets.token_urlsafe(32)
    device_id = uuid.uuid4().hex
    with engine.begin() as conn:
        row = conn.execute(
            select(db.enroll_codes).where(db.enroll_codes.c.code_hash == code_hash)
        ).first()
        if row is None or row.used_at is not None:
            raise ServiceError(401, ErrorCode.INVALID_CODE, "unknown or already used code")
        if datetime.fromisoformat(row.expires_at) < datetime.now(UTC):
            raise ServiceError(401, ErrorCode.INVALID_CODE, "the code has expired")
        used = conn.execute(
            update(db.enroll_codes)
            .where(db.enroll_codes.c.code_hash == code_hash,
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
            )
        )
    return EnrollResponse(
        device_id=device_id, token=token, team=row.team, server_id=server_id(engine)
    )


def revoke(engine: Engine, device_id: str) -> bool:
    """Refuse the device's token from now on; False if it was unknown or already revoked."""
    with engine.begin() as conn:
        result = conn.execute(
            update(db.devices)
            .where(db.devices.c.id == device_id, db.devices.c.revoked_at.is_(None))
            .values(revoked_at=now_iso())
        )
        return bool(result.rowcount)


def list_devices(engine: Engine) -> list[dict[str, Any]]:
    """Every device ever enrolled (id, team, name, created, revoked, last seen)."""
    with db.reading(engine) as conn:
        rows = conn.execute(
            select(db.devices.c.id, db.devices.c.team, db.devices.c.name,
                   db.devices.c.created_at, db.devices.c.revoked_at, db.devices.c.last_seen)
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
    return Device(id=row.id, team=row.team, last_batch_seq=int(row.last_batch_seq))


def norm_code(code: str) -> str:
    """A code as typed (any case, with or without dashes or spaces) in its stored form."""
    return "".join(ch for ch in code.upper() if ch.isalnum())
