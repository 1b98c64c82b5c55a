"""Sync throughput on loopback, against PouchDB in the same run, and the long stateful property run.

    .venv/bin/python benchmarks/sync_bench.py [--records 10000] [--incremental 1000] [--repeat 5]
        [--server process|thread] [--db URL] [--pouchdb | --no-pouchdb] [--latency-ms MS]
        [--stateful-examples 200 [--stateful-steps 50]]

Goals (issue 14), as ratios against PouchDB replicating the same documents in the same run
(medians; ours and PouchDB alternate): push + pull of 10k new and of 10k changed case records of
~1 KB at least 5x faster, an incremental push of 1k at least 2x faster. With ``--db`` the server
runs on PostgreSQL. Each run, with fresh vaults and a fresh server database:

1. initial: 10k new cases (~1 KB each; their persons synced beforehand) pushed by A, pulled by B;
2. changed: every one of the 10k cases edited on A, pushed, pulled by B;
3. incremental: 1k changed cases pushed by A.

``--server process`` (default) runs ``kimdesk server run`` as its own process, as a municipality
runs it (on another machine, in fact); its CPU time is read from the process. With a PostgreSQL
on this machine, its processes' CPU time is read too ("DB CPU"); "CPU floor" is the step's CPU
time of device, server and database summed, over the cores: here the three share the machine,
and no overlap makes a step shorter than that. ``--server thread``
runs the embedded server in this process, as the desktop app does when no server is configured:
client and server then share one interpreter lock, which costs wall time.

The baseline is PouchDB replicating the same documents (same sizes, same steps) between two
LevelDB databases and express-pouchdb on loopback, run in the same session by
``benchmarks/pouchdb/replicate.js`` when Node.js is installed (``npm ci`` in that folder
installs its pinned packages on the first run). Medians of ``--repeat`` runs are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from latency import delaying_proxy
from servers import free_port, wait_until_serving

from kimdesk.domain.models import Case, Person
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.vault import Vault

#: The goals (issue 14) as ratios against PouchDB in the same run: this machine kind's speed moves
#: by up to 3x from day to day, so an absolute time says more about the day than about the code.
VERDICTS = (("push + pull, 10k new", ("push new", "pull new"), 5.0),
            ("push + pull, 10k changed", ("push changed", "pull changed"), 5.0),
            ("incremental push of 1k", ("push 1k",), 2.0))
POUCH_DIR = Path(__file__).resolve().parent / "pouchdb"
STEPS = ("push new", "pull new", "push changed", "pull changed", "push 1k")


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


# -- the server under test -------------------------------------------------------------------------
@dataclass
class Server:
    url: str
    enroll_code: Callable[[str], str]
    cpu_seconds: Callable[[], float]
    #: CPU time of the database's own processes (PostgreSQL on this machine), None if unknown
    db_cpu_seconds: Callable[[], float] | None = None


def database_cpu(db_url: str) -> Callable[[], float] | None:
    """CPU time of every PostgreSQL process on this machine, when the server's database is a
    PostgreSQL on this machine (None for SQLite, which works inside the server process, and
    for a database elsewhere). Device, server and database share this machine's cores in the
    benchmark, so their CPU time summed, over the cores, is the least wall time any overlap of
    them allows (printed as "CPU floor")."""
    from urllib.parse import urlsplit

    import psutil

    if not db_url.startswith("postgresql"):
        return None
    if (urlsplit(db_url).hostname or "localhost") not in ("localhost", "127.0.0.1", "::1"):
        return None

    def seconds() -> float:
        total = 0.0
        for proc in psutil.process_iter(["name"]):
            if (proc.info["name"] or "").startswith("postgres"):
                try:
                    times = proc.cpu_times()
                except psutil.Error:  # ended meanwhile
                    continue
                total += times.user + times.system
        return total

    return seconds


@contextmanager
def server_process(db_url: str) -> Iterator[Server]:
    """``kimdesk server run`` in its own process; enrollment codes from ``kimdesk server
    enroll-code`` (the administrator's commands, as municipal IT runs them)."""
    import psutil

    kimdesk = str(Path(sys.executable).with_name("kimdesk"))
    port = free_port()
    proc = subprocess.Popen([kimdesk, "server", "run", "--db", db_url, "--port", str(port)],
                            stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, url, 30)
        ps = psutil.Process(proc.pid)

        def code(team: str) -> str:
            out = subprocess.run([kimdesk, "server", "enroll-code", "--team", team, "--db",
                                  db_url], capture_output=True, text=True, check=True).stdout
            return out.strip().splitlines()[-1]

        def cpu() -> float:
            times = ps.cpu_times()
            return float(times.user + times.system)

        yield Server(url, code, cpu, database_cpu(db_url))
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def server_thread(db_url: str) -> Iterator[Server]:
    """The embedded server in this process (the app's own when none is configured); its CPU
    share is the time spent in the push and pull handlers."""
    from kimdesk.server import service
    from kimdesk.server.embedded import EmbeddedServer

    spent = [0.0]
    originals = {n: getattr(service.SyncService, n) for n in ("push_json", "pull_json")}
    for name, original in originals.items():
        def timed_handler(self: Any, *a: Any, _original: Any = original, **k: Any) -> Any:
            start = time.thread_time()
            try:
                return _original(self, *a, **k)
            finally:
                spent[0] += time.thread_time() - start

        setattr(service.SyncService, name, timed_handler)
    srv = EmbeddedServer(db_url).start()
    try:
        yield Server(srv.url, srv.service.create_enroll_code, lambda: spent[0],
                     database_cpu(db_url))
    finally:
        srv.stop()
        for name, original in originals.items():
            setattr(service.SyncService, name, original)


# -- one run ------------------------------------------------------------------------------------
@dataclass
class Figure:
    wall: float
    cpu: float  # this process: the client (and the server too with --server thread)
    server_cpu: float
    db_cpu: float | None = None  # the database's processes (PostgreSQL here), None if unknown


def _timed(server: Server, fn: Callable[[], Any]) -> tuple[Figure, Any]:
    db = server.db_cpu_seconds
    d0 = db() if db else 0.0
    s0, c0, t0 = server.cpu_seconds(), time.process_time(), time.perf_counter()
    result = fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return Figure(wall, cpu, server.cpu_seconds() - s0, db() - d0 if db else None), result


def one_run(args: argparse.Namespace, seed: int) -> dict[str, Figure]:
    rng = random.Random(seed)
    figures: dict[str, Figure] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_url = args.db or f"sqlite:///{folder / 'server.db'}"
        if args.db and args.db.startswith("postgresql"):
            from tests.sync.helpers import reset_pg

            reset_pg(args.db)
        serve = server_process if args.server == "process" else server_thread
        with serve(db_url) as server, ExitStack() as stack:
            url = server.url
            if args.latency_ms:
                url = stack.enter_context(
                    delaying_proxy(int(url.rsplit(":", 1)[1]), args.latency_ms))
            a = Vault.create(folder / "a.kdb", "bench", counselor="a", team="Team Nord")
            b = Vault.create(folder / "b.kdb", "bench", counselor="b", team="Team Nord")
            for v in (a, b):
                enroll(v, url, server.enroll_code("Team Nord"))
            ea, eb = SyncEngine(a), SyncEngine(b)
            cases = build(a, args.records, rng)
            ea.sync()
            eb.sync()
            insert_cases(a, cases)
            figures["push new"], _ = _timed(server, ea.sync)
            figures["pull new"], report = _timed(server, eb.sync)
            assert report.pulled == args.records, report
            change_cases(a, rng)
            figures["push changed"], _ = _timed(server, ea.sync)
            figures["pull changed"], report = _timed(server, eb.sync)
            assert report.pulled == args.records, report
            change_cases(a, rng, args.incremental)
            figures["push 1k"], _ = _timed(server, ea.sync)
            eb.sync()
            assert a.conn.execute("SELECT count(*) FROM cases WHERE pending = 1").fetchone()[0] == 0
            for e in (ea, eb):
                e.close()
            a.close()
            b.close()
    return figures


# -- the PouchDB baseline -----------------------------------------------------------------------
def pouchdb_baseline(records: int, incremental: int) -> dict[str, float] | None:
    """PouchDB -> express-pouchdb -> PouchDB with the same documents, or None without Node.js."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        print("PouchDB baseline: no Node.js here (apt install nodejs npm); skipped")
        return None
    if not (POUCH_DIR / "node_modules").exists():
        print("PouchDB baseline: installing its npm packages (once) ...", flush=True)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=POUCH_DIR,
                       check=True)
    out = subprocess.run([node, "replicate.js", str(records), str(incremental)], cwd=POUCH_DIR,
                         capture_output=True, text=True, check=True).stdout
    return {k: float(v) for k, v in json.loads(out.strip().splitlines()[-1]).items()}


# -- report -------------------------------------------------------------------------------------
def throughput(args: argparse.Namespace) -> None:
    delay = f"{args.latency_ms:g} ms each way; " if args.latency_ms else ""
    print(f"server: {args.server}, {(args.db or 'sqlite').split(':')[0]}; {args.records} cases of "
          f"~1 KB; {delay}load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"median of "
          f"{args.repeat}", flush=True)
    # ours and PouchDB alternate, so a change in the machine's speed during the run hits both
    runs: list[dict[str, Figure]] = []
    pouches: list[dict[str, float]] = []
    for seed in range(1, args.repeat + 1):
        runs.append(one_run(args, seed))
        pouch_run = pouchdb_baseline(args.records, args.incremental) if args.pouchdb else None
        if pouch_run:
            pouches.append(pouch_run)

    def median(step: str, field: str) -> float:
        return statistics.median(getattr(r[step], field) for r in runs)

    def pouch_median(steps: tuple[str, ...]) -> float:
        return statistics.median(sum(p[s] for s in steps) for p in pouches)

    with_db = all(r[s].db_cpu is not None for r in runs for s in STEPS)
    cores = os.cpu_count() or 1

    def floor(step: str) -> float:
        """The step's CPU time summed over device, server (their own processes) and database,
        over this machine's cores: no overlap can make the step shorter."""
        return statistics.median(
            ((r[step].cpu + (r[step].server_cpu if args.server == "process" else 0.0)
              + (r[step].db_cpu or 0.0)) / cores) for r in runs)

    print(f"{'step':<14} {'wall s':>7} {'client CPU':>11} {'server CPU':>11} "
          f"{'DB CPU':>7} {'CPU floor':>10} {'PouchDB s':>10} {'PouchDB/ours':>13}")
    for step in STEPS:
        wall = median(step, "wall")
        base = (f"{pouch_median((step,)):10.2f} {pouch_median((step,)) / wall:12.1f}x"
                if pouches else "")
        db = f"{median(step, 'db_cpu'):7.2f}" if with_db else f"{'-':>7}"
        print(f"{step:<14} {wall:7.2f} {median(step, 'cpu'):11.2f} "
              f"{median(step, 'server_cpu'):11.2f} {db} {floor(step):10.2f} {base}")
    print(f"CPU floor: device, server{' and database' if with_db else ''} CPU time summed, over "
          f"{cores} cores: the least wall time any overlap allows on this machine")
    if not pouches:
        print("no PouchDB baseline: no verdict (the goals are ratios against it)")
    for name, steps, goal in VERDICTS:
        ours = statistics.median(sum(r[s].wall for s in steps) for r in runs)
        if pouches:
            theirs = pouch_median(steps)
            ratio = theirs / ours
            print(f"{name}: ours {ours:.2f} s, PouchDB {theirs:.2f} s: {ratio:.1f}x faster "
                  f"(goal >= {goal:.0f}x: {'met' if ratio >= goal else 'NOT met'})")
    print(f"load average now {os.getloadavg()[0]:.1f}")


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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--server", choices=("process", "thread"), default="process")
    parser.add_argument("--db", default=None, help="server database URL (default: SQLite)")
    parser.add_argument("--pouchdb", action=argparse.BooleanOptionalAction, default=True,
                        help="measure the PouchDB baseline in the same run (needs Node.js)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="a network with this one-way delay between the devices and the "
                             "server (a delaying proxy on loopback; no PouchDB verdict then)")
    parser.add_argument("--stateful-examples", type=int, default=0,
                        help="also run the stateful property this long (e.g. 200)")
    parser.add_argument("--stateful-steps", type=int, default=50)
    args = parser.parse_args()
    if args.latency_ms:
        args.pouchdb = False  # its replication runs on loopback: no like-for-like baseline
    if args.records:
        throughput(args)
    if args.stateful_examples:
        stateful(args.stateful_examples, args.stateful_steps)


if __name__ == "__main__":
    main()
