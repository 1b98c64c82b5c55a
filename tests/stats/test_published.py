"""What each export published, kept in the vault (docs/statistics.md, "Published exports"): the
export of the next period is protected against the pattern actually published, not against the
base pattern recomputed for it, and a second export of a period after an edit warns and shows
no small change against the first.

Before (the base pattern, 2026-12-07): over 30 consecutive demo months the joint linear
programme over each pair of exports pinned 39 (seed 7) and 41 (seed 11) suppressed active
counts of the earlier export exactly, all numbers that its own flow pass had added.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from kimdesk.stats import Period, Report, build_report
from kimdesk.stats.disclosure import protect
from kimdesk.stats.export import document
from kimdesk.stats.published import as_published, record_export, record_of
from kimdesk.vault.statsqueries import StatsQueries
from tests.conftest import PASSPHRASE
from tests.rawscan import files_holding
from tests.stats.attack import joint_bounds
from tests.stats.test_link import _cases, _person

MUNICIPALITIES = ("Avenwedde", "Borgholz", "Clarholz")


def _narrow(before: tuple[Any, Any], after: tuple[Any, Any], k: int = 3) -> list[Any]:
    """The suppressed numbers of either export that the two together narrow below ``k``
    (checking that the truth lies inside every interval; ``enough=k``: LPs only where the
    possible tables found so far do not already show a quantity ``k`` wide)."""
    out = []
    for (side, key), (lo, hi) in joint_bounds(before, after, enough=k).items():
        truth = (before if side == "before" else after)[1].values[key].value
        assert lo - 1e-6 <= truth <= hi + 1e-6, (side, key, lo, hi, truth)
        if hi - lo < k - 1e-6:
            out.append((side, key, lo, hi))
    return out


def test_the_next_month_is_protected_against_what_was_published() -> None:
    """January: 10, 12 and 15 active cases in three municipalities, nobody left. February: one
    person came to the first, three each to the others; its flow pass against January
    suppresses the opened 1 and, to protect it, the active cases of two municipalities (its
    base pattern has the opened cases alone). March: 3, 4 and 5 came. Protected against
    February's base pattern, March suppressed nothing and the two exports together pinned
    February's active cases (11, 15 and the Kreis's 44) exactly; protected against February as
    recorded, nothing of either is narrower than 3."""
    jan = [_cases({"A": 0, "B": 0, "C": 0}, {"A": 10, "B": 12, "C": 15}, {"A": 0, "B": 0, "C": 0})]
    feb = [_cases({"A": 1, "B": 3, "C": 3}, {"A": 11, "B": 15, "C": 18}, {"A": 0, "B": 0, "C": 0})]
    mar = [_cases({"A": 3, "B": 4, "C": 5}, {"A": 14, "B": 19, "C": 23}, {"A": 0, "B": 0, "C": 0})]
    feb_published = protect(feb, 3, None, (jan, protect(jan, 3)))
    assert ("@active", "A") in feb_published.suppressed - feb_published.levels[3]
    # the code before: March against February's base pattern (the levels, no flow pass)
    old = protect(mar, 3, None, (feb, feb_published))
    pinned = {key for side, key, lo, hi in _narrow((feb, feb_published), (mar, old))
              if hi - lo < 1e-6}
    assert pinned == {("@active", "A"), ("@active", "B"), ("@active", "total")}
    # now: against the record of February's export
    record = record_of(Report(Period.month(2026, 2), feb, feb_published, date(2026, 3, 1)))
    json.dumps(record)  # what the vault keeps is plain JSON
    new = protect(mar, 3, None, as_published([record], [3]))
    assert new.suppressed and new.withheld == set()
    assert _narrow((feb, feb_published), (mar, new)) == []


def _kimdesk(*args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIMDESK_")}
    env.update(KIMDESK_LANG=lang, KIMDESK_PASSPHRASE=PASSPHRASE)
    return subprocess.run([sys.executable, "-m", "kimdesk.cli", *args], capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=300)


def _month_vault(make_vault: Any) -> Any:
    """The three months above as cases in a vault (one category for everybody)."""
    vault = make_vault()
    i = 0
    for month, counts in ((11, (10, 12, 15)), (2, (1, 3, 3)), (3, (3, 4, 5))):
        for municipality, n in zip(MUNICIPALITIES, counts, strict=True):
            for _ in range(n):
                opened = date(2025 if month == 11 else 2026, month, 3)
                _person(vault, i, "duldung", "SY", "male", opened, municipality)
                i += 1
    return vault


def _stats(vault_path: Path, month: int, out: Path, lang: str = "en"
           ) -> subprocess.CompletedProcess[str]:
    period = Period.month(2026, month)
    return _kimdesk("stats", "--vault", str(vault_path), "--from", period.start.isoformat(),
                    "--to", period.end.isoformat(), "-o", str(out), lang=lang)


def test_exports_from_the_command_line_are_recorded_and_protect_the_next(
        make_vault: Any, tmp_path: Path) -> None:
    """The same three months as cases, exported with ``kimdesk stats``: each export is recorded
    in the vault (the files hold nothing of the record), March's export is protected against
    February's as published, and the two files together narrow nothing below 3."""
    vault = _month_vault(make_vault)
    path = Path(vault.path)
    vault.close()
    for month in (1, 2, 3):
        result = _stats(path, month, tmp_path / f"m{month}.json")
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""  # no warning: each period exported once
    from kimdesk.vault import Vault

    with Vault.open(path, PASSPHRASE) as vault:
        db = StatsQueries.of(vault)
        rows = [db.exports_of(Period.month(2026, m).start, Period.month(2026, m).end)
                for m in (1, 2, 3)]
        assert [len(r) for r in rows] == [1, 1, 1]
        assert rows[2][0].method == "suppression" and rows[2][0].min_cell == 3
        feb, mar = (build_report(db, Period.month(2026, m), 3) for m in (2, 3))
        names = {v for row in vault.conn.execute("SELECT given_name, family_name FROM persons")
                 for v in row}
    for month, report in ((2, feb), (3, mar)):  # what the files hold, recomputed
        written = json.loads((tmp_path / f"m{month}.json").read_text("utf-8"))
        assert written["tables"] == document(report)["tables"]
    cases = {"cases", "active_by_gender", "active_by_age"}
    found = _narrow(([t for t in feb.tables if t.id in cases], feb.protection),
                    ([t for t in mar.tables if t.id in cases], mar.protection))
    assert found == []
    # the record lies in the encrypted vault only: not in an export, not in the clear anywhere
    record = rows[1][0]
    needles = [record.digest.encode(), record.record[:60].encode(), b'"counts":{',
               *(n.encode() for n in names if len(n) > 3)]  # 3 bytes: chance
    assert files_holding(tmp_path, needles) == []


def test_a_second_export_after_an_edit_warns_and_shows_no_small_change(
        make_vault: Any, tmp_path: Path) -> None:
    """February exported, then a late entry (one more person in Avenwedde in February), then
    February exported again: the command says so on stderr, in German too, and the second
    file keeps every "." of the first and shows no number that moved by 1 or 2."""
    vault = _month_vault(make_vault)
    path = Path(vault.path)
    vault.close()
    assert _stats(path, 2, tmp_path / "first.json").returncode == 0
    again = _stats(path, 2, tmp_path / "same.json")
    assert again.returncode == 0 and again.stderr == ""  # the same numbers again: no warning
    from kimdesk.vault import Vault

    with Vault.open(path, PASSPHRASE) as vault:
        _person(vault, 500, "par24", "UA", "female", date(2026, 2, 20), "Avenwedde")
    second = _stats(path, 2, tmp_path / "second.json")
    assert second.returncode == 0, second.stderr
    assert "Statistics written" in second.stdout
    assert "exported before" in second.stderr and "Traceback" not in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    german = _stats(path, 2, tmp_path / "third.json", lang="de")
    assert "bereits" in german.stderr and "Traceback" not in german.stderr
    first, later = (json.loads((tmp_path / f"{n}.json").read_text("utf-8"))
                    for n in ("first", "second"))
    small: list[tuple[Any, ...]] = []
    for t1, t2 in zip(first["tables"], later["tables"], strict=True):
        old = {r["municipality"]: r["values"] for r in t1["rows"]}
        for row in t2["rows"]:
            for c, v in row["values"].items():
                was = old.get(row["municipality"], {}).get(c, 0)
                if was == "." and isinstance(v, int) and v > 0:
                    small.append((t2["id"], row["municipality"], c, "published now"))
                if isinstance(v, int) and isinstance(was, int) and 1 <= abs(v - was) <= 2:
                    small.append((t2["id"], row["municipality"], c, v - was))
    assert small == []
    with Vault.open(path, PASSPHRASE) as vault:
        feb = Period.month(2026, 2)
        assert len(StatsQueries.of(vault).exports_of(feb.start, feb.end)) == 4


def test_consecutive_demo_months_as_published(demo_vault: Any) -> None:
    """Twelve consecutive demo months, each exported (recorded) before the next is computed:
    the joint attacker over each pair narrows no suppressed number of either export below 3
    but the ones ``Protection.determined`` lists (secondary numbers of P that P-1's export
    and a published 0 give anyway; never exported). Before (base pattern): 11 numbers of P-1
    (active cases its own flow pass added) narrower, all pinned."""
    db = StatsQueries.of(demo_vault)
    today = date.today()
    reports = []
    for m in range(1, 13):
        report = build_report(db, Period.month(today.year - 1, m), 3)
        record_export(demo_vault, report, "json")
        reports.append(report)
    narrow = []
    for before, after in itertools.pairwise(reports):
        for side, key, lo, hi in _narrow((before.tables, before.protection),
                                         (after.tables, after.protection)):
            if not (side == "after" and key in after.protection.determined):
                narrow.append((after.period.label, side, key, lo, hi))
    assert narrow == []
    assert all("cases" not in r.protection.withheld for r in reports)
