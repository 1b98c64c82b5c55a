"""Stored push receipts: a device's newest ones only. A device resends at most the batch in
flight and the next one, so older receipts are never asked for; they kept merged records' data
and conflicts for good (found while reviewing the purge of receipts). On both backends."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from sqlalchemy import text

from kimdesk.server.app import create_app
from kimdesk.server.common import ServiceError
from kimdesk.server.push import KEPT_RECEIPTS
from kimdesk.sync.protocol import Change, PushRequest


def _request(seq: int, rid: str, base_rev: int, phone: str) -> PushRequest:
    return PushRequest(batch_id=uuid.uuid4().hex, batch_seq=seq, changes=[Change(
        kind="persons", id=rid, base_rev=base_rev,
        changed={"given_name": "Ayse", "family_name": "Demir", "phone": phone})])


def _hash(request: PushRequest) -> str:
    return hashlib.sha256(request.batch_id.encode()).hexdigest()


def test_only_the_newest_receipts_are_kept_and_the_last_is_answered_again(db_url: str) -> None:
    app = create_app(db_url)
    service, engine = app.state.service, app.state.engine
    try:
        a, b = (service.authenticate(service.enroll(service.create_enroll_code("Team Nord"))
                                     .token) for _ in "ab")
        rid = str(uuid.uuid4())
        sent = []
        for n in range(1, KEPT_RECEIPTS + 4):
            request = _request(n, rid, n - 1, f"0201 {n}")
            sent.append((request, service.push(a, request, _hash(request))))
        other = _request(1, str(uuid.uuid4()), 0, "1")  # another device's receipts stay
        service.push(b, other, _hash(other))
        with engine.connect() as conn:
            kept: dict[str, list[int]] = {}
            for device_id, seq in conn.execute(text(
                    "SELECT device_id, batch_seq FROM batches ORDER BY batch_seq")):
                kept.setdefault(device_id, []).append(int(seq))
        last = len(sent)
        assert kept == {a.id: list(range(last - KEPT_RECEIPTS + 1, last + 1)), b.id: [1]}
        # the batch in flight when a receipt was lost: answered from its stored receipt
        request, receipt = sent[-1]
        assert service.push(a, request, _hash(request)) == receipt
        # a batch older than those kept: out of order, as one the server never saw (the device
        # renumbers it; kimdesk/sync/store/outbox.py)
        request, _receipt = sent[0]
        with pytest.raises(ServiceError) as refused:
            service.push(a, request, _hash(request))
        assert refused.value.status == 409 and refused.value.extra.get("expected") == last + 1
    finally:
        engine.dispose()
