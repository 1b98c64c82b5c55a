"""``kimdesk server orphans``: the records a server of before 2026-12-06 took without their case
or person are listed for the administrator (no content) and, with ``--remove``, deleted with
their history, so that no text stays on the server that no screen shows and no Löschfrist
reaches. Before, nothing found them: they stayed until somebody deleted rows by hand.
The real command in its own process against the server's database, SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select, text

from kimdesk.domain.models import Case, Note, Person
from kimdesk.server import db
from kimdesk.server.embedded import EmbeddedServer
from tests.sync.helpers import Device, stored_behind_the_checks
from tests.test_cli import run

LOST = "Orphelin-Notiz-Wendeltreppe"
UNDER = "Orphelin-unter-Fall-Wendeltreppe"
OTHER = "Orphelin-Team-Sued-Wendeltreppe"
KEPT = "Bleibt-Notiz-Wendeltreppe"


def _ids(output: str) -> set[str]:
    return {line.split("\t")[2] for line in output.splitlines() if line.count("\t") == 3}


def _server_bytes(server: EmbeddedServer) -> bytes:
    """What the server's database holds: the SQLite file and its log, or PostgreSQL's rows."""
    if server.db_url.startswith("sqlite"):
        path = Path(server.db_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    with server.service.engine.connect() as conn:
        return "\n".join(str(r[0]) for r in conn.execute(text(
            "SELECT data FROM records UNION ALL SELECT data FROM record_history"
            " UNION ALL SELECT receipt FROM batches"))).encode()


def test_orphans_are_listed_without_content_and_removed_with_their_history(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    alice = make_device(server, "alice")
    make_device(server, "sued", team="Team Süd")  # the team exists
    person = alice.vault.people.add(Person(given_name="Olena", family_name="Kranich"))
    case = alice.vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    kept = alice.vault.notes.add(Note(case_id=case.id, text=KEPT))
    alice.sync()

    lost = Note(case_id=str(uuid.uuid4()), text=LOST)  # its case never reached the server
    lost_case = Case(case_number="2026-W-9", person_id=str(uuid.uuid4()), owner="alice",
                     opened_on=date(2026, 1, 5))  # its person never did
    under = Note(case_id=lost_case.id, text=UNDER)  # hangs on an orphan
    other = Note(case_id=case.id, text=OTHER)  # Team Süd's note on Team Nord's case
    for record in (lost, lost_case, under):
        stored_behind_the_checks(server, record)
    stored_behind_the_checks(server, other, team="Team Süd")
    with server.service.engine.begin() as conn:  # an older version of the lost note
        row = conn.execute(select(db.records).where(db.records.c.id == lost.id)).one()._asdict()
        conn.execute(insert(db.history).values(
            kind=row["kind"], id=row["id"], team=row["team"], rev=0, data=row["data"],
            device_id="", batch_id="", at=row["written_at"], superseded_at=row["written_at"]))

    listed = run("server", "orphans", "--db", server.db_url)
    assert listed.returncode == 0, listed.stderr
    assert _ids(listed.stdout) == {lost.id, lost_case.id, under.id, other.id}, listed.stdout
    assert "4 records whose case or person the server does not hold" in listed.stdout
    for marker in (LOST, UNDER, OTHER, "Olena", "Kranich", "2026-W-9"):
        assert marker not in listed.stdout + listed.stderr  # IT sees no content
    only = run("server", "orphans", "--db", server.db_url, "--team", "Team Süd")
    assert _ids(only.stdout) == {other.id}, only.stdout
    assert LOST.encode() in _server_bytes(server)

    removed = run("server", "orphans", "--db", server.db_url, "--remove")
    assert removed.returncode == 0, removed.stderr
    assert _ids(removed.stdout) == {lost.id, lost_case.id, under.id, other.id}
    assert "4 records removed" in removed.stdout
    again = run("server", "orphans", "--db", server.db_url)
    assert _ids(again.stdout) == set() and "0 records" in again.stdout, again.stdout

    stored = _server_bytes(server)
    for marker in (LOST, UNDER, OTHER):
        assert marker.encode() not in stored, marker  # neither the records nor their history
    assert KEPT.encode() in stored
    with server.service.engine.connect() as conn:
        ids = {r[0] for r in conn.execute(select(db.records.c.id))}
    assert {person.id, case.id, kept.id} <= ids
    assert not {lost.id, lost_case.id, under.id, other.id} & ids


def test_the_audit_rows_come_after_every_delete(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    """``orphans --remove`` over two teams writes its audit rows as the transaction's last
    statements. The trail's lock is held to the commit: taken for the first team's row before
    the second team's deletes, a push of that team (holding its rows, then waiting for the
    lock) and the removal waited for each other on PostgreSQL (review of 2026-12-07, read in
    the code). Counted: no statement touches another table after the first audit row."""
    from sqlalchemy import event

    from kimdesk.server import orphans

    make_device(server, "alice")
    make_device(server, "sued", team="Team Süd")
    stored_behind_the_checks(server, Note(case_id=str(uuid.uuid4()), text=LOST))
    stored_behind_the_checks(server, Note(case_id=str(uuid.uuid4()), text=OTHER),
                             team="Team Süd")
    engine = server.service.engine
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(" ".join(statement.split()).upper())

    event.listen(engine, "before_cursor_execute", note)
    try:
        gone = orphans.remove(engine)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len({o.team for o in gone}) == 2
    first = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO AUDIT_TRAIL"))
    after = [s[:40] for s in seen[first:] if s.startswith(("DELETE", "UPDATE"))]
    assert after == []
    assert sum(s.startswith("INSERT INTO AUDIT_TRAIL") for s in seen) == 2
