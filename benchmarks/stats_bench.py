"""Statistics speed on a 100,000-case vault: the full indicator set with disclosure control for a
reporting period (goal: <= 1 s), compared in the same run with the bare SQL aggregation it rests
on (per-municipality GROUP BY counts: no distinct people, no margins, no suppression).

    .venv/bin/python benchmarks/stats_bench.py [--cases 100000] [--repeat 5]

Generating the demo vault takes a minute or two; it is cached in
``/tmp/kimdesk-stats-bench/<cases>.kdb`` (passphrase "bench") and reused. Both sides read through
the same reader connection (256 MiB page cache, :data:`kimdesk.stats.READER_CACHE_KIB`) after one
warm-up run each; medians are printed, with the ratio full / bare SQL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kimdesk.stats import READER_CACHE_KIB, Period, build_report
from kimdesk.stats.cellkey import vault_secret
from kimdesk.stats.disclosure import protect
from kimdesk.stats.indicators import compute
from kimdesk.vault.statsqueries import StatsQueries

PASSPHRASE = "bench"
GOAL_S = 1.0


def vault_file(cases: int) -> Path:
    from kimdesk.demo.generator import fill
    from kimdesk.vault import Vault

    folder = Path(os.environ.get("KIMDESK_BENCH_DIR", "/tmp/kimdesk-stats-bench"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{cases}.kdb"
    if not path.exists():
        print(f"generating {cases} demo cases into {path} (cached for later runs) ...", flush=True)
        part = folder / f"{cases}.part.kdb"
        for stale in folder.glob(f"{cases}.part.kdb*"):
            stale.unlink()
        t = time.perf_counter()
        with Vault.create(part, PASSPHRASE, counselor="bench", team="Team Nord") as v:
            fill(v, cases, seed=1)
        os.replace(part, path)
        print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds (the CPU time of this process: SQLCipher runs
    in-process, so it counts, while other processes competing for the cores do not)."""
    fn()  # warm-up: page cache, code lists, CLDR data
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from kimdesk.vault import Vault

    vault = Vault.open(vault_file(args.cases), PASSPHRASE)
    db, cases_db = (StatsQueries.reader(vault, READER_CACHE_KIB) for _ in range(2))
    n_cases = vault.cases.count()
    today = date.today()
    periods = [("year", Period.year(today.year - 1)),
               ("quarter", Period.last_full_quarter(today)),
               ("month", Period.month(Period.last_full_quarter(today).end.year,
                                      Period.last_full_quarter(today).end.month))]
    print(f"vault: {n_cases} cases; {os.cpu_count()} CPUs; load average "
          f"{os.getloadavg()[0]:.2f}; median of {args.repeat}")
    print("seconds as wall / CPU")
    print(f"{'period':<8} {'bare SQL':>13} {'indicators':>13} {'protect':>13} {'full':>13} "
          f"{'full/SQL':>13} {'goal':>5} {'protect@10':>13} {'cell-key':>13}")
    secret = vault_secret(vault)
    worst = (0.0, 0.0)
    bare_of: dict[str, tuple[float, float]] = {}
    for name, period in periods:
        bare = median_time(partial(db.baseline, period.start, period.end), args.repeat)
        bare_of[name] = bare
        tables = compute(db, period, cases_db)
        ind = median_time(partial(compute, db, period, cases_db), args.repeat)
        prot = median_time(partial(protect, tables, 3), args.repeat)
        full = median_time(partial(build_report, db, period, 3, cases_db=cases_db),
                           args.repeat)
        report = build_report(db, period, 3, cases_db=cases_db)
        prot10 = median_time(partial(protect, tables, 10), args.repeat)
        keyed = median_time(partial(build_report, db, period, cases_db=cases_db,
                                    method="cell-key", secret=secret), args.repeat)
        worst = (max(worst[0], full[0]), max(worst[1], full[1]))

        def pair(x: tuple[float, float]) -> str:
            return f"{x[0]:.3f}/{x[1]:.3f}"

        ratio = f"{full[0] / bare[0]:.2f}/{full[1] / bare[1]:.2f}x"
        print(f"{name:<8} {pair(bare):>13} {pair(ind):>13} {pair(prot):>13} {pair(full):>13} "
              f"{ratio:>13} {'ok' if min(full) <= GOAL_S else 'MISS':>5} "
              f"{pair(prot10):>13} {pair(keyed):>13}"
              f"   ({len(report.protection.primary)} primary, "
              f"{len(report.protection.secondary)} secondary)")
    print(f"worst full indicator set: {worst[0]:.3f} s wall, {worst[1]:.3f} s CPU "
          f"(goal <= {GOAL_S:.1f} s); load average now {os.getloadavg()[0]:.2f}")
    for reader in (db, cases_db):
        reader.close()
    vault.close()
    recorded(vault_file(args.cases), periods, args.repeat, bare_of)
    return 0


def recorded(path: Path, periods: list[tuple[str, Period]], repeat: int,
             bare_of: dict[str, tuple[float, float]]) -> None:
    """The full indicator set once the period before is recorded as published
    (:mod:`kimdesk.stats.published`: no case count of the two periods before, no protection of
    the one before), on a throwaway copy of the cached vault, which stays as it was."""
    from kimdesk.stats.published import record_export
    from kimdesk.vault import Vault

    copy = path.with_name(f"{path.stem}.recorded.kdb")
    shutil.copy(path, copy)
    try:
        with Vault.open(copy, PASSPHRASE) as vault, \
                StatsQueries.reader(vault, READER_CACHE_KIB) as db, \
                StatsQueries.reader(vault, READER_CACHE_KIB) as cases_db:
            print("with the period before recorded as published (kimdesk.stats.published):")
            for name, period in periods:
                before = period.previous()
                assert before is not None
                record_export(vault, build_report(db, before, 3, cases_db=cases_db), "json")
                full = median_time(partial(build_report, db, period, 3, cases_db=cases_db),
                                   repeat)
                bare = bare_of[name]
                print(f"{name:<8} full {full[0]:.3f}/{full[1]:.3f}, full/SQL "
                      f"{full[0] / bare[0]:.2f}/{full[1] / bare[1]:.2f}x "
                      f"{'ok' if min(full) <= GOAL_S else 'MISS'}")
    finally:
        for leftover in path.parent.glob(f"{copy.name}*"):
            leftover.unlink()


if __name__ == "__main__":
    sys.exit(main())
