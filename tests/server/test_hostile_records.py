"""Records that parse but no counselor writes, found by a review of the server as an attacker
(2026-12-05), on SQLite and PostgreSQL: each is refused change by change with a reason, and the
rest of the batch applies (docs/sync-protocol.md, "Plausibility limits")."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date
from typing import Any

import httpx
import pytest

from kimdesk.domain.models import Person
from kimdesk.domain.retention import add_months
from tests.sync.helpers import pushed

PERSON = {"given_name": "Ayse", "family_name": "Demir"}
CASE = {"case_number": "2026-H-1", "owner": "alice", "opened_on": "2026-01-05"}


def _new(kind: str, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "id": str(uuid.uuid4()), "base_rev": 0, "changed": fields} | extra


def test_days_stamps_and_nul_characters_no_counselor_writes_are_refused(
        server: Any, make_device: Any) -> None:
    """Before: a stamp past the last UTC instant answered 500 and lost the batch; a case closed
    on 9999-12-31 stopped every team's Löschfristen; a NUL character in a note's ``case_id``
    made every later case deletion of the team fail on PostgreSQL."""
    a = make_device(server, "alice")
    person = _new("persons", PERSON)
    case = _new("cases", CASE | {"person_id": person["id"]})
    changes = [
        person, case,
        _new("persons", PERSON, updated_at="9999-12-31T23:59:59-14:00"),
        _new("persons", PERSON, created_at="0001-01-01T00:00:00+14:00"),
        _new("persons", PERSON | {"birth_date": "1850-01-01"}),
        _new("cases", CASE | {"case_number": "2026-H-2", "person_id": person["id"],
                              "opened_on": "9999-01-01"}),
        _new("consultations", {"case_id": case["id"], "date": "9999-12-31"}),
        _new("notes", {"case_id": case["id"], "text": "a\u0000b"}),
        _new("notes", {"case_id": case["id"] + "\u0000", "text": "x"}),
        _new("notes", {"case_id": case["id"], "text": "typed as text: \\u0000"}),
    ]
    results = pushed(server, a, changes)
    statuses = [r["status"] for r in results]
    assert statuses == ["applied"] * 2 + ["rejected"] * 7 + ["applied"], results
    reasons = [r["reason"] for r in results[2:9]]
    assert "out of range" in reasons[0] and "out of range" in reasons[1], reasons
    assert "birth_date 1850-01-01 lies outside" in reasons[2]
    assert "opened_on 9999-01-01 lies outside" in reasons[3]
    assert "date 9999-12-31 lies outside" in reasons[4]
    assert "NUL" in reasons[5], reasons
    # a case id with a NUL character names no case the server holds: refused before the NUL
    # check (kimdesk/server/plausibility.py, parent_problem)
    assert "case_id refers to a record the server does not hold" in reasons[6], reasons


def test_a_reference_in_another_spelling_is_checked_for_its_team(server: Any,
                                                                 make_device: Any) -> None:
    """Before: an uppercase or braced UUID, or one padded with whitespace (which validation
    strips), was looked up as written, found nothing, and a team A case was stored on a team B
    person."""
    a = make_device(server, "alice")
    b = make_device(server, "bob", team="Team Süd")
    foreign = b.vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    b.sync()
    spellings = [foreign.id.upper(), "{" + foreign.id + "}", "urn:uuid:" + foreign.id,
                 " " + foreign.id, foreign.id + "\n", "\t" + foreign.id, "\u00a0" + foreign.id]
    changes = [_new("cases", CASE | {"case_number": f"2026-H-{n}", "person_id": spelling})
               for n, spelling in enumerate(spellings)]
    results = pushed(server, a, changes)
    assert [r["status"] for r in results] == ["rejected"] * len(spellings), results
    assert all("another team" in r["reason"] for r in results)


def test_a_deadline_past_the_calendar_is_never_due() -> None:
    """A day stored before these limits (or on a device) must not stop the Löschfrist run:
    ``date(10002, ...)`` raised ValueError for every team on the server before."""
    from kimdesk.domain.retention import CaseFacts, RetentionPolicy, StartEvent, plan

    assert add_months(date(9999, 12, 31), 36) == date.max
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    facts = CaseFacts(case_id="c", case_number="1", person_id="p", municipality="",
                      opened_on=date(2020, 1, 1), closed_on=date(9999, 12, 31),
                      last_contact=None, legal_hold="")
    policy = RetentionPolicy(start=StartEvent.CLOSURE, months=36)
    assert plan([facts], {"*": policy}, date(2026, 12, 5)) == []


def test_made_up_conflict_ids_cost_no_number_and_no_write(server: Any, make_device: Any) -> None:
    """Before, every id in ``resolves`` took a change number and an ``UPDATE`` under the write
    lock, open conflict or not (150,000 made-up ids held it for 16 s). Now they are looked up
    in one query, and only the team's open conflicts are closed (tests/sync/test_two_devices.py
    closes a real one)."""
    a = make_device(server, "alice")
    made_up = [uuid.uuid4().hex for _ in range(1000)]
    results = pushed(server, a, [_new("persons", PERSON, resolves=made_up)])
    assert [r["status"] for r in results] == ["applied"]
    device = server.service.authenticate(a.store.get("token"))
    assert server.service.state(device, digest=False).seq == 1  # 1001 before


def test_an_invalid_change_of_a_stored_record_is_refused_not_a_conflict(
        server: Any, make_device: Any) -> None:
    """Before, ``birth_year: 5000`` or ``deleted: null`` on a record the server held became an
    open conflict, sent to every device of the team, instead of a refusal with a reason."""
    a = make_device(server, "alice")
    person = _new("persons", PERSON)
    [first] = pushed(server, a, [person])
    rev = first["rev"]
    results = pushed(server, a, [
        {"kind": "persons", "id": person["id"], "base_rev": rev, "changed": change}
        for change in ({"birth_year": 5000}, {"deleted": None})])
    assert [r["status"] for r in results] == ["rejected", "rejected"], results
    assert "birth_year" in results[0]["reason"] and "deleted" in results[1]["reason"]
    device = server.service.authenticate(a.store.get("token"))
    assert server.service.conflict_history(device.team) == []


def test_a_new_record_another_team_created_meanwhile_is_refused_not_500(
        server: Any, make_device: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: each push locks its own team only, so another team's push can commit a
    record under the same id between this push's lookup and its write. That answered 500 (a
    unique key, and no stored receipt for this batch); now the batch is decided again and the
    change refused as another team's record. (SQLite has one writer at a time.)"""
    from sqlalchemy import insert

    from kimdesk.server import db
    from kimdesk.server import push as push_module

    if server.service.engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one push at a time")
    a = make_device(server, "alice")
    taken = _new("persons", PERSON)
    real = push_module.load_records
    injected: list[bool] = []

    def lookup_then_race(conn: Any, wanted: Any) -> Any:
        found = real(conn, wanted)
        if not injected:  # another team's push commits the same record now
            injected.append(True)
            with server.service.engine.begin() as other:
                other.execute(insert(db.records).values(
                    kind="persons", id=taken["id"], team="Team Süd", rev=1, seq=1,
                    deleted=False, data=json.dumps({"id": taken["id"]}),
                    updated_at="2026-12-05T00:00:00Z", updated_by=""))
        return found

    monkeypatch.setattr(push_module, "load_records", lookup_then_race)
    results = pushed(server, a, [taken, _new("persons", PERSON)])
    assert [r["status"] for r in results] == ["rejected", "applied"], results
    assert "another team" in results[0]["reason"]


def test_an_error_in_a_request_is_logged_without_its_text(
        sqlite_server: Any, make_device: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database error's text can quote a record (PostgreSQL's CONTEXT line of a failed COPY;
    found by the review in the server's log). The log keeps the traceback and the type."""
    import logging

    a = make_device(sqlite_server, "alice")

    quoted = 'COPY records, line 1: "persons ... Ayse Demir, 0176 5550100"'

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError(quoted)  # (a traceback shows this line, not the text)

    monkeypatch.setattr(sqlite_server.service, "push_json", broken)
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(logging.Formatter().format(record))

    logger = logging.getLogger("uvicorn.error")
    keep = Keep()
    logger.addHandler(keep)
    try:
        r = httpx.post(sqlite_server.url + "/v1/push", timeout=30,
                       json={"batch_id": uuid.uuid4().hex, "batch_seq": 1, "changes": []},
                       headers={"Authorization": f"Bearer {a.store.get('token')}"})
        for _ in range(200):  # logged after the answer left
            if lines:
                break
            time.sleep(0.05)
    finally:
        logger.removeHandler(keep)
    assert r.status_code == 500
    text = "\n".join(lines)
    assert "RuntimeError" in text and "Traceback" in text, text
    assert "Demir" not in text and "0176" not in text, text


def test_an_invalid_change_on_an_old_base_is_refused_not_sent_as_conflicts(
        server: Any, make_device: Any) -> None:
    """The record moved on since the device's base: before, the device's values went to the
    team as conflicts unchecked (a birth year 5000, a NUL character: fields the other side
    changed too, or a record the merge made inconsistent), and a field name over 100 characters
    answered 500 on PostgreSQL. The device's own version is checked first."""
    a = make_device(server, "alice")
    person = _new("persons", PERSON)
    [first] = pushed(server, a, [person])
    pushed(server, a, [{"kind": "persons", "id": person["id"], "base_rev": first["rev"],
                        "changed": {"phone": "0201 1", "family_name": "Yilmaz",
                                    "birth_year": 1980}}])
    results = pushed(server, a, [
        {"kind": "persons", "id": person["id"], "base_rev": first["rev"], "changed": change}
        for change in ({"birth_year": 5000}, {"x" * 150: 1}, {"family_name": "a\u0000b"},
                       {"birth_date": "9999-01-01"})])
    assert [r["status"] for r in results] == ["rejected"] * 4, results
    device = server.service.authenticate(a.store.get("token"))
    assert server.service.conflict_history(device.team) == []


def test_a_phase_change_far_in_the_future_is_refused(server: Any, make_device: Any) -> None:
    """A phase change's moment counts as the case's last contact for the Löschfrist: in 9999,
    the case would never be due."""
    a = make_device(server, "alice")
    person = _new("persons", PERSON)
    case = _new("cases", CASE | {"person_id": person["id"]})
    results = pushed(server, a, [person, case, _new("phase_transitions", {
        "case_id": case["id"], "to_phase": "assessment", "at": "9999-12-31T00:00:00Z",
        "by": "alice"})])
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"], results
    assert "at 9999-12-31" in results[2]["reason"]


def test_an_id_with_a_trailing_newline_is_refused(server: Any, make_device: Any) -> None:
    """``$`` in the id pattern matched before a final newline, so ``<uuid>\\n`` passed as
    canonical, and the record would have been stored under a key other than its ``data.id``
    (validation strips the newline): a shadow duplicate."""
    a = make_device(server, "alice")
    rid = str(uuid.uuid4())
    results = pushed(server, a, [{"kind": "persons", "id": rid + "\n", "base_rev": 0,
                                  "changed": PERSON}])
    assert [r["status"] for r in results] == ["rejected"], results
    assert "canonical lowercase" in results[0]["reason"]


def test_a_reference_in_another_spelling_is_refused_so_a_purge_finds_everything(
        server: Any, make_device: Any) -> None:
    """Before (a review, 2026-12-06): notes and an attachment whose ``case_id`` named the case
    in upper case, in braces or as ``urn:uuid:`` were stored as sent; the case's purge
    compares ids as text and left them (and the file) on the server, pulled by every device of
    the team. A deletion naming its target that way was applied and purged nothing."""
    from kimdesk.domain.models import deletion_id

    a = make_device(server, "alice")
    person = _new("persons", PERSON)
    case = _new("cases", CASE | {"person_id": person["id"]})
    cid = case["id"]
    # \x1c-\x1f: Python's strip() removes them, validation does not (a second review)
    spellings = [cid.upper(), "{" + cid + "}", "urn:uuid:" + cid, "\x1c" + cid, cid + "\x1f"]
    notes = [_new("notes", {"case_id": s, "text": f"Vermerk {n}"})
             for n, s in enumerate(spellings)]
    file = {"case_id": cid.upper(), "consultation_id": str(uuid.uuid4()), "question": "scan",
            "file_name": "a.txt", "media_type": "text/plain", "size": 5, "content": "aGFsbG8=",
            "sha256": "d3751d33f9cd5049c4af2b462735457e4d3baf130bcbb87f389e349fbaeb20b9"}
    results = pushed(server, a, [person, case, *notes, _new("attachments", file)])
    assert [r["status"] for r in results] == ["applied"] * 2 + ["rejected"] * 6, results
    assert all("canonical lowercase" in r["reason"] for r in results[2:]), results
    for target in (cid.upper(), "urn:uuid:" + cid):
        deletion = {"kind": "deletions", "id": deletion_id("cases", target), "base_rev": 0,
                    "changed": {"target_kind": "cases", "target_id": target,
                                "deleted_on": "2026-12-01", "legal_basis": "Art. 17 DSGVO",
                                "ordered_by": "x", "reason": "counselor"}}
        [result] = pushed(server, a, [deletion])
        assert result["status"] == "rejected" and "canonical lowercase" in result["reason"]
    with server.app.state.engine.begin() as conn:
        stored = conn.exec_driver_sql("SELECT kind, data FROM records").all()
    assert sorted(kind for kind, _ in stored) == ["cases", "persons"]
    assert not any("Vermerk" in data or "aGFsbG8" in data for _, data in stored)
