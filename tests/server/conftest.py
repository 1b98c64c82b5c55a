"""Fixtures of the server tests: the sync tests' (real servers on 127.0.0.1, real vaults,
``db_url`` on SQLite and PostgreSQL) and the staff tests' common start."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from kimdesk.server import devices, staff
from kimdesk.server.db import make_engine
from tests.sync.helpers import db_url, make_device, migrate_to, server, sqlite_server  # noqa: F401


@pytest.fixture
def head_engine(db_url: str) -> Iterator[Engine]:  # noqa: F811 (the fixture imported above)
    """An engine on ``db_url``, migrated to the newest revision (Alembic's ``head``), disposed
    of after the test."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            migrate_to(conn, "head")
        yield engine
    finally:
        engine.dispose()


@dataclass(frozen=True)
class StaffCode:
    """A staff member of Team Nord ("Anna Beispiel", synthetic) and an unused enrollment code
    bound to her (``enroll-code --staff``)."""

    member: str
    code: str


@pytest.fixture
def staff_code(head_engine: Engine) -> StaffCode:
    """What the staff tests start from (revision 0011's rolling upgrade and downgrade, a push
    beside a deactivation, an enrollment beside one): before, each of them wrote it out."""
    member = staff.add(head_engine, "Team Nord", "Anna Beispiel")
    return StaffCode(member, devices.create_enroll_code(head_engine, "Team Nord",
                                                        staff_id=member))
