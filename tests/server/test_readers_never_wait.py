"""On SQLite, requests that only read (authentication, pull, state, reference data) do not wait
for a writer (issue 14 point 7).

Every transaction used to begin with ``BEGIN IMMEDIATE``, so each request's authentication and
every pull queued behind any push of the team on SQLite's busy handler, which sleeps 1, 2, 5,
10 ... ms between tries: a state request beside a pull took 16 ms instead of 1 ms. Under WAL a
reader never needs the write lock. Ordered, not timed: the reads must finish while another
connection holds the write lock the whole time.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from kimdesk.server.app import create_app

#: Long enough for any machine; a test that waits this long has failed.
PATIENCE = 20.0


def test_reads_finish_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    db_path = tmp_path / "server.db"
    app = create_app(f"sqlite:///{db_path}")
    service, engine = app.state.service, app.state.engine
    try:
        token = service.enroll(service.create_enroll_code("Team Nord")).token
        writer = sqlite3.connect(db_path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # a push of another device, say
        answers: list[object] = []
        done = threading.Event()

        def read() -> None:
            device = service.authenticate(token)
            answers.append(service.state(device, digest=False))
            answers.append(service.pull_json(device, 0, 10))
            answers.append(service.reference(device, 0))
            done.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        finished = done.wait(PATIENCE)
        writer.execute("ROLLBACK")
        reader.join(PATIENCE)
        writer.close()
        assert finished, "a read waited for the write lock"
        assert len(answers) == 3
    finally:
        engine.dispose()
