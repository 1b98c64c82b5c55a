"""A server restored from a backup taken before a case was purged: the devices that purged it
must not get it back (docs/privacy.md, "Every device purges, nothing comes back").

A review (2026-12-06) restored a municipality's server database from its backup, as an
administrator does after a broken disk: the devices noticed the older change number and pulled
the team again from the start, and that full pull wrote the purged case, its person and notes
back into the vaults that had purged them. They stayed readable there until a later sync
happened to bring the deletion back from the server. A real SQLite server file, backed up with
SQLite's online backup (what ``sqlite3 server.db ".backup ..."`` does) and put back while the
server is stopped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from kimdesk.domain.models import Note, Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.vault.purge import PurgeOrder, purge_cases
from tests.sync.helpers import Device


def _case(vault: Any) -> tuple[str, str]:
    person = vault.people.add(Person(given_name="Restora", family_name="Backupova",
                                     birth_year=1988, municipality="Verl"))
    case = vault.cases.open_case(person.id, opened_on=date(2025, 3, 1))
    vault.notes.add(Note(case_id=case.id, text="Termin beim Restore-Amt"))
    return person.id, case.id


def _counts(vault: Any, person_id: str, case_id: str) -> tuple[int, int, int, int, int]:
    """The person, the case, its notes, the records parked for them, statistical remains."""
    one = vault.conn.execute
    return (one("SELECT count(*) FROM persons WHERE id = ?", (person_id,)).fetchone()[0],
            one("SELECT count(*) FROM cases WHERE id = ?", (case_id,)).fetchone()[0],
            one("SELECT count(*) FROM notes WHERE case_id = ?", (case_id,)).fetchone()[0],
            one("SELECT count(*) FROM sync_parked").fetchone()[0],
            one("SELECT count(*) FROM stats_cases").fetchone()[0])


def test_a_restored_server_brings_no_purged_case_back(
        tmp_path: Path, make_device: Callable[..., Device]) -> None:
    db = tmp_path / "server.db"
    server = EmbeddedServer(db).start()
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    person_id, case_id = _case(a.vault)
    a.sync()
    b.sync()
    assert _counts(b.vault, person_id, case_id)[:4] == (1, 1, 1, 0)

    with sqlite3.connect(db) as live, sqlite3.connect(tmp_path / "backup.db") as copy:
        live.backup(copy)  # the night's backup, the case still in it

    purge_cases(a.vault, [case_id], PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="anna",
                                               reason="subject_request"))
    a.sync()
    b.sync()
    purged = {"alice": _counts(a.vault, person_id, case_id),
              "bob": _counts(b.vault, person_id, case_id)}
    assert [c[:4] for c in purged.values()] == [(0, 0, 0, 0), (0, 0, 0, 0)]

    port = server.port
    server.stop()  # the administrator restores the backup into the stopped server
    for leftover in (tmp_path / "server.db-wal", tmp_path / "server.db-shm"):
        leftover.unlink(missing_ok=True)
    (tmp_path / "backup.db").replace(db)
    server = EmbeddedServer(db, port=port).start()
    try:
        for device in (b, a, b, a):
            report = device.sync()
            # after every run, on every device: the case, its person and notes stay purged,
            # and its statistical remains are kept once, not again with a second purge
            assert _counts(device.vault, person_id, case_id) == purged[
                "alice" if device is a else "bob"], report
        with server.service.engine.connect() as conn:  # and the server purged it again
            left = conn.exec_driver_sql("SELECT count(*) FROM records WHERE id IN (?, ?)",
                                        (person_id, case_id)).scalar()
        assert left == 0
    finally:
        server.stop()
