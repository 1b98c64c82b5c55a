"""The audit trail cannot be rewritten unnoticed, and an action whose row cannot be written
does not happen (kimdesk/server/audit_trail.py), on SQLite and PostgreSQL.

- UPDATE and DELETE of a row are refused by triggers; on PostgreSQL a role with only INSERT and
  SELECT (docs/deployment.md, "The audit trail") cannot DELETE, UPDATE or TRUNCATE either.
- Past the triggers (an owner who drops them), ``kimdesk server audit verify`` finds a row
  altered through raw SQL and a row deleted from the middle, in one translated line, exit 1.
  A row deleted from the newest end leaves a valid chain: only the head hash the daily run
  logged finds it (``verify --head``); that run's log line is tested here too.
- A push and a pull page whose audit row fails are not applied / not delivered.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from kimdesk.domain.models import Person
from kimdesk.server import audit_trail, db
from kimdesk.server.db import make_engine
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.server.migrate import upgrade
from kimdesk.server.retention import DailyRetention
from kimdesk.server.service import SyncService
from kimdesk.sync.engine import SyncEngine
from kimdesk.sync.errors import SyncError
from tests.sync.helpers import Device
from tests.test_cli import run


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    service = SyncService(eng)
    for team in ("Team Nord", "Team Süd", "Team Nord", "Team West", "Team Nord"):
        service.create_enroll_code(team)  # five rows
    yield eng
    eng.dispose()


def _raw(engine: Engine, sql: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(sql)


def _without_triggers(engine: Engine) -> None:
    """What an owner of the database can do: the append-only triggers gone."""
    if engine.dialect.name == "postgresql":
        _raw(engine, "ALTER TABLE audit_trail DISABLE TRIGGER USER")
    else:
        _raw(engine, "DROP TRIGGER audit_trail_no_update")
        _raw(engine, "DROP TRIGGER audit_trail_no_delete")


def _seal(engine: Engine) -> str:
    """What the daily run does: a seal row naming every chain's newest row; the head it logs."""
    with engine.begin() as conn:
        audit_trail.seal(conn)
    with engine.connect() as conn:
        return audit_trail.head(conn)[1]


def _verify(engine: Engine, *args: str, lang: str = "en") -> tuple[int, str, str]:
    res = run("server", "audit", "verify", *args, "--db", str(engine.url.render_as_string(
        hide_password=False)), lang=lang)
    assert "Traceback" not in res.stderr
    return res.returncode, res.stdout, res.stderr


def test_rows_cannot_be_changed_or_deleted(engine: Engine) -> None:
    for sql in ("UPDATE audit_trail SET detail = '{}' WHERE seq = 2",
                "DELETE FROM audit_trail WHERE seq = 5"):
        with pytest.raises(DBAPIError, match="append-only"):
            _raw(engine, sql)
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            _raw(engine, "TRUNCATE audit_trail")
    with engine.connect() as conn:
        assert audit_trail.verify(conn).rows == 5


def test_an_altered_row_a_deleted_row_and_a_cut_off_end_are_found(engine: Engine) -> None:
    code, out, _ = _verify(engine)
    assert code == 0 and "Audit trail intact: 5 rows" in out
    with engine.connect() as conn:
        row3 = conn.execute(text("SELECT * FROM audit_trail WHERE seq = 3")).one()
    head = _seal(engine)  # row 6, as the daily run writes it
    _without_triggers(engine)

    _raw(engine, "UPDATE audit_trail SET team = 'Team Ost' WHERE seq = 3")
    code, out, err = _verify(engine)
    assert code == 1 and out == ""
    assert err == ("kimdesk: The audit trail is broken at row 3: the row was changed after "
                   "it was written.\n")
    code, _, err = _verify(engine, lang="de")
    assert code == 1 and "Zeile 3" in err and err.count("\n") == 1
    _raw(engine, "UPDATE audit_trail SET team = 'Team Nord' WHERE seq = 3")
    assert _verify(engine)[0] == 0

    # row 3 is Team Nord's second (a chain per team: 1, 3 and 5): its third, row 5, finds it
    _raw(engine, "DELETE FROM audit_trail WHERE seq = 3")
    code, _, err = _verify(engine)
    assert code == 1 and "broken at row 5: rows before it were deleted" in err
    with engine.begin() as conn:
        conn.execute(db.audit_trail.insert().values(**row3._mapping))
    assert _verify(engine)[0] == 0

    # a team chain's newest row gone: its chain is still valid, the seal before finds it
    _raw(engine, "DELETE FROM audit_trail WHERE seq = 5")
    code, _, err = _verify(engine)
    assert code == 1 and err == ("kimdesk: The audit trail is broken: the daily seal at row 6 "
                                 "names a row of a team's chain that was deleted or rewritten "
                                 "since.\n")
    # the seal gone too: a valid trail of 4 rows; only the head logged before finds it
    _raw(engine, "DELETE FROM audit_trail WHERE seq = 6")
    code, out, _ = _verify(engine)
    assert code == 0 and "Audit trail intact: 4 rows" in out
    code, _, err = _verify(engine, "--head", head)
    assert code == 1 and f"no longer contains the head {head}" in err
    assert "it ends at row 4" in err and err.count("\n") == 1


@pytest.mark.postgres
def test_a_role_with_insert_and_select_only_cannot_delete(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("roles and GRANTs are PostgreSQL's")
    role = f"kimdesk_trail_{uuid.uuid4().hex[:8]}"
    _raw(engine, f"CREATE ROLE {role} NOLOGIN")
    try:
        # as in docs/deployment.md, "The audit trail"
        _raw(engine, f"GRANT USAGE ON SCHEMA public TO {role};"
                     f" GRANT SELECT, INSERT ON audit_trail TO {role};"
                     f" GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
        for sql in ("DELETE FROM audit_trail WHERE seq = 1",
                    "UPDATE audit_trail SET detail = '{}'", "TRUNCATE audit_trail"):
            with engine.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
                conn.exec_driver_sql(f"SET ROLE {role}")
                conn.exec_driver_sql(sql)
        with engine.connect() as conn:  # and it can append
            conn.exec_driver_sql(f"SET ROLE {role}")
            audit_trail.append(conn, audit_trail.Actor.ADMIN, "it", audit_trail.Action.PUBLISH,
                               "")
            conn.commit()
            conn.exec_driver_sql("RESET ROLE")
            conn.commit()  # the pooled connection back as the owner
            assert audit_trail.verify(conn).rows == 6
    finally:
        engine.dispose()  # no pooled session left in the role
        _raw(engine, f"DROP OWNED BY {role}; DROP ROLE {role}")


def _refuse_appends(server: EmbeddedServer, refuse: bool) -> None:
    """A trigger that makes every write of an audit row fail (a full table space, say)."""
    engine = server.service.engine
    if engine.dialect.name == "postgresql":
        _raw(engine, "CREATE OR REPLACE FUNCTION t_refuse() RETURNS trigger LANGUAGE plpgsql"
                     " AS $$ BEGIN RAISE EXCEPTION 'no room'; END $$")
        _raw(engine, "CREATE TRIGGER t_refuse BEFORE INSERT ON audit_trail FOR EACH ROW"
                     " EXECUTE FUNCTION t_refuse()" if refuse else
             "DROP TRIGGER t_refuse ON audit_trail")
    else:
        _raw(engine, "CREATE TRIGGER t_refuse BEFORE INSERT ON audit_trail BEGIN"
                     " SELECT RAISE(ABORT, 'no room'); END" if refuse else
             "DROP TRIGGER t_refuse")


def _count(server: EmbeddedServer, table: str) -> int:
    with server.service.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _fresh(device: Device) -> None:
    """A new sync engine (its own connections): after the server's 500 uvicorn closes the
    connection, and the old engine's next request on it was reset in about 1 of 10 runs (the
    transport's own matter, not the audit trail's)."""
    device.engine.close()
    device.engine = SyncEngine(device.vault)
    device.store = device.engine.store


def test_a_failed_audit_write_fails_the_push_and_the_pull(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    alice = make_device(server, "alice")
    bob = make_device(server, "bob")
    alice.vault.people.add(Person(given_name="Anna", family_name="Audit"))
    rows = _count(server, "audit_trail")
    _refuse_appends(server, True)
    with pytest.raises(SyncError):
        alice.sync()
    assert (_count(server, "records"), _count(server, "batches")) == (0, 0)
    _refuse_appends(server, False)
    _fresh(alice)
    alice.sync()
    assert _count(server, "records") == 1
    _refuse_appends(server, True)
    with pytest.raises(SyncError):
        bob.sync()  # the page was read, its row could not be written: not sent
    assert bob.vault.conn.execute("SELECT count(*) FROM persons").fetchone()[0] == 0
    _refuse_appends(server, False)
    _fresh(bob)
    bob.sync()
    assert [r[0] for r in bob.vault.conn.execute("SELECT family_name FROM persons")] == [
        "Audit"]
    with server.service.engine.connect() as conn:
        result = audit_trail.verify(conn)
    assert result.broken is None and result.rows == rows + 2  # alice's push, bob's page


def test_the_daily_run_logs_the_head_and_nothing_else(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    upgrade(engine)
    SyncService(engine).create_enroll_code("Team Nord")
    caplog.set_level(logging.INFO, logger="kimdesk.server.retention")
    daily = DailyRetention(engine).start()
    try:
        deadline = time.monotonic() + 30  # a bound for a hung thread, not a measurement
        while daily.runs < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        with engine.connect() as conn:
            head = audit_trail.head(conn)
            sealed = audit_trail.read(conn, team="")
    finally:
        daily.stop()
        engine.dispose()
    # the run sealed the trail (its row names Team Nord's one row) and logged that seal
    assert [r.action for r in sealed] == ["seal"] and head[0] == 2
    assert sealed[0].hash == head[1] and [c[:2] for c in sealed[0].detail["chains"]] == [
        ["Team Nord", 1]]
    assert [r.getMessage() for r in caplog.records if r.name == "kimdesk.server.retention"] == [
        f"audit trail head: {head[0]} rows, hash {head[1]}"]


def test_a_mistyped_head_is_a_usage_error_not_a_cut_trail(engine: Engine) -> None:
    """A head copied short from the log (or with a stray character) is the caller's mistake:
    one translated line, exit code 2. Before (review of 2026-12-07) it said "rows at its newest
    end were deleted" with exit code 1, which reads as tampering. A head in capitals, or with
    the blanks a copy from the log brings, is the same hash."""
    head = _seal(engine)
    for typo in (head[:40], head[:-1] + "g", "abc", ""):
        code, out, err = _verify(engine, "--head", typo)
        assert (code, out) == (2, ""), typo
        assert "64 hexadecimal digits" in err and "deleted" not in err, err
    code, _, err = _verify(engine, "--head", "abc", lang="de")
    assert code == 2 and "64 Hexadezimalziffern" in err
    code, out, _ = _verify(engine, "--head", f" {head.upper()} ")
    assert code == 0 and "Audit trail intact: 6 rows" in out


def test_a_missing_database_is_refused_not_verified_as_an_empty_trail(tmp_path: Path) -> None:
    """``--db`` naming no SQLite file (a typo): one translated line, exit code 2, no file made.
    Before (review of 2026-12-07) the command created and migrated an empty database there and
    said "Audit trail intact: 0 rows" with exit code 0."""
    missing = tmp_path / "typo.db"
    for args in (("verify",), ()):
        for lang in ("en", "de"):
            res = run("server", "audit", *args, "--db", f"sqlite:///{missing}", lang=lang)
            assert res.returncode == 2 and res.stdout == "", res.stdout
            assert res.stderr.count("\n") == 1 and str(missing) in res.stderr
            assert "Traceback" not in res.stderr
    assert not missing.exists()


def test_a_trail_rewritten_with_new_hashes_is_found_by_the_logged_head(engine: Engine) -> None:
    """The chain's hash has no key: whoever can write the table past its triggers can change a
    row and compute every later hash again, and ``verify`` alone calls that chain intact (a
    limit, docs/privacy.md). The head logged earlier finds it, and the line says the trail may
    have been rewritten; before (review of 2026-12-07) it said only that rows at the newest end
    were deleted, which with as many rows as before misleads."""
    from kimdesk.domain.auditchain import GENESIS, event_hash

    head = _seal(engine)  # row 6
    _without_triggers(engine)
    _raw(engine, "UPDATE audit_trail SET actor_id = 'someone' WHERE seq = 3")
    _raw(engine, "DELETE FROM audit_trail WHERE seq = 6")  # the seal, written again below
    chains: dict[str, str] = {}
    with engine.begin() as conn:
        for row in conn.execute(text("SELECT * FROM audit_trail ORDER BY seq")).all():
            prev = chains.get(row.team, GENESIS)
            digest = event_hash(prev, audit_trail._content(row))
            conn.execute(text("UPDATE audit_trail SET prev_hash = :p, hash = :h WHERE seq = :s"),
                         {"p": prev, "h": digest, "s": row.seq})
            chains[row.team] = digest
        audit_trail.seal(conn)
    code, out, _ = _verify(engine)
    assert code == 0 and "Audit trail intact: 6 rows" in out  # the limit
    code, _, err = _verify(engine, "--head", head)
    assert code == 1 and "rewritten" in err and "it ends at row 6" in err
    assert err.count("\n") == 1
    code, _, err = _verify(engine, "--head", head, lang="de")
    assert code == 1 and err.count("\n") == 1 and "neu berechnet" in err


def test_a_period_backwards_or_an_empty_case_is_refused_not_listed(tmp_path: Path) -> None:
    """``--from`` after ``--to`` listed 0 rows and an empty ``--case`` every row, both with
    exit code 0 (review of 2026-12-07): a script took either for an answer. Now one translated
    line and exit code 2, checked before the database is opened."""
    for args, said in ((("--from", "2026-12-31", "--to", "2026-01-01"), "ends before it starts"),
                       (("--case", " "), "--case")):
        for lang in ("en", "de"):
            res = run("server", "audit", *args, "--db", f"sqlite:///{tmp_path / 'x.db'}",
                      lang=lang)
            assert res.returncode == 2 and res.stdout == "", res.stdout
            assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
            if lang == "en":
                assert said in res.stderr, res.stderr


def _list(engine: Engine, *args: str) -> tuple[int, str, str]:
    res = run("server", "audit", *args, "--db", str(engine.url.render_as_string(
        hide_password=False)))
    assert "Traceback" not in res.stderr
    return res.returncode, res.stdout, res.stderr


def test_reading_the_trail_is_logged_and_names_no_case_number(engine: Engine) -> None:
    """``kimdesk server audit`` writes a row of its own (before 2026-12-07 reading the trail
    left no trace): who listed, which filter, how many rows; a case by its id when the server
    knows it, never the number as typed. It is written before the listing is shown, and the
    listing does not show it."""
    code, out, _ = _list(engine, "--team", "Team Nord")
    assert code == 0 and out.splitlines()[-1] == "3 rows."
    code, out, _ = _list(engine, "--case", "2026-NO-SUCH-17")
    assert code == 0 and out.splitlines()[-1] == "0 rows."
    with engine.connect() as conn:
        reads = [r for r in audit_trail.read(conn) if r.action == "audit_read"]
        assert audit_trail.verify(conn).broken is None
        raw = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_trail"))
                       for v in row)
    assert [(r.team, r.subjects, r.detail["rows"], r.detail["case"]) for r in reads] == [
        ("Team Nord", {}, 3, False), ("", {}, 0, True)]
    assert "NO-SUCH" not in raw
    if engine.dialect.name != "postgresql":
        return
    # a role that may read but not append (no INSERT): nothing listed, one line, no traceback
    role = f"kimdesk_reader_{uuid.uuid4().hex[:8]}"
    _raw(engine, f"CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA public TO {role};"
                 f" GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    try:
        res = run("server", "audit", "--team", "Team Nord", "--db", str(
            engine.url.set(username=role).render_as_string(hide_password=False)))
        assert res.returncode == 1 and res.stdout == "", res.stdout
        assert res.stderr.count("\n") == 1 and "privilege" in res.stderr, res.stderr
    finally:
        engine.dispose()
        _raw(engine, f"DROP OWNED BY {role}; DROP ROLE {role}")
