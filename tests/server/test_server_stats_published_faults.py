"""``kimdesk server stats`` when the record of a published export cannot be written, or two
exports race (kimdesk/server/published.py; docs/statistics.md, "Statistics from the server"):
no file without its record, one translated line and no traceback, and an export computed
before another one's record was committed is computed again against it. On SQLite and
PostgreSQL; the role without INSERT on PostgreSQL only."""

from __future__ import annotations

import errno
import threading
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from kimdesk.domain.models import Person
from kimdesk.server import published
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.server.stats import Selection, report_for_server
from kimdesk.stats import Period, Report
from kimdesk.stats.disclosure import SUPPRESSED
from kimdesk.stats.published import numbers
from kimdesk.vault.intake import open_case_for_new_person
from tests.server.test_server_stats import _home, assert_same, kreis
from tests.sync.helpers import Device
from tests.test_cli import run

__all__ = ["kreis"]  # the fixture, imported for the tests below

Q3 = Period.quarter(2026, 3)


def _export(db_url: str, tmp_path: Path, name: str, *args: str) -> Any:
    return run("server", "stats", "--db", db_url, "--from", Q3.start.isoformat(), "--to",
               Q3.end.isoformat(), "-o", str(tmp_path / "out" / name), *args,
               passphrase=None, **_home(tmp_path))


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def _exports_audited(engine: Engine) -> int:
    return _count(engine, "SELECT count(*) FROM audit_trail WHERE action = 'stats_export'")


def _out_files(tmp_path: Path) -> list[str]:
    out = tmp_path / "out"
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


def _late_entry(device: Device) -> None:
    """A new client of the device's team, opened in August like one of its cases; synced."""
    model = next(c for c in device.vault.cases.where() if Q3.start <= c.opened_on <= Q3.end)
    open_case_for_new_person(device.vault, Person(given_name="Spät", family_name="Eintrag"),
                             {"opened_on": date(2026, 8, 10), "municipality": model.municipality,
                              "rechtskreise": model.rechtskreise})
    device.sync()


def test_a_trigger_refusing_the_record_leaves_no_file_and_says_so_in_one_line(
        server: EmbeddedServer, kreis: list[Device], db_url: str, tmp_path: Path) -> None:
    engine = server.service.engine
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                              " $$ BEGIN RAISE EXCEPTION 'no exports here'; END $$"))
            conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON stats_exports"
                              " FOR EACH ROW EXECUTE FUNCTION refuse()"))
        else:
            conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON stats_exports"
                              " BEGIN SELECT RAISE(ABORT, 'no exports here'); END"))
    res = _export(db_url, tmp_path, "q3.json")
    assert res.returncode == 1 and res.stdout == "", (res.stdout, res.stderr)
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr, res.stderr
    assert "record" in res.stderr and "no file" in res.stderr, res.stderr
    assert "no exports here" not in res.stderr  # the database's text may quote a value
    assert _out_files(tmp_path) == []  # not the file, not its temporary file
    assert _count(engine, "SELECT count(*) FROM stats_exports") == 0
    assert _exports_audited(engine) == 0
    # an internal export is not recorded, so the trigger does not stand in its way
    assert _export(db_url, tmp_path, "internal.json", "--internal").returncode == 0


@pytest.mark.postgres
def test_a_role_without_insert_on_the_record_leaves_no_file(
        server: EmbeddedServer, kreis: list[Device], db_url: str, tmp_path: Path) -> None:
    engine = server.service.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("roles and GRANTs are PostgreSQL's")
    role = f"kimdesk_stats_{uuid.uuid4().hex[:8]}"
    # docs/deployment.md's GRANTs as run before revision 0010 added the table
    with engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role};"
                          f" GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public"
                          f" TO {role}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role};"
                          f" REVOKE INSERT ON stats_exports FROM {role}"))
    try:
        url = engine.url.set(username=role).render_as_string(hide_password=False)
        res = _export(url, tmp_path, "q3.pdf", "--format", "pdf")
        assert res.returncode == 1 and res.stdout == "", (res.stdout, res.stderr)
        assert res.stderr.count("\n") == 1 and "privilege" in res.stderr, res.stderr
        assert _out_files(tmp_path) == []
        assert _count(engine, "SELECT count(*) FROM stats_exports") == 0
        assert _exports_audited(engine) == 0
    finally:
        engine.dispose()
        with create_engine(db_url).begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}; DROP ROLE {role}"))


def test_a_full_disk_while_writing_leaves_neither_file_nor_record(
        server: EmbeddedServer, kreis: list[Device], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kimdesk.errors import FileError
    from kimdesk.stats import export

    engine = server.service.engine
    report = report_for_server(engine, Q3, 3, Selection(), server_id="s")

    def full(_report: Any, path: Path, _progress: Any) -> None:
        path.write_bytes(b"half a file")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    calls: list[bool] = []
    monkeypatch.setattr(export, "_write_json", full)
    (tmp_path / "out").mkdir()
    with pytest.raises(FileError):
        published.publish(engine, report, tmp_path / "out" / "q3.json", "json",
                          lambda _conn, withdrawn: calls.append(withdrawn))
    assert calls == [] and _out_files(tmp_path) == []
    assert _count(engine, "SELECT count(*) FROM stats_exports") == 0


def test_an_export_computed_before_another_was_recorded_is_computed_again(
        server: EmbeddedServer, kreis: list[Device], db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two exports of Q3 at once: B is computed while A (a large PDF, say) is still being
    written, after a device pushed a late entry; A is recorded, then B. Before, B was
    recorded against what it had read (no record of A): published without the re-export's
    warning and without A's pattern, so a reader holding A and B subtracted the late entry.
    Now B finds a record it was not computed against and is computed again (as if run after
    A), on both backends; on PostgreSQL an advisory lock makes the check and the record one
    step."""
    engine = server.service.engine

    def build() -> tuple[Report, Any]:
        selection = Selection()
        return report_for_server(engine, Q3, 3, selection, server_id="s"), selection.exports

    a_report, a_seen = build()
    _late_entry(kreis[0])
    builds: list[Report] = []
    first = build()

    def b_build() -> tuple[Report, Any]:  # B's first computation is the one from before A
        result = first if not builds else build()
        builds.append(result[0])
        return result

    def audit(_conn: Any, _withdrawn: bool) -> None:
        pass

    (tmp_path / "out").mkdir()
    published.publish(engine, a_report, tmp_path / "out" / "a.json", "json", audit, a_seen)
    b_report, _path = published.publish_current(
        engine, b_build, tmp_path / "out" / "b.json", "json", lambda _r: audit)
    assert len(builds) == 2 and first[0].reexport is None  # computed again, once
    # no number both files publish differs: the late entry is not singled out (before: one
    # number differed by 1, and no warning)
    mine, theirs = numbers(a_report), numbers(b_report)
    assert [k for k in mine if SUPPRESSED not in (mine[k], theirs[k])
            and mine[k] != theirs[k]] == []
    assert b_report.reexport is not None and b_report.reexport.differing > 0
    assert _count(engine, "SELECT count(*) FROM stats_exports") == 2
    # what a run after A computes
    assert_same(b_report, report_for_server(engine, Q3, 3, Selection(), server_id="s"))


def test_two_exports_recording_at_the_same_moment_record_one(
        server: EmbeddedServer, kreis: list[Device], tmp_path: Path) -> None:
    """Both computed against no record, both record at once (a barrier): one is recorded, the
    other finds that record and is refused for computing again (PostgreSQL: under the advisory
    lock; SQLite: under its write lock)."""
    engine = server.service.engine
    selection = Selection()
    report = report_for_server(engine, Q3, 3, selection, server_id="s")
    barrier = threading.Barrier(2)
    outcome: list[str] = []

    def one(name: str) -> None:
        barrier.wait(timeout=60)
        try:
            published.publish(engine, report, tmp_path / "out" / name, "json",
                              lambda _conn, _withdrawn: None, selection.exports)
            outcome.append("recorded")
        except published.RecordedMeanwhile:
            outcome.append("again")

    (tmp_path / "out").mkdir()
    threads = [threading.Thread(target=one, args=(f"{n}.json",)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome) == ["again", "recorded"]
    assert _count(engine, "SELECT count(*) FROM stats_exports") == 1
    assert len(_out_files(tmp_path)) == 1


def test_revision_0010_goes_down_and_up_again(db_url: str) -> None:
    """Down to 0009 the table (and on PostgreSQL its sequence) goes; up again it is there,
    empty, and takes a record: on both backends, twice."""
    from sqlalchemy import inspect

    from kimdesk.server.db import make_engine
    from tests.sync.helpers import migrate_to

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            migrate_to(conn, "0010")
            for _ in range(2):
                conn.execute(text("INSERT INTO stats_exports (period_from, period_to, method,"
                                  " min_cell, exported_at, format, digest, record) VALUES"
                                  " ('2026-07-01', '2026-09-30', 'suppression', 3, 'now',"
                                  " 'json', 'd', '{}')"))
                conn.commit()
                migrate_to(conn, "0009", down=True)
                assert "stats_exports" not in inspect(conn).get_table_names()
                if conn.dialect.name == "postgresql":
                    assert conn.execute(text("SELECT to_regclass('stats_exports_seq_seq')")
                                        ).scalar() is None
                conn.commit()
                migrate_to(conn, "0010")
                assert conn.execute(text("SELECT count(*) FROM stats_exports")).scalar() == 0
                assert [i["name"] for i in inspect(conn).get_indexes("stats_exports")] == [
                    "stats_exports_period"]
    finally:
        engine.dispose()
