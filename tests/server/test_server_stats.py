"""The Kreis statistics from the server (``kimdesk server stats``, docs/planned.md section 5):
three vaults of two teams sync through a real server on 127.0.0.1; the server's report equals,
cell by cell and in its suppression pattern, the report of one vault holding the union of their
records (imported through the vault's own repositories, not through the server's projection).
On SQLite and PostgreSQL. The command's files hold no name, id or free text, and bad input is
one translated line with exit code 2."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from kimdesk.demo.generator import fill
from kimdesk.domain.models import Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.server.stats import Selection, UnknownMunicipality, UnknownTeam, report_for_server
from kimdesk.stats import Period, Report, report_for_vault
from kimdesk.stats.export import document
from kimdesk.vault.intake import open_case_for_new_person
from kimdesk.vault.statsprojection import KINDS
from kimdesk.vault.sync.records import synced_repositories
from tests.rawscan import files_holding
from tests.stats.test_exports import file_text, find_leaks, person_strings
from tests.sync.helpers import Device
from tests.test_cli import run

#: (device, team, demo seed): two teams, one with two counselors
VAULTS = (("anna", "Team Nord", 11), ("ben", "Team Nord", 12), ("cem", "Team Süd", 13))
CASES = 60
PERIODS = (Period.year(2026), Period.quarter(2026, 3), Period.month(2026, 11))

Keep = Callable[[str, dict[str, Any]], bool]


@pytest.fixture
def kreis(server: EmbeddedServer, make_device: Any) -> list[Device]:
    """Three vaults with demo cases, synced; one case of the first deleted (a tombstone on the
    server, which no statistic counts)."""
    devices = []
    for name, team, seed in VAULTS:
        device = make_device(server, name, team=team)
        fill(device.vault, CASES, seed=seed)
        devices.append(device)
    first = devices[0].vault
    first.cases.delete(first.cases.where()[0].id)
    for device in devices:
        device.sync()
        assert device.store.pending_count() == 0
    return devices


def union_vault(make_vault: Any, devices: Iterable[Device], keep: Keep | None = None) -> Any:
    """One vault holding every statistics record of ``devices`` (those ``keep`` lets through:
    it is given a consultation's or referral's case), written by the vault's own
    repositories."""
    vault = make_vault("union.kdb", counselor="Kreis", team="")
    repos = synced_repositories(vault)
    # a team's devices pull each other's records: each record once
    records = list({(k, i): (k, d) for device in devices
                    for k, i, d in device.store.iter_records()}.values())
    cases = {d["id"]: d for k, d in records if k == "cases"}
    with vault.transaction():
        for kind in KINDS:
            model = repos[kind].model
            repos[kind].insert_many(
                model.model_validate(d | {"revision": 1, "pending": False})
                for k, d in records
                if k == kind and (keep is None or keep(kind, d if kind not in (
                    "consultations", "referrals") else cases.get(d["case_id"], {}))))
    return vault


def assert_same(server: Report, vault: Report) -> None:
    """Equal cell by cell (values and the people they rest on), equal pattern, equal export."""
    assert [t.id for t in server.tables] == [t.id for t in vault.tables]
    for s, v in zip(server.tables, vault.tables, strict=True):
        assert (s.rows, s.columns) == (v.rows, v.columns), s.id
        assert s.cells == v.cells, s.id
    assert server.protection.primary == vault.protection.primary
    assert server.protection.secondary == vault.protection.secondary
    assert server.protection.withheld == vault.protection.withheld
    assert document(server)["tables"] == document(vault)["tables"]


def test_the_server_counts_what_one_vault_of_the_union_counts(
        server: EmbeddedServer, kreis: list[Device], make_vault: Any) -> None:
    union = union_vault(make_vault, kreis)
    engine = server.service.engine
    for period in PERIODS:
        for k in (3, 5):
            ours = report_for_server(engine, period, k, Selection(), server_id="s")
            assert_same(ours, report_for_vault(union, period, k))
    year = report_for_server(engine, PERIODS[0], 3, Selection(), server_id="s")
    assert sum(cell.value for cell in year.table("cases").cells.values()) > CASES
    assert year.source == {"kind": "server", "server_id": "s",
                           "teams": ["Team Nord", "Team Süd"], "municipalities": []}
    assert any("counts in each" in line for line in document(year)["disclosure"]["statement"])
    device = document(report_for_vault(union, PERIODS[0], 3))
    assert device["source"] == {"kind": "vault", "server_id": None, "teams": []}
    assert device["format_version"] == 1


def test_one_team_and_one_municipality_count_as_a_vault_of_just_those(
        server: EmbeddedServer, kreis: list[Device], make_vault: Any) -> None:
    engine = server.service.engine
    period = PERIODS[0]
    nord = report_for_server(engine, period, 3, Selection(teams=["Team Nord"]), server_id="s")
    assert nord.source is not None and nord.source["teams"] == ["Team Nord"]
    # a selection is marked for internal use: the Kreis minus it singles out people
    # (docs/statistics.md, "Differencing two selections"); the whole Kreis is not
    assert nord.internal and not report_for_server(engine, period, 3, Selection(),
                                                    server_id="s").internal
    assert_same(nord, report_for_vault(union_vault(make_vault, kreis[:2]), period, 3))



def test_one_municipality_counts_as_a_vault_of_its_cases(
        server: EmbeddedServer, kreis: list[Device], make_vault: Any) -> None:
    engine = server.service.engine
    towns = sorted({str(d["municipality"]) for device in kreis
                    for k, _i, d in device.store.iter_records() if k == "cases"})
    assert len(towns) > 1
    town = towns[0]

    def keep(kind: str, data: dict[str, Any]) -> bool:
        return kind == "persons" or data.get("municipality") == town

    alone = union_vault(make_vault, kreis, keep)
    for period in PERIODS[:2]:
        only = report_for_server(engine, period, 3, Selection(municipalities=[town]),
                                 server_id="s")
        assert_same(only, report_for_vault(alone, period, 3))


def test_an_unknown_team_or_municipality_is_refused(
        server: EmbeddedServer, kreis: list[Device]) -> None:
    engine = server.service.engine
    with pytest.raises(UnknownTeam) as team:
        report_for_server(engine, PERIODS[0], 3, Selection(teams=["Team Ost"]), server_id="s")
    assert "Team Nord, Team Süd" in team.value.translated()
    with pytest.raises(UnknownMunicipality):
        report_for_server(engine, PERIODS[0], 3, Selection(municipalities=["Atlantis"]),
                          server_id="s")


def test_cell_keys_are_the_servers_and_stay_when_records_are_added(
        server: EmbeddedServer, kreis: list[Device]) -> None:
    """One secret per server, created once; a person's record key does not depend on the
    order the records are read in or on who joined since (the projection's seq is the id's)."""
    from kimdesk.server.stats import cell_key_secret

    engine = server.service.engine
    secret = cell_key_secret(engine)
    assert cell_key_secret(engine) == secret and len(secret) == 32
    period = Period.year(2025)  # the new cases below are opened today, in 2026
    before = report_for_server(engine, period, 3, Selection(), server_id="s", method="cell-key")
    for n in range(3):  # opened today, after the period
        open_case_for_new_person(kreis[2].vault, Person(given_name=f"Neu{n}",
                                                        family_name="Zugang"), {})
    kreis[2].sync()
    after = report_for_server(engine, period, 3, Selection(), server_id="s", method="cell-key")
    assert before.protection.perturbed == after.protection.perturbed


# -- the command ---------------------------------------------------------------------------------
def _home(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"), "TMPDIR": str(home)}


def test_the_command_writes_every_format_without_a_name_id_or_free_text(
        server: EmbeddedServer, kreis: list[Device], make_vault: Any, db_url: str,
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = _home(tmp_path)
    for fmt in ("csv", "json", "xlsx", "pdf"):
        res = run("server", "stats", "--db", db_url, "--from", "2026-01-01", "--to",
                  "2026-12-31", "-o", str(out / f"kreis.{fmt}"), passphrase=None, **env)
        assert res.returncode == 0, res.stderr
        assert res.stderr == ""
    doc = json.loads((out / "kreis.json").read_text("utf-8"))
    assert doc["format_version"] == 1
    assert doc["source"]["kind"] == "server" and doc["source"]["teams"] == ["Team Nord",
                                                                             "Team Süd"]
    union = union_vault(make_vault, kreis)
    secrets = person_strings(union.conn)
    assert len(secrets) > 500
    long_ones = [s.encode() for s in secrets if len(s) >= 6]
    assert files_holding(out, long_ones) == []
    assert files_holding(Path(env["HOME"]), long_ones) == []
    for path in out.iterdir():
        assert find_leaks(file_text(path), secrets) == [], path
    # each export in the server's audit trail, a row per team counted, no figure or name
    with server.service.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT team, subjects, detail FROM audit_trail WHERE"
                                    " action = 'stats_export' ORDER BY seq").all()
    assert [r[0] for r in rows] == ["Team Nord", "Team Süd"] * 4
    assert all('"period":"2026-01-01..2026-12-31"' in r[2] for r in rows), rows[0]
    assert [s for r in rows for s in secrets if len(s) >= 6 and s in f"{r[1]}{r[2]}"] == []
    assert sorted(p.name for p in out.iterdir()) == [f"kreis.{f}" for f in
                                                      ("csv", "json", "pdf", "xlsx")]
    assert all(os.stat(p).st_mode & 0o077 == 0 for p in out.iterdir())


@pytest.mark.parametrize(("args", "words"), [
    (["--from", "2026-12-31", "--to", "2026-01-01"], ["ends before it starts"]),
    (["--team", "Team Ost", "--internal", ""], ["Team Ost", "Team Nord"]),
    (["--municipality", "Atlantis", "--internal", ""], ["Atlantis"]),
    (["--team", "Team Nord"], ["internal use only", "--internal"]),  # differencing: below
    (["--municipality", "Anytown"], ["internal use only", "--internal"]),
    (["-o", "/proc/kimdesk/x.json"], ["/proc/kimdesk/x.json"]),
    (["-o", "@folder.json"], ["Cannot write", "folder.json"]),
    (["-o", "@a-file/k.json"], ["Cannot write", "k.json"]),
])
def test_bad_input_is_one_translated_line_and_exit_code_2(
        sqlite_server: EmbeddedServer, make_device: Any, tmp_path: Path, args: list[str],
        words: list[str]) -> None:
    device = make_device(sqlite_server, "anna", team="Team Nord")
    fill(device.vault, 3, seed=1)
    device.sync()
    base = {"--from": "2026-01-01", "--to": "2026-12-31", "-o": str(tmp_path / "k.json")}
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "a-file").write_text("")  # root may write anywhere: a path under a file
    given = {key: value.replace("@", f"{tmp_path}/")
             for key, value in zip(args[::2], args[1::2], strict=True)}
    argv = [x for key, value in (base | given).items() for x in (key, value) if x]
    said = {}
    for lang in ("en", "de"):
        res = run("server", "stats", "--db", sqlite_server.db_url, *argv, passphrase=None,
                  lang=lang, **_home(tmp_path))
        assert res.returncode == 2, res.stderr
        assert "Traceback" not in res.stderr
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, res.stderr
        said[lang] = res.stderr
        for word in words:
            assert word in said["en"], said["en"]
    assert said["de"] != said["en"]  # translated
    assert not (tmp_path / "k.json").exists()


def test_a_purge_on_the_server_leaves_past_figures_as_they_were(
        server: EmbeddedServer, kreis: list[Device]) -> None:
    """The server's purge writes the device's statistical remains in its transaction: the
    figures of every period stay what they were (docs/planned.md section 5, "Must never
    happen"). Cases without a structural gap (a purged case's gap then counts for itself, on the
    device too: docs/statistics.md)."""
    from kimdesk.server import db, subject_access
    from kimdesk.vault.purge import PurgeOrder, purge_cases, purge_person

    engine = server.service.engine
    anna = kreis[0].vault
    gapped = {g.case_id for g in anna.gaps.where() if g.case_id}
    by_person: dict[str, list[Any]] = {}
    for case in anna.cases.where():
        by_person.setdefault(case.person_id, []).append(case)
    free = [p for p, cases in by_person.items()
            if all(c.id not in gapped and not c.deleted for c in cases)]
    person, stays = free[0], free[1]  # purged whole; keeps a new case, loses the old ones
    anna.cases.open_case(stays)
    kreis[0].sync()
    periods = (*PERIODS, Period.year(2025))
    before = [report_for_server(engine, p, 3, Selection(), server_id="s") for p in periods]
    order = PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="anna")
    gone = [*by_person[stays], *(c for p in free[2:5] for c in by_person[p])]
    purge_cases(anna, [c.id for c in gone], order)
    purge_person(anna, person, order)
    kreis[0].sync()
    with engine.connect() as conn:
        kept = conn.execute(db.stats_remains_cases.select()).all()
        assert conn.execute(db.purged.select().where(db.purged.c.kind == "cases")).all()
        # a living person's remains are theirs: in the server's Auskunft (Art. 15)
        theirs = subject_access.collect(conn, "Team Nord", stays)["statistical_remains"]
        assert sorted(r["opened"] for r in theirs["cases"]) == sorted(
            c.opened_on.isoformat()[:7] for c in by_person[stays])
        assert set(theirs["cases"][0]) == {
            "municipality", "opened", "closed", "closure_reason", "duration", "birth_month",
            "birth_year", "gender", "region", "residence_status", "rechtskreise",
            "handlungsfelder"}
    assert len(kept) >= 5
    assert any(row.person < 0 for row in kept)  # the purged person's: unlinked
    after = [report_for_server(engine, p, 3, Selection(), server_id="s") for p in periods]
    for old, new in zip(before, after, strict=True):
        assert_same(new, old)


@pytest.mark.parametrize("span", [("0001-01-01", "0001-12-31"),
                                  ("0001-01-01", "9999-12-31", "--internal"),
                                  ("0002-01-01", "0002-12-31")])
def test_a_period_at_the_calendars_first_day_is_written_not_a_traceback(
        sqlite_server: EmbeddedServer, make_device: Any, tmp_path: Path,
        span: tuple[str, ...]) -> None:
    """The period before the year 1 does not exist: the link rule then has none to protect
    against. Before (review of 2026-12-07) ``Period.previous`` subtracted a day from 0001-01-01
    and the command (and the device's ``kimdesk stats``) ended in an OverflowError traceback."""
    device = make_device(sqlite_server, "anna", team="Team Nord")
    fill(device.vault, 3, seed=1)
    device.sync()
    assert Period.year(1).previous() is None and Period.year(2).previous() == Period.year(1)
    out = tmp_path / "k.json"
    res = run("server", "stats", "--db", sqlite_server.db_url, "--from", span[0], "--to",
              span[1], *span[2:], "-o", str(out), passphrase=None, **_home(tmp_path))
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert json.loads(out.read_text("utf-8"))["format_version"] == 1
