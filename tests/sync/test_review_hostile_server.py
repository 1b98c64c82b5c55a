"""A review of the device against a hostile, buggy or misconfigured server or proxy (2026-12-06).

Every test runs the real engine on a real vault against a real server on 127.0.0.1, with the
answers passed through an ``httpx.MockTransport`` that changes them on the way (a server that
lies, a proxy that misroutes). The project's rule: bad input gets a clear, translated error and
loses nothing; and only the server's own revocation answer wipes a vault.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kimdesk.domain.models import Person
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.errors import DeviceRevoked, SyncCancelled, SyncError
from kimdesk.sync.store import SyncStore
from kimdesk.sync.transport import Transport

Hook = Callable[[httpx.Request, httpx.Response | None], httpx.Response]
#: Requests a test lets a looping run make before it cancels the run itself (a safety net, so a
#: failing test ends; the assertions count requests, they do not time them).
SAFETY_NET = 60


class Tamper:
    """Passes requests to the real server; ``hooks[path]`` may change the answer (or, set in
    ``instead``, answer without asking the server). Counts requests per path."""

    def __init__(self, url: str) -> None:
        self.real = httpx.Client(base_url=url, timeout=60)
        self.hooks: dict[str, Hook] = {}
        self.instead: dict[str, Hook] = {}
        self.count: dict[str, int] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.count[path] = self.count.get(path, 0) + 1
        if path in self.instead:
            return self.instead[path](request, None)
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("host", "content-length", "accept-encoding")}
        real = self.real.request(request.method, path, params=request.url.params,
                                 content=request.content, headers=headers)
        answer = httpx.Response(real.status_code, content=real.content,
                                headers={"content-type": real.headers.get("content-type", "")})
        return self.hooks[path](request, answer) if path in self.hooks else answer


def _device(server: Any, make_vault: Any, name: str = "a", pending: int = 0
            ) -> tuple[Any, list[str]]:
    vault = make_vault(f"{name}.kdb", counselor=name)
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"), device_name=name)
    ids = [vault.people.add(Person(given_name="Mine", family_name="Local" + "abcdefghij"[i])).id
           for i in range(pending)]
    return vault, ids


def _engine(vault: Any, tamper: Tamper, **kw: Any) -> SyncEngine:
    store = SyncStore(vault)
    transport = Transport(store.get("server"), store.get("token"),
                          client=httpx.Client(transport=httpx.MockTransport(tamper)))
    return SyncEngine(vault, transport=transport, **kw)


def _json(answer: httpx.Response | None) -> Any:
    assert answer is not None
    return answer.json()


def _server_records(server: Any, vault: Any) -> dict[str, dict[str, Any]]:
    token = SyncStore(vault).get("token")
    page = httpx.get(server.url + "/v1/changes", params={"since": 0, "own": "true"},
                     headers={"Authorization": f"Bearer {token}"}).json()
    return {r["id"]: r["data"] for r in page["records"]}


# -- pulled records ---------------------------------------------------------------------------
def test_a_pulled_record_with_junk_values_leaves_every_record_readable(sqlite_server: Any,
                                                                       make_vault: Any) -> None:
    """Found: a received record with exactly the model's fields is written without validation
    (the inbox's fast path trusts the server), so a wrong type or an invalid date reached the
    table, and from then on reading that person failed (``ValidationError``, quoting the value)
    wherever the GUI opens it or lists its cases."""
    colleague, _ = _device(sqlite_server, make_vault, "b", pending=3)
    SyncEngine(colleague).sync()
    vault, _ = _device(sqlite_server, make_vault, "a", pending=2)
    tamper = Tamper(sqlite_server.url)

    def junk(request: httpx.Request, answer: httpx.Response | None) -> httpx.Response:
        page = _json(answer)
        for rec in page["records"][:1]:
            rec["data"] |= {"birth_date": "not a date", "gender": "martian", "given_name": 7}
        return httpx.Response(200, json=page)

    tamper.hooks["/v1/changes"] = junk
    _engine(vault, tamper).sync()
    ids = [row[0] for row in vault.conn.execute("SELECT id FROM persons")]
    unreadable = []
    for rid in ids:
        try:
            vault.people.get(rid)
        except Exception:
            unreadable.append(rid)
    assert unreadable == [], f"{len(unreadable)} of {len(ids)} persons cannot be read"


def test_a_pulled_record_whose_data_names_another_id_is_not_written(sqlite_server: Any,
                                                                   make_vault: Any) -> None:
    """A page's record says one id and its data another: written under the data's id, the
    device held a record the server does not know by that id (its base under the other)."""
    colleague, _ = _device(sqlite_server, make_vault, "b", pending=1)
    SyncEngine(colleague).sync()
    vault, _ = _device(sqlite_server, make_vault, "a")
    tamper = Tamper(sqlite_server.url)
    stranger = "0b6e5f0e-6f0c-4a43-9d7d-2d3c1d1f0b01"

    def other_id(request: httpx.Request, answer: httpx.Response | None) -> httpx.Response:
        page = _json(answer)
        for rec in page["records"]:
            rec["data"]["id"] = stranger
        return httpx.Response(200, json=page)

    tamper.hooks["/v1/changes"] = other_id
    _engine(vault, tamper).sync()
    assert vault.conn.execute("SELECT count(*) FROM persons WHERE id = ?",
                              (stranger,)).fetchone()[0] == 0


# -- push receipts ----------------------------------------------------------------------------
def test_a_receipt_whose_data_names_another_record_loses_no_pending_edit(
        sqlite_server: Any, make_vault: Any) -> None:
    """Found: a result's ``data`` is written under the id inside it, not the result's id. A
    receipt for record 1 carrying data with record 3's id overwrote record 3's pending edit
    with the server's text and marked it clean: it never reached the server (1 of 3 new
    persons lost to the team, and its local text replaced)."""
    vault, ids = _device(sqlite_server, make_vault, pending=3)
    tamper = Tamper(sqlite_server.url)

    def cross(request: httpx.Request, answer: httpx.Response | None) -> httpx.Response:
        receipt = _json(answer)
        first = receipt["results"][0]
        if first["id"] == ids[0]:
            data = vault.people.get(ids[0]).model_dump(mode="json",
                                                       exclude={"revision", "pending"})
            first |= {"same": False, "data": data | {"id": ids[2], "family_name": "Evil"}}
        return httpx.Response(200, json=receipt)

    tamper.hooks["/v1/push"] = cross
    engine = _engine(vault, tamper, batch_changes=1)
    engine.sync()
    tamper.hooks.clear()
    engine.sync()
    assert vault.people.get(ids[2]).family_name == "Localc"
    on_server = _server_records(sqlite_server, vault)
    assert {rid: on_server.get(rid, {}).get("family_name") for rid in ids} == {
        ids[0]: "Locala", ids[1]: "Localb", ids[2]: "Localc"}


def test_a_receipt_whose_data_has_no_id_adds_no_record(sqlite_server: Any,
                                                       make_vault: Any) -> None:
    """Found: data without ``id`` was validated with a fresh id: a person nobody made appeared
    in the vault, clean, so never pushed (and the real record stayed pending)."""
    vault, ids = _device(sqlite_server, make_vault, pending=1)
    tamper = Tamper(sqlite_server.url)

    def ghost(request: httpx.Request, answer: httpx.Response | None) -> httpx.Response:
        receipt = _json(answer)
        for result in receipt["results"]:
            result |= {"same": False, "data": {"given_name": "Ghost", "family_name": "Ghost"}}
        return httpx.Response(200, json=receipt)

    tamper.hooks["/v1/push"] = ghost
    _engine(vault, tamper).sync()
    assert [p.id for p in vault.people.where()] == ids


def test_a_rejected_result_stays_pending_even_when_marked_same(sqlite_server: Any,
                                                                make_vault: Any) -> None:
    """Found: ``same`` was trusted whatever the status; a receipt saying ``rejected`` and
    ``same`` marked the edits clean (2 of 2), so they were never sent again."""
    vault, _ = _device(sqlite_server, make_vault, pending=2)
    tamper = Tamper(sqlite_server.url)

    def rejected(request: httpx.Request, answer: httpx.Response | None) -> httpx.Response:
        receipt = _json(answer)
        for result in receipt["results"]:
            result |= {"status": "rejected", "same": True, "reason": "not accepted"}
        return httpx.Response(200, json=receipt)

    tamper.hooks["/v1/push"] = rejected
    engine = _engine(vault, tamper)
    engine.sync()
    assert engine.store.pending_count() == 2


# -- cursors ----------------------------------------------------------------------------------
def _looping(tamper: Tamper, engine_of: Callable[[], SyncEngine], path: str,
             page: Callable[[int], dict[str, Any]]) -> tuple[SyncError, int]:
    """Answer ``path`` with ``page(since)`` forever (the test cancels the run after
    :data:`SAFETY_NET` requests); the run's error and how many requests it made."""

    def endless(request: httpx.Request, answer: httpx.Response | None) -> httpx.Response:
        if tamper.count[path] >= SAFETY_NET:
            engine_of().cancel()
        return httpx.Response(200, json=page(int(request.url.params["since"])))

    tamper.instead[path] = endless
    with pytest.raises(SyncError) as caught:
        engine_of().sync()
    return caught.value, tamper.count[path]


def test_pull_pages_that_do_not_move_on_end_the_run(sqlite_server: Any,
                                                    make_vault: Any) -> None:
    """Found: ``more: true`` with the same ``next_cursor`` was asked again without end (the
    test stopped it at 60 requests; nothing else would have)."""
    vault, _ = _device(sqlite_server, make_vault)
    tamper = Tamper(sqlite_server.url)
    engine = _engine(vault, tamper)
    error, requests = _looping(tamper, lambda: engine, "/v1/changes", lambda since: {
        "records": [], "conflicts": [], "next_cursor": since, "more": True})
    assert not isinstance(error, SyncCancelled), f"still asking after {requests} pages"
    assert requests < 5


def test_reference_pages_that_do_not_move_on_end_the_run(sqlite_server: Any,
                                                         make_vault: Any) -> None:
    """Found: the same endless loop for reference data."""
    vault, _ = _device(sqlite_server, make_vault)
    tamper = Tamper(sqlite_server.url)
    engine = _engine(vault, tamper)
    error, requests = _looping(tamper, lambda: engine, "/v1/reference", lambda since: {
        "items": [], "next_cursor": since, "more": True})
    assert not isinstance(error, SyncCancelled), f"still asking after {requests} pages"
    assert requests < 5


@pytest.mark.parametrize("cursor", [-7, 2**70])
def test_a_page_moving_the_cursor_out_of_range_is_refused(sqlite_server: Any, make_vault: Any,
                                                          cursor: int) -> None:
    """Found: a page's ``next_cursor`` was stored as it came. A negative one (or one beyond
    PostgreSQL's bigint) made every later pull a 422, from the honest server too: the device
    could not sync again without being enrolled anew."""
    vault, _ = _device(sqlite_server, make_vault)
    tamper = Tamper(sqlite_server.url)
    tamper.instead["/v1/changes"] = lambda request, answer: httpx.Response(200, json={
        "records": [], "conflicts": [], "next_cursor": cursor, "more": False})
    engine = _engine(vault, tamper)
    with pytest.raises(SyncError):
        engine.sync()
    tamper.instead.clear()
    engine.sync()
    assert engine.store.cursor >= 0


# -- revocation -------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [403, 404, 502])
def test_only_a_401_device_revoked_wipes_the_vault(sqlite_server: Any, make_vault: Any,
                                                   status: int) -> None:
    """Found: the code alone decided: ``{"error": "device_revoked"}`` with any status of 400 or
    more wiped the vault (3 of 3 pending edits gone), though the server answers it with 401
    only (docs/sync-protocol.md); a proxy's or another service's 403, 404 or 502 must not."""
    vault, _ = _device(sqlite_server, make_vault, pending=3)
    tamper = Tamper(sqlite_server.url)
    tamper.instead["/v1/whoami"] = lambda request, answer: httpx.Response(
        status, json={"error": "device_revoked", "detail": "this device has been revoked"})
    engine = _engine(vault, tamper)
    with pytest.raises(SyncError) as caught:
        engine.sync()
    assert not isinstance(caught.value, DeviceRevoked)
    assert not engine.wiped
    assert engine.store.pending_count() == 3


def test_the_real_revocation_still_wipes(sqlite_server: Any, make_vault: Any) -> None:
    """The counterpart: the server's own 401 ``device_revoked`` wipes, as documented."""
    vault, _ = _device(sqlite_server, make_vault, pending=1)
    tamper = Tamper(sqlite_server.url)
    tamper.instead["/v1/whoami"] = lambda request, answer: httpx.Response(
        401, json={"error": "device_revoked", "detail": "this device has been revoked"})
    engine = _engine(vault, tamper)
    with pytest.raises(DeviceRevoked):
        engine.sync()
    assert engine.wiped


# -- messages ---------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [b"<html>Hotel WiFi: please log in</html>", b'{"device_',
                                  b"[1, 2]"])
def test_an_answer_that_is_not_the_protocols_says_so(sqlite_server: Any, make_vault: Any,
                                                     body: bytes) -> None:
    """Found: a portal's page, a cut JSON or a list where an object belongs ended the run
    with "Sync failed: JSONDecodeError" (or TypeError): a Python class name, nothing a
    counselor can act on."""
    vault, _ = _device(sqlite_server, make_vault)
    tamper = Tamper(sqlite_server.url)
    tamper.instead["/v1/whoami"] = lambda request, answer: httpx.Response(200, content=body)
    engine = _engine(vault, tamper)
    with pytest.raises(SyncError) as caught:
        engine.sync()
    text = caught.value.translated()
    assert "Error" not in text and "JSON" not in text, text


@pytest.mark.parametrize("status", [401, 403, 404, 413])
def test_a_portals_refusal_is_retried_later_not_taken_as_the_servers(
        sqlite_server: Any, make_vault: Any, status: int) -> None:
    """Found: a captive portal's (or a proxy's) 401 or 403 HTML page became "The server did not
    accept this device: " (no reason) and a refusal not to retry: autosync stopped until the
    counselor pressed "Sync now", after logging in to the hotel's network. The server answers
    every refusal with its ``{"error", "detail"}`` body; an answer without one is not its."""
    vault, _ = _device(sqlite_server, make_vault, pending=2)
    tamper = Tamper(sqlite_server.url)
    tamper.instead["/v1/whoami"] = lambda request, answer: httpx.Response(
        status, content=b"<html>Hotel WiFi: please log in</html>",
        headers={"content-type": "text/html"})
    engine = _engine(vault, tamper)
    with pytest.raises(SyncError) as caught:
        engine.sync()
    assert caught.value.retry, type(caught.value)
    assert "proxy" in caught.value.translated()
    assert engine.store.pending_count() == 2 and not engine.wiped


def test_a_servers_refusal_text_is_cut_short(sqlite_server: Any, make_vault: Any) -> None:
    """Found: a refusal's ``detail`` went into the message whole (200 kB shown in the GUI,
    any text a server likes, e.g. asking for the passphrase)."""
    vault, _ = _device(sqlite_server, make_vault)
    tamper = Tamper(sqlite_server.url)
    tamper.instead["/v1/whoami"] = lambda request, answer: httpx.Response(400, content=json.dumps(
        {"error": "malformed", "detail": "x" * 200_000}).encode())
    engine = _engine(vault, tamper)
    with pytest.raises(SyncError) as caught:
        engine.sync()
    assert len(caught.value.translated()) < 1000


@pytest.mark.parametrize("expected", [-5, "abc", 2**70])
def test_a_junk_out_of_order_answer_leaves_the_outbox_readable(sqlite_server: Any,
                                                              make_vault: Any,
                                                              expected: Any) -> None:
    """Found: ``409 out_of_order`` with ``expected: -5`` renumbered the stored batch to -5;
    the outbox could not be read back (``batch_seq`` must be 1 or more), so every later run
    failed with "Sync failed: ValidationError", against the honest server too (2 of 2 edits
    stuck for good). "abc" and 2**70 ended the run as "ValueError"/"OverflowError"."""
    vault, _ = _device(sqlite_server, make_vault, pending=2)
    tamper = Tamper(sqlite_server.url)
    tamper.instead["/v1/push"] = lambda request, answer: httpx.Response(
        409, json={"error": "out_of_order", "expected": expected})
    engine = _engine(vault, tamper)
    with pytest.raises(SyncError) as caught:
        engine.sync()
    assert "Error" not in caught.value.translated()
    tamper.instead.clear()
    engine.sync()
    assert engine.store.pending_count() == 0


def test_a_conflict_about_no_field_of_this_vault_is_not_stored(sqlite_server: Any,
                                                               make_vault: Any) -> None:
    """Found: conflicts were stored as they came. One about an unknown kind, a field the
    record does not have, or its ``id`` stayed open for good (the run ends in ``conflict``
    every time), and choosing a value failed (KeyError, ValidationError), which also stopped
    the GUI's resolve job before the conflicts after it in the list."""
    vault, ids = _device(sqlite_server, make_vault, pending=1)
    SyncEngine(vault).sync()
    tamper = Tamper(sqlite_server.url)

    def junk(request: httpx.Request, answer: httpx.Response | None) -> httpx.Response:
        page = _json(answer)
        page["conflicts"] = [
            {"id": "c1", "kind": "nope", "record_id": ids[0], "field": "given_name"},
            {"id": "c2", "kind": "persons", "record_id": ids[0], "field": "no_such_field"},
            {"id": "c3", "kind": "persons", "record_id": ids[0], "field": "id", "theirs": "x"},
        ]
        return httpx.Response(200, json=page)

    tamper.hooks["/v1/changes"] = junk
    engine = _engine(vault, tamper)
    report = engine.sync()
    assert report.conflicts == 0, [c.id for c in engine.store.conflicts()]


# -- enrollment -------------------------------------------------------------------------------
@pytest.mark.parametrize("token", ["abc\r\nX-Evil: 1", "t\u00f6k\u00e9n-0123456789abcdef",
                                   "a\x00b"])
def test_an_enrollment_answer_with_a_token_no_request_can_carry_is_refused(
        sqlite_server: Any, make_vault: Any, monkeypatch: pytest.MonkeyPatch,
        token: str) -> None:
    """Found: the token was stored as it came. One no HTTP header can carry made every later
    run fail ("connection broke", retried for good, or "Sync failed: UnicodeEncodeError"),
    and the message quoted the token."""
    import kimdesk.sync.enrollment as enrollment

    tamper = Tamper(sqlite_server.url)

    def answer(request: httpx.Request, real: httpx.Response | None) -> httpx.Response:
        return httpx.Response(200, json=_json(real) | {"token": token})

    tamper.hooks["/v1/enroll"] = answer
    monkeypatch.setattr(enrollment, "Transport", lambda url: Transport(
        url, client=httpx.Client(transport=httpx.MockTransport(tamper))))
    vault = make_vault("a.kdb", counselor="a")
    with pytest.raises(SyncError) as caught:
        enroll(vault, sqlite_server.url, sqlite_server.service.create_enroll_code("Team Nord"))
    assert token not in caught.value.translated()
    assert not SyncStore(vault).enrolled
