"""``kimdesk server stats`` against the device's ``kimdesk stats`` on the same cases: wall time and
peak memory (maximum resident set) of each command as a process of its own, and their ratio
(docs/planned.md section 5: "memory and time at 200,000 cases are to be measured first").

    .venv/bin/python benchmarks/server_stats_bench.py [--cases 20000] [--db URL] [--repeat 3]

The vault is the statistics benchmark's cached demo vault (``benchmarks/stats_bench.py``,
``/tmp/kimdesk-stats-bench/<cases>.kdb``, passphrase "bench"). The server database holds the
same records as a server that took them by sync would (``records`` as JSON, one team), written
straight into ``records`` (a sync of 200,000 cases would take long and measures nothing here);
a SQLite one is cached beside the vault, a ``--db`` PostgreSQL URL is filled anew. Both commands
export the last full year as JSON; medians of ``--repeat`` runs after a warm-up run each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stats_bench import PASSPHRASE, vault_file

TEAM = "Team Nord"
KINDS = ("persons", "cases", "consultations", "referrals", "structural_gaps")
KIMDESK = [sys.executable, "-m", "kimdesk.cli"]


def fill_server(vault_path: Path, url: str) -> None:
    """The vault's statistics records into the server database at ``url`` (schema by Alembic)."""
    from sqlalchemy import insert

    from kimdesk.server import db
    from kimdesk.server.db import make_engine
    from kimdesk.server.migrate import upgrade
    from kimdesk.sync.store import SyncStore
    from kimdesk.vault import Vault

    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC).isoformat()
    seq = 0
    with Vault.open(vault_path, PASSPHRASE) as vault, engine.begin() as conn:
        conn.execute(insert(db.teams).values(name=TEAM, change_seq=0, ref_seq=0,
                                             created_at=now))
        batch: list[dict[str, object]] = []
        for kind, rid, data in SyncStore(vault).iter_records():
            if kind not in KINDS:
                continue
            seq += 1
            batch.append({"kind": kind, "id": rid, "team": TEAM, "rev": 1, "seq": seq,
                          "deleted": bool(data.get("deleted")), "updated_at": now,
                          "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                          "updated_by": "bench", "batch_id": "", "written_at": now})
            if len(batch) >= 5000:
                conn.execute(insert(db.records), batch)
                batch = []
        if batch:
            conn.execute(insert(db.records), batch)
    engine.dispose()
    print(f"  {seq} records written to the server database", flush=True)


def measured(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one command, a process of its own started by GNU
    time (``/usr/bin/time -f %M``). Not ``os.wait4`` on a child of this process: a forked
    child's maximum resident set starts with this process's, as it was before the child's
    ``exec`` (after filling the server database, some hundred MiB: both commands showed it)."""
    with tempfile.NamedTemporaryFile("r") as said:
        t = time.perf_counter()
        res = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", said.name, *KIMDESK, *argv],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, check=False)
        wall = time.perf_counter() - t
        if res.returncode != 0:
            raise SystemExit(f"{argv[:2]} failed: {res.stderr}")
        return wall, int(said.read().split()[-1]) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=20_000)
    ap.add_argument("--db", default="")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    vault = vault_file(args.cases)
    url = args.db
    if not url:
        server_db = vault.with_name(f"{args.cases}.server.db")
        url = f"sqlite:///{server_db}"
        if not server_db.exists():
            print(f"filling {server_db} ...", flush=True)
            fill_server(vault, url)
    else:
        from tests.sync.helpers import reset_pg

        reset_pg(url)
        print("filling the PostgreSQL database ...", flush=True)
        fill_server(vault, url)
    year = date.today().year - 1
    period = ["--from", f"{year}-01-01", "--to", f"{year}-12-31"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIMDESK_")}
    env |= {"KIMDESK_PASSPHRASE": PASSPHRASE, "KIMDESK_LANG": "en",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    with tempfile.TemporaryDirectory() as out:
        device = ["stats", "--vault", str(vault), *period, "-o", f"{out}/device.json"]
        server = ["server", "stats", "--db", url, *period, "-o", f"{out}/server.json"]
        results = {}
        for name, argv in (("device", device), ("server", server)):
            measured(argv, env)  # warm-up (page cache)
            runs = [measured(argv, env) for _ in range(args.repeat)]
            results[name] = (statistics.median(r[0] for r in runs),
                             statistics.median(r[1] for r in runs))
        same = (json.loads(Path(f"{out}/device.json").read_text())["tables"]
                == json.loads(Path(f"{out}/server.json").read_text())["tables"])
    backend = url.split(":", 1)[0]
    print(f"{args.cases} cases, year {year}, {backend}; {os.cpu_count()} CPUs; load average "
          f"{os.getloadavg()[0]:.2f}; median of {args.repeat}")
    for name, (wall, mib) in results.items():
        print(f"  {name:<7} {wall:7.2f} s  {mib:7.0f} MiB peak")
    (dw, dm), (sw, sm) = results["device"], results["server"]
    print(f"  server / device: time {sw / dw:.2f}x, memory {sm / dm:.2f}x; "
          f"tables equal: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
