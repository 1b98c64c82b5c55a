"""The plaintext local-server file of earlier versions, and the vault enrolled with it.

Up to version 0.1 the desktop app started an embedded sync server whenever no municipal server
was configured, and that server kept every synced record unencrypted in
``kimdesk-local-server.db`` next to the vault (issue 13). The app no longer does that: a vault
that is not enrolled simply does not sync (docs/vault.md, "Files on disk"). At start the app
shreds such a file (:func:`retire_local_server`, in :mod:`kimdesk.vault.legacy_server`) and, at
the next unlock, un-enrolls a vault that was enrolled with it, so its records are sent to the
first real server it is enrolled with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kimdesk.vault.legacy_server import LEGACY_FILE, retire_local_server

if TYPE_CHECKING:  # at start the app only retires the file: no vault modules before unlock
    from kimdesk.vault.vault import Vault

__all__ = ["LEGACY_FILE", "forget_retired_server", "retire_local_server"]


def forget_retired_server(vault: Vault, server_ids: set[str]) -> bool:
    """Un-enroll ``vault`` if it was enrolled with one of the retired local servers."""
    from kimdesk.sync.store import SyncStore

    store = SyncStore(vault)
    if not store.enrolled or store.get("server_id") not in server_ids:
        return False
    store.forget_server()
    return True
