"""A device syncs with a server of a later release whose answers carry fields it does not know.

The design of the planned features (docs/planned.md: consent gating sharing, need-to-know, the
server's audit trail) adds fields to answers: a pull page saying which cases ended, a hello that
lists protocol versions. Until 2026-12-07 every answer model refused unknown fields, so every
device of the release before would have refused every answer of such a server ("could not be
read"), and the new field could only ship with all devices updated first. Answers now ignore
what they do not know; requests stay strict (the server refuses a field it does not know, so a
device never believes a field was acted on). Real engine, real vaults, a real server on
127.0.0.1; the answers pass through the review's ``Tamper``
(tests/sync/test_review_hostile_server.py).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from kimdesk.sync.protocol import Change, PushRequest
from tests.sync.test_review_hostile_server import Tamper, _device, _engine

NEW = {"x_later_release": {"ended": ["0b6e5f0e-6f0c-4a43-9d7d-2d3c1d1f0b01"]}}


def _widen(value: Any) -> Any:
    """Every object of the answer's envelope gets a field this release does not know; the
    records' own data (the domain's fields) is left as it is."""
    if isinstance(value, list):
        return [_widen(v) for v in value]
    if isinstance(value, dict):
        return {**{k: v if k == "data" else _widen(v) for k, v in value.items()}, **NEW}
    return value


def _wider(request: httpx.Request, answer: httpx.Response | None) -> httpx.Response:
    assert answer is not None
    if answer.status_code != 200 or "json" not in answer.headers.get("content-type", ""):
        return answer
    return httpx.Response(200, json=_widen(answer.json()))


def test_a_device_syncs_with_answers_that_carry_fields_it_does_not_know(
        sqlite_server: Any, make_vault: Any) -> None:
    writer, written = _device(sqlite_server, make_vault, "b", pending=3)
    reader, mine = _device(sqlite_server, make_vault, "a", pending=2)
    tamper = Tamper(sqlite_server.url)
    for path in ("/v1/push", "/v1/changes", "/v1/state", "/v1/whoami", "/v1/hello",
                 "/v1/reference"):
        tamper.hooks[path] = _wider
    report = _engine(writer, tamper).sync()
    assert report.accepted == 3 and report.refused == []
    report = _engine(reader, tamper).sync()
    assert report.accepted == 2 and report.pulled >= 3
    assert {p.id for p in reader.people.where()} >= {*written, *mine}
    assert tamper.count.get("/v1/push", 0) >= 1 and tamper.count.get("/v1/changes", 0) >= 1
    assert json.dumps(NEW) not in json.dumps([p.model_dump(mode="json")
                                              for p in reader.people.where()])


def test_a_request_with_a_field_the_server_does_not_know_is_still_refused() -> None:
    """The other direction stays strict: an older server must not accept a newer device's
    field and drop it silently."""
    change = {"kind": "persons", "id": "p1", "base_rev": 0, "changed": {}}
    with pytest.raises(ValidationError):
        Change.model_validate({**change, "consent_id": "c1"})
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"batch_id": "b" * 8, "batch_seq": 1, "changes": [change],
                                    "audit": []})
