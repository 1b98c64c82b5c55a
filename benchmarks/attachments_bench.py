"""Attachments (issue 16, item 8): storing, reading and syncing files of form questions.

    .venv/bin/python benchmarks/attachments_bench.py [--mib 10] [--files 5] [--repeat 3]

With fresh vaults and an embedded SQLite server on 127.0.0.1 each run: store ``--files`` files
of ``--mib`` MiB (random bytes: a photo does not compress) in vault A, read them back with the
SHA-256 check, push them, pull them on device B; the vault's growth per stored MiB shows that
the bytes are stored raw (a BLOB), not as base64. Medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def run(mib: float, files: int) -> dict[str, float]:
    from kimdesk.domain.models import Consultation, Person
    from kimdesk.server.embedded import EmbeddedServer
    from kimdesk.sync.engine import SyncEngine, enroll
    from kimdesk.vault import Vault

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = EmbeddedServer(f"sqlite:///{folder / 'server.db'}").start()
        try:
            vaults = []
            for name in ("a", "b"):
                v = Vault.create(folder / f"{name}.kdb", "bench passphrase", counselor=name,
                                 team="T")
                enroll(v, server.url, server.service.create_enroll_code("T"))
                vaults.append(v)
            a, b = vaults
            person = a.people.add(Person(given_name="Olena", family_name="Kovalenko"))
            case = a.cases.open_case(person.id, opened_on=date(2026, 1, 5))
            cid = a.consultations.add(Consultation(case_id=case.id, date=date(2026, 2, 3))).id
            a.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            before = a.path.stat().st_size
            blobs = [os.urandom(int(mib * 1048576)) for _ in range(files)]
            start = time.perf_counter()
            ids = [a.attachments.store(case_id=case.id, consultation_id=cid, question="pic",
                                       file_name=f"f{n}.jpg", media_type="image/jpeg",
                                       content=blob).id for n, blob in enumerate(blobs)]
            out["store s/file"] = (time.perf_counter() - start) / files
            a.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            out["vault growth per stored MiB"] = (a.path.stat().st_size - before) / (
                files * mib * 1048576)
            start = time.perf_counter()
            assert [a.attachments.content(i) for i in ids] == blobs
            out["read s/file"] = (time.perf_counter() - start) / files
            engines = [SyncEngine(v) for v in vaults]
            start = time.perf_counter()
            engines[0].sync()
            out["push s/file"] = (time.perf_counter() - start) / files
            start = time.perf_counter()
            report = engines[1].sync()
            out["pull s/file"] = (time.perf_counter() - start) / files
            out["pull pages"] = report.pages
            assert [b.attachments.content(i) for i in ids] == blobs
            for e in engines:
                e.close()
            for v in vaults:
                v.close()
        finally:
            server.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=float, default=10.0)
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [run(args.mib, args.files) for _ in range(args.repeat)]
    print(f"{args.files} files of {args.mib} MiB, median of {args.repeat} runs:")
    for key in runs[0]:
        print(f"  {key:30} {statistics.median(r[key] for r in runs):8.3f}")


if __name__ == "__main__":
    main()
