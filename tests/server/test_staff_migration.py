"""Revision 0011 (staff) goes down to 0010 and up again on SQLite and PostgreSQL, with a staff
member, their code, their device and audit rows naming them in the database: down, the table
and both columns go and every device stays; up again, the devices are there without a staff
member, and the audit trail (whose rows name the staff id in ``detail``) still verifies."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.exc import DBAPIError

from kimdesk.server import audit_trail, devices, staff
from kimdesk.server.db import make_engine
from kimdesk.server.service import SyncService
from tests.server.conftest import StaffCode
from tests.sync.helpers import migrate_to


def _columns(conn: object, table: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table)}


def test_revision_0011_goes_down_and_up_again(head_engine: Engine) -> None:
    engine = head_engine
    for round_ in range(2):
        member = staff.add(engine, "Team Nord", f"Anna {round_}")
        service = SyncService(engine)
        token = service.enroll(devices.create_enroll_code(engine, "Team Nord",
                                                          staff_id=member)).token
        assert service.authenticate(token).staff_id == member
        devices.create_enroll_code(engine, "Team Nord", staff_id=member)  # unused
        with engine.connect() as conn:
            migrate_to(conn, "0010", down=True)
            assert "staff" not in inspect(conn).get_table_names()
            assert "staff_id" not in _columns(conn, "devices")
            assert "staff_id" not in _columns(conn, "enroll_codes")
            kept = conn.execute(text("SELECT count(*) FROM devices")).scalar_one()
            assert kept == round_ + 1
            conn.commit()
            migrate_to(conn, "head")
            assert conn.execute(text("SELECT count(*) FROM staff")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM devices WHERE staff_id IS"
                                     " NOT NULL")).scalar_one() == 0
            assert [i["name"] for i in inspect(conn).get_indexes("staff")] == ["staff_team"]
            assert audit_trail.verify(conn).broken is None
            conn.commit()
        # the device enrolled before the downgrade syncs on, now without a staff member
        assert service.authenticate(token).staff_id is None


#: docs/deployment.md, "The audit trail": what the servers' role is granted, run again after an
#: upgrade that adds tables ("Upgrades", revision 0011).
GRANTS = ("GRANT USAGE ON SCHEMA public TO {role};"
          " GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};"
          " GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role};"
          " REVOKE UPDATE, DELETE, TRUNCATE ON audit_trail FROM {role}")


@pytest.mark.postgres
def test_the_servers_role_needs_the_grants_again_for_staff_codes(db_url: str) -> None:
    """What the upgrade note says: before the GRANTs are run again, an enrollment with a staff
    member's code fails for the servers' role and one without --staff works; after, both."""
    if not db_url.startswith("postgresql"):
        pytest.skip("roles and GRANTs are PostgreSQL's")
    owner = make_engine(db_url)
    role = f"kimdesk_staff_{uuid.uuid4().hex[:8]}"
    app = make_engine(db_url)

    @event.listens_for(app, "connect")
    def _as_role(dbapi_conn: Any, _record: object) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET ROLE {role}")
        dbapi_conn.commit()

    with owner.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} NOLOGIN")
    try:
        with owner.connect() as conn:
            migrate_to(conn, "0010")
        with owner.begin() as conn:
            conn.exec_driver_sql(GRANTS.format(role=role))
        with owner.connect() as conn:
            migrate_to(conn, "head")  # the administrator's role migrates
        member = staff.add(owner, "Team Nord", "Anna Beispiel")
        with pytest.raises(DBAPIError, match="permission denied"):
            devices.enroll(app, devices.create_enroll_code(owner, "Team Nord", staff_id=member))
        devices.enroll(app, devices.create_enroll_code(owner, "Team Nord"))  # unaffected
        with owner.begin() as conn:
            conn.exec_driver_sql(GRANTS.format(role=role))
        answer = devices.enroll(app, devices.create_enroll_code(owner, "Team Nord",
                                                                staff_id=member))
        assert SyncService(app).authenticate(answer.token).staff_id == member
    finally:
        app.dispose()
        with owner.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}; DROP ROLE {role}")
        owner.dispose()


@pytest.mark.postgres
def test_an_enrollment_beside_a_deactivation_waits_for_it_and_enrolls_nobody(
        head_engine: Engine, staff_code: StaffCode) -> None:
    """PostgreSQL under READ COMMITTED: an enrollment with a staff member's code while their
    deactivation is not yet committed read them as active (the deactivation's change was not
    visible), and the device enrolled after the deactivation had revoked their devices: a
    device of an inactive staff member, never wiped. The enrollment reads the staff row under
    its lock, so it waits for the deactivation and finds them inactive. The lock the
    deactivation takes first (its UPDATE of the row) is held here by hand; the waiting is
    seen in pg_stat_activity (counted, not timed)."""
    import threading

    from kimdesk.server.common import ServiceError

    if head_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    engine, member, code = head_engine, staff_code.member, staff_code.code
    outcome: list[object] = []

    def enrolling() -> None:
        try:
            outcome.append(devices.enroll(engine, code))
        except ServiceError as exc:
            outcome.append(exc.code.value)

    with engine.connect() as holder:
        holder.execute(text("UPDATE staff SET active = false WHERE id = :m"), {"m": member})
        thread = threading.Thread(target=enrolling)
        thread.start()
        with engine.connect() as probe:
            for _ in range(6000):  # until the enrollment waits for the row's lock
                if probe.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                        " current_database() AND wait_event_type = 'Lock'")).scalar_one():
                    break
                probe.rollback()
                thread.join(0.01)
                assert thread.is_alive(), outcome  # it went on without waiting
        holder.commit()
    thread.join(60)
    assert outcome == ["invalid_code"]
    assert SyncService(engine).list_devices() == []
