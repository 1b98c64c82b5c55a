"""Copying SQLite's write-ahead log into the database file (a checkpoint), one at a time.

In WAL mode a commit appends pages to ``<db>-wal``; a *checkpoint* copies them into the database
file so the log can start over. Two kinds run on the server:

- after every push, once its answer has left (a background task of the push route): ``PASSIVE``,
  which never waits for a reader or the next writer and copies what it can. SQLite's automatic
  checkpoint ran the same copy inside the commit the device was waiting for: a ninth of a
  push's server time (10k new records, replayed: 75 ms of 660 ms). It stays as a safety net at
  :data:`AUTOCHECKPOINT_BYTES`, above the log of the largest batch. Every push checkpoints, the
  smallest too: one more sync of the database file per push, off the request path, instead of
  letting small pushes pile up a log whose copy would then land inside some device's commit;
- after a purge (:func:`kimdesk.server.purge.flush_freed_pages`): ``TRUNCATE``, which also
  empties the log file, because the log keeps old page images, the purged rows among them.

SQLite never waits for the checkpoint lock: a ``TRUNCATE`` that meets a running ``PASSIVE``
fails at once, without an error, and the purged pages would stay in the log. So checkpoints of
one database take turns on a lock in this process: a ``PASSIVE`` finding another one under way
skips (that one copies the log), a ``TRUNCATE`` waits for it, and then retries for up to
:data:`TRUNCATE_PATIENCE` seconds while a reader holds an old snapshot (or another process
checkpoints), and logs a warning if the log still could not be emptied; the daily retention run
tries again. On PostgreSQL all of this is nothing: it has no such log to copy.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger(__name__)

#: Bytes of log after which a commit checkpoints by itself (SQLite's default is 1,000 pages). Above
#: the log of the largest batch (5,000 changes of 1 KB wrote about 6,000 pages of 4 KiB; the
#: client's 2,500 about 2,800), or every big push would checkpoint inside its commit again. Set in
#: pages of the database's own size (:func:`autocheckpoint_pages`): 8,192 pages of 4 KiB, 2,048
#: of 16 KiB.
AUTOCHECKPOINT_BYTES = 32 * 1024 * 1024
#: Seconds a ``TRUNCATE`` checkpoint keeps trying while a reader holds an old snapshot.
TRUNCATE_PATIENCE = 5.0


def autocheckpoint_pages(page_bytes: int) -> int:
    """:data:`AUTOCHECKPOINT_BYTES` in pages of ``page_bytes``."""
    return max(1, AUTOCHECKPOINT_BYTES // page_bytes)


_locks: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def checkpoint_lock(engine: Engine) -> threading.Lock:
    """The lock the checkpoints of this engine's database take turns on."""
    with _locks_guard:
        lock = _locks.get(engine)
        if lock is None:
            lock = _locks[engine] = threading.Lock()
        return lock


def checkpoint(engine: Engine, mode: str = "PASSIVE") -> bool:
    """Copy the log into the database file (``PASSIVE``) or also empty it (``TRUNCATE``);
    whether every page of the log was copied. Never raises: a checkpoint is housekeeping."""
    if engine.dialect.name != "sqlite":
        return True
    lock = checkpoint_lock(engine)
    if not lock.acquire(blocking=mode != "PASSIVE"):
        return False  # another checkpoint is copying the log right now
    try:
        deadline = time.monotonic() + (0.0 if mode == "PASSIVE" else TRUNCATE_PATIENCE)
        while not (done := checkpoint_once(engine, mode)) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        lock.release()
    if not done and mode != "PASSIVE":
        log.warning("the SQLite log could not be emptied (%s checkpoint busy): it keeps old"
                    " pages until the next one", mode)
    return done


def checkpoint_once(engine: Engine, mode: str) -> bool:
    """One ``PRAGMA wal_checkpoint``: on the driver's connection, outside any transaction (the
    engine begins every transaction, and a checkpoint inside one fails). SQLite answers
    (busy, pages in the log, pages copied) instead of raising when it is busy.

    A ``TRUNCATE`` runs without the connection's busy timeout: while it waits for a reader it
    blocks every writer of the database, and with the pool's 30 s timeout another team's push
    waited 7.75 s behind a reader of 8 s, and 29.8 s behind one of 60 s (a review,
    2026-12-06). It answers busy at once instead, and :func:`checkpoint` tries again every
    10 ms, so writers go on in between."""
    try:
        raw = engine.raw_connection()
    except Exception:  # the pool is exhausted or the database is gone: next time
        return False
    conn: Any = raw.driver_connection
    try:
        waits = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
        if mode != "PASSIVE":
            conn.execute("PRAGMA busy_timeout = 0")
        try:
            busy, pages, copied = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        finally:
            if mode != "PASSIVE":
                conn.execute(f"PRAGMA busy_timeout = {waits}")
        return not busy and pages == copied
    except Exception:
        return False
    finally:
        raw.close()
