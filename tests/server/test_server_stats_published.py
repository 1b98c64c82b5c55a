"""The server records what its statistics exports published and protects a re-export and the
next period against it, as the device does (kimdesk/server/published.py, revision 0010;
docs/statistics.md, "Statistics from the server"). Checked against the device's own rules: a
vault holding the union of the teams' records that recorded the same exports gives, cell by
cell and in its suppression pattern, the same reports. On SQLite and PostgreSQL."""

from __future__ import annotations

import errno
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kimdesk.domain.models import Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.server.stats import Selection, report_for_server
from kimdesk.stats import Period, report_for_vault
from kimdesk.stats.published import digest, record_export, record_of
from kimdesk.vault.intake import open_case_for_new_person
from tests.server.test_server_stats import _home, assert_same, kreis, union_vault
from tests.sync.helpers import Device
from tests.test_cli import run

__all__ = ["kreis"]  # the fixture, imported for the tests below

Q2, Q3 = Period.quarter(2026, 2), Period.quarter(2026, 3)


def _export(db_url: str, tmp_path: Path, period: Period, name: str, *args: str) -> Any:
    return run("server", "stats", "--db", db_url, "--from", period.start.isoformat(), "--to",
               period.end.isoformat(), "-o", str(tmp_path / "out" / name), *args,
               passphrase=None, **_home(tmp_path))


def _recorded(server: EmbeddedServer) -> list[Any]:
    with server.service.engine.connect() as conn:
        return conn.execute(text("SELECT period_from, period_to, method, min_cell, format,"
                                 " digest FROM stats_exports ORDER BY seq")).all()


def test_a_second_export_after_an_edit_warns_and_keeps_the_earlier_pattern(
        server: EmbeddedServer, kreis: list[Device], make_vault: Any, db_url: str,
        tmp_path: Path) -> None:
    first = _export(db_url, tmp_path, Q3, "q3.json")
    assert first.returncode == 0 and first.stderr == "", first.stderr
    union = union_vault(make_vault, kreis)
    published = report_for_vault(union, Q3, 3)
    # a late entry: a new client of the first team, opened in August like one of its cases
    anna = kreis[0]
    model = next(c for c in anna.vault.cases.where() if Q3.start <= c.opened_on <= Q3.end)
    open_case_for_new_person(anna.vault, Person(given_name="Spät", family_name="Eintrag"),
                             {"opened_on": date(2026, 8, 10), "municipality": model.municipality,
                              "rechtskreise": model.rechtskreise})
    anna.sync()
    second = _export(db_url, tmp_path, Q3, "q3-again.json")
    assert second.returncode == 0, second.stderr
    assert "this period was exported before" in second.stderr  # said as the device says it
    assert [r.format for r in _recorded(server)] == ["json", "json"]

    # the device's twin: the union after the edit, with the first export recorded
    twin = union_vault(lambda _name, **kw: make_vault("twin.kdb", **kw), kreis)
    record_export(twin, published, "json")
    theirs = report_for_vault(twin, Q3, 3)
    ours = report_for_server(server.service.engine, Q3, 3, Selection(), server_id="s")
    assert ours.reexport is not None and theirs.reexport is not None
    assert ours.reexport.differing == theirs.reexport.differing > 0
    assert_same(ours, theirs)  # the earlier pattern kept, the small changes suppressed


def test_the_next_period_is_protected_against_what_the_server_published(
        server: EmbeddedServer, kreis: list[Device], make_vault: Any, db_url: str,
        tmp_path: Path) -> None:
    res = _export(db_url, tmp_path, Q2, "q2.csv", "--format", "csv")
    assert res.returncode == 0, res.stderr
    union = union_vault(make_vault, kreis)
    q2 = report_for_vault(union, Q2, 3)
    rows = _recorded(server)
    assert [(r.period_from, r.period_to, r.method, r.min_cell, r.format) for r in rows] == [
        ("2026-04-01", "2026-06-30", "suppression", 3, "csv")]
    assert rows[0].digest == digest(record_of(q2)["published"])  # what the file published
    record_export(union, q2, "csv")
    assert_same(report_for_server(server.service.engine, Q3, 3, Selection(), server_id="s"),
                report_for_vault(union, Q3, 3))


def test_internal_exports_are_not_recorded_and_a_failed_rename_takes_the_record_back(
        server: EmbeddedServer, kreis: list[Device], db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import kimdesk.vault.files as files
    from kimdesk.errors import FileError
    from kimdesk.server.published import publish

    for args in (("--internal",), ("--team", "Team Nord", "--internal")):
        assert _export(db_url, tmp_path, Q3, "internal.json", *args).returncode == 0
    assert _recorded(server) == []
    report = report_for_server(server.service.engine, Q3, 3, Selection(), server_id="s")
    seen: list[int] = []

    def refuse(src: Any, dst: Any) -> None:
        seen.append(len(_recorded(server)))  # committed when the rename is tried
        raise OSError(errno.EIO, "Input/output error", str(src))

    def audit(conn: Any, withdrawn: bool) -> None:
        conn.execute(text("SELECT 1"))
        calls.append(withdrawn)

    calls: list[bool] = []
    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(FileError):
        publish(server.service.engine, report, tmp_path / "gone" / "q3.json", "json", audit)
    monkeypatch.setattr(files.os, "replace", os.replace)
    assert seen == [1] and _recorded(server) == [] and calls == [False, True]
    assert not any((tmp_path / "gone").iterdir())
