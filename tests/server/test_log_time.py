"""``kimdesk server run`` stamps its log lines with the time, except where systemd's journal
takes them (it stamps each line itself): before 2026-12-07 no line had a time, so a server run
from a container or a terminal logged "database unavailable" without saying when.

The real command in its own process, its standard error in a file; the lines it writes while it
migrates a new database's schema are looked at.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kimdesk.server.log_setup import under_journal

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} ")
MIGRATED = "database schema migrated to"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_log(tmp_path: Path, name: str, journal: bool) -> list[str]:
    """Start a server on a new database, wait until it answers, stop it: its log lines."""
    log = tmp_path / f"{name}.log"
    port = _free_port()
    with log.open("w") as err:
        env = dict(os.environ)
        env.pop("JOURNAL_STREAM", None)
        if journal:  # what systemd sets when the unit's standard error is the journal
            stat = os.fstat(err.fileno())
            env["JOURNAL_STREAM"] = f"{stat.st_dev}:{stat.st_ino}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "kimdesk.cli", "server", "run", "--db",
             f"sqlite:///{tmp_path / (name + '.db')}", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=err, env=env)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/v1/hello", timeout=1)
                    break
                except httpx.HTTPError:
                    assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(20)
    return [line for line in log.read_text().splitlines() if line.strip()]


def test_lines_carry_the_time_outside_the_journal(tmp_path: Path) -> None:
    lines = _server_log(tmp_path, "plain", journal=False)
    migrated = [line for line in lines if MIGRATED in line]
    assert migrated, lines
    assert all(STAMP.match(line) for line in migrated), migrated  # before: no time at all
    assert STAMP.sub("", migrated[0]).startswith(MIGRATED)  # the documented line, unchanged


def test_the_journal_stamps_lines_itself(tmp_path: Path) -> None:
    lines = _server_log(tmp_path, "journal", journal=True)
    migrated = [line for line in lines if MIGRATED in line]
    assert migrated and all(line.startswith(MIGRATED) for line in migrated), lines


def test_a_journal_variable_for_another_stream_is_not_the_journal(tmp_path: Path) -> None:
    """Inherited from a unit by a program whose standard error goes elsewhere."""
    with (tmp_path / "a").open("w") as a, (tmp_path / "b").open("w") as b:
        stat = os.fstat(a.fileno())
        os.environ["JOURNAL_STREAM"] = f"{stat.st_dev}:{stat.st_ino}"
        try:
            assert under_journal(a)
            assert not under_journal(b)
        finally:
            del os.environ["JOURNAL_STREAM"]
