"""A staff member's code beside a process of the release before revision 0011 (a rolling
upgrade), and across a downgrade to 0010 and up again. The earlier release knows no
``staff_id``: had it found the code, it would have spent it for a device of nobody, which
deactivating the staff member then misses (measured before the fix: a device with
``staff_id`` NULL). A staff code is stored under a hash the earlier release does not look up,
so it says "unknown code" and the counselor's next try reaches a process of this release; a
code without ``--staff`` works in both releases as before."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, text

from kimdesk.server import devices, staff
from kimdesk.server.common import ServiceError, sha256
from kimdesk.server.service import SyncService
from tests.server.conftest import StaffCode
from tests.sync.helpers import migrate_to


def _earlier_release_enroll(conn: Connection, code: str) -> str | None:
    """``kimdesk.server.devices.enroll`` of the release before 0011, in its SQL: the device's
    id, None when the code is unknown or used."""
    code_hash = sha256(devices.norm_code(code))
    row = conn.execute(text("SELECT team, used_at FROM enroll_codes WHERE code_hash = :h"),
                       {"h": code_hash}).first()
    if row is None or row.used_at is not None:
        return None
    device = uuid.uuid4().hex
    now = datetime.now(UTC).isoformat()
    conn.execute(text("UPDATE enroll_codes SET used_at = :now, device_id = :d "
                      "WHERE code_hash = :h"), {"now": now, "d": device, "h": code_hash})
    conn.execute(text("INSERT INTO devices (id, team, name, vault_id, token_hash, created_at, "
                      "last_batch_seq) VALUES (:d, :t, '', '', :k, :now, 0)"),
                 {"d": device, "t": row.team, "k": sha256(device), "now": now})
    return device


def _devices(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM devices")).scalar_one())


def test_a_staff_code_is_unknown_to_the_earlier_release(head_engine: Engine,
                                                        staff_code: StaffCode) -> None:
    engine, member, code = head_engine, staff_code.member, staff_code.code
    with engine.begin() as conn:
        assert _earlier_release_enroll(conn, code) is None  # before: a device of nobody
        assert _devices(conn) == 0
    service = SyncService(engine)
    token = service.enroll(code.lower()).token  # the next try, on this release
    assert service.authenticate(token).staff_id == member
    plain = devices.create_enroll_code(engine, "Team Nord")  # as before, in both releases
    with engine.begin() as conn:
        assert _earlier_release_enroll(conn, plain) is not None
    _team, revoked = staff.deactivate(engine, member)
    assert len(revoked) == 1  # every device of hers


def test_a_staff_code_outstanding_at_a_downgrade_enrolls_nobody(head_engine: Engine,
                                                                staff_code: StaffCode) -> None:
    """Down to 0010 the code's staff member is dropped: it is spent by nobody then, in either
    release, rather than enrolling a device without its staff member."""
    engine, code = head_engine, staff_code.code
    with engine.connect() as conn:
        migrate_to(conn, "0010", down=True)
        assert _earlier_release_enroll(conn, code) is None
        conn.commit()
        migrate_to(conn, "head")
        conn.commit()
    with pytest.raises(ServiceError) as refused:
        SyncService(engine).enroll(code)
    assert refused.value.status == 401
    with engine.connect() as conn:
        assert _devices(conn) == 0
