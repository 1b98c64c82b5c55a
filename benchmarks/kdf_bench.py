"""Unlock cost of the KDF profiles (docs/planned.md, "Argon2id unlock"), against the unlock of the
release before, measured in the same run.

    .venv/bin/python benchmarks/kdf_bench.py [--rounds 7]

Four unlocks (``Vault.open`` of a small vault, closed again), alternated round by round so that
the machine's drift hits them alike, medians printed with the ratio to the baseline:

- *baseline*: a profile-1 vault with profile 1 the only one known, as before profile 2 existed;
- *profile-1 vault*: the same file as this release opens it (``kdf.unlock_order``: CURRENT,
  profile 1, first: one derivation);
- *profile-2 vault*: Argon2id, tried second in this release (two derivations);
- *profile-1 vault in release N+1*: CURRENT is profile 2 there, so profile 1 is found second;
  paid once, before that release re-keys the vault.

Then the derivations alone, and the peak memory of one derivation: ``ru_maxrss`` of a process
forked for it, after it less before it (tracemalloc does not see Argon2's C allocation).
Target (docs/vault.md): an unlock <= 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kimdesk.vault import Vault, kdf

ROOT = Path(__file__).resolve().parent.parent

PASSPHRASE = "benchmark passphrase"
TARGET_S = 0.3
SALT = bytes(range(16))

PEAK = """
import os, resource, sys
from kimdesk.vault import kdf
import argon2.low_level  # imported before the first measurement: the import is not the KDF
profile = next(p for p in kdf.PROFILES if p.profile_id == int(sys.argv[1]))
# A fork: a process's ru_maxrss starts at its parent's size at the fork before its exec (this
# process began as a copy of the benchmark, which holds far more than a KDF needs).
if os.fork() == 0:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    profile.derive("benchmark passphrase", bytes(range(16)))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(before, after, flush=True)
    os._exit(0)
os.wait()
"""

def make_vault(path: Path, profile: kdf.KdfProfile) -> Path:
    saved = kdf.CURRENT
    kdf.CURRENT = profile
    try:
        Vault.create(path, PASSPHRASE, counselor="bench").close()
    finally:
        kdf.CURRENT = saved
    return path


def unlock(path: Path, profiles: tuple[kdf.KdfProfile, ...] | None = None,
           current: kdf.KdfProfile | None = None) -> float:
    saved, saved_current = kdf.PROFILES, kdf.CURRENT
    if profiles is not None:
        kdf.PROFILES = profiles
    if current is not None:
        kdf.CURRENT = current
    try:
        start = time.perf_counter()
        vault = Vault.open(path, PASSPHRASE)
        vault.meta  # noqa: B018 - the first read, as the unlock screen needs it
        elapsed = time.perf_counter() - start
        vault.close()
    finally:
        kdf.PROFILES, kdf.CURRENT = saved, saved_current
    return elapsed


def peak_kib(profile_id: int) -> tuple[int, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PEAK, str(profile_id)], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    from importlib.metadata import version

    by_id = {p.profile_id: p for p in kdf.PROFILES}
    one, two = by_id[1], by_id[2]
    print(f"KIMdesk KDF benchmark: argon2-cffi {version('argon2-cffi')}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}, {args.rounds} rounds (medians)")
    print(f"  profile 1: {one.algorithm}, {one.iterations:,} iterations")
    print(f"  profile 2: {two.algorithm}, {two.memory_kib // 1024} MiB, t={two.iterations}, "
          f"p={two.lanes}; CURRENT (creation, re-key) is profile {kdf.CURRENT.profile_id}")
    with tempfile.TemporaryDirectory() as tmp:
        p1 = make_vault(Path(tmp) / "p1.kdb", one)
        p2 = make_vault(Path(tmp) / "p2.kdb", two)
        runs: dict[str, Callable[[], float]] = {
            "baseline: profile-1 vault, profile 1 only": lambda: unlock(p1, (one,)),
            "profile-1 vault, this release (1 KDF)": lambda: unlock(p1),
            "profile-2 vault, this release (2 KDFs)": lambda: unlock(p2),
            "profile-1 vault, release N+1 (2 KDFs, once)": lambda: unlock(p1, current=two),
            "derive profile 1 alone": lambda: timed(one.derive),
            "derive profile 2 alone": lambda: timed(two.derive),
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, run in runs.items():
                times[name].append(run())
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians["baseline: profile-1 vault, profile 1 only"]
    print("  unlock (Vault.open + first read)")
    for name in list(runs)[:4]:
        verdict = "met" if medians[name] <= TARGET_S else "NOT met"
        print(f"    {name:44s} {medians[name] * 1000:6.0f} ms  ratio {medians[name] / base:4.2f}"
              f"  target <= {TARGET_S * 1000:.0f} ms {verdict}")
    d1, d2 = medians["derive profile 1 alone"], medians["derive profile 2 alone"]
    print(f"  derivation alone: profile 1 {d1 * 1000:.0f} ms, profile 2 {d2 * 1000:.0f} ms, "
          f"ratio 2/1 {d2 / d1:.2f}")
    print("  peak memory of one derivation (ru_maxrss of a forked process, after - before)")
    for profile in (one, two):
        before, after = peak_kib(profile.profile_id)
        print(f"    profile {profile.profile_id}: +{(after - before) / 1024:5.1f} MiB "
              f"(its peak {after / 1024:.0f} MiB)")
    return 0


def timed(derive: Callable[[str, bytes], bytes]) -> float:
    start = time.perf_counter()
    derive(PASSPHRASE, SALT)
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
