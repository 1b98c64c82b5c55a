"""Deletion travels (issue 13): a device purges under a Löschfrist, the server purges its records,
history, conflicts and receipts, a second device purges at its next sync, and a stale device's old
edit of the purged case is refused with a reason while the rest of its batch applies. Then a raw
scan of the server database (SQLite file bytes; PostgreSQL: every row of every table as text)
finds none of the purged names, case number or note words."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text

from kimdesk.domain.codes import ClosureReason, Phase
from kimdesk.domain.models import Note, Person, deletion_id
from kimdesk.domain.retention import add_months
from kimdesk.vault.retention import apply_retention, retention_plan
from tests.sync.helpers import snapshot

SECRETS = ("Zuleykhaqx", "Brandtmöllerqx", "Fiktionsbescheinigungqx")


def server_text(db_url: str) -> bytes:
    """What an attacker with the server's storage reads: the SQLite file with its WAL as raw
    bytes; on PostgreSQL every row of every table (the data files keep dead row versions until
    VACUUM, docs/privacy.md)."""
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    engine = create_engine(db_url)
    out = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            out += [repr(tuple(r)).encode() for r in conn.execute(text(f"SELECT * FROM {table}"))]
    engine.dispose()
    return b"\n".join(out)


def found(data: bytes, needles: tuple[str, ...]) -> list[str]:
    return [n for n in needles if n.encode() in data or n.encode("unicode_escape") in data]


def test_purge_travels_and_stale_edits_are_refused(server: Any, make_device: Any) -> None:
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    stale = make_device(server, "carol")
    person = a.vault.people.add(Person(given_name=SECRETS[0], family_name=SECRETS[1]))
    case = a.vault.cases.open_case(person.id, opened_on=date(2021, 1, 4))
    a.vault.notes.add(Note(case_id=case.id, text=f"{SECRETS[2]} beantragt"))
    a.vault.cases.transition(case.id, Phase.ABSCHLUSS, by="alice",
                             closure_reason=ClosureReason.GOAL_REACHED, on=date(2022, 2, 1))
    keep = a.vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    kept_case = a.vault.cases.open_case(keep.id, opened_on=date(2025, 4, 1))
    a.sync()
    b.sync()
    stale.sync()
    assert [s.case_id for s in b.vault.search(SECRETS[1])] == [case.id]
    number = case.case_number
    # the stale device edits the case and another one, then stays offline
    stale.vault.notes.add(Note(case_id=case.id, text="late note"))
    stale.vault.notes.add(Note(case_id=kept_case.id, text="unrelated late note"))

    today = add_months(date(2022, 2, 1), 36)
    assert [v.case_id for v in retention_plan(a.vault, today)] == [case.id]
    result = apply_retention(a.vault, today, ordered_by="alice")
    assert (result.deleted_cases, result.deleted_persons) == (1, 1)
    report = a.sync()
    assert report.pushed >= 2  # the two deletion records
    assert found(server_text(server.db_url), (*SECRETS, number)) == []

    b.sync()
    assert b.vault.search(SECRETS[1]) == []
    assert b.vault.conn.execute("SELECT count(*) FROM cases WHERE id = ?",
                                (case.id,)).fetchone()[0] == 0
    assert b.vault.deletions.get(deletion_id("cases", case.id)).reason == "retention"

    report = stale.sync()
    assert report.results.get("rejected") == 1  # the late note on the purged case
    assert stale.vault.conn.execute("SELECT count(*) FROM notes WHERE case_id = ?",
                                    (case.id,)).fetchone()[0] == 0
    assert stale.store.pending_count() == 0
    b.sync()
    notes = [n.text for n in b.vault.notes.for_case(kept_case.id)]
    assert "unrelated late note" in notes  # nothing else was lost
    a.sync()
    assert snapshot(a) == snapshot(b)
    assert found(server_text(server.db_url), (*SECRETS, number)) == []


def test_server_retention_deletes_due_cases_and_devices_follow(server: Any, make_device: Any,
                                                               tmp_path: Path) -> None:
    """``kimdesk server retention plan|apply --today``: the server writes the deletion records
    and purges; a published policy per municipality and a legal hold are honoured."""
    import json
    import os
    import subprocess
    import sys

    from kimdesk.vault.retention import set_legal_hold

    a = make_device(server, "alice")
    b = make_device(server, "bob")
    cases = {}
    for name, town, closed in (("Zuleykhaqx", "Verl", date(2020, 5, 4)),
                               ("Brandtmöllerqx", "Gütersloh", date(2023, 9, 1)),
                               ("Holdqx", "Verl", date(2019, 1, 1))):
        person = a.vault.people.add(Person(given_name="Test", family_name=name))
        case = a.vault.cases.open_case(person.id, opened_on=date(2019, 1, 1), municipality=town)
        a.vault.cases.transition(case.id, Phase.ABSCHLUSS, by="alice",
                                 closure_reason=ClosureReason.MOVED_AWAY, on=closed)
        cases[name] = case.id
    set_legal_hold(a.vault, cases["Holdqx"], "Widerspruchsverfahren")
    a.sync()
    b.sync()
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"months": 12, "start": "closure"}))

    def kimdesk(*args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "kimdesk.cli", *args, "--db", server.db_url],
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "KIMDESK_LANG": "en"})
        assert out.returncode == 0, out.stderr
        return out.stdout

    kimdesk("server", "publish", "--kind", "retention_policy", "--key", "Gütersloh",
            str(policy))
    plan = kimdesk("server", "retention", "plan", "--today", "2024-10-01")
    # Verl: 36 months (default) -> the 2020 case is due, the held one is listed as held;
    # Gütersloh: 12 months -> the 2023 case is due
    assert plan.count("\tdelete\t") == 2 and plan.count("\thold\t") == 1
    assert "legal hold: Widerspruchsverfahren" in plan
    out = kimdesk("server", "retention", "apply", "--today", "2024-10-01")
    assert "Deleted: 2 cases, 2 persons; kept under a legal hold: 1." in out
    assert found(server_text(server.db_url), ("Zuleykhaqx", "Brandtmöllerqx")) == []
    assert found(server_text(server.db_url), ("Holdqx",)) == ["Holdqx"]
    for device in (a, b):
        device.sync()
        left = {r[0] for r in device.vault.conn.execute("SELECT id FROM cases")}
        assert left == {cases["Holdqx"]}
        assert device.vault.search("Zuleykhaqx") == []
    # the policy reached the devices with the reference data
    from kimdesk.vault.retention import policies

    assert policies(b.vault)["Gütersloh"].months == 12
    assert "0 cases due" not in kimdesk("server", "retention", "plan", "--today", "2024-10-01")
    assert "Deleted: 0 cases" in kimdesk("server", "retention", "apply", "--today", "2024-10-01")


def test_a_deletion_cannot_reach_another_teams_case(server: Any, make_device: Any) -> None:
    """A device of team B that pushes a deletion of a team A case gets it refused; the case,
    its history and its notes stay on the server."""
    import gzip
    import json
    import uuid

    import httpx

    a = make_device(server, "alice")
    b = make_device(server, "bob", team="Team Süd")
    person = a.vault.people.add(Person(given_name="Ayse", family_name="Demirqx"))
    case = a.vault.cases.open_case(person.id)
    a.vault.notes.add(Note(case_id=case.id, text="Teamnotizqx"))
    a.sync()
    rid = deletion_id("cases", case.id)
    change = {"kind": "deletions", "id": rid, "base_rev": 0, "changed": {
        "target_kind": "cases", "target_id": case.id, "deleted_on": "2026-12-01",
        "legal_basis": "Art. 17 DSGVO", "ordered_by": "bob", "reason": "counselor"}}
    body = {"batch_id": uuid.uuid4().hex, "batch_seq": 1, "changes": [change]}
    r = httpx.post(server.url + "/v1/push", content=gzip.compress(json.dumps(body).encode()),
                   headers={"Authorization": f"Bearer {b.store.get('token')}",
                            "Content-Encoding": "gzip"}, timeout=60)
    assert r.status_code == 200, r.text
    [result] = r.json()["results"]
    assert result["status"] == "rejected" and "another team" in result["reason"]
    assert found(server_text(server.db_url), ("Demirqx", "Teamnotizqx")) == [
        "Demirqx", "Teamnotizqx"]
    a.sync()
    assert a.vault.cases.get(case.id).person_id == person.id
