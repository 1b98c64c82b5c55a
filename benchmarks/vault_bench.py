"""Vault benchmark: encrypted (SQLCipher) against unencrypted, same engine, same data, same run.

    .venv/bin/python benchmarks/vault_bench.py [--cases 200000] [--cache-kib 65536] [--crash 0]

Prints unlock time, bulk insert, prefix search p50/p95, GROUP BY aggregates, each for the
encrypted vault and for a plain SQLite file written by the same sqlcipher3 engine with the same
schema, pragmas and rows, and the ratio encrypted/plain. Targets (issue 2): every ratio <= 1.3,
unlock <= 0.3 s, search p95 <= 20 ms. ``--crash N`` adds N SIGKILL rounds of the crash test.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

import sqlcipher3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kimdesk.demo.generator import DemoBatch, DemoGenerator
from kimdesk.domain.models import (
    Agency,
    Case,
    Consent,
    Consultation,
    Goal,
    Note,
    Person,
    PhaseTransition,
    Referral,
    StructuralGap,
)
from kimdesk.vault import Vault, kdf
from kimdesk.vault.connection import PAGE_BYTES, connect
from kimdesk.vault.migrations import migrate
from kimdesk.vault.repository import Repository
from kimdesk.vault.search import index_text, match_expression

PASSPHRASE = "benchmark passphrase"
ORDER = (Person, Case, PhaseTransition, Consultation, Goal, Referral, Consent, Note, StructuralGap)


class _Shim:
    """Just enough of a Vault for Repository.to_row (row conversion only)."""

    conn = None


def plain_connect(path: Path, cache_kib: int) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    for pragma in (
        f"page_size = {PAGE_BYTES}",  # the vault's: the comparison is of encryption alone
        f"cache_size = -{cache_kib}",
        "temp_store = MEMORY",
        "foreign_keys = ON",
        "journal_mode = WAL",
        "synchronous = FULL",
    ):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def build(cases: int, folder: Path, cache_kib: int) -> dict[str, float]:
    """Write the same generated rows to an encrypted and a plain database, timing each."""
    salt = secrets.token_bytes(16)
    key = kdf.CURRENT.derive(PASSPHRASE, salt)
    enc = connect(folder / "enc.kdb", key, salt, create=True, cache_kib=cache_kib)
    plain = plain_connect(folder / "plain.db", cache_kib)
    for conn in (enc, plain):
        migrate(conn)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO vault_meta VALUES (?, ?)",
            [
                ("vault_id", "b" * 32),
                ("counselor", "bench"),
                ("team", "T"),
                ("municipality", ""),
                ("device_tag", "BNCH"),
                ("kdf_profile", "1"),
                ("created_at", "2026-01-01"),
                ("case_counter", str(cases)),
            ],
        )
        conn.execute("COMMIT")
    repos = {m: Repository(_Shim(), m, audited=False) for m in (*ORDER, Agency)}  # type: ignore[arg-type]
    gen = DemoGenerator(seed=42)
    agencies = gen.agencies()
    times = {"enc": 0.0, "plain": 0.0}
    rows_total = 0
    for conn in (enc, plain):
        conn.execute("BEGIN")
        conn.executemany(repos[Agency]._insert_sql, [repos[Agency].to_row(a) for a in agencies])
        conn.execute("COMMIT")
    done, chunk = 0, 5000
    while done < cases:
        size = min(chunk, cases - done)
        batch = DemoBatch()
        for i in range(size):
            gen.case_bundle(f"2026-BNCH-{done + i + 1:06d}", agencies, batch)
        rows = {m: [repos[m].to_row(r) for r in batch.records.get(m, [])] for m in ORDER}
        people = {p.id: p for p in cast(list[Person], batch.records[Person])}
        notes: dict[str, str] = {}
        for n in cast(list[Note], batch.records.get(Note, [])):
            notes[n.case_id] = notes.get(n.case_id, "") + " " + n.text
        search_rows = []
        for offset, c in enumerate(cast(list[Case], batch.records[Case])):
            p = people[c.person_id]
            search_rows.append(
                (
                    done + offset + 1,
                    index_text(
                        c.case_number,
                        p.given_name,
                        p.family_name,
                        p.given_name_latin,
                        p.family_name_latin,
                        notes.get(c.id, ""),
                    ),
                )
            )
        rows_total += sum(len(r) for r in rows.values()) + len(search_rows)
        for name, conn in (("enc", enc), ("plain", plain)):
            start = time.perf_counter()
            conn.execute("BEGIN")
            for model in ORDER:
                conn.executemany(repos[model]._insert_sql, rows[model])
            conn.executemany("INSERT INTO case_search (rowid, text) VALUES (?, ?)", search_rows)
            conn.execute("COMMIT")
            times[name] += time.perf_counter() - start
        done += size
        print(f"\r  built {done}/{cases} cases", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    for conn in (enc, plain):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    (folder / "salt").write_bytes(salt)
    times["rows"] = rows_total
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


SEARCH_SQL = (
    "SELECT c.id, c.case_number, p.family_name, p.given_name FROM cases c"
    " JOIN persons p ON p.id = c.person_id JOIN (SELECT rowid AS hit FROM case_search"
    " WHERE case_search MATCH ? ORDER BY rowid DESC LIMIT 50) s ON s.hit = c.seq"
    " ORDER BY c.seq DESC"
)
AGGREGATES = {
    "phase x gender": "SELECT c.phase, p.gender, count(*) FROM cases c JOIN persons p"
    " ON p.id = c.person_id WHERE c.deleted = 0 GROUP BY 1, 2",
    "Rechtskreise (json_each)": "SELECT j.value, count(*) FROM cases c,"
    " json_each(c.rechtskreise) j GROUP BY 1",
    "consultations by place/month": "SELECT place, substr(date, 1, 7), count(*),"
    " sum(interpreter_used) FROM consultations GROUP BY 1, 2",
}


def search_workload(conn: sqlcipher3.Connection, queries: list[str]) -> dict[str, float]:
    result: dict[str, float] = {}
    lat = []
    for q in queries:
        start = time.perf_counter()
        conn.execute(SEARCH_SQL, (match_expression(q),)).fetchall()
        lat.append(time.perf_counter() - start)
    result["search p50 ms"] = percentile(lat, 0.5) * 1000
    result["search p95 ms"] = percentile(lat, 0.95) * 1000
    return result


def scan_workload(conn: sqlcipher3.Connection) -> dict[str, float]:
    result: dict[str, float] = {}
    for name, sql in AGGREGATES.items():
        conn.execute(sql).fetchall()  # first run fills the page cache
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            conn.execute(sql).fetchall()
            runs.append(time.perf_counter() - start)
        result[f"{name} ms"] = statistics.median(runs) * 1000
    return result


def search_queries(conn: sqlcipher3.Connection, n: int = 300) -> list[str]:
    rng = random.Random(1)
    names = [
        r[0]
        for r in conn.execute(
            "SELECT family_name_latin FROM persons UNION SELECT family_name FROM persons"
            " UNION SELECT given_name_latin FROM persons"
        )
    ]
    queries = []
    for _ in range(n):
        name = rng.choice(names).replace("Al-", "")
        queries.append(name[: rng.randint(2, 5)])
    return queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument(
        "--cache-kib",
        type=int,
        default=None,
        help="override every page cache (default: the vault's settings per operation)",
    )
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "kimdesk-bench")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--crash", type=int, default=0, help="SIGKILL rounds of the crash test")
    args = parser.parse_args()
    from kimdesk.vault.connection import BULK_CACHE_KIB, DEFAULT_CACHE_KIB

    interactive = args.cache_kib or DEFAULT_CACHE_KIB  # GUI, search
    bulk = args.cache_kib or BULK_CACHE_KIB  # demo fill, sync pull, statistics scans
    folder = args.dir / f"{args.cases}"
    built = None
    if args.rebuild or not (folder / "enc.kdb").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        built = build(args.cases, folder, bulk)
    salt = (folder / "salt").read_bytes()
    version = sqlcipher3.connect(":memory:").execute("PRAGMA cipher_version").fetchone()[0]
    print(
        f"KIMdesk vault benchmark: {args.cases} cases, SQLCipher {version}; page cache "
        f"{interactive // 1024} MiB interactive, {bulk // 1024} MiB for bulk writes and scans"
    )
    size_enc = (folder / "enc.kdb").stat().st_size / 2**20
    size_plain = (folder / "plain.db").stat().st_size / 2**20
    print(f"  file size: encrypted {size_enc:.0f} MiB, plain {size_plain:.0f} MiB")
    ratios: list[float] = []
    if built:
        ratios.append(built["enc"] / built["plain"])
        print(
            f"  bulk insert ({int(built['rows'])} rows): encrypted {built['enc']:.2f} s, "
            f"plain {built['plain']:.2f} s, ratio {ratios[-1]:.2f}"
        )
    else:
        print("  bulk insert: measured only when building (--rebuild)")

    unlocks = []
    for _ in range(5):
        start = time.perf_counter()
        key = kdf.CURRENT.derive(PASSPHRASE, salt)
        conn = connect(folder / "enc.kdb", key, salt, cache_kib=interactive)
        conn.execute("SELECT value FROM vault_meta WHERE key = 'counselor'").fetchone()
        unlocks.append(time.perf_counter() - start)
        conn.close()
    unlock_ms = statistics.median(unlocks) * 1000
    print(f"  unlock (KDF + open + first read): median {unlock_ms:.0f} ms (target <= 300 ms)")
    start = time.perf_counter()
    enc = connect(folder / "enc.kdb", key, salt, cache_kib=interactive)
    extra = (time.perf_counter() - start) * 1000
    print(f"  further connection with the cached key: {extra:.1f} ms")

    def report(title: str, enc_res: dict[str, float], plain_res: dict[str, float]) -> None:
        print(f"  {title}")
        for name in enc_res:
            ratio = enc_res[name] / plain_res[name] if plain_res[name] else float("nan")
            ratios.append(ratio)
            print(
                f"    {name:36s} encrypted {enc_res[name]:8.2f}  plain {plain_res[name]:8.2f}"
                f"  ratio {ratio:.2f}"
            )

    plain = plain_connect(folder / "plain.db", interactive)
    queries = search_queries(plain)
    search_workload(plain, queries[:50])  # warm both the same way
    search_workload(enc, queries[:50])
    report(
        "prefix search, 50 hits a page (interactive cache)",
        search_workload(enc, queries),
        search_workload(plain, queries),
    )
    enc.close()
    plain.close()
    enc = connect(folder / "enc.kdb", key, salt, cache_kib=bulk)
    plain = plain_connect(folder / "plain.db", bulk)
    report("aggregates, warm (statistics reader cache)", scan_workload(enc), scan_workload(plain))
    enc.close()
    plain.close()
    if args.cache_kib is None:
        enc = connect(folder / "enc.kdb", key, salt, cache_kib=interactive)
        plain = plain_connect(folder / "plain.db", interactive)
        print("  for comparison, aggregates with the small interactive cache (not what runs):")
        for name, e, p in zip(
            AGGREGATES, scan_workload(enc).values(), scan_workload(plain).values(), strict=True
        ):
            print(f"    {name + ' ms':36s} encrypted {e:8.2f}  plain {p:8.2f}  ratio {e / p:.2f}")
        enc.close()
        plain.close()
    print(f"  worst ratio {max(ratios):.2f} (target <= 1.3)")
    if args.crash:
        crash_rounds(args.crash)
    return 0


def crash_rounds(rounds: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.vault.test_crash_safety import PASSPHRASE as TEST_PASS
    from tests.vault.test_crash_safety import kill_writer_after

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crash.kdb"
        Vault.create(path, TEST_PASS, counselor="crash").close()
        rng = random.Random(os.getpid())
        committed: list[str] = []
        for i in range(rounds):
            committed += kill_writer_after(path, rng.randint(3, 12))
            with Vault.open(path, TEST_PASS) as v:
                ok = v.integrity_check() == []
                stored = {r[0] for r in v.conn.execute("SELECT id FROM cases")}
            lost = len([c for c in committed if c not in stored])
            if not ok or lost:
                print(f"  crash round {i}: integrity {'ok' if ok else 'FAILED'}, lost {lost}")
                raise SystemExit(1)
        print(
            f"  crash test: {rounds} SIGKILL rounds, {len(committed)} returned commits, "
            "none lost, integrity ok every time"
        )


if __name__ == "__main__":
    sys.exit(main())
