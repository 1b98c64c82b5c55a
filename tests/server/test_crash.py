"""The server process is killed (SIGKILL) in the middle of pushes and restarted, 20+ times:
afterwards no change is lost and none is applied twice."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from kimdesk.domain.models import Note, Person
from kimdesk.sync.engine import SyncEngine, SyncError, Transport, enroll

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "kimdesk.cli", "server", *args,
                              "--db", self.db_url], check=True, capture_output=True, text=True)
        return out.stdout

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kimdesk.cli", "server", "run", "--db", self.db_url,
             "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/v1/hello", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class KillingTransport(Transport):
    """Real HTTP; during some pushes a timer SIGKILLs the server a few ms into the request."""

    def __init__(self, server: ServerProcess, token: str, rng: random.Random) -> None:
        super().__init__(server.url, token, timeout=10)
        self.server = server
        self.rng = rng
        self.kills = 0

    def push(self, body: bytes, gz: bytes = b"", **kw):
        timer = None
        if self.rng.random() < 0.6:
            def kill() -> None:
                if self.server.alive:
                    self.server.kill()
                    self.kills += 1
            timer = threading.Timer(self.rng.uniform(0.0, 0.06), kill)
            timer.start()
        try:
            return super().push(body, gz, **kw)
        finally:
            if timer is not None:
                timer.join()


def _add(vault, rng: random.Random, n: int) -> None:
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(n):
        name = "".join(rng.choice(letters) for _ in range(8)).title()
        p = vault.people.add(Person(given_name="Kim", family_name=name))
        c = vault.cases.open_case(p.id, opened_on=date(2025, 1, 1))
        vault.notes.add(Note(case_id=c.id, text=name * 20))


def test_server_killed_mid_push(tmp_path: Path, make_vault, db_url) -> None:
    rng = random.Random(5)
    server = ServerProcess(db_url)
    code = server.cli("enroll-code", "--team", "Team Nord").strip().splitlines()[-1]
    server.start()
    vault = make_vault("crash.kdb")
    enroll(vault, server.url, code)
    transport = KillingTransport(server, vault.conn.execute(
        "SELECT value FROM sync_state WHERE key='token'").fetchone()[0], rng)
    engine = SyncEngine(vault, transport=transport, batch_changes=15)
    attempts = 0
    try:
        while transport.kills < 22 or vault.conn.execute(
                "SELECT count(*) FROM sync_outbox").fetchone()[0] or engine.store.pending_count():
            if transport.kills < 22 and engine.store.pending_count() < 40:
                _add(vault, rng, 20)
                # edits of already synced records too
                for case in vault.cases.where("1", order="random()")[:5]:
                    vault.cases.update(case.model_copy(update={"referral_source": str(attempts)}))
            attempts += 1
            assert attempts < 400
            if not server.alive:
                server.start()
            try:
                engine.sync()
            except SyncError:
                continue
        if not server.alive:
            server.start()
        transport.rng = random.Random(0)
        transport.push = Transport.push.__get__(transport)  # type: ignore[method-assign]
        engine.sync()
        # every local record is on the server with the same data; nothing applied twice
        from sqlalchemy import create_engine, text

        eng = create_engine(db_url)
        with eng.connect() as conn:
            rows = {(k, i): (rev, d) for k, i, rev, d in conn.execute(
                text("SELECT kind, id, rev, data FROM records"))}
            dup = conn.execute(text(
                "SELECT count(*) FROM (SELECT kind, id, rev FROM record_history"
                " GROUP BY kind, id, rev HAVING count(*) > 1) x")).scalar()
            nbatches = conn.execute(text("SELECT count(*) FROM batches")).scalar()
            last = conn.execute(text("SELECT last_batch_seq FROM devices")).scalar()
        eng.dispose()
        import json

        local = {(k, i): d for k, i, d in engine.store.iter_records()}
        assert set(local) == set(rows)
        for key, data in local.items():
            server_data = json.loads(rows[key][1])
            assert {k: v for k, v in data.items() if k != "updated_at"} == \
                {k: v for k, v in server_data.items() if k != "updated_at"}, key
        assert dup == 0
        assert nbatches == last  # each batch applied exactly once, in order
        assert transport.kills >= 20
        assert engine.store.pending_count() == 0
    finally:
        engine.close()
        server.kill()
