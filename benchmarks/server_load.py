"""The sync server under many devices at once: throughput, latency, CPU, scale-out (issue 14).

    .venv/bin/python benchmarks/server_load.py [--devices 200] [--teams 10] [--batch 50]
        [--seconds 30 | --rounds N] [--interval 10] [--paced-seconds 30]
        [--processes 1,2] [--pg-url URL] [--json]

N simulated devices (default 200, in 10 teams) each own 50 cases; every round a device pushes one
batch changing all 50 (``referral_source``, ~700 characters: records of ~1 KB as in
``sync_bench.py``) and then pulls its team's changes to the end, as ``SyncEngine.sync`` does.
The devices are asyncio tasks with one ``httpx.AsyncClient`` (one TCP connection) each; their
batches are built from the project's protocol models (``PushRequest``/``Change``) and gzipped as
the app sends them.

The server runs as ``kimdesk server run`` processes (each its own OS process, its own port,
devices spread round-robin: what nginx's ``upstream`` does in front of them, see
docs/deployment.md) on one PostgreSQL database; the configuration is run with 1 process and with
2 (``--processes``), each on a freshly emptied database, and the scale-out ratio printed.

Per configuration, not measured: emptying the database, starting the servers, enrolling every
device, seeding its 50 persons and 50 cases and pulling the team's seed. Then two phases:

1. **saturation**: every device pushes and pulls back to back with no pause for ``--seconds``
   (or ``--rounds`` rounds each). Gives the throughput (changes accepted per second), the
   scale-out ratio, and CPU per 1,000 changes. Its latencies are queueing (Little's law: 200
   requests in flight over the throughput), printed but not judged.
2. **paced**: every device syncs once every ``--interval`` seconds (random phase) for
   ``--paced-seconds``; the latency goal is judged here. 200 devices every 20 s is 15 times the
   load of the app's own schedule (one sync per 5 minutes, ``kimdesk/sync/schedule.py``).

CPU is read per process over each phase: the server processes (psutil), the PostgreSQL backends
of this database (children of the postmaster, when it runs on this machine), this load
generator, and the whole machine (what remains is other load on a shared machine). Errors: any
non-2xx answer, any exception, any receipt that refuses (rejects) a record or answers with an
unexpected revision. A failed push is resent unchanged (same batch id), like the app's outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402
from pydantic import TypeAdapter  # noqa: E402
from pydantic_core import from_json  # noqa: E402
from servers import free_port, wait_until_serving  # noqa: E402

from kimdesk.domain.models import Case, Person  # noqa: E402
from kimdesk.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, Change, PushRequest  # noqa: E402

GOAL_P95_PUSH = 0.250
GOAL_RATIO = 1.7
_STAMP = TypeAdapter(datetime)
_WORDS = ["Termin", "Jobcenter", "Sprachkurs", "Anerkennung", "Wohnung", "Kita", "Beratung",
          "Ausländerbehörde", "Integrationskurs", "Unterlagen", "nachreichen", "begleitet"]


def _filler(rng: random.Random, size: int) -> str:
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < size:
        out.append(rng.choice(_WORDS))
    return " ".join(out)[:size].strip()


# -- PostgreSQL ---------------------------------------------------------------------------------
@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL of its own in a temporary folder, as ``scripts/test`` starts one."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                  key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()])
    if not bins:
        raise SystemExit("no PostgreSQL under /usr/lib/postgresql: pass --pg-url")
    pgbin = bins[-1]
    folder = Path(tempfile.mkdtemp(prefix="kimdesk-load-pg."))
    port = free_port()
    as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    if os.getuid() == 0:
        subprocess.run(["chown", "postgres", str(folder)], check=True)
    data = folder / "data"
    ctl = [*as_pg, str(pgbin / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run([*as_pg, str(pgbin / "initdb"), "-D", str(data), "-U", "kimdesk",
                        "--auth=trust", "-E", "UTF8"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*ctl, "-l", str(folder / "log"), "-w", "-o",
                        f"-c listen_addresses=127.0.0.1 -c port={port} -c max_connections=200"
                        f" -c unix_socket_directories={folder} -c fsync=off", "start"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*as_pg, str(pgbin / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                        "-U", "kimdesk", "kdload"], check=True)
        yield f"postgresql+psycopg://kimdesk@127.0.0.1:{port}/kdload"
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def empty_database(url: str) -> None:
    from tests.sync.helpers import reset_pg

    reset_pg(url)


class PgBackends:
    """CPU of this database's PostgreSQL backends: children of the postmaster whose process
    title names the database. None when the database runs on another machine."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        self.postmaster: psutil.Process | None = None
        with engine.connect() as conn:
            pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
            self.dbname = str(conn.execute(text("SELECT current_database()")).scalar_one())
            try:  # while the backend lives
                self.postmaster = psutil.Process(pid).parent()
            except psutil.Error:
                self.postmaster = None
        engine.dispose()

    def cpu(self) -> dict[int, float] | None:
        if self.postmaster is None:
            return None
        out: dict[int, float] = {}
        for child in self.postmaster.children():
            try:
                if f" {self.dbname} " in " ".join(child.cmdline()):
                    t = child.cpu_times()
                    out[child.pid] = t.user + t.system
            except psutil.Error:
                continue
        return out


# -- the servers under test ---------------------------------------------------------------------
@contextmanager
def server_processes(db_url: str, count: int) -> Iterator[tuple[list[str], list[psutil.Process]]]:
    """``count`` times ``kimdesk server run`` (this checkout's code), each on its own port."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for _ in range(count):
            port = free_port()
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "kimdesk.cli", "server", "run", "--db", db_url,
                 "--port", str(port)], env=env, stdout=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(procs, urls, strict=True):
            wait_until_serving(proc, url, 60)
        yield urls, [psutil.Process(p.pid) for p in procs]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(20)


# -- one simulated device -----------------------------------------------------------------------
@dataclass
class Stats:
    push: list[float] = field(default_factory=list)
    pull: list[float] = field(default_factory=list)
    changes: int = 0
    pulled: int = 0
    syncs: int = 0
    late: int = 0
    errors: Counter[str] = field(default_factory=Counter)


@dataclass
class Sim:
    """A device: its token, server, cases (id, created_at), revision, batch and pull cursor."""

    index: int
    team: str
    url: str
    client: httpx.AsyncClient
    token: str = ""
    cases: list[tuple[str, str]] = field(default_factory=list)
    rev: int = 1
    batch_seq: int = 0
    cursor: int = 0
    texts: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": f"Bearer {self.token}",
                "Content-Encoding": "gzip", "Content-Type": "application/json"}


def seed_body(sim: Sim, per_device: int, rng: random.Random) -> bytes:
    """Batch 1: the device's persons and their cases (all fields, base_rev 0)."""
    changes = []
    for i in range(per_device):
        person = Person(given_name="Test", family_name="Demir", phone=f"{sim.index}-{i}")
        case = Case(case_number=f"2025-LOAD-{sim.index:04d}-{i:03d}", person_id=person.id,
                    owner=f"device{sim.index}", team=sim.team, opened_on=date(2025, 1, 1),
                    referral_source=_filler(rng, 700))
        for kind, record in (("persons", person), ("cases", case)):
            data = record.model_dump(mode="json", exclude={"revision", "pending"})
            changes.append(Change(kind=kind, id=record.id, base_rev=0, changed=data,
                                  updated_at=data["updated_at"], created_at=data["created_at"]))
        sim.cases.append((case.id, changes[-1].created_at))
    sim.batch_seq = 1
    return _gz(PushRequest(batch_id=uuid.uuid4().hex, batch_seq=1, changes=changes))


def round_body(sim: Sim) -> bytes:
    """The next batch: every case of the device edited (one field of ~700 characters)."""
    sim.batch_seq += 1
    stamp = _STAMP.dump_python(datetime.now(UTC), mode="json")
    text = f"{sim.texts[sim.batch_seq % len(sim.texts)]} {sim.batch_seq}"
    changes = [Change(kind="cases", id=cid, base_rev=sim.rev, changed={"referral_source": text},
                      updated_at=stamp, created_at=created) for cid, created in sim.cases]
    return _gz(PushRequest(batch_id=uuid.uuid4().hex, batch_seq=sim.batch_seq, changes=changes))


def _gz(request: PushRequest) -> bytes:
    return gzip.compress(request.model_dump_json().encode(), compresslevel=1)


async def push(sim: Sim, body: bytes, stats: Stats | None) -> bool:
    """Send a batch; True when its receipt applied every change at the expected revision."""
    start = time.perf_counter()
    try:
        response = await sim.client.post(sim.url + "/v1/push", content=body,
                                         headers=sim.headers)
    except httpx.HTTPError as exc:
        if stats is not None:
            stats.errors[f"push {type(exc).__name__}"] += 1
        return False
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        if stats is not None:
            stats.errors[f"push HTTP {response.status_code}"] += 1
        return False
    results = from_json(response.content)["results"]
    expect = sim.rev + 1 if sim.batch_seq > 1 else 1
    bad = [r for r in results if r["status"] != "applied" or r["rev"] != expect]
    if stats is not None:
        stats.push.append(elapsed)
        stats.changes += len(results) - len(bad)
        for r in bad:
            stats.errors[f"receipt {r['status']} {r['reason'][:60]}".strip()] += 1
    if sim.batch_seq > 1:
        sim.rev = expect
    return not bad


async def pull(sim: Sim, stats: Stats | None) -> bool:
    """Pull the team's changes to the end, page by page, as the engine does."""
    while True:
        start = time.perf_counter()
        try:
            response = await sim.client.get(sim.url + "/v1/changes", headers=sim.headers,
                                            params={"since": sim.cursor, "limit": 5000})
        except httpx.HTTPError as exc:
            if stats is not None:
                stats.errors[f"pull {type(exc).__name__}"] += 1
            return False
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            if stats is not None:
                stats.errors[f"pull HTTP {response.status_code}"] += 1
            return False
        page = from_json(response.content)
        if stats is not None:
            stats.pull.append(elapsed)
            stats.pulled += len(page["records"])
        sim.cursor = int(page["next_cursor"])
        if not page["more"]:
            return True


async def sync_once(sim: Sim, body: bytes, stats: Stats) -> None:
    """One sync: the batch until a receipt arrives (resent unchanged after a failure), then
    the pull."""
    while not await push(sim, body, stats):
        await asyncio.sleep(1.0)
        if stats.errors.total() > 1000:
            raise RuntimeError(f"giving up: {stats.errors.most_common(3)}")
    await pull(sim, stats)
    stats.syncs += 1


async def device_loop(sim: Sim, stats: Stats, *, until: float, rounds: int,
                      interval: float) -> None:
    loop = asyncio.get_running_loop()
    next_start = loop.time() + (random.uniform(0, interval) if interval else
                                random.uniform(0, 0.5))
    done = 0
    while (rounds and done < rounds) or (not rounds and next_start < until):
        delay = next_start - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif interval and -delay > interval:
            stats.late += 1
        await sync_once(sim, round_body(sim), stats)
        done += 1
        next_start = max(next_start + interval, loop.time()) if interval else loop.time()


# -- one configuration --------------------------------------------------------------------------
def _proc_cpu(procs: list[psutil.Process]) -> float:
    return sum(t.user + t.system for t in (p.cpu_times() for p in procs))


def _machine_busy() -> float:
    t = psutil.cpu_times()
    return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def setup_devices(args: argparse.Namespace, db_url: str, urls: list[str]) -> list[Sim]:
    """Enroll every device (codes from the service, as ``kimdesk server enroll-code`` makes
    them), seed its records and pull the team's seed. Not measured."""
    from kimdesk.server.db import make_engine
    from kimdesk.server.service import SyncService

    engine = make_engine(db_url)
    service = SyncService(engine)
    rng = random.Random(14)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    sims = []
    for i in range(args.devices):
        transport = httpx.AsyncHTTPTransport(
            limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        client = httpx.AsyncClient(timeout=120, transport=transport)
        team = f"Team {i % args.teams:02d}"
        sim = Sim(i, team, urls[i % len(urls)], client)
        sim.texts = [_filler(rng, 700) for _ in range(4)]
        sim.token = service.create_enroll_code(team)  # the code, until enrolled
        sims.append(sim)
    engine.dispose()
    gate = asyncio.Semaphore(20)

    async def enroll_and_seed(sim: Sim) -> None:
        async with gate:
            r = await sim.client.post(sim.url + "/v1/enroll", json={
                "code": sim.token, "device_name": f"load{sim.index}"},
                headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)})
            r.raise_for_status()
            sim.token = r.json()["token"]
            if not await push(sim, seed_body(sim, args.batch, random.Random(sim.index)), None):
                raise RuntimeError("seeding failed")

    await asyncio.gather(*(enroll_and_seed(s) for s in sims))

    async def catch_up(sim: Sim) -> None:
        async with gate:
            if not await pull(sim, None):
                raise RuntimeError("the seed pull failed")

    await asyncio.gather(*(catch_up(s) for s in sims))
    return sims


async def phase(sims: list[Sim], procs: list[psutil.Process], pg: PgBackends, *,
                seconds: float, rounds: int, interval: float) -> dict[str, Any]:
    stats = Stats()
    pg0 = pg.cpu()
    s0, c0, m0 = _proc_cpu(procs), time.process_time(), _machine_busy()
    t0 = time.perf_counter()
    until = asyncio.get_running_loop().time() + seconds
    await asyncio.gather(*(device_loop(s, stats, until=until, rounds=rounds, interval=interval)
                           for s in sims))
    wall = time.perf_counter() - t0
    server_cpu = _proc_cpu(procs) - s0
    client_cpu = time.process_time() - c0
    machine = _machine_busy() - m0
    pg1 = pg.cpu()
    pg_cpu = (sum(v - (pg0 or {}).get(pid, 0.0) for pid, v in pg1.items())
              if pg1 is not None else None)
    per_k = 1000 / stats.changes if stats.changes else float("nan")
    cores = psutil.cpu_count() or 1
    return {
        "wall_s": wall, "syncs": stats.syncs, "changes": stats.changes, "pulled": stats.pulled,
        "changes_per_s": stats.changes / wall, "pulled_per_s": stats.pulled / wall,
        "push_ms": {q: 1000 * _pct(stats.push, q) for q in (50, 95, 99)},
        "pull_ms": {q: 1000 * _pct(stats.pull, q) for q in (50, 95, 99)},
        "errors": sum(stats.errors.values()), "error_kinds": dict(stats.errors),
        "late_starts": stats.late,
        "cpu_s": {"server": server_cpu, "postgres": pg_cpu, "client": client_cpu,
                  "machine": machine,
                  "other": machine - server_cpu - client_cpu - (pg_cpu or 0.0)},
        "cpu_per_1k_changes_s": {"server": server_cpu * per_k,
                                 "postgres": None if pg_cpu is None else pg_cpu * per_k,
                                 "client": client_cpu * per_k},
        "machine_busy_pct": 100 * machine / (wall * cores),
        "server_cores": server_cpu / wall, "client_cores": client_cpu / wall,
    }


async def run_config(args: argparse.Namespace, db_url: str, processes: int) -> dict[str, Any]:
    empty_database(db_url)
    pg = PgBackends(db_url)
    with server_processes(db_url, processes) as (urls, procs):
        sims = await setup_devices(args, db_url, urls)
        out: dict[str, Any] = {"processes": processes}
        try:
            out["saturation"] = await phase(sims, procs, pg, seconds=args.seconds,
                                            rounds=args.rounds, interval=0.0)
            if args.interval > 0 and args.paced_seconds > 0:
                out["paced"] = await phase(sims, procs, pg, seconds=args.paced_seconds,
                                           rounds=0, interval=args.interval)
        finally:
            await asyncio.gather(*(s.client.aclose() for s in sims))
    return out


# -- report -------------------------------------------------------------------------------------
def _row(name: str, p: dict[str, Any]) -> str:
    cpu = p["cpu_per_1k_changes_s"]
    pg = "   n/a" if cpu["postgres"] is None else f"{cpu['postgres']:6.2f}"
    return (f"{name:<18} {p['changes_per_s']:7.0f} {p['push_ms'][50]:6.0f} "
            f"{p['push_ms'][95]:6.0f} {p['push_ms'][99]:6.0f} {p['pull_ms'][50]:6.0f} "
            f"{p['pull_ms'][95]:6.0f} {p['pull_ms'][99]:6.0f} {p['errors']:6d} "
            f"{cpu['server']:6.2f} {pg} {cpu['client']:6.2f} {p['server_cores']:5.2f} "
            f"{p['client_cores']:5.2f} {p['machine_busy_pct']:4.0f}%")


def report(args: argparse.Namespace, results: list[dict[str, Any]]) -> dict[str, Any]:
    print(f"\n{args.devices} devices in {args.teams} teams, batches of {args.batch} changed "
          f"cases (~1 KB), PostgreSQL; {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'':<18} {'chg/s':>7} {'push ms p50/p95/p99':>20} {'pull ms p50/p95/p99':>20} "
          f"{'errors':>6} {'CPU s / 1k changes':>20} {'cores used':>11} {'busy':>5}")
    print(f"{'':<18} {'':>7} {'':>20} {'':>20} {'':>6} {'server':>6} {'pg':>6} {'client':>6} "
          f"{'srv':>5} {'cli':>5}")
    for r in results:
        for name in ("saturation", "paced"):
            if name in r:
                print(_row(f"{r['processes']} proc, {name}", r[name]))
    summary: dict[str, Any] = {}
    errors = sum(r[n]["errors"] for r in results for n in ("saturation", "paced") if n in r)
    summary["errors"] = errors
    print(f"\nerrors: {errors} (goal 0): {'met' if errors == 0 else 'NOT met'}")
    for r in results:
        for n in ("saturation", "paced"):
            if n in r and r[n]["error_kinds"]:
                print(f"  {r['processes']} proc, {n}: {r[n]['error_kinds']}")
    for r in results:
        if "paced" in r:
            p95 = r["paced"]["push_ms"][95]
            offered = args.devices / args.interval * args.batch
            print(f"push p95, {r['processes']} proc(s), paced ({args.devices} devices, one sync "
                  f"each per {args.interval:g} s = {offered:.0f} changes/s offered): "
                  f"{p95:.0f} ms (goal {GOAL_P95_PUSH * 1000:.0f} ms): "
                  f"{'met' if p95 <= GOAL_P95_PUSH * 1000 else 'NOT met'}"
                  f"; late starts {r['paced']['late_starts']}")
            summary[f"p95_push_paced_ms_{r['processes']}"] = p95
    by_procs = {r["processes"]: r["saturation"]["changes_per_s"] for r in results}
    if 1 in by_procs and len(by_procs) > 1:
        top = max(by_procs)
        ratio = by_procs[top] / by_procs[1]
        summary["scale_out_ratio"] = ratio
        print(f"scale-out ratio, throughput {top} procs / 1 proc: {ratio:.2f} (goal "
              f">= {GOAL_RATIO}): {'met' if ratio >= GOAL_RATIO else 'NOT met'}")
        sat = [r["saturation"] for r in results]
        print("what limits it here: the machine has "
              f"{os.cpu_count()} cores; at saturation it was "
              + ", ".join(f"{s['machine_busy_pct']:.0f}% busy ({s['server_cores']:.2f} cores "
                          f"server, {s['client_cores']:.2f} load generator, "
                          f"{(s['cpu_s']['postgres'] or 0) / s['wall_s']:.2f} PostgreSQL, "
                          f"{s['cpu_s']['other'] / s['wall_s']:.2f} other)" for s in sat))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--batch", type=int, default=50, help="changed records per push")
    parser.add_argument("--seconds", type=float, default=30.0, help="saturation phase length")
    parser.add_argument("--rounds", type=int, default=0,
                        help="instead of --seconds: this many syncs per device")
    parser.add_argument("--interval", type=float, default=20.0,
                        help="paced phase: seconds between one device's syncs (0: no phase)")
    parser.add_argument("--paced-seconds", type=float, default=30.0)
    parser.add_argument("--processes", default="1,2",
                        help="server process counts to run, e.g. 1,2 (ratio against 1)")
    parser.add_argument("--pg-url", default=None,
                        help="PostgreSQL to use (it is emptied!); default: a throwaway one")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    counts = [int(x) for x in args.processes.split(",") if x.strip()]

    def run(url: str) -> list[dict[str, Any]]:
        out = []
        for n in counts:
            print(f"{n} server process(es): setting up {args.devices} devices ...", flush=True)
            out.append(asyncio.run(run_config(args, url, n)))
        return out

    if args.pg_url:
        results = run(args.pg_url)
    else:
        with throwaway_postgres() as url:
            results = run(url)
    summary = report(args, results)
    if args.json:
        print(json.dumps({"args": vars(args), "results": results, "summary": summary},
                         indent=1, default=str))


if __name__ == "__main__":
    main()
