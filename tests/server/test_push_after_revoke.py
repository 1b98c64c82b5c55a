"""A push authenticated just before its device was revoked (``kimdesk server revoke``, or
``staff deactivate`` revoking every device of a staff member who left) and applied just after:
the token was checked before the push's transaction, so the batch went in after the revocation
had committed (measured before the fix: the receipt, the batch stored). The push's transaction
reads the device's row again under the team's lock and refuses a revoked device. The
interleaving is made by the test, in that order, without any timing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from kimdesk.server import staff
from kimdesk.server.common import ServiceError
from kimdesk.server.push import push_json
from kimdesk.server.service import SyncService
from kimdesk.sync.protocol import ErrorCode, PushRequest
from tests.server.conftest import StaffCode


def test_a_push_authenticated_before_a_deactivation_is_refused_after_it(
        head_engine: Engine, staff_code: StaffCode) -> None:
    engine, member = head_engine, staff_code.member
    service = SyncService(engine)
    token = service.enroll(staff_code.code).token
    first = PushRequest(batch_id="batch-0001", batch_seq=1, changes=[])
    push_json(engine, service.authenticate(token), first, "h1")  # as before
    device = service.authenticate(token)  # the push's token check ...
    _team, revoked = staff.deactivate(engine, member)  # ... she leaves ...
    assert revoked == [device.id]
    second = PushRequest(batch_id="batch-0002", batch_seq=2, changes=[])
    with pytest.raises(ServiceError) as refused:  # ... and the batch comes after it
        push_json(engine, device, second, "h2")
    assert refused.value.status == 401 and refused.value.code is ErrorCode.DEVICE_REVOKED
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT batch_id FROM batches ORDER BY batch_id")).all()
    assert [r.batch_id for r in stored] == ["batch-0001"]
