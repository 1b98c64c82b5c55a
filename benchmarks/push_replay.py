"""The server's side of a push alone: batches captured once, replayed into fresh databases.

    .venv/bin/python benchmarks/push_replay.py [--db URL] [--repeat 5] [--records 10000]
    PYTHONPATH=/path/to/other/checkout .venv/bin/python benchmarks/push_replay.py ...

Why: end to end (``sync_bench.py``) a push's wall time is about the server's CPU time plus the
database's (they take turns within a batch; the device's work runs beside them), and this
machine kind's speed drifts within the hour, so a server change of a few percent drowns in the
noise of the whole sync. Here the device is left out: the benchmark's pushes (10k new cases,
10k changed, 1k changed) are captured from one run against a throwaway server, then handed to
the server's own code (``SyncService.push_json``, what the ``/v1/push`` route calls) in this
process, into a fresh database per run. Printed per step, medians: wall time, the server
thread's CPU time and, for a PostgreSQL on this machine, its processes' CPU time.

To compare two versions of the server, run it with ``PYTHONPATH`` at one checkout, then at the
other (the first line printed names the code measured), alternating, several times: A B B A ...
The capture uses the measured checkout's device code too. Not a goal of its own, no PouchDB: the
goals are the end-to-end ratios of ``sync_bench.py``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# After PYTHONPATH: another checkout's server code can be measured with this script.
sys.path.append(str(Path(__file__).resolve().parent.parent))

import kimdesk  # noqa: I001  (first: sync_bench puts its checkout first on the path)
import sync_bench as bench

from kimdesk.server.app import _parse
from kimdesk.server.db import make_engine
from kimdesk.server.migrate import upgrade
from kimdesk.server.service import SyncService
from kimdesk.sync import transport as sync_transport
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.protocol import PushRequest
from kimdesk.vault import Vault

STEPS = ("push new", "push changed", "push 1k")


def capture(records: int, incremental: int) -> list[tuple[str, bytes]]:
    """The raw bodies of the benchmark's pushes (the persons first, tagged "setup")."""
    bodies: list[tuple[str, bytes]] = []
    tag = ["setup"]
    original = sync_transport.Transport.push

    def recording(self: sync_transport.Transport, body: bytes, gz: bytes = b"", *,
                  state: bool = False) -> object:
        bodies.append((tag[0], body))
        return original(self, body, gz, state=state)

    sync_transport.Transport.push = recording  # type: ignore[method-assign,assignment]
    rng = random.Random(1)
    try:
        with tempfile.TemporaryDirectory() as tmp, \
                bench.server_thread(f"sqlite:///{Path(tmp) / 'capture.db'}") as server:
            vault = Vault.create(Path(tmp) / "a.kdb", "bench", counselor="a", team="Team Nord")
            enroll(vault, server.url, server.enroll_code("Team Nord"))
            engine = SyncEngine(vault)
            cases = bench.build(vault, records, rng)
            engine.sync()
            bench.insert_cases(vault, cases)
            tag[0] = "push new"
            engine.sync()
            bench.change_cases(vault, rng)
            tag[0] = "push changed"
            engine.sync()
            bench.change_cases(vault, rng, incremental)
            tag[0] = "push 1k"
            engine.sync()
            engine.close()
            vault.close()
    finally:
        sync_transport.Transport.push = original  # type: ignore[method-assign]
    return bodies


def replay(bodies: list[tuple[str, bytes]], db_url: str,
           db_cpu: Callable[[], float] | None) -> dict[str, tuple[float, float, float]]:
    """All bodies into a fresh database; per step (wall, server CPU, database CPU) seconds."""
    engine = make_engine(db_url)
    upgrade(engine)
    service = SyncService(engine)
    device = service.authenticate(service.enroll(service.create_enroll_code("Team Nord")).token)
    spent: dict[str, list[float]] = {step: [0.0, 0.0, 0.0] for step in STEPS}
    try:
        for step, raw in bodies:
            gc.disable()  # as the route pauses the collector (kimdesk/collector.py)
            d0 = db_cpu() if db_cpu else 0.0
            c0, t0 = time.thread_time(), time.perf_counter()
            service.push_json(device, _parse(PushRequest, raw), hashlib.sha256(raw).hexdigest())
            wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
            gc.enable()
            if step in spent:
                spent[step][0] += wall
                spent[step][1] += cpu
                spent[step][2] += (db_cpu() - d0) if db_cpu else 0.0
    finally:
        engine.dispose()
    return {step: (w, c, d) for step, (w, c, d) in spent.items()}


def replay_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a replay benchmark (also ``benchmarks/audit_push_cost.py``)."""
    parser.add_argument("--db", default=None, help="server database URL (emptied; default: "
                                                   "a SQLite file per run)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--incremental", type=int, default=1_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    replay_arguments(parser)
    args = parser.parse_args()
    print(f"server code: {Path(kimdesk.__file__).parent}; {(args.db or 'sqlite').split(':')[0]};"
          f" median of {args.repeat}", flush=True)
    bodies = capture(args.records, args.incremental)
    db_cpu = bench.database_cpu(args.db) if args.db else None
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            url = args.db or f"sqlite:///{Path(tmp) / 'server.db'}"
            if url.startswith("postgresql"):
                from tests.sync.helpers import reset_pg

                reset_pg(url)
            runs.append(replay(bodies, url, db_cpu))
    print(f"{'step':<14} {'wall s':>7} {'server CPU':>11} {'DB CPU':>7}")
    for step in STEPS:
        wall, cpu, db = (statistics.median(r[step][i] for r in runs) for i in range(3))
        print(f"{step:<14} {wall:7.3f} {cpu:11.3f} {db if db_cpu else float('nan'):7.3f}")


if __name__ == "__main__":
    main()
