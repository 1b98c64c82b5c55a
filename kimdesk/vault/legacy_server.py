"""The plaintext server file earlier versions kept beside the vault: which server it was, and
its removal.

Up to version 0.1 the desktop app started an embedded sync server whenever no municipal server
was configured, and that server kept every synced record unencrypted in
``kimdesk-local-server.db`` next to the vault (issue 13). The file is read here only for the
server's id (so the vault enrolled with it can be un-enrolled, :mod:`kimdesk.sync.localcopy`),
then shredded with its WAL, SHM and journal.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from kimdesk.vault.files import DATABASE_SUFFIXES, shred_database

LEGACY_FILE = "kimdesk-local-server.db"


def retire_local_server(folder: Path) -> str | None:
    """Shred ``folder/kimdesk-local-server.db``. Returns the server id it held ("" when it could
    not be read), or None when there was no such file."""
    path = folder / LEGACY_FILE
    if not any(path.with_name(path.name + s).exists() for s in DATABASE_SUFFIXES):
        return None
    server_id = ""
    with contextlib.suppress(sqlite3.Error):
        # read-only: a read-write connection, closing, would copy the plaintext log into the
        # file and delete it, and its blocks would be freed unshredded (a review, 2026-12-06)
        conn = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT value FROM server_meta WHERE key = 'server_id'").fetchone()
            server_id = str(row[0]) if row else ""
        finally:
            conn.close()
    shred_database(path)
    return server_id
