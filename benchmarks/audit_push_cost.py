"""What the audit trail's row costs a push: the same captured batches replayed with and without
it, alternating, in the same run.

    .venv/bin/python benchmarks/audit_push_cost.py [--db URL] [--repeat 5] [--records 10000]

A push writes one audit row per batch (:mod:`kimdesk.server.audit_trail`): the batch's ids by
kind, its counts, one SHA-256 over them and, on PostgreSQL, a transaction-level advisory lock
that numbers the rows. "without" replaces :func:`kimdesk.server.audit_trail.append` by a no-op
for the run; the batches are :mod:`push_replay`'s (captured once from a real device, replayed
into a fresh database per run through the server's own ``SyncService.push_json``). Printed per
step: the medians of wall time with and without, their ratio, and the time spent inside
``append`` in the "with" runs (median, and its share of the step): on this machine kind the
ratio of two medians moves by 10-25 % from other load alone, the time inside the call much
less. The steps are push_replay's: 10k new records, 10k changed, 1k changed (the device sends
them in batches of about 1,250).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent.parent))

import push_replay

from kimdesk.server import audit_trail
from kimdesk.server.app import _parse
from kimdesk.server.db import make_engine
from kimdesk.server.migrate import upgrade
from kimdesk.server.service import SyncService
from kimdesk.sync.protocol import PushRequest

REAL = audit_trail.append
_inside = [0.0]


def _no_row(*_args: Any, **_kwargs: Any) -> str:
    return ""


def _timed(*args: Any, **kwargs: Any) -> str:
    start = time.perf_counter()
    try:
        return REAL(*args, **kwargs)
    finally:
        _inside[0] += time.perf_counter() - start


def replay(bodies: list[tuple[str, bytes]], url: str) -> dict[str, tuple[float, float]]:
    """All bodies into a fresh database; per step (wall seconds, seconds inside ``append``)."""
    engine = make_engine(url)
    upgrade(engine)
    service = SyncService(engine)
    device = service.authenticate(service.enroll(service.create_enroll_code("Team Nord")).token)
    spent = {step: [0.0, 0.0] for step in push_replay.STEPS}
    try:
        for step, raw in bodies:
            gc.disable()  # as the route pauses the collector (kimdesk/collector.py)
            _inside[0] = 0.0
            t0 = time.perf_counter()
            service.push_json(device, _parse(PushRequest, raw), hashlib.sha256(raw).hexdigest())
            wall = time.perf_counter() - t0
            gc.enable()
            if step in spent:
                spent[step][0] += wall
                spent[step][1] += _inside[0]
    finally:
        engine.dispose()
    return {step: (w, i) for step, (w, i) in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    push_replay.replay_arguments(parser)
    args = parser.parse_args()
    print(f"{(args.db or 'sqlite').split(':')[0]}; median of {args.repeat} runs each, "
          "alternating", flush=True)
    bodies = push_replay.capture(args.records, args.incremental)
    runs: dict[str, list[dict[str, tuple[float, float]]]] = {"with": [], "without": []}
    for i in range(2 * args.repeat):
        first, second = ("with", "without") if (i // 2) % 2 == 0 else ("without", "with")
        variant = first if i % 2 == 0 else second  # with, without, without, with, ...
        audit_trail.append = _timed if variant == "with" else _no_row
        try:
            with tempfile.TemporaryDirectory() as tmp:
                url = args.db or f"sqlite:///{Path(tmp) / 'server.db'}"
                if url.startswith("postgresql"):
                    from tests.sync.helpers import reset_pg

                    reset_pg(url)
                runs[variant].append(replay(bodies, url))
        finally:
            audit_trail.append = REAL
    print(f"{'step':<14} {'with s':>8} {'without s':>10} {'ratio':>7} {'in append s':>12}"
          f" {'share':>7}")
    for step in push_replay.STEPS:
        with_, without = (statistics.median(r[step][0] for r in runs[v])
                          for v in ("with", "without"))
        inside = statistics.median(r[step][1] for r in runs["with"])
        print(f"{step:<14} {with_:8.3f} {without:10.3f} {with_ / without:7.3f} {inside:12.4f}"
              f" {inside / with_:7.2%}")


if __name__ == "__main__":
    main()
