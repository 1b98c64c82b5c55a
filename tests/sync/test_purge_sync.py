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
