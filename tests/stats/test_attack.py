"""The attacks of issue 17 on the demo vault's exports, from the published numbers alone.

1. An LP attacker who knows that a "." is at least 1 (the exports publish their zeros): no
   suppressed number may have a feasible interval narrower than the threshold (the protection
   interval of docs/statistics.md). On the code before issue 17 it pinned 4,335 suppressed cells
   exactly over the 153 demo exports (51 months, quarters and years at 3, 5 and 10).
2. Differencing one period exported at two thresholds: the patterns are nested, so together they
   tell what the lower threshold's export tells, which the attacker of 1. cannot narrow.
3. Differencing two periods one day apart: a span that is not a month, quarter or year cannot be
   exported for publication at all (the period rule); only marked internal exports can.

The LP's bounds are the attacker's best over real numbers; the protection is proven by whole-
number tables (true values plus moves), so an integer (MILP) attacker finds the same widths.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from kimdesk.stats import NotAReportingPeriod, Period, Report, build_report
from kimdesk.stats.disclosure import protect
from kimdesk.stats.export import document
from kimdesk.stats.indicators import compute
from kimdesk.stats.tables import Key, Table
from kimdesk.vault.statsqueries import StatsQueries
from tests.conftest import PASSPHRASE
from tests.stats.attack import bounds, published_in
from tests.stats.conftest import TODAY

THRESHOLDS = (3, 5, 10)


def demo_periods() -> list[Period]:
    """A year, a quarter and a month of the demo data (which ends today)."""
    quarter = Period.last_full_quarter(TODAY)
    return [Period.year(TODAY.year - 1), quarter,
            Period.month(quarter.end.year, quarter.end.month)]


@pytest.fixture(scope="module")
def demo_tables(stats_vault: object) -> dict[str, list[Table]]:
    db = StatsQueries.of(stats_vault)  # type: ignore[arg-type]
    return {p.label: compute(db, p) for p in demo_periods()}


def report(tables: list[Table], period: Period, k: int) -> Report:
    from datetime import date

    return Report(period=period, tables=tables, protection=protect(tables, k),
                  created_on=date.today())


def narrow(found: dict[Key, tuple[float, float]], width: int) -> dict[Key, tuple[float, float]]:
    return {k: b for k, b in found.items() if b[1] - b[0] < width - 1e-6}


@pytest.mark.parametrize("k", THRESHOLDS)
def test_lp_attacker_finds_no_interval_narrower_than_the_threshold(
        demo_tables: dict[str, list[Table]], k: int) -> None:
    for period in demo_periods():
        tables = demo_tables[period.label]
        r = report(tables, period, k)
        p = r.protection
        assert p.primary, "the demo periods should have small cells"
        assert all(p.values[q].value > 0 for q in p.suppressed), "a suppressed zero"
        seen = published_in(tables, document(r))
        found = bounds(tables, p, seen, dots=1, enough=k)  # exact where narrower than k
        assert set(found) == p.suppressed - {q for t in tables if t.id in p.withheld
                                             for q in t.all_keys()}
        leaks = narrow(found, k)
        assert not leaks, (period.label, k, len(leaks), sorted(leaks.items())[:5])
        for key, (lo, hi) in found.items():  # the truth is among the possible values
            assert lo - 1e-6 <= p.values[key].value <= hi + 1e-6


def test_thresholds_are_nested_and_together_tell_no_more(
        demo_tables: dict[str, list[Table]]) -> None:
    """One month at 3 and at 10 (the issue's Herzebrock-Clarholz attack): every "." at 3 is a
    "." at 10, the numbers both publish agree, and the LP over both exports at once leaves every
    cell suppressed in both at least 3 wide."""
    period = demo_periods()[2]
    tables = demo_tables[period.label]
    low, high = (report(tables, period, k) for k in (3, 10))
    seen_low, seen_high = (published_in(tables, document(r)) for r in (low, high))
    merged: dict[Key, int | str] = {}
    for key in seen_low.keys() | seen_high.keys():
        a, b = seen_low.get(key, "."), seen_high.get(key, ".")
        if a == ".":
            assert b == ".", key
        if "." not in (a, b):
            assert a == b, key
        merged[key] = b if a == "." else a
    assert merged == seen_low
    assert low.protection.suppressed <= high.protection.suppressed
    assert low.protection.withheld <= high.protection.withheld
    found = bounds(tables, low.protection, merged, dots=1)
    assert found and not narrow(found, 3)


def test_levels_in_between_are_nested_too(demo_tables: dict[str, list[Table]]) -> None:
    tables = demo_tables[demo_periods()[1].label]
    patterns = [protect(tables, k).suppressed for k in range(1, 11)]
    assert not patterns[0]
    for smaller, larger in itertools.pairwise(patterns):
        assert smaller <= larger


def test_spans_one_day_apart_cannot_be_published(stats_vault: object, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's third attack needs two exports whose periods differ by a day: no two
    reporting periods do, and any other span is refused for publication (API and CLI); with
    --internal it is written, marked for internal use in every format."""
    from datetime import timedelta

    from kimdesk.cli import main

    quarter = demo_periods()[1]
    shorter = Period(quarter.start, quarter.end - timedelta(days=1))
    assert quarter.kind == "quarter" and shorter.kind is None
    db = StatsQueries.of(stats_vault)  # type: ignore[arg-type]
    with pytest.raises(NotAReportingPeriod):
        build_report(db, shorter)
    kinds = [Period.month(2026, m) for m in range(1, 13)] + [
        Period.quarter(2026, q) for q in range(1, 5)] + [Period.year(2026)]
    day = timedelta(days=1)
    for a in kinds:
        for b in kinds:
            assert not (a.start == b.start and abs(a.end - b.end) == day)
            assert not (a.end == b.end and abs(a.start - b.start) == day)

    vault_file = tmp_path / "v.kdb"
    shutil.copy(stats_vault.path, vault_file)  # type: ignore[attr-defined]
    monkeypatch.setenv("KIMDESK_PASSPHRASE", PASSPHRASE)
    args = ["--lang", "en", "stats", "--vault", str(vault_file), "--from",
            shorter.start.isoformat(), "--to", shorter.end.isoformat()]
    out = tmp_path / "span.json"
    capsys.readouterr()
    assert main([*args, "-o", str(out)]) == 2
    assert "Only a month, a quarter or a year" in capsys.readouterr().err
    assert not out.exists()
    for fmt in ("json", "csv", "xlsx"):
        path = tmp_path / f"span.{fmt}"
        assert main([*args, "--internal", "-o", str(path)]) == 0
        from tests.stats.test_exports import file_text

        assert "FOR INTERNAL USE ONLY" in file_text(path), fmt
    from kimdesk.i18n import current_language, set_language

    before = current_language()
    try:
        assert main(["--lang", "de", *args[2:], "-o", str(tmp_path / "de.json")]) == 2
    finally:  # --lang sets the process's language: later tests read English
        set_language(before)
    assert "Nur ein Monat" in capsys.readouterr().err
