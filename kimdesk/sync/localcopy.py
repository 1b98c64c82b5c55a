"""The plaintext server file that earlier versions kept beside the vault, and its removal.

Up to version 0.1 the desktop app started an embedded sync server whenever no municipal server
was configured, and that server kept every synced record unencrypted in
``kimdesk-local-server.db`` next to the vault (issue 13). The app no longer does that: a vault
that is not enrolled simply does not sync (docs/vault.md, "Files on disk"). At start the app
shreds such a file (overwrite, fsync, unlink, with its WAL, SHM and journal) and, at the next
unlock, un-enrolls a vault that was enrolled with it, so its records are sent to the first real
server it is enrolled with.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from kimdesk.vault.files import DATABASE_SUFFIXES, shred_database
from kimdesk.vault.vault import Vault

LEGACY_FILE = "kimdesk-local-server.db"


def retire_local_server(folder: Path) -> str | None:
    """Shred ``folder/kimdesk-local-server.db``. Returns the server id it held ("" when it could
    not be read), or None when there was no such file."""
    path = folder / LEGACY_FILE
    if not any(path.with_name(path.name + s).exists() for s in DATABASE_SUFFIXES):
        return None
    server_id = ""
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(path)
        try:
            row = conn.execute(
                "SELECT value FROM server_meta WHERE key = 'server_id'").fetchone()
            server_id = str(row[0]) if row else ""
        finally:
            conn.close()
    shred_database(path)
    return server_id


def forget_retired_server(vault: Vault, server_ids: set[str]) -> bool:
    """Un-enroll ``vault`` if it was enrolled with one of the retired local servers."""
    from kimdesk.sync.store import SyncStore

    store = SyncStore(vault)
    if not store.enrolled or store.get("server_id") not in server_ids:
        return False
    store.forget_server()
    return True
