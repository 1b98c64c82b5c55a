"""``POST /v1/push?state=true``: the receipt carries the team's state read right after the batch
(the device's last batch of a run asks, so its quick divergence check needs no request of its
own); a receipt answered again from storage carries the state of then, and a push without the
parameter gets the receipt as before."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from kimdesk.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, Change, PushRequest


def _post(server: Any, token: str, request: PushRequest, query: str = "") -> dict[str, Any]:
    answer = httpx.post(f"{server.url}/v1/push{query}", content=request.model_dump_json(),
                        headers={"Authorization": f"Bearer {token}",
                                 PROTOCOL_HEADER: str(PROTOCOL_VERSION)})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _batch(seq: int, *names: str) -> PushRequest:
    return PushRequest(batch_id=uuid.uuid4().hex, batch_seq=seq, changes=[
        Change(kind="persons", id=str(uuid.uuid4()), base_rev=0,
               changed={"given_name": name, "family_name": "Demir"}) for name in names])


def test_the_receipt_carries_the_state_when_asked(
        server: Any, make_device: Any) -> None:
    alice = make_device(server, "alice")
    bob = make_device(server, "bob")
    token, other = alice.store.get("token"), bob.store.get("token")
    plain = _post(server, token, _batch(1, "Amal"))
    assert "state" not in plain  # the receipt as before, for devices that do not ask
    _post(server, other, _batch(1, "Olena", "Pavlo"))  # a colleague's records count too
    first = _batch(2, "Bilal", "Chana")
    asked = _post(server, token, first, "?state=true")
    state = httpx.get(f"{server.url}/v1/state", params={"digest": "false"},
                      headers={"Authorization": f"Bearer {token}",
                               PROTOCOL_HEADER: str(PROTOCOL_VERSION)}).json()
    assert asked["state"] == state == {"count": 5, "digest": "", "seq": 5}
    assert asked["server_seq"] == 5
    # sent again (its answer was lost): the stored receipt, with the state of now
    _post(server, other, _batch(2, "Rasa"))
    again = _post(server, token, first, "?state=true")
    assert again.pop("state") == {"count": 6, "digest": "", "seq": 6}
    assert {k: v for k, v in asked.items() if k != "state"} == again
    assert "state" not in _post(server, token, first)
