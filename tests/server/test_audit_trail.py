"""The server's audit trail (docs/planned.md, section 3; kimdesk/server/audit_trail.py).

A scripted day through a real server on 127.0.0.1, SQLite and PostgreSQL: two devices of a
team push demo cases and pull them, an administrator enrolls, publishes, removes orphans, runs
the Löschfrist (which empties old receipts too), exports one person's Auskunft and revokes a
device, each with the real command in its own process. Afterwards every action has its row,
``kimdesk server audit verify`` passes, ``--case`` answers "who received case X", and no demo
name or case number is in the trail (a raw byte scan of a file that holds the trail alone, and
of the server's log). The Auskunft writes exactly one row and changes nothing else.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kimdesk.demo.generator import fill
from kimdesk.domain.models import Case, Note
from kimdesk.server import db
from kimdesk.server.embedded import EmbeddedServer
from tests.rawscan import files_holding
from tests.sync.helpers import Device, stored_behind_the_checks
from tests.test_cli import run


def trail(server: EmbeddedServer) -> list[dict[str, Any]]:
    with server.service.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            text("SELECT * FROM audit_trail ORDER BY seq"))]


def other_tables(server: EmbeddedServer) -> dict[str, list[str]]:
    """Every row of every table but the trail (PostgreSQL: with its row version, ``xmin``,
    which an UPDATE to the same values changes too)."""
    pg = server.db_url.startswith("postgresql")
    with server.service.engine.connect() as conn:
        return {table: sorted(map(str, conn.execute(text(
                    f"SELECT {'xmin::text, ' if pg else 'rowid, '}t.* FROM {table} t")).all()))
                for table in (*db.metadata.tables, "alembic_version")
                if table != db.audit_trail.name}


def audit(server: EmbeddedServer, *args: str, lang: str = "en") -> Any:
    return run("server", "audit", *args, "--db", server.db_url, lang=lang)


def demo_words(device: Device) -> set[str]:
    """Every name and case number of the device's demo data."""
    conn = device.vault.conn
    words = {w for row in conn.execute("SELECT given_name, family_name FROM persons")
             for w in row if w and len(w) >= 4}
    words |= {r[0] for r in conn.execute("SELECT case_number FROM cases")}
    return words


def test_a_scripted_day_leaves_a_verified_trail_without_content(
        server: EmbeddedServer, make_device: Callable[..., Device], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    alice = make_device(server, "alice")  # an enrollment code (admin) and an enrollment each
    bob = make_device(server, "bob")
    fill(alice.vault, 12, seed=11)
    words = demo_words(alice)
    assert len(words) > 20
    alice.sync()  # pushes
    bob.sync()  # pulls every case
    [case_id] = [r[0] for r in alice.vault.conn.execute(
        "SELECT id FROM cases ORDER BY case_number LIMIT 1")]
    number = alice.vault.cases.get(case_id).case_number
    note = alice.vault.notes.add(Note(case_id=case_id, text="Audit-Notiz-Kranichweg"))
    alice.sync()
    bob.sync()
    words.add("Audit-Notiz-Kranichweg")

    codes = tmp_path / "codes.json"
    codes.write_text(json.dumps({"items": ["a", "b"]}), encoding="utf-8")
    assert run("server", "publish", "--kind", "codelist", "--key", "k", str(codes),
               "--db", server.db_url).returncode == 0
    lost = Case(case_number="2026-W-9", person_id=str(uuid.uuid4()), owner="alice")
    stored_behind_the_checks(server, lost)
    assert run("server", "orphans", "--remove", "--db", server.db_url).returncode == 0
    retention = run("server", "retention", "apply", "--today", "2040-01-01", "--receipt-days",
                    "1", "--db", server.db_url)
    assert retention.returncode == 0, retention.stderr

    before, rows_before = other_tables(server), trail(server)
    export = run("server", "subject-export", number, "-o", str(tmp_path / "dsb"),
                 "--db", server.db_url)
    assert export.returncode == 0, export.stderr
    after = trail(server)
    assert other_tables(server) == before  # the Auskunft changed nothing else
    assert after[:-1] == rows_before and len(after) == len(rows_before) + 1
    assert after[-1]["action"] == "subject_export"
    assert json.loads(after[-1]["subjects"]) == {
        "persons": [alice.vault.cases.get(case_id).person_id]}

    assert run("server", "revoke", bob.store.get("device_id"),
               "--db", server.db_url).returncode == 0

    rows = trail(server)
    actions = [r["action"] for r in rows]
    for action in ("enroll_code", "enroll", "push", "pull", "publish", "orphans_removed",
                   "receipts_emptied", "subject_export", "revoke"):
        assert action in actions, action
    deleted = int(retention.stdout.split("Deleted: ")[1].split(" ")[0])
    assert deleted >= 1 and actions.count("purge") == deleted
    for team in {r["team"] for r in rows}:  # each team's chain numbered 1, 2, 3 ...
        numbers = [r["n"] for r in rows if r["team"] == team]
        assert numbers == list(range(1, len(numbers) + 1)), team
    assert {r["team"] for r in rows} >= {"Team Nord", ""}
    bob_id = bob.store.get("device_id")
    pulls = [r for r in rows if r["action"] == "pull" and r["actor_id"] == bob_id]
    assert any(case_id in json.loads(r["subjects"]).get("cases", []) for r in pulls)
    pushes = [r for r in rows if r["action"] == "push"]
    assert any(note.id in json.loads(r["subjects"]).get("notes", []) for r in pushes)
    assert sum(json.loads(r["detail"]).get("applied", 0) for r in pushes) > 50

    verified = audit(server, "verify")
    assert verified.returncode == 0, verified.stderr
    assert f"Audit trail intact: {len(rows)} rows" in verified.stdout
    # who received the case, found by its number: bob's pulls, alice's pushes of it
    listed = audit(server, "--case", number)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split("\t")[:4] == ["Row", "Time (UTC)", "Actor", "Action"]
    assert any(f"device:{bob_id}\tpull" in line for line in lines)
    assert any("\tpush\t" in line and "notes 1" in line for line in lines)
    german = audit(server, "--team", "Team Nord", "--from", "2026-01-01", lang="de")
    assert german.stdout.splitlines()[0].startswith("Zeile\t")

    # no demo name, case number or note in the trail: the trail alone in a file, scanned raw
    # (the Auskunft's own output names its file, which carries the case number: not the trail)
    told = listed.stdout + german.stdout + verified.stdout + caplog.text + retention.stdout
    assert [w for w in words if w in told] == []
    alone = tmp_path / "trail-alone.db"
    with sqlite3.connect(alone) as copy:
        copy.execute(f"CREATE TABLE audit_trail ({', '.join(rows[0])})")
        copy.executemany(f"INSERT INTO audit_trail VALUES ({', '.join('?' for _ in rows[0])})",
                         [tuple(r.values()) for r in rows])
    assert files_holding(tmp_path, [w.encode() for w in words],
                         skip=[*tmp_path.glob("*.kdb*"), *tmp_path.glob("dsb/*"),
                               *tmp_path.glob("server.db*")]) == []
    if server.db_url.startswith("sqlite"):
        # the server's own file: VACUUM INTO a copy, every table but the trail dropped
        path = Path(server.db_url.removeprefix("sqlite:///"))
        shrunk = tmp_path / "scan" / "server-trail.db"
        shrunk.parent.mkdir()
        with sqlite3.connect(path) as conn:
            conn.execute(f"VACUUM INTO '{shrunk}'")
        with sqlite3.connect(shrunk) as conn:
            conn.execute("PRAGMA secure_delete = ON")
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                        " AND name <> 'audit_trail'").fetchall():
                conn.execute(f"DROP TABLE {name}")
        with sqlite3.connect(shrunk) as conn:
            conn.execute("VACUUM")
        assert files_holding(shrunk.parent, [w.encode() for w in words]) == []
        shutil.rmtree(shrunk.parent)


def test_who_received_a_purged_case_is_found_by_its_number(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    """``audit --case NUMBER`` after the case was purged: the server keeps only a keyed hash of
    the number (``purged.case_key``), and the listing finds the case and the records purged
    with it by that. Before (review of 2026-12-07) it listed 0 rows, while the same case asked
    by its id listed the pushes and the pulls that delivered it."""
    from kimdesk.vault.purge import PurgeOrder, purge_cases

    alice, bob = make_device(server, "alice"), make_device(server, "bob")
    fill(alice.vault, 6, seed=11)
    case = alice.vault.cases.where()[0]
    note = alice.vault.notes.add(Note(case_id=case.id, text="Audit-Notiz-Purge"))
    alice.sync()
    bob.sync()
    bob_id = bob.store.get("device_id")
    purge_cases(alice.vault, [case.id], PurgeOrder(legal_basis="Art. 17 DSGVO",
                                                   ordered_by="anna"))
    alice.sync()
    for args in ((), ("--team", "Team Nord")):
        listed = audit(server, "--case", case.case_number, *args)
        assert listed.returncode == 0, listed.stderr
        lines = listed.stdout.splitlines()
        assert any(f"device:{bob_id}\tpull" in line for line in lines), listed.stdout
        assert any("\tpush\t" in line for line in lines), listed.stdout
        assert case.case_number not in listed.stdout
    # another team's number is not this case
    assert audit(server, "--case", case.case_number, "--team", "Team Süd").stdout.endswith(
        "0 rows.\n")
    assert note.id


def test_the_push_that_purged_a_case_names_what_it_purged(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    """A device's deletion purges the case on the server; that push's row names the records it
    purged (as the Löschfrist run's row does), so ``--case`` shows who deleted the case and
    when. Before (review of 2026-12-07) the row named the deletion record only and counted
    ``purged``: the case's listing ended with the pulls, the deletion was not in it."""
    from kimdesk.vault.purge import PurgeOrder, purge_cases

    alice = make_device(server, "alice")
    fill(alice.vault, 4, seed=12)
    alice.sync()
    case = alice.vault.cases.where()[0]
    purge_cases(alice.vault, [case.id], PurgeOrder(legal_basis="Art. 17 DSGVO",
                                                   ordered_by="anna"))
    alice.sync()
    rows = [r for r in trail(server) if r["action"] == "push"
            and json.loads(r["detail"])["purged"] > 0]
    assert len(rows) == 1
    named = json.loads(rows[0]["subjects"])
    assert case.id in named["cases"] and len(named["deletions"]) >= 1
    for ident in (case.id, case.case_number):
        listed = audit(server, "--case", ident).stdout
        assert any(line.split("\t")[0] == str(rows[0]["seq"]) for line in listed.splitlines())
