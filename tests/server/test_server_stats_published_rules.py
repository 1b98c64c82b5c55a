"""The server's protection of a re-export and of the next period equals the device's in the
cases docs/statistics.md ("Published exports") names: two exports of one period at different
thresholds (3 then 5, 5 then 3), suppression then cell-key and back, a month then the quarter
holding it, Q3 then Q2 (exported out of order). Each export goes out through ``kimdesk server
stats``; a vault holding the union of the teams' records records the same exports, and before
each export the server's report equals the vault's (cell by cell, in its pattern and its
re-export warning). The last export of each sequence comes after a late entry. Where the
device has a documented limit (a month and its quarter are not linked; P exported before P−1
is protected by P−1's base pattern), the server shares it: these tests show it is the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kimdesk.server.embedded import EmbeddedServer
from kimdesk.server.stats import Selection, report_for_server
from kimdesk.stats import Period, Report, report_for_vault
from kimdesk.stats.published import digest, record_export, record_of
from tests.server.test_server_stats import _home, assert_same, kreis, union_vault
from tests.server.test_server_stats_published_faults import _late_entry
from tests.sync.helpers import Device
from tests.test_cli import run

__all__ = ["kreis"]  # the fixture, imported for the tests below

Q2, Q3, JULY = Period.quarter(2026, 2), Period.quarter(2026, 3), Period.month(2026, 7)
Step = tuple[Period, str, int]
SEQUENCES: dict[str, list[Step]] = {
    "3-then-5": [(Q3, "suppression", 3), (Q3, "suppression", 5)],
    "5-then-3": [(Q3, "suppression", 5), (Q3, "suppression", 3)],
    "suppression-cellkey-suppression": [(Q3, "suppression", 3), (Q3, "cell-key", 3),
                                        (Q3, "suppression", 3)],
    "month-then-quarter": [(JULY, "suppression", 3), (Q3, "suppression", 3)],
    "q3-then-q2": [(Q3, "suppression", 3), (Q2, "suppression", 3)],
}


def _export(db_url: str, tmp_path: Path, n: int, step: Step) -> Any:
    period, method, min_cell = step
    limit = ("--min-cell", str(min_cell)) if method == "suppression" else ()
    return run("server", "stats", "--db", db_url, "--from", period.start.isoformat(), "--to",
               period.end.isoformat(), "-o", str(tmp_path / "out" / f"{n}.json"),
               "--method", method, *limit, passphrase=None, **_home(tmp_path))


def _recorded_digests(server: EmbeddedServer) -> list[str]:
    from sqlalchemy import text

    with server.service.engine.connect() as conn:
        return [str(d) for (d,) in conn.execute(
            text("SELECT digest FROM stats_exports ORDER BY seq"))]


def _check(server: EmbeddedServer, vault: Any, db_url: str, tmp_path: Path, n: int,
           step: Step) -> Report:
    """The server's report of ``step`` against the vault's, then the export; the report."""
    period, method, min_cell = step
    ours = report_for_server(server.service.engine, period, min_cell, Selection(),
                             server_id="s", method=method)
    if method == "suppression":  # a cell-key export's noise is each one's own secret's
        theirs = report_for_vault(vault, period, min_cell)
        assert_same(ours, theirs)
        assert (ours.reexport is None) == (theirs.reexport is None), n
        if ours.reexport is not None and theirs.reexport is not None:
            assert ours.reexport.differing == theirs.reexport.differing
            assert ours.reexport.earlier == theirs.reexport.earlier
    res = _export(db_url, tmp_path, n, step)
    assert res.returncode == 0, res.stderr
    assert ("this period was exported before" in res.stderr) == (ours.reexport is not None)
    # the command recorded what this report publishes
    assert _recorded_digests(server)[-1] == digest(record_of(ours)["published"])
    return ours


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_the_server_protects_as_a_vault_that_recorded_the_same_exports(
        name: str, server: EmbeddedServer, kreis: list[Device], make_vault: Any, db_url: str,
        tmp_path: Path) -> None:
    *earlier, last = SEQUENCES[name]
    union = union_vault(make_vault, kreis)
    published: list[Report] = []
    for n, step in enumerate(earlier):
        published.append(_check(server, union, db_url, tmp_path, n, step))
        record_export(union, published[-1], "json")  # what the server published
    _late_entry(kreis[0])
    twin = union_vault(lambda _name, **kw: make_vault("twin.kdb", **kw), kreis)
    for report in published:
        record_export(twin, report, "json")
    _check(server, twin, db_url, tmp_path, len(earlier), last)
    assert len(_recorded_digests(server)) == len(SEQUENCES[name])


def test_the_record_holds_aggregates_only(
        server: EmbeddedServer, kreis: list[Device], make_vault: Any, db_url: str,
        tmp_path: Path) -> None:
    """What the server keeps of its exports: no name, case number, id or free text in the
    record or the export's audit rows, nor in any file the command leaves (the output folder,
    its HOME); every position a suppression export's record holds a count of is a cell its
    file shows. (The server's database file itself holds the synced records, names included,
    by design: the scan is of what this feature writes.)"""
    import json

    from sqlalchemy import text

    from tests.rawscan import files_holding
    from tests.stats.test_exports import find_leaks, person_strings

    for n, step in enumerate([(Q2, "suppression", 3), (Q3, "suppression", 3),
                              (Q3, "cell-key", 3)]):
        assert _export(db_url, tmp_path, n, step).returncode == 0
    _late_entry(kreis[0])
    assert _export(db_url, tmp_path, 3, (Q3, "suppression", 5)).returncode == 0
    union = union_vault(make_vault, kreis)
    secrets = person_strings(union.conn)
    assert len(secrets) > 500
    with server.service.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM stats_exports ORDER BY seq")).all()
        audit = conn.execute(text("SELECT subjects, detail FROM audit_trail"
                                  " WHERE action = 'stats_export'")).all()
    assert len(rows) == 4 and len(audit) == 8  # two teams counted, four exports
    stored = " ".join(str(v) for row in [*rows, *audit] for v in row)
    assert find_leaks(stored, secrets) == []
    for row in rows:
        record = json.loads(row.record)
        assert set(record) == {"version", "period", "withheld", "case_tables", "published",
                               "counts"}
        shown = {(t, r, c) for t, listed in record["published"].items() for r, c, _ in listed}
        counted = {(t, r, c) for t, listed in record["counts"].items() for r, c, _ in listed}
        if row.method == "suppression":  # cell-key publishes a count of 1 or 2 as 0 at times
            assert counted <= shown, row.seq
    long_ones = [s.encode() for s in secrets if len(s) >= 6]
    assert files_holding(tmp_path / "out", long_ones) == []
    assert files_holding(tmp_path / "home", long_ones) == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"{n}.json" for n in range(4)]  # no temporary file left
