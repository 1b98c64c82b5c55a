"""``kimdesk server audit --staff ID`` (docs/deployment.md, "Staff"): the data-protection
officer's and the IT admin's question "what did the devices of staff member X do, and when were
they added or deactivated?", end to end: the real command in its own process, a real server on
127.0.0.1, real vaults, on SQLite and PostgreSQL. Every test here failed before the option
existed (argparse: "unrecognized arguments", two lines of usage, exit 2)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from kimdesk.domain.models import Person
from kimdesk.server.db import make_engine
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, enroll
from tests.server.test_staff import add_staff, audit_rows, code_for, kimdesk, ok

NAMES = {"anna": "Anna Staffprobe-Auditlist", "ben": "Ben Staffprobe-Auditlist"}


def two_working_colleagues(db_url: str, make_vault: Any) -> dict[str, str]:
    """Anna and Ben of Team Nord with a device each, and a device without a staff member; each
    pushes a person and pulls the others' (two rounds); then Anna is deactivated (her device
    revoked) and Ben's device is revoked on its own. Their ids by name (and ``"team"``: a
    staff member of Team Süd)."""
    ids = {who: add_staff(db_url, "Team Nord", name) for who, name in NAMES.items()}
    ids["süd"] = add_staff(db_url, "Team Süd", "Cem Staffprobe-Auditlist")
    plain = ok("server", "enroll-code", "--team", "Team Nord", "--db", db_url)
    vaults = {who: make_vault(f"{who}.kdb", counselor=f"c-{who}") for who in
              ("anna", "ben", "plain")}
    with EmbeddedServer(db_url) as server:
        for who, v in vaults.items():
            code = (plain.strip().splitlines()[-1] if who == "plain"
                    else code_for(db_url, "Team Nord", ids[who]))
            enroll(v, server.url, code, device_name=f"Laptop {who}")
            v.people.add(Person(given_name=f"Klient {who}", family_name="Test"))
        engines = [SyncEngine(v) for v in vaults.values()]
        try:
            for _ in range(2):  # the second round pulls the colleagues' records
                for engine in engines:
                    engine.sync()
        finally:
            for engine in engines:
                engine.close()
    ok("server", "staff", "deactivate", ids["anna"], "--db", db_url)
    # Ben's laptop revoked on its own (lost, say): an act about him too
    database = make_engine(db_url)
    try:
        with database.connect() as conn:
            laptop = conn.execute(text("SELECT id FROM devices WHERE staff_id = :s"),
                                  {"s": ids["ben"]}).scalar_one()
    finally:
        database.dispose()
    ok("server", "revoke", str(laptop), "--db", db_url)
    return ids


def theirs(row: Any, member: str) -> bool:
    """The rule the listing must follow, read from the stored row itself."""
    detail, named = json.loads(row.detail), json.loads(row.subjects)
    return detail.get("staff") == member or member in named.get("staff", [])


def listed(db_url: str, *args: str, lang: str = "en") -> tuple[list[int], str]:
    """The seqs ``audit`` listed with ``args``, and its whole output."""
    out = kimdesk("server", "audit", *args, "--db", db_url, lang=lang)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    lines = out.stdout.splitlines()
    assert lines[-1].startswith(f"{len(lines) - 2} "), lines  # "N rows.", in any language
    return [int(line.split("\t")[0]) for line in lines[1:-1]], out.stdout + out.stderr


def test_staff_lists_their_devices_rows_and_the_rows_about_them_only(
        db_url: str, make_vault: Any, tmp_path: Path) -> None:
    ids = two_working_colleagues(db_url, make_vault)
    anna, ben = ids["anna"], ids["ben"]
    rows = audit_rows(db_url)
    actions = {r.action for r in rows if theirs(r, anna)}
    # the setup did what the test needs: Anna's whole story, and rows of Ben and of no one
    assert actions == {"staff_add", "enroll_code", "enroll", "push", "pull", "revoke",
                       "staff_deactivate"}
    # a device revoked on its own is listed with its staff member's rows (before, only a
    # deactivation's revokes were)
    assert "revoke" in {r.action for r in rows if theirs(r, ben)}
    assert any(r.action == "push" and "staff" not in json.loads(r.detail) for r in rows)
    outputs: list[str] = []

    def expected(member: str, team: str | None = None) -> list[int]:
        """Read before each listing: the listings before it are rows about the member too."""
        return [int(r.seq) for r in audit_rows(db_url)
                if theirs(r, member) and team in (None, r.team)]

    seqs, out = listed(db_url, "--staff", anna.upper())  # as typed: any case
    outputs.append(out)
    assert seqs == [int(r.seq) for r in rows if theirs(r, anna)]
    assert ben not in out and f'"staff": "{anna}"' in out

    # combined with the other filters (AND)
    now = expected(anna, "Team Nord")
    seqs, out = listed(db_url, "--staff", anna, "--team", "Team Nord")
    outputs.append(out)
    assert seqs == now and "audit_read" not in out  # the first listing: the server's chain
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    now = expected(anna)
    seqs, out = listed(db_url, "--staff", anna, "--from", yesterday)
    outputs.append(out)
    # like --case: an earlier listing of her rows is an access about her, listed with them
    assert seqs == now and out.count("audit_read") == 2
    seqs, out = listed(db_url, "--staff", anna, "--from", "2000-01-01", "--to", "2000-01-02")
    outputs.append(out)
    assert seqs == []
    now = expected(ben)
    seqs, out = listed(db_url, "--staff", ben, lang="de")
    outputs.append(out)
    assert seqs == now and seqs == [int(r.seq) for r in rows if theirs(r, ben)]
    assert anna not in out

    # reading the trail is logged: whether a staff filter was used, and whom it named among
    # the row's subjects (detail.staff is the staff member acting: a device's rows)
    plain, out = listed(db_url, "--team", "Team Nord")
    outputs.append(out)
    read_rows = [r for r in audit_rows(db_url) if r.action == "audit_read"]
    reads = [json.loads(r.detail) for r in read_rows]
    assert [d["staff"] for d in reads] == [True, True, True, True, True, False]
    assert [json.loads(r.subjects).get("staff") for r in read_rows] == [
        [anna], [anna], [anna], [anna], [ben], None]
    assert [d["team"] for d in reads] == [None, "Team Nord", None, None, None, "Team Nord"]
    assert set(expected(anna, "Team Nord")) <= set(plain)

    _no_display_name_anywhere(db_url, outputs, tmp_path)


def _no_display_name_anywhere(db_url: str, outputs: list[str], tmp_path: Path) -> None:
    """A byte scan: the display names are in the ``staff`` table and nowhere else: not in the
    audit command's output, not in the trail's rows, and (SQLite) not anywhere in the server's
    file once the ``staff`` table's rows are taken out of a copy of it."""
    forms = [f.encode(enc) for name in NAMES.values() for enc in ("utf-8", "utf-16-le")
             for f in (name, name.split()[-1])] + [b"Staffprobe"]
    scanned = [o.encode() for o in outputs]
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            trail = list(conn.execute(text("SELECT * FROM audit_trail")))
            assert len(trail) > 20
            scanned += [repr(tuple(r)).encode() for r in trail]
            # the scan reads what it should: the names are in the staff table
            assert b"Staffprobe" in repr(list(conn.execute(text("SELECT * FROM staff")))).encode()
    finally:
        engine.dispose()
    if db_url.startswith("sqlite"):
        copy = tmp_path / "scan.db"
        with closing(sqlite3.connect(make_url(db_url).database or "")) as source, \
                closing(sqlite3.connect(copy)) as target:
            source.backup(target)  # a consistent copy, the WAL's pages included
            # no WAL for the copy: the vacuumed file is the whole database once closed
            target.execute("PRAGMA journal_mode=DELETE")
            target.execute("DELETE FROM staff")
            target.commit()
            target.execute("VACUUM")  # the deleted rows' pages go
        assert not Path(f"{copy}-wal").exists()
        whole = copy.read_bytes()
        assert b"Laptop anna" in whole  # the scan reads the file's records
        scanned.append(whole)
    for blob in scanned:
        for form in forms:
            assert form not in blob


def test_an_unknown_or_blank_staff_id_is_one_translated_line(db_url: str) -> None:
    nord = add_staff(db_url, "Team Nord", "Anna Beispiel")
    before = audit_rows(db_url)
    unknown = str(uuid.uuid4())
    cases = [
        (["--staff", unknown], unknown),  # no staff member of this server
        (["--staff", "Anna"], "Anna"),  # not an id: names are never looked up
        (["--staff", " "], "--staff"),  # blank: would list every row
        (["--staff", ""], "--staff"),
        (["--staff", nord, "--team", "Team Süd"], nord),  # of another team
    ]
    for args, named in cases:
        out = kimdesk("server", "audit", *args, "--db", db_url, lang="de")
        lines = out.stderr.strip().splitlines()
        assert out.returncode == 2 and out.stdout == "", (args, out)
        assert len(lines) == 1 and lines[0].startswith("kimdesk: "), (args, out.stderr)
        assert named in lines[0] and "Traceback" not in out.stderr
        english = kimdesk("server", "audit", *args, "--db", db_url, lang="en")
        assert english.returncode == 2 and lines[0] != english.stderr.strip(), lines[0]
    # nothing was read, so nothing was logged as read
    assert len(audit_rows(db_url)) == len(before)


@pytest.mark.parametrize("lang", ["de", "ar", "fa", "tr", "uk", "ru"])
def test_the_new_option_and_refusals_are_said_in_every_language(lang: str) -> None:
    from kimdesk.i18n import gettext, set_language

    said = ["only rows of this staff member (an id from \"kimdesk server staff list\"): their "
            "devices' and the administrators' about them",
            "--staff needs a staff id.",
            "Staff member {id} belongs to team {their_team}, not to {team}."]
    try:
        set_language(lang)
        assert all(gettext(s) != s for s in said)
    finally:
        set_language("en")
