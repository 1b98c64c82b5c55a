"""Sync throughput on loopback, and the long run of the stateful property test.

    .venv/bin/python benchmarks/sync_bench.py [--records 10000] [--incremental 1000]
        [--db URL] [--stateful-examples 200]

Figures (goal from issue 5: push 10k changed case records of ~1 KB and pull them into a second
vault in <= 3 s together; PouchDB -> express-pouchdb took 5.5-8 s for the same volume on this
machine kind, and 0.33 s for an incremental push of 1k changes):

1. initial: 10k new cases (~1 KB each; their persons synced beforehand) pushed by A, pulled by B;
2. changed: all 10k cases changed on A, pushed, pulled by B;
3. incremental: 1k changed cases pushed by A.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kimdesk.domain.models import Case, Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.vault import Vault

POUCH_FULL = (5.5, 8.0)
POUCH_INCREMENTAL = 0.33
GOAL_FULL = 3.0


def _filler(rng: random.Random, size: int) -> str:
    words = ["Termin", "Jobcenter", "Sprachkurs", "Anerkennung", "Wohnung", "Kita", "Beratung",
             "Ausländerbehörde", "Integrationskurs", "Unterlagen", "nachreichen", "begleitet"]
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < size:
        out.append(rng.choice(words))
    return " ".join(out)[:size]


def build(vault: Vault, n: int, rng: random.Random) -> list[str]:
    persons = []
    cases = []
    for i in range(n):
        p = Person(given_name="Test", family_name="Demir", phone=str(i), revision=1)
        persons.append(p)
        cases.append(Case(case_number=f"2025-BENCH-{i:06d}", person_id=p.id, owner="bench",
                          team="Team Nord", opened_on=date(2025, 1, 1),
                          referral_source=_filler(rng, 700), revision=1))
    with vault.transaction():
        vault.people.insert_many(persons)
    return [c.model_dump_json() for c in cases]


def insert_cases(vault: Vault, cases_json: list[str]) -> None:
    with vault.transaction():
        vault.cases.insert_many(Case.model_validate_json(c) for c in cases_json)


def change_cases(vault: Vault, rng: random.Random, limit: int | None = None) -> int:
    rows = vault.conn.execute(
        "SELECT id FROM cases ORDER BY seq" + (f" LIMIT {int(limit)}" if limit else "")
    ).fetchall()
    with vault.transaction():
        vault.conn.executemany(
            "UPDATE cases SET referral_source = ?, revision = revision + 1, pending = 1"
            " WHERE id = ?",
            [(_filler(rng, 700) + str(uuid.uuid4()), r[0]) for r in rows],
        )
    return len(rows)


SERVER_SECONDS = [0.0]


def _instrument_server() -> None:
    """Count the time spent inside the server's push/pull handlers (same process)."""
    from kimdesk.server import service

    for name in ("push_json", "pull_json"):
        original = getattr(service.SyncService, name)

        def wrapper(self, *a, _original=original, **k):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return _original(self, *a, **k)
            finally:
                SERVER_SECONDS[0] += time.perf_counter() - start

        setattr(service.SyncService, name, wrapper)


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    """Wall time, the CPU time of this process (client and in-process server together: less
    sensitive to other load on the machine) and the part spent in the server's handlers."""
    SERVER_SECONDS[0] = 0.0
    cpu = time.process_time()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    print(f"  {label:<44} {seconds:7.2f} s   (cpu {cpu:5.2f} s, server {SERVER_SECONDS[0]:5.2f} s)",
          flush=True)
    return seconds, result


def throughput(args: argparse.Namespace) -> None:
    _instrument_server()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_url = args.db or f"sqlite:///{folder / 'server.db'}"
        if args.db and args.db.startswith("postgresql"):
            from tests.sync.helpers import reset_pg

            reset_pg(args.db)
        server = EmbeddedServer(db_url).start()
        try:
            a = Vault.create(folder / "a.kdb", "bench", counselor="a", team="Team Nord")
            b = Vault.create(folder / "b.kdb", "bench", counselor="b", team="Team Nord")
            for v in (a, b):
                enroll(v, server.url, server.service.create_enroll_code("Team Nord"))
            ea, eb = SyncEngine(a), SyncEngine(b)
            cases = build(a, args.records, rng)
            print(f"server: {db_url.split(':')[0]}, {args.records} cases; load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
            timed("setup: persons pushed by A", ea.sync)
            timed("setup: persons pulled by B", eb.sync)
            insert_cases(a, cases)
            size = len(a.conn.execute("SELECT referral_source FROM cases LIMIT 1").fetchone()[0])
            print(f"  (case record ~{size + 300} bytes as JSON)")
            print("1. initial: new cases")
            t1, _ = timed("push by A", ea.sync)
            t2, r = timed("pull by B", eb.sync)
            assert r.pulled == args.records, r
            total_new = t1 + t2
            print(f"  {'push + pull':<44} {total_new:7.2f} s   goal {GOAL_FULL} s: "
                  f"{'met' if total_new <= GOAL_FULL else 'NOT met'}; PouchDB/ours "
                  f"{POUCH_FULL[0] / total_new:.1f}-{POUCH_FULL[1] / total_new:.1f}x")
            print("2. changed: every case edited on A")
            change_cases(a, rng)
            t1, _ = timed("push by A", ea.sync)
            t2, r = timed("pull by B", eb.sync)
            assert r.pulled == args.records, r
            total = t1 + t2
            print(f"  {'push + pull':<44} {total:7.2f} s   goal {GOAL_FULL} s: "
                  f"{'met' if total <= GOAL_FULL else 'NOT met'}; PouchDB/ours "
                  f"{POUCH_FULL[0] / total:.1f}-{POUCH_FULL[1] / total:.1f}x")
            print(f"3. incremental: {args.incremental} changed cases")
            change_cases(a, rng, args.incremental)
            t3, _ = timed("push by A", ea.sync)
            print(f"  ratio to PouchDB's {POUCH_INCREMENTAL} s: {t3 / POUCH_INCREMENTAL:.2f}x")
            timed("pull by B", eb.sync)
            for e in (ea, eb):
                e.close()
            a.close()
            b.close()
        finally:
            server.stop()


def stateful(examples: int, steps: int) -> None:
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    from tests.sync.stateful import SyncMachine, close_shared_server

    start = time.perf_counter()
    try:
        run_state_machine_as_test(
            SyncMachine,
            settings=settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                              suppress_health_check=list(HealthCheck)),
        )
    finally:
        close_shared_server()
    print(f"stateful sync property: {examples} examples x up to {steps} steps passed in "
          f"{time.perf_counter() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--incremental", type=int, default=1_000)
    parser.add_argument("--db", default=None, help="server database URL (default: SQLite)")
    parser.add_argument("--stateful-examples", type=int, default=0,
                        help="also run the stateful property this long (e.g. 200)")
    parser.add_argument("--stateful-steps", type=int, default=50)
    args = parser.parse_args()
    throughput(args)
    if args.stateful_examples:
        stateful(args.stateful_examples, args.stateful_steps)


if __name__ == "__main__":
    main()
