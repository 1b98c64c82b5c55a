"""What the audit trail's row costs a push: the same captured batches replayed with and without
it, alternating, in the same run.

    .venv/bin/python benchmarks/audit_push_cost.py [--db URL] [--repeat 5] [--records 10000]

A push writes one audit row per batch (:mod:`kimdesk.server.audit_trail`): the batch's ids by
kind, its counts, one SHA-256 over them and, on PostgreSQL, a transaction-level advisory lock
that numbers the rows. "without" replaces :func:`kimdesk.server.audit_trail.append` by a no-op
for the run; everything else is :mod:`push_replay`'s (a fresh database per run, the server's
own ``SyncService.push_json``). Printed per step: the medians of wall time with and without,
and their ratio. The steps are push_replay's: 10k new records, 10k changed, 1k changed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent.parent))

import push_replay

from kimdesk.server import audit_trail


def _no_row(*_args: Any, **_kwargs: Any) -> str:
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None, help="server database URL (emptied; default: "
                                                   "a SQLite file per run)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--incremental", type=int, default=1_000)
    args = parser.parse_args()
    print(f"{(args.db or 'sqlite').split(':')[0]}; median of {args.repeat} runs each, "
          "alternating", flush=True)
    bodies = push_replay.capture(args.records, args.incremental)
    real = audit_trail.append
    runs: dict[str, list[dict[str, tuple[float, float, float]]]] = {"with": [], "without": []}
    for i in range(2 * args.repeat):
        variant = ("with", "without")[i % 2] if (i // 2) % 2 == 0 else \
            ("without", "with")[i % 2]  # with, without, without, with, ...
        audit_trail.append = real if variant == "with" else _no_row  # type: ignore[assignment]
        try:
            with tempfile.TemporaryDirectory() as tmp:
                url = args.db or f"sqlite:///{Path(tmp) / 'server.db'}"
                if url.startswith("postgresql"):
                    from tests.sync.helpers import reset_pg

                    reset_pg(url)
                runs[variant].append(push_replay.replay(bodies, url, None))
        finally:
            audit_trail.append = real  # type: ignore[assignment]
    print(f"{'step':<14} {'with s':>8} {'without s':>10} {'ratio':>7}")
    for step in push_replay.STEPS:
        with_, without = (statistics.median(r[step][0] for r in runs[v])
                          for v in ("with", "without"))
        print(f"{step:<14} {with_:8.3f} {without:10.3f} {with_ / without:7.3f}")


if __name__ == "__main__":
    main()
