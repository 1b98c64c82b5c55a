"""The server over real HTTP: enrollment, team isolation, revocation, reference data,
divergence, and bad input answered with 4xx and a reason, never 5xx."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import date

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimdesk.domain.models import Person
from kimdesk.sync.engine import DeviceRevoked, ServerRefused, SyncEngine, enroll
from kimdesk.sync.protocol import PROTOCOL_HEADER
from tests.sync.helpers import pushed, snapshot


def _case(vault, family="Demir"):
    p = vault.people.add(Person(given_name="Ayse", family_name=family))
    return vault.cases.open_case(p.id, opened_on=date(2025, 3, 1))


def test_enroll_code_is_one_time(server, make_vault):
    code = server.service.create_enroll_code("Team Nord")
    v1 = make_vault("one.kdb")
    answer = enroll(v1, server.url, code.lower().replace("-", " "))  # typed loosely: still valid
    assert answer.team == "Team Nord"
    v2 = make_vault("two.kdb")
    with pytest.raises(ServerRefused):
        enroll(v2, server.url, code)
    # the token is stored hashed on the server
    from sqlalchemy import select

    from kimdesk.server import db

    with server.app.state.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(select(db.devices.c.token_hash))]
    token = v1.conn.execute("SELECT value FROM sync_state WHERE key='token'").fetchone()[0]
    assert token not in hashes and len(hashes) == 1


def test_team_isolation(server, make_device):
    nord = make_device(server, "alice", team="Team Nord")
    sued = make_device(server, "carla", team="Team Süd")
    case = _case(nord.vault)
    _case(sued.vault, "Kaya")
    nord.sync()
    sued.sync()
    nord.sync()
    assert {c.family_name for c in sued.vault.people.where()} == {"Kaya"}
    assert {c.family_name for c in nord.vault.people.where()} == {"Demir"}
    # a device cannot overwrite another team's record by sending its id
    person = nord.vault.people.get(nord.vault.cases.get(case.id).person_id)
    forged = person.model_copy(update={"phone": "999"})
    sued.vault.people.insert_many([forged.model_copy(update={"revision": 1, "pending": True})])
    report = sued.sync()
    assert report.results.get("rejected") == 1
    nord.sync()
    assert nord.vault.people.get(person.id).phone == ""


def test_revoked_device_is_wiped(server, make_device):
    a = make_device(server, "alice")
    _case(a.vault)
    a.sync()
    path = a.vault.path
    assert server.service.revoke(a.store.get("device_id"))
    wiped = []
    a.engine.on_wipe = lambda: wiped.append(True)
    with pytest.raises(DeviceRevoked):
        a.sync()
    assert wiped and not path.exists()
    assert not path.with_name(path.name + "-wal").exists()
    # the team's data stays on the server; a newly enrolled device gets it back
    from sqlalchemy import func, select

    from kimdesk.server import db

    with server.app.state.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.records)).scalar() == 3


def test_unknown_token_is_401_without_wipe(server, make_vault):
    v = make_vault()
    from kimdesk.sync.store import SyncStore

    SyncStore(v).set_many({"server": server.url, "token": "not-a-token"})
    engine = SyncEngine(v)
    with pytest.raises(ServerRefused):
        engine.sync()
    assert v.path.exists() and not engine.wiped


def test_reference_data_flows_down(server, make_device):
    a = make_device(server, "alice")
    server.service.publish_reference("codelist", "languages", ["de", "ar", "uk"])
    server.service.publish_reference(
        "agency", "jc-essen",
        {"id": str(uuid.UUID(int=7)), "name": "Jobcenter Essen", "agency_type": "jobcenter"},
    )
    server.service.publish_reference("form", "intake", {"title": "x"}, team="Team Süd")
    a.sync()
    assert a.store.reference_items("codelist")[0]["data"] == ["de", "ar", "uk"]
    assert a.store.reference_items("form") == []  # another team's form
    assert [x.name for x in a.vault.agencies.where()] == ["Jobcenter Essen"]
    server.service.publish_reference("codelist", "languages", ["de"])
    a.sync()
    assert a.store.reference_items("codelist")[0] == {
        "key": "languages", "team": "", "version": 2, "data": ["de"]}


def test_divergence_triggers_full_resync(server, make_device):
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    _case(a.vault)
    a.sync()
    b.sync()
    # the server lost a record (restored from an older backup): the divergence check notices,
    # the full resync pushes it again from the device that has it
    from sqlalchemy import delete

    from kimdesk.server import db

    with server.app.state.engine.begin() as conn:
        conn.execute(delete(db.records).where(db.records.c.kind == "phase_transitions"))
    report = a.sync()
    assert report.resynced
    b.sync()
    assert snapshot(a) == snapshot(b)
    assert server.service.state(server.service.authenticate(a.store.get("token"))).count == 3


# -- bad input ----------------------------------------------------------------------------------
def _auth(server, make_device):
    dev = make_device(server, "alice")
    return {"Authorization": f"Bearer {dev.store.get('token')}"}


def test_bad_requests_get_4xx_with_reason(server, make_device):
    h = _auth(server, make_device)
    url = server.url
    good = {"batch_id": uuid.uuid4().hex, "batch_seq": 1, "changes": []}
    cases = [
        ("POST", "/v1/push", b"{not json", {}, 422, "malformed"),
        ("POST", "/v1/push", json.dumps({"batch_id": "x"}).encode(), {}, 422, "malformed"),
        ("POST", "/v1/push", b"\x1f\x8b garbage", {"Content-Encoding": "gzip"}, 400,
         "bad_encoding"),
        ("POST", "/v1/push", b"{}", {"Content-Encoding": "br"}, 400, "bad_encoding"),
        ("POST", "/v1/push", gzip.compress(b" " * (70 * 1024 * 1024)),
         {"Content-Encoding": "gzip"}, 413, "too_large"),
        ("POST", "/v1/push", b"x" * (17 * 1024 * 1024), {}, 413, "too_large"),
        # enrolment needs no device: its small body may not inflate to a big one either
        ("POST", "/v1/enroll", gzip.compress(b" " * (1024 * 1024)),
         {"Content-Encoding": "gzip"}, 413, "too_large"),
        ("POST", "/v1/push", json.dumps(good).encode(), {PROTOCOL_HEADER: "99"}, 400,
         "unsupported_protocol"),
        ("POST", "/v1/push", json.dumps(good | {"batch_seq": 5}).encode(), {}, 409,
         "out_of_order"),
        ("GET", "/v1/changes?since=-1", None, {}, 422, "malformed"),
        # past PostgreSQL's bigint, and past any 64-bit integer (issue 14, point 4)
        ("GET", "/v1/changes?since=9223372036854775808", None, {}, 422, "malformed"),
        ("GET", "/v1/changes?since=99999999999999999999999999", None, {}, 422, "malformed"),
        ("GET", "/v1/reference?since=9223372036854775808", None, {}, 422, "malformed"),
        ("POST", "/v1/push", json.dumps(good | {"changes": [
            {"kind": "persons\u0000", "id": str(uuid.uuid4()), "base_rev": 0,
             "changed": {}}]}).encode(), {}, 422, "malformed"),
        ("POST", "/v1/push", json.dumps(good | {"changes": [
            {"kind": "persons", "id": "a\u0000b", "base_rev": 0, "changed": {}}]}).encode(),
         {}, 422, "malformed"),
        ("GET", "/v1/changes?limit=abc", None, {}, 422, "malformed"),
        ("GET", "/v1/nothing", None, {}, 404, "not_found"),
        ("POST", "/v1/enroll", b'{"code": "AAAA-BBBB-CCCC"}', {}, 401, "invalid_code"),
        ("POST", "/v1/enroll", b'{"code": 5}', {}, 422, "malformed"),
    ]
    with httpx.Client(timeout=60) as client:
        for method, path, body, extra, status, code in cases:
            r = client.request(method, url + path, content=body, headers=h | extra)
            assert (r.status_code, r.json()["error"]) == (status, code), (path, extra, r.text)
            assert r.json()["detail"]
        r = client.get(url + "/v1/changes", headers={"Authorization": "Bearer nope"})
        assert (r.status_code, r.json()["error"]) == (401, "unauthorized")
        r = client.get(url + "/v1/changes")
        assert (r.status_code, r.json()["error"]) == (401, "unauthorized")


def test_a_nul_in_an_enrolment_is_refused_and_the_code_still_works(server):
    """Before (a review, 2026-12-06): a NUL character in the device's name or vault id
    answered 500 on PostgreSQL (and dropped the connection) and was stored on SQLite."""
    code = server.service.create_enroll_code("Team Nord")
    h = {PROTOCOL_HEADER: "1"}
    with httpx.Client(timeout=60) as client:
        for extra in ({"device_name": "Laptop\u0000"}, {"vault_id": "v\u0000"}):
            r = client.post(server.url + "/v1/enroll", json={"code": code} | extra, headers=h)
            assert (r.status_code, r.json()["error"]) == (422, "malformed"), r.text
        r = client.post(server.url + "/v1/enroll", json={"code": code, "device_name": "Laptop"},
                        headers=h)
        assert r.status_code == 200, r.text


def test_semantically_bad_changes_are_rejected_per_change(server, make_device):
    h = _auth(server, make_device)
    changes = [
        {"kind": "audit_events", "id": str(uuid.uuid4()), "base_rev": 0, "changed": {}},
        {"kind": "nonsense", "id": "x", "base_rev": 0, "changed": {}},
        {"kind": "persons", "id": str(uuid.uuid4()), "base_rev": 0,
         "changed": {"family_name": ""}},
        {"kind": "persons", "id": "not-a-uuid", "base_rev": 0,
         "changed": {"family_name": "Demir"}},
    ]
    body = {"batch_id": uuid.uuid4().hex, "batch_seq": 1, "changes": changes}
    r = httpx.post(server.url + "/v1/push", json=body, headers=h)
    assert r.status_code == 200
    assert [x["status"] for x in r.json()["results"]] == ["rejected"] * 4
    assert all(x["reason"] for x in r.json()["results"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20,
)
change_like = st.fixed_dictionaries(
    {"kind": st.sampled_from(["persons", "cases", "notes", "x"]) | st.text(max_size=5),
     "id": st.uuids().map(str) | st.text(max_size=5),
     "base_rev": st.integers(-3, 10**12) | st.text(max_size=3),
     "changed": st.dictionaries(st.sampled_from(["family_name", "given_name", "phone", "phase",
                                                 "deleted", "birth_date", "case_id", "zzz"]),
                                json_values, max_size=4)},
    optional={"base": st.dictionaries(st.text(max_size=5), json_values, max_size=2),
              "resolves": st.lists(st.text(max_size=5), max_size=2)},
)
push_like = st.fixed_dictionaries(
    {"batch_id": st.text(min_size=0, max_size=70),
     "batch_seq": st.integers(-2, 3) | st.none(),
     "changes": st.lists(change_like, max_size=4) | json_values},
) | json_values


def test_push_with_an_object_as_reference_is_refused_not_500(server, make_device):
    """Found by the fuzzer below: an object where a ``case_id`` belongs broke the lookup of the
    teams a batch refers to (500); the change is rejected with a reason, the batch answered."""
    headers = _auth(server, make_device)
    change = {"kind": "persons", "id": str(uuid.uuid4()), "base_rev": 0,
              "changed": {"family_name": [[None]], "case_id": {"x": True}}}
    body = json.dumps({"batch_id": uuid.uuid4().hex, "batch_seq": 1, "changes": [change]})
    r = httpx.post(server.url + "/v1/push", content=body.encode(), headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    assert result["status"] == "rejected" and result["reason"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=push_like, gz=st.booleans())
def test_fuzzed_push_never_5xx(server, make_device, payload, gz):
    if not hasattr(server, "_fuzz_headers"):
        server._fuzz_headers = _auth(server, make_device)
    body = json.dumps(payload).encode()
    headers = dict(server._fuzz_headers)
    if gz:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    r = httpx.post(server.url + "/v1/push", content=body, headers=headers, timeout=30)
    assert r.status_code < 500, r.text
    assert r.status_code == 200 or r.json()["error"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/v1/changes", "/v1/state", "/v1/reference", "/v1/hello",
                             "/v1/enroll", "/v1/push", "/v1/whoami"]),
       query=st.dictionaries(st.sampled_from(["since", "limit", "x"]),
                             st.text(max_size=6) | st.integers(-5, 10**20).map(str), max_size=2),
       method=st.sampled_from(["GET", "POST", "PUT"]),
       body=st.binary(max_size=64))
def test_fuzzed_requests_never_5xx(server, make_device, path, query, method, body):
    if not hasattr(server, "_fuzz_headers"):
        server._fuzz_headers = _auth(server, make_device)
    r = httpx.request(method, server.url + path, params=query, content=body,
                      headers=server._fuzz_headers, timeout=30)
    assert r.status_code < 500, r.text


def test_implausible_records_are_rejected_with_a_reason(server, make_device):
    """Issue 14, point 5: a 10 MB note, a year-9999 timestamp, an id in another spelling and a
    case of team A on a person of team B are each refused in the receipt; the rest applies."""
    a = make_device(server, "alice")
    b = make_device(server, "bob", team="Team Süd")
    foreign = b.vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    b.sync()
    h = {"Authorization": f"Bearer {a.store.get('token')}"}
    person, case = str(uuid.uuid4()), str(uuid.uuid4())
    upper = str(uuid.uuid4()).upper()
    person_fields = {"given_name": "Ayse", "family_name": "Demir"}
    case_fields = {"case_number": "2026-X-1", "owner": "alice", "opened_on": "2026-01-05"}
    changes = [
        {"kind": "persons", "id": person, "base_rev": 0, "changed": person_fields},
        {"kind": "cases", "id": case, "base_rev": 0, "changed": case_fields | {
            "person_id": person}},
        {"kind": "notes", "id": str(uuid.uuid4()), "base_rev": 0,
         "changed": {"case_id": case, "text": "x" * (10 * 1024 * 1024)}},
        {"kind": "persons", "id": str(uuid.uuid4()), "base_rev": 0, "changed": person_fields,
         "updated_at": "9999-12-31T00:00:00Z"},
        {"kind": "persons", "id": upper, "base_rev": 0, "changed": person_fields},
        {"kind": "cases", "id": str(uuid.uuid4()), "base_rev": 0, "changed": case_fields | {
            "case_number": "2026-X-2", "person_id": foreign.id}},
    ]
    body = gzip.compress(json.dumps(
        {"batch_id": uuid.uuid4().hex, "batch_seq": 1, "changes": changes}).encode())
    r = httpx.post(server.url + "/v1/push", content=body, timeout=120,
                   headers=h | {"Content-Encoding": "gzip"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["applied", "applied"] + ["rejected"] * 4
    reasons = [x["reason"] for x in results[2:]]
    assert "too large" in reasons[0] and "updated_at" in reasons[1]
    assert "canonical lowercase" in reasons[2] and "another team" in reasons[3]


def _deletion(kind, target, basis, rid=None):
    from kimdesk.domain.models import deletion_id

    return {"kind": "deletions", "id": rid or deletion_id(kind, target), "base_rev": 0,
            "changed": {"target_kind": kind, "target_id": target, "deleted_on": "2026-12-01",
                        "legal_basis": basis, "ordered_by": "x", "reason": "counselor"}}


def test_a_deletion_cannot_name_another_teams_record_under_another_kind(server, make_device):
    """A deletion's target is looked up among cases and persons whatever its ``target_kind``
    says: a later change can set another kind without naming the target again. Found by a
    review: team A deleted "the case" with the id of team B's person (no such case), then set
    the kind to persons; the purge recorded B's person as purged, and B's own edits to that
    person were refused from then on."""
    a = make_device(server, "alice")
    b = make_device(server, "bob", team="Team Süd")
    olena = b.vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    b.sync()
    [result] = pushed(server, a, [_deletion("cases", olena.id, "Art. 17", str(uuid.uuid4()))])
    assert result["status"] == "rejected" and "another team" in result["reason"]


def test_a_team_does_not_learn_why_another_team_deleted_a_record(server, make_device):
    """A change naming a record that another team purged is not refused with that team's legal
    basis: the purged records a push is checked against are its own team's."""
    a = make_device(server, "alice")
    b = make_device(server, "bob", team="Team Süd")
    olena = b.vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    b.sync()
    assert pushed(server, b, [_deletion("persons", olena.id, "Beschluss Süd 4711")])[0][
        "status"] == "applied"
    own = a.vault.people.add(Person(given_name="Amal", family_name="Nord"))
    a.sync()
    assert pushed(server, a, [_deletion("persons", own.id, "Art. 17")])[0]["status"] == "applied"
    results = pushed(server, a, [{"kind": "cases", "id": str(uuid.uuid4()), "base_rev": 0,
                                   "changed": {"case_number": "2026-X-7", "owner": "alice",
                                               "opened_on": "2026-01-05",
                                               "person_id": olena.id}}])
    assert "4711" not in json.dumps(results)


def test_a_reference_to_a_record_of_the_same_batch_held_for_another_team_is_refused(
        server, make_device):
    """A team A case in the same batch as a change to team B's person, and pointing at it: the
    person's change is refused (another team's record) and so is the case. Before, the batch's
    own records were not looked up for references, and the case was stored on team B's
    person."""
    a = make_device(server, "alice")
    b = make_device(server, "bob", team="Team Süd")
    foreign = b.vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    b.sync()
    changes = [
        {"kind": "persons", "id": foreign.id, "base_rev": 0,
         "changed": {"given_name": "Olena", "family_name": "Koval"}},
        {"kind": "cases", "id": str(uuid.uuid4()), "base_rev": 0, "changed": {
            "case_number": "2026-X-9", "owner": "alice", "opened_on": "2026-01-05",
            "person_id": foreign.id}},
    ]
    body = gzip.compress(json.dumps(
        {"batch_id": uuid.uuid4().hex, "batch_seq": 1, "changes": changes}).encode())
    r = httpx.post(server.url + "/v1/push", content=body, timeout=60, headers={
        "Authorization": f"Bearer {a.store.get('token')}", "Content-Encoding": "gzip"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["rejected", "rejected"]
    assert "another team" in results[0]["reason"] and "another team" in results[1]["reason"]
