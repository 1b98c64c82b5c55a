"""Crash safety with real processes killed by SIGKILL at random moments.

The benchmark (benchmarks/vault_bench.py --crash N) runs many more rounds; CI runs these."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kimdesk.vault import Vault, WrongPassphrase
from tests.conftest import PASSPHRASE

WRITER = Path(__file__).with_name("crash_writer.py")


def kill_writer_after(path: Path, commits: int) -> list[str]:
    """Kill the writer as soon as it has reported ``commits`` returned commits (it is then in
    the middle of the next one): counted, not timed, so a loaded machine changes nothing."""
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), "write", str(path), PASSPHRASE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    seen = [proc.stdout.readline() for _ in range(commits)]
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    text = b"".join(seen).decode() + out.decode()
    lines = text.split("\n")
    return [line for line in lines[:-1] if line]  # the unterminated last line did not return


@pytest.mark.slow
def test_killed_writer_loses_no_returned_commit(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="crash"):
        pass
    rng = random.Random(20261125)
    committed: list[str] = []
    for _round in range(20):
        committed += kill_writer_after(path, rng.randint(3, 8))
        with Vault.open(path, PASSPHRASE) as v:
            assert v.integrity_check() == []
            stored = {r[0] for r in v.conn.execute("SELECT id FROM cases")}
            missing = [c for c in committed if c not in stored]
            assert not missing, f"round {_round}: {len(missing)} returned commits lost"
            assert v.audit.verify() is None
            assert v.count_matches("crash") == len(stored)
    assert len(committed) >= 60, "the writer must have committed between the kills"


@pytest.mark.slow
def test_killed_passphrase_change_leaves_one_passphrase_working(tmp_path: Path) -> None:
    from kimdesk.demo.generator import fill

    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="crash") as v:
        fill(v, 400, seed=3)
        expected = v.cases.count()
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(WRITER), "rekey", str(path), PASSPHRASE, "timed"],
        check=True,
        capture_output=True,
    )
    duration = time.perf_counter() - start  # process start, unlock and re-key
    rng = random.Random(7)
    current, outcomes = "timed", {"old": 0, "new": 0}
    # Round 0 is killed before the change starts and round 1 after it returned, whatever the
    # machine's speed (a loaded CI machine once put all 14 timed kills before the commit); the
    # others at a random moment in between, where either passphrase may work, never none.
    for round_ in range(14):
        new = f"passphrase {round_}"
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), "rekey", str(path), current, new,
             *(["gated"] if round_ == 0 else [])], stdout=subprocess.PIPE, stdin=subprocess.PIPE)
        assert proc.stdout is not None and proc.stdout.readline() == b"opened\n"
        if round_ == 1:
            assert proc.stdout.readline() == b"rekeyed\n"
        elif round_ > 1:
            time.sleep(rng.uniform(0.0, duration))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        try:
            vault = Vault.open(path, current)
            outcomes["old"] += 1
            assert round_ != 1, "the change had returned: the new passphrase must work"
        except WrongPassphrase:
            vault = Vault.open(path, new)  # if neither works this raises and fails the test
            assert round_ != 0, "killed before the change started: the old one must work"
            current = new
            outcomes["new"] += 1
        with vault:
            assert vault.cases.count() == expected
            assert vault.integrity_check() == []
    assert outcomes["old"] and outcomes["new"], outcomes
