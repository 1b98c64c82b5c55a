"""A new SQLite server database gets 16 KiB pages; one made before keeps its 4 KiB pages and
works (kimdesk/server/db.py, ``PAGE_BYTES``; docs/deployment.md, "SQLite page size").

With 4 KiB pages a push of kilobyte records split and rewrote far more pages: the server's CPU
time for a push was a tenth to a third higher (measured by benchmarks/sync_bench.py, not here).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kimdesk.server.checkpoints import AUTOCHECKPOINT_BYTES
from kimdesk.server.db import PAGE_BYTES, make_engine
from kimdesk.server.migrate import upgrade
from kimdesk.server.service import SyncService


def _pragma(path: Path, name: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"PRAGMA {name}").fetchone()[0])
    finally:
        conn.close()


def test_a_new_database_has_16_kib_pages(tmp_path: Path) -> None:
    path = tmp_path / "server.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        SyncService(engine).create_enroll_code("Team Nord")
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    finally:
        engine.dispose()
    assert PAGE_BYTES == 16384
    assert mode == "wal"
    assert _pragma(path, "page_size") == 16384
    assert pages == AUTOCHECKPOINT_BYTES // 16384  # the safety net is 32 MiB of log, not 128


def test_a_database_with_4_kib_pages_keeps_them_and_works(tmp_path: Path) -> None:
    path = tmp_path / "server.db"
    old = sqlite3.connect(path)
    old.execute("PRAGMA page_size = 4096")
    old.execute("PRAGMA journal_mode = WAL")
    old.execute("CREATE TABLE made_before (x)")
    old.commit()
    old.close()
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        service = SyncService(engine)
        code = service.create_enroll_code("Team Nord")
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    finally:
        engine.dispose()
    assert code
    assert _pragma(path, "page_size") == 4096
    assert mode == "wal"
    assert pages == AUTOCHECKPOINT_BYTES // 4096
